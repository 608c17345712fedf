//! One report of a directory of front-matter markdown files (the icco/postmortems shape) →
//! a curated entry.
//!
//! Each file opens with YAML front matter (`url`, `title`, `company`, `product`,
//! `start_time`, `end_time`, `categories`, `keywords`, `uuid`) and goes on with the report as
//! markdown. The block is found by `document::split_front_matter`; its keys are read here as
//! the small YAML subset such files use: `key: value` (quoted or not), lists inline
//! (`[a, b]`) or as `- item` lines, and `|`/`>` blocks. A file without a usable `url` is an
//! error naming the line (or the missing key): the caller names the file and goes on with
//! the others. Pure: takes text, returns values; reading the directory is the command's.

use chrono::{DateTime, Datelike as _, Utc};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use url::Url;

use super::document::split_front_matter;
use crate::model::{CuratedEntry, CuratedOrigin, ListShape, canonical_url};

/// What one file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterReport {
    /// The report's link (`url`).
    pub url: String,
    /// `title`.
    pub title: Option<String>,
    /// `company`.
    pub company: Option<String>,
    /// `product`.
    pub product: Option<String>,
    /// `start_time`: when the incident began.
    pub start: Option<DateTime<Utc>>,
    /// `end_time`: when it ended.
    pub end: Option<DateTime<Utc>>,
    /// `categories`.
    pub categories: Vec<String>,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `uuid`.
    pub uuid: Option<String>,
    /// The markdown after the front matter, trimmed.
    pub body: String,
}

/// Why a file is not a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontMatterError {
    /// The file does not open with a `---` front matter block closed by `---`.
    #[error("no front matter (a `---` block of `key: value` lines at the top)")]
    NoFrontMatter,
    /// The front matter has no `url`, or an empty one.
    #[error("no `url` in the front matter")]
    MissingUrl,
    /// `url` is not an http(s) URL.
    #[error("line {line}: `url` {value:?} is not an http(s) URL")]
    BadUrl {
        /// 1-based line in the file.
        line: usize,
        /// The value given.
        value: String,
    },
    /// A time key holds something that is not a date or a timestamp.
    #[error("line {line}: `{key}` {value:?} is not a date or an RFC 3339 timestamp")]
    BadTime {
        /// 1-based line in the file.
        line: usize,
        /// `start_time` or `end_time`.
        key: &'static str,
        /// The value given.
        value: String,
    },
}

/// Longest summary taken from the report's first paragraph, in characters.
pub const MAX_SUMMARY_CHARS: usize = 500;

impl FrontMatterReport {
    /// `end - start` in whole minutes, when both are known and the end is not before the start.
    pub fn duration_minutes(&self) -> Option<u32> {
        let minutes = (self.end? - self.start?).num_minutes();
        u32::try_from(minutes).ok()
    }

    /// The report's first paragraph as plain text (link markup dropped), at most
    /// [`MAX_SUMMARY_CHARS`] characters (cut at a word, with `…`).
    pub fn summary(&self) -> Option<String> {
        let mut text = String::new();
        let mut in_paragraph = false;
        for event in Parser::new(&self.body) {
            match event {
                Event::Start(Tag::Paragraph) => in_paragraph = true,
                Event::End(TagEnd::Paragraph) if !text.trim().is_empty() => break,
                Event::End(TagEnd::Paragraph) => in_paragraph = false,
                Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
                _ => {}
            }
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return None;
        }
        if text.chars().count() <= MAX_SUMMARY_CHARS {
            return Some(text);
        }
        let cut: String = text.chars().take(MAX_SUMMARY_CHARS).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
        Some(format!("{}…", cut.trim_end_matches([',', ';', ':', ' '])))
    }

    /// The curated entry of list `list` at `position`; `raw` is the file's text.
    pub fn to_curated_entry(&self, list: &str, position: u32, raw: &str) -> CuratedEntry {
        CuratedEntry {
            list: list.to_owned(),
            position,
            raw: raw.to_owned(),
            shape: ListShape::Linked,
            origin: CuratedOrigin::Import,
            url: self.url.clone(),
            canonical_url: canonical_url(&self.url),
            title: self.title.clone(),
            company: self.company.clone(),
            company_url: None,
            incident_date: self.start.map(|t| t.date_naive()),
            summary: self.summary(),
            categories: self.categories.clone(),
            removed: false,
        }
    }
}

/// Reads one file's text.
pub fn parse_front_matter_report(text: &str) -> Result<FrontMatterReport, FrontMatterError> {
    let (_, body) = split_front_matter(text);
    if body.len() == text.len() {
        return Err(FrontMatterError::NoFrontMatter);
    }
    let block = &text[..text.len() - body.len()];
    let mut report = FrontMatterReport {
        url: String::new(),
        title: None,
        company: None,
        product: None,
        start: None,
        end: None,
        categories: Vec::new(),
        keywords: Vec::new(),
        uuid: None,
        body: body.trim().to_owned(),
    };
    // The opening `---` is line 1; the closing one ends the block.
    let lines: Vec<&str> = block.lines().collect();
    let inner = &lines[1..lines.len().saturating_sub(1).max(1)];
    let mut i = 0;
    while i < inner.len() {
        let line_number = i + 2;
        let line = inner[i];
        i += 1;
        if line.starts_with([' ', '\t', '-', '#']) || line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        // What follows the key: indented or `- ` lines.
        let start = i;
        while i < inner.len()
            && (inner[i].starts_with([' ', '\t', '-']) || inner[i].trim().is_empty())
        {
            i += 1;
        }
        let nested = &inner[start..i];
        let value = Value::read(value, nested);
        match key.as_str() {
            "url" => {
                let Some(text) = value.text() else { continue };
                match Url::parse(&text) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") => report.url = text,
                    _ => {
                        return Err(FrontMatterError::BadUrl { line: line_number, value: text });
                    }
                }
            }
            "title" => report.title = value.text(),
            "company" => report.company = value.text(),
            "product" => report.product = value.text(),
            "uuid" => report.uuid = value.text(),
            "categories" => report.categories = value.list(),
            "keywords" => report.keywords = value.list(),
            "start_time" | "end_time" => {
                let key = if key == "start_time" { "start_time" } else { "end_time" };
                let Some(text) = value.text() else { continue };
                let time = super::timestamp::metadata_timestamp(&text).ok_or_else(|| {
                    FrontMatterError::BadTime { line: line_number, key, value: text.clone() }
                })?;
                // Go's zero time (`0001-01-01T00:00:00Z`) is how the icco tools write "unknown".
                let time = Some(time).filter(|t| t.year() > 1);
                if key == "start_time" {
                    report.start = time;
                } else {
                    report.end = time;
                }
            }
            _ => {}
        }
    }
    if report.url.is_empty() {
        return Err(FrontMatterError::MissingUrl);
    }
    Ok(report)
}

/// A front matter value: a scalar or a list.
enum Value {
    Text(String),
    List(Vec<String>),
}

impl Value {
    /// The value after `key:` and the lines nested under it.
    fn read(value: &str, nested: &[&str]) -> Self {
        if let Some(inline) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            return Value::List(inline.split(',').filter_map(scalar).collect());
        }
        if matches!(value, "|" | "|-" | "|+" | ">" | ">-" | ">+") {
            let lines: Vec<&str> = nested.iter().map(|l| l.trim()).collect();
            let joiner = if value.starts_with('|') { "\n" } else { " " };
            return Value::Text(lines.join(joiner).trim().to_owned());
        }
        if value.is_empty() {
            let items: Vec<String> = nested
                .iter()
                .filter_map(|l| l.trim_start().strip_prefix('-'))
                .filter_map(scalar)
                .collect();
            return Value::List(items);
        }
        Value::Text(scalar(value).unwrap_or_default())
    }

    fn text(self) -> Option<String> {
        match self {
            Value::Text(text) if !text.is_empty() => Some(text),
            _ => None,
        }
    }

    fn list(self) -> Vec<String> {
        match self {
            Value::List(items) => items,
            Value::Text(text) if !text.is_empty() => vec![text],
            Value::Text(_) => Vec::new(),
        }
    }
}

/// A scalar without its quotes (`"a \"b\""`, `'it''s'`); `None` when empty or `null`/`~`.
fn scalar(text: &str) -> Option<String> {
    let text = text.trim();
    let unquoted = if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        inner.replace("\\\"", "\"").replace("\\\\", "\\")
    } else if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        // An unquoted value ends at a comment.
        text.split(" #").next().unwrap_or(text).trim().to_owned()
    };
    (!unquoted.is_empty() && !matches!(text, "null" | "~")).then_some(unquoted)
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use chrono::NaiveDate;

    use super::*;

    const FILE: &str = "---
uuid: 1c8d5e2a-0000-4000-8000-000000000001
url: https://status.example.com/incidents/42
start_time: 2019-06-02T11:45:00Z
end_time: \"2019-06-02T16:10:00Z\"
title: 'Network congestion: a bad config'
company: Example Cloud
product: Compute
categories:
- cloud
- config-change
keywords: [network, \"packet loss\"]
---

A [configuration change](https://example.com/c) meant for a few servers
reached every region; traffic was rerouted.

Second paragraph.
";

    #[test]
    fn reads_every_key() {
        let report = parse_front_matter_report(FILE).unwrap();
        assert_eq!(report.url, "https://status.example.com/incidents/42");
        assert_eq!(report.title.as_deref(), Some("Network congestion: a bad config"));
        assert_eq!(report.company.as_deref(), Some("Example Cloud"));
        assert_eq!(report.product.as_deref(), Some("Compute"));
        assert_eq!(report.uuid.as_deref(), Some("1c8d5e2a-0000-4000-8000-000000000001"));
        assert_eq!(report.categories, ["cloud", "config-change"]);
        assert_eq!(report.keywords, ["network", "packet loss"]);
        assert_eq!(report.duration_minutes(), Some(265));
        assert_eq!(
            report.summary().as_deref(),
            Some(
                "A configuration change meant for a few servers reached every region; traffic \
                 was rerouted."
            )
        );
        assert!(report.body.ends_with("Second paragraph."));
        let entry = report.to_curated_entry("posts", 3, FILE);
        assert_eq!(entry.incident_date, NaiveDate::from_ymd_opt(2019, 6, 2));
        assert_eq!((entry.list.as_str(), entry.position), ("posts", 3));
        assert_eq!(entry.canonical_url, "https://status.example.com/incidents/42");
    }

    #[test]
    fn crlf_files_read_the_same() {
        let crlf = FILE.replace('\n', "\r\n");
        let (lf, crlf) =
            (parse_front_matter_report(FILE).unwrap(), parse_front_matter_report(&crlf).unwrap());
        assert_eq!((&crlf.url, &crlf.categories, crlf.start), (&lf.url, &lf.categories, lf.start));
        assert_eq!(crlf.summary(), lf.summary());
    }

    #[test]
    fn unknown_times_and_missing_keys() {
        let text = "---\nurl: https://a.example/pm\nstart_time: 0001-01-01T00:00:00Z\n\
                    end_time: 2020-01-01\ncategories: []\n---\n";
        let report = parse_front_matter_report(text).unwrap();
        assert_eq!((report.start, report.duration_minutes()), (None, None));
        assert!(report.end.is_some());
        assert!(report.categories.is_empty());
        assert_eq!(report.summary(), None);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert_eq!(
            parse_front_matter_report("---\ntitle: x\n---\nbody\n"),
            Err(FrontMatterError::MissingUrl)
        );
        assert_eq!(
            parse_front_matter_report("no front matter\n"),
            Err(FrontMatterError::NoFrontMatter)
        );
        assert_eq!(
            parse_front_matter_report("---\ntitle: x\nurl: ftp://a.example/x\n---\n"),
            Err(FrontMatterError::BadUrl { line: 3, value: "ftp://a.example/x".into() })
        );
        let bad = parse_front_matter_report("---\nurl: https://a.example\nstart_time: soon\n---\n");
        assert_eq!(
            bad.unwrap_err().to_string(),
            "line 3: `start_time` \"soon\" is not a date or an RFC 3339 timestamp"
        );
    }

    #[test]
    fn a_long_first_paragraph_is_cut_at_a_word() {
        let text = format!("---\nurl: https://a.example\n---\n{}\n", "word ".repeat(200));
        let summary = parse_front_matter_report(&text).unwrap().summary().unwrap();
        assert!(summary.ends_with("word…") && summary.chars().count() <= MAX_SUMMARY_CHARS + 1);
    }
}
