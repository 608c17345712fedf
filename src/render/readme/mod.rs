//! The curated list's README: rewrites only the list and keeps every other byte.
//!
//! Takes the README's current text and the [`Listing`]s; returns the new text. Pure: it reads
//! no file and opens no database.
//!
//! **Where the list is.** Between a `<!-- pmagg:start -->` line and a `<!-- pmagg:end -->`
//! line when the file has them; otherwise the bullet list under the first heading that names
//! postmortems (`## Postmortems`, `## Post-mortems`, the original's `## Postmorterms`), from
//! its first bullet with an http(s) link to the last line that belongs to the list. The bytes
//! before and after (the header and footer) are copied unchanged.
//!
//! **What is kept.** Every entry already in the list keeps its exact bytes (a tab or two-space
//! summary indent, CRLF, a missing final newline, a typo) and its place, so a hand-ordered
//! list comes back byte-identical even when it is not perfectly sorted. An entry is a
//! top-level bullet with the lines under it.
//!
//! **What is added.** A listing none of whose links (canonical, Wayback unwrapped) is in the
//! list, that matches no entry as a duplicate (same company, a day apart, similar title), and
//! whose curated entry for this list (if any) is not in the file. A curated entry of this list
//! that is no longer in the file was deleted by hand, and stays out. New entries are written
//! `- MM-DD-YYYY - [Title](url) by [Company](company_url)` with the summary on a nested bullet
//! in the list's prevailing indent, bullet and line ending, and go in at their date: before
//! the first entry that is older, after those of the same day. Text is escaped for markdown,
//! and a link that is not http(s) is never written.
//!
//! The work is split in two: `region` finds the list and the entries in it, `entries`
//! writes new ones in the list's style. Both read and write entry lines with
//! [`crate::listfmt`], the grammar `parse::list` imports lists with, so a list pmagg wrote
//! imports as what it wrote.

mod entries;
mod region;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use self::entries::{Style, own_entries};
pub use self::region::list_range;
use self::region::{Block, Layout, find_list};
use super::RenderError;
use super::listing::{Listing, company_key, compare_listings};
/// The grammar's escaping and link safety, where `render::readme` has always exported them.
pub use crate::listfmt::{MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, escape_inline, safe_href};

/// The line that opens the rendered list, when the README has one.
pub const START_MARKER: &str = "<!-- pmagg:start -->";
/// The line that closes the rendered list.
pub const END_MARKER: &str = "<!-- pmagg:end -->";
/// What `render` starts from when the README does not exist yet.
pub const NEW_README: &str = "# Postmortems\n\n<!-- pmagg:start -->\n<!-- pmagg:end -->\n";
/// Indent of a new entry's summary bullet when the list has no nested bullet to copy.
pub const DEFAULT_INDENT: &str = "  ";

/// The new README and what changed in its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReadme {
    /// The whole file.
    pub text: String,
    /// Canonical URLs of the listings added, in list order.
    pub added: Vec<String>,
    /// Entries that were in the list and still are.
    pub kept: usize,
    /// Canonical URLs of entries already in the list whose bytes are exactly what pmagg
    /// writes for their listing: pmagg's own, even when a render that wrote them was killed
    /// before it could record them.
    pub own: Vec<String>,
}

/// Rewrites the list in `current` (the README's text) for `list` (its [`crate::model::list_key`]).
/// `path` only names the file in errors.
pub fn render_readme(
    current: &str,
    listings: &[Listing],
    list: &str,
    path: &Path,
) -> Result<RenderedReadme, RenderError> {
    render_readme_withdrawing(current, listings, list, path, &HashSet::new())
}

/// [`render_readme`], and the entries whose link (canonical) is in `withdrawn` leave the
/// list: a curator marked them not a postmortem (`pmagg mark --not-postmortem`). The caller
/// names only entries pmagg wrote; hand-written ones are never withdrawn.
pub fn render_readme_withdrawing<S: std::hash::BuildHasher>(
    current: &str,
    listings: &[Listing],
    list: &str,
    path: &Path,
    withdrawn: &HashSet<String, S>,
) -> Result<RenderedReadme, RenderError> {
    let region = find_list(current, path)?;
    let mut layout = Layout::read(current, &region);
    let had_blocks = !layout.blocks.is_empty();
    layout.blocks.retain(|b| !b.canonical.as_ref().is_some_and(|c| withdrawn.contains(c)));
    let blocks = &layout.blocks;

    let block_urls: HashSet<&str> = blocks.iter().filter_map(|b| b.canonical.as_deref()).collect();
    let mut by_company: HashMap<String, Vec<&Block<'_>>> = HashMap::new();
    for block in blocks {
        if let Some(key) = block.company.as_deref().map(company_key).filter(|k| !k.is_empty()) {
            by_company.entry(key).or_default().push(block);
        }
    }
    let mut new: Vec<&Listing> = listings
        .iter()
        .filter(|listing| {
            let listed = listing.canonical_urls.iter().any(|u| block_urls.contains(u.as_str()))
                || listing.company.as_deref().is_some_and(|company| {
                    by_company
                        .get(&company_key(company))
                        .is_some_and(|same| same.iter().any(|b| b.duplicates(listing)))
                });
            // A curated entry of this list is either still in the file (anywhere in it: it
            // stays as it is) or was deleted by hand (it stays out).
            let ours = listing.curated.iter().any(|c| c.list == list);
            !listed && !ours && safe_href(&listing.url).is_some()
        })
        .collect();
    new.sort_by(|a, b| compare_listings(a, b));

    // A block's place in the order: its own date, else its listing's, else the one above.
    let dates: HashMap<&str, NaiveDate> = listings
        .iter()
        .filter_map(|l| Some((l, l.date?)))
        .flat_map(|(l, date)| l.canonical_urls.iter().map(move |u| (u.as_str(), date)))
        .collect();
    let mut keys = Vec::with_capacity(blocks.len());
    let mut above = i64::MAX;
    for block in blocks {
        let date = block.date.or_else(|| dates.get(block.canonical.as_deref()?).copied());
        above = date.map_or(above, |d| i64::from(d.num_days_from_ce()));
        keys.push(above);
    }
    let new_key = |l: &Listing| l.date.map_or(i64::MIN, |d| i64::from(d.num_days_from_ce()));

    let style = Style::of(current, &layout);
    let mut items: Vec<Item<'_>> = Vec::with_capacity(blocks.len() + new.len());
    let mut pending = new.iter().peekable();
    for (block, key) in blocks.iter().zip(&keys) {
        while let Some(listing) = pending.next_if(|l| new_key(l) > *key) {
            items.push(Item::New(listing));
        }
        items.push(Item::Kept(block));
    }
    items.extend(pending.map(|l| Item::New(l)));

    let mut out = String::with_capacity(current.len() + new.len() * 200);
    let filled = !had_blocks && !new.is_empty();
    out.push_str(&current[..region.range.start]);
    if filled {
        out.push_str(&region.lead);
    }
    let mut body = layout.prefix.to_owned();
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Kept(block) => {
                if i > 0 {
                    body.push_str(if block.first { &style.gap } else { block.gap });
                }
                body.push_str(block.text);
                if !block.text.ends_with('\n') {
                    body.push_str(&style.line_ending);
                }
            }
            Item::New(listing) => {
                if i > 0 {
                    body.push_str(&style.gap);
                }
                body.push_str(&style.entry(listing));
            }
        }
    }
    body.push_str(layout.suffix);
    if !layout.region_text.is_empty() && !layout.region_text.ends_with('\n') {
        // The file had no final newline: neither has the new one. Only the line ending added
        // above goes: a `\r` that ended the file is text and stays (found by tests/fuzz).
        if let Some(trimmed) = body.strip_suffix(style.line_ending.as_str()) {
            body.truncate(trimmed.len());
        }
    }
    out.push_str(&body);
    if filled {
        out.push_str(&region.trail);
    }
    out.push_str(&current[region.range.end..]);
    Ok(RenderedReadme {
        text: out,
        added: new.iter().map(|l| l.canonical_url.clone()).collect(),
        kept: blocks.len(),
        own: own_entries(blocks, listings, &style),
    })
}

enum Item<'a> {
    Kept(&'a Block<'a>),
    New(&'a Listing),
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::model::canonical_url;

    fn listing(date: &str, title: &str, url: &str, company: Option<&str>) -> Listing {
        Listing {
            url: url.into(),
            canonical_url: canonical_url(url),
            canonical_urls: vec![canonical_url(url)],
            title: Some(title.into()),
            company: company.map(Into::into),
            company_url: company.map(|c| format!("https://{}.example/", c.to_lowercase())),
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
            published: None,
            summary: Some(format!("What happened to {title}.")),
            categories: vec![],
            curated: vec![],
            entry_ids: vec![],
            sources: vec![],
            decided_by: crate::model::Decision::Classifier,
            report: None,
            first_seen: None,
        }
    }

    fn render(text: &str, listings: &[Listing]) -> RenderedReadme {
        render_readme(text, listings, "README.md", Path::new("README.md")).unwrap()
    }

    const LIST: &str = "# Awesome\n\nIntro.\n\n## Postmorterms\n\n\
        - 02-21-2024 - [Core Outage](https://mailer.example/blog/core)\n  - Two spaces.\n\
        - 11-06-2023 - [Auth Outage](https://chat.example/auth) by [Chat](https://chat.example)\n\t- A tab.\n\
        - 11-03-2023 - [Control Plane](https://cdn.example/cp) by [CDN](https://cdn.example/)\n  - More.\n\
        \n## Contributing\n\n- [Guide](https://example.com/guide)\n";

    /// Found by the `readme` fuzz target: an unclosed fence after the last entry hid the
    /// entries a render had added, so the next render added them again.
    #[test]
    fn an_unclosed_fence_after_the_list_does_not_swallow_new_entries() {
        let listings = [listing("2023-05-01", "New", "https://n.example/1", Some("Nco"))];
        for (fence, new_goes_before_it) in [(" ```", true), ("```", true), ("  ```", false)] {
            let text = format!(
                "## Postmortems\n- 01-02-2024 - [A](https://a.example/pm) by [A co](https://a.example/)\n{fence}\n"
            );
            let first = render(&text, &listings);
            assert_eq!(first.added.len(), 1, "{fence:?}");
            let second = render(&first.text, &listings);
            assert_eq!(second.text, first.text, "{fence:?}");
            assert!(second.added.is_empty(), "{fence:?}");
            let at_new = first.text.find("[New]").unwrap();
            let at_fence = first.text.find(&format!("\n{fence}\n")).unwrap();
            assert_eq!(at_new < at_fence, new_goes_before_it, "{fence:?}: {}", first.text);
        }
    }

    #[test]
    fn nothing_new_gives_the_same_bytes() {
        for text in [
            LIST.to_owned(),
            LIST.replace('\n', "\r\n"),
            LIST.trim_end().to_owned(),
            "# T\n\n## Postmortems\n\n- 01-02-2024 - [A](https://a.example/)\n\t- x".to_owned(),
        ] {
            let out = render(&text, &[]);
            assert_eq!(out.text, text);
            assert_eq!(out.kept, if text.contains("[A]") { 1 } else { 3 });
        }
    }

    #[test]
    fn new_entries_go_in_at_their_date_in_the_lists_style() {
        let listings = [
            listing("2024-05-01", "Newest", "https://n.example/1", Some("Nco")),
            listing("2023-11-06", "Same day", "https://s.example/2", None),
            listing("2023-12-01", "Middle", "https://m.example/3", Some("Mco")),
            listing("2023-11-06", "Auth Outage again", "https://chat.example/auth/", Some("Chat")),
        ];
        let out = render(LIST, &listings);
        let expected = LIST
            .replace(
                "- 02-21-2024",
                "- 05-01-2024 - [Newest](https://n.example/1) by [Nco](https://nco.example/)\n  - What happened to Newest.\n- 02-21-2024",
            )
            .replace(
                "- 11-06-2023",
                "- 12-01-2023 - [Middle](https://m.example/3) by [Mco](https://mco.example/)\n  - What happened to Middle.\n- 11-06-2023",
            )
            .replace(
                "\t- A tab.\n",
                "\t- A tab.\n- 11-06-2023 - [Same day](https://s.example/2)\n  - What happened to Same day.\n",
            );
        assert_eq!(out.text, expected);
        assert_eq!(out.added.len(), 3);
        let again = render(&out.text, &listings);
        assert_eq!(again.text, out.text, "a second render changes nothing");
        assert_eq!(again.own, out.added, "what pmagg wrote is recognised as its own");
    }

    #[test]
    fn crlf_tabs_and_no_final_newline_carry_over() {
        let text = "## Postmortems\r\n\r\n- 01-02-2024 - [A](https://a.example/)\r\n\t- x\r\n- 01-01-2020 - [B](https://b.example/)\r\n\t- y";
        let out = render(
            text,
            &[
                listing("2021-01-01", "C", "https://c.example/", None),
                listing("2019-01-01", "D", "https://d.example/", None),
            ],
        );
        assert_eq!(
            out.text,
            "## Postmortems\r\n\r\n- 01-02-2024 - [A](https://a.example/)\r\n\t- x\r\n\
             - 01-01-2021 - [C](https://c.example/)\r\n\t- What happened to C.\r\n\
             - 01-01-2020 - [B](https://b.example/)\r\n\t- y\r\n\
             - 01-01-2019 - [D](https://d.example/)\r\n\t- What happened to D."
        );
    }

    #[test]
    fn a_lone_carriage_return_at_the_end_stays() {
        // Found by tests/fuzz: a whitespace line that markdown does not call blank.
        for text in ["# Awesome postmortems\n\u{b}", "## Postmortems\n  ", "## Postmortems\n\n \t"]
        {
            let once = render(text, &[listing("", "A", "https://a.example/", None)]);
            assert!(once.text.contains("\n- [A](https://a.example/)\n"), "{:?}", once.text);
            let twice = render(&once.text, &[listing("", "A", "https://a.example/", None)]);
            assert_eq!(twice.text, once.text);
        }
        // Found by tests/fuzz: the last line `¡\r` lost its `\r` on the second render.
        let once = render(
            "## Postmortems\n    code\n¡\r",
            &[listing("", "A", "https://a.example/", None)],
        );
        assert!(once.text.ends_with("¡\r"), "{:?}", once.text);
        let twice = render(&once.text, &[listing("", "A", "https://a.example/", None)]);
        assert_eq!(twice.text, once.text);
        // Years that do not fit MM-DD-YYYY are left out rather than written unreadably.
        let far = listing("262000-01-01", "Far", "https://f.example/", None);
        let mut far = far;
        far.date = NaiveDate::from_ymd_opt(262_000, 1, 1);
        let out = render("## Postmortems\n", std::slice::from_ref(&far));
        assert!(out.text.contains("- [Far](https://f.example/)"), "{}", out.text);
        assert_eq!(render(&out.text, &[far]).text, out.text);
    }

    /// Found by the `readme` fuzz target once render read entries with `listfmt`: a title
    /// that starts with `!` was taken for a badge and added again on every render.
    #[test]
    fn a_title_that_starts_with_a_bang_is_read_back() {
        let listings = [listing("", "!", "https://e.example/pm", None)];
        let once = render("## Postmortems\n", &listings);
        assert!(once.text.contains("- [!](https://e.example/pm)\n"), "{}", once.text);
        let twice = render(&once.text, &listings);
        assert_eq!(twice.text, once.text);
        assert!(twice.added.is_empty());
    }

    #[test]
    fn markers_bound_the_list_and_an_empty_list_fills() {
        let text = "# T\n\n<!-- pmagg:start -->\n<!-- pmagg:end -->\n\nFooter [x](y)\n";
        let out = render(text, &[listing("2024-01-01", "A", "https://a.example/", None)]);
        assert_eq!(
            out.text,
            "# T\n\n<!-- pmagg:start -->\n- 01-01-2024 - [A](https://a.example/)\n  - What happened to A.\n<!-- pmagg:end -->\n\nFooter [x](y)\n"
        );
        let heading_only = "# T\n\n## Postmortems\n\n## Other\n";
        let out = render(heading_only, &[listing("2024-01-01", "A", "https://a.example/", None)]);
        assert_eq!(
            out.text,
            "# T\n\n## Postmortems\n\n- 01-01-2024 - [A](https://a.example/)\n  - What happened to A.\n\n## Other\n"
        );
        assert_eq!(
            render(&out.text, &[listing("2024-01-01", "A", "https://a.example/", None)]).text,
            out.text
        );
        let broken = "<!-- pmagg:end -->\n<!-- pmagg:start -->\n";
        assert!(matches!(
            render_readme(broken, &[], "R", Path::new("R")),
            Err(RenderError::Markers { .. })
        ));
        assert!(matches!(
            render_readme("# Nothing here\n", &[], "R", Path::new("R")),
            Err(RenderError::NoList { .. })
        ));
    }

    #[test]
    fn hostile_text_is_escaped_and_bad_links_are_not_written() {
        let mut evil = listing(
            "2024-01-01",
            "x](javascript:alert(1)) <script>",
            "https://e.example/a(b)",
            Some("../../etc"),
        );
        evil.summary =
            Some("line one\nline | two <img src=x onerror=alert(1)> [y](javascript:z)".into());
        evil.company_url = Some("javascript:alert(1)".into());
        let out = render("## Postmortems\n", &[evil.clone()]);
        assert_eq!(
            out.text,
            "## Postmortems\n\n- 01-01-2024 - [x\\](javascript:alert(1)) \\<script\\>](https://e.example/a%28b%29) by ../../etc\n  - line one line \\| two \\<img src=x onerror=alert(1)\\> \\[y\\](javascript:z)\n"
        );
        let mut bad_link = evil;
        bad_link.url = "javascript:alert(1)".into();
        bad_link.canonical_url = canonical_url(&bad_link.url);
        assert_eq!(render("## Postmortems\n", &[bad_link]).added.len(), 0);
    }
}
