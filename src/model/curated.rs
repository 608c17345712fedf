//! Curated lists: their entries as read and written, the list key and the canonical URL
//! duplicates are matched on.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoredPostmortem;

/// How a curated list writes an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListShape {
    /// `- MM-DD-YYYY - [Title](url) by [Company](url)` (awesome-postmortems).
    Dated,
    /// `* [Title - Company - venue](url)` (k8s.af) or a plain `- [Title](url)` bullet.
    Linked,
    /// `[Company](url). Sentences.` under a category heading (danluu/post-mortems).
    Paragraph,
    /// `1. **Summary**: ...` then `**Links**: url` (carlsborg/awesome-postmortems, #16).
    Fields,
}

impl ListShape {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ListShape::Dated => "dated",
            ListShape::Linked => "linked",
            ListShape::Paragraph => "paragraph",
            ListShape::Fields => "fields",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [ListShape::Dated, ListShape::Linked, ListShape::Paragraph, ListShape::Fields]
            .into_iter()
            .find(|shape| shape.as_str() == name)
    }
}

/// Who put a curated entry in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CuratedOrigin {
    /// A person: the entry was in the file when pmagg read it (`pmagg import`, or a hand edit
    /// found by `pmagg render`). Its archive copy, if any, is the curator's.
    Import,
    /// pmagg: `pmagg render` wrote it into the list.
    Render,
}

impl CuratedOrigin {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CuratedOrigin::Import => "import",
            CuratedOrigin::Render => "render",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [CuratedOrigin::Import, CuratedOrigin::Render].into_iter().find(|o| o.as_str() == name)
    }
}

/// One entry of a curated list as the list writes it: its exact bytes and what they say.
///
/// Curated text is authoritative: extraction never overwrites these fields, and an entry that
/// is already in a list keeps its bytes there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CuratedEntry {
    /// The list it belongs to: the list file's path, as [`list_key`] writes it.
    pub list: String,
    /// 0-based place within its list, in file order.
    pub position: u32,
    /// The entry's lines exactly as written (the bullet and its nested lines, or the
    /// paragraph), line endings included.
    pub raw: String,
    /// How it is written.
    pub shape: ListShape,
    /// Who put it there.
    pub origin: CuratedOrigin,
    /// The link as written (a `web.archive.org` wrapper stays).
    pub url: String,
    /// [`canonical_url`] of `url`: what duplicates are matched on.
    pub canonical_url: String,
    /// The title as written (typos included), markdown escapes undone.
    pub title: Option<String>,
    /// The company, when the list names one.
    pub company: Option<String>,
    /// The company's link, when the list gives one (`by [Company](url)`).
    pub company_url: Option<String>,
    /// The incident date the list gives.
    pub incident_date: Option<chrono::NaiveDate>,
    /// The summary as written (link markup removed).
    pub summary: Option<String>,
    /// Categories the list gives (danluu headings, k8s.af `involved`).
    pub categories: Vec<String>,
    /// Deleted from its list by hand: never listed again, even when a source finds it.
    pub removed: bool,
}

/// The key a list file is stored under: the path as given, with `.` components dropped and,
/// when it is absolute and inside `cwd`, made relative to it. So `./README.md`, `README.md`
/// and `/repo/README.md` (run from `/repo`) are one list, on any machine.
pub fn list_key(path: &std::path::Path, cwd: Option<&std::path::Path>) -> String {
    use std::path::Component;
    let relative = cwd.and_then(|cwd| path.strip_prefix(cwd).ok()).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// The original URL inside a Wayback Machine link
/// (`https://web.archive.org/web/<timestamp>[modifier_]/<original>`), when it is an absolute
/// http(s) URL; `None` for any other link.
pub fn unwrap_wayback(url: &str) -> Option<&str> {
    static WAYBACK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)^https?://(?:web|wayback)\.archive\.org/web/\d{1,14}(?:[a-z]{2}_)?/(https?://[^/\s].*)$",
        )
        .expect("the wayback pattern is a valid regex (checked by a test)")
    });
    WAYBACK.captures(url).and_then(|caps| caps.get(1)).map(|original| original.as_str())
}

/// The form of a URL that duplicates are matched on: the Wayback wrapper removed, `https`,
/// a lowercase host without `www.` or a default port, no trailing slash, no fragment and no
/// `utm_*` parameters (other parameters keep their order). Text that is not a URL comes back
/// trimmed and lowercased, so it still matches itself.
pub fn canonical_url(url: &str) -> String {
    let trimmed = url.trim();
    let original = unwrap_wayback(trimmed).unwrap_or(trimmed);
    let Ok(mut parsed) = url::Url::parse(original) else {
        return original.to_lowercase();
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return original.to_lowercase();
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).trim_end_matches('.').to_owned();
    let port = parsed.port().filter(|port| !matches!(port, 80 | 443));
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| !key.to_ascii_lowercase().starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = if kept.is_empty() {
        None
    } else if kept.len() == parsed.query_pairs().count() {
        parsed.query().map(str::to_owned)
    } else {
        Some(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish())
    };
    parsed.set_query(None);
    parsed.set_fragment(None);
    let path = parsed.path().trim_end_matches('/').to_owned();
    let mut out = format!("https://{host}");
    if let Some(port) = port {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(&path);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query);
    }
    // `(`, `)`, `[` and `]` are written percent-encoded in markdown links (so that they cannot
    // end the link): both spellings are the same link.
    if out.contains('%') {
        for (encoded, plain) in [("%28", "("), ("%29", ")"), ("%5B", "["), ("%5D", "]")] {
            out = out.replace(encoded, plain).replace(&encoded.to_ascii_lowercase(), plain);
        }
    }
    out
}

/// What importing a list changed in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CuratedCounts {
    /// Entries stored for the first time.
    pub new: u64,
    /// Entries whose bytes, fields or place changed (or that came back after a removal).
    pub updated: u64,
    /// Entries stored before and unchanged.
    pub unchanged: u64,
    /// Entries of the list that the file no longer has: marked removed.
    pub removed: u64,
}

/// A confirmed postmortem with what a list entry, an archive copy and a feed entry need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListablePostmortem {
    /// The extraction and its ids.
    #[serde(flatten)]
    pub stored: StoredPostmortem,
    /// The entry's link, when extraction found none.
    pub entry_url: Option<String>,
    /// The entry's date, when extraction found none.
    pub entry_published: Option<DateTime<Utc>>,
    /// The report as markdown (the archive copy's body), when stored.
    pub body: Option<String>,
    /// When pmagg first stored the entry (`entries.first_seen`): the feed's `updated`.
    pub first_seen: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls() {
        for (given, expected) in [
            ("https://www.Example.COM/a/b/", "https://example.com/a/b"),
            ("http://example.com", "https://example.com"),
            ("https://example.com/", "https://example.com"),
            ("https://example.com/a#section", "https://example.com/a"),
            ("https://example.com/a?utm_source=x&id=3&UTM_medium=y", "https://example.com/a?id=3"),
            ("https://example.com/a?b=1&a=2", "https://example.com/a?b=1&a=2"),
            ("https://example.com/a?utm_source=rss", "https://example.com/a"),
            ("http://example.com:80/x", "https://example.com/x"),
            ("https://example.com:8443/x", "https://example.com:8443/x"),
            (
                "https://web.archive.org/web/20120704032040/http://www.aws.amazon.com/message/67457/",
                "https://aws.amazon.com/message/67457",
            ),
            ("  https://example.com/a  ", "https://example.com/a"),
            ("not a url", "not a url"),
            ("mailto:A@example.com", "mailto:a@example.com"),
        ] {
            assert_eq!(canonical_url(given), expected, "{given}");
        }
        assert_eq!(
            canonical_url("https://blog.example.com/post/?utm_campaign=a#top"),
            canonical_url("http://www.blog.example.com/post")
        );
    }

    #[test]
    fn list_keys() {
        use std::path::Path;
        assert_eq!(list_key(Path::new("./README.md"), None), "README.md");
        assert_eq!(list_key(Path::new("docs/./list.md"), None), "docs/list.md");
        assert_eq!(list_key(Path::new("/repo/README.md"), Some(Path::new("/repo"))), "README.md");
        assert_eq!(
            list_key(Path::new("/elsewhere/x.md"), Some(Path::new("/repo"))),
            "/elsewhere/x.md"
        );
    }
}
