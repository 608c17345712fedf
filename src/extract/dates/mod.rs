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
//!
//! Three rooms: [`zone`] reads zone names, [`mentions`] finds the times and dates a text
//! mentions (and remembers them for the length of one extraction), and this module interprets
//! them: which mention is the start, the end, the incident day.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use regex::Regex;

use crate::extract::sections::{Kind, Section};
use crate::model::{Block, Hints};

mod mentions;
#[cfg(test)]
mod tests;
mod zone;

pub(crate) use self::mentions::{DateMention, Mentions, count_times};
#[cfg(test)]
use self::mentions::{find_dates, find_times};
use self::zone::ZONE_PATTERN;
pub(crate) use self::zone::{Zone, parse_zone};

static RE_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b")
        .expect("literal regex for weekdays")
});
static RE_URL_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(r"(?:^|[/_.-])((?:19|20)\d{2})(?:[/_.-]|$)")
        .expect("literal regex for a year in a URL")
});
static RE_URL_DAY: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?:^|[/_.-])((?:19|20)\d{2})([/_-])([01]\d)([/_-])([0-3]\d)(?:[/_.-]|$)",
    )
    .expect("literal regex for a day in a URL")
});

/// The report's links: the document's, then the source's.
fn links<'a>(url: Option<&'a str>, hints: &'a Hints) -> impl Iterator<Item = &'a str> {
    [url, hints.url.as_deref()].into_iter().flatten()
}

/// The first year the report's links name in their paths.
fn year_in_links(url: Option<&str>, hints: &Hints) -> Option<i32> {
    links(url, hints).find_map(|u| RE_URL_YEAR.captures(u).and_then(|c| c[1].parse::<i32>().ok()))
}

/// When the report was published: as its document or the source says, else as its byline
/// says, else the day its link names (`/2024/02/28/slug`, `2024-02-28-slug.md`: a Jekyll
/// post's permalink or file name).
fn when_published(
    published: Option<DateTime<Utc>>,
    byline: Option<NaiveDate>,
    url: Option<&str>,
    hints: &Hints,
) -> Option<DateTime<Utc>> {
    published
        .or(hints.published)
        .or_else(|| byline.and_then(|day| day.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()))
        .or_else(|| links(url, hints).find_map(day_in_link))
}

/// Takes the byline out of the opening's units, with the day it names (with its year).
fn take_byline(units: &mut Vec<Unit<'_>>, seen: &Mentions) -> Option<NaiveDate> {
    let at = units.iter().position(|u| u.in_opening && is_byline(u.text))?;
    // Without a year hint, only a date that states its year gives a day.
    let day = seen.dates(units[at].text).iter().find_map(|d| d.date(None));
    units.remove(at);
    day
}

/// A byline under the title ("Published 2 December 2025", "*Posted by the Search team, 9
/// September 2024*", "Last updated: March 3, 2024"): it dates the report, not the incident.
fn is_byline(text: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        crate::extract::ascii_word_regex(
            r"(?i)^\W*(?:originally\s+)?(?:published|posted|updated|last updated|written|date published|publication date)\b",
        )
        .expect("literal regex for bylines")
    });
    text.split_whitespace().count() <= 16 && RE.is_match(text)
}

/// The day a link's path names in year, month, day order, with one separator
/// (`/2024/02/28/`, `2024-02-28-`); at midnight UTC.
fn day_in_link(link: &str) -> Option<DateTime<Utc>> {
    let path = link.split(['?', '#']).next().unwrap_or(link);
    RE_URL_DAY.captures_iter(path).find_map(|c| {
        if c[2] != c[4] {
            return None;
        }
        let date =
            NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[3].parse().ok()?, c[5].parse().ok()?)?;
        Some(date.and_hms_opt(0, 0, 0)?.and_utc())
    })
}

static RE_RANGE_GAP: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^[\s,]*(?:-|–|—|->|to|until|till|through|and)[\s,]*(?:on\s+)?$",
    )
    .expect("literal regex for the words between two times of a range")
});
static RE_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)(?P<n>\d+(?:\.\d+)?|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|forty-five|fifty|sixty|ninety|half an?))(?P<half>\s+and\s+a\s+half)?\s*(?:-\s*)?(?P<unit>hours?|hrs?|h\b|minutes?|mins?\b|days?)(?:,?\s*(?:and\s*)?(?P<n2>\d+)\s*(?:minutes?|mins?|m)\b)?",
    )
    .expect("literal regex for durations")
});
static RE_DURATION_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)(?:duration(?: of [a-z ]{0,20})?\s*(?::|was|of|lasted)?|lasting(?: for)?|lasted(?: for)?|for a total of|a total of|totall?ing|outage of|downtime of|(?:down|outage|offline|unavailable|degraded|unreachable|inaccessible|disrupted|interrupted|failing|impacted|halted|stopped|stalled|paused|delayed|out of service|not working|not available|not responding)\s+(?:for|during)|(?:over|for|during) a period of|time to (?:recovery|recover|resolution|resolve|restore|mitigate)\s*:?)\s*(?:about|approximately|approx\.?|roughly|around|nearly|almost|over|just over|~|≈)?\s*$",
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
        r"(?i:\btimes?\b[^.\n|]{{0,25}}?\b(?:in|are)\s+|\ball times\s+|\b(?:times?|timeline)\s*\(\s*)(?P<zone>{ZONE_PATTERN})\b"
    ))
    .expect("literal regex for 'all times in ZONE'")
});

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
    seen: &Mentions,
) -> Dates {
    let mut units = read_units(title, sections);
    let byline_day = take_byline(&mut units, seen);
    let published = when_published(published, byline_day, url, hints);
    let all_text_years = units.iter().flat_map(|u| seen.dates(u.text)).filter_map(|d| d.year);
    let url_year = year_in_links(url, hints);
    // A date without a year is in the year of publication (`when_published` has read the
    // hints), else the one the text names most.
    let year_hint = published
        .map(|p| p.year())
        .or_else(|| most_common(all_text_years))
        .or(url_year)
        .or_else(|| hints.started_at.map(|p| p.year()));
    let (zone, zone_stated) = default_zone(sections, &units, seen);

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
                span = find_range(unit.text, year_hint, seen);
            }
            if explicit_minutes.is_none() {
                explicit_minutes = find_duration(unit.text, label.contains("duration"), seen);
            }
        }
    }
    if span.is_none() {
        span = labelled_start_end(&units, year_hint, seen);
    }
    // 2. The opening: a range, a stated duration ("lasting ~50 minutes"), a start.
    if span.is_none() {
        span = opening().find_map(|u| find_range(u.text, year_hint, seen));
    }
    if explicit_minutes.is_none() {
        explicit_minutes = opening().find_map(|u| find_duration(u.text, false, seen));
    }
    if span.is_none() {
        span = opening().find_map(|u| find_start(u.text, year_hint, seen));
    }
    // 3. Anywhere but the timeline; a stated duration then wins over such a range.
    let mut span_is_weak = false;
    if span.is_none() {
        span = outside_timeline().find_map(|u| find_range(u.text, year_hint, seen));
        span_is_weak = span.is_some();
    }
    if explicit_minutes.is_none() {
        explicit_minutes = outside_timeline().find_map(|u| find_duration(u.text, false, seen));
    }

    let undated_span = span.filter(|(a, _)| a.date.is_none() && a.time.is_some());
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
        let pick = |u: &&Unit<'_>| seen.dates(u.text).iter().find_map(|d| d.date(year_hint));
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
            .or_else(|| timeline_first_date(sections, seen))
            .or_else(|| units.iter().find_map(|u| pick(&u)));
    }
    // A date written without a year that lands after the report was written is last year's.
    if let (Some(date), Some(published)) = (dates.incident_date, published.or(hints.published))
        && date > published.date_naive() + Duration::days(1)
        && let Some(earlier) = date.with_year(date.year() - 1)
        && earlier <= published.date_naive()
        && !units.iter().any(|u| seen.dates(u.text).iter().any(|d| d.year == Some(date.year())))
    {
        dates.incident_date = Some(earlier);
    }

    place_undated_span(&mut dates, undated_span);
    fill_from_hints(&mut dates, hints, published);
    dates
}

/// A span of times without a day ("Duration: 22 minutes (10:41–11:03 CET)") starts and ends
/// on the incident's day, once the text has said which day that is; the duration already read
/// stands.
fn place_undated_span(dates: &mut Dates, span: Option<(Instant, Instant)>) {
    if let (Some((a, b)), Some(day), None) = (span, dates.incident_date, dates.start) {
        let minutes = dates.duration_minutes;
        apply_span(dates, Instant { date: Some(day), ..a }, b);
        dates.duration_minutes = minutes.or(dates.duration_minutes);
    }
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
fn default_zone(
    sections: &[Section<'_>],
    units: &[Unit<'_>],
    seen: &Mentions,
) -> (Option<Zone>, bool) {
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
        for t in seen.times(text) {
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
fn find_range(text: &str, year_hint: Option<i32>, seen: &Mentions) -> Option<(Instant, Instant)> {
    let times = seen.times(text);
    let dates = seen.dates(text);
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
fn find_start(text: &str, year_hint: Option<i32>, seen: &Mentions) -> Option<(Instant, Instant)> {
    let dates = seen.dates(text);
    for t in seen.times(text) {
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
fn labelled_start_end(
    units: &[Unit<'_>],
    year_hint: Option<i32>,
    seen: &Mentions,
) -> Option<(Instant, Instant)> {
    let instant = |text: &str| {
        let date = seen.dates(text).first().and_then(|d| d.date(year_hint));
        let time = seen.times(text).into_iter().next();
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
                Some((k, v)) if k.len() < 30 => (k.trim().to_ascii_lowercase(), v),
                _ => continue,
            }
        } else {
            (label.to_owned(), unit.text)
        };
        // "Incident Start Time", "Outage start", "Impact end": what the span is of comes first.
        let key = crate::model::without_span_subject(&key);
        let key = key.strip_suffix(" (utc)").unwrap_or(key);
        if start.is_none()
            && matches!(
                key,
                "start" | "start time" | "started" | "started at" | "began" | "began at"
            )
        {
            start = instant(value);
        } else if start.is_some()
            && end.is_none()
            && matches!(key, "end" | "end time" | "ended" | "ended at" | "resolved" | "resolved at")
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
fn find_duration(text: &str, labelled: bool, seen: &Mentions) -> Option<u32> {
    for caps in RE_DURATION.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let before = &text[..whole.start()];
        let after = &text[whole.end()..];
        if !labelled
            && !RE_DURATION_CONTEXT.is_match(before)
            && !RE_DURATION_OF.is_match(after)
            && !opens_a_failure(before, after)
        {
            continue;
        }
        if labelled && seen.times(text).len() >= 2 {
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
            "eleven" => 11.0,
            "twelve" => 12.0,
            "thirteen" => 13.0,
            "fourteen" => 14.0,
            "fifteen" => 15.0,
            "sixteen" => 16.0,
            "seventeen" => 17.0,
            "eighteen" => 18.0,
            "nineteen" => 19.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "forty" => 40.0,
            "forty-five" => 45.0,
            "fifty" => 50.0,
            "sixty" => 60.0,
            "ninety" => 90.0,
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

/// Whether a duration opens a sentence that says what failed for that long: "For 38
/// minutes, sign-in attempts failed", "For about forty minutes on March 3, the API returned
/// errors" (not "For 20 minutes we tried restarting the pods").
fn opens_a_failure(before: &str, after: &str) -> bool {
    static RE_OPENS: LazyLock<Regex> = LazyLock::new(|| {
        crate::extract::ascii_word_regex(
            r"(?i)(?:^|[.!?:]\s+)\W*for\s+(?:about|approximately|approx\.?|roughly|around|nearly|almost|over|just over|~)?\s*$",
        )
        .expect("literal regex for a sentence that opens with a duration")
    });
    let sentence = after.split_inclusive(['.', '!', '?']).next().unwrap_or(after);
    RE_OPENS.is_match(before) && crate::extract::summary::says_something_went_wrong(sentence)
}

/// The first full date in a timeline table.
fn timeline_first_date(sections: &[Section<'_>], seen: &Mentions) -> Option<NaiveDate> {
    sections.iter().filter(|s| s.has(Kind::Timeline)).flat_map(|s| s.blocks.iter()).find_map(|b| {
        let text = match b {
            Block::TableRow { cells } => cells.first()?.as_str(),
            Block::Paragraph { text } | Block::ListItem { text } => text.as_str(),
            _ => return None,
        };
        seen.dates(text).iter().find_map(|d| d.date(None))
    })
}
