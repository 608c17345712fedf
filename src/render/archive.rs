//! Archive copies: one markdown file per listed postmortem whose report is stored.
//!
//! Takes [`Listing`]s; returns the files to have under `archive_dir`, as relative paths and
//! contents, plus the rule that decides whether an existing file may be replaced. Pure: the
//! files are read and written by [`super::write_archive`].
//!
//! A copy is `<company-slug>/<MM-DD-YYYY>-<title-slug>.md` (`undated-...` without a date),
//! holding `[Source](url)`, a blank line, then the report as markdown. Slugs are lowercase
//! ASCII letters, digits and single hyphens, at most [`MAX_COMPANY_SLUG`] and
//! [`MAX_TITLE_SLUG`] characters, never empty and never a device name, so a path can never
//! leave `archive_dir` whatever a company or title says. Two postmortems that would share a
//! path each get a short hash of their link appended.
//!
//! The report is written as markdown made inert ([`inert_markdown`]): inline HTML that
//! markdown allows is kept when it is harmless (an `<img>` stays an image, #16), any other
//! raw HTML shows as text, and a link or image to anything but http(s), mailto or a relative
//! path keeps only its text, so a report cannot put a script, an event handler or a
//! `javascript:` link on a page that publishes the archive.
//!
//! Postmortems listed by a person (a curated entry that pmagg did not write) get no copy from
//! pmagg: their copies are the curator's. A file is written when it is missing, or when it
//! still holds exactly what pmagg last wrote there and that changed; a file pmagg did not
//! write, or one edited since, is never overwritten.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;
use sha2::{Digest, Sha256};

use super::listing::Listing;
use crate::listfmt::{escape_inline, safe_href};

/// Longest company folder name.
pub const MAX_COMPANY_SLUG: usize = 40;
/// Longest title part of a file name (the date and `.md` come on top).
pub const MAX_TITLE_SLUG: usize = 60;
/// Folder for postmortems whose company is unknown.
pub const UNKNOWN_COMPANY: &str = "unknown";

/// One archive copy to have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFile {
    /// Relative to `archive_dir`, `/`-separated: `openai/12-26-2024-api-outage.md`.
    pub path: String,
    /// The file's text.
    pub contents: String,
    /// The listing's [`Listing::canonical_url`]: which postmortem the copy is of.
    pub canonical_url: String,
}

/// What to do with one archive copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveAction {
    /// The file already holds this text.
    Unchanged,
    /// Missing, or pmagg's own and out of date: write it.
    Write,
    /// Someone else's file (or pmagg's, edited since): leave it.
    Keep,
}

/// The archive copies for `listings`, in list order.
pub fn plan_archive(listings: &[Listing]) -> Vec<ArchiveFile> {
    let mut planned: Vec<(String, String, String, &Listing)> = Vec::new();
    for listing in listings {
        let Some(report) = &listing.report else { continue };
        if listing.is_hand_curated() {
            continue;
        }
        let Some(href) = safe_href(&report.url) else { continue };
        let company = slug(listing.company.as_deref().unwrap_or_default(), MAX_COMPANY_SLUG);
        let company = if company.is_empty() { UNKNOWN_COMPANY.to_owned() } else { company };
        let title = slug(
            listing.title.as_deref().or(listing.company.as_deref()).unwrap_or_default(),
            MAX_TITLE_SLUG,
        );
        let title = if title.is_empty() { "postmortem".to_owned() } else { title };
        let stem = format!("{}-{title}", date_part(listing.date));
        let body = inert_markdown(&report.body.replace("\r\n", "\n"));
        let contents = format!("[Source]({href})\n\n{}\n", body.trim_end());
        planned.push((company, stem, contents, listing));
    }
    let mut count: HashMap<(String, String), usize> = HashMap::new();
    for (company, stem, _, _) in &planned {
        *count.entry((company.clone(), stem.clone())).or_default() += 1;
    }
    planned
        .into_iter()
        .map(|(company, stem, contents, listing)| {
            let shared = count[&(company.clone(), stem.clone())] > 1;
            let name = if shared {
                let hash = hex(&Sha256::digest(listing.canonical_url.as_bytes()));
                format!("{stem}-{}", &hash[..8])
            } else {
                stem
            };
            ArchiveFile {
                path: format!("{company}/{name}.md"),
                contents,
                canonical_url: listing.canonical_url.clone(),
            }
        })
        .collect()
}

/// Markdown as it was, except what could run or load something where it is published: raw
/// HTML (blocks and inline tags, comments included) has its `<` written `&lt;`, so it shows
/// as text, unless it is a harmless tag (`img`, `a`, `sub`, `br`... whose attributes are all
/// plain ones with safe URLs: no `on*`, no `style`, no `javascript:`); and a link or image whose destination is not http(s), mailto, or relative
/// (`javascript:`, `data:`, `file:`, `vbscript:`...) is replaced by its text, escaped. Text
/// and code are untouched.
///
/// Defusing can uncover markup: `<!-- x -->[a](javascript:b)` is one HTML block until its `<`
/// is escaped, and then holds a link. So the pass repeats until nothing changes; input that
/// keeps uncovering markup past [`INERT_ROUNDS`] has every `<`, `[` and `]` escaped instead.
pub fn inert_markdown(markdown: &str) -> String {
    let mut text = markdown.to_owned();
    for _ in 0..INERT_ROUNDS {
        let next = inert_pass(&text);
        if next == text {
            return text;
        }
        text = next;
    }
    text.replace('<', "&lt;").replace('[', "\\[").replace(']', "\\]")
}

/// Rounds of [`inert_markdown`] before it escapes everything.
pub const INERT_ROUNDS: usize = 8;

fn inert_pass(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    // The end of an unsafe link being replaced: events inside it are part of its text.
    let mut inside_until = 0;
    let mut link_text = String::new();
    let mut link_range = 0..0;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        if range.start < inside_until {
            if let Event::Text(text) | Event::Code(text) = &event {
                link_text.push_str(text);
            }
            continue;
        }
        if !link_range.is_empty() {
            edits.push((link_range.clone(), escape_inline(&link_text, usize::MAX)));
            link_range = 0..0;
            link_text.clear();
        }
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                let raw = &markdown[range.clone()];
                let defused = defuse_html(raw);
                if defused != raw {
                    edits.push((range, defused));
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if !safe_destination(&dest_url) =>
            {
                inside_until = range.end;
                link_range = range;
            }
            _ => {}
        }
    }
    if !link_range.is_empty() {
        edits.push((link_range, escape_inline(&link_text, usize::MAX)));
    }
    let mut out = String::with_capacity(markdown.len());
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&markdown[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&markdown[at..]);
    out
}

/// Tags kept as written when their attributes are harmless: what GitHub's markdown keeps for
/// images, links and text formatting. No script, style, iframe, object, form or SVG.
const SAFE_TAGS: &[&str] = &[
    "a", "abbr", "b", "br", "code", "del", "details", "em", "i", "img", "kbd", "mark", "p", "pre",
    "s", "small", "strong", "sub", "summary", "sup", "u",
];

/// Attributes kept on [`SAFE_TAGS`]; `href` and `src` must also pass [`safe_destination`].
/// No event handlers (`on*`) and no `style`.
const SAFE_ATTRIBUTES: &[&str] = &["alt", "height", "href", "src", "title", "width", "open"];

/// One start or end tag at the start of the text, with its attributes.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*/?>"#,
    )
    .expect("a constant pattern, checked by the archive tests")
});

/// One attribute: name and value (quoted or not).
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#)
        .expect("a constant pattern, checked by the archive tests")
});

/// Raw HTML with every `<` written `&lt;` except those that open a [`harmless_tag`].
fn defuse_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match TAG.find(rest) {
            Some(tag) if harmless_tag(tag.as_str()) => {
                out.push_str(tag.as_str());
                rest = &rest[tag.end()..];
            }
            _ => {
                out.push_str("&lt;");
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A tag of [`SAFE_TAGS`] with only [`SAFE_ATTRIBUTES`], whose URLs are safe.
fn harmless_tag(tag: &str) -> bool {
    let Some(caps) = TAG.captures(tag) else { return false };
    let name = caps[2].to_ascii_lowercase();
    if !SAFE_TAGS.contains(&name.as_str()) {
        return false;
    }
    ATTRIBUTE.captures_iter(&caps[3]).all(|attribute| {
        let key = attribute[1].to_ascii_lowercase();
        let value = attribute.get(2).or(attribute.get(3)).or(attribute.get(4));
        SAFE_ATTRIBUTES.contains(&key.as_str())
            && (!matches!(key.as_str(), "href" | "src")
                || value.is_some_and(|v| safe_destination(&decode_entities(v.as_str()))))
    })
}

/// Character references a browser would decode in an attribute before reading the URL
/// (`&#106;avascript:`): any `&` makes the value suspect, so it is kept only without one.
fn decode_entities(value: &str) -> String {
    if value.contains('&') { "javascript:".to_owned() } else { value.to_owned() }
}

/// http(s), mailto, or a relative reference (no scheme before the first `/`, `?` or `#`).
fn safe_destination(dest: &str) -> bool {
    let dest = dest.trim();
    let scheme_end = dest.find(':');
    let path_start = dest.find(['/', '?', '#']);
    match scheme_end {
        None => true,
        Some(colon) if path_start.is_some_and(|p| p < colon) => true,
        Some(colon) => {
            let scheme = dest[..colon].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
    }
}

/// Whether to write `desired` over what the file holds (`existing`, `None` when missing),
/// given the SHA-256 recorded when pmagg last wrote it.
pub fn decide(existing: Option<&[u8]>, desired: &[u8], recorded: Option<&str>) -> ArchiveAction {
    match existing {
        None => ArchiveAction::Write,
        Some(existing) if existing == desired => ArchiveAction::Unchanged,
        Some(existing) if recorded == Some(sha256_hex(existing).as_str()) => ArchiveAction::Write,
        Some(_) => ArchiveAction::Keep,
    }
}

/// Hex SHA-256, as recorded for archive copies.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn date_part(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "undated".to_owned(), |d| d.format("%m-%d-%Y").to_string())
}

/// Names Windows reserves for devices, in any folder.
const DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Lowercase ASCII letters and digits joined by single hyphens, at most `max` characters (cut
/// at a hyphen when one is near), never a device name; empty when the text has no ASCII
/// letter or digit.
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    if out.len() > max {
        out.truncate(max);
        if let Some(cut) = out.rfind('-').filter(|&at| at >= max / 2) {
            out.truncate(cut);
        }
        out = out.trim_end_matches('-').to_owned();
    }
    if DEVICE_NAMES.contains(&out.as_str()) {
        out.push_str("-x");
    }
    out
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::model::{CuratedEntry, CuratedOrigin, ListShape, canonical_url};
    use crate::render::listing::ArchivedReport;

    fn listing(company: &str, title: &str, url: &str) -> Listing {
        Listing {
            url: url.into(),
            canonical_url: canonical_url(url),
            canonical_urls: vec![canonical_url(url)],
            title: Some(title.into()),
            company: Some(company.into()),
            company_url: None,
            date: NaiveDate::from_ymd_opt(2024, 2, 21),
            published: None,
            summary: None,
            categories: vec![],
            curated: vec![],
            entry_ids: vec![1],
            sources: vec![],
            decided_by: crate::model::Decision::Classifier,
            report: Some(ArchivedReport {
                url: url.into(),
                body: "## Summary\r\n\r\nIt broke.\n\n".into(),
            }),
            first_seen: None,
        }
    }

    #[test]
    fn slugs_are_bounded_ascii() {
        assert_eq!(slug("../../etc", 40), "etc");
        assert_eq!(slug("Resend Core Outage!", 60), "resend-core-outage");
        assert_eq!(slug("Café — Ünïcode", 60), "caf-n-code");
        assert_eq!(slug("日本語", 60), "");
        assert_eq!(slug("CON", 40), "con-x");
        assert_eq!(slug("a-very-long-title-that-goes-on-and-on", 20), "a-very-long-title");
        assert!(slug(&"x".repeat(500), 60).len() <= 60);
    }

    #[test]
    fn files_are_planned_inside_the_archive() {
        let evil = listing("../../etc", "x](javascript:alert(1)) <script>", "https://e.example/a");
        let files =
            plan_archive(&[evil, listing("Resend", "Core Outage", "https://resend.example/core")]);
        assert_eq!(files[0].path, "etc/02-21-2024-x-javascript-alert-1-script.md");
        assert_eq!(files[1].path, "resend/02-21-2024-core-outage.md");
        assert_eq!(
            files[1].contents,
            "[Source](https://resend.example/core)\n\n## Summary\n\nIt broke.\n"
        );
        for file in &files {
            assert!(!file.path.contains("..") && !file.path.starts_with('/'));
        }
    }

    #[test]
    fn shared_paths_get_a_hash_and_curated_listings_get_no_copy() {
        let a = listing("Acme", "Outage", "https://acme.example/a");
        let b = listing("Acme", "Outage", "https://acme.example/b");
        let mut curated = listing("Acme", "Other", "https://acme.example/c");
        curated.curated.push(CuratedEntry {
            list: "README.md".into(),
            position: 0,
            raw: String::new(),
            shape: ListShape::Dated,
            origin: CuratedOrigin::Import,
            url: curated.url.clone(),
            canonical_url: curated.canonical_url.clone(),
            title: None,
            company: None,
            company_url: None,
            incident_date: None,
            summary: None,
            categories: vec![],
            removed: false,
        });
        let files = plan_archive(&[a, b, curated]);
        assert_eq!(files.len(), 2);
        assert_ne!(files[0].path, files[1].path);
        assert!(
            files[0].path.starts_with("acme/02-21-2024-outage-")
                && files[0].path.len() == "acme/02-21-2024-outage-12345678.md".len()
        );
    }

    #[test]
    fn reports_are_made_inert() {
        let evil = "# Report\n\n<script>alert(1)</script>\n\nText with <img src=x onerror=alert(1)> \
            and [a link](javascript:alert(1)), ![img](data:image/svg+xml,x), \
            <javascript:alert(2)>, [ok](https://e.example/x), [rel](/a/b), [mail](mailto:a@b.c) \
            and [ref][r].\n\n[r]: vbscript:x\n\n`<code>` stays.\n\n<!-- comment -->\n";
        let out = inert_markdown(evil);
        assert_eq!(
            out,
            "# Report\n\n&lt;script>alert(1)&lt;/script>\n\nText with &lt;img src=x onerror=alert(1)> \
            and a link, img, javascript:alert(2), [ok](https://e.example/x), [rel](/a/b), \
            [mail](mailto:a@b.c) and ref.\n\n[r]: vbscript:x\n\n`<code>` stays.\n\n&lt;!-- comment -->\n"
        );
        assert_eq!(inert_markdown(&out), out, "inert markdown stays as it is");
        // Found by tests/fuzz: escaping a comment's `<` uncovered the link after it.
        let hidden = "<!-- x -->[x](javascript:x) and more";
        assert_eq!(inert_markdown(hidden), "&lt;!-- x -->x and more");
        let plain = "## Summary\n\n- A [link](https://a.example/) and `code`.\n";
        assert_eq!(inert_markdown(plain), plain);
    }

    #[test]
    fn harmless_inline_html_is_kept_and_the_rest_defused() {
        let report = "A graph: <img src=\"https://e.example/g.png\" alt=\"errors\" width=\"600\">, \
            <a href=\"https://e.example/\">the page</a>, H<sub>2</sub>O and <br/>.\n\n\
            <img src=\"javascript:alert(1)\"> <img src=\"&#106;avascript:x\"> \
            <img src=x onerror=alert(1)> <a href=\"data:text/html,x\">d</a> \
            <span style=\"x\">s</span> <iframe src=\"https://e.example/\"></iframe>\n";
        let out = inert_markdown(report);
        assert!(
            out.starts_with(
                "A graph: <img src=\"https://e.example/g.png\" alt=\"errors\" width=\"600\">, \
             <a href=\"https://e.example/\">the page</a>, H<sub>2</sub>O and <br/>."
            ),
            "{out}"
        );
        for defused in [
            "&lt;img src=\"javascript:alert(1)\">",
            "&lt;img src=\"&#106;avascript:x\">",
            "&lt;img src=x onerror=alert(1)>",
            "&lt;a href=\"data:text/html,x\">",
            "&lt;span style",
            "&lt;iframe",
        ] {
            assert!(out.contains(defused), "{defused} in {out}");
        }
        assert_eq!(inert_markdown(&out), out, "stable");
    }

    #[test]
    fn only_pmaggs_unedited_files_are_replaced() {
        let old = b"old";
        let recorded = sha256_hex(old);
        assert_eq!(decide(None, b"new", None), ArchiveAction::Write);
        assert_eq!(decide(Some(b"new"), b"new", None), ArchiveAction::Unchanged);
        assert_eq!(decide(Some(old), b"new", Some(&recorded)), ArchiveAction::Write);
        assert_eq!(decide(Some(b"edited"), b"new", Some(&recorded)), ArchiveAction::Keep);
        assert_eq!(decide(Some(old), b"new", None), ArchiveAction::Keep);
    }
}
