//! Bytes → entries. Synchronous and pure: no I/O, no clock, no database.
//!
//! One file per source kind; [`parse_entries`] dispatches on the configured kind.

pub mod discover;
pub mod document;
pub mod feed;
pub mod front_matter;
pub mod gcp;
pub mod html;
pub mod incidentio;
pub mod list;
pub mod nesting;
pub(crate) mod signals;
pub mod sniff;
pub mod statuspage;
pub(crate) mod timestamp;
pub mod wayback;

use chrono::{DateTime, Utc};
use regex::Regex;
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::{Settings, Source, defaults};
use crate::model::{Document, Entry, Report, SourceKind, TextFormat};

/// What a fetched body is, which decides its parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// Statuspage v2 `incidents.json` (also served by incident.io).
    StatuspageIncidents,
    /// Google Cloud `incidents.json`.
    GcpIncidents,
    /// An HTML index page read with the source's selectors.
    HtmlIndex,
    /// A curated markdown list.
    MarkdownList,
}

/// One URL to fetch for a source and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What to fetch.
    pub url: Url,
    /// How to parse it.
    pub format: Format,
}

/// Where a source's data lives, best first. The pipeline tries the next endpoint only when
/// the one before it fails (incident.io pages fall back to their Atom feed).
pub fn endpoints(source: &Source) -> Vec<Endpoint> {
    let at = |path: &str, format| Endpoint { url: join(&source.url, path), format };
    match source.kind {
        SourceKind::Feed => vec![Endpoint { url: source.url.clone(), format: Format::Feed }],
        SourceKind::Statuspage => vec![at("api/v2/incidents.json", Format::StatuspageIncidents)],
        SourceKind::Incidentio => vec![
            at("api/v2/incidents.json", Format::StatuspageIncidents),
            at("feed.atom", Format::Feed),
        ],
        // The config may name the JSON file itself or the status site.
        SourceKind::Gcp if source.url.path().to_ascii_lowercase().ends_with(".json") => {
            vec![Endpoint { url: source.url.clone(), format: Format::GcpIncidents }]
        }
        SourceKind::Gcp => vec![at("incidents.json", Format::GcpIncidents)],
        SourceKind::Html => vec![Endpoint { url: source.url.clone(), format: Format::HtmlIndex }],
        SourceKind::List => {
            vec![Endpoint { url: source.url.clone(), format: Format::MarkdownList }]
        }
    }
}

/// `base` + `path`, treating `base` as a directory whether or not it ends in a slash.
fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{trimmed}/{path}"));
    url
}

/// What one body may cost to parse: the `[settings]` limits that parse enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries kept from one body, the first ones as the source lists them.
    pub max_items: usize,
    /// Bytes of an article or report page (or a feed item's full content) that are read.
    pub max_report_bytes: usize,
    /// HTML nesting read: an index page nested deeper is refused, an article is cut there.
    pub max_nesting_depth: usize,
}

impl Limits {
    /// The limits `[settings]` sets.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            max_items: settings.max_items,
            max_report_bytes: usize::try_from(settings.max_report_bytes).unwrap_or(usize::MAX),
            max_nesting_depth: settings.max_nesting_depth,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_items: defaults::MAX_ITEMS,
            max_report_bytes: defaults::MAX_REPORT_BYTES as usize,
            max_nesting_depth: defaults::MAX_NESTING_DEPTH,
        }
    }
}

/// Decides from a feed item's title and summary whether it may be a postmortem. The pipeline
/// passes the extractor's prescreen; parse itself knows no classification.
pub type Prescreen<'a> = &'a dyn Fn(Option<&str>, Option<&str>) -> bool;

/// Parses the first `limits.max_items` entries of a fetched body, then applies the source's
/// `filter` and marks postmortem candidates among feed items with `prescreen`.
pub fn parse_entries(
    source: &Source,
    format: Format,
    body: &[u8],
    base: &Url,
    content_type: Option<&str>,
    prescreen: Prescreen<'_>,
    limits: Limits,
) -> Result<Vec<Entry>, ParseError> {
    let mut entries = match format {
        Format::Feed => feed::parse_first_items(body, base, content_type, limits.max_items)?,
        Format::StatuspageIncidents => statuspage::parse_incidents(body, &source.url)?,
        Format::GcpIncidents => gcp::parse_incidents(body, base)?,
        Format::HtmlIndex => match &source.html {
            Some(selectors) => {
                html::parse_index_within(body, base, selectors, limits.max_nesting_depth)?
            }
            None => {
                return Err(ParseError::Format {
                    url: base.clone(),
                    detail: "no selectors configured".into(),
                });
            }
        },
        Format::MarkdownList => list::parse_list(body, base)?,
    };
    entries.truncate(limits.max_items);
    if let Some(filter) = &source.filter {
        entries.retain(|entry| matches_filter(filter, entry));
    }
    if format == Format::Feed {
        for entry in &mut entries {
            // With a filter, every kept item was chosen as a candidate by the curator.
            entry.candidate = source.filter.is_some()
                || prescreen(entry.title.as_deref(), entry.summary.as_deref());
        }
    }
    if matches!(format, Format::Feed | Format::HtmlIndex | Format::MarkdownList) {
        for entry in entries.iter_mut().filter(|e| e.candidate && e.report.is_none()) {
            match entry.content.as_deref() {
                // A feed that carries the whole article saves fetching it.
                Some(content) if content.len() >= FULL_CONTENT_BYTES => {
                    let content = nesting::within_depth(
                        prefix(content, limits.max_report_bytes),
                        limits.max_nesting_depth,
                    );
                    entry.report = Some(report(content.to_owned(), TextFormat::Html, None));
                }
                // Otherwise the article is the report: the pipeline fetches it while none is
                // stored.
                _ => entry.report_url.clone_from(&entry.url),
            }
            *entry = seal(std::mem::take(entry));
        }
        // A whole article is kept only as a candidate's report (above). A plain post's body
        // is not what pmagg collects: it would make most of the database, and most of a cold
        // pass's writes, other people's blog posts. Its hash, sealed above, still tells
        // when it changes.
        for entry in &mut entries {
            if entry.content.as_ref().is_some_and(|c| c.len() >= FULL_CONTENT_BYTES) {
                entry.content = None;
            }
        }
    }
    Ok(entries)
}

/// Feed content at least this long is taken as the whole article (a summary is shorter).
pub const FULL_CONTENT_BYTES: usize = 2_000;

/// Reads a report page fetched from an entry's `report_url`: a Statuspage incident page, an
/// incident.io detail document, or (for feeds, index pages and lists) the article itself,
/// reduced to its main content as markdown. Of a page, only the first
/// `limits.max_report_bytes` are read (an article is at the top, and a page costs about
/// fifteen times its size to read), and only up to where it nests deeper than
/// `limits.max_nesting_depth`.
pub fn parse_report(
    source: &Source,
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    limits: Limits,
) -> Option<Report> {
    let page = &body[..body.len().min(limits.max_report_bytes)];
    match source.kind {
        SourceKind::Statuspage => {
            let page = String::from_utf8_lossy(page);
            statuspage::postmortem_from_page(
                nesting::within_depth(&page, limits.max_nesting_depth).as_bytes(),
            )
        }
        SourceKind::Incidentio => incidentio::report_from_detail(body),
        SourceKind::Feed | SourceKind::Gcp | SourceKind::Html | SourceKind::List => {
            let document = document::parse_document_within(
                page,
                content_type,
                Some(url),
                source.content_selector.as_ref(),
                limits.max_nesting_depth,
                document::Reading::MarkdownOnly,
            );
            if document.markdown.trim().is_empty() {
                return None;
            }
            Some(report(titled_markdown(&document), TextFormat::Markdown, None))
        }
    }
}

/// The document's markdown under its title as a level-1 heading: readability drops the
/// `<h1>` from the content, and the stored report must keep it for (re-)extraction.
fn titled_markdown(document: &Document) -> String {
    let markdown = document.markdown.trim_start();
    match &document.title {
        Some(title) if !markdown.starts_with(&format!("# {title}")) => {
            // The title is fetched text: escaped, it reads back as the same words and can
            // never become a link or HTML in the stored report or its archive copy.
            let mut escaped = String::with_capacity(title.len() + 8);
            for c in title.chars().filter(|c| !c.is_control()) {
                match c {
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '&' => escaped.push_str("&amp;"),
                    c if "\\`*_[]()!#|".contains(c) => {
                        escaped.push('\\');
                        escaped.push(c);
                    }
                    c => escaped.push(c),
                }
            }
            format!("# {escaped}\n\n{markdown}")
        }
        _ => markdown.to_owned(),
    }
}

/// At most the first `max` bytes of `text`, cut on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A stored report as a [`Document`] for extraction.
pub fn report_document(report: &Report) -> Document {
    let content_type = match report.format {
        TextFormat::Markdown => "text/markdown",
        TextFormat::Html => "text/html",
        TextFormat::Text => "text/plain",
    };
    document::parse_document(report.text.as_bytes(), Some(content_type), None, None)
}

fn matches_filter(filter: &Regex, entry: &Entry) -> bool {
    entry.title.as_deref().is_some_and(|t| filter.is_match(t))
        || entry.summary.as_deref().is_some_and(|s| filter.is_match(s))
}

/// Why a body could not be parsed. Each variant names the URL it came from.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not a feed feed-rs can read.
    #[error("{url} is not a valid RSS, Atom or JSON feed{hint}")]
    Feed {
        /// Where the body came from.
        url: Url,
        /// A hint from the content type, e.g. that an HTML page came back.
        hint: String,
        /// What the parser said.
        #[source]
        source: Box<feed_rs::parser::ParseFeedError>,
    },
    /// JSON that does not have the expected shape.
    #[error("{url} is not {what}")]
    Json {
        /// Where the body came from.
        url: Url,
        /// What was expected, e.g. "a Statuspage incidents.json".
        what: &'static str,
        /// What serde said (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A body that is readable but not in the expected shape.
    #[error("cannot read {url}: {detail}")]
    Format {
        /// Where the body came from.
        url: Url,
        /// What is wrong.
        detail: String,
    },
}

/// Sets `entry.content_hash` from every field but the report (whose changes count as
/// revisions on their own). Every parser finishes its entries with this, so that "changed"
/// means the same thing for every kind.
pub(crate) fn seal(mut entry: Entry) -> Entry {
    let published = entry.published.map(|p| p.to_rfc3339());
    let categories = entry.categories.join("\u{1f}");
    let incident = entry.incident.as_ref().and_then(|i| serde_json::to_string(i).ok());
    entry.content_hash = content_hash([
        entry.url.as_deref(),
        entry.title.as_deref(),
        published.as_deref(),
        entry.summary.as_deref(),
        entry.content.as_deref(),
        entry.company.as_deref(),
        Some(categories.as_str()),
        Some(if entry.candidate { "candidate" } else { "" }),
        entry.report_url.as_deref(),
        incident.as_deref(),
    ]);
    entry
}

/// A report with its fingerprint (text and `updated_at`).
pub(crate) fn report(
    text: String,
    format: TextFormat,
    updated_at: Option<DateTime<Utc>>,
) -> Report {
    let stamp = updated_at.map(|t| t.to_rfc3339());
    let fingerprint = content_hash([Some(text.as_str()), stamp.as_deref()]);
    Report { text, format, updated_at, fingerprint }
}

/// Hex SHA-256 over the parts, each followed by a separator that cannot appear in text.
pub(crate) fn content_hash<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        match part {
            Some(text) => {
                hasher.update([1u8]);
                hasher.update(text.as_bytes());
            }
            None => hasher.update([0u8]),
        }
        hasher.update([0xffu8]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A string that is not blank (the status-page readers' optional fields).
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain post's full text is not stored; a candidate's becomes its report; both keep a
    /// content hash that still sees a change to the dropped text.
    #[test]
    fn full_feed_content_is_kept_only_as_a_candidates_report() {
        let config = crate::config::parse(
            "[[source]]\nname = \"b\"\nkind = \"feed\"\nurl = \"https://b.example/feed\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let body = |words: &str| {
            let article = format!("<p>{}</p>", words.repeat(200));
            format!(
                r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>B</title>
                <item><title>Incident report: checkout outage on May 3</title><link>https://b.example/pm</link><guid>pm</guid>
                <description>Checkout was down for an hour.</description><content:encoded><![CDATA[{article}]]></content:encoded></item>
                <item><title>Why we moved to Rust</title><link>https://b.example/rust</link><guid>rust</guid>
                <description>A migration story.</description><content:encoded><![CDATA[{article}]]></content:encoded></item>
                </channel></rss>"#
            )
        };
        let url = Url::parse("https://b.example/feed").unwrap();
        let parse = |text: &str| {
            let mut entries = parse_entries(
                &config.sources[0],
                Format::Feed,
                text.as_bytes(),
                &url,
                Some("application/rss+xml"),
                &|title: Option<&str>, _: Option<&str>| {
                    title.is_some_and(|t| t.contains("Incident report"))
                },
                Limits::default(),
            )
            .unwrap();
            entries.sort_by(|a, b| a.identity.as_str().cmp(b.identity.as_str()));
            entries
        };
        let entries = parse(&body("The checkout API failed. "));
        let (pm, plain) = (&entries[0], &entries[1]);
        assert_eq!((pm.identity.as_str(), plain.identity.as_str()), ("guid:pm", "guid:rust"));
        assert!(pm.candidate && !plain.candidate);
        assert!(pm.report.as_ref().is_some_and(|r| r.text.contains("The checkout API failed.")));
        assert_eq!(pm.content, None, "the report holds it");
        assert_eq!(plain.content, None, "a plain post's full text is not kept");
        assert_eq!(plain.summary.as_deref(), Some("A migration story."));

        let edited = parse(&body("The checkout API broke. "));
        assert_ne!(edited[1].content_hash, plain.content_hash, "an edit is still seen");
    }

    #[test]
    fn article_reports_keep_their_title() {
        let page = b"<html><head><title>Incident report: API errors | Acme</title></head><body>\
            <article><h1>Incident report: API errors</h1><h2>Summary</h2><p>The API failed for an \
            hour because a certificate expired, and we renewed it.</p><h2>Impact</h2><p>Every \
            request failed with errors for an hour while the certificate was expired.</p>\
            </article></body></html>";
        let config = crate::config::parse(
            "[[source]]\nname = \"b\"\nkind = \"feed\"\nurl = \"https://b.example/feed\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let url = Url::parse("https://b.example/pm").unwrap();
        let report =
            parse_report(&config.sources[0], page, Some("text/html"), &url, Limits::default())
                .unwrap();
        assert!(report.text.starts_with("# Incident report: API errors\n"), "{}", report.text);
        assert_eq!(report_document(&report).title.as_deref(), Some("Incident report: API errors"));

        let hostile = b"<html><head><title>x](javascript:alert(1)) <b>hi</b></title></head>\
            <body><article><p>The API failed for an hour because a certificate expired, and we \
            renewed it after an hour of errors for every request.</p></article></body></html>";
        let report =
            parse_report(&config.sources[0], hostile, Some("text/html"), &url, Limits::default())
                .unwrap();
        assert!(!report.text.contains("](javascript:"), "{}", report.text);
        assert!(!report.text.contains("<b>"), "{}", report.text);
        assert!(report.text.starts_with("# x\\]\\(javascript:alert\\(1\\)\\)"), "{}", report.text);
    }

    #[test]
    fn endpoints_per_kind() {
        let config = crate::config::parse(
            "[[source]]\nname = \"s\"\nkind = \"statuspage\"\nurl = \"https://www.githubstatus.com\"\n\
             [[source]]\nname = \"i\"\nkind = \"incidentio\"\nurl = \"https://status.openai.com/\"\n\
             [[source]]\nname = \"g\"\nkind = \"gcp\"\nurl = \"https://status.cloud.google.com/incidents.json\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let urls: Vec<Vec<String>> = config
            .sources
            .iter()
            .map(|s| endpoints(s).into_iter().map(|e| e.url.to_string()).collect())
            .collect();
        assert_eq!(urls[0], ["https://www.githubstatus.com/api/v2/incidents.json"]);
        assert_eq!(
            urls[1],
            [
                "https://status.openai.com/api/v2/incidents.json",
                "https://status.openai.com/feed.atom"
            ]
        );
        assert_eq!(urls[2], ["https://status.cloud.google.com/incidents.json"]);
    }

    #[test]
    fn content_hash_separates_fields() {
        assert_ne!(content_hash([Some("ab"), Some("c")]), content_hash([Some("a"), Some("bc")]));
        assert_ne!(content_hash([None, Some("")]), content_hash([Some(""), None]));
        assert_eq!(content_hash([Some("x")]).len(), 64);
    }
}
