//! One fetched page (HTML, markdown or plain text) → a [`Document`].
//!
//! Takes the raw body, its `Content-Type` (when known), its URL and an optional per-source
//! `content_selector`; returns the page's metadata and its main content as [`Block`]s in
//! reading order, plus that content as markdown (`Document::markdown`, the stored body).
//!
//! - HTML is parsed once, by dom_smoothie (html5ever, like `scraper`). Without a selector,
//!   its readability port picks the main content and writes it as markdown; with one, the
//!   selected elements are the main content. Either way the markdown is then read into blocks.
//!   The parser is given the page without the text of its scripts and style sheets
//!   ([`super::nesting::readable`]): readability drops both unread, and they are most of a
//!   typical article page's bytes.
//! - Markdown is read with pulldown-cmark. Raw HTML inside it (students paste `<h3>` and
//!   `<ul>`) is reduced to headings and text.
//! - Plain text is read line by line: `=====`/`-----` underlines, `Label:` lines, lines made
//!   only of a known heading (`Timeline`, `ROOT CAUSE`) act as headings.
//! - reStructuredText and AsciiDoc (by extension or content type) are read as plain text
//!   whose headings, lists, links and dates their own dialect marks (`dialect`).
//! - Whatever the markup, a preformatted block that holds most of the document's words and
//!   reads as prose (a mailing-list archive's `<pre>`) is read as plain text.
//!
//! Never fails (an unreadable body is an empty document), never fetches, and never decides
//! what a document *is*: that is `extract`'s job.
//!
//! This file picks the reader and keeps what they share (front matter, titles, whitespace);
//! `html`, `markdown` and `text` are the three readers; `dialect` turns reStructuredText and
//! AsciiDoc into the lines `text` reads.

mod dialect;
mod html;
mod markdown;
mod text;

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use url::Url;

use self::html::parse_html;
use self::markdown::{decode_entities, decode_numeric_entities, parse_markdown};
use self::text::{Dialect, normalize_heading, parse_text};
use super::signals::is_heading_line;
use super::timestamp::metadata_timestamp;
use crate::config::defaults;
use crate::model::{Block, Document};

/// How a body is marked up, decided from its `Content-Type`, its URL and its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markup {
    Html,
    Markdown,
    Text(Dialect),
}

/// Marks the start and end of bold text at the start of a markdown line, so that the line
/// splitter can tell a bold label from bold prose. Private-use code points never in input.
const STRONG_OPEN: char = '\u{E000}';
const STRONG_CLOSE: char = '\u{E001}';

static RE_SOURCE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"^\s*\[Source\]\((https?://[^)\s]+)\)\s*$")
        .expect("literal regex for [Source](url)")
});

/// Compiles a pattern with ASCII word boundaries (a Unicode `\b` is slow on non-ASCII text).
fn ascii_word_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)"))
}

/// Reduces a page to its main content. Never fails: an unreadable body is an empty document.
/// HTML nested deeper than [`defaults::MAX_NESTING_DEPTH`] is read up to where it gets that
/// deep (see [`parse_document_within`]).
pub fn parse_document(
    body: &[u8],
    content_type: Option<&str>,
    url: Option<&Url>,
    content_selector: Option<&scraper::Selector>,
) -> Document {
    parse_document_within(
        body,
        content_type,
        url,
        content_selector,
        defaults::MAX_NESTING_DEPTH,
        Reading::Whole,
    )
}

/// How much of a document a caller needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Everything: title, dates, markdown and blocks.
    Whole,
    /// Everything but an HTML page's blocks, which stay empty unless the title is read from
    /// them: for a caller that keeps only the markdown (a fetched report, read into blocks
    /// again when it is extracted), where reading the markdown twice was wasted.
    MarkdownOnly,
}

/// A report pasted whole into a preformatted block (a mailing-list archive's `<pre>`, a code
/// fence around a plain-text report) is read as the plain text it is: when the block holds
/// most of the document's words and reads as prose, not as code or a log, it is replaced by
/// what the plain-text reader makes of it. Otherwise code stays code.
fn read_preformatted_prose(blocks: &mut Vec<Block>) {
    let words = |text: &str| {
        text.split_whitespace()
            .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
            .count()
    };
    // Most documents have no preformatted block: this costs them one look at each block.
    let largest = blocks
        .iter()
        .enumerate()
        .filter_map(|(index, block)| match block {
            Block::Code { text } => Some((index, words(text))),
            _ => None,
        })
        .reduce(|best, next| if next.1 > best.1 { next } else { best });
    let Some((index, inside)) = largest else { return };
    if inside < PROSE_BLOCK_WORDS {
        return;
    }
    // Counted only until it is as much as the block holds.
    let mut outside = 0;
    for block in blocks.iter() {
        outside += match block {
            Block::Heading { text, .. } | Block::Paragraph { text } | Block::ListItem { text } => {
                words(text)
            }
            Block::TableRow { cells } => cells.iter().map(|c| words(c)).sum(),
            Block::Code { .. } => 0,
        };
        if outside >= inside {
            return;
        }
    }
    let Block::Code { text } = &blocks[index] else { return };
    if !reads_as_prose(text) {
        return;
    }
    let read = parse_text(text, Dialect::Plain).blocks;
    blocks.splice(index..=index, read);
}

/// Words a preformatted block needs before it can be a pasted report.
const PROSE_BLOCK_WORDS: usize = 40;

/// Prose, not code or a log: few lines that open or close like code, and sentences.
fn reads_as_prose(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let code_like = lines
        .iter()
        .filter(|line| {
            line.ends_with([';', '{', '}', '(', '\\'])
                || line.starts_with(['$', '{', '}', '[', '<', '>', '|', '@'])
                || line.contains(" = ")
                || line.contains("=>")
                || line.contains("::")
        })
        .count();
    let sentences = lines.iter().filter(|line| line.ends_with(['.', '!', '?'])).count()
        + text.matches(". ").count();
    code_like * 5 < lines.len() && sentences >= 3
}

/// The content type a file's extension implies, for a report read from a file (`pmagg
/// extract`, the evaluation): `None` lets [`parse_document`] sniff the body.
pub fn content_type_for_extension(extension: &str) -> Option<&'static str> {
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" | "xhtml" => Some("text/html"),
        "md" | "markdown" | "mdx" => Some("text/markdown"),
        "rst" | "rest" => Some("text/x-rst"),
        "adoc" | "asciidoc" | "asc" => Some("text/asciidoc"),
        "txt" | "text" | "eml" => Some("text/plain"),
        _ => None,
    }
}

/// [`parse_document`] with the nesting limit from `settings.max_nesting_depth`: HTML is cut
/// where it first nests deeper, before any parser sees it (see [`super::nesting`]).
pub fn parse_document_within(
    body: &[u8],
    content_type: Option<&str>,
    url: Option<&Url>,
    content_selector: Option<&scraper::Selector>,
    max_nesting_depth: usize,
    reading: Reading,
) -> Document {
    // `from_utf8` first: it checks ASCII a word at a time, where `from_utf8_lossy` reads
    // every byte of a valid page too.
    let text =
        std::str::from_utf8(body).map_or_else(|_| String::from_utf8_lossy(body), Cow::Borrowed);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Static-site sources (Jekyll, Hugo) put front matter before HTML as well as markdown.
    let (mut front, text) = split_front_matter(text);
    let mut document = match detect_markup(text, content_type, url) {
        Markup::Html => {
            let html = super::nesting::readable(text, max_nesting_depth);
            parse_html(&html, url, content_selector, reading)
        }
        Markup::Markdown => {
            let (module, text) = split_mdx_module(text);
            front.title = front.title.or(module.title);
            front.published = front.published.or(module.published);
            parse_markdown(text)
        }
        Markup::Text(dialect) => parse_text(text, dialect),
    };
    read_preformatted_prose(&mut document.blocks);
    // The author's own title and date win over a heading that only looks like one.
    if let Some(title) = front.title {
        document.title = Some(title);
    }
    document.published = document.published.or(front.published);
    // An archived copy's `[Source](url)` names the original; otherwise the fetched URL.
    if let Some(url) = url
        && document.url.is_none()
    {
        document.url = Some(url.to_string());
    }
    document
}

/// The original's link when a text is an archived copy of a curated list's entry: the
/// awesome-postmortems archive shape, whose first line is `[Source](url)` and whose body is
/// the report. A curator put it in the list's archive, so it is a postmortem by the curator's
/// word (`Decision::Curated`), whatever the classifier makes of the report.
pub fn archived_copy_source(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (first, rest) = text.trim_start().split_once('\n')?;
    let caps = RE_SOURCE_LINE.captures(first)?;
    // The report follows; a lone link is a stub, not a copy.
    (!rest.trim().is_empty()).then(|| caps[1].to_owned())
}

/// What a source file's front matter says about it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct FrontMatter {
    title: Option<String>,
    published: Option<DateTime<Utc>>,
}

impl FrontMatter {
    /// One `key: value` of front matter or of an MDX file's exported object: the first
    /// `title` and the first publication date ([`FRONT_MATTER_DATES`]) are kept. (A later
    /// `title` is a nested one, such as an author's.)
    fn read(&mut self, key: &str, value: &str) {
        let key = key.trim().to_ascii_lowercase();
        if key == "title" {
            if self.title.is_none() {
                self.title = non_empty(decode_numeric_entities(&decode_entities(value)));
            }
        } else if self.published.is_none() && FRONT_MATTER_DATES.contains(&key.as_str()) {
            self.published = metadata_timestamp(value);
        }
    }
}

/// Keys that carry the publication date in Jekyll, Hugo, Docusaurus and MkDocs front matter.
const FRONT_MATTER_DATES: [&str; 6] =
    ["date", "pubdate", "publishdate", "published_at", "created", "created_at"];

/// Splits off the YAML front matter that static-site sources open with (`---`, `key: value`
/// lines, `---`). Read as markdown, the block would become a setext heading made of every
/// `key: value` line, and as text, a paragraph of them; both hid the title and the date.
pub(crate) fn split_front_matter(text: &str) -> (FrontMatter, &str) {
    let mut front = FrontMatter::default();
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return (front, text);
    };
    let mut offset = 0;
    for (index, line) in rest.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return (front, &rest[offset + line.len()..]);
        }
        // AsciiDoc sites (Awestruct, jekyll-asciidoc) write keys as attributes: `:title: …`.
        let trimmed = trimmed.strip_prefix(':').unwrap_or(trimmed);
        let is_entry = trimmed.is_empty()
            || line.starts_with([' ', '\t', '-', '#'])
            || trimmed.split_once(':').is_some_and(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            });
        if index >= 100 || !is_entry {
            return (FrontMatter::default(), text);
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            front.read(key, value.trim().trim_matches(['"', '\'']).trim());
        }
        offset += line.len();
    }
    (FrontMatter::default(), text)
}

/// Splits off the ES module statements an MDX file opens with (`import … from '…'`,
/// `export const post = { title: '…', date: '…' }`, `export default …`): read as markdown they
/// were the report's first paragraphs, and the title and date that a Next.js or Astro blog
/// keeps in an exported object were lost. A statement runs to the first blank line outside
/// its brackets, as MDX reads it; the statements' quoted `title` and date keys are read like
/// front matter's. A text that does not open with `import` or `export` is returned whole.
pub(crate) fn split_mdx_module(text: &str) -> (FrontMatter, &str) {
    static RE_KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*([A-Za-z_]+)\s*:\s*(?:'([^']*)'|"([^"]*)"|`([^`$]*)`)\s*,?\s*$"#)
            .expect("literal regex for an exported object's quoted keys")
    });
    let mut front = FrontMatter::default();
    let mut depth = 0_i32;
    let mut in_statement = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !in_statement {
            if trimmed.is_empty() {
                offset += line.len();
                continue;
            }
            if !(trimmed.starts_with("import ") || trimmed.starts_with("export ")) {
                break;
            }
            in_statement = true;
        } else if trimmed.is_empty() && depth <= 0 {
            in_statement = false;
            depth = 0;
            offset += line.len();
            continue;
        }
        depth += bracket_balance(trimmed);
        if let Some(caps) = RE_KEY.captures(line) {
            let value = caps.get(2).or_else(|| caps.get(3)).or_else(|| caps.get(4));
            front.read(&caps[1], value.map_or("", |m| m.as_str()).trim());
        }
        offset += line.len();
    }
    // A statement still open at the end is not one MDX would read: keep every word.
    let unclosed = in_statement && depth > 0;
    if unclosed || offset == 0 || text[..offset].trim().is_empty() {
        return (FrontMatter::default(), text);
    }
    (front, &text[offset..])
}

/// Opening brackets minus closing ones on a line of code, outside quoted strings.
fn bracket_balance(line: &str) -> i32 {
    let mut balance = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '{' | '(' | '[' => balance += 1,
                '}' | ')' | ']' => balance -= 1,
                _ => {}
            },
        }
    }
    balance
}

fn detect_markup(text: &str, content_type: Option<&str>, url: Option<&Url>) -> Markup {
    let mime = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime.contains("html") || mime.contains("xml") {
        return Markup::Html;
    }
    if let Some(markup) = text_markup(&mime) {
        return markup;
    }
    let head: String = text.trim_start().chars().take(512).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<') && (head.contains("<head") || head.contains("<body")))
    {
        return Markup::Html;
    }
    let path = url.map(|u| u.path().to_ascii_lowercase()).unwrap_or_default();
    // A URL's extension, read as the content type it implies (a raw file on a code host is
    // served as `text/plain` whatever it holds).
    let implied = std::path::Path::new(&path)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(content_type_for_extension);
    if let Some(markup) = implied.and_then(text_markup) {
        return markup;
    }
    if implied == Some("text/plain") || mime == "text/plain" && !looks_like_markdown(text) {
        return Markup::Text(Dialect::Plain);
    }
    if looks_like_markdown(text) { Markup::Markdown } else { Markup::Text(Dialect::Plain) }
}

/// The markup a content type names among the text formats with a reader of their own.
fn text_markup(mime: &str) -> Option<Markup> {
    if mime.contains("markdown") {
        Some(Markup::Markdown)
    } else if mime == "text/x-rst" || mime == "text/prs.fallenstein.rst" {
        Some(Markup::Text(Dialect::Rst))
    } else if mime.contains("asciidoc") {
        Some(Markup::Text(Dialect::AsciiDoc))
    } else {
        None
    }
}

/// Plain text rarely has `# ` headings, `**bold**`, `[links](...)` or tables.
fn looks_like_markdown(text: &str) -> bool {
    let sample: String = text.chars().take(8_000).collect();
    let mut signals = 0;
    for line in sample.lines() {
        let t = line.trim_start();
        if t.starts_with("# ") || t.starts_with("## ") || t.starts_with("### ") {
            signals += 2;
        }
        if t.starts_with("```") || t.starts_with("| ") || t.starts_with("|-") {
            signals += 1;
        }
    }
    signals += sample.matches("**").count() / 2 + sample.matches("](").count();
    signals >= 2
}

fn non_empty(s: impl AsRef<str>) -> Option<String> {
    let s = s.as_ref();
    let t = s.trim();
    if t.is_empty() { None } else { Some(collapse(t)) }
}

/// Whitespace runs → one space, trimmed. (`char::is_whitespace` is Unicode's White_Space,
/// what a regex `\s` matches; a loop does it without the regex engine, which made this a
/// few percent of a cold pass.)
pub(crate) fn collapse(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    let mut at = 0;
    // `split_whitespace` without decoding ASCII: most text is, and decoding every character
    // was most of the cost.
    while at < bytes.len() {
        let (space, len) = match bytes[at] {
            b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' => (true, 1),
            byte if byte.is_ascii() => (false, 1),
            _ => {
                text[at..].chars().next().map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8()))
            }
        };
        match (space, word_start) {
            (true, Some(start)) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&text[start..at]);
                word_start = None;
            }
            (false, None) => word_start = Some(at),
            _ => {}
        }
        at += len;
    }
    if let Some(start) = word_start {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text[start..]);
    }
    out
}

/// The first level-1 heading near the top, else the first heading, else a short first line.
fn title_from_blocks(blocks: &[Block]) -> Option<String> {
    // "# Title:" followed by the title as the next block.
    let is_label = |t: &str| normalize_heading(t) == "title";
    // A report's section ("Impact", "Summary (TL;DR)", "Introduction") is not its title.
    let is_section = |t: &str| {
        let norm = normalize_heading(t);
        let bare = norm.split(" (").next().unwrap_or(&norm).trim();
        is_heading_line(bare) || matches!(bare, "introduction" | "intro" | "context")
    };
    if let Some(index) = blocks
        .iter()
        .take(3)
        .position(|b| matches!(b, Block::Heading { text, .. } if is_label(text)))
        && let Some(Block::Heading { text, .. } | Block::Paragraph { text }) = blocks.get(index + 1)
    {
        return Some(text.clone());
    }
    let top = blocks.iter().take(4);
    let h1 = top.clone().find_map(|b| match b {
        Block::Heading { level: 1, text } if !is_label(text) && !is_section(text) => {
            Some(text.clone())
        }
        _ => None,
    });
    h1.or_else(|| {
        blocks.iter().take(3).find_map(|b| match b {
            Block::Heading { level, text } if *level <= 3 && !is_label(text) => {
                (!is_section(text)).then(|| text.clone())
            }
            _ => None,
        })
    })
    .or_else(|| opening_label_line(blocks))
    .map(|t| t.trim_matches(|c: char| c == '#' || c.is_whitespace()).to_owned())
    .filter(|t| !t.is_empty())
}

/// A text with no title line that opens with a label naming the incident and a short value
/// ("Incident summary: loss of power in the Frankfurt data hall", "Outage: EU sync"): that
/// line, as written, is its title. Other labels ("Duration: …", "Status: final") and a value
/// that is a sentence ("Summary: the mirrors failed.") are no title.
fn opening_label_line(blocks: &[Block]) -> Option<String> {
    static RE_NAMES_IT: LazyLock<Regex> = LazyLock::new(|| {
        ascii_word_regex(r"(?i)\b(?:incident|outage|post-?mortem|event|issue|subject|summary)\b")
            .expect("literal regex for labels that name an incident")
    });
    let [Block::Heading { level, text: label }, Block::Paragraph { text: value }, ..] = blocks
    else {
        return None;
    };
    (*level == text::LABEL_LEVEL
        && RE_NAMES_IT.is_match(label)
        && value.split_whitespace().count() <= 12
        && !value.ends_with(['.', '!', '?', ':']))
    .then(|| format!("{label}: {value}"))
}

#[cfg(test)]
mod tests {
    use super::html::*;
    use super::markdown::*;
    use super::text::*;
    use super::*;

    #[test]
    fn a_report_pasted_into_a_code_block_is_read_as_text() {
        let report = "Hi all,\n\nHere is the postmortem for the mirror outage.\n\nRoot cause\n\
                      ----------\n\nThe root cause was an expired certificate on the balancer. \
                      Downloads failed for two hours for most users. We are sorry.\n\n\
                      Resolution\n----------\n\nWe renewed the certificate at 14:10 UTC and \
                      restarted the balancer, and the mirrors served files again.\n";
        let doc = parse_markdown(&format!("# Mirror outage\n\n```\n{report}```\n"));
        let mut blocks = doc.blocks.clone();
        read_preformatted_prose(&mut blocks);
        let kinds: Vec<&str> = blocks
            .iter()
            .map(|b| match b {
                Block::Heading { .. } => "heading",
                Block::Paragraph { .. } => "paragraph",
                Block::ListItem { .. } => "item",
                Block::TableRow { .. } => "row",
                Block::Code { .. } => "code",
            })
            .collect();
        assert!(!kinds.contains(&"code"), "{kinds:?}");
        assert!(
            blocks.iter().any(|b| matches!(b, Block::Heading { text, .. } if text == "Root cause")),
            "{blocks:?}"
        );
        // The same text beside more prose than it holds is a quotation: it stays code.
        let prose = "The mirrors failed and we wrote this report about it. ".repeat(20);
        let doc = parse_markdown(&format!("# Mirror outage\n\n{prose}\n\n```\n{report}```\n"));
        let mut blocks = doc.blocks.clone();
        read_preformatted_prose(&mut blocks);
        assert_eq!(blocks, doc.blocks);
    }

    #[test]
    fn code_and_logs_in_a_code_block_stay_code() {
        let code = "fn main() {\n    let config = load();\n    run(config);\n}\n".repeat(12);
        let log = "[2025-03-04 11:05:01] ERROR upstream timed out while reading the response.\n\
                   [2025-03-04 11:05:02] WARN retrying the request to the mirror.\n"
            .repeat(10);
        for body in [code, log] {
            let doc = parse_markdown(&format!("# Notes\n\n```\n{body}```\n"));
            let mut blocks = doc.blocks.clone();
            read_preformatted_prose(&mut blocks);
            assert_eq!(blocks, doc.blocks, "{body}");
        }
    }

    fn headings(doc: &Document) -> Vec<(u8, &str)> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text } => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn front_matter_gives_title_and_date_and_no_heading() {
        let text = "---\ntitle: \"Queue outage\"\nauthor: someone\ndate: 2021-02-23 14:54:00 +0000\ntags: [ops]\n---\n\nOn Monday the queue stopped.\n";
        let doc = parse_document(text.as_bytes(), Some("text/markdown"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Queue outage"));
        assert_eq!(
            doc.published.map(|p| p.date_naive().to_string()).as_deref(),
            Some("2021-02-23")
        );
        assert_eq!(
            doc.blocks,
            vec![Block::Paragraph { text: "On Monday the queue stopped.".into() }]
        );
        // A rule that opens a document but is not front matter stays as it was.
        let text = "---\nSome prose that is not a key.\n---\n";
        let doc = parse_document(text.as_bytes(), Some("text/markdown"), None, None);
        assert!(doc.published.is_none());
    }

    #[test]
    fn a_section_heading_is_no_title() {
        let doc = parse_document(
            b"## Summary (TL;DR)\n\nThe API was down.\n\n## Impact\n\nAll users.\n",
            Some("text/markdown"),
            None,
            None,
        );
        assert_eq!(doc.title, None);
        let doc = parse_document(
            b"# Checkout outage\n\n## Summary\n\nDown.\n",
            Some("text/markdown"),
            None,
            None,
        );
        assert_eq!(doc.title.as_deref(), Some("Checkout outage"));
    }

    #[test]
    fn a_first_line_that_starts_mid_word_is_no_title() {
        let doc = parse_document(
            b"ssue Summary\nThe site was down for an hour.\n",
            Some("text/plain"),
            None,
            None,
        );
        assert_eq!(doc.title, None);
        let doc =
            parse_document(b"i\nstmortem\n\nThe site was down.\n", Some("text/plain"), None, None);
        assert_eq!(doc.title, None);
        let doc = parse_document(
            b"iOS app outage\n\nThe app was down.\n",
            Some("text/plain"),
            None,
            None,
        );
        assert_eq!(doc.title.as_deref(), Some("iOS app outage"));
    }

    #[test]
    fn regex_literals_compile() {
        for re in [
            &RE_TAG_HEADING,
            &RE_TAG_BREAK,
            &RE_TAG_ANY,
            &RE_UNDERLINE,
            &RE_LIST_MARKER,
            &RE_LABEL,
            &RE_TIME_START,
            &RE_NUMBERING,
            &RE_SOURCE_LINE,
            &RE_NUMERIC_ENTITY,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn archived_copies_are_recognised_by_their_source_line() {
        let copy = b"[Source](https://status.example.com/incidents/abc)\n\nThe API was down.\n";
        assert_eq!(
            archived_copy_source(copy).as_deref(),
            Some("https://status.example.com/incidents/abc")
        );
        assert_eq!(archived_copy_source(b"[Source](https://example.com/a)\n"), None);
        assert_eq!(archived_copy_source(b"See [Source](https://example.com/a)\n\nText."), None);
        assert_eq!(archived_copy_source(b"# Report\n\n[Source](https://example.com/a)\n"), None);
    }

    #[test]
    fn front_matter_gives_title_and_date_and_leaves_the_body() {
        let text = "---\nlayout: post\ntitle:  \"Cache rate limiting post&#x2011;mortem\"\n\
                    date: 2021-03-04 10:00:00\ntags:\n  - ops\n---\n\n\
                    We were made aware of [slow clones](https://example.com/1).\n";
        for content_type in ["text/markdown", "text/plain", "text/html"] {
            let doc = parse_document(text.as_bytes(), Some(content_type), None, None);
            assert_eq!(doc.title.as_deref(), Some("Cache rate limiting post\u{2011}mortem"));
            assert_eq!(
                doc.published.map(|p| p.to_rfc3339()).as_deref(),
                Some("2021-03-04T10:00:00+00:00")
            );
            assert!(doc.blocks.iter().all(|b| !text_of(b).contains("layout")), "{:?}", doc.blocks);
        }
        let unclosed = "---\ntitle: x\n\nA rule, then prose.\n";
        assert_eq!(split_front_matter(unclosed), (FrontMatter::default(), unclosed));
        // A nested `title` (the author's) after the post's does not replace it.
        let nested = "---\ntitle: Queue outage\nauthor:\n  name: Sam\n  title: SRE\n---\nText.\n";
        let (front, _) = split_front_matter(nested);
        assert_eq!(front.title.as_deref(), Some("Queue outage"));
    }

    #[test]
    fn mdx_module_statements_give_title_and_date_and_are_not_prose() {
        let text = "import { PostLayout } from '@/components/PostLayout'\n\
                    import Image from 'next/image'\n\n\
                    export const post = {\n  author: 'Sam',\n  date: '2024-05-02',\n  \
                    title: 'Queue outage: a postmortem',\n  tags: ['ops', 'queues'],\n\n  \
                    draft: false,\n}\n\n\
                    export const metadata = { title: post.title }\n\n\
                    export default (props) => <PostLayout post={post} {...props} />\n\n\
                    ## What happened\n\nOn May 1 the queue stopped for 40 minutes.\n";
        let doc = parse_document(text.as_bytes(), Some("text/markdown"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Queue outage: a postmortem"));
        assert_eq!(
            doc.published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2024-05-02T00:00:00+00:00")
        );
        assert!(doc.markdown.starts_with("## What happened"), "{}", doc.markdown);
        // Front matter's title wins; prose that names an export is prose.
        let fronted =
            "---\ntitle: From front matter\n---\nexport const post = { title: 'x' }\n\nText.\n";
        let doc = parse_document(fronted.as_bytes(), Some("text/markdown"), None, None);
        assert_eq!(doc.title.as_deref(), Some("From front matter"));
        let prose = "Exports stopped at 10:02.\n\nexport const x = 1\n";
        assert_eq!(split_mdx_module(prose), (FrontMatter::default(), prose));
        // Brackets inside strings do not count; a statement never closed leaves the text whole.
        let quoted = "export const post = { title: 'We lost data :(', tags: ['a]'] }\n\nText.\n";
        assert_eq!(split_mdx_module(quoted).1, "Text.\n");
        let unclosed = "export const post = {\n  title: 'x',\n\nThe report, all of it.\n";
        assert_eq!(split_mdx_module(unclosed), (FrontMatter::default(), unclosed));
    }

    fn paragraph_texts(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn text_of(block: &Block) -> String {
        format!("{block:?}")
    }

    #[test]
    fn collapse_joins_every_whitespace_run_with_one_space() {
        assert_eq!(collapse("  a \t b\n\n c\u{a0}\u{2003}d \r\n"), "a b c d");
        assert_eq!(collapse("one"), "one");
        assert_eq!(collapse(" \n\t "), "");
        // The same as joining `split_whitespace`, on every kind of whitespace and text.
        let pieces = [
            " ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\u{85}", "\u{a0}", "\u{1680}", "\u{2003}",
            "\u{2028}", "\u{202f}", "\u{3000}", "\u{200b}", "a", "word", "é", "日本", "😀", "-",
            ".",
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..5_000 {
            let text: String =
                (0..rng.usize(0..12)).map(|_| pieces[rng.usize(..pieces.len())]).collect();
            assert_eq!(
                collapse(&text),
                text.split_whitespace().collect::<Vec<_>>().join(" "),
                "{text:?}"
            );
        }
    }

    #[test]
    fn plain_text_underlines_labels_and_heading_words() {
        let text = "Outage Postmortem: The Night\n====================\n\nIssue Summary\n=============\n\n\
                    Duration: March 3, 2024, 02:00 - 06:00 (EST)\nImpact: Checkout was down for 30% of users.\n\
                    Root Cause: A memory leak.\n\nTimeline\n\n02:00: Alert fired.\n02:15: Investigation began.\n\n\
                    CORRECTIVE AND PREVENTATIVE MEASURES\n\n-> Add leak detection.\n-> Load test.\n";
        let doc = parse_document(text.as_bytes(), Some("text/plain"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Outage Postmortem: The Night"));
        let hs = headings(&doc);
        assert!(hs.contains(&(1, "Issue Summary")), "{hs:?}");
        assert!(hs.contains(&(4, "Duration")));
        assert!(hs.contains(&(4, "Impact")));
        assert!(hs.contains(&(4, "Root Cause")));
        assert!(hs.contains(&(2, "Timeline")));
        assert!(hs.contains(&(2, "CORRECTIVE AND PREVENTATIVE MEASURES")));
        assert!(doc.blocks.contains(&Block::Paragraph { text: "02:00: Alert fired.".into() }));
        assert!(
            doc.blocks.contains(&Block::Paragraph { text: "02:15: Investigation began.".into() })
        );
        assert!(doc.blocks.contains(&Block::ListItem { text: "Add leak detection.".into() }));
        assert!(doc.blocks.contains(&Block::Paragraph { text: "A memory leak.".into() }));
    }

    #[test]
    fn plain_text_headings_written_as_short_lines_of_their_own() {
        let text = "Incident report: slow uploads on the public API
Date of incident: 3 July 2024
                    Prepared by: Platform team

What users saw
Uploads took minutes instead of                     seconds for most users.

Follow-up
1. Add a load test.

Thanks to everyone                     who helped
last night, and to the teams who waited.

Ops
";
        let doc = parse_document(text.as_bytes(), Some("text/plain"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Incident report: slow uploads on the public API"));
        let hs = headings(&doc);
        assert!(hs.contains(&(2, "What users saw")), "{hs:?}");
        assert!(hs.contains(&(2, "Follow-up")), "{hs:?}");
        let paragraphs = paragraph_texts(&doc.blocks);
        assert!(paragraphs.contains(&"Date of incident: 3 July 2024"), "{paragraphs:?}");
        assert!(paragraphs.contains(&"Prepared by: Platform team"), "{paragraphs:?}");
        // A short first line of a paragraph that goes on in lower case, and a last line with
        // nothing after it, are prose.
        assert!(
            paragraphs.contains(
                &"Thanks to everyone who helped last night, and to the teams who waited."
            ),
            "{paragraphs:?}"
        );
        assert!(paragraphs.contains(&"Ops"), "{paragraphs:?}");
    }

    #[test]
    fn a_text_that_opens_with_a_label_and_a_short_value_is_titled_by_that_line() {
        let text = "Incident summary: loss of power in the Frankfurt data hall\n\n\
                    Date: 11 September 2024\nDuration: 3 hours 12 minutes (05:48 to 09:00 CEST)\n\n\
                    At approximately 05:48 CEST, utility power to the hall was interrupted.\n";
        let doc = parse_document(text.as_bytes(), Some("text/plain"), None, None);
        assert_eq!(
            doc.title.as_deref(),
            Some("Incident summary: loss of power in the Frankfurt data hall")
        );
        // A label and its value before a line of prose are a label, not a heading line.
        assert!(!headings(&doc).iter().any(|(_, t)| t.contains("2024")), "{:?}", doc.blocks);
        // A value that is a sentence is no title.
        let doc = parse_document(b"Summary: the mirrors failed.\n\nMore.\n", None, None, None);
        assert_eq!(doc.title, None);
    }

    #[test]
    fn wrapped_prose_is_joined() {
        let text = "Some title\n\nOn June 9th the site was down because a config\nfile had a typo in it.\n";
        let doc = parse_document(text.as_bytes(), None, None, None);
        assert!(doc.blocks.contains(&Block::Paragraph {
            text: "On June 9th the site was down because a config file had a typo in it.".into()
        }));
        // A wrap before a time carries the sentence on; a line that opens with a time after
        // a finished one, or after another time-led line, is an entry of its own.
        let text = "Webhooks were delayed for 70% of customers between\n14:05 and 15:20 UTC.\n\
                    14:05 deploy started\n14:19 paged by the queue alert\n";
        for content_type in ["text/markdown", "text/plain"] {
            let doc = parse_document(text.as_bytes(), Some(content_type), None, None);
            let paragraphs = paragraph_texts(&doc.blocks);
            assert_eq!(
                paragraphs,
                [
                    "Webhooks were delayed for 70% of customers between 14:05 and 15:20 UTC.",
                    "14:05 deploy started",
                    "14:19 paged by the queue alert"
                ],
                "{content_type}"
            );
        }
    }

    #[test]
    fn markdown_headings_bold_labels_lists_and_tables() {
        let md = "[Source](https://example.com/pm)\n# Database outage\n\n### Issue Summary\n\
                  **Impact:**  \nUsers could not log in.\n\n**Root Cause:** A bad index.\n\n\
                  ## Timeline\n\n- **14:00 UTC** - Alert\n- **14:30 UTC** - Fixed\n  - nested note\n\n\
                  | Time | Event |\n| --- | --- |\n| 2024-01-02 10:00 | Deploy |\n\n\
                  ![chart](https://example.com/x.png)\n\n```\nlog line\n```\n";
        let doc = parse_document(md.as_bytes(), Some("text/markdown"), None, None);
        assert_eq!(doc.url.as_deref(), Some("https://example.com/pm"));
        assert_eq!(doc.title.as_deref(), Some("Database outage"));
        let hs = headings(&doc);
        assert!(hs.contains(&(4, "Impact")) && hs.contains(&(4, "Root Cause")), "{hs:?}");
        assert!(doc.blocks.contains(&Block::Paragraph { text: "Users could not log in.".into() }));
        assert!(doc.blocks.contains(&Block::Paragraph { text: "A bad index.".into() }));
        assert!(doc.blocks.contains(&Block::ListItem { text: "14:00 UTC - Alert".into() }));
        assert!(doc.blocks.contains(&Block::ListItem { text: "nested note".into() }));
        assert!(doc.blocks.contains(&Block::TableRow {
            cells: vec!["2024-01-02 10:00".into(), "Deploy".into()]
        }));
        assert!(doc.blocks.contains(&Block::Code { text: "log line".into() }));
        assert!(!doc.markdown.is_empty());
    }

    #[test]
    fn a_table_of_labels_and_values_reads_as_labelled_paragraphs() {
        let md = "# Webhooks delayed\n\n| Field | Value |\n| --- | --- |\n\
                  | Date | 14 October 2026 |\n| **Root cause** | A migration locked the outbox. |\n\
                  | Owner team | Payments |\n\n\
                  | Time | Event |\n| --- | --- |\n| 09:12 | Deploy |\n";
        let doc = parse_document(md.as_bytes(), Some("text/markdown"), None, None);
        let hs = headings(&doc);
        assert!(hs.contains(&(4, "Date")) && hs.contains(&(4, "Root cause")), "{hs:?}");
        assert!(doc.blocks.contains(&Block::Paragraph { text: "14 October 2026".into() }));
        assert!(
            doc.blocks
                .contains(&Block::Paragraph { text: "A migration locked the outbox.".into() })
        );
        // The header row, a label that is not a known one, and a timeline's rows stay rows.
        for cells in [["Field", "Value"], ["Owner team", "Payments"], ["09:12", "Deploy"]] {
            let cells = cells.iter().map(|c| (*c).to_owned()).collect();
            assert!(doc.blocks.contains(&Block::TableRow { cells }), "{:?}", doc.blocks);
        }
    }

    #[test]
    fn raw_html_inside_markdown() {
        let md = "<h1>POSTMORTEM</h1>\n<p>\n<h3>Issue Summary</h3>\n<hr>\nOn 13/10/2023 the server was down.\n</p>\n";
        let doc = parse_document(md.as_bytes(), Some("text/markdown"), None, None);
        let hs = headings(&doc);
        assert_eq!(hs, vec![(1, "POSTMORTEM"), (3, "Issue Summary")]);
        assert!(
            doc.blocks
                .contains(&Block::Paragraph { text: "On 13/10/2023 the server was down.".into() })
        );
    }

    const PAGE: &str = r#"<!DOCTYPE html><html><head><title>API outage | Acme Engineering</title>
        <meta property="og:site_name" content="Acme">
        <meta property="article:published_time" content="2024-03-05T10:00:00Z">
        <style>.x{color:red}</style></head><body>
        <header><nav><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li></ul></nav></header>
        <aside class="sidebar"><h3>Recent posts</h3><ul><li><a href="/a">Other post</a></li></ul></aside>
        <main><article class="post">
        <h1>API outage</h1>
        <p>On March 3, 2024 the API returned errors for many of our customers. This post explains what
        happened, why it happened, and what we are changing so that it does not happen again.</p>
        <h2>Root cause</h2>
        <p>A configuration change removed the connection limit on the primary database, and the
        database ran out of memory under the evening load. We rolled the change back.</p>
        <h2>Action items</h2><ul><li>Validate configuration changes</li><li>Alert on memory</li></ul>
        </article></main>
        <footer><p>© Acme</p></footer><script>window.x = {"a": 1};</script></body></html>"#;

    #[test]
    fn html_main_content_and_metadata() {
        let url = Url::parse("https://acme.example/blog/api-outage").ok();
        let doc =
            parse_document(PAGE.as_bytes(), Some("text/html; charset=utf-8"), url.as_ref(), None);
        assert_eq!(doc.title.as_deref(), Some("API outage"));
        assert_eq!(doc.site_name.as_deref(), Some("Acme"));
        assert_eq!(doc.url.as_deref(), Some("https://acme.example/blog/api-outage"));
        assert_eq!(
            doc.published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2024-03-05T10:00:00+00:00")
        );
        assert!(headings(&doc).iter().any(|(_, t)| *t == "Root cause"), "{:?}", doc.blocks);
        assert!(doc.blocks.contains(&Block::ListItem { text: "Alert on memory".into() }));
        assert!(!doc.markdown.contains("Recent posts"));
        assert!(!doc.markdown.contains("color:red"));
    }

    #[test]
    fn a_page_title_loses_the_site_name_around_a_separator() {
        let page = |title: &str| {
            format!(
                "<html><head><title>{title}</title><meta property=\"og:title\" content=\"{title}\">\
                 <meta property=\"og:site_name\" content=\"Acme\"></head><body><div class=\"incident\">\
                 <p>Between 14:05 and 15:20 UTC webhook deliveries were delayed for most customers, \
                 and every delivery was retried until it went through.</p></div></body></html>"
            )
        };
        for (title, want) in [
            ("Acme Status - Webhook delivery delays", "Webhook delivery delays"),
            ("Webhook delivery delays | Acme", "Webhook delivery delays"),
            ("Acme", "Acme"),
            ("Acme webhooks were delayed", "Acme webhooks were delayed"),
        ] {
            let doc = parse_document(page(title).as_bytes(), Some("text/html"), None, None);
            assert_eq!(doc.title.as_deref(), Some(want), "{title}");
        }
    }

    #[test]
    fn a_google_docs_export_is_titled_by_its_title_paragraph() {
        // Google Docs writes no <title> and no <h1> for the Title style.
        let page = "<html><head><meta content=\"text/html; charset=UTF-8\" http-equiv=\"content-type\">\
            <style>.c1{color:#000}</style></head><body class=\"doc-content\">\
            <p class=\"c4 title\" id=\"h.x1\"><span class=\"c7\">Postmortem: Search timeouts, 2025-02-11</span></p>\
            <h2 class=\"c5\"><span>Summary</span></h2><p class=\"c3\"><span>For forty minutes about a third \
            of search requests timed out after a shard lost its replica and every query waited on it.</span></p>\
            </body></html>";
        let doc = parse_document(page.as_bytes(), Some("text/html"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Postmortem: Search timeouts, 2025-02-11"));
    }

    #[test]
    fn a_forum_thread_is_read_from_its_first_post() {
        let page = "<html><head><title>Forum downtime - Announcements - Quill</title></head><body>\
            <div class=\"topic-post\" id=\"post_1\"><div class=\"cooked\">\
            <p>The forum was down for 95 minutes because the database disk filled up.</p></div></div>\
            <div class=\"topic-post\" id=\"post_2\"><div class=\"cooked\">\
            <p>Last year's outage was caused by a broken search index.</p></div></div></body></html>";
        let doc = parse_document(page.as_bytes(), Some("text/html"), None, None);
        assert!(doc.markdown.contains("database disk filled up"), "{}", doc.markdown);
        assert!(!doc.markdown.contains("search index"), "{}", doc.markdown);
    }

    #[test]
    fn a_github_page_title_loses_what_github_adds() {
        let page = |title: &str| {
            format!(
                "<html><head><title>{title}</title><meta property=\"og:site_name\" content=\"GitHub\">\
                 </head><body><main><div class=\"markdown-body\"><p>From 02:00 to 11:10 UTC the package \
                 mirrors served metadata up to nine hours old, so installs of new releases failed.</p>\
                 </div></main></body></html>"
            )
        };
        for (title, want) in [
            ("Mirror sync stalled · Issue #482 · acme-linux/infra · GitHub", "Mirror sync stalled"),
            ("Postmortem: DNS outage · acme/infra Wiki · GitHub", "Postmortem: DNS outage"),
            ("Revert the cache change · Pull Request #17 · acme/web", "Revert the cache change"),
            // A part that is not GitHub's stays.
            ("Mirrors · a retrospective · GitHub", "Mirrors · a retrospective"),
            // "owner/name" alone is not plainly GitHub's.
            ("Deploy outage · CI/CD", "Deploy outage · CI/CD"),
        ] {
            let doc = parse_document(page(title).as_bytes(), Some("text/html"), None, None);
            assert_eq!(doc.title.as_deref(), Some(want), "{title}");
        }
    }

    #[test]
    fn a_confluence_export_title_loses_its_space() {
        let page = |crumb: &str| {
            format!(
                "<html><head><title>Platform : Queue backlog postmortem</title></head><body><div id=\"main\">\
                 <ol id=\"breadcrumbs\"><li><a href=\"index.html\">{crumb}</a></li>\
                 <li><a href=\"Postmortems.html\">Postmortems</a></li></ol>\
                 <h1 id=\"title-heading\"><span id=\"title-text\">Platform : Queue backlog postmortem</span></h1>\
                 <div id=\"main-content\" class=\"wiki-content\"><p>For two hours on May 3 the job queue \
                 grew faster than workers drained it, and exports were delayed for most customers.</p></div>\
                 </div></body></html>"
            )
        };
        for (crumb, want) in [
            ("Platform", "Queue backlog postmortem"),
            // Not the space: the title stays whole.
            ("Home", "Platform : Queue backlog postmortem"),
        ] {
            let doc = parse_document(page(crumb).as_bytes(), Some("text/html"), None, None);
            assert_eq!(doc.title.as_deref(), Some(want), "{crumb}");
        }
    }

    #[test]
    fn content_selector_overrides_readability() {
        let selector = scraper::Selector::parse("aside.sidebar").ok();
        let doc = parse_document(PAGE.as_bytes(), Some("text/html"), None, selector.as_ref());
        assert!(doc.markdown.contains("Other post"), "{}", doc.markdown);
        assert!(!doc.markdown.contains("connection limit"));
        assert_eq!(doc.site_name.as_deref(), Some("Acme"));
    }

    #[test]
    fn a_saved_message_takes_its_title_and_date_from_its_headers() {
        let message = "Subject: Re: [infra] Postmortem: mirror outage\nFrom: Ops <ops@example.org>\n\
                       Date: Fri, 16 May 2025 09:00:00 +0000\nX-Mailer: mutt\n  (folded)\n\n\
                       Root cause: an expired certificate.\n";
        let doc = parse_document(message.as_bytes(), Some("text/plain"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Postmortem: mirror outage"));
        assert_eq!(
            doc.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2025-05-16T09:00:00+00:00")
        );
        // The headers (and the sender's address) are no part of the stored report.
        assert!(!doc.markdown.contains("ops@example.org"), "{}", doc.markdown);
        assert!(headings(&doc).iter().any(|(_, t)| *t == "Root cause"), "{:?}", doc.blocks);
        // A report that opens with labels is no message.
        for report in [
            "Date: 2025-05-14\nSummary: the mirrors failed.\n\nMore.\n",
            "Subject: mirror outage\n\nThe mirrors failed.\n",
        ] {
            let doc = parse_document(report.as_bytes(), Some("text/plain"), None, None);
            assert_eq!(doc.published, None, "{report}");
            assert!(doc.markdown.starts_with(&report[..4]), "{report}");
        }
        // A subject line alone is no message either, but it still titles the text.
        let copied = "Subject: Re: Summary of Tuesday's sync outage\n\nHi all,\n\nSync stalled.\n";
        let doc = parse_document(copied.as_bytes(), Some("text/plain"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Summary of Tuesday's sync outage"));
    }

    #[test]
    fn a_definition_list_timeline_keeps_an_entry_per_line() {
        let page = "<html><head><title>API outage</title></head><body><article>\
            <h1>API outage</h1><p>Our API returned errors to most customers on March 4, 2025, \
            for ninety minutes, and this report says why and what we changed.</p>\
            <h2>Timeline</h2><dl><dt>10:02 UTC</dt><dd>A change is deployed.</dd>\
            <dt>11:37 UTC</dt><dd>Error rates are <b>back</b> to normal.</dd></dl>\
            <h2>Glossary</h2><dl><dt>Canary</dt><dd>A first, small deployment.</dd></dl>\
            </article></body></html>";
        let doc = parse_document(page.as_bytes(), Some("text/html"), None, None);
        let texts = paragraph_texts(&doc.blocks);
        assert!(texts.contains(&"10:02 UTC — A change is deployed."), "{texts:?}");
        assert!(texts.contains(&"11:37 UTC — Error rates are back to normal."), "{texts:?}");
        // A glossary's terms are not times: written as before.
        assert!(!texts.iter().any(|t| t.starts_with("Canary —")), "{texts:?}");
    }

    #[test]
    fn html_sniffed_without_content_type() {
        let doc = parse_document(PAGE.as_bytes(), None, None, None);
        assert_eq!(doc.title.as_deref(), Some("API outage"));
    }

    const CLASSIC: &str = include_str!("../../../tests/fixtures/documents/classic-two-reports.txt");
    const GUIDE: &str = include_str!("../../../tests/fixtures/documents/writing-guide.md");
    const ARTICLE: &str = include_str!("../../../tests/fixtures/documents/article.html");

    #[test]
    fn fixture_classic_template_text() {
        let url = Url::parse("https://example.com/pm/classic-two-reports.txt").ok();
        let doc = parse_document(CLASSIC.as_bytes(), None, url.as_ref(), None);
        assert_eq!(doc.title.as_deref(), Some("Outage Postmortem: The Stalled Queue"));
        let hs = headings(&doc);
        assert_eq!(hs.iter().filter(|(_, t)| *t == "Timeline").count(), 2);
        assert!(hs.contains(&(4, "Duration")) && hs.contains(&(4, "Root Cause")));
        assert!(
            doc.blocks
                .contains(&Block::Paragraph { text: "March 3, 2024, 14:00 - 16:30 (CET)".into() })
        );
        assert!(doc.blocks.contains(&Block::ListItem {
            text: "Alert on queue age, not only queue length.".into()
        }));
        assert!(doc.blocks.contains(&Block::Paragraph {
            text: "15:40: Rolled back the configuration change.".into()
        }));
    }

    #[test]
    fn fixture_guide_markdown_keeps_bold_list_labels_in_items() {
        let doc = parse_document(GUIDE.as_bytes(), Some("text/markdown"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Writing an Effective Postmortem"));
        assert!(doc.blocks.contains(&Block::ListItem {
            text: "Impact Assessment: Describe the impact of the incident on customers and revenue.".into()
        }));
        assert_eq!(headings(&doc).len(), 4);
    }

    #[test]
    fn fixture_article_page() {
        let doc = parse_document(ARTICLE.as_bytes(), Some("text/html"), None, None);
        assert_eq!(doc.title.as_deref(), Some("Incident report: API errors on May 14"));
        assert_eq!(doc.site_name.as_deref(), Some("Example"));
        assert_eq!(
            doc.published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2024-05-20T09:00:00+00:00")
        );
        assert!(
            doc.blocks.contains(&Block::ListItem {
                text: "3:16 PM PDT — Error rates rise; the on-call engineer is paged.".into()
            }),
            "{:?}",
            doc.blocks
        );
        for boilerplate in ["Recent posts", "Subscribe", "Careers", "__APP_STATE__", "color:#333"] {
            assert!(!doc.markdown.contains(boilerplate), "{boilerplate} in {}", doc.markdown);
        }
    }

    /// A page whose scripts and style sheets sit everywhere readability looks: the head, the
    /// article, a `noscript` image, JSON-LD metadata, SVG, a script with `<!--` escaping.
    const SCRIPTED: &str = r#"<!DOCTYPE html><html><head><title>Scripted | Example</title>
<style>body{font:16px/1.5 serif} .article p{margin:0}</style>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article",
"headline":"Outage on June 12","datePublished":"2024-06-14T08:00:00Z",
"publisher":{"@type":"Organization","name":"Example Corp"}}</script>
<script>window.__DATA__ = {"html": "<div><p>not content</p></div>"};</script>
<script><!-- document.write('<script src="x.js"></script>'); //--></script>
</head><body><nav><a href="/">Home</a><script>nav()</script></nav>
<article class="article"><h1>Outage on June 12</h1>
<style>.inline{color:red}</style>
<p>On June 12 at 14:05 UTC our API returned errors for 40 minutes. We rolled back the deploy.</p>
<script>track("p1")</script>
<noscript><img src="/chart.png" alt="Error rate"></noscript>
<h2>Root cause</h2><p>A configuration change removed the connection pool limit, and the
database ran out of connections. <SCRIPT>inline()</SCRIPT ><svg><style>.s{}</style></svg></p>
<h2>Action items</h2><ul><li>Validate pool settings in CI.</li><li>Alert on connection use.</li></ul>
</article><footer>Careers<script>footer()</script></footer></body></html>"#;

    #[test]
    fn leaving_out_script_text_changes_nothing_read() {
        for page in [ARTICLE, SCRIPTED] {
            let readable = super::super::nesting::readable(page, 512);
            assert!(readable.len() < page.len(), "script and style text left out");
            let whole = super::super::nesting::within_depth(page, 512);
            for reading in [Reading::Whole, Reading::MarkdownOnly] {
                assert_eq!(
                    parse_html(&readable, None, None, reading),
                    parse_html(whole, None, None, reading)
                );
            }
            let selector = scraper::Selector::parse("article").unwrap();
            assert_eq!(
                parse_html(&readable, None, Some(&selector), Reading::Whole),
                parse_html(whole, None, Some(&selector), Reading::Whole)
            );
        }
        let doc = parse_document(SCRIPTED.as_bytes(), Some("text/html"), None, None);
        assert_eq!(
            doc.published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2024-06-14T08:00:00+00:00")
        );
        assert!(doc.markdown.contains("connection pool limit"), "{}", doc.markdown);
    }

    #[test]
    fn empty_and_binary_bodies_do_not_fail() {
        assert!(parse_document(b"", None, None, None).blocks.is_empty());
        let doc = parse_document(&[0xff, 0xfe, 0x00, 0x41], Some("text/html"), None, None);
        assert!(doc.markdown.len() < 64, "{:?}", doc.markdown);
    }
}
