//! Sentences and clipping: the small text tools the fields are read with.

/// Splits prose into sentences at line breaks (each block of a section is a line) and at
/// `.`, `!` or `?` followed by a space and a capital, digit or quote; keeps abbreviations such
/// as "e.g." and "a.m." inside their sentence.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    text.lines().flat_map(line_sentences).collect()
}

pub(crate) fn line_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?') && i + 2 < bytes.len() && bytes[i + 1] == b' ' {
            let next = text[i + 2..].chars().next().unwrap_or(' ');
            // The word before is looked at only where a sentence could end.
            let ends = next.is_uppercase()
                || next.is_ascii_digit()
                || matches!(next, '"' | '“' | '(' | '[')
                || styled_word(&text[i + 2..]);
            if ends && !abbreviation_before(text, i) {
                let sentence = text[start..=i].trim();
                if !sentence.is_empty() {
                    out.push(sentence);
                }
                start = i + 2;
            }
        }
        i += 1;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Whether `text` opens with a name written in its own case ("iOS", "macOS", "eBay"), which
/// may start a sentence without a capital.
pub(crate) fn styled_word(text: &str) -> bool {
    let word = text.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();
    word.starts_with(|c: char| c.is_lowercase()) && word.chars().skip(1).any(char::is_uppercase)
}

/// Whether the word that ends at `end` (before a `.`, `!` or `?`) is an abbreviation or a
/// single letter, after which a sentence goes on.
pub(super) fn abbreviation_before(text: &str, end: usize) -> bool {
    // Month abbreviations too: "rolled out on Apr. 28" is one sentence.
    const ABBREVIATIONS: [&str; 24] = [
        "e.g", "i.e", "etc", "vs", "approx", "a.m", "p.m", "inc", "mr", "dr", "no", "u.s", "jan",
        "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ];
    let word_start = text[..end].rfind(char::is_whitespace).map_or(0, |p| p + 1);
    let word = &text[word_start..end];
    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
        || (word.len() == 1 && word.chars().all(char::is_alphabetic))
}

/// At most `max` bytes, cut at a word boundary with an ellipsis.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.len() <= max {
        return text.to_owned();
    }
    let mut cut = max.saturating_sub(3);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let head = head.rfind(' ').map_or(head, |p| &head[..p]);
    format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
}
