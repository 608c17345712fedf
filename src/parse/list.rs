//! Curated markdown lists → one entry per listed postmortem.
//!
//! Takes the raw bytes of a list's markdown (a README fetched raw; UTF-8, a BOM and CRLF line
//! endings are fine) and returns one [`Entry`] per listed postmortem, each a candidate because a
//! curator chose it. It reads lines with regexes, renders no markdown, does no I/O and never
//! fetches the listed pages (the pipeline does that).
//!
//! The shape is detected per entry, so one file may mix them:
//!
//! - **Dated bullets** (awesome-postmortems): `- MM-DD-YYYY - [Title](url) by [Company](url)`,
//!   then summary bullets indented by a tab or by two or more spaces. The date is the incident
//!   date, month first (`YYYY-MM-DD` is read too), stored as UTC midnight. `by ...` is optional.
//!   The summary is the nested bullets' text.
//! - **Link bullets** (k8s.af): `* [Title - Company - blog post 2020](url)` with nested
//!   `* involved: ...` and `* impact: ...`. When the link text splits on `" - "` into three or
//!   more parts and the item has `involved`/`impact` lines or its last part names a year, the
//!   second-to-last part is the company, the last part (the venue) is dropped and the rest is
//!   the title. The summary is the `impact: ...` line as written; the `involved` items become
//!   categories (they name the technologies involved, which is what categories are for) and do
//!   not go into the summary. Other link bullets keep their link text as the title and may
//!   carry a `(YYYY-MM-DD, [Company](url))` line below them (awesome-tech-postmortems); the
//!   company's link is kept as its `company_url`.
//! - **Paragraphs** (danluu/post-mortems): `[Company](url). One to three sentences.` under a
//!   level-2-or-deeper heading: company = link text, summary = the sentences, categories =
//!   `[heading]`. The shape has no title, so the title stays empty.
//!
//! What yields nothing:
//!
//! - Sections about the list rather than in it: a section is skipped when its heading, or any
//!   heading above it, names other lists, analysis, studies, how-tos, templates, further
//!   reading, contributing or contributors, credits, a license or a table of contents, or is
//!   just one of "About", "Why", "FAQ", "Related", "Resources", "Links", "Talks", "Books",
//!   "Papers", "Research", "Guides", "Tools", "Sponsors", "Thanks".
//! - Lines in no shape: intro paragraphs, badges (`[![..](..)](..)`), paragraphs under a
//!   level-1 heading (a list's title) or none, nested bullets that are only a link (related
//!   articles), fenced code, HTML comments, numbered items with bold field labels.
//! - Links that are not absolute http(s) as written: `#anchors`, relative paths, `mailto:`.
//!
//! Text is the curator's: titles are kept verbatim (typos included) and URLs as written,
//! `web.archive.org` wrappers included ([`unwrap_wayback`] gives the original for matching).
//! Summaries keep their words but lose inline link markup (`[text](url)` → `text`). The
//! identity is `link:<url as written>`, and the first entry for a URL wins.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::{Captures, Regex};
use url::Url;

use super::{ParseError, seal};
use crate::model::{
    CuratedEntry, CuratedOrigin, Decision, Entry, EntryIdentity, ListShape, canonical_url,
};

/// Parses a curated list into one entry per listed postmortem.
///
/// An HTML page (a list URL pointing at the rendered GitHub page rather than the raw file) is a
/// [`ParseError::Format`]; any other text parses, into no entries if nothing in it is listed.
pub fn parse_list(body: &[u8], base: &Url) -> Result<Vec<Entry>, ParseError> {
    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if looks_like_html(text) {
        return Err(ParseError::Format {
            url: base.clone(),
            detail: "an HTML page came back, not markdown (point the source at the raw file)"
                .into(),
        });
    }
    let mut seen = HashSet::new();
    Ok(read_list(text)
        .into_iter()
        .filter(|listed| seen.insert(listed.url.clone()))
        .map(Listed::into_entry)
        .collect())
}

/// The original URL inside a Wayback Machine link
/// (`https://web.archive.org/web/<timestamp>[modifier_]/<original>`), when it is an absolute
/// http(s) URL; `None` for any other link.
pub fn unwrap_wayback(url: &str) -> Option<&str> {
    crate::model::unwrap_wayback(url)
}

/// Every entry of a list with the exact bytes it is written in, for `pmagg import` (and for
/// `pmagg render`, which records the entries of the list it wrote).
///
/// Entries are read as [`parse_list`] reads them; each also keeps its raw lines (`raw`: from
/// its first line through the last line that belongs to it, line endings included, so a tab or
/// two-space indent and CRLF survive), its place in the file and its company link. A link
/// listed twice keeps its first entry (matched on [`canonical_url`]). Markdown backslash
/// escapes in titles, companies and summaries are undone, so text that `render` escaped
/// comes back as it was.
pub fn read_curated(text: &str, list: &str) -> Vec<CuratedEntry> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for listed in read_list(body) {
        let canonical = canonical_url(&listed.url);
        if !seen.insert(canonical.clone()) {
            continue;
        }
        let raw = body[listed.span.clone()].to_owned();
        out.push(CuratedEntry {
            list: list.to_owned(),
            position: u32::try_from(out.len()).unwrap_or(u32::MAX),
            raw,
            shape: match listed.shape {
                Shape::Dated => ListShape::Dated,
                Shape::Linked => ListShape::Linked,
                Shape::Paragraph => ListShape::Paragraph,
            },
            origin: CuratedOrigin::Import,
            url: listed.url,
            canonical_url: canonical,
            title: listed.title.map(|t| unescape(&t)),
            company: listed.company.map(|c| unescape(&c)),
            company_url: listed.company_url,
            incident_date: listed.published,
            summary: listed.summary.map(|s| unescape(&s)),
            categories: listed.categories,
            removed: false,
        });
    }
    out
}

/// Undoes markdown backslash escapes (`\[` → `[`); other backslashes stay.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_punctuation) {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(14).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The shape an entry was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    /// `- MM-DD-YYYY - [Title](url) by [Company](url)` (awesome-postmortems).
    Dated,
    /// `* [Title - Company - venue](url)` (k8s.af) or a plain `- [Title](url)` bullet.
    Linked,
    /// `[Company](url). Sentences.` under a category heading (danluu/post-mortems).
    Paragraph,
}

/// One entry as the list writes it, before it becomes an [`Entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    shape: Shape,
    url: String,
    title: Option<String>,
    company: Option<String>,
    /// The company's link (`by [Company](url)`), when http(s).
    company_url: Option<String>,
    /// Where the entry is written: its first line through its last, line endings included.
    span: Range<usize>,
    published: Option<NaiveDate>,
    summary: Option<String>,
    categories: Vec<String>,
}

impl Listed {
    fn into_entry(self) -> Entry {
        seal(Entry {
            identity: EntryIdentity::new(format!("link:{}", self.url)),
            url: Some(self.url),
            title: self.title,
            published: self.published.map(|date| date.and_time(NaiveTime::MIN).and_utc()),
            summary: self.summary,
            company: self.company,
            categories: self.categories,
            candidate: true,
            // A curated list's every entry is a postmortem (issue #15).
            vouched_by: Some(Decision::Curated),
            ..Entry::default()
        })
    }
}

/// One markdown line, classified by what it can start or continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line<'a> {
    /// Empty or whitespace only.
    Blank,
    /// A code fence (```` ``` ```` or `~~~`), opening or closing.
    Fence,
    /// An ATX heading (`## Text`).
    Heading { level: usize, text: &'a str },
    /// `===` or `---`: a setext heading's underline when it follows a paragraph line.
    Underline { level: usize },
    /// A thematic break (`***`, `___`, `- - -`).
    Break,
    /// A list item; `indent` counts columns (a tab moves to the next multiple of 4).
    Bullet { indent: usize, text: &'a str },
    /// Any other text.
    Text { indent: usize, text: &'a str },
}

static ATX_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
        .expect("the heading pattern is a valid regex (checked by a test)")
});
static THEMATIC_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:-[ \t]*){3,})$")
        .expect("the thematic break pattern is a valid regex (checked by a test)")
});
static BULLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$")
        .expect("the bullet pattern is a valid regex (checked by a test)")
});
/// `MM-DD-YYYY` (US, month first) or `YYYY-MM-DD` at the start of an item, with its separator.
static DATE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})[-/.](?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))[ \t]*(?:[-–—:|][ \t]*)?",
    )
    .expect("the date prefix pattern is a valid regex (checked by a test)")
});
/// `by [Company](url)` or `by Company` after an item's link.
static BY_COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*(?:,[ \t]*)?by[ \t]+(.+)$")
        .expect("the company pattern is a valid regex (checked by a test)")
});
/// `(YYYY-MM-DD, Company)` under a link bullet.
static DATE_COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\((\d{4})(?:-(\d{1,2})-(\d{1,2}))?[ \t]*,[ \t]*(.+)\)$")
        .expect("the date and company pattern is a valid regex (checked by a test)")
});
static IMPACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^impact[ \t]*:")
        .expect("the impact pattern is a valid regex (checked by a test)")
});
static INVOLVED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^involved[ \t]*:(.*)$")
        .expect("the involved pattern is a valid regex (checked by a test)")
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:19|20)\d{2}\b")
        .expect("the year pattern is a valid regex (checked by a test)")
});
/// Headings of sections about the list rather than in it, anywhere in the heading.
static META_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:other\s+(?:lists?|collections?|resources)|analys[ie]s|stud(?:y|ies)|how\s+to|templates?|further\s+reading|reading\s+lists?|see\s+also|table\s+of\s+contents|contribut\w*|acknowledge?ments?|credits|licen[cs]e)\b",
    )
    .expect("the meta heading pattern is a valid regex (checked by a test)")
});
/// Headings of sections about the list rather than in it, as the whole heading.
static META_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:about|why|faq|contents|toc|related|resources|links|reading|talks|books|papers|research|guides|tools|sponsors|thanks)$",
    )
    .expect("the meta heading word pattern is a valid regex (checked by a test)")
});

fn classify(line: &str) -> Line<'_> {
    let line = line.trim_end();
    let text = line.trim_start();
    if text.is_empty() {
        return Line::Blank;
    }
    let indent = indent_width(line);
    if indent <= 3 {
        if text.starts_with("```") || text.starts_with("~~~") {
            return Line::Fence;
        }
        if let Some(caps) = ATX_HEADING.captures(text) {
            let level = caps.get(1).map_or(1, |hashes| hashes.as_str().len());
            let text = caps.get(2).map_or("", |t| t.as_str().trim());
            return Line::Heading { level, text };
        }
        if text.bytes().all(|b| b == b'=') {
            return Line::Underline { level: 1 };
        }
        if text.bytes().all(|b| b == b'-') {
            return Line::Underline { level: 2 };
        }
        if THEMATIC_BREAK.is_match(text) {
            return Line::Break;
        }
    }
    match BULLET.captures(text).and_then(|caps| caps.get(1)) {
        Some(item) => Line::Bullet { indent, text: item.as_str().trim() },
        None => Line::Text { indent, text },
    }
}

/// Leading whitespace in columns; a tab advances to the next multiple of 4 (CommonMark).
fn indent_width(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => break,
        }
    }
    width
}

/// `[text](destination "title")` at the start of a string, and what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InlineLink<'a> {
    text: &'a str,
    url: &'a str,
    rest: &'a str,
}

/// Reads an inline link at the start of `s`: the text may hold balanced brackets (a badge's
/// image) and the destination balanced parentheses (Wikipedia URLs).
fn leading_link(s: &str) -> Option<InlineLink<'_>> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0;
    let mut text_end = None;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    text_end = Some(i);
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let text_end = text_end?;
    let inner = s[text_end + 1..].strip_prefix('(')?.trim_start();
    let (url, tail) = if let Some(angled) = inner.strip_prefix('<') {
        let end = angled.find('>')?;
        (&angled[..end], &angled[end + 1..])
    } else {
        let mut parens = 0usize;
        let mut end = inner.len();
        for (at, c) in inner.char_indices() {
            match c {
                '(' => parens += 1,
                ')' if parens == 0 => {
                    end = at;
                    break;
                }
                ')' => parens -= 1,
                c if c.is_whitespace() => {
                    end = at;
                    break;
                }
                _ => {}
            }
        }
        inner.split_at(end)
    };
    let tail = tail.trim_start();
    let tail = match tail.chars().next() {
        Some(open @ ('"' | '\'' | '(')) => {
            let close = if open == '(' { ')' } else { open };
            let after_open = &tail[1..];
            let end = after_open.find(close)?;
            after_open[end + 1..].trim_start()
        }
        _ => tail,
    };
    let rest = tail.strip_prefix(')')?;
    Some(InlineLink { text: &s[1..text_end], url, rest })
}

fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("http://") && url.len() > 7) || (lower == "https://" && url.len() > 8)
}

/// Text without inline link markup (`[text](url)` → `text`, images dropped), whitespace
/// collapsed.
fn plain_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('[') {
        let (before, from) = rest.split_at(at);
        match leading_link(from) {
            Some(link) => {
                match before.strip_suffix('!') {
                    Some(before_image) => out.push_str(before_image),
                    None => {
                        out.push_str(before);
                        out.push_str(&plain_text(link.text));
                    }
                }
                rest = link.rest;
            }
            None => {
                out.push_str(before);
                out.push('[');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Some(text)` unless it is empty.
fn non_empty(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

/// Whether a heading names a section about the list rather than entries of it.
fn is_meta_heading(text: &str) -> bool {
    let words = text.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    META_PHRASE.is_match(words) || META_WORD.is_match(words)
}

fn date_from(caps: &Captures<'_>, year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let year = i32::try_from(number(year)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(month)?, number(day)?)
}

/// What a continuation line or nested bullet of an item continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Top,
    Note,
    Impact,
    Involved,
    Skipped,
}

/// A top-level bullet that is an entry, with what its nested lines added.
#[derive(Debug)]
struct Item<'a> {
    shape: Shape,
    date: Option<NaiveDate>,
    link_text: &'a str,
    url: &'a str,
    company: Option<String>,
    company_url: Option<&'a str>,
    /// Continuation lines of the bullet itself (a `(date, company)` line).
    tail: String,
    notes: Vec<String>,
    impact: Option<String>,
    involved: Vec<String>,
    last: Last,
}

impl<'a> Item<'a> {
    /// Reads a top-level bullet's text; `None` when it is not an entry.
    fn parse(text: &'a str) -> Option<Self> {
        let (shape, date, rest) = match DATE_PREFIX.captures(text) {
            Some(caps) => {
                let date =
                    date_from(&caps, "y", "m", "d").or_else(|| date_from(&caps, "iy", "im", "id"));
                let end = caps.get(0).map_or(0, |m| m.end());
                (Shape::Dated, date, &text[end..])
            }
            None => (Shape::Linked, None, text),
        };
        let link = leading_link(rest)?;
        if link.text.starts_with('!') || !is_http(link.url) {
            return None;
        }
        let by = BY_COMPANY.captures(link.rest).and_then(|caps| caps.get(1));
        let (company, company_url) = match by.map(|by| by.as_str().trim()) {
            Some(by) => match leading_link(by) {
                Some(company) => (
                    non_empty(plain_text(company.text)),
                    Some(company.url).filter(|url| is_http(url)),
                ),
                None => (non_empty(plain_text(by.trim_end_matches(['.', ',', ';']))), None),
            },
            None => (None, None),
        };
        Some(Item {
            shape,
            date,
            link_text: link.text.trim(),
            url: link.url,
            company,
            company_url,
            tail: String::new(),
            notes: Vec::new(),
            impact: None,
            involved: Vec::new(),
            last: Last::Top,
        })
    }

    fn nested(&mut self, text: &str) {
        if IMPACT.is_match(text) {
            self.impact = non_empty(plain_text(text));
            self.last = Last::Impact;
        } else if let Some(involved) = INVOLVED.captures(text).and_then(|caps| caps.get(1)) {
            self.add_involved(involved.as_str());
            self.last = Last::Involved;
        } else if leading_link(text).is_some() {
            // A related article under the entry, not a description of it.
            self.last = Last::Skipped;
        } else {
            self.notes.push(plain_text(text));
            self.last = Last::Note;
        }
    }

    fn continuation(&mut self, text: &str) {
        let push = |into: &mut String, text: &str| {
            if !into.is_empty() {
                into.push(' ');
            }
            into.push_str(text);
        };
        match self.last {
            Last::Top => push(&mut self.tail, text),
            Last::Note => {
                if let Some(note) = self.notes.last_mut() {
                    push(note, &plain_text(text));
                }
            }
            Last::Impact => {
                if let Some(impact) = &mut self.impact {
                    push(impact, &plain_text(text));
                }
            }
            Last::Involved => self.add_involved(text),
            Last::Skipped => {}
        }
    }

    fn add_involved(&mut self, list: &str) {
        for name in list.split(',') {
            let name = plain_text(name.trim().trim_matches('`'));
            if !name.is_empty() && !self.involved.contains(&name) {
                self.involved.push(name);
            }
        }
    }

    fn finish(self, span: Range<usize>) -> Listed {
        let mut title = self.link_text.to_owned();
        let mut company = self.company;
        let mut company_url = self.company_url.map(str::to_owned);
        let mut published = self.date;
        if self.shape == Shape::Linked {
            let parts: Vec<&str> = self.link_text.split(" - ").map(str::trim).collect();
            let labelled = self.impact.is_some() || !self.involved.is_empty();
            if let [head @ .., company_part, venue] = parts.as_slice()
                && !head.is_empty()
                && company.is_none()
                && (labelled || YEAR.is_match(venue))
            {
                title = head.join(" - ");
                company = non_empty((*company_part).to_owned());
            }
            if let Some(caps) = DATE_COMPANY.captures(self.tail.trim()) {
                published = published.or_else(|| {
                    let n = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
                    NaiveDate::from_ymd_opt(i32::try_from(n(1)?).ok()?, n(2)?, n(3)?)
                });
                if company.is_none()
                    && let Some(written) = caps.get(4).map(|c| c.as_str().trim())
                {
                    company = non_empty(plain_text(written));
                    // `(2019-08-07, [GitLab](https://gitlab.com))`: the company's link too (#16).
                    company_url = leading_link(written)
                        .filter(|link| is_http(link.url) && link.rest.trim().is_empty())
                        .map(|link| link.url.to_owned());
                }
            }
        }
        let notes = self.notes.into_iter().filter(|n| !n.is_empty()).collect::<Vec<_>>();
        Listed {
            shape: self.shape,
            url: self.url.to_owned(),
            title: non_empty(title),
            company,
            company_url,
            span,
            published,
            summary: self.impact.or_else(|| non_empty(notes.join(" "))),
            categories: self.involved,
        }
    }
}

/// The block the reader is in.
#[derive(Debug, Default)]
enum Block<'a> {
    /// Between blocks.
    #[default]
    None,
    /// A paragraph's lines so far.
    Paragraph(Vec<&'a str>),
    /// A top-level bullet that is an entry.
    Item(Box<Item<'a>>),
    /// A list item or indented text that is not an entry; its nested lines are ignored.
    Other,
}

/// An open heading: the section the following lines belong to.
#[derive(Debug)]
struct Heading {
    level: usize,
    text: String,
    meta: bool,
}

/// Reads lines one at a time and collects what the list lists.
#[derive(Debug)]
struct Reader<'a> {
    headings: Vec<Heading>,
    block: Block<'a>,
    after_blank: bool,
    fenced: bool,
    in_comment: bool,
    /// Byte range of the line being read, line ending included.
    line_at: Range<usize>,
    /// Byte range of the open block so far: its first line through its last.
    block_at: Range<usize>,
    out: Vec<Listed>,
}

/// Every entry of a list in file order, duplicates included.
fn read_list(text: &str) -> Vec<Listed> {
    let mut reader = Reader {
        headings: Vec::new(),
        block: Block::None,
        after_blank: true,
        fenced: false,
        in_comment: false,
        line_at: 0..0,
        block_at: 0..0,
        out: Vec::new(),
    };
    let mut offset = 0;
    for with_ending in text.split_inclusive('\n') {
        let end = offset + with_ending.len();
        let line = with_ending
            .strip_suffix('\n')
            .map_or(with_ending, |line| line.strip_suffix('\r').unwrap_or(line));
        reader.line_at = offset..end;
        reader.line(line);
        offset = end;
    }
    reader.close();
    reader.out
}

impl<'a> Reader<'a> {
    fn line(&mut self, raw: &'a str) {
        if self.in_comment {
            self.in_comment = !raw.contains("-->");
            return;
        }
        let line = classify(raw);
        if self.fenced {
            if line == Line::Fence {
                self.fenced = false;
                self.after_blank = true;
            }
            return;
        }
        if let Line::Text { text, .. } = line
            && text.starts_with("<!--")
        {
            // A comment is no content: it neither starts nor ends a block.
            self.in_comment = !text.contains("-->");
            return;
        }
        match line {
            Line::Blank => {
                if matches!(self.block, Block::Paragraph(_)) {
                    self.close();
                }
                self.after_blank = true;
            }
            Line::Fence => {
                self.close();
                self.fenced = true;
            }
            Line::Heading { level, text } => {
                self.close();
                self.open_heading(level, text);
                self.after_blank = true;
            }
            Line::Underline { level } if matches!(self.block, Block::Paragraph(_)) => {
                if let Block::Paragraph(lines) = std::mem::take(&mut self.block) {
                    self.open_heading(level, &lines.join(" "));
                }
                self.after_blank = true;
            }
            Line::Underline { .. } | Line::Break => {
                self.close();
                self.after_blank = true;
            }
            Line::Bullet { indent, text } => {
                if indent <= 1 {
                    self.close();
                    self.block = match Item::parse(text) {
                        Some(item) if !self.in_meta_section() => Block::Item(Box::new(item)),
                        _ => Block::Other,
                    };
                    self.block_at = self.line_at.clone();
                } else if let Block::Item(item) = &mut self.block {
                    item.nested(text);
                    self.block_at.end = self.line_at.end;
                } else {
                    self.close();
                    self.block = Block::Other;
                }
                self.after_blank = false;
            }
            Line::Text { indent, text } => {
                let continues = !self.after_blank || indent >= 2;
                match &mut self.block {
                    Block::Item(item) if continues => {
                        item.continuation(text);
                        self.block_at.end = self.line_at.end;
                    }
                    Block::Other if continues => {}
                    Block::Paragraph(lines) => {
                        lines.push(text);
                        self.block_at.end = self.line_at.end;
                    }
                    _ => {
                        self.close();
                        self.block =
                            if indent <= 3 { Block::Paragraph(vec![text]) } else { Block::Other };
                        self.block_at = self.line_at.clone();
                    }
                }
                self.after_blank = false;
            }
        }
    }

    fn open_heading(&mut self, level: usize, text: &str) {
        while self.headings.last().is_some_and(|open| open.level >= level) {
            self.headings.pop();
        }
        let text = plain_text(text);
        let meta = is_meta_heading(&text);
        self.headings.push(Heading { level, text, meta });
    }

    fn in_meta_section(&self) -> bool {
        self.headings.iter().any(|heading| heading.meta)
    }

    /// Ends the current block, keeping the entry it held.
    fn close(&mut self) {
        match std::mem::take(&mut self.block) {
            Block::Paragraph(lines) => {
                if let Some(listed) = self.paragraph_entry(&lines) {
                    self.out.push(listed);
                }
            }
            Block::Item(item) => self.out.push(item.finish(self.block_at.clone())),
            Block::None | Block::Other => {}
        }
    }

    /// A danluu-style paragraph: `[Company](url). Sentences.` under a category heading.
    fn paragraph_entry(&self, lines: &[&str]) -> Option<Listed> {
        let heading = self.headings.last().filter(|h| h.level >= 2 && !self.in_meta_section())?;
        let joined = lines.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" ");
        let link = leading_link(&joined)?;
        if link.text.trim_start().starts_with('!') || !is_http(link.url) {
            return None;
        }
        // `[Company](url). Text`, `[Company](url) Text` and `[Company](url), also ...`.
        let sentences = link.rest.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | '-' | '–' | '—')
        });
        Some(Listed {
            shape: Shape::Paragraph,
            url: link.url.to_owned(),
            company_url: None,
            span: self.block_at.clone(),
            title: None,
            company: non_empty(plain_text(link.text)),
            published: None,
            summary: non_empty(plain_text(sentences)),
            categories: vec![heading.text.clone()],
        })
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const AWESOME: &[u8] = include_bytes!("../../tests/fixtures/lists/awesome-postmortems.md");
    const DANLUU: &[u8] = include_bytes!("../../tests/fixtures/lists/danluu-post-mortems.md");
    const K8S_AF: &[u8] = include_bytes!("../../tests/fixtures/lists/k8s-af.md");

    fn base() -> Url {
        Url::parse("https://raw.githubusercontent.com/example/list/main/README.md").unwrap()
    }

    fn parse(body: &[u8]) -> Vec<Entry> {
        parse_list(body, &base()).unwrap()
    }

    fn date(text: &str) -> String {
        format!("{text}T00:00:00+00:00")
    }

    #[test]
    fn patterns_compile() {
        for pattern in [
            &ATX_HEADING,
            &THEMATIC_BREAK,
            &BULLET,
            &DATE_PREFIX,
            &BY_COMPANY,
            &DATE_COMPANY,
            &IMPACT,
            &INVOLVED,
            &YEAR,
            &META_PHRASE,
            &META_WORD,
        ] {
            LazyLock::force(pattern);
        }
        assert_eq!(unwrap_wayback("https://example.com/"), None);
    }

    #[test]
    fn awesome_postmortems_entries() {
        let entries = parse(AWESOME);
        let titles: Vec<_> = entries.iter().map(|e| e.title.as_deref().unwrap()).collect();
        assert_eq!(
            titles,
            [
                "High error rates for Chat and APIs",
                "Datacenter Outage",
                "Core Database Outage",
                "Unexpected Responess",
                "Autentication Outage",
            ]
        );

        let first = &entries[0];
        assert_eq!(first.identity.as_str(), "link:https://status.example-ai.com/incidents/6bwlxn");
        assert_eq!(first.url.as_deref(), Some("https://status.example-ai.com/incidents/6bwlxn"));
        assert_eq!(first.company.as_deref(), Some("ExampleAI"));
        assert_eq!(first.published.map(|p| p.to_rfc3339()), Some(date("2024-12-26")));
        assert_eq!(
            first.summary.as_deref(),
            Some(
                "A power failure in a datacenter took the primary databases down. Failover was slow because the databases are large."
            )
        );
        assert!(first.candidate);
        assert_eq!(first.vouched_by, Some(Decision::Curated));
        assert!(first.categories.is_empty());
        assert_eq!(first.content_hash.len(), 64);

        // Two-space summary, and no `by [Company]` part.
        let core = &entries[2];
        assert_eq!(core.company, None);
        assert_eq!(core.published.map(|p| p.to_rfc3339()), Some(date("2024-02-21")));
        assert_eq!(
            core.summary.as_deref(),
            Some("A failed migration dropped production tables; they were restored from backups.")
        );

        // A summary with a link in it loses the markup; an entry with no summary has none.
        assert_eq!(
            entries[3].summary.as_deref(),
            Some(
                "A bad kernel deployment made some GPUs return wrong tokens (see the status page)."
            )
        );
        assert_eq!(entries[4].summary, None);
        assert_eq!(entries[4].company.as_deref(), Some("Chatapp"));
        assert_eq!(entries[4].published.map(|p| p.to_rfc3339()), Some(date("2023-11-06")));
    }

    #[test]
    fn shapes_are_detected_per_entry() {
        let shapes = |body: &[u8]| {
            let text = std::str::from_utf8(body).unwrap();
            read_list(text).iter().map(|listed| listed.shape).collect::<HashSet<_>>()
        };
        assert_eq!(shapes(AWESOME), HashSet::from([Shape::Dated]));
        assert_eq!(shapes(DANLUU), HashSet::from([Shape::Paragraph]));
        assert_eq!(shapes(K8S_AF), HashSet::from([Shape::Linked]));
        // read_list keeps duplicates; parse_list drops all but the first.
        assert_eq!(read_list(std::str::from_utf8(AWESOME).unwrap()).len(), 6);
        assert_eq!(read_list(std::str::from_utf8(DANLUU).unwrap()).len(), 9);
    }

    #[test]
    fn curated_entries_keep_their_bytes() {
        let text = std::str::from_utf8(AWESOME).unwrap();
        let curated = read_curated(text, "README.md");
        assert_eq!(curated.len(), 5, "the link listed twice keeps its first entry");
        let first = &curated[0];
        assert_eq!(
            first.raw,
            "- 12-26-2024 - [High error rates for Chat and APIs](https://status.example-ai.com/incidents/6bwlxn) by [ExampleAI](https://example-ai.com/)\n\t- A power failure in a datacenter took the primary databases down. Failover was slow because the databases are large.\n"
        );
        assert_eq!(first.company_url.as_deref(), Some("https://example-ai.com/"));
        assert_eq!(first.canonical_url, "https://status.example-ai.com/incidents/6bwlxn");
        assert_eq!(
            (first.position, first.shape, first.list.as_str()),
            (0, ListShape::Dated, "README.md")
        );
        assert!(curated[2].raw.ends_with(
            "\n  - A failed migration dropped production tables; they were restored from backups.\n"
        ));
        assert_eq!(curated[2].company_url, None);
        // No summary: the bullet line alone.
        assert!(curated[4].raw.starts_with("- 11-06-2023") && curated[4].raw.lines().count() == 1);

        // CRLF stays in the bytes; every entry's bytes are a slice of the file.
        let crlf = text.replace('\n', "\r\n");
        let curated = read_curated(&crlf, "README.md");
        assert!(curated[0].raw.ends_with("large.\r\n"));
        assert!(curated.iter().all(|c| crlf.contains(&c.raw)));

        // Paragraphs keep their lines; escapes are undone.
        let danluu = read_curated(std::str::from_utf8(DANLUU).unwrap(), "danluu.md");
        assert_eq!(
            danluu[5].raw,
            "[Reddit](https://www.reddit.com/r/announcements/comments/4y0m56/why_reddit_was_down/)\nexperienced an outage for 1.5 hours, followed by another 1.5 hours of\ndegraded performance.\n"
        );
        let escaped = read_curated(
            "## Postmortems\n\n- 01-02-2024 - [a \\[b\\] \\<c\\>](https://e.example/) by X\n",
            "R",
        );
        assert_eq!(escaped[0].title.as_deref(), Some("a [b] <c>"));
    }

    #[test]
    fn crlf_and_bom_read_the_same() {
        let mut crlf = b"\xef\xbb\xbf".to_vec();
        for line in AWESOME.split(|&b| b == b'\n') {
            crlf.extend_from_slice(line);
            crlf.extend_from_slice(b"\r\n");
        }
        assert_eq!(parse(&crlf), parse(AWESOME));
        for body in [DANLUU, K8S_AF] {
            let crlf = String::from_utf8(body.to_vec()).unwrap().replace('\n', "\r\n");
            assert_eq!(parse(crlf.as_bytes()), parse(body));
        }
    }

    #[test]
    fn danluu_paragraphs() {
        let entries = parse(DANLUU);
        let companies: Vec<_> = entries.iter().map(|e| e.company.as_deref().unwrap()).collect();
        assert_eq!(
            companies,
            [
                "Cloudflare",
                "Hosting Co",
                "Amazon",
                "Example Bank",
                "Azure",
                "Reddit",
                "Instapaper",
                "Healthcare.gov"
            ]
        );
        assert!(entries.iter().all(|e| e.title.is_none() && e.published.is_none() && e.candidate));

        let cloudflare = &entries[0];
        assert_eq!(
            cloudflare.url.as_deref(),
            Some("https://blog.cloudflare.com/todays-outage-post-mortem/")
        );
        assert_eq!(
            cloudflare.summary.as_deref(),
            Some("A bad config (router rule) caused all of their edge routers to crash.")
        );
        assert_eq!(cloudflare.categories, ["Config Errors"]);

        // A web.archive.org link stays as written; the helper gives the original.
        let amazon = &entries[2];
        let archived =
            "https://web.archive.org/web/20120704032040/http://aws.amazon.com/message/67457/";
        assert_eq!(amazon.url.as_deref(), Some(archived));
        assert_eq!(amazon.identity.as_str(), format!("link:{archived}"));
        assert_eq!(amazon.categories, ["Hardware/Power Failures"]);
        assert_eq!(unwrap_wayback(archived), Some("http://aws.amazon.com/message/67457/"));

        // No full stop after the link; a paragraph over three lines; links in the text.
        assert_eq!(entries[4].categories, ["Time"]);
        assert_eq!(
            entries[4].summary.as_deref(),
            Some(
                "Certificates valid for one year were computed as the current date plus one year, which broke on February 29th."
            )
        );
        assert_eq!(
            entries[5].summary.as_deref(),
            Some(
                "experienced an outage for 1.5 hours, followed by another 1.5 hours of degraded performance."
            )
        );
        assert_eq!(
            entries[6].summary.as_deref(),
            Some("also this. Limits were hit for a hosted database.")
        );
        assert_eq!(entries[6].categories, ["Uncategorized"]);
        // A link with nothing after it is still listed.
        assert_eq!(entries[7].summary, None);
        assert_eq!(entries[7].url.as_deref(), Some("https://example.gov/healthcare-outage"));

        // "Other lists of postmortems", "Analysis" and "Contributors" yield nothing, nor does
        // the table of contents, and a duplicate link keeps the first entry.
        assert!(entries.iter().all(|e| !e.url.as_deref().unwrap().contains("availabilitydigest")));
        assert!(entries.iter().all(|e| !e.url.as_deref().unwrap().contains("kitchensoap")));
        assert_eq!(entries.len(), 8);
    }

    #[test]
    fn k8s_af_stories() {
        let entries = parse(K8S_AF);
        assert_eq!(entries.len(), 4);

        let first = &entries[0];
        assert_eq!(first.title.as_deref(), Some("Misunderstanding one templating line"));
        assert_eq!(first.company.as_deref(), Some("Skyscanner"));
        assert_eq!(
            first.summary.as_deref(),
            Some("impact: Significantly increased latency, 5XXs thrown from some services")
        );
        assert_eq!(first.categories, ["HAProxy-Ingress", "Service VIPs", "Golang templating"]);
        assert_eq!(first.published, None);

        // Four parts: the title keeps its own " - ".
        let hof = &entries[1];
        assert_eq!(
            hof.title.as_deref(),
            Some("Load Balancer Configuration - Beware when draining nodes")
        );
        assert_eq!(hof.company.as_deref(), Some("DevOps Hof"));
        assert_eq!(hof.categories, ["GCP Load Balancer", "externalTrafficPolicy", "ingress-nginx"]);

        // A bullet with a leading space, after a blank line holding spaces; backticks dropped.
        let dns = &entries[2];
        assert_eq!(dns.title.as_deref(), Some("Total DNS outage in Kubernetes cluster"));
        assert_eq!(dns.company.as_deref(), Some("Zalando"));
        assert_eq!(dns.categories, ["AWS", "DNS", "CoreDNS", "OOMKill", "ndots:5"]);
        assert_eq!(dns.summary.as_deref(), Some("impact: production outage"));

        // A link bullet in no k8s.af form keeps its text as the title.
        let plain = &entries[3];
        assert_eq!(plain.title.as_deref(), Some("Our first cluster outage"));
        assert_eq!(plain.company, None);
        assert_eq!(plain.summary, None);
        assert!(plain.categories.is_empty());
    }

    #[test]
    fn link_bullets_with_a_date_and_company_line() {
        let list = "## Postmortems\n\n\
            - [Running Dry on Memory](https://hc.example/blog/memory/)\n  (2019-11-06,\n  [Honeycomb](https://hc.example/))\n  \
              - [I sat in on the review](https://reading.example/review)\n    (2019-11-08, Jacob Scott)\n\
            - [The Consul outage that never happened](https://gl.example/consul/)\n  (2019-08-07, [GitLab](https://gl.example))\n\n\
            ## Studies\n\n- [Approaching Overload](https://etd.example/overload.pdf)\n  (2018, [M. Grayson](https://etd.example/))\n\n\
            ## How to approach postmortems\n\n- [Learning from Incidents](https://lfi.example/)\n";
        let entries = parse(list.as_bytes());
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].title.as_deref(), Some("Running Dry on Memory"));
        assert_eq!(entries[0].company.as_deref(), Some("Honeycomb"));
        assert_eq!(entries[0].published.map(|p| p.to_rfc3339()), Some(date("2019-11-06")));
        assert_eq!(entries[0].summary, None);
        assert_eq!(entries[1].company.as_deref(), Some("GitLab"));
        assert_eq!(entries[1].published.map(|p| p.to_rfc3339()), Some(date("2019-08-07")));
        // #16: the company's link is kept, also across lines.
        let curated = read_curated(list, "list.md");
        let links: Vec<_> = curated.iter().map(|c| c.company_url.as_deref()).collect();
        assert_eq!(links, [Some("https://hc.example/"), Some("https://gl.example")]);
        let plain = read_curated("## P\n\n- [A](https://a.example/)\n  (2020-01-02, Acme)\n", "l");
        assert_eq!(
            (plain[0].company.as_deref(), plain[0].company_url.as_deref()),
            (Some("Acme"), None)
        );
    }

    #[test]
    fn non_entries_yield_nothing() {
        let list = "# Title [![Awesome](https://badge.example/b.svg)](https://awesome.example)\n\n\
            [![Build](https://ci.example/b.svg)](https://ci.example/)\n\n\
            Intro with [a link](https://example.com/intro).\n\n\
            ## Section\n\n\
            - [Anchor](#section)\n- [Relative](docs/CONTRIBUTING.md)\n- [Mail](mailto:a@example.com)\n\
            - [![Badge](https://badge.example/x.svg)](https://example.com/badge)\n\
            - plain text bullet\n\n\
            [Nora Jones](https://example.com/nora-tweet)\n\n\
            <!--\n- [Hidden](https://example.com/hidden)\n-->\n\
            ```md\n- 01-02-2020 - [Example](https://example.com/in-code)\n```\n\n\
            1.  **Summary**: bold labels are not a shape.\n**Links**: https://example.com/bare\n";
        let entries = parse(list.as_bytes());
        let urls: Vec<_> = entries.iter().map(|e| e.url.as_deref().unwrap()).collect();
        // Only the paragraph under the level-2 heading is in a shape.
        assert_eq!(urls, ["https://example.com/nora-tweet"]);
        assert_eq!(parse(b""), []);
        assert_eq!(parse(b"just some text\n"), []);
    }

    #[test]
    fn an_html_page_is_an_error() {
        let err =
            parse_list(b"<!DOCTYPE html>\n<html><body>README</body></html>", &base()).unwrap_err();
        assert!(err.to_string().contains("not markdown"), "{err}");
    }

    #[test]
    fn wayback_links_unwrap() {
        for (wrapped, original) in [
            (
                "https://web.archive.org/web/20150101000000/https://example.com/a?b=c#d",
                Some("https://example.com/a?b=c#d"),
            ),
            ("http://web.archive.org/web/2016id_/http://example.com/", Some("http://example.com/")),
            ("https://WEB.ARCHIVE.ORG/web/1/https://example.com/x", Some("https://example.com/x")),
            (
                "https://wayback.archive.org/web/20200101/https://e.example/",
                Some("https://e.example/"),
            ),
            ("https://web.archive.org/web/20200101/example.com/page", None),
            ("https://web.archive.org/web/*/https://example.com/", None),
            ("https://web.archive.org/web/20200101/", None),
            ("https://archive.org/details/something", None),
            ("https://example.com/web/20200101/https://x.example/", None),
        ] {
            assert_eq!(unwrap_wayback(wrapped), original, "{wrapped}");
        }
    }

    #[test]
    fn lines_classify() {
        assert_eq!(
            classify("## Config Errors ##"),
            Line::Heading { level: 2, text: "Config Errors" }
        );
        assert_eq!(classify("#hashtag"), Line::Text { indent: 0, text: "#hashtag" });
        assert_eq!(classify("\t- summary\r"), Line::Bullet { indent: 4, text: "summary" });
        assert_eq!(classify("  - summary"), Line::Bullet { indent: 2, text: "summary" });
        assert_eq!(classify(" * [x](y) "), Line::Bullet { indent: 1, text: "[x](y)" });
        assert_eq!(classify("1.  **Summary**"), Line::Bullet { indent: 0, text: "**Summary**" });
        assert_eq!(classify("==="), Line::Underline { level: 1 });
        assert_eq!(classify("---"), Line::Underline { level: 2 });
        assert_eq!(classify("* * *"), Line::Break);
        assert_eq!(classify("*emphasis*"), Line::Text { indent: 0, text: "*emphasis*" });
        assert_eq!(classify("   \t"), Line::Blank);
    }

    #[test]
    fn inline_links() {
        let link = leading_link("[Title [beta]](https://e.example/a_(b)) by x").unwrap();
        assert_eq!(
            (link.text, link.url, link.rest),
            ("Title [beta]", "https://e.example/a_(b)", " by x")
        );
        let link = leading_link("[t](<https://e.example/a b> \"title\").").unwrap();
        assert_eq!((link.url, link.rest), ("https://e.example/a b", "."));
        assert_eq!(leading_link("[unclosed](https://e.example"), None);
        assert_eq!(leading_link("[ref][1]"), None);
        assert_eq!(leading_link("text [t](u)"), None);
        assert_eq!(
            plain_text("see [the  page](https://e.example) and ![img](i.png)"),
            "see the page and"
        );
        assert!(is_http("HTTPS://e.example") && is_http("http://e.example"));
        assert!(!is_http("https://") && !is_http("#anchor") && !is_http("ftp://e.example"));
    }

    #[test]
    fn meta_headings() {
        for heading in [
            "Other lists of postmortems",
            "Analysis",
            "Contributors",
            "Contributing",
            "Postmortem templates",
            "Table of Contents",
            "Bulk incident analysis",
            "How to approach postmortems",
            "Studies",
            "Why",
            "License",
            "Further reading",
        ] {
            assert!(is_meta_heading(heading), "{heading}");
        }
        for heading in [
            "Config Errors",
            "Hardware/Power Failures",
            "Conflicts",
            "Time",
            "Database",
            "Uncategorized",
            "Postmorterms",
            "Postmortems",
            "A List of Post-mortems!",
            "Kubernetes Failure Stories",
        ] {
            assert!(!is_meta_heading(heading), "{heading}");
        }
    }
}
