//! The plain-text reader, and the line reader it shares with markdown paragraphs.
//!
//! Lines are read one by one: `=====`/`-----` underlines, `Label:` lines, bold labels and
//! lines made only of a known heading (`Timeline`, `ROOT CAUSE`, see
//! [`crate::parse::signals::is_heading_line`]) act as headings; list markers start list
//! items; wrapped prose lines are joined back into paragraphs. Never fails.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::{STRONG_CLOSE, STRONG_OPEN, ascii_word_regex, collapse, title_from_blocks};
use crate::model::{Block, Document};
use crate::parse::signals::is_heading_line;
use crate::parse::timestamp::metadata_timestamp;

/// Level given to label lines (`Impact:`, a bold `**Root Cause:**`), as [`Block`] documents.
pub(super) const LABEL_LEVEL: u8 = 4;

/// Level given to plain-text lines that are only a known heading (`Timeline`, `ROOT CAUSE`).
const LINE_HEADING_LEVEL: u8 = 2;

/// Labels that carry a value on the same line (`Duration: 2.5 hours`): the label becomes a
/// heading and the value a paragraph, so that extraction finds both.
const VALUE_LABELS: &[&str] = &[
    "start",
    "end",
    "start time",
    "end time",
    "started",
    "ended",
    "date",
    "time",
    "status",
    "authors",
    "author",
    "severity",
];

/// A label that carries a value on its line: a known heading, or one of [`VALUE_LABELS`], also
/// after a word that says what it is of ("Incident Start Time", "Outage end").
fn is_known_label(normalized: &str) -> bool {
    is_heading_line(normalized)
        || VALUE_LABELS.contains(&crate::model::without_span_subject(normalized))
}

pub(super) static RE_UNDERLINE: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"^\s*(?:={3,}|-{3,})\s*$").expect("literal regex for underlines")
});
pub(super) static RE_LIST_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"^\s*(?:[-*+•●▪◦→]|->|=>|\d{1,2}[.)])\s+")
        .expect("literal regex for list markers")
});
pub(super) static RE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"^([A-Za-z][^:]{0,60}?)\s*:(?:\s+(.*))?$")
        .expect("literal regex for label lines")
});
pub(super) static RE_TIME_START: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(
        r"(?i)^\W{0,4}(?:\d{1,2}:\d{2}|\d{3,4}\s*hrs|\d{4}-\d{2}-\d{2}|\d{1,2}\s*[ap]\.?m\b)",
    )
    .expect("literal regex for lines that start with a time")
});
pub(super) static RE_NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"^(?:#+\s*|\d{1,2}[.)]\s*|0x[0-9a-f]+\.?\s*|[ivx]{1,4}\.\s+)+")
        .expect("literal regex for heading numbering")
});

/// Which plain-text dialect a body is written in: each marks its headings its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// `=====`/`-----` underlines, `Label:` lines and known heading lines.
    Plain,
    /// reStructuredText ([`super::dialect::rst_lines`]).
    Rst,
    /// AsciiDoc ([`super::dialect::asciidoc_lines`]).
    AsciiDoc,
}

/// A line of a plain-text body, as a dialect reads it.
#[derive(Debug)]
pub(super) enum Line<'a> {
    /// Prose, a list item or a label line, for [`split_lines`].
    Text(Cow<'a, str>),
    /// A heading the dialect marks as one.
    Heading { level: u8, text: String },
    /// A paragraph break: a rule, a block delimiter, a directive left out.
    Break,
}

pub(super) fn parse_text(text: &str, dialect: Dialect) -> Document {
    // A saved message: its headers say the title and the date, and are no part of the report.
    let mail = (dialect == Dialect::Plain).then(|| split_mail_headers(text)).flatten();
    let text = mail.as_ref().map_or(text, |mail| mail.body);
    let lines = match dialect {
        Dialect::Plain => plain_lines(text),
        Dialect::Rst => super::dialect::rst_lines(text),
        Dialect::AsciiDoc => super::dialect::asciidoc_lines(text),
    };
    let mut blocks = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in &lines {
        match line {
            Line::Text(text) => pending.push(text),
            Line::Break => pending.push(""),
            Line::Heading { level, text } => {
                split_lines(pending.drain(..), &mut blocks);
                blocks.push(Block::Heading { level: *level, text: text.clone() });
            }
        }
    }
    split_lines(pending.into_iter(), &mut blocks);
    promote_first_line(&mut blocks);
    let (subject, date) = mail.map_or((None, None), |mail| (mail.subject, mail.date));
    Document {
        title: subject.or_else(|| title_from_blocks(&blocks)),
        url: None,
        published: match dialect {
            Dialect::AsciiDoc => super::dialect::asciidoc_revdate(text),
            Dialect::Rst => super::dialect::rst_post_date(text),
            Dialect::Plain => date,
        },
        site_name: None,
        blocks,
        markdown: text.trim().to_owned(),
    }
}

/// What a message's header block says, and the message after it.
struct MailHeaders<'a> {
    subject: Option<String>,
    date: Option<DateTime<Utc>>,
    body: &'a str,
}

/// The header names a saved message or a mailing list's raw message opens with.
const MAIL_HEADERS: &[&str] = &[
    "subject",
    "from",
    "date",
    "to",
    "cc",
    "reply-to",
    "sender",
    "message-id",
    "in-reply-to",
    "references",
    "newsgroups",
    "list-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "received",
    "return-path",
    "delivered-to",
    "organization",
];

/// A leading block of mail headers (`Subject:`, `From:`, `Date:` … up to the first blank
/// line): two or more, each a known name (or `X-…`), with a `Subject` or a `From`. `None`
/// for anything else, such as a report that opens with `Summary:` or `Date:` labels.
fn split_mail_headers(text: &str) -> Option<MailHeaders<'_>> {
    let (mut subject, mut date, mut from) = (None, None, false);
    let mut count = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            return (count >= 2 && (subject.is_some() || from)).then(|| MailHeaders {
                subject,
                date,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
        if count > 0 && line.starts_with([' ', '\t']) {
            continue; // a folded header
        }
        let (name, value) = trimmed.split_once(':')?;
        let name = name.to_ascii_lowercase();
        if !MAIL_HEADERS.contains(&name.as_str()) && !name.starts_with("x-") {
            return None;
        }
        let value = value.trim();
        match name.as_str() {
            "subject" => subject = clean_subject(value),
            "date" => date = metadata_timestamp(value),
            "from" => from = true,
            _ => {}
        }
        count += 1;
        if count > 100 {
            return None;
        }
    }
    None
}

/// A subject without its reply and forward marks and its list tags ("Re: [infra] Outage" →
/// "Outage").
fn clean_subject(subject: &str) -> Option<String> {
    static RE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(r"(?i)^(?:(?:re|fwd?|aw|sv)\s*:\s*|\[[^\]]{1,40}\]\s*)+")
            .expect("literal regex for subject prefixes")
    });
    let clean = collapse(&RE_PREFIX.replace(subject, ""));
    (!clean.is_empty()).then_some(clean)
}

/// Plain text → lines: a line underlined with `=====` is a heading of level 1, with `-----`
/// of level 2; such a line alone is a paragraph break.
fn plain_lines(text: &str) -> Vec<Line<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let next_is_underline = lines.get(i + 1).is_some_and(|next| RE_UNDERLINE.is_match(next));
        if next_is_underline && !line.trim().is_empty() && !RE_LIST_MARKER.is_match(line) {
            let level = if lines[i + 1].trim_start().starts_with('=') { 1 } else { 2 };
            let text = collapse(line.trim().trim_end_matches(':'));
            out.push(Line::Heading { level, text });
            i += 2;
            continue;
        }
        if RE_UNDERLINE.is_match(line) {
            out.push(Line::Break);
        } else if i > 0
            && lines[i - 1].trim().is_empty()
            && stands_as_heading(line, lines.get(i + 1))
        {
            out.push(Line::Heading { level: LINE_HEADING_LEVEL, text: collapse(line.trim()) });
        } else {
            // "Date of incident: 3 July 2024" under the title is a line of its own, not the
            // title's continuation.
            if i > 0 && RE_KEY_VALUE.is_match(line) {
                out.push(Line::Break);
            }
            out.push(Line::Text(line.into()));
        }
        i += 1;
    }
    out
}

/// `Label: value` with a short capitalised label, as a plain-text report's metadata lines
/// are written ("Date of incident: 3 July 2024", "Prepared by: Platform team").
static RE_KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"^\s*[A-Z][A-Za-z]*(?: [A-Za-z]+){0,3}: \S.{0,70}$")
        .expect("literal regex for a label and its value")
});

/// A plain-text heading written as nothing but a short line of its own ("What users saw",
/// "Why it happened", "Follow-up"): after a blank line, capitalised, up to seven words and no
/// closing punctuation, with the section's text or list starting on the next line.
fn stands_as_heading(line: &str, next: Option<&&str>) -> bool {
    let line = line.trim();
    let words = line.split_whitespace().count();
    let next = next.map_or("", |n| n.trim());
    (1..=7).contains(&words)
        && line.chars().count() <= 60
        && line.chars().next().is_some_and(char::is_uppercase)
        && !line.ends_with(['.', ',', ';', ':', '!', '?'])
        && !line.contains("http")
        && !RE_TIME_START.is_match(line)
        && !RE_LIST_MARKER.is_match(line)
        // "Date: 11 September 2024" is a label and its value, whatever follows it.
        && !RE_KEY_VALUE.is_match(line)
        && (RE_LIST_MARKER.is_match(next)
            || (next.split_whitespace().count() >= 6
                && next.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())))
}

/// In plain text (and markdown without a `#` title), a short first line without a full stop
/// is the title, unless it starts with a lowercase letter: captured copies that lost their
/// first characters ("ssue Summary", "i" + "stmortem") begin mid-word, and a fragment is no
/// title. A message's subject line
/// copied alone above its text ("Subject: Re: Summary of Tuesday's outage", no other
/// header, so no message to read) titles it without its label and reply marks.
pub(super) fn promote_first_line(blocks: &mut [Block]) {
    if let Some(first) = blocks.first_mut()
        && let Block::Paragraph { text } = first
        && text.chars().count() <= 100
        && !text.ends_with(['.', ':'])
        && !text.contains("http")
        && !starts_mid_word(text)
    {
        let title = text
            .get(..8)
            .filter(|label| label.eq_ignore_ascii_case("subject:"))
            .and_then(|_| clean_subject(text[8..].trim_start()))
            .unwrap_or_else(|| std::mem::take(text));
        *first = Block::Heading { level: 1, text: title };
    }
}

/// A lowercase first letter that is not a brand's ("iOS", "eBPF").
fn starts_mid_word(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(char::is_lowercase) && !chars.next().is_some_and(char::is_uppercase)
}

/// Lines of a paragraph (markdown soft breaks) or of a plain-text body → blocks: heading
/// lines and labels become headings, list markers list items, and wrapped prose lines are
/// joined back into paragraphs.
pub(super) fn split_lines<'a>(lines: impl Iterator<Item = &'a str>, blocks: &mut Vec<Block>) {
    let mut prose = String::new();
    let flush = |prose: &mut String, blocks: &mut Vec<Block>| {
        let text = collapse(&strip_markers(prose));
        prose.clear();
        if !text.is_empty() {
            blocks.push(Block::Paragraph { text });
        }
    };
    for raw in lines {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut prose, blocks);
            continue;
        }
        if let Some((label, value)) = bold_label(line) {
            flush(&mut prose, blocks);
            blocks.push(Block::Heading { level: LABEL_LEVEL, text: label });
            if !value.is_empty() {
                prose.push_str(&value);
            }
            continue;
        }
        let plain = strip_markers(line);
        let plain = plain.trim();
        if let Some(heading) = heading_line(plain) {
            flush(&mut prose, blocks);
            blocks.push(heading);
            continue;
        }
        if let Some((label, value)) = label_line(plain) {
            flush(&mut prose, blocks);
            blocks.push(Block::Heading { level: LABEL_LEVEL, text: label });
            if let Some(value) = value {
                prose.push_str(&value);
            }
            continue;
        }
        if let Some(marker) = RE_LIST_MARKER.find(plain) {
            flush(&mut prose, blocks);
            let text = collapse(&plain[marker.end()..]);
            if !text.is_empty() {
                blocks.push(Block::ListItem { text });
            }
            continue;
        }
        let starts_block = (RE_TIME_START.is_match(plain) && !needs_more(&prose)) || {
            let prev = prose.trim_end();
            prev.ends_with(['.', '!', '?', ':', ';'])
                || (prev.chars().count() < 50
                    && plain.chars().next().is_some_and(char::is_uppercase))
        };
        if !prose.is_empty() && starts_block {
            flush(&mut prose, blocks);
        }
        if !prose.is_empty() {
            prose.push(' ');
        }
        prose.push_str(plain);
    }
    flush(&mut prose, blocks);
}

/// Whether wrapped prose stops where it cannot end ("… for 70% of customers between",
/// "… from", "…,"): the next line carries the sentence on even when it opens with a time
/// ("14:05 and 15:20 UTC."), which otherwise starts a timeline entry of its own.
fn needs_more(prose: &str) -> bool {
    const CARRIES_ON: &str = "a about after an and approximately around at before between by \
                              from of on or roughly since the till to until";
    let prose = prose.trim_end();
    prose.ends_with([',', '-', '\u{2013}', '~'])
        || prose
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .is_some_and(|word| CARRIES_ON.split(' ').any(|w| w.eq_ignore_ascii_case(word)))
}

/// `**Label:** value` or `**Label**: value` at the start of a line.
fn bold_label(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix(STRONG_OPEN)?;
    let (label, after) = rest.split_once(STRONG_CLOSE)?;
    let label = label.trim();
    let after = after.trim_start();
    let (label, value) = if let Some(l) = label.strip_suffix(':') {
        (l.trim(), after)
    } else if let Some(v) = after.strip_prefix(':') {
        (label, v.trim_start())
    } else if after.is_empty() {
        (label, "")
    } else {
        return None;
    };
    if label.is_empty()
        || label.starts_with(|c: char| c.is_ascii_digit())
        || label.split_whitespace().count() > 12
    {
        return None;
    }
    Some((collapse(label), collapse(&strip_markers(value))))
}

/// A line that is only a known heading, or a short line in capitals.
fn heading_line(line: &str) -> Option<Block> {
    if line.chars().count() > 80 || line.ends_with('.') || line.contains("](") {
        return None;
    }
    let norm = normalize_heading(line);
    if is_heading_line(&norm) {
        return Some(Block::Heading {
            level: LINE_HEADING_LEVEL,
            text: collapse(line.trim_end_matches(':')),
        });
    }
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    let words = line.split_whitespace().count();
    if letters.len() >= 4
        && words <= 6
        && letters.iter().all(|c| c.is_uppercase())
        && !RE_TIME_START.is_match(line)
    {
        return Some(Block::Heading {
            level: LINE_HEADING_LEVEL,
            text: collapse(line.trim_end_matches(':')),
        });
    }
    None
}

/// `Label:` alone (a heading), or `Label: value` when the label is a known one.
fn label_line(line: &str) -> Option<(String, Option<String>)> {
    let caps = RE_LABEL.captures(line)?;
    let label = caps.get(1)?.as_str().trim();
    if label.split_whitespace().count() > 8 || label.contains("http") {
        return None;
    }
    let value = caps.get(2).map(|v| collapse(v.as_str())).filter(|v| !v.is_empty());
    match value {
        None => Some((collapse(label), None)),
        Some(value) => {
            let norm = normalize_heading(label);
            is_known_label(&norm).then(|| (collapse(label), Some(value)))
        }
    }
}

/// A row of a two-column table whose first cell is a known label ("| Root cause | A schema
/// migration locked … |", the metadata table of a wiki or document export): the label and
/// its value, read like a `Label: value` line.
pub(super) fn table_label(cells: &[String]) -> Option<(String, String)> {
    let [label, value] = cells else { return None };
    let (label, value) = (label.trim().trim_end_matches(':').trim(), value.trim());
    if value.is_empty() || label.is_empty() || label.split_whitespace().count() > 8 {
        return None;
    }
    let norm = normalize_heading(&strip_markers(label));
    is_known_label(&norm).then(|| (collapse(label), value.to_owned()))
}

/// Lowercase, numbering and markup removed, trailing punctuation dropped.
pub(super) fn normalize_heading(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let stripped = RE_NUMBERING.replace(&lower, "");
    let trimmed =
        stripped.trim().trim_matches(|c: char| c == ':' || c == '?' || c == '*' || c == '_');
    collapse(trimmed)
}

pub(super) fn strip_markers(text: &str) -> Cow<'_, str> {
    // Most lines hold no bold. A search for one char is a `memchr`; `replace` with a set of
    // chars decodes every char of every line, which was 0.7% of a cold pass.
    if !text.contains(STRONG_OPEN) && !text.contains(STRONG_CLOSE) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace([STRONG_OPEN, STRONG_CLOSE], ""))
}
