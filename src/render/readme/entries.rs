//! The entries pmagg adds to a list, written in the list's own style.
//!
//! Takes the entries already in the list ([`Layout`]) and a [`Listing`]; returns the entry's
//! lines: `- MM-DD-YYYY - [Title](url) by [Company](company_url)` (written by
//! [`crate::listfmt::write_entry`], which escapes the text and keeps only http(s) links) and
//! its summary on a nested bullet, with the bullet, nested bullet, summary indent, line ending
//! and spacing that most entries of the list already use. It also tells which entries in the
//! list are byte for byte what pmagg writes ([`own_entries`]).

use std::collections::HashMap;

use super::DEFAULT_INDENT;
use super::region::{Block, Layout};
use crate::listfmt::{NewEntry, bullet, host_of, line_ending, lines_of, write_entry, write_nested};
use crate::render::listing::Listing;

/// Canonical URLs of the blocks whose bytes are exactly what pmagg writes for their listing.
pub(super) fn own_entries(
    blocks: &[Block<'_>],
    listings: &[Listing],
    style: &Style,
) -> Vec<String> {
    let by_url: HashMap<&str, &Listing> = listings
        .iter()
        .flat_map(|l| l.canonical_urls.iter().map(move |u| (u.as_str(), l)))
        .collect();
    blocks
        .iter()
        .filter_map(|block| {
            let listing = by_url.get(block.canonical.as_deref()?)?;
            (block.text == style.entry(listing)).then(|| listing.canonical_url.clone())
        })
        .collect()
}

/// How the list writes entries, for the ones pmagg adds.
pub(super) struct Style {
    /// `\n` or `\r\n`, as most of the file's lines end.
    pub(super) line_ending: String,
    bullet: char,
    nested_bullet: char,
    indent: String,
    /// What goes between two entries: nothing, or a blank line in a loose list.
    pub(super) gap: String,
}

impl Style {
    /// The style of the entries in `layout` (of the file `text`).
    pub(super) fn of(text: &str, layout: &Layout<'_>) -> Self {
        let line_ending = line_ending(text).to_owned();
        let most = |counts: Vec<(String, usize)>| {
            // The most used; on a tie, the one seen first (nearest the top).
            counts.into_iter().rev().max_by_key(|(_, n)| *n).map(|(v, _)| v)
        };
        let mut bullets: Vec<(String, usize)> = Vec::new();
        let mut nested: Vec<(String, usize)> = Vec::new();
        let mut indents: Vec<(String, usize)> = Vec::new();
        let bump = |counts: &mut Vec<(String, usize)>, value: String| match counts
            .iter_mut()
            .find(|(v, _)| *v == value)
        {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        };
        for block in &layout.blocks {
            for (i, line) in lines_of(block.text).iter().enumerate() {
                let trimmed = line.text.trim_start();
                let Some(marker) = trimmed.chars().next().filter(|c| matches!(c, '-' | '*' | '+'))
                else {
                    continue;
                };
                if bullet(line.text).is_none() {
                    continue;
                }
                if i == 0 {
                    bump(&mut bullets, marker.to_string());
                } else {
                    let indent = &line.text[..line.text.len() - trimmed.len()];
                    bump(&mut indents, indent.to_owned());
                    bump(&mut nested, marker.to_string());
                }
            }
        }
        let bullet = most(bullets).and_then(|b| b.chars().next()).unwrap_or('-');
        let loose = layout.blocks.iter().skip(1).filter(|b| !b.gap.is_empty()).count();
        let gap = if loose * 2 > layout.blocks.len().saturating_sub(1) && layout.blocks.len() > 1 {
            line_ending.clone()
        } else {
            String::new()
        };
        Style {
            bullet,
            nested_bullet: most(nested).and_then(|b| b.chars().next()).unwrap_or(bullet),
            indent: most(indents).unwrap_or_else(|| DEFAULT_INDENT.to_owned()),
            line_ending,
            gap,
        }
    }

    /// `- MM-DD-YYYY - [Title](url) by [Company](company_url)` and the summary bullet, each
    /// with the list's line ending. An entry without a title is named by its company, else by
    /// its link's host.
    pub(super) fn entry(&self, listing: &Listing) -> String {
        let le = &self.line_ending;
        let company = listing.company.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let host;
        let (title, by_company) =
            match listing.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(title) => (title, company),
                None => match company {
                    Some(company) => (company, None),
                    None => {
                        host = host_of(&listing.url);
                        (host.as_str(), None)
                    }
                },
            };
        let new = NewEntry {
            date: listing.date,
            title,
            url: &listing.url,
            company: by_company,
            company_url: listing.company_url.as_deref(),
        };
        let mut lines = write_entry(self.bullet, &new);
        lines.push_str(le);
        if let Some(summary) = listing.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            lines.push_str(&write_nested(&self.indent, self.nested_bullet, summary));
            lines.push_str(le);
        }
        lines
    }
}
