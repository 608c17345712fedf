//! reStructuredText and AsciiDoc, read as plain text with their own headings.
//!
//! Projects that publish with Sphinx, ablog, Antora or Asciidoctor write their incident
//! reports in these two. Neither needs a full parser for what extraction reads (headings,
//! paragraphs, list items and labels), but both mark headings in ways the plain-text reader
//! does not know, and each has markup that would otherwise be read as words:
//!
//! - **reStructuredText**: a title underlined (or over- and underlined) with a run of one
//!   punctuation character; levels follow the order in which each style first appears, as
//!   docutils assigns them. Directives and comments (`.. image::`, `.. post::`) and their
//!   indented bodies are left out; a field (`:Date: 2025-03-04`) is read as a label line;
//!   `` `text <url>`_ `` keeps its text, ``` ``literal`` ``` its literal, a role
//!   (``:ref:`x` ``) its target; a bold label at the start of a line (`**Root cause:** …`)
//!   is one, as in markdown.
//! - **AsciiDoc**: `= Title`, `== Section`, `=== Subsection` are headings of levels 1, 2, 3;
//!   attribute entries (`:revdate: …`), block attributes (`[source,java]`) and comments
//!   (`// …`) are left out; block delimiters (`----`, `****`) break paragraphs; `* item`,
//!   `** item` and `. item` are list items; `link:url[text]`, `url[text]` and `<<id,text>>`
//!   keep their text.
//!
//! Each turns a body into [`Line`]s, which [`super::text`] reads as it reads plain text.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::text::{Line, RE_LIST_MARKER, strip_markers};
use super::{STRONG_CLOSE, STRONG_OPEN, ascii_word_regex, collapse};
use crate::parse::timestamp::metadata_timestamp;

/// The characters docutils recommends for section adornments (any other ASCII punctuation is
/// allowed but never seen in reports).
const RST_ADORNMENTS: &str = "=-`:'\"~^_*+#<>.";

/// The deepest heading level a dialect gives.
const MAX_LEVEL: usize = 6;

/// A line of one adornment character, three or more of it, not indented: its character.
fn adornment(line: &str) -> Option<char> {
    let trimmed = line.trim_end();
    let first = trimmed.chars().next()?;
    (trimmed.len() >= 3 && RST_ADORNMENTS.contains(first) && trimmed.chars().all(|c| c == first))
        .then_some(first)
}

/// reStructuredText → lines.
pub(super) fn rst_lines(text: &str) -> Vec<Line<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    // Section styles (adornment, overlined) in the order they first appear.
    let mut styles: Vec<(char, bool)> = Vec::new();
    let mut level_of = |style: (char, bool)| {
        let index = styles.iter().position(|s| *s == style).unwrap_or_else(|| {
            styles.push(style);
            styles.len() - 1
        });
        u8::try_from((index + 1).min(MAX_LEVEL)).unwrap_or(u8::MAX)
    };
    let heading = |title: &str| collapse(&strip_markers(&rst_inline(title.trim())));
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let starts_text = !line.trim().is_empty() && !line.starts_with([' ', '\t']);
        // Overline, title, underline.
        if let Some(c) = adornment(line)
            && let (Some(title), Some(under)) = (lines.get(i + 1), lines.get(i + 2))
            && !title.trim().is_empty()
            && adornment(under) == Some(c)
        {
            out.push(Line::Heading { level: level_of((c, true)), text: heading(title) });
            i += 3;
            continue;
        }
        // Title, underline (at least half the title's length: docutils asks for all of it,
        // and renders a shorter one with a warning).
        if starts_text
            && adornment(line).is_none()
            && !RE_LIST_MARKER.is_match(line)
            && let Some(under) = lines.get(i + 1)
            && let Some(c) = adornment(under)
            && under.trim_end().chars().count() * 2 >= line.trim().chars().count()
        {
            out.push(Line::Heading { level: level_of((c, false)), text: heading(line) });
            i += 2;
            continue;
        }
        // A comment or a directive, with its indented body.
        if line == ".." || line.starts_with(".. ") {
            i += 1;
            while let Some(next) = lines.get(i) {
                let indented = next.starts_with([' ', '\t']);
                let blank_before_indented = next.trim().is_empty()
                    && lines.get(i + 1).is_some_and(|after| after.starts_with([' ', '\t']));
                if !indented && !blank_before_indented {
                    break;
                }
                i += 1;
            }
            out.push(Line::Break);
            continue;
        }
        // A transition (a line of adornment alone).
        if adornment(line).is_some() {
            out.push(Line::Break);
            i += 1;
            continue;
        }
        out.push(Line::Text(rst_text(line)));
        i += 1;
    }
    out
}

/// A line of reStructuredText prose: a field becomes a label line, an auto-numbered item
/// (`#. …`) a list item, inline markup its text.
fn rst_text(line: &str) -> Cow<'_, str> {
    static RE_FIELD: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(r"^:([A-Za-z][\w .-]{0,40}):(?:\s+(.*))?$")
            .expect("literal regex for reStructuredText fields")
    });
    if let Some(caps) = RE_FIELD.captures(line) {
        let name = &caps[1];
        return match caps.get(2) {
            Some(value) => Cow::Owned(format!("{name}: {}", rst_inline(value.as_str()))),
            None => Cow::Owned(format!("{name}:")),
        };
    }
    if let Some(item) = line.trim_start().strip_prefix("#. ") {
        return Cow::Owned(format!("- {}", rst_inline(item)));
    }
    rst_inline(line)
}

/// reStructuredText inline markup → its text; a bold run at the start of a line is marked as
/// markdown's is, so that `**Root cause:** …` reads as a label.
fn rst_inline(line: &str) -> Cow<'_, str> {
    static RE_INLINE: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(
            r"(?x)
            :[A-Za-z][\w:.+-]*:`(?P<role>[^`<]*?)\s*(?:<[^`>]*>)?`   # :ref:`text <target>`
            | ``(?P<literal>[^`]+)``                                # ``literal``
            | `(?P<link>[^`<]*?)\s*(?:<[^`>]*>)?`__?                # `text <url>`_
            | `(?P<interpreted>[^`]+)`                              # `interpreted`
            ",
        )
        .expect("literal regex for reStructuredText inline markup")
    });
    let has_markup = line.contains('`') || line.contains("**");
    if !has_markup {
        return Cow::Borrowed(line);
    }
    let plain = RE_INLINE.replace_all(line, |caps: &regex::Captures<'_>| {
        ["role", "literal", "link", "interpreted"]
            .iter()
            .find_map(|name| caps.name(name))
            .map_or_else(String::new, |m| m.as_str().to_owned())
    });
    Cow::Owned(bold(&plain))
}

/// `**…**` spans: the first one, at the start of the line, marked as markdown's reader marks
/// bold; the others unwrapped.
fn bold(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut first = true;
    let leading = line.trim_start().starts_with("**");
    while let Some(start) = rest.find("**") {
        let Some(len) = rest[start + 2..].find("**") else { break };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + 2 + len];
        if first && leading {
            out.push(STRONG_OPEN);
            out.push_str(inner);
            out.push(STRONG_CLOSE);
        } else {
            out.push_str(inner);
        }
        first = false;
        rest = &rest[start + 4 + len..];
    }
    out.push_str(rest);
    if leading { out.trim_start().to_owned() } else { out }
}

/// AsciiDoc → lines.
pub(super) fn asciidoc_lines(text: &str) -> Vec<Line<'_>> {
    static RE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(r"^(={1,6})[ \t]+(\S.*?)(?:[ \t]+=+)?[ \t]*$")
            .expect("literal regex for AsciiDoc headings")
    });
    static RE_SKIPPED: LazyLock<Regex> = LazyLock::new(|| {
        // Attribute entries, block attributes and anchors, comments.
        ascii_word_regex(r"^(?::!?[\w-]+!?:(?:[ \t].*)?|\[[^\]]*\]|//.*)[ \t]*$")
            .expect("literal regex for AsciiDoc lines without text")
    });
    static RE_DELIMITER: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(r"^(?:-{4,}|={4,}|\*{4,}|_{4,}|\.{4,}|\+{4,}|/{4,}|```.*|'{3,})[ \t]*$")
            .expect("literal regex for AsciiDoc block delimiters")
    });
    static RE_ITEM: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(r"^[ \t]*(?:\*{1,5}|\.{1,5}|-)[ \t]+(\S.*)$")
            .expect("literal regex for AsciiDoc list items")
    });
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(caps) = RE_HEADING.captures(line) {
            let level = u8::try_from(caps[1].len().min(MAX_LEVEL)).unwrap_or(u8::MAX);
            out.push(Line::Heading { level, text: collapse(&asciidoc_inline(&caps[2])) });
        } else if RE_SKIPPED.is_match(line) {
            // Metadata, not text.
        } else if RE_DELIMITER.is_match(line) {
            out.push(Line::Break);
        } else if let Some(caps) = RE_ITEM.captures(line) {
            out.push(Line::Text(Cow::Owned(format!("- {}", asciidoc_inline(&caps[1])))));
        } else if let Some(title) =
            line.strip_prefix('.').filter(|t| t.starts_with(char::is_alphanumeric))
        {
            // A block title (`.Timeline`): a line of its own.
            out.push(Line::Break);
            out.push(Line::Text(asciidoc_inline(title)));
            out.push(Line::Break);
        } else {
            out.push(Line::Text(asciidoc_inline(line)));
        }
    }
    out
}

/// A reStructuredText blog post's date: ablog's `.. post:: Jan 25, 2021` directive, the
/// way Sphinx blogs date a post.
pub(super) fn rst_post_date(text: &str) -> Option<DateTime<Utc>> {
    let value = text.lines().find_map(|line| line.strip_prefix(".. post::"))?.trim();
    metadata_timestamp(value).or_else(|| {
        ["%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%d %b %Y"]
            .iter()
            .find_map(|format| chrono::NaiveDate::parse_from_str(value, format).ok())
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .map(|time| time.and_utc())
    })
}

/// An AsciiDoc document's `:revdate:` attribute (in its header, the lines before the first
/// blank line after the title), as its publication date.
pub(super) fn asciidoc_revdate(text: &str) -> Option<DateTime<Utc>> {
    let mut lines = text.lines().skip_while(|line| line.trim().is_empty());
    let title = lines.next()?;
    if !title.starts_with("= ") {
        return None;
    }
    lines
        .take_while(|line| !line.trim().is_empty())
        .find_map(|line| line.strip_prefix(":revdate:"))
        .and_then(|value| metadata_timestamp(value.trim()))
}

/// AsciiDoc inline markup → its text: links and cross references keep their text (a link
/// without text keeps its address).
fn asciidoc_inline(line: &str) -> Cow<'_, str> {
    static RE_INLINE: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(
            r"(?x)
            (?:link:|mailto:)?(?P<url>(?:https?://|mailto:)?[^\s\[\]]+)\[(?P<text>[^\]]*)\]  # link:url[text]
            | <<[^,>]+,\s*(?P<xref>[^>]+)>>                                               # <<id,text>>
            | <<(?P<id>[^>]+)>>                                                           # <<id>>
            ",
        )
        .expect("literal regex for AsciiDoc inline markup")
    });
    if !line.contains('[') && !line.contains("<<") {
        return Cow::Borrowed(line);
    }
    RE_INLINE.replace_all(line, |caps: &regex::Captures<'_>| {
        if let Some(text) = caps.name("text") {
            let url = caps.name("url").map_or("", |m| m.as_str());
            // `image:x.png[]` and `footnote:[…]` are macros too: keep a link's text, else
            // its address when it is one. Brackets after a plain word ("array[0]") are no
            // macro: kept as written.
            let is_link = url.contains("://") || url.starts_with("mailto:");
            if !is_link && !url.contains(':') && !caps[0].starts_with("link:") {
                caps[0].to_owned()
            } else if !text.as_str().is_empty() {
                text.as_str().to_owned()
            } else if is_link {
                url.to_owned()
            } else {
                String::new()
            }
        } else {
            caps.name("xref")
                .or_else(|| caps.name("id"))
                .map_or_else(String::new, |m| m.as_str().to_owned())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|line| match line {
                Line::Text(text) => format!("T {}", text.replace(['\u{E000}', '\u{E001}'], "*")),
                Line::Heading { level, text } => format!("H{level} {text}"),
                Line::Break => "-".to_owned(),
            })
            .collect()
    }

    #[test]
    fn rst_headings_take_levels_in_order_of_appearance() {
        let text = "=========\nA report\n=========\n\n:Date: 2025-03-04\n\nSummary\n~~~~~~~\n\n\
                    Builds failed.\n\nRoot cause\n^^^^^^^^^^\n\nAn expired cert.\n\nNotes\n~~~~~\n";
        assert_eq!(
            shape(&rst_lines(text)),
            [
                "H1 A report",
                "T ",
                "T Date: 2025-03-04",
                "T ",
                "H2 Summary",
                "T ",
                "T Builds failed.",
                "T ",
                "H3 Root cause",
                "T ",
                "T An expired cert.",
                "T ",
                "H2 Notes",
            ]
        );
    }

    #[test]
    fn rst_directives_and_inline_markup_are_not_words() {
        let text = ".. post:: Jan 25, 2021\n   :tags: aws\n\n   :author: Eric\n\nSee `the status page \
                    <https://status.example.com>`_ and ``max_connections`` (:ref:`runbook \
                    <ops-runbook>`).\n**Root cause:** an expired `cert`.\n----\n#. Renew it\n";
        assert_eq!(
            shape(&rst_lines(text)),
            [
                "-",
                "T ",
                "T See the status page and max_connections (runbook).",
                "T *Root cause:* an expired cert.",
                "-",
                "T - Renew it",
            ]
        );
    }

    #[test]
    fn rst_post_directive_dates_the_post() {
        let date = |text: &str| rst_post_date(text).map(|d| d.date_naive().to_string());
        assert_eq!(date(".. post:: Jan 25, 2021\n   :tags: aws\n").as_deref(), Some("2021-01-25"));
        assert_eq!(date(".. post:: 2021-01-25\n").as_deref(), Some("2021-01-25"));
        assert_eq!(date(".. post:: 25 January 2021\n").as_deref(), Some("2021-01-25"));
        assert_eq!(date(".. post::\n"), None);
        assert_eq!(date("Text.\n"), None);
    }

    #[test]
    fn rst_underline_needs_half_the_title() {
        // A line of dashes under a long sentence is a rule, not a heading.
        let lines = rst_lines("This sentence is long and ends the paragraph.\n---\n");
        assert_eq!(shape(&lines), ["T This sentence is long and ends the paragraph.", "-"]);
    }

    #[test]
    fn asciidoc_revdate_is_the_publication_date() {
        let date = |text: &str| asciidoc_revdate(text).map(|d| d.to_rfc3339());
        let header = "= A report\n:author: Ops\n:revdate: 2024-11-19\n\nText.\n";
        assert_eq!(date(header).as_deref(), Some("2024-11-19T00:00:00+00:00"));
        // Only the header's: a later attribute, or a document without a title line, has none.
        assert_eq!(date("= A report\n\n:revdate: 2024-11-19\n"), None);
        assert_eq!(date(":revdate: 2024-11-19\n"), None);
    }

    #[test]
    fn asciidoc_brackets_that_are_no_macro_stay() {
        assert_eq!(asciidoc_inline("values[0] was empty"), "values[0] was empty");
        assert_eq!(asciidoc_inline("see link:docs/x.html[the docs]"), "see the docs");
    }

    #[test]
    fn asciidoc_headings_lists_and_links() {
        let text = "= Outage of the build farm\n:page-date: 2025-03-04\n\n== Summary\n\n\
                    Builds failed, see link:https://status.example.com/x[the status page] and \
                    https://e.example/pr/1[PR 1] and <<timeline,the timeline>>.\n\n\
                    [source,shell]\n----\n$ systemctl restart proxy\n----\n// a comment\n\
                    === Timeline\n* 11:05 UTC builds fail\n** 11:06 UTC paged\n. first step\n\
                    .Action items\nimage:x.png[] https://e.example/[]\n";
        assert_eq!(
            shape(&asciidoc_lines(text)),
            [
                "H1 Outage of the build farm",
                "T ",
                "H2 Summary",
                "T ",
                "T Builds failed, see the status page and PR 1 and the timeline.",
                "T ",
                "-",
                "T $ systemctl restart proxy",
                "-",
                "H3 Timeline",
                "T - 11:05 UTC builds fail",
                "T - 11:06 UTC paged",
                "T - first step",
                "-",
                "T Action items",
                "-",
                "T  https://e.example/",
            ]
        );
    }
}
