//! The markdown reader: pulldown-cmark events → blocks in reading order.
//!
//! Raw HTML inside markdown (students paste `<h3>` and `<ul>`) is reduced to headings and
//! text; paragraph lines go through the plain-text line reader ([`super::text`]), so that a
//! bold `**Label:**` or a `Label:` line becomes a heading there too. Never fails.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::text::{LABEL_LEVEL, promote_first_line, split_lines, strip_markers, table_label};
use super::{
    RE_SOURCE_LINE, STRONG_CLOSE, STRONG_OPEN, ascii_word_regex, collapse, title_from_blocks,
};
use crate::model::{Block, Document};

pub(super) static RE_TAG_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(r"(?is)<h([1-6])\b[^>]*>(.*?)</h[1-6]\s*>")
        .expect("literal regex for HTML headings")
});
pub(super) static RE_TAG_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    ascii_word_regex(
        r"(?i)</?(?:p|br|hr|ul|ol|li|div|tr|table|pre|blockquote|section|article)\b[^>]*>",
    )
    .expect("literal regex for block-level HTML tags")
});
pub(super) static RE_TAG_ANY: LazyLock<Regex> =
    LazyLock::new(|| ascii_word_regex(r"(?s)<[^>]*>").expect("literal regex for any HTML tag"));

/// `&#x2011;` and `&#8209;` (front matter titles carry them) as the characters they name.
pub(super) fn decode_numeric_entities(text: &str) -> String {
    if !text.contains("&#") {
        return text.to_owned();
    }
    RE_NUMERIC_ENTITY
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let code = match caps.get(1) {
                Some(hex) => u32::from_str_radix(hex.as_str(), 16).ok(),
                None => caps[2].parse().ok(),
            };
            code.and_then(char::from_u32).map_or_else(|| caps[0].to_owned(), String::from)
        })
        .into_owned()
}

pub(super) static RE_NUMERIC_ENTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")
        .expect("literal entity regex (checked by regex_literals_compile)")
});

pub(super) fn parse_markdown(text: &str) -> Document {
    let mut url = None;
    let mut body = text;
    // Archived copies start with `[Source](url)` (the awesome-postmortems archive).
    if let Some((first, rest)) = text.trim_start().split_once('\n')
        && let Some(caps) = RE_SOURCE_LINE.captures(first)
    {
        url = Some(caps[1].to_owned());
        body = rest;
    }
    let mut blocks = markdown_blocks(body);
    if !matches!(blocks.first(), Some(Block::Heading { level: 1, .. })) {
        promote_first_line(&mut blocks);
    }
    Document {
        title: title_from_blocks(&blocks),
        url,
        published: None,
        site_name: None,
        blocks,
        markdown: text.trim().to_owned(),
    }
}

/// What the markdown reader is collecting text for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collecting {
    Heading(u8),
    Paragraph,
    Code,
}

#[derive(Default)]
struct MarkdownReader {
    blocks: Vec<Block>,
    buf: String,
    collecting: Option<Collecting>,
    /// Open list items; text inside them (even inside their paragraphs) belongs to the item.
    item_depth: usize,
    item_buf: String,
    row: Option<Vec<String>>,
    cell: Option<String>,
    image_depth: usize,
    html: String,
    /// The open code block is indented (not fenced): plain-text reports indent prose.
    indented_code: bool,
}

impl MarkdownReader {
    fn push_text(&mut self, text: &str) {
        if self.image_depth > 0 {
            return;
        }
        if let Some(cell) = self.cell.as_mut() {
            cell.push_str(text);
        } else if matches!(self.collecting, Some(Collecting::Heading(_) | Collecting::Code)) {
            self.buf.push_str(text);
        } else if self.item_depth > 0 {
            self.item_buf.push_str(text);
        } else {
            self.buf.push_str(text);
        }
    }

    fn flush_item(&mut self) {
        let text = collapse(&strip_markers(&self.item_buf));
        self.item_buf.clear();
        if !text.is_empty() {
            self.blocks.push(Block::ListItem { text });
        }
    }

    fn flush_html(&mut self) {
        if self.html.trim().is_empty() {
            self.html.clear();
            return;
        }
        let html = std::mem::take(&mut self.html);
        html_fragment_blocks(&html, &mut self.blocks);
    }

    fn event(&mut self, event: Event<'_>) {
        if !matches!(event, Event::Html(_)) {
            self.flush_html();
        }
        match event {
            Event::Start(tag) => self.start(&tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) | Event::Code(text) => self.push_text(&text),
            Event::SoftBreak | Event::HardBreak => self.push_text("\n"),
            Event::Html(html) => self.html.push_str(&html),
            Event::InlineHtml(html) => {
                if RE_TAG_BREAK.is_match(&html) {
                    self.push_text("\n");
                }
            }
            Event::Rule
            | Event::TaskListMarker(_)
            | Event::FootnoteReference(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: &Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.collecting = Some(Collecting::Heading(*level as u8));
                self.buf.clear();
            }
            Tag::Paragraph if self.item_depth == 0 && self.cell.is_none() => {
                self.collecting = Some(Collecting::Paragraph);
                self.buf.clear();
            }
            Tag::Paragraph if !self.item_buf.is_empty() => self.item_buf.push('\n'),
            Tag::CodeBlock(kind) => {
                self.collecting = Some(Collecting::Code);
                self.indented_code = matches!(kind, pulldown_cmark::CodeBlockKind::Indented);
                self.buf.clear();
            }
            Tag::List(_) if self.item_depth > 0 => self.flush_item(),
            Tag::Item => {
                if self.item_depth > 0 {
                    self.flush_item();
                }
                self.item_depth += 1;
            }
            Tag::TableHead | Tag::TableRow => self.row = Some(Vec::new()),
            Tag::TableCell => self.cell = Some(String::new()),
            Tag::Image { .. } => self.image_depth += 1,
            Tag::Strong
                if self.collecting == Some(Collecting::Paragraph)
                    && self.item_depth == 0
                    && (self.buf.trim().is_empty() || self.buf.ends_with('\n')) =>
            {
                self.buf.push(STRONG_OPEN);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                if let Some(Collecting::Heading(level)) = self.collecting.take() {
                    let text = collapse(&self.buf);
                    if !text.is_empty() {
                        self.blocks.push(Block::Heading { level, text });
                    }
                }
                self.buf.clear();
            }
            TagEnd::Paragraph if self.collecting == Some(Collecting::Paragraph) => {
                self.collecting = None;
                let text = std::mem::take(&mut self.buf);
                split_lines(text.split('\n'), &mut self.blocks);
            }
            TagEnd::CodeBlock => {
                self.collecting = None;
                let text = std::mem::take(&mut self.buf);
                let text = text.trim_end();
                if self.indented_code && looks_like_prose(text) {
                    split_lines(text.split('\n'), &mut self.blocks);
                } else if !text.trim().is_empty() {
                    self.blocks.push(Block::Code { text: text.to_owned() });
                }
            }
            TagEnd::Item => {
                self.flush_item();
                self.item_depth = self.item_depth.saturating_sub(1);
            }
            TagEnd::TableCell => {
                if let (Some(cell), Some(row)) = (self.cell.take(), self.row.as_mut()) {
                    row.push(collapse(&cell));
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(cells) = self.row.take()
                    && cells.iter().any(|c| !c.is_empty())
                {
                    // A body row of label and value reads like a `Label: value` line.
                    match table_label(&cells).filter(|_| tag == TagEnd::TableRow) {
                        Some((label, value)) => {
                            self.blocks.push(Block::Heading { level: LABEL_LEVEL, text: label });
                            self.blocks.push(Block::Paragraph { text: value });
                        }
                        None => self.blocks.push(Block::TableRow { cells }),
                    }
                }
            }
            TagEnd::Image => self.image_depth = self.image_depth.saturating_sub(1),
            TagEnd::Strong
                if self.buf.matches(STRONG_OPEN).count()
                    > self.buf.matches(STRONG_CLOSE).count() =>
            {
                self.buf.push(STRONG_CLOSE);
            }
            _ => {}
        }
    }
}

/// Markdown → blocks in reading order.
pub(super) fn markdown_blocks(markdown: &str) -> Vec<Block> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut reader = MarkdownReader { collecting: None, ..MarkdownReader::default() };
    for event in Parser::new_ext(markdown, options) {
        reader.event(event);
    }
    reader.flush_html();
    if reader.item_depth > 0 {
        reader.flush_item();
    }
    reader.blocks
}

/// Indented text that reads like sentences, not code: few code symbols, mostly words.
fn looks_like_prose(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return false;
    }
    let code_like = lines
        .iter()
        .filter(|l| {
            l.contains(['{', '}', ';', '=', '$', '<', '>', '\\'])
                || l.starts_with(['/', '#', '[', '.'])
                || l.split_whitespace().count() < 2
        })
        .count();
    code_like * 3 < lines.len()
}

/// Raw HTML inside markdown: `<hN>` become headings, other tags are dropped and the text
/// between them is read like plain text.
fn html_fragment_blocks(html: &str, blocks: &mut Vec<Block>) {
    let mut last = 0;
    for caps in RE_TAG_HEADING.captures_iter(html) {
        let Some(whole) = caps.get(0) else { continue };
        html_text_blocks(&html[last..whole.start()], blocks);
        let level = caps[1].parse::<u8>().unwrap_or(2);
        let text = collapse(&decode_entities(&RE_TAG_ANY.replace_all(&caps[2], "")));
        if !text.is_empty() {
            blocks.push(Block::Heading { level, text });
        }
        last = whole.end();
    }
    html_text_blocks(&html[last..], blocks);
}

fn html_text_blocks(html: &str, blocks: &mut Vec<Block>) {
    if html.trim().is_empty() {
        return;
    }
    let text = RE_TAG_BREAK.replace_all(html, "\n");
    let text = RE_TAG_ANY.replace_all(&text, "");
    let text = decode_entities(&text);
    split_lines(text.split('\n'), blocks);
}

pub(super) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
