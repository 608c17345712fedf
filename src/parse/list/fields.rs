//! A numbered block of bold fields (carlsborg/awesome-postmortems) read as one entry.
//!
//! The shape: a list item whose text opens with a bold label, then lines with more labels,
//! each value possibly continued on the lines below it:
//!
//! ```text
//! 1.  **Summary**: Prod database partially wiped by human error.
//! **Links**: https://example.com/postmortem, https://example.com/follow-up
//! **Impact** : Service unavailable for hours.
//! **Technologies**: Postgresql, pg_basebackup.
//! ```
//!
//! Takes the block's lines from the reader; returns a [`Listed`] when a `Links` (or `Link`,
//! `URL`, `Source`) field holds an http(s) link, the first of which is the entry's. The summary
//! is the `Summary` field (else `Impact`), `Technologies` become categories (as k8s.af's
//! `involved` do), and `Title`, `Company` and `Date` fields are read when a block has them.

use std::ops::Range;

use super::{Listed, Shape, non_empty};
use crate::listfmt::{self, Field, is_http, leading_link, plain_text};

/// The labels whose value is the entry's link.
const LINK_LABELS: [&str; 4] = ["links", "link", "url", "source"];

/// The fields of one block so far, each label with its value (continuation lines joined).
#[derive(Debug)]
pub(super) struct Fields {
    fields: Vec<(String, String)>,
}

impl Fields {
    /// A block opened by the field on its item's first line.
    pub(super) fn open(first: Field<'_>) -> Self {
        let mut fields = Fields { fields: Vec::new() };
        fields.push(first);
        fields
    }

    fn push(&mut self, field: Field<'_>) {
        self.fields.push((field.label.to_ascii_lowercase(), field.value.to_owned()));
    }

    /// A line of the block after its first: a new field, or more of the last one's value.
    pub(super) fn line(&mut self, text: &str) {
        if let Some(field) = listfmt::field(text) {
            self.push(field);
        } else if let Some((_, value)) = self.fields.last_mut() {
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(text.trim());
        }
    }

    fn value(&self, label: &str) -> Option<&str> {
        self.fields.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str())
    }

    /// The entry the block describes, when one of its link fields holds an http(s) link.
    pub(super) fn finish(self, span: Range<usize>) -> Option<Listed> {
        let url = LINK_LABELS.iter().filter_map(|label| self.value(label)).find_map(first_link)?;
        let text = |label: &str| self.value(label).map(plain_text).and_then(non_empty);
        let mut categories: Vec<String> = Vec::new();
        for name in self.value("technologies").unwrap_or_default().split(',') {
            let name = plain_text(name.trim().trim_end_matches('.'));
            if !name.is_empty() && !categories.contains(&name) {
                categories.push(name);
            }
        }
        Some(Listed {
            shape: Shape::Fields,
            url: url.to_owned(),
            title: text("title"),
            company: text("company"),
            company_url: None,
            span,
            published: self.value("date").and_then(listfmt::date_prefix).and_then(|d| d.date),
            summary: text("summary").or_else(|| text("impact")),
            categories,
        })
    }
}

/// The first http(s) link in a field's value: a markdown link's destination, an autolink
/// (`<url>`) or a bare URL, with the punctuation that separates a list of them dropped.
fn first_link(value: &str) -> Option<&str> {
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';'));
        if rest.is_empty() {
            return None;
        }
        if let Some(link) = leading_link(rest) {
            if is_http(link.url) {
                return Some(link.url);
            }
            rest = link.rest;
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = rest[..end].trim_start_matches('<').trim_end_matches(['>', ',', ';', '.']);
        if is_http(token) {
            return Some(token);
        }
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn links_in_a_field() {
        assert_eq!(first_link("https://a.example/x, "), Some("https://a.example/x"));
        assert_eq!(first_link("see <https://a.example/y>."), Some("https://a.example/y"));
        assert_eq!(
            first_link("[video](https://v.example/1?t=5), [post](https://p.example/)"),
            Some("https://v.example/1?t=5")
        );
        assert_eq!(first_link("[local](notes.md) https://b.example/"), Some("https://b.example/"));
        assert_eq!(first_link("none here"), None);
        assert_eq!(first_link(""), None);
    }

    #[test]
    fn a_block_without_a_link_is_no_entry() {
        let mut fields = Fields::open(listfmt::field("**Summary**: words").unwrap());
        fields.line("**Impact**: more");
        assert_eq!(fields.finish(0..10), None);
    }
}
