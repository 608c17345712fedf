//! Bold field labels: `**Summary**: text`, `**Impact** : text` or `**Links:** url`.
//!
//! carlsborg/awesome-postmortems writes each entry as a numbered block of such lines
//! (`1.  **Summary**: ...`, then `**Links**: url`, `**Impact**: ...`). This reads one line's
//! label and value; which labels make an entry is the reader's business.

/// One labelled line: its label and what follows the colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The label as written, trimmed (`Summary`, `How it went down`).
    pub label: &'a str,
    /// The value after the colon, trimmed; may be empty (it continues on the next lines).
    pub value: &'a str,
}

impl Field<'_> {
    /// Whether the label is `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.label.eq_ignore_ascii_case(name)
    }
}

/// The field a line (trimmed, after any list marker) starts with: a bold label of letters,
/// digits, spaces, `-`, `/` or `'` (at most 40 bytes), then a colon inside or after the bold.
pub fn field(text: &str) -> Option<Field<'_>> {
    let inner = text.strip_prefix("**")?;
    let close = inner.find("**")?;
    let (bold, after) = (&inner[..close], &inner[close + 2..]);
    let (label, value) = match bold.strip_suffix(':') {
        Some(label) => (label, after),
        None => (bold, after.trim_start_matches([' ', '\t']).strip_prefix(':')?),
    };
    let label = label.trim();
    let plain = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '/' | '\'');
    if label.is_empty() || label.len() > 40 || !label.chars().all(plain) {
        return None;
    }
    Some(Field { label, value: value.trim() })
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn labels_and_values() {
        let summary = field("**Summary**: Prod database wiped.  ").unwrap();
        assert_eq!((summary.label, summary.value), ("Summary", "Prod database wiped."));
        assert!(summary.is("summary"));
        assert_eq!(field("**Impact** : hours").map(|f| f.value), Some("hours"));
        assert_eq!(field("**Links:** https://e.example/").map(|f| f.label), Some("Links"));
        assert_eq!(field("**Concepts**:").map(|f| f.value), Some(""));
        assert_eq!(field("**How it went down**: x").map(|f| f.label), Some("How it went down"));
        assert_eq!(field("**bold** text"), None);
        assert_eq!(field("**unclosed: x"), None);
        assert_eq!(field("**[x](y)**: z"), None);
        assert_eq!(field("Summary: no bold"), None);
    }
}
