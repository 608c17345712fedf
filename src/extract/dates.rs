//! Dates, times, time zones and durations: published, incident_date, start, end,
//! duration_minutes.
//!
//! Takes the document's sections (and the source's hints); returns when the incident started
//! and ended, on which day it happened and how long it lasted. Understands the phrases
//! reports use ("02:00 - 06:00 (EST)", "between 3:16 PM PST and 7:38 PM PST on December 11,
//! 2024", "from 7:00 AM to 10:30 AM GMT", "Duration: 2.5 hours", "lasting ~50 minutes",
//! "Start:/End:" labels, "2022-07-19 07:17 US/Pacific") and keeps the day the incident
//! happened apart from the day the report was written. Time-zone abbreviations map to fixed
//! offsets; US and EU zone names follow their daylight-saving rules, so no tz database is
//! needed. Times with no zone anywhere in the report are taken as UTC.

use std::cell::RefCell;
use std::sync::LazyLock;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, Utc,
    Weekday,
};
use foldhash::HashMap;
use regex::Regex;

use crate::extract::sections::{Kind, Section};
use crate::model::{Block, Hints};

/// A time zone as reports write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// A fixed offset in seconds east of UTC (`UTC`, `EST`, `CEST`, `UTC+2`).
    Fixed(i32),
    /// A US zone with daylight saving (`PT`, `US/Pacific`): standard offset in hours.
    Us(i32),
    /// A European zone with summer time (`Europe/Berlin`): standard offset in hours.
    Eu(i32),
}

impl Zone {
    /// The UTC offset in force at a local date and time.
    pub(crate) fn offset_at(self, local: NaiveDateTime) -> FixedOffset {
        let seconds = match self {
            Zone::Fixed(s) => s,
            Zone::Us(h) => (h + i32::from(us_dst(local))) * 3600,
            Zone::Eu(h) => (h + i32::from(eu_dst(local.date()))) * 3600,
        };
        FixedOffset::east_opt(seconds).unwrap_or_else(|| Utc.fix())
    }
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    nth_weekday(year, month, weekday, 5).or_else(|| nth_weekday(year, month, weekday, 4))
}

/// US daylight saving: second Sunday of March 02:00 to first Sunday of November 02:00.
fn us_dst(local: NaiveDateTime) -> bool {
    let year = local.year();
    match (nth_weekday(year, 3, Weekday::Sun, 2), nth_weekday(year, 11, Weekday::Sun, 1)) {
        (Some(start), Some(end)) => {
            let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN);
            local >= start.and_time(two) && local < end.and_time(two)
        }
        _ => false,
    }
}

/// EU summer time: last Sunday of March to last Sunday of October (by date).
fn eu_dst(date: NaiveDate) -> bool {
    match (last_weekday(date.year(), 3, Weekday::Sun), last_weekday(date.year(), 10, Weekday::Sun))
    {
        (Some(start), Some(end)) => date >= start && date < end,
        _ => false,
    }
}

/// Zone names and abbreviations that reports use, in the form the regexes match.
const ZONE_PATTERN: &str = r"UTC(?:\s?[+-]\s?\d{1,2}(?::?\d{2})?)?|GMT(?:\s?[+-]\s?\d{1,2}(?::?\d{2})?)?|US/(?:Pacific|Eastern|Central|Mountain)|America/(?:Los_Angeles|New_York|Chicago|Denver)|Europe/(?:London|Dublin|Lisbon|Berlin|Paris|Amsterdam|Copenhagen|Madrid|Rome|Stockholm|Oslo|Warsaw|Brussels|Vienna|Zurich)|(?:Pacific|Eastern|Central|Mountain) (?:Standard |Daylight )?Time|AKST|AKDT|AEST|AEDT|ACST|AWST|NZST|NZDT|CEST|EEST|WEST|SAST|HST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|CET|EET|WET|BST|IST|JST|KST|EAT|WAT|CAT|MSK|HKT|SGT|PHT|WIB|ICT|BRT|ART|PT|ET|CT|MT";

/// Parses a zone as matched by [`ZONE_PATTERN`].
pub(crate) fn parse_zone(name: &str) -> Option<Zone> {
    let name = name.trim();
    let hours = |h: i32| Some(Zone::Fixed(h * 3600));
    if let Some(rest) = name.strip_prefix("UTC").or_else(|| name.strip_prefix("GMT")) {
        let rest: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
        if rest.is_empty() {
            return hours(0);
        }
        let sign = if rest.starts_with('-') { -1 } else { 1 };
        let digits = rest.trim_start_matches(['+', '-']).replace(':', "");
        let (h, m) = if digits.len() > 2 {
            digits.split_at(digits.len() - 2)
        } else {
            (digits.as_str(), "0")
        };
        let h: i32 = h.parse().ok()?;
        let m: i32 = m.parse().ok()?;
        return Some(Zone::Fixed(sign * (h * 3600 + m * 60)));
    }
    let zone = match name {
        "US/Pacific" | "America/Los_Angeles" | "PT" => Zone::Us(-8),
        "US/Mountain" | "America/Denver" | "MT" => Zone::Us(-7),
        "US/Central" | "America/Chicago" | "CT" => Zone::Us(-6),
        "US/Eastern" | "America/New_York" | "ET" => Zone::Us(-5),
        "Europe/London" | "Europe/Dublin" | "Europe/Lisbon" => Zone::Eu(0),
        n if n.starts_with("Europe/") => Zone::Eu(1),
        n if n.ends_with(" Time") => {
            let std = match n.split(' ').next() {
                Some("Pacific") => -8,
                Some("Mountain") => -7,
                Some("Central") => -6,
                _ => -5,
            };
            if n.contains("Standard") {
                Zone::Fixed(std * 3600)
            } else if n.contains("Daylight") {
                Zone::Fixed((std + 1) * 3600)
            } else {
                Zone::Us(std)
            }
        }
        "EDT" => Zone::Fixed(-4 * 3600),
        "EST" | "CDT" => Zone::Fixed(-5 * 3600),
        "CST" | "MDT" => Zone::Fixed(-6 * 3600),
        "MST" | "PDT" => Zone::Fixed(-7 * 3600),
        "PST" | "AKDT" => Zone::Fixed(-8 * 3600),
        "AKST" => Zone::Fixed(-9 * 3600),
        "HST" => Zone::Fixed(-10 * 3600),
        "WET" => Zone::Fixed(0),
        "CET" | "WEST" | "BST" | "WAT" => Zone::Fixed(3600),
        "CEST" | "EET" | "CAT" | "SAST" => Zone::Fixed(2 * 3600),
        "EEST" | "EAT" | "MSK" => Zone::Fixed(3 * 3600),
        "IST" => Zone::Fixed(5 * 3600 + 1800),
        "ICT" | "WIB" => Zone::Fixed(7 * 3600),
        "HKT" | "SGT" | "PHT" | "AWST" => Zone::Fixed(8 * 3600),
        "JST" | "KST" => Zone::Fixed(9 * 3600),
        "ACST" => Zone::Fixed(9 * 3600 + 1800),
        "AEST" => Zone::Fixed(10 * 3600),
        "AEDT" => Zone::Fixed(11 * 3600),
        "NZST" => Zone::Fixed(12 * 3600),
        "NZDT" => Zone::Fixed(13 * 3600),
        "BRT" | "ART" => Zone::Fixed(-3 * 3600),
        _ => return None,
    };
    Some(zone)
}

const MONTH_PATTERN: &str = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

static RE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(&format!(
        r"(?i)\b(?P<h>2[0-3]|[01]?\d)(?:(?::(?P<m>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?)|(?P<hrs>[0-5]\d)\s*hrs\b)?\s*(?P<ampm>[ap]\.?\s?m\b\.?)?(?:\s*\(?\s*(?-i:(?P<zone>{ZONE_PATTERN}|Z))\b\)?)?"
    ))
    .expect("literal regex for clock times")
});
const DATE_MONTH_FIRST: &str = r"\b{MONTH_PATTERN}\s*(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?:\s*[-–]\s*[0-3]?\d(?:st|nd|rd|th)?\b)?(?:,?\s*(?P<y>(?:19|20)\d{2})\b)?";
const DATE_DAY_FIRST: &str = r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_PATTERN}\b(?:,?\s*(?P<y>(?:19|20)\d{2})\b)?";

/// A date pattern with month names: `case_insensitive` for any text, or for text that was
/// ASCII-lowercased first. Lowercase literals let the regex engine skip through a paragraph
/// with a literal prefilter; `(?i)` month names have too many case variants for one.
fn month_date_regex(pattern: &str, case_insensitive: bool) -> Regex {
    let flags = if case_insensitive { "(?i)" } else { "" };
    crate::extract::ascii_word_regex(&format!(
        "{flags}{}",
        pattern.replace("{MONTH_PATTERN}", MONTH_PATTERN)
    ))
    .expect("literal regex for dates with month names")
}

static RE_DATE_MONTH_FIRST: LazyLock<Regex> =
    LazyLock::new(|| month_date_regex(DATE_MONTH_FIRST, false));
static RE_DATE_DAY_FIRST: LazyLock<Regex> =
    LazyLock::new(|| month_date_regex(DATE_DAY_FIRST, false));
/// The same for the rare text that holds U+017F (long s), which `(?i)` folds to `s`, as in
/// `Auguſt`, and lowercasing ASCII does not.
static RE_DATE_MONTH_FIRST_ANY_CASE: LazyLock<Regex> =
    LazyLock::new(|| month_date_regex(DATE_MONTH_FIRST, true));
static RE_DATE_DAY_FIRST_ANY_CASE: LazyLock<Regex> =
    LazyLock::new(|| month_date_regex(DATE_DAY_FIRST, true));
static RE_DATE_ISO: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
        .expect("literal regex for ISO dates")
});
static RE_DATE_NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"\b(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[0-3]?\d)[/.-](?P<y>(?:19|20)\d{2})\b",
    )
    .expect("literal regex for numeric dates")
});
static RE_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b")
        .expect("literal regex for weekdays")
});
static RE_URL_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(r"(?:^|[/_.-])((?:19|20)\d{2})(?:[/_.-]|$)")
        .expect("literal regex for a year in a URL")
});
static RE_RANGE_GAP: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^[\s,]*(?:-|–|—|->|to|until|till|through|and)[\s,]*(?:on\s+)?$",
    )
    .expect("literal regex for the words between two times of a range")
});
static RE_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)(?P<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|half an?)(?P<half>\s+and\s+a\s+half)?\s*(?:-\s*)?(?P<unit>hours?|hrs?|h\b|minutes?|mins?\b|days?)(?:\s*(?:and\s*)?(?P<n2>\d+)\s*(?:minutes?|mins?)\b)?",
    )
    .expect("literal regex for durations")
});
static RE_DURATION_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)(?:duration(?: of [a-z ]{0,20})?\s*(?::|was|of|lasted)?|lasting(?: for)?|lasted(?: for)?|for a total of|a total of|totall?ing|outage of|downtime of|(?:down|outage|offline|unavailable|degraded|unreachable|inaccessible|disrupted|interrupted|failing|impacted|halted|stopped|stalled|paused|delayed|out of service)\s+for|(?:over|for|during) a period of|time to (?:recovery|recover|resolution|resolve|restore|mitigate)\s*:?)\s*(?:about|approximately|approx\.?|roughly|around|nearly|almost|over|just over|~|≈)?\s*$",
    )
    .expect("literal regex for words before a duration")
});
/// Words after a duration that make it the incident's ("22 hours of downtime").
static RE_DURATION_OF: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^(?:\s+of\s+(?:\w+\s+)?(?:downtime|outage|unavailability|disruption|degradation|degraded service|partial availability|service interruption|interruption)|\s*-?\s*(?:long\s+)?(?:partial\s+|complete\s+|full\s+|major\s+|total\s+)?(?:outage|downtime|disruption|interruption|service interruption)|\s+to\s+(?:fix|resolve|restore|recover|mitigate|bring\s+\w+\s+back))\b",
    )
    .expect("literal regex for words after a duration")
});
static RE_DEFAULT_ZONE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(&format!(
        r"(?i:\btimes?\b[^.\n|]{{0,25}}?\b(?:in|are)\s+|\ball times\s+|\btimes?\s*\(\s*)(?P<zone>{ZONE_PATTERN})\b"
    ))
    .expect("literal regex for 'all times in ZONE'")
});

/// A clock time found in text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeMention {
    /// Byte range in the text.
    pub(crate) start: usize,
    /// See `start`.
    pub(crate) end: usize,
    /// The time of day.
    pub(crate) time: NaiveTime,
    /// The zone written next to it.
    pub(crate) zone: Option<Zone>,
}

/// A calendar date found in text; the year may be missing ("November 6th").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DateMention {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) year: Option<i32>,
}

impl DateMention {
    /// The date, with `year_hint` for a date written without a year.
    pub(crate) fn date(&self, year_hint: Option<i32>) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year.or(year_hint)?, self.month, self.day)
    }
}

fn month_number(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    let months =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    months.iter().position(|m| n.starts_with(m)).map(|i| i as u32 + 1)
}

/// Whether `text` holds an ASCII digit, which every time and date pattern needs.
fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

/// What [`find_times`] and [`find_dates`] found in each text, while a [`Memo`] is alive.
#[derive(Default)]
struct Found {
    times: HashMap<String, Vec<TimeMention>>,
    dates: HashMap<String, Vec<DateMention>>,
}

thread_local! {
    static MEMO: RefCell<Option<Found>> = const { RefCell::new(None) };
}

/// While alive, [`find_times`] and [`find_dates`] on this thread remember what they found in
/// each text: one extraction reads the same paragraph for the year, the zone, the range, the
/// start, the duration and the timeline, and these searches were a tenth of a cold pass.
/// Results depend on the text alone, so a remembered one is always right; the memory goes
/// when the guard drops (at the end of the extraction).
pub(crate) struct Memo {
    outermost: bool,
}

impl Memo {
    pub(crate) fn start() -> Self {
        let outermost = MEMO.with(|memo| {
            let mut memo = memo.borrow_mut();
            let outermost = memo.is_none();
            memo.get_or_insert_with(Found::default);
            outermost
        });
        Self { outermost }
    }
}

impl Drop for Memo {
    fn drop(&mut self) {
        if self.outermost {
            MEMO.with(|memo| memo.borrow_mut().take());
        }
    }
}

/// `scan(text)`, or what it gave for the same text while a [`Memo`] is alive.
fn remembered<T: Clone>(
    text: &str,
    table: fn(&mut Found) -> &mut HashMap<String, Vec<T>>,
    scan: fn(&str) -> Vec<T>,
) -> Vec<T> {
    // Every pattern needs a digit; most paragraphs have none, and this check costs a
    // fraction of one search.
    if !has_digit(text) {
        return Vec::new();
    }
    MEMO.with(|memo| {
        // `scan` never searches through this memo, so holding the borrow is safe.
        let mut memo = memo.borrow_mut();
        let Some(found) = memo.as_mut() else { return scan(text) };
        let table = table(found);
        if let Some(hit) = table.get(text) {
            return hit.clone();
        }
        let result = scan(text);
        table.insert(text.to_owned(), result.clone());
        result
    })
}

/// Clock times in `text`: `14:00`, `2:00 PM`, `3 PM`, `2100hrs`, with a zone when one follows.
pub(crate) fn find_times(text: &str) -> Vec<TimeMention> {
    remembered(text, |found| &mut found.times, scan_times)
}

fn scan_times(text: &str) -> Vec<TimeMention> {
    times_in(text).collect()
}

/// How many clock times `text` holds, counting to `at_most` (the classifier's cap) only.
pub(crate) fn count_times(text: &str, at_most: usize) -> usize {
    if !has_digit(text) {
        return 0;
    }
    times_in(text).take(at_most).count()
}

/// The clock times of `text`, one search at a time.
fn times_in(text: &str) -> impl Iterator<Item = TimeMention> + '_ {
    RE_TIME.find_iter(text).filter_map(|found| time_at(text, found))
}

/// The clock time of one match of [`RE_TIME`], if it is one.
fn time_at(text: &str, found: regex::Match<'_>) -> Option<TimeMention> {
    // Most matches are bare numbers ("5 regions", "2024"), never a clock time (no minutes,
    // no am/pm). Skip them before asking for the groups: resolving captures is what made
    // this the costliest search of an extraction.
    if found.as_str().bytes().all(|b| b.is_ascii_digit() || b.is_ascii_whitespace()) {
        return None;
    }
    // The same match again, now with its groups (a search from its start finds it first).
    let caps = RE_TIME.captures_at(text, found.start())?;
    let whole = caps.get(0)?;
    let has_minutes = caps.name("m").is_some() || caps.name("hrs").is_some();
    let ampm = caps.name("ampm").map(|m| m.as_str().to_ascii_lowercase());
    if !has_minutes && ampm.is_none() {
        return None;
    }
    // `2024-01-05` is not 20:24; `v1.2:00` and `12:30:45.123` pieces are not either.
    let before = text[..whole.start()].chars().next_back();
    if before
        .is_some_and(|c| c == ':' || c == '-' && caps.name("m").is_none() || c.is_ascii_digit())
    {
        return None;
    }
    let mut hour = caps["h"].parse::<u32>().ok()?;
    let minute = caps
        .name("m")
        .or_else(|| caps.name("hrs"))
        .and_then(|m| m.as_str().parse::<u32>().ok())
        .unwrap_or(0);
    if let Some(ampm) = &ampm {
        if hour > 12 && caps.name("m").is_none() {
            return None;
        }
        if ampm.starts_with('p') && hour < 12 {
            hour += 12;
        } else if ampm.starts_with('a') && hour == 12 {
            hour = 0;
        }
    }
    let time = NaiveTime::from_hms_opt(hour, minute, 0)?;
    let zone = caps.name("zone").and_then(|z| {
        if z.as_str() == "Z" { Some(Zone::Fixed(0)) } else { parse_zone(z.as_str()) }
    });
    let end = caps.name("zone").map_or_else(
        || {
            caps.name("ampm").map_or(
                caps.name("m").or_else(|| caps.name("hrs")).map_or(whole.end(), |m| m.end()),
                |m| m.end(),
            )
        },
        |_| whole.end(),
    );
    Some(TimeMention { start: whole.start(), end, time, zone })
}

/// Calendar dates in `text`, in order, without overlaps.
pub(crate) fn find_dates(text: &str) -> Vec<DateMention> {
    remembered(text, |found| &mut found.dates, scan_dates)
}

fn scan_dates(text: &str) -> Vec<DateMention> {
    let mut out: Vec<DateMention> = Vec::new();
    for caps in RE_DATE_ISO.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let (Ok(y), Ok(m), Ok(d)) = (caps["y"].parse(), caps["m"].parse(), caps["d"].parse())
        else {
            continue;
        };
        out.push(DateMention {
            start: whole.start(),
            end: whole.end(),
            month: m,
            day: d,
            year: Some(y),
        });
    }
    // Month names are searched for in an ASCII-lowercased copy (the same byte offsets), and
    // what they say is read from `text` itself.
    let lowered;
    let (haystack, month_patterns) = if text.contains('\u{17f}') {
        (text, [&*RE_DATE_MONTH_FIRST_ANY_CASE, &*RE_DATE_DAY_FIRST_ANY_CASE])
    } else {
        lowered = text.to_ascii_lowercase();
        (lowered.as_str(), [&*RE_DATE_MONTH_FIRST, &*RE_DATE_DAY_FIRST])
    };
    for re in month_patterns {
        for caps in re.captures_iter(haystack) {
            let Some(whole) = caps.get(0) else { continue };
            let Some(mon) = caps.name("mon").map(|m| &text[m.range()]) else { continue };
            let Some(month) = month_number(mon) else { continue };
            let Ok(day) = caps["d"].parse::<u32>() else { continue };
            if day == 0 || day > 31 {
                continue;
            }
            // "may 2 users": without a year, "may" must be capitalised.
            let year = caps.name("y").and_then(|y| y.as_str().parse().ok());
            if year.is_none() && mon.starts_with('m') && mon.len() == 3 {
                continue;
            }
            out.push(DateMention { start: whole.start(), end: whole.end(), month, day, year });
        }
    }
    for caps in RE_DATE_NUMERIC.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let (Ok(a), Ok(b), Ok(y)) =
            (caps["a"].parse::<u32>(), caps["b"].parse::<u32>(), caps["y"].parse())
        else {
            continue;
        };
        // US month-first unless the first number cannot be a month; `13/10/2023` is day-first.
        let (month, day) = if a > 12 { (b, a) } else { (a, b) };
        out.push(DateMention { start: whole.start(), end: whole.end(), month, day, year: Some(y) });
    }
    out.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
    let mut kept: Vec<DateMention> = Vec::new();
    for d in out {
        if kept.last().is_some_and(|k| d.start < k.end) {
            continue;
        }
        kept.push(d);
    }
    kept
}

/// A date and time in a zone → UTC.
pub(crate) fn to_utc(date: NaiveDate, time: NaiveTime, zone: Zone) -> DateTime<Utc> {
    let local = date.and_time(time);
    let offset = zone.offset_at(local);
    let utc = local - Duration::seconds(i64::from(offset.local_minus_utc()));
    utc.and_utc()
}

/// A start or end as found: local date and time, zone.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Instant {
    date: Option<NaiveDate>,
    time: Option<NaiveTime>,
    zone: Option<Zone>,
}

/// Everything the dates of a report say, plus the context the timeline needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Dates {
    pub(crate) incident_date: Option<NaiveDate>,
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) duration_minutes: Option<u32>,
    /// The zone the report's times are in, when it says.
    pub(crate) zone: Option<Zone>,
    /// The year to give dates written without one.
    pub(crate) year_hint: Option<i32>,
    /// Whether the text itself states a time range or a duration.
    pub(crate) stated_span: bool,
    /// Whether the incident date was read from the text (not from the publication date or
    /// the source's hints): what the classifier counts as a stated date.
    pub(crate) stated_date: bool,
}

/// Text units (paragraphs, list items, long headings) read as the report's opening.
const OPENING_UNITS: usize = 8;

/// Longest span taken as one incident (two weeks).
const MAX_SPAN_MINUTES: i64 = 14 * 24 * 60;

/// A unit of text that dates are read from, with the label or heading right before it.
struct Unit<'a> {
    text: &'a str,
    label: Option<&'a str>,
    kinds: &'a [Kind],
    in_opening: bool,
}

/// The text units dates are read from: the title, long headings, paragraphs and list items.
fn read_units<'a>(title: Option<&'a str>, sections: &'a [Section<'a>]) -> Vec<Unit<'a>> {
    let mut units: Vec<Unit<'_>> = Vec::new();
    if let Some(title) = title {
        units.push(Unit { text: title, label: None, kinds: &[], in_opening: true });
    }
    let mut seen_vocabulary_heading = false;
    for section in sections {
        let summary_like =
            section.has(Kind::Summary) || section.has(Kind::Duration) || section.has(Kind::Impact);
        if section.own && !summary_like {
            seen_vocabulary_heading = true;
        }
        let opening = |units: &Vec<Unit<'_>>| {
            units.len() < OPENING_UNITS && (!seen_vocabulary_heading || summary_like)
        };
        // A long heading can carry the facts ("#### On August 15, 2024, at 00:00 hours, ...").
        if let Some(heading) = section.heading
            && heading.len() > 20
        {
            let in_opening = opening(&units);
            units.push(Unit { text: heading, label: None, kinds: &section.kinds, in_opening });
        }
        let mut label = section.heading;
        for block in &section.blocks {
            let text = match block {
                Block::Paragraph { text } | Block::ListItem { text } => text.as_str(),
                _ => continue,
            };
            let in_opening = opening(&units);
            units.push(Unit { text, label, kinds: &section.kinds, in_opening });
            label = None;
        }
    }

    units
}

/// Reads the incident's dates from the sections, falling back to the hints.
pub(crate) fn extract_dates(
    title: Option<&str>,
    sections: &[Section<'_>],
    published: Option<DateTime<Utc>>,
    url: Option<&str>,
    hints: &Hints,
) -> Dates {
    let units = read_units(title, sections);
    let all_text_years = units.iter().flat_map(|u| find_dates(u.text)).filter_map(|d| d.year);
    let url_year = [url, hints.url.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|u| RE_URL_YEAR.captures(u).and_then(|c| c[1].parse::<i32>().ok()));
    // A date without a year is in the year of publication, else the one the text names most.
    let year_hint = published
        .or(hints.published)
        .map(|p| p.year())
        .or_else(|| most_common(all_text_years))
        .or(url_year)
        .or_else(|| hints.started_at.map(|p| p.year()));
    let (zone, zone_stated) = default_zone(sections, &units);

    let mut dates = Dates { zone, year_hint, ..Dates::default() };
    let opening = || units.iter().filter(|u| u.in_opening);
    let outside_timeline = || {
        units
            .iter()
            .filter(|u| !u.kinds.contains(&Kind::Timeline) && !u.kinds.contains(&Kind::ActionItems))
    };

    // 1. A labelled span: "Duration: ... 02:00 - 06:00 (EST)", "Start:" / "End:".
    let mut span: Option<(Instant, Instant)> = None;
    let mut explicit_minutes: Option<u32> = None;
    for unit in &units {
        let label = unit.label.unwrap_or("").to_ascii_lowercase();
        let is_duration =
            label.contains("duration") || unit.text.to_ascii_lowercase().contains("duration");
        if is_duration {
            if span.is_none() {
                span = find_range(unit.text, year_hint);
            }
            if explicit_minutes.is_none() {
                explicit_minutes = find_duration(unit.text, label.contains("duration"));
            }
        }
    }
    if span.is_none() {
        span = labelled_start_end(&units, year_hint);
    }
    // 2. The opening: a range, a stated duration ("lasting ~50 minutes"), a start.
    if span.is_none() {
        span = opening().find_map(|u| find_range(u.text, year_hint));
    }
    if explicit_minutes.is_none() {
        explicit_minutes = opening().find_map(|u| find_duration(u.text, false));
    }
    if span.is_none() {
        span = opening().find_map(|u| find_start(u.text, year_hint));
    }
    // 3. Anywhere but the timeline; a stated duration then wins over such a range.
    let mut span_is_weak = false;
    if span.is_none() {
        span = outside_timeline().find_map(|u| find_range(u.text, year_hint));
        span_is_weak = span.is_some();
    }
    if explicit_minutes.is_none() {
        explicit_minutes = outside_timeline().find_map(|u| find_duration(u.text, false));
    }

    if let Some((a, b)) = span {
        // The zone the incident's span is written in is the report's, unless it says otherwise.
        if !zone_stated && let Some(span_zone) = a.zone.or(b.zone) {
            dates.zone = Some(span_zone);
        }
        apply_span(&mut dates, a, b);
    }
    if let Some(minutes) = explicit_minutes {
        if dates.duration_minutes.is_none() || span_is_weak {
            dates.duration_minutes = Some(minutes);
            if span_is_weak {
                dates.end = None;
            }
        }
        dates.stated_span = true;
        if let (Some(start), None) = (dates.start, dates.end) {
            dates.end = Some(start + Duration::minutes(i64::from(minutes)));
        }
    }

    // The day it happened: the span's, else the first date in the opening, else the first
    // date outside the timeline, else the first timeline date.
    if dates.incident_date.is_none() {
        let pick = |u: &&Unit<'_>| find_dates(u.text).iter().find_map(|d| d.date(year_hint));
        dates.incident_date = units
            .iter()
            .filter(|u| u.in_opening)
            .find_map(|u| pick(&u))
            .or_else(|| {
                units
                    .iter()
                    .filter(|u| {
                        !u.kinds.contains(&Kind::Timeline) && !u.kinds.contains(&Kind::ActionItems)
                    })
                    .find_map(|u| pick(&u))
            })
            .or_else(|| timeline_first_date(sections))
            .or_else(|| units.iter().find_map(|u| pick(&u)));
    }
    // A date written without a year that lands after the report was written is last year's.
    if let (Some(date), Some(published)) = (dates.incident_date, published.or(hints.published))
        && date > published.date_naive() + Duration::days(1)
        && let Some(earlier) = date.with_year(date.year() - 1)
        && earlier <= published.date_naive()
        && !units.iter().any(|u| find_dates(u.text).iter().any(|d| d.year == Some(date.year())))
    {
        dates.incident_date = Some(earlier);
    }

    fill_from_hints(&mut dates, hints, published);
    dates
}

/// What the text did not say, the source's hints do (a status page's start and resolution);
/// a report that names no day at all was written the day it happened (a status post, a
/// same-day write-up), so its publication date is the best there is.
fn fill_from_hints(dates: &mut Dates, hints: &Hints, published: Option<DateTime<Utc>>) {
    dates.start = dates.start.or(hints.started_at);
    dates.end = dates.end.or(hints.resolved_at);
    if dates.duration_minutes.is_none()
        && let (Some(start), Some(end)) = (dates.start, dates.end)
    {
        let minutes = (end - start).num_minutes();
        if minutes > 0 {
            dates.duration_minutes = u32::try_from(minutes).ok();
        }
    }
    dates.stated_date = dates.incident_date.is_some();
    if dates.incident_date.is_none() {
        dates.incident_date =
            hints.started_at.or(published).or(hints.published).map(|s| s.date_naive());
    }
}

/// Start, end and duration from a span's two ends; the report's zone fills a missing one.
fn apply_span(dates: &mut Dates, a: Instant, b: Instant) {
    let zone = dates.zone;
    let fill_zone = |i: Instant| Instant { zone: i.zone.or(zone), ..i };
    let (a, b) = (fill_zone(a), fill_zone(b));
    let zone_a = a.zone.or(b.zone).unwrap_or(Zone::Fixed(0));
    let zone_b = b.zone.or(a.zone).unwrap_or(Zone::Fixed(0));
    dates.incident_date = a.date;
    if let (Some(date), Some(time)) = (a.date, a.time) {
        dates.start = Some(to_utc(date, time, zone_a));
    }
    let end_date = b.date.or(a.date);
    if let (Some(date), Some(time)) = (end_date, b.time) {
        let mut end = to_utc(date, time, zone_b);
        if let Some(start) = dates.start
            && end < start
            && b.date.is_none()
        {
            end += Duration::days(1);
        }
        dates.end = Some(end);
    }
    if let (Some(start), Some(end)) = (dates.start, dates.end) {
        let minutes = (end - start).num_minutes();
        if (1..=MAX_SPAN_MINUTES).contains(&minutes) {
            dates.duration_minutes = Some(minutes as u32);
        } else {
            dates.end = None;
        }
    } else if a.date.is_none()
        && let (Some(t1), Some(t2)) = (a.time, b.time)
    {
        // Times without a date still give a duration.
        let mut minutes = (t2 - t1).num_minutes();
        if minutes < 0 {
            minutes += 24 * 60;
        }
        if minutes > 0 {
            dates.duration_minutes = Some(minutes as u32);
        }
    }
    dates.stated_span = true;
}

fn most_common(values: impl Iterator<Item = i32>) -> Option<i32> {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for v in values {
        match counts.iter_mut().find(|(k, _)| *k == v) {
            Some((_, n)) => *n += 1,
            None => counts.push((v, 1)),
        }
    }
    // Ties go to the earliest-seen year (the report's own, before "see the 2019 post-mortem").
    counts
        .iter()
        .fold(None, |best: Option<(i32, usize)>, &(v, n)| match best {
            Some((_, bn)) if bn >= n => best,
            _ => Some((v, n)),
        })
        .map(|(v, _)| v)
}

/// "All times in CET", a "Time (UTC)" table header, else the zone most times are written in.
/// The zone is `(zone, stated)`: `stated` when the report says it outright ("All times in
/// CET"), not when it is only the zone most times are written in.
fn default_zone(sections: &[Section<'_>], units: &[Unit<'_>]) -> (Option<Zone>, bool) {
    for section in sections {
        for text in
            section.heading.into_iter().chain(section.blocks.iter().filter_map(|b| match b {
                Block::Paragraph { text } => Some(text.as_str()),
                Block::TableRow { cells } => cells.first().map(String::as_str),
                _ => None,
            }))
        {
            if let Some(caps) = RE_DEFAULT_ZONE.captures(text)
                && let Some(zone) = parse_zone(&caps["zone"])
            {
                return (Some(zone), true);
            }
        }
    }
    let mut zones: Vec<(Zone, usize)> = Vec::new();
    let table_cells = sections.iter().flat_map(|s| s.blocks.iter()).filter_map(|b| match b {
        Block::TableRow { cells } => cells.first().map(String::as_str),
        _ => None,
    });
    for text in units.iter().map(|u| u.text).chain(table_cells) {
        for t in find_times(text) {
            if let Some(z) = t.zone {
                match zones.iter_mut().find(|(k, _)| *k == z) {
                    Some((_, n)) => *n += 1,
                    None => zones.push((z, 1)),
                }
            }
        }
    }
    // Ties go to the zone seen first (the first report of a file that holds two).
    let best = zones.iter().fold(None, |best: Option<(Zone, usize)>, &(z, n)| match best {
        Some((_, bn)) if bn >= n => best,
        _ => Some((z, n)),
    });
    (best.map(|(z, _)| z), false)
}

/// Two times joined by "-", "to", "until" or "and" (with "between"), with the dates around them.
fn find_range(text: &str, year_hint: Option<i32>) -> Option<(Instant, Instant)> {
    let times = find_times(text);
    let dates = find_dates(text);
    for pair in times.windows(2) {
        let (t1, t2) = (&pair[0], &pair[1]);
        let gap = &text[t1.end..t2.start];
        // A date may sit between them: "From November 11, 4:02 PM UTC to November 14, 3:02 PM".
        let gap_date = dates.iter().find(|d| d.start >= t1.end && d.end <= t2.start);
        let gap_words = match gap_date {
            Some(d) => format!("{}{}", &text[t1.end..d.start], &text[d.end..t2.start]),
            None => gap.to_owned(),
        };
        let gap_words =
            RE_WEEKDAY.replace_all(&gap_words, " ").replace(" at ", " ").replace(" on ", " ");
        if !RE_RANGE_GAP.is_match(&gap_words) {
            continue;
        }
        // The first time's date: the nearest date before it, else the first date after the range.
        let before = dates.iter().rev().find(|d| d.end <= t1.start);
        let after = dates.iter().find(|d| d.start >= t2.end);
        let date1 = before.or(after).and_then(|d| d.date(year_hint));
        let date2 = gap_date.and_then(|d| d.date(year_hint));
        return Some((
            Instant { date: date1, time: Some(t1.time), zone: t1.zone.or(t2.zone) },
            Instant { date: date2, time: Some(t2.time), zone: t2.zone.or(t1.zone) },
        ));
    }
    // "From November 11 to November 14": dates only.
    for pair in dates.windows(2) {
        let gap = &text[pair[0].end..pair[1].start];
        if RE_RANGE_GAP.is_match(gap)
            && text[..pair[0].start].to_ascii_lowercase().trim_end().ends_with("from")
        {
            return Some((
                Instant { date: pair[0].date(year_hint), time: None, zone: None },
                Instant { date: pair[1].date(year_hint), time: None, zone: None },
            ));
        }
    }
    None
}

/// A time introduced as the start ("beginning at", "started at"), with its date.
fn find_start(text: &str, year_hint: Option<i32>) -> Option<(Instant, Instant)> {
    let dates = find_dates(text);
    for t in find_times(text) {
        let lead = text[..t.start].to_ascii_lowercase();
        let lead = lead.trim_end().trim_end_matches(" at").trim_end_matches(" on");
        if !(lead.ends_with("beginning")
            || lead.ends_with("starting")
            || lead.ends_with("began")
            || lead.ends_with("started"))
        {
            continue;
        }
        let date = dates
            .iter()
            .rev()
            .find(|d| d.end <= t.start)
            .or_else(|| dates.iter().find(|d| d.start >= t.end))
            .and_then(|d| d.date(year_hint));
        let start = Instant { date, time: Some(t.time), zone: t.zone };
        return Some((start, Instant { date: None, time: None, zone: None }));
    }
    None
}

/// `Start:` and `End:` label pairs.
fn labelled_start_end(units: &[Unit<'_>], year_hint: Option<i32>) -> Option<(Instant, Instant)> {
    let instant = |text: &str| {
        let date = find_dates(text).first().and_then(|d| d.date(year_hint));
        let time = find_times(text).into_iter().next();
        (date.is_some() || time.is_some()).then_some(Instant {
            date,
            time: time.as_ref().map(|t| t.time),
            zone: time.and_then(|t| t.zone),
        })
    };
    let mut start = None;
    let mut end = None;
    for unit in units {
        let label = unit.label.map(|l| l.trim().to_ascii_lowercase()).unwrap_or_default();
        let label = label.trim_end_matches(':');
        let (key, value) = if label.is_empty() {
            match unit.text.split_once(':') {
                Some((k, v)) if k.len() < 20 => (k.trim().to_ascii_lowercase(), v),
                _ => continue,
            }
        } else {
            (label.to_owned(), unit.text)
        };
        if start.is_none()
            && matches!(key.as_str(), "start" | "start time" | "started" | "began" | "outage start")
        {
            start = instant(value);
        } else if start.is_some()
            && end.is_none()
            && matches!(key.as_str(), "end" | "end time" | "ended" | "resolved" | "outage end")
        {
            end = instant(value);
        }
    }
    match (start, end) {
        (Some(a), Some(b)) => Some((a, b)),
        (Some(a), None) => Some((a, Instant { date: None, time: None, zone: None })),
        _ => None,
    }
}

/// A stated duration in minutes. With `labelled`, the text is a Duration label's value and
/// needs no lead-in words.
fn find_duration(text: &str, labelled: bool) -> Option<u32> {
    for caps in RE_DURATION.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let before = &text[..whole.start()];
        let after = &text[whole.end()..];
        if !labelled && !RE_DURATION_CONTEXT.is_match(before) && !RE_DURATION_OF.is_match(after) {
            continue;
        }
        if labelled && find_times(text).len() >= 2 {
            return None;
        }
        let n = match caps["n"].to_ascii_lowercase().as_str() {
            "a" | "an" | "one" => 1.0,
            "half a" | "half an" => 0.5,
            "two" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            digits => digits.parse::<f64>().ok()?,
        } + if caps.name("half").is_some() { 0.5 } else { 0.0 };
        let unit = caps["unit"].to_ascii_lowercase();
        let minutes = if unit.starts_with('d') {
            n * 24.0 * 60.0
        } else if unit.starts_with('h') {
            n * 60.0
        } else {
            n
        };
        let extra = caps.name("n2").and_then(|m| m.as_str().parse::<f64>().ok()).unwrap_or(0.0);
        let total = (minutes + extra).round();
        if total >= 1.0 && total <= f64::from(30 * 24 * 60) {
            return Some(total as u32);
        }
    }
    None
}

/// The first full date in a timeline table.
fn timeline_first_date(sections: &[Section<'_>]) -> Option<NaiveDate> {
    sections.iter().filter(|s| s.has(Kind::Timeline)).flat_map(|s| s.blocks.iter()).find_map(|b| {
        let text = match b {
            Block::TableRow { cells } => cells.first()?.as_str(),
            Block::Paragraph { text } | Block::ListItem { text } => text.as_str(),
            _ => return None,
        };
        find_dates(text).iter().find_map(|d| d.date(None))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::sections::read_sections;
    use crate::model::Document;

    fn dates_of(blocks: Vec<Block>) -> Dates {
        let doc = Document { blocks, ..Document::default() };
        let sections = read_sections(&doc);
        extract_dates(None, &sections, None, None, &Hints::default())
    }
    fn p(text: &str) -> Block {
        Block::Paragraph { text: text.into() }
    }
    fn h(level: u8, text: &str) -> Block {
        Block::Heading { level, text: text.into() }
    }
    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }
    fn utc(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
    }

    #[test]
    fn regex_literals_compile() {
        for re in [
            &*RE_TIME,
            &*RE_DATE_MONTH_FIRST,
            &*RE_DATE_DAY_FIRST,
            &*RE_DATE_MONTH_FIRST_ANY_CASE,
            &*RE_DATE_DAY_FIRST_ANY_CASE,
            &*RE_DATE_ISO,
            &*RE_DATE_NUMERIC,
            &*RE_RANGE_GAP,
            &*RE_DURATION,
            &*RE_DURATION_CONTEXT,
            &*RE_DEFAULT_ZONE,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn duration_label_with_range_and_zone() {
        let d = dates_of(vec![
            h(1, "Issue Summary"),
            h(4, "Duration"),
            p("December 21, 2023, 02:00 - 06:00 (EST)"),
        ]);
        assert_eq!(d.incident_date, ymd(2023, 12, 21));
        assert_eq!(d.start, utc("2023-12-21T07:00:00Z"));
        assert_eq!(d.end, utc("2023-12-21T11:00:00Z"));
        assert_eq!(d.duration_minutes, Some(240));
    }

    #[test]
    fn between_times_on_a_date() {
        let d = dates_of(vec![p(
            "Between 3:16 PM PST and 7:38 PM PST on December 11, 2024, all ChatGPT users saw errors.",
        )]);
        assert_eq!(d.incident_date, ymd(2024, 12, 11));
        assert_eq!(d.start, utc("2024-12-11T23:16:00Z"));
        assert_eq!(d.end, utc("2024-12-12T03:38:00Z"));
        assert_eq!(d.duration_minutes, Some(262));
    }

    #[test]
    fn from_to_without_a_date() {
        let d = dates_of(vec![
            h(2, "ISSUE SUMMARY"),
            p("From 7:00 AM to 10:30 AM GMT, requests failed with 500 errors."),
        ]);
        assert_eq!(d.duration_minutes, Some(210));
        assert_eq!(d.incident_date, None);
    }

    #[test]
    fn stated_durations() {
        let d = dates_of(vec![h(4, "Duration"), p("2.5 hours")]);
        assert_eq!(d.duration_minutes, Some(150));
        let d = dates_of(vec![p(
            "On November 6th, 2023, beginning at 10:52 AM PST and lasting for approximately 50 minutes, the service went down.",
        )]);
        assert_eq!(d.duration_minutes, Some(50));
        assert_eq!(d.start, utc("2023-11-06T18:52:00Z"));
        assert_eq!(d.end, utc("2023-11-06T19:42:00Z"));
        let d = dates_of(vec![p("Checkout failed, lasting ~50 minutes.")]);
        assert_eq!(d.duration_minutes, Some(50));
        let d = dates_of(vec![p("The outage lasted 1 hour and 48 minutes in total.")]);
        assert_eq!(d.duration_minutes, Some(108));
        let d = dates_of(vec![h(2, "Stats"), p("Time to recovery: 55 minutes")]);
        assert_eq!(d.duration_minutes, Some(55));
        // A number of minutes that is not how long the outage lasted.
        let d = dates_of(vec![p("Our alerting fired 12 minutes after the first errors.")]);
        assert_eq!(d.duration_minutes, None);
    }

    #[test]
    fn durations_said_after_the_number_or_with_a_half() {
        assert_eq!(find_duration("The chain incurred 22 hours of downtime.", false), Some(1320));
        assert_eq!(
            find_duration("Block production was halted for about 7 and a half hours.", false),
            Some(450)
        );
        assert_eq!(find_duration("We spent 3 hours of work on the review.", false), None);
        assert_eq!(
            find_duration("On June 5 there was a two hour outage at AWS.", false),
            Some(120)
        );
        assert_eq!(find_duration("It took around an hour to fix it.", false), Some(60));
        assert_eq!(
            find_duration("Over a period of around 12 hours, pages failed.", false),
            Some(720)
        );
    }

    #[test]
    fn start_and_end_labels() {
        let d = dates_of(vec![
            h(4, "Duration of the Outage"),
            h(4, "Start"),
            p("June 5, 2024, 2:00 PM UTC"),
            h(4, "End"),
            p("June 5, 2024, 4:30 PM UTC"),
        ]);
        assert_eq!(d.start, utc("2024-06-05T14:00:00Z"));
        assert_eq!(d.end, utc("2024-06-05T16:30:00Z"));
        assert_eq!(d.duration_minutes, Some(150));
    }

    #[test]
    fn google_cloud_us_pacific_follows_daylight_saving() {
        let d = dates_of(vec![p(
            "The issue lasted from Tuesday, 2022-07-19 07:17 US/Pacific to 2022-07-19 09:02 US/Pacific.",
        )]);
        assert_eq!(d.start, utc("2022-07-19T14:17:00Z"));
        assert_eq!(d.duration_minutes, Some(105));
        let winter = to_utc(
            NaiveDate::from_ymd_opt(2022, 1, 10).unwrap_or_default(),
            NaiveTime::MIN,
            Zone::Us(-8),
        );
        assert_eq!(winter.to_rfc3339(), "2022-01-10T08:00:00+00:00");
    }

    #[test]
    fn incident_date_is_not_the_published_date() {
        let doc = Document {
            blocks: vec![p(
                "On the 15th of February a scheduled pipeline failed and deleted the log shipper.",
            )],
            ..Document::default()
        };
        let sections = read_sections(&doc);
        let published = utc("2021-03-01T10:00:00Z");
        let d = extract_dates(None, &sections, published, None, &Hints::default());
        assert_eq!(d.incident_date, ymd(2021, 2, 15));
    }

    #[test]
    fn zone_parsing_and_times() {
        assert_eq!(parse_zone("UTC+2"), Some(Zone::Fixed(7200)));
        assert_eq!(parse_zone("GMT-05:30"), Some(Zone::Fixed(-(5 * 3600 + 1800))));
        assert_eq!(parse_zone("CEST"), Some(Zone::Fixed(7200)));
        assert_eq!(parse_zone("EAT"), Some(Zone::Fixed(3 * 3600)));
        let times = find_times("2100hrs WAT: detected. 3 PM, and 10:40am and 2024-01-05");
        let got: Vec<String> = times.iter().map(|t| t.time.format("%H:%M").to_string()).collect();
        assert_eq!(got, vec!["21:00", "15:00", "10:40"]);
        assert_eq!(times[0].zone, Some(Zone::Fixed(3600)));
        let dates = find_dates("13/10/2023, June 6th, 2024 and 2019-11-29 and January23, 2021");
        let got: Vec<Option<NaiveDate>> = dates.iter().map(|d| d.date(None)).collect();
        assert_eq!(
            got,
            vec![ymd(2023, 10, 13), ymd(2024, 6, 6), ymd(2019, 11, 29), ymd(2021, 1, 23)]
        );
    }

    #[test]
    fn month_names_in_any_case() {
        let found = |text: &str| -> Vec<Option<NaiveDate>> {
            find_dates(text).iter().map(|d| d.date(Some(2020))).collect()
        };
        assert_eq!(
            found("On MARCH 3RD, 2024 and 4 Sept 2023"),
            vec![ymd(2024, 3, 3), ymd(2023, 9, 4)]
        );
        // The lowercased copy finds "may 2", but `text` decides that it is not a date.
        assert_eq!(found("it may 2 users; on May 2 it broke"), vec![ymd(2020, 5, 2)]);
        // Offsets stay those of `text`, also after non-ASCII text.
        let text = "Über — JULY 14th, 2022";
        let dates = find_dates(text);
        assert_eq!(&text[dates[0].start..dates[0].end], "JULY 14th, 2022");
        // A long s (U+017F) is an `s` to a case-insensitive month name.
        assert_eq!(found("Auguſt 5, 2023"), vec![ymd(2023, 8, 5)]);
    }

    #[test]
    fn default_zone_from_all_times_in() {
        let doc = Document {
            blocks: vec![
                h(2, "Timeline"),
                p("All times in CET."),
                Block::TableRow { cells: vec!["Time".into(), "Event".into()] },
                Block::TableRow {
                    cells: vec!["2021-02-15 06:05".into(), "Pipeline failed".into()],
                },
            ],
            ..Document::default()
        };
        let sections = read_sections(&doc);
        let d = extract_dates(None, &sections, None, None, &Hints::default());
        assert_eq!(d.zone, Some(Zone::Fixed(3600)));
        assert_eq!(d.incident_date, ymd(2021, 2, 15));
    }
}
