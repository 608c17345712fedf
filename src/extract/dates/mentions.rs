//! Mentions of clock times and dates in a text ("14:00", "2:00 PM PST", "2100hrs", "June 6th,
//! 2024", "13/10/2023", "2019-11-29"), found by regular expressions, with the memo that lets
//! one extraction read a paragraph once.

use std::cell::RefCell;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use foldhash::HashMap;
use regex::Regex;

use super::zone::{ZONE_PATTERN, Zone, parse_zone};

const MONTH_PATTERN: &str = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

static RE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(&format!(
        r"(?i)\b(?P<h>2[0-3]|[01]?\d)(?:(?:(?::(?P<m>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?)|(?P<hrs>[0-5]\d)\s*hrs\b)\s*(?P<ampm>[ap]\.?\s?m\b\.?)?|\.(?P<dm>[0-5]\d)\s*(?P<dampm>[ap]\.?\s?m\b\.?)|\s*(?P<ampm_only>[ap]\.?\s?m\b\.?))(?:\s*\(?\s*(?-i:(?P<zone>{ZONE_PATTERN}|Z))\b\)?)?"
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

/// The times and dates found in each text, remembered for the length of one extraction,
/// which owns it: an extraction reads the same paragraph for the year, the zone, the range,
/// the start, the duration and the timeline, and these searches were a tenth of a cold pass
/// (bench/README.md). Results depend on the text alone, so a remembered one is always right.
#[derive(Default)]
pub(crate) struct Mentions {
    times: RefCell<HashMap<String, Vec<TimeMention>>>,
    dates: RefCell<HashMap<String, Vec<DateMention>>>,
}

impl Mentions {
    /// Clock times in `text`: `14:00`, `2:00 PM`, `3 PM`, `2100hrs`, with a zone when one
    /// follows.
    pub(crate) fn times(&self, text: &str) -> Vec<TimeMention> {
        remembered(text, &self.times, scan_times)
    }

    /// Calendar dates in `text`, in order, without overlaps.
    pub(crate) fn dates(&self, text: &str) -> Vec<DateMention> {
        remembered(text, &self.dates, scan_dates)
    }
}

/// `scan(text)`, or what it gave for the same text before.
fn remembered<T: Clone>(
    text: &str,
    table: &RefCell<HashMap<String, Vec<T>>>,
    scan: fn(&str) -> Vec<T>,
) -> Vec<T> {
    // Every pattern needs a digit; most paragraphs have none, and this check costs a
    // fraction of one search.
    if !has_digit(text) {
        return Vec::new();
    }
    if let Some(hit) = table.borrow().get(text) {
        return hit.clone();
    }
    let result = scan(text);
    table.borrow_mut().insert(text.to_owned(), result.clone());
    result
}

/// [`Mentions::times`] without the memo, for tests.
#[cfg(test)]
pub(crate) fn find_times(text: &str) -> Vec<TimeMention> {
    if has_digit(text) { scan_times(text) } else { Vec::new() }
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
    // The pattern needs minutes, "hrs" or am/pm, so bare numbers ("5 regions", "2024"),
    // most of a text's figures, are skipped inside the search and never come back as
    // matches to resolve (a match and its captures cost more than the scan).
    // The same match again, now with its groups (a search from its start finds it first).
    let caps = RE_TIME.captures_at(text, found.start())?;
    let whole = caps.get(0)?;
    // "14:05", "1405 hrs", or "2.15pm" (a dot only before am/pm: "3.14 seconds" is no time).
    let minutes = caps.name("m").or_else(|| caps.name("hrs")).or_else(|| caps.name("dm"));
    let has_minutes = minutes.is_some();
    let ampm_match =
        caps.name("ampm").or_else(|| caps.name("dampm")).or_else(|| caps.name("ampm_only"));
    let ampm = ampm_match.map(|m| m.as_str().to_ascii_lowercase());
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
    let minute = minutes.and_then(|m| m.as_str().parse::<u32>().ok()).unwrap_or(0);
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
        || ampm_match.map_or(minutes.map_or(whole.end(), |m| m.end()), |m| m.end()),
        |_| whole.end(),
    );
    Some(TimeMention { start: whole.start(), end, time, zone })
}

/// [`Mentions::dates`] without the memo, for tests.
#[cfg(test)]
pub(crate) fn find_dates(text: &str) -> Vec<DateMention> {
    if has_digit(text) { scan_dates(text) } else { Vec::new() }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert!(!re.as_str().is_empty());
        }
    }
}
