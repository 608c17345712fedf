//! The line-by-line reader of a list: sections, blocks and which of them are entries.
//!
//! Takes the list's text; returns every [`Listed`] entry in file order, duplicates included.
//! Lines are classified by [`listfmt::classify`]; this module keeps the state between them
//! (the open headings, the open block, fenced code, HTML comments) and decides which blocks
//! are entries: a top-level bullet in the dated or link shape ([`Item`]), a numbered block of
//! bold fields ([`Fields`]) and a danluu paragraph under a category heading.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::fields::Fields;
use super::item::Item;
use super::{Listed, Shape, non_empty};
use crate::listfmt::{self, Line, is_http, leading_link, plain_text};

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
    /// A numbered block of bold fields (carlsborg): an entry when it links a report.
    Fields(Box<Fields>),
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
pub(super) fn read_list(text: &str) -> Vec<Listed> {
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
    for line in listfmt::lines_of(text) {
        reader.line_at = line.at..line.at + line.full.len();
        reader.line(line.text);
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
        let line = listfmt::classify(raw);
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
                    self.block = if self.in_meta_section() {
                        Block::Other
                    } else if let Some(item) = Item::parse(text) {
                        Block::Item(Box::new(item))
                    } else if let Some(field) = listfmt::field(text) {
                        Block::Fields(Box::new(Fields::open(field)))
                    } else {
                        Block::Other
                    };
                    self.block_at = self.line_at.clone();
                } else if let Block::Item(item) = &mut self.block {
                    item.nested(text);
                    self.block_at.end = self.line_at.end;
                } else if let Block::Fields(fields) = &mut self.block {
                    fields.line(text);
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
                    Block::Fields(fields) if continues => {
                        fields.line(text);
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
            Block::Fields(fields) => {
                if let Some(listed) = fields.finish(self.block_at.clone()) {
                    self.out.push(listed);
                }
            }
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

/// Whether a heading names a section about the list rather than entries of it.
fn is_meta_heading(text: &str) -> bool {
    let words = text.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    META_PHRASE.is_match(words) || META_WORD.is_match(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for pattern in [&META_PHRASE, &META_WORD] {
            LazyLock::force(pattern);
        }
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
