//! The entry line: `- MM-DD-YYYY - [Title](url) by [Company](url)`, read and written.
//!
//! Reading takes a list item's text (after its marker, see [`super::bullet`]) and returns its
//! parts: the date prefix (month first, or `YYYY-MM-DD`), the leading inline link and the
//! optional `by [Company](url)` or `by Company`. Writing takes the fields of a new entry and
//! returns the line pmagg adds, escaped, which reads back to the same fields. What makes a
//! bullet an entry beyond its first line (summaries, k8s.af labels) is the reader's business.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::{Captures, Regex};

use super::escape::{escape_inline, safe_href};

/// Longest title written for a new entry, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest summary written for a new entry, in characters.
pub const MAX_SUMMARY_CHARS: usize = 600;

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

/// An item's leading date, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatePrefix<'a> {
    /// The date, when it is a real one (`02-30-2024` is written like a date but is none).
    pub date: Option<NaiveDate>,
    /// The item's text after the date and its separator (` - `, `: `, ` | `).
    pub rest: &'a str,
}

/// The date an item starts with, if it starts with one.
pub fn date_prefix(text: &str) -> Option<DatePrefix<'_>> {
    let caps = DATE_PREFIX.captures(text)?;
    let date = date_from(&caps, "y", "m", "d").or_else(|| date_from(&caps, "iy", "im", "id"));
    let end = caps.get(0).map_or(0, |m| m.end());
    Some(DatePrefix { date, rest: &text[end..] })
}

fn date_from(caps: &Captures<'_>, year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let year = i32::try_from(number(year)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(month)?, number(day)?)
}

/// `[text](destination "title")` at the start of a string, and what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlineLink<'a> {
    /// The link text, markup and escapes as written.
    pub text: &'a str,
    /// The destination as written (angle brackets removed).
    pub url: &'a str,
    /// What follows the closing parenthesis.
    pub rest: &'a str,
}

/// Reads an inline link at the start of `s`: the text may hold balanced brackets (a badge's
/// image) and the destination balanced parentheses (Wikipedia URLs).
pub fn leading_link(s: &str) -> Option<InlineLink<'_>> {
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

/// Whether a link as written is an absolute http(s) URL with something after the scheme.
pub fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("http://") && url.len() > 7) || (lower == "https://" && url.len() > 8)
}

/// Text without inline link markup (`[text](url)` → `text`, images dropped), whitespace
/// collapsed.
pub fn plain_text(s: &str) -> String {
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

/// An item's first line read as an entry: `[MM-DD-YYYY - ][Title](url)[ by Company]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLine<'a> {
    /// Whether the item starts with a date prefix (even one that is no real date).
    pub dated: bool,
    /// The date of that prefix.
    pub date: Option<NaiveDate>,
    /// The link text, trimmed; markdown escapes as written.
    pub text: &'a str,
    /// The link as written: an absolute http(s) URL.
    pub url: &'a str,
    /// What follows the link.
    pub rest: &'a str,
    /// The company after `by`, link markup removed; escapes as written.
    pub company: Option<String>,
    /// The company's link (`by [Company](url)`), when http(s).
    pub company_url: Option<&'a str>,
}

/// Reads an item's text (after its marker) as an entry line; `None` when it does not start
/// (after an optional date) with a link to an absolute http(s) URL, or its link text starts
/// with an image (a badge).
pub fn read_entry(text: &str) -> Option<EntryLine<'_>> {
    let (dated, date, rest) = match date_prefix(text) {
        Some(prefix) => (true, prefix.date, prefix.rest),
        None => (false, None, text),
    };
    let link = leading_link(rest)?;
    // `[![badge](img)](url)` is a badge, not an entry; a title that starts with `!` is one
    // (pmagg writes `[!](url)` for a title "!", and must read it back).
    if link.text.starts_with("![") || !is_http(link.url) {
        return None;
    }
    let by = BY_COMPANY.captures(link.rest).and_then(|caps| caps.get(1));
    let (company, company_url) = match by.map(|by| by.as_str().trim()) {
        Some(by) => match leading_link(by) {
            Some(company) => {
                (non_empty(plain_text(company.text)), Some(company.url).filter(|url| is_http(url)))
            }
            None => (non_empty(plain_text(by.trim_end_matches(['.', ',', ';']))), None),
        },
        None => (None, None),
    };
    Some(EntryLine {
        dated,
        date,
        text: link.text.trim(),
        url: link.url,
        rest: link.rest,
        company,
        company_url,
    })
}

fn non_empty(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

/// The fields of an entry line pmagg writes, as plain text (escaping is the writer's job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewEntry<'a> {
    /// Written as `MM-DD-YYYY - ` when its year is in 1..=9999.
    pub date: Option<NaiveDate>,
    /// The link text.
    pub title: &'a str,
    /// The link; anything but an http(s) URL is written as an empty destination.
    pub url: &'a str,
    /// `by Company`, when given.
    pub company: Option<&'a str>,
    /// The company's link, when it is an http(s) URL.
    pub company_url: Option<&'a str>,
}

/// `{bullet} MM-DD-YYYY - [Title](url) by [Company](company_url)`, without a line ending;
/// title and company escaped and clipped to [`MAX_TITLE_CHARS`], links made safe.
pub fn write_entry(bullet: char, entry: &NewEntry<'_>) -> String {
    let mut line = format!("{bullet} ");
    // A year outside 1..=9999 would not read back as a date (nor as the entry's link).
    if let Some(date) = entry.date.filter(|d| (1..=9999).contains(&d.year())) {
        line.push_str(&date.format("%m-%d-%Y - ").to_string());
    }
    let href = safe_href(entry.url).unwrap_or_default();
    line.push('[');
    line.push_str(&escape_inline(entry.title, MAX_TITLE_CHARS));
    line.push_str("](");
    line.push_str(&href);
    line.push(')');
    if let Some(company) = entry.company {
        line.push_str(" by ");
        let name = escape_inline(company, MAX_TITLE_CHARS);
        match entry.company_url.and_then(safe_href) {
            Some(url) => line.push_str(&["[", &name, "](", &url, ")"].concat()),
            None => line.push_str(&name),
        }
    }
    line
}

/// A nested bullet (an entry's summary): `{indent}{bullet} text`, without a line ending; the
/// text escaped and clipped to [`MAX_SUMMARY_CHARS`].
pub fn write_nested(indent: &str, bullet: char, text: &str) -> String {
    format!("{indent}{bullet} {}", escape_inline(text, MAX_SUMMARY_CHARS))
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::listfmt::{bullet, unescape};

    #[test]
    fn patterns_compile() {
        for pattern in [&DATE_PREFIX, &BY_COMPANY] {
            LazyLock::force(pattern);
        }
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
    fn dates_lead_an_item() {
        let prefix = date_prefix("02-21-2024 - [T](https://t.example/)").unwrap();
        assert_eq!(prefix.date, NaiveDate::from_ymd_opt(2024, 2, 21));
        assert_eq!(prefix.rest, "[T](https://t.example/)");
        assert_eq!(
            date_prefix("2019-11-06: x").unwrap().date,
            NaiveDate::from_ymd_opt(2019, 11, 6)
        );
        let impossible = date_prefix("02-30-2024 | x").unwrap();
        assert_eq!((impossible.date, impossible.rest), (None, "x"));
        assert_eq!(date_prefix("[T](https://t.example/)"), None);
    }

    #[test]
    fn entry_lines_are_read() {
        let line = read_entry(
            "02-20-2024 - [OpenAI ChaGPT \\[beta\\]](https://status.openai.com/incidents/x) by [OpenAI](https://openai.com/)",
        )
        .unwrap();
        assert!(line.dated);
        assert_eq!(line.url, "https://status.openai.com/incidents/x");
        assert_eq!(line.date, NaiveDate::from_ymd_opt(2024, 2, 20));
        assert_eq!(unescape(line.text), "OpenAI ChaGPT [beta]");
        assert_eq!(line.company.as_deref(), Some("OpenAI"));
        assert_eq!(line.company_url, Some("https://openai.com/"));
        let plain = read_entry("[T](https://x.example/), by Plain Co.").unwrap();
        assert_eq!(
            (plain.dated, plain.company.as_deref(), plain.company_url),
            (false, Some("Plain Co"), None)
        );
        assert_eq!(read_entry("[Guide](docs/guide.md)"), None);
        assert_eq!(read_entry("[![badge](https://b.example/x.svg)](https://b.example/)"), None);
        assert_eq!(read_entry("[!](https://b.example/)").map(|e| e.text), Some("!"));
        assert_eq!(read_entry("plain text"), None);
    }

    #[test]
    fn written_entries_read_back() {
        let entry = NewEntry {
            date: NaiveDate::from_ymd_opt(2023, 11, 6),
            title: "Auth [beta] outage_1",
            url: "https://chat.example/a(b)",
            company: Some("Chat*Co"),
            company_url: Some("https://chat.example/"),
        };
        let line = write_entry('*', &entry);
        assert_eq!(
            line,
            "* 11-06-2023 - [Auth \\[beta\\] outage\\_1](https://chat.example/a%28b%29) by [Chat\\*Co](https://chat.example/)"
        );
        let read = read_entry(bullet(&line).unwrap()).unwrap();
        assert_eq!(read.date, entry.date);
        assert_eq!(unescape(read.text), entry.title);
        assert_eq!(read.company.as_deref().map(unescape).as_deref(), entry.company);
        assert_eq!(read.company_url, entry.company_url);
        let far = NewEntry { date: NaiveDate::from_ymd_opt(262_000, 1, 1), company: None, ..entry };
        assert_eq!(
            write_entry('-', &far),
            "- [Auth \\[beta\\] outage\\_1](https://chat.example/a%28b%29)"
        );
        assert_eq!(write_nested("\t", '-', "a | b"), "\t- a \\| b");
    }
}
