//! Timestamped lines and timeline tables → [`TimelineEvent`]s.
//!
//! Takes the sections (the Timeline section when there is one, with its table rows, its
//! headings that are times or days, its entries that carry only a day; else every line,
//! heading and sentence that starts with a time, such as "At 10:52 AM we …") and the report's
//! dates (its day and zone); returns the events in order, and how long they span.
//! A time is given as RFC 3339 when a full date, time and zone can be resolved (the row's own
//! date, else the incident date, rolling over midnight), else as written.

use std::sync::LazyLock;

use chrono::{Duration, NaiveDate, NaiveDateTime, SecondsFormat};
use regex::Regex;

use crate::extract::dates::{Dates, Mentions, Zone};
use crate::extract::sections::{Kind, Section, sentences};
use crate::model::{Block, TimelineEvent};

/// At most this many events are kept (a timeline, not a log dump).
const MAX_EVENTS: usize = 200;

/// One event before its time is resolved.
struct RawEvent {
    written: String,
    date: Option<NaiveDate>,
    time: Option<chrono::NaiveTime>,
    zone: Option<Zone>,
    event: String,
    /// The time was found inside the entry, not at its start: it may be any moment the
    /// entry mentions, so it does not bound the timeline's span.
    embedded: bool,
}

/// A report's timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Timeline {
    /// The events, in order.
    pub(crate) events: Vec<TimelineEvent>,
    /// Minutes from the first clock time to the last (see [`span_minutes`]).
    pub(crate) span_minutes: Option<u32>,
}

/// Longest timeline span taken as the incident's duration (two weeks).
const MAX_SPAN_MINUTES: i64 = 14 * 24 * 60;

/// Reads the timeline.
pub(crate) fn extract_timeline(
    sections: &[Section<'_>],
    dates: &Dates,
    seen: &Mentions,
) -> Timeline {
    let mut raw = Vec::new();
    let mut started = false;
    // The last timed heading, its level, and whether its event is still to be told.
    let mut entry: Option<(&str, u8, bool)> = None;
    for section in sections {
        // A heading that is a time (`### 08:52 PM`) is an entry of the timeline it follows,
        // whatever its level.
        let timed_heading = section.heading.filter(|h| lead_time(h, seen).is_some());
        // A heading under a timed one ("### 10:00 UTC", then "Initial symptoms detected:")
        // tells that entry, and the timeline goes on after it.
        if let Some((heading, level, untold)) = entry.as_mut()
            && timed_heading.is_none()
            && section.level > *level
        {
            if *untold && let Some(label) = section.heading {
                let event = match section.blocks.first() {
                    Some(block) => {
                        format!("{label}: {}", crate::extract::sections::block_text(block))
                    }
                    None => label.to_owned(),
                };
                read_text(&format!("{heading}: {event}"), dates, seen, &mut raw);
                *untold = false;
            }
            for block in section.blocks.iter().skip(1) {
                read_block(block, dates, false, seen, &mut raw);
            }
            continue;
        }
        entry = None;
        // A heading that is a day (`### 2021-04-15`) groups the entries of that day.
        let day_heading = section
            .heading
            .filter(|_| started && timed_heading.is_none())
            .and_then(|h| lead_date(h, seen).map(|d| (h, d)));
        if section.has(Kind::Timeline)
            || (started && (timed_heading.is_some() || day_heading.is_some()))
        {
            started = true;
            // The blocks under a timed heading tell its entry: the first is its event, and
            // the rest count only when they open with a time of their own.
            let mut blocks = section.blocks.iter();
            if let Some(heading) = timed_heading {
                read_heading(heading, section, dates, seen, &mut raw);
                blocks.next();
                entry = Some((heading, section.level, section.blocks.is_empty()));
            }
            let before = raw.len();
            for block in blocks {
                read_block(block, dates, timed_heading.is_none(), seen, &mut raw);
            }
            if let Some((heading, day)) = day_heading {
                let day = day.date(dates.year_hint);
                for event in raw[before..].iter_mut().filter(|e| e.date.is_none()) {
                    event.date = day;
                }
                // A day with no timed entry is one entry itself.
                if raw.len() == before {
                    read_heading(heading, section, dates, seen, &mut raw);
                }
            }
        } else if started && section.own {
            break;
        }
    }
    if raw.is_empty() {
        // No Timeline heading: lines, headings and sentences that start with a time, when
        // there are a few of them.
        let mut loose = Vec::new();
        for section in sections {
            if let Some(heading) = section.heading.filter(|h| lead_time(h, seen).is_some()) {
                read_heading(heading, section, dates, seen, &mut loose);
            }
            for block in &section.blocks {
                read_block(block, dates, false, seen, &mut loose);
            }
        }
        if loose.len() >= 3 {
            raw = loose;
        }
    }
    let span_minutes = span_minutes(&raw, dates);
    Timeline { events: resolve(raw, dates), span_minutes }
}

/// Minutes from the first clock time of the timeline to the last: the incident's span where
/// the text states none, since a timeline runs from the first sign to the all-clear. Undated
/// times follow the last date given (rolling over midnight); `None` when the times cannot be
/// put on one clock (some dated, some not), or when they span more than two weeks.
fn span_minutes(raw: &[RawEvent], dates: &Dates) -> Option<u32> {
    let mut running = dates.incident_date;
    let (mut undated, mut dated) = (false, false);
    let mut last: Option<NaiveDateTime> = None;
    let mut instants: Vec<NaiveDateTime> = Vec::new();
    for event in raw {
        if let Some(date) = event.date {
            running = Some(date);
        }
        let Some(time) = event.time.filter(|_| !event.embedded) else { continue };
        let date = match running {
            Some(date) => {
                dated = true;
                date
            }
            None => {
                undated = true;
                NaiveDate::default()
            }
        };
        let mut local = date.and_time(time);
        if event.date.is_none()
            && let Some(prev) = last
            && local + Duration::hours(1) < prev
        {
            local += Duration::days(1);
            running = running.map(|d| d + Duration::days(1));
        }
        last = Some(local);
        let offset = event.zone.or(dates.zone).map_or(0, |z| z.offset_at(local).local_minus_utc());
        instants.push(local - Duration::seconds(i64::from(offset)));
    }
    if undated && dated {
        return None;
    }
    let first = instants.iter().min()?;
    let end = instants.iter().max()?;
    let minutes = (*end - *first).num_minutes();
    (1..=MAX_SPAN_MINUTES).contains(&minutes).then(|| u32::try_from(minutes).ok()).flatten()
}

/// Words that may come before a time that opens a sentence ("At 10:52 AM we …", "Around
/// 14:00 UTC, …", "Shortly after 9:00, …").
const TIME_LEADS: [&str; 13] = [
    "at",
    "after",
    "around",
    "about",
    "approximately",
    "approx.",
    "by",
    "from",
    "until",
    "shortly after",
    "just after",
    "just before",
    "starting at",
];

/// The first time in a text when it sits at the start (after bullets, emoji, a date, or a
/// word such as "At").
fn lead_time(text: &str, seen: &Mentions) -> Option<usize> {
    let first = seen.times(text).into_iter().next()?;
    let prefix = &text[..first.start];
    let prefix_ok = prefix.chars().all(|c| !c.is_alphanumeric())
        || seen.dates(prefix).first().is_some_and(|d| {
            is_gap(&prefix[d.end..]) && {
                let before = prefix[..d.start].trim_matches(|c: char| !c.is_alphanumeric());
                before.is_empty() || is_lead(before) || before.eq_ignore_ascii_case("on")
            }
        })
        || is_lead(prefix.trim_matches(|c: char| !c.is_alphanumeric() && c != '.'));
    prefix_ok.then_some(first.start)
}

/// Whether `words` (trimmed) is one of [`TIME_LEADS`], in any case.
fn is_lead(words: &str) -> bool {
    TIME_LEADS.iter().any(|lead| lead.eq_ignore_ascii_case(words))
}

/// The first date in a text when it opens the text ("March 3: …", "2023-03-02 - …",
/// "On Feb 10, …"), for timeline sections whose entries carry days but no clock times.
fn lead_date(text: &str, seen: &Mentions) -> Option<crate::extract::dates::DateMention> {
    let first = seen.dates(text).into_iter().next()?;
    let before = text[..first.start].trim_matches(|c: char| !c.is_alphanumeric());
    let before =
        before.strip_prefix("On ").or_else(|| before.strip_prefix("on ")).unwrap_or(before);
    let weekday = before.len() <= 9 && before.to_ascii_lowercase().ends_with("day");
    (before.is_empty() || before.eq_ignore_ascii_case("on") || weekday).then_some(first)
}

fn is_gap(text: &str) -> bool {
    let t = text.trim_matches(|c: char| c.is_whitespace() || c == ',' || c == '~');
    t.is_empty() || t.eq_ignore_ascii_case("at")
}

/// One block; `in_timeline` when it sits under a Timeline heading, where an entry may carry
/// a day without a clock time.
fn read_block(
    block: &Block,
    dates: &Dates,
    in_timeline: bool,
    seen: &Mentions,
    out: &mut Vec<RawEvent>,
) {
    match block {
        Block::TableRow { cells } if in_timeline => read_row(cells, seen, out),
        Block::ListItem { text } => {
            if lead_time(text, seen).is_some() {
                read_text(text, dates, seen, out);
            } else if in_timeline {
                read_entry(text, dates, seen, out);
            }
        }
        Block::Paragraph { text } => {
            if in_timeline && lead_time(text, seen).is_none() && lead_date(text, seen).is_some() {
                read_entry(text, dates, seen, out);
                return;
            }
            // Prose that tells the timeline: each sentence that opens with a time. (A time
            // inside a paragraph is not an entry: list items are.)
            for sentence in sentences(text) {
                if lead_time(sentence, seen).is_some() {
                    read_text(sentence, dates, seen, out);
                }
            }
        }
        _ => {}
    }
}

/// An entry (list item) of a Timeline section that does not open with a clock time: one that
/// opens with a day ("March 3: …", "6/10/20 - …"), else one that names a time or a day
/// anywhere ("DEPO notified OCC at 12:16 ET on June 16"). Items with neither are no entries.
fn read_entry(text: &str, dates: &Dates, seen: &Mentions, out: &mut Vec<RawEvent>) {
    if let Some(date) = lead_date(text, seen) {
        read_dated(text, &date, dates, out);
    } else if let Some(short) = RE_SHORT_DATE.find(text) {
        let event = text[short.end()..].trim().trim_start_matches([':', '-', '–', '—', ',']).trim();
        if !event.is_empty() {
            out.push(RawEvent {
                written: short.as_str().trim().to_owned(),
                date: None,
                time: None,
                zone: None,
                event: event.to_owned(),
                embedded: false,
            });
        }
    } else if let Some(time) = seen.times(text).into_iter().next() {
        out.push(RawEvent {
            written: text[time.start..time.end].to_owned(),
            // A day named inside the entry may be any day it mentions ("no change since
            // February 27"), so it does not move the timeline's running date.
            date: None,
            time: Some(time.time),
            zone: time.zone,
            event: text.trim().to_owned(),
            embedded: true,
        });
    } else if let Some(date) = seen.dates(text).into_iter().next() {
        out.push(RawEvent {
            written: text[date.start..date.end].to_owned(),
            date: None,
            time: None,
            zone: None,
            event: text.trim().to_owned(),
            embedded: false,
        });
    }
}

/// A day written with a two-digit year at the start of an entry (`6/10/20 - …`), which is
/// read as written: month and day order cannot be told apart.
static RE_SHORT_DATE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(r"^\W{0,3}\d{1,2}[/.]\d{1,2}[/.]\d{2}\b")
        .expect("literal regex for short dates")
});

/// A heading that is a time, with the first block under it as the event.
fn read_heading(
    heading: &str,
    section: &Section<'_>,
    dates: &Dates,
    seen: &Mentions,
    out: &mut Vec<RawEvent>,
) {
    let event = section.blocks.first().map(|b| crate::extract::sections::block_text(b));
    let text = match event {
        Some(event) if !event.trim().is_empty() => format!("{heading}: {event}"),
        _ => heading.to_owned(),
    };
    if lead_time(&text, seen).is_some() {
        read_text(&text, dates, seen, out);
    } else if let Some(date) = lead_date(&text, seen) {
        read_dated(&text, &date, dates, out);
    }
}

/// An entry with a day but no clock time ("March 3: rollout began").
fn read_dated(
    text: &str,
    date: &crate::extract::dates::DateMention,
    dates: &Dates,
    out: &mut Vec<RawEvent>,
) {
    let event =
        text[date.end..].trim().trim_start_matches([':', '-', '–', '—', '|', ')', ']', ',']).trim();
    if event.is_empty() {
        return;
    }
    out.push(RawEvent {
        written: text[date.start..date.end].trim().to_owned(),
        date: date.date(dates.year_hint),
        time: None,
        zone: None,
        event: event.to_owned(),
        embedded: false,
    });
}

fn read_row(cells: &[String], seen: &Mentions, out: &mut Vec<RawEvent>) {
    if cells.len() < 2 {
        return;
    }
    let Some(index) =
        cells.iter().position(|c| !seen.times(c).is_empty() || !seen.dates(c).is_empty())
    else {
        return;
    };
    let cell = &cells[index];
    let time = seen.times(cell).into_iter().next();
    let event = cells
        .iter()
        .enumerate()
        .filter(|(i, c)| *i != index && !c.trim().is_empty())
        .map(|(_, c)| c.trim())
        .collect::<Vec<_>>()
        .join(" — ");
    if event.is_empty() {
        return;
    }
    out.push(RawEvent {
        written: cell.trim().to_owned(),
        date: seen.dates(cell).first().and_then(|d| d.date(None)),
        time: time.as_ref().map(|t| t.time),
        zone: time.and_then(|t| t.zone),
        event,
        embedded: false,
    });
}

/// Whether the text between two times makes them a range ("09:58–10:00", "10:25 to 10:40").
fn is_range_joiner(between: &str) -> bool {
    let joiner = between.trim();
    ["-", "–", "—", "to", "until", "till"].iter().any(|j| joiner.eq_ignore_ascii_case(j))
}

/// Where an event starts in a line: from `begin` (its date, else its time) to `end` (its
/// time, or the end of its range), and what it was written with.
struct Split {
    begin: usize,
    end: usize,
    date: Option<NaiveDate>,
    time: chrono::NaiveTime,
    zone: Option<Zone>,
}

/// A line may hold several events ("11:26 AM: Outage begins 11:54 AM: Rollback failed").
fn read_text(text: &str, dates: &Dates, seen: &Mentions, out: &mut Vec<RawEvent>) {
    let times = seen.times(text);
    let date_mentions = seen.dates(text);
    let Some(lead) = lead_time(text, seen) else { return };
    // Split points: the leading time, and later times followed by a separator.
    let mut splits: Vec<Split> = Vec::new();
    for t in &times {
        if t.start < lead {
            continue;
        }
        // "09:58–10:00 UTC: …", "10:25 to 10:40": the second time ends a range that the
        // entry's first time opens; the event is told after it.
        if let Some(last) = splits.last_mut()
            && is_range_joiner(&text[last.end..t.start])
        {
            last.end = t.end;
            last.zone = last.zone.or(t.zone);
            continue;
        }
        let after = text[t.end..].trim_start();
        let separated = after.starts_with([':', '-', '–', '—', '|']) && {
            let rest = after[after.chars().next().map_or(0, char::len_utf8)..].trim_start();
            // "14:00 - 18:30" is a range, not an event.
            seen.times(rest).first().is_none_or(|n| n.start > 0)
        };
        if t.start == lead || separated {
            // Start the event at a date written right before the time.
            let begin = date_mentions
                .iter()
                .rev()
                .find(|d| d.end <= t.start && is_gap(&text[d.end..t.start]))
                .filter(|d| splits.last().is_none_or(|s| d.start >= s.end))
                .map_or(t.start, |d| d.start);
            let date = date_mentions
                .iter()
                .find(|d| d.start == begin)
                .and_then(|d| d.date(dates.year_hint));
            splits.push(Split { begin, end: t.end, date, time: t.time, zone: t.zone });
        }
    }
    for (i, &Split { begin, end, date, time, zone }) in splits.iter().enumerate() {
        let next = splits.get(i + 1).map_or(text.len(), |s| s.begin);
        let event = text[end..next]
            .trim()
            .trim_start_matches([':', '-', '–', '—', '|', ')', ']', ','])
            .trim()
            .trim_end_matches([',', ';'])
            .trim();
        if event.is_empty() {
            continue;
        }
        out.push(RawEvent {
            written: text[begin..end].trim().trim_matches(['(', ')', '[', ']']).trim().to_owned(),
            date,
            time: Some(time),
            zone,
            event: event.to_owned(),
            embedded: false,
        });
    }
}

fn resolve(raw: Vec<RawEvent>, dates: &Dates) -> Vec<TimelineEvent> {
    let mut out = Vec::with_capacity(raw.len().min(MAX_EVENTS));
    let mut running: Option<NaiveDate> = dates.incident_date;
    let mut last: Option<NaiveDateTime> = None;
    for event in raw.into_iter().take(MAX_EVENTS) {
        let date = match event.date {
            Some(date) => {
                running = Some(date);
                Some(date)
            }
            None => running,
        };
        let zone = event.zone.or(dates.zone);
        let time = match (date, event.time, zone) {
            (Some(mut date), Some(time), Some(zone)) => {
                let mut local = date.and_time(time);
                // An undated time earlier than the last one is past midnight.
                if event.date.is_none()
                    && let Some(prev) = last
                    && local + Duration::hours(1) < prev
                {
                    date += Duration::days(1);
                    running = Some(date);
                    local = date.and_time(time);
                }
                last = Some(local);
                let offset = zone.offset_at(local);
                match local.and_local_timezone(offset).single() {
                    Some(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    None => event.written,
                }
            }
            _ => event.written,
        };
        out.push(TimelineEvent { time, event: event.event });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::sections::read_sections;
    use crate::model::Document;

    fn timeline(blocks: Vec<Block>, dates: &Dates) -> Vec<(String, String)> {
        let doc = Document { blocks, ..Document::default() };
        extract_timeline(&read_sections(&doc), dates, &Mentions::default())
            .events
            .into_iter()
            .map(|e| (e.time, e.event))
            .collect()
    }
    fn p(text: &str) -> Block {
        Block::Paragraph { text: text.into() }
    }
    fn utc_day(year: i32, month: u32, day: u32) -> Dates {
        Dates {
            incident_date: NaiveDate::from_ymd_opt(year, month, day),
            zone: Some(Zone::Fixed(0)),
            ..Dates::default()
        }
    }
    fn pairs(events: &[(&str, &str)]) -> Vec<(String, String)> {
        events.iter().map(|(t, e)| ((*t).to_owned(), (*e).to_owned())).collect()
    }
    fn h(text: &str) -> Block {
        Block::Heading { level: 2, text: text.into() }
    }
    fn row(cells: &[&str]) -> Block {
        Block::TableRow { cells: cells.iter().map(|c| (*c).to_owned()).collect() }
    }

    #[test]
    fn lines_with_incident_date_and_zone_resolve_and_roll_over_midnight() {
        let dates = Dates {
            incident_date: NaiveDate::from_ymd_opt(2023, 12, 21),
            zone: Some(Zone::Fixed(-5 * 3600)),
            ..Dates::default()
        };
        let got = timeline(
            vec![
                h("Timeline"),
                p("23:30: Alert fired."),
                p("00:15: Rolled back."),
                h("Root cause"),
                p("12:00: not timeline"),
            ],
            &dates,
        );
        assert_eq!(
            got,
            vec![
                ("2023-12-21T23:30:00-05:00".to_owned(), "Alert fired.".to_owned()),
                ("2023-12-22T00:15:00-05:00".to_owned(), "Rolled back.".to_owned()),
            ]
        );
    }

    #[test]
    fn merged_events_on_one_line_and_times_as_written() {
        let got = timeline(
            vec![
                h("TIMELINE"),
                p(
                    "11:26 AM: Outage begins 11:54 AM: Failed rollback 12:15 PM - Successful rollback",
                ),
            ],
            &Dates::default(),
        );
        assert_eq!(
            got,
            vec![
                ("11:26 AM".to_owned(), "Outage begins".to_owned()),
                ("11:54 AM".to_owned(), "Failed rollback".to_owned()),
                ("12:15 PM".to_owned(), "Successful rollback".to_owned()),
            ]
        );
    }

    #[test]
    fn table_rows_with_dates() {
        let dates = Dates { zone: Some(Zone::Fixed(3600)), ..Dates::default() };
        let got = timeline(
            vec![
                h("Timeline"),
                p("All times in CET."),
                row(&["Time", "Event"]),
                row(&["2021-02-15 06:05", "Pipeline failed"]),
                row(&["2021-02-15 07:00", "Back to normal"]),
            ],
            &dates,
        );
        assert_eq!(
            got,
            vec![
                ("2021-02-15T06:05:00+01:00".to_owned(), "Pipeline failed".to_owned()),
                ("2021-02-15T07:00:00+01:00".to_owned(), "Back to normal".to_owned()),
            ]
        );
    }

    #[test]
    fn bullets_with_zone_and_dates_before_times() {
        let got = timeline(
            vec![
                h("Timeline"),
                Block::ListItem { text: "16:58 UTC - Writer database saturates".into() },
                p("2018-08-22, 03:26pm: first noticed the error."),
                p("A paragraph without a time at 10:00 in the middle."),
            ],
            &Dates::default(),
        );
        assert_eq!(got[0], ("16:58 UTC".to_owned(), "Writer database saturates".to_owned()));
        // No zone anywhere: the time stays as written.
        assert_eq!(
            got[1],
            ("2018-08-22, 03:26pm".to_owned(), "first noticed the error.".to_owned())
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn headings_that_carry_times_or_dates_are_entries() {
        let dates = Dates {
            incident_date: NaiveDate::from_ymd_opt(2024, 5, 2),
            zone: Some(Zone::Fixed(0)),
            ..Dates::default()
        };
        let doc = Document {
            blocks: vec![
                h("Timeline"),
                Block::Heading { level: 3, text: "08:52 PM".into() },
                p("Alerts fire for the API."),
                Block::Heading { level: 3, text: "09:30 PM".into() },
                p("Rollback completes."),
                h("Lessons"),
                p("10:00 not an entry"),
            ],
            ..Document::default()
        };
        let got = extract_timeline(&read_sections(&doc), &dates, &Mentions::default());
        let events: Vec<(&str, &str)> =
            got.events.iter().map(|e| (e.time.as_str(), e.event.as_str())).collect();
        assert_eq!(
            events,
            vec![
                ("2024-05-02T20:52:00Z", "Alerts fire for the API."),
                ("2024-05-02T21:30:00Z", "Rollback completes.")
            ]
        );
        assert_eq!(got.span_minutes, Some(38));
    }

    #[test]
    fn a_range_of_times_is_one_entry_at_its_start() {
        let h3 = |text: &str| Block::Heading { level: 3, text: text.into() };
        let got = timeline(
            vec![
                h("Timeline (UTC)"),
                h3("09:58–10:00 UTC"),
                p("Queue operating normally."),
                h3("10:00 UTC"),
                p("Initial symptoms detected:"),
                Block::ListItem { text: "Jobs stuck in pending".into() },
                h3("10:00 – 10:15 UTC"),
                p("Stall window:"),
                h3("10:15-10:20"),
                p("Gradual recovery:"),
                Block::ListItem { text: "Jobs picked up again".into() },
                p("10:25 to 10:40 UTC: backlog drained"),
                p("10:45 - 10:50: queue depth back to normal"),
                h("Impact"),
            ],
            &utc_day(2026, 3, 3),
        );
        assert_eq!(
            got,
            pairs(&[
                ("2026-03-03T09:58:00Z", "Queue operating normally."),
                ("2026-03-03T10:00:00Z", "Initial symptoms detected:"),
                ("2026-03-03T10:00:00Z", "Stall window:"),
                ("2026-03-03T10:15:00Z", "Gradual recovery:"),
                ("2026-03-03T10:25:00Z", "backlog drained"),
                ("2026-03-03T10:45:00Z", "queue depth back to normal"),
            ])
        );
    }

    #[test]
    fn a_label_under_a_timed_heading_tells_its_entry() {
        let h3 = |text: &str| Block::Heading { level: 3, text: text.into() };
        let label = |text: &str| Block::Heading { level: 4, text: text.into() };
        let li = |text: &str| Block::ListItem { text: text.into() };
        let got = timeline(
            vec![
                h("Timeline"),
                h3("10:00 UTC"),
                label("Initial symptoms detected"),
                li("Jobs stuck in pending"),
                li("Workers idle"),
                h3("10:15–10:20 UTC"),
                label("Gradual recovery"),
                li("Jobs picked up again"),
                h3("After 10:30 UTC"),
                p("Queue fully drained."),
                h("Impact"),
                label("Affected"),
                p("Builds"),
            ],
            &utc_day(2026, 3, 3),
        );
        assert_eq!(
            got,
            pairs(&[
                ("2026-03-03T10:00:00Z", "Initial symptoms detected: Jobs stuck in pending"),
                ("2026-03-03T10:15:00Z", "Gradual recovery: Jobs picked up again"),
                ("2026-03-03T10:30:00Z", "Queue fully drained."),
            ])
        );
    }

    #[test]
    fn prose_sentences_that_open_with_a_time() {
        let got = timeline(
            vec![
                p("The day started quietly. At 10:52 AM we deployed the new router."),
                p("Around 11:05 AM, error rates rose to 30%. By 11:40 AM the rollback was done."),
                p("We are sorry."),
            ],
            &Dates::default(),
        );
        let times: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(times, vec!["10:52 AM", "11:05 AM", "11:40 AM"]);
        assert_eq!(got[0].1, "we deployed the new router.");
    }

    #[test]
    fn timeline_entries_with_dates_but_no_clock_times() {
        let dates = Dates { year_hint: Some(2023), ..Dates::default() };
        let got = timeline(
            vec![
                h("Timeline"),
                Block::ListItem { text: "March 3: the faulty release is published".into() },
                Block::ListItem { text: "March 5: first user reports".into() },
                Block::ListItem { text: "Follow-up discussion".into() },
            ],
            &dates,
        );
        assert_eq!(
            got,
            vec![
                ("March 3".to_owned(), "the faulty release is published".to_owned()),
                ("March 5".to_owned(), "first user reports".to_owned()),
            ]
        );
    }

    #[test]
    fn day_headings_group_entries_and_entries_may_name_their_time_inside() {
        let dates = Dates { zone: Some(Zone::Fixed(0)), ..Dates::default() };
        let doc = Document {
            blocks: vec![
                h("Timeline"),
                Block::Heading { level: 3, text: "2021-04-12".into() },
                Block::ListItem { text: "New instrument type added".into() },
                Block::Heading { level: 3, text: "2021-04-13".into() },
                Block::ListItem { text: "08:51 - pipeline fails".into() },
                Block::ListItem { text: "Team notified the vendor at 09:30 UTC".into() },
                Block::ListItem { text: "10:15 - fix deployed, no change since 2021-03-01".into() },
            ],
            ..Document::default()
        };
        let got = extract_timeline(&read_sections(&doc), &dates, &Mentions::default());
        let times: Vec<&str> = got.events.iter().map(|e| e.time.as_str()).collect();
        assert_eq!(
            times,
            vec![
                "2021-04-12",
                "2021-04-13T08:51:00Z",
                "2021-04-13T09:30:00Z",
                "2021-04-13T10:15:00Z"
            ]
        );
        // The span runs between the entries' own clock times, not a time found inside one.
        assert_eq!(got.span_minutes, Some(84));
    }

    #[test]
    fn without_a_timeline_heading_needs_several_timed_lines() {
        let few = timeline(vec![p("10:00 one"), p("Nothing")], &Dates::default());
        assert!(few.is_empty());
        let many =
            timeline(vec![p("10:00 one"), p("10:05 two"), p("10:10 three")], &Dates::default());
        assert_eq!(many.len(), 3);
    }
}
