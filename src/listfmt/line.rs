//! Lines of a list: what each one is, how far it is indented, and where it is in the file.
//!
//! Takes one line (without its line ending) or a whole text; returns its class or its parts.
//! It decides nothing about entries: which bullets are entries is [`super::entry`]'s job, and
//! which sections count is the reader's.

use std::sync::LazyLock;

use regex::Regex;

/// One markdown line, classified by what it can start or continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// Empty or whitespace only.
    Blank,
    /// A code fence (```` ``` ```` or `~~~`), opening or closing.
    Fence,
    /// An ATX heading (`## Text`).
    Heading {
        /// 1 for `#`, up to 6.
        level: usize,
        /// The heading's text, without the hashes around it.
        text: &'a str,
    },
    /// `===` or `---`: a setext heading's underline when it follows a paragraph line.
    Underline {
        /// 1 for `===`, 2 for `---`.
        level: usize,
    },
    /// A thematic break (`***`, `___`, `- - -`).
    Break,
    /// A list item (`-`, `*`, `+`, `1.`, `1)`) with text after its marker.
    Bullet {
        /// Columns before the marker (a tab moves to the next multiple of 4).
        indent: usize,
        /// The item's text after the marker, trimmed.
        text: &'a str,
    },
    /// Any other text.
    Text {
        /// Columns before the text.
        indent: usize,
        /// The text, trimmed.
        text: &'a str,
    },
}

/// One line of a text with where it is: what the reader and the writer walk over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLine<'a> {
    /// Byte offset of its first byte in the text.
    pub at: usize,
    /// The line without its line ending (`\n` or `\r\n`).
    pub text: &'a str,
    /// The line with its line ending, as written.
    pub full: &'a str,
}

static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
        .expect("the heading pattern is a valid regex (checked by a test)")
});
static THEMATIC_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:-[ \t]*){3,})$")
        .expect("the thematic break pattern is a valid regex (checked by a test)")
});
/// A list marker, then white space or the end of the line.
static BULLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
        .expect("the bullet pattern is a valid regex (checked by a test)")
});

/// What kind of line `line` is (its line ending already removed).
pub fn classify(line: &str) -> Line<'_> {
    let line = line.trim_end();
    let text = line.trim_start();
    if text.is_empty() {
        return Line::Blank;
    }
    let indent = indent_width(line);
    if indent <= 3 {
        if is_fence(text) {
            return Line::Fence;
        }
        if let Some((level, text)) = heading(text) {
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
    // A marker alone (`-`, `1.`) is no item of a list: there is nothing to list.
    match bullet(text).filter(|item| !item.is_empty()) {
        Some(item) => Line::Bullet { indent, text: item.trim() },
        None => Line::Text { indent, text },
    }
}

/// Leading whitespace in columns; a tab advances to the next multiple of 4 (CommonMark).
pub fn indent_width(line: &str) -> usize {
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

/// The text after a list marker when `line` (spaces and tabs before the marker allowed) is a
/// list item: `Some("")` for a marker that ends the line, `None` for no item.
pub fn bullet(line: &str) -> Option<&str> {
    BULLET.find(line).map(|marker| &line[marker.end()..])
}

/// An ATX heading's level and text (closing hashes dropped, trimmed), indented by three
/// spaces at most.
pub fn heading(line: &str) -> Option<(usize, &str)> {
    let caps = HEADING.captures(line)?;
    let level = caps.get(1).map_or(1, |hashes| hashes.as_str().len());
    Some((level, caps.get(2).map_or("", |t| t.as_str().trim())))
}

/// Whether `line` opens or closes fenced code (```` ``` ```` or `~~~`, indented less than 4).
pub fn is_fence(line: &str) -> bool {
    let text = line.trim_start();
    indent_width(line) <= 3 && (text.starts_with("```") || text.starts_with("~~~"))
}

/// Every line of `text` with its place; the last one may lack a line ending.
pub fn lines_of(text: &str) -> Vec<SourceLine<'_>> {
    let mut at = 0;
    text.split_inclusive('\n')
        .map(|full| {
            let text = full.strip_suffix('\n').map_or(full, |l| l.strip_suffix('\r').unwrap_or(l));
            let line = SourceLine { at, text, full };
            at += full.len();
            line
        })
        .collect()
}

/// `\r\n` when most of the text's lines end with it, else `\n`: what new lines are ended with.
pub fn line_ending(text: &str) -> &'static str {
    let lf = text.matches('\n').count();
    let crlf = text.matches("\r\n").count();
    if crlf * 2 > lf { "\r\n" } else { "\n" }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn patterns_compile() {
        for pattern in [&HEADING, &THEMATIC_BREAK, &BULLET] {
            LazyLock::force(pattern);
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
        assert_eq!(classify("1."), Line::Text { indent: 0, text: "1." });
        assert_eq!(classify("   \t"), Line::Blank);
        assert_eq!(classify("```rust"), Line::Fence);
        assert_eq!(classify("    ```"), Line::Text { indent: 4, text: "```" });
    }

    #[test]
    fn bullets_headings_and_fences() {
        assert_eq!(bullet("  - x"), Some("x"));
        assert_eq!(bullet("\t12) x"), Some("x"));
        assert_eq!(bullet("-"), Some(""));
        assert_eq!(bullet("-x"), None);
        assert_eq!(bullet("1.5 million"), None);
        assert_eq!(heading("   ## Post-mortems ##"), Some((2, "Post-mortems")));
        assert_eq!(heading("    # code"), None);
        assert_eq!(heading("#"), Some((1, "")));
        assert!(is_fence("   ~~~") && !is_fence("    ```") && !is_fence("``"));
    }

    #[test]
    fn lines_keep_their_place_and_endings() {
        let lines = lines_of("a\r\nb\n\nc");
        let parts: Vec<_> = lines.iter().map(|l| (l.at, l.text, l.full)).collect();
        assert_eq!(parts, [(0, "a", "a\r\n"), (3, "b", "b\n"), (5, "", "\n"), (6, "c", "c")]);
        assert_eq!(line_ending("a\r\nb\r\nc\n"), "\r\n");
        assert_eq!(line_ending("a\r\nb\nc\n"), "\n");
        assert_eq!(indent_width(" \tx"), 4);
        assert_eq!(indent_width("  \t  x"), 6);
    }
}
