//! Text and links made safe for one line of list markdown, and text read back from it.
//!
//! [`escape_inline`] is what pmagg writes for a title, company or summary; [`unescape`] undoes
//! markdown backslash escapes when a list is read, so text that was escaped comes back as it
//! was. [`safe_href`] decides which links may be written at all (the README, archive copies and
//! the Atom feed share it), and [`host_of`] names a link's host when an entry has no title.

/// Undoes markdown backslash escapes (`\[` → `[`); other backslashes stay.
pub fn unescape(text: &str) -> String {
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

/// The host of an absolute URL, or an empty string.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
}

/// The link to write for `url`: an absolute http(s) URL, serialized (so spaces, quotes and
/// angle brackets are percent-encoded) with parentheses encoded too, so it cannot close the
/// markdown link early. `None` for anything else (`javascript:`, `data:`, relative links).
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(
        parsed
            .as_str()
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('[', "%5B")
            .replace(']', "%5D")
            .replace('\\', "%5C"),
    )
}

/// Text made safe for one line of markdown: whitespace (newlines included) collapsed, control
/// characters dropped, markdown and HTML punctuation backslash-escaped (`[`, `]`, `<`, `>`,
/// `|`, `*`, `_`, `` ` ``, `\`, an entity-like `&`) and a leading `#`, `+`, `-`, `=` or `1.`
/// defused, so that it renders as the text it is. At most `max_chars` characters (an
/// ellipsis marks a cut).
pub fn escape_inline(text: &str, max_chars: usize) -> String {
    let collapsed: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
        .collect();
    let clipped: String = if collapsed.chars().count() > max_chars {
        let mut cut: String = collapsed.chars().take(max_chars.saturating_sub(1)).collect();
        cut = cut.trim_end().to_owned();
        cut.push('…');
        cut
    } else {
        collapsed
    };
    let chars: Vec<char> = clipped.chars().collect();
    let mut out = String::with_capacity(clipped.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // `&amp;`, `&#60;`: a reference that markdown would decode.
        let entity_like = c == '&' && {
            let name: Vec<&char> = chars[i + 1..]
                .iter()
                .take_while(|n| n.is_ascii_alphanumeric() || **n == '#')
                .collect();
            !name.is_empty() && chars.get(i + 1 + name.len()) == Some(&';')
        };
        // A leading `#`, `+`, `-` or `=` would start a heading or a list, and so would `1.`.
        let leading = (i == 0 && matches!(c, '#' | '+' | '-' | '='))
            || (matches!(c, '.' | ')') && i > 0 && chars[..i].iter().all(char::is_ascii_digit));
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '|' | '*' | '_' | '`' | '~')
            || entity_like
            || leading
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_inline("# Title", 100), "\\# Title");
        assert_eq!(escape_inline("1. first", 100), "1\\. first");
        assert_eq!(escape_inline("AT&T &amp; co", 100), "AT&T \\&amp; co");
        assert_eq!(escape_inline("a_b*c`d", 100), "a\\_b\\*c\\`d");
        assert_eq!(escape_inline("abcdef", 4), "abc…");
        assert_eq!(safe_href("HTTPS://E.example/x y"), Some("https://e.example/x%20y".into()));
        assert_eq!(safe_href("ftp://e.example/"), None);
        assert_eq!(safe_href("/relative"), None);
        assert_eq!(host_of("https://www.e.example/x"), "www.e.example");
        assert_eq!(host_of("not a url"), "");
    }

    #[test]
    fn escaped_text_reads_back() {
        for text in ["a [b] <c>", "x | y * z_w `v` ~u~", "\\ back", "#1 of 2. done"] {
            assert_eq!(unescape(&escape_inline(text, 100)), text);
        }
        assert_eq!(unescape("C:\\dir \\q"), "C:\\dir \\q");
    }
}
