//! Discovery: what kind of source a URL is, decided from bodies already fetched.
//!
//! Takes bytes (a page, a feed, a JSON document, an OPML file) and returns what they say about
//! the source: a feed's title, a status API's page name, the feeds an HTML page links to. Pure
//! and synchronous like the rest of `parse`: it never fetches, so `commands` decides which
//! URLs to try (in the order `pmagg sources add --help` documents) and hands the bodies here.
//!
//! How a status page is told apart (Statuspage or incident.io), from its
//! `/api/v2/incidents.json` (or `summary.json`), which both platforms serve in the same shape
//! (`{"page": {...}, "incidents": [...]}`):
//!
//! 1. incident.io when any id in the document (`page.id`, an incident's, an update's or a
//!    component's) is a ULID: 26 characters of Crockford base32, the first one `0`–`7`.
//!    Statuspage ids are 12 lowercase base36 characters, which can never be a ULID.
//! 2. Else incident.io when the site's own HTML page says so: a `src`/`href` on an
//!    `incident.io` host, a `<meta name="generator">` naming incident.io, or "Powered by
//!    incident.io" in its text. This covers a page with no incidents yet.
//! 3. Else Statuspage.

pub mod opml;

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use crate::config::defaults::MAX_NESTING_DEPTH;
use crate::model::SourceKind;

/// Paths below a status site where its Statuspage-compatible API answers, tried in order.
pub const STATUS_API_PATHS: &[&str] = &["api/v2/incidents.json", "api/v2/summary.json"];

/// Where feeds usually live when a page does not link to one, tried in order, below the URL
/// (as a folder).
pub const COMMON_FEED_PATHS: &[&str] =
    &["feed.xml", "atom.xml", "rss.xml", "feed/", "rss/", "index.xml"];

/// The `Accept` header while discovering: feeds, JSON and HTML are all welcome.
pub const DISCOVER_ACCEPT: &str = "application/atom+xml, application/rss+xml, \
     application/feed+json, application/json;q=0.9, text/html;q=0.9, application/xml;q=0.8, \
     text/xml;q=0.8, */*;q=0.5";

/// The feed MIME types a `<link rel="alternate">` may announce.
const FEED_TYPES: &[&str] =
    &["application/rss+xml", "application/atom+xml", "application/feed+json"];

/// Names are cut to this many characters: page titles can be whole sentences.
const MAX_NAME_CHARS: usize = 80;

/// What a body that parses as a feed says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSummary {
    /// The feed's title, whitespace collapsed.
    pub title: Option<String>,
    /// How many items it carries.
    pub items: usize,
}

/// Reads a body as RSS, Atom or JSON Feed; `None` when it is none of them.
pub fn sniff_feed(body: &[u8], base: &Url) -> Option<FeedSummary> {
    let parser = feed_rs::parser::Builder::new().base_uri(Some(base.as_str())).build();
    let feed = parser.parse(body).ok()?;
    Some(FeedSummary {
        title: feed.title.and_then(|t| clean_name(&t.content)),
        items: feed.entries.len(),
    })
}

/// What a Statuspage-compatible API document (`incidents.json`, `summary.json`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusApi {
    /// `page.name`: the organisation, usually ("GitHub", "OpenAI").
    pub page_name: Option<String>,
    /// `page.url`: the human status site.
    pub page_url: Option<Url>,
    /// Whether any id in the document is a ULID (see the module docs).
    pub has_ulid_ids: bool,
}

/// Reads a Statuspage-compatible API document: a JSON object with a `page` object. `None`
/// for anything else.
pub fn sniff_status_api(body: &[u8]) -> Option<StatusApi> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let page = json.get("page")?.as_object()?;
    let text = |key: &str| page.get(key).and_then(Value::as_str);
    // Arrays of objects with ids: the incidents (and their updates), and components.
    let mut ids: Vec<&str> = text("id").into_iter().collect();
    for list in ["incidents", "components", "scheduled_maintenances"] {
        for item in json.get(list).and_then(Value::as_array).into_iter().flatten() {
            ids.extend(item.get("id").and_then(Value::as_str));
            let updates = item.get("incident_updates").and_then(Value::as_array);
            ids.extend(updates.into_iter().flatten().filter_map(|u| u.get("id")?.as_str()));
        }
    }
    Some(StatusApi {
        page_name: text("name").and_then(clean_name),
        page_url: text("url").and_then(|u| http_url(u, None)),
        has_ulid_ids: ids.into_iter().any(is_ulid),
    })
}

/// Which platform serves a status API: incident.io or Statuspage, by the rules in the module
/// docs. `landing_html` is the site's own page, when one was fetched.
pub fn status_platform(api: &StatusApi, landing_html: Option<&[u8]>) -> SourceKind {
    if api.has_ulid_ids || landing_html.is_some_and(is_incidentio_html) {
        SourceKind::Incidentio
    } else {
        SourceKind::Statuspage
    }
}

/// A ULID: 26 characters of Crockford base32 (no I, L, O, U), the first `0`–`7` (a 48-bit
/// timestamp leads). Case-insensitive, as the spec allows.
pub fn is_ulid(id: &str) -> bool {
    id.len() == 26
        && id.bytes().next().is_some_and(|b| (b'0'..=b'7').contains(&b))
        && id.bytes().all(|b| {
            let b = b.to_ascii_uppercase();
            b.is_ascii_digit()
                || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
        })
}

/// Whether an HTML page is an incident.io status page (rule 2 of the module docs).
pub fn is_incidentio_html(html: &[u8]) -> bool {
    static LINKED: LazyLock<Selector> = LazyLock::new(|| selector("[src], [href]"));
    static GENERATOR: LazyLock<Selector> = LazyLock::new(|| selector("meta[name][content]"));
    let text = String::from_utf8_lossy(html);
    if !text.to_ascii_lowercase().contains("incident.io") {
        return false;
    }
    let document = Html::parse_document(super::nesting::within_depth(&text, MAX_NESTING_DEPTH));
    // Text nodes joined with spaces, so that words in separate elements stay apart.
    let words = document.root_element().text().collect::<Vec<_>>().join(" ").to_lowercase();
    let words: Vec<&str> = words.split_whitespace().collect();
    if words.windows(3).any(|w| w == ["powered", "by", "incident.io"]) {
        return true;
    }
    let on_incidentio_host = |value: &str| {
        Url::parse(value)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|host| host == "incident.io" || host.ends_with(".incident.io"))
    };
    document.select(&LINKED).any(|element| {
        let attrs = element.value();
        attrs.attr("src").is_some_and(on_incidentio_host)
            || attrs.attr("href").is_some_and(on_incidentio_host)
    }) || document.select(&GENERATOR).any(|meta| {
        let attrs = meta.value();
        attrs.attr("name").is_some_and(|n| n.eq_ignore_ascii_case("generator"))
            && attrs.attr("content").is_some_and(|c| c.to_ascii_lowercase().contains("incident.io"))
    })
}

/// Whether a body is a Google Cloud style `incidents.json`: a JSON array of objects with an
/// `id`, a `begin` time and a service (`service_name`, `affected_products` or
/// `external_desc`). An empty array says nothing and is not recognised.
pub fn sniff_gcp(body: &[u8]) -> bool {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    !items.is_empty()
        && items.iter().take(5).all(|item| {
            item.get("id").is_some_and(Value::is_string)
                && item.get("begin").is_some_and(Value::is_string)
                && ["service_name", "affected_products", "external_desc"]
                    .iter()
                    .any(|key| item.get(*key).is_some())
        })
}

/// A feed an HTML page announces with `<link rel="alternate">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// The feed, resolved against the page (and its `<base href>`).
    pub url: Url,
    /// The announced type, e.g. `application/atom+xml`.
    pub mime: String,
    /// The link's `title`, if any.
    pub title: Option<String>,
}

/// What an HTML page says about itself: its title and the feeds it links to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlPage {
    /// `og:site_name`, else `<title>`, whitespace collapsed.
    pub title: Option<String>,
    /// Feeds from `<link rel="alternate">`, in document order, except that comment feeds
    /// (WordPress announces "Comments Feed" beside the posts) come last.
    pub feeds: Vec<FeedLink>,
}

/// Reads an HTML page's title and feed links; `base` is the URL it was fetched from.
pub fn read_html_page(html: &[u8], base: &Url) -> HtmlPage {
    static BASE: LazyLock<Selector> = LazyLock::new(|| selector("base[href]"));
    static LINKS: LazyLock<Selector> = LazyLock::new(|| selector("link[rel][href]"));
    static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
    static SITE_NAME: LazyLock<Selector> =
        LazyLock::new(|| selector("meta[property='og:site_name'][content]"));

    let text = String::from_utf8_lossy(html);
    let document = Html::parse_document(super::nesting::within_depth(&text, MAX_NESTING_DEPTH));
    // <base href> changes what relative links resolve against (HTML §4.2.3).
    let base = document
        .select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| base.join(href.trim()).ok())
        .unwrap_or_else(|| base.clone());

    let mut seen = HashSet::new();
    let (mut feeds, mut comment_feeds) = (Vec::new(), Vec::new());
    for link in document.select(&LINKS) {
        let attrs = link.value();
        let is_alternate = attrs.attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace().any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        // The MIME type without parameters (`application/rss+xml; charset=utf-8`).
        let mime = attrs
            .attr("type")
            .and_then(|t| t.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !is_alternate || !FEED_TYPES.contains(&mime.as_str()) {
            continue;
        }
        let Some(url) = attrs.attr("href").and_then(|href| http_url(href, Some(&base))) else {
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title = attrs.attr("title").and_then(clean_name);
        let is_comments = title.as_deref().is_some_and(|t| t.to_lowercase().contains("comments"))
            || url.path().to_ascii_lowercase().contains("/comments/");
        let found = FeedLink { url, mime, title };
        if is_comments { comment_feeds.push(found) } else { feeds.push(found) }
    }
    feeds.extend(comment_feeds);

    let site_name = document
        .select(&SITE_NAME)
        .next()
        .and_then(|meta| meta.value().attr("content"))
        .and_then(clean_name);
    let title = site_name.or_else(|| {
        document.select(&TITLE).next().and_then(|t| clean_name(&t.text().collect::<String>()))
    });
    HtmlPage { title, feeds }
}

/// Whether a body is an HTML page, by its content type or its first bytes.
pub fn looks_like_html(body: &[u8], content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html")) {
        return true;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<head")
}

/// `base` + `path`, with `base` taken as a folder whether or not it ends in a slash, and
/// without its query or fragment.
pub fn below(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    let folder = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{folder}/{path}"));
    url
}

/// The site a status API URL belongs to: `https://x/api/v2/incidents.json` →
/// `https://x/`. `None` when the URL is not below an `/api/v2/` folder.
pub fn status_site_of_api_url(url: &Url) -> Option<Url> {
    let path = url.path();
    let at = path.find("/api/v2/")?;
    let mut site = url.clone();
    site.set_path(&path[..=at]);
    site.set_query(None);
    site.set_fragment(None);
    Some(site)
}

/// The root of the URL's site: scheme, host and port.
pub fn site_root(url: &Url) -> Url {
    let mut root = url.clone();
    root.set_path("/");
    root.set_query(None);
    root.set_fragment(None);
    // Credentials have no place in a company URL.
    let _ = root.set_username("");
    let _ = root.set_password(None);
    root
}

/// A name for a source that says nothing about itself: its host without `www.`.
pub fn name_from_host(url: &Url) -> String {
    let host = url.host_str().unwrap_or("unnamed");
    host.strip_prefix("www.").unwrap_or(host).to_owned()
}

/// Collapses whitespace and cuts a title to a usable name; `None` when nothing is left.
pub fn clean_name(text: &str) -> Option<String> {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return None;
    }
    if collapsed.chars().count() <= MAX_NAME_CHARS {
        return Some(collapsed);
    }
    let cut: String = collapsed.chars().take(MAX_NAME_CHARS).collect();
    // Cut at a word boundary when there is one in the second half.
    let cut = match cut.rfind(' ') {
        Some(space) if space > MAX_NAME_CHARS / 2 => cut[..space].to_owned(),
        _ => cut,
    };
    Some(cut.trim_end_matches([' ', '-', '|', ':', ',']).to_owned())
}

/// Parses an http(s) URL, resolving it against `base` when one is given.
fn http_url(text: &str, base: Option<&Url>) -> Option<Url> {
    let text = text.trim();
    let url = match base {
        Some(base) => base.join(text).ok()?,
        None => Url::parse(text).ok()?,
    };
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("discovery selectors are constants checked by the tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn alternate_links_are_found_resolved_and_ordered() {
        let html = br#"<!DOCTYPE html><html><head>
<title>
   Acme   Engineering
</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Acme &raquo; Comments Feed" href="/comments/feed/">
<link rel="Alternate" type="application/rss+xml; charset=utf-8" title="Acme &raquo; Feed" href="/feed/">
<link rel="alternate" type="application/atom+xml" href="https://acme.example/atom.xml">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/feed+json" href="feed.json">
<link rel="alternate" type="application/rss+xml" href="/feed/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body></body></html>"#;
        let page = read_html_page(html, &url("https://acme.example/blog/"));
        assert_eq!(page.title.as_deref(), Some("Acme Engineering"));
        let urls: Vec<_> = page.feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://acme.example/feed/",
                "https://acme.example/atom.xml",
                "https://acme.example/blog/feed.json",
                "https://acme.example/comments/feed/",
            ]
        );
        assert_eq!(page.feeds[0].mime, "application/rss+xml");
        assert_eq!(page.feeds[0].title.as_deref(), Some("Acme » Feed"));
    }

    #[test]
    fn base_href_and_site_name_win() {
        let html = br#"<html><head><base href="https://cdn.example/b/">
<meta property="og:site_name" content="Acme Blog"><title>A post | Acme Blog</title>
<link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>"#;
        let page = read_html_page(html, &url("https://acme.example/"));
        assert_eq!(page.title.as_deref(), Some("Acme Blog"));
        assert_eq!(page.feeds[0].url.as_str(), "https://cdn.example/b/atom.xml");
    }

    #[test]
    fn a_page_without_feeds() {
        let page = read_html_page(b"<p>hello", &url("https://a.example/"));
        assert_eq!(page, HtmlPage::default());
    }

    #[test]
    fn feeds_are_sniffed_and_json_documents_are_not_feeds() {
        let rss = br#"<rss version="2.0"><channel><title> Acme
  Blog </title><item><title>x</title></item></channel></rss>"#;
        let base = url("https://acme.example/feed.xml");
        assert_eq!(
            sniff_feed(rss, &base),
            Some(FeedSummary { title: Some("Acme Blog".into()), items: 1 })
        );
        assert_eq!(sniff_feed(br#"{"page":{"id":"x"},"incidents":[]}"#, &base), None);
        assert_eq!(sniff_feed(b"[]", &base), None);
        assert_eq!(sniff_feed(b"<!doctype html><html></html>", &base), None);
    }

    #[test]
    fn ulids() {
        assert!(is_ulid("01M3ACKDE4GYY67FXXNRRSC0CE"));
        assert!(is_ulid("01h9zxkq4t5bqg2m0y1v3c6d7e"));
        // Too short, a leading 8 (beyond 48 bits), and letters Crockford leaves out.
        assert!(!is_ulid("01M3ACKDE4GYY67FXXNRRSC0C"));
        assert!(!is_ulid("81M3ACKDE4GYY67FXXNRRSC0CE"));
        assert!(!is_ulid("01M3ACKDE4GYY67FXXNRRSC0CU"));
        assert!(!is_ulid("01M3ACKDE4GYY67FXXNRRSC0-E"));
        // A Statuspage id.
        assert!(!is_ulid("yh6f0r4529hb"));
    }

    const STATUSPAGE: &[u8] = br#"{"page":{"id":"kctbh9vrtdwd","name":"GitHub","url":"https://www.githubstatus.com","time_zone":"Etc/UTC","updated_at":"2024-03-05T10:00:00Z"},
"incidents":[{"id":"yh6f0r4529hb","name":"Disruption with some GitHub services","status":"resolved",
"incident_updates":[{"id":"rmxq9n5mz0c5","status":"resolved","body":"This incident has been resolved."}]}]}"#;

    const INCIDENTIO: &[u8] = br#"{"page":{"id":"01JMYB4B9N6AT5XH8W7RQNWVKF","name":"OpenAI","url":"https://status.openai.com"},
"incidents":[{"id":"01M3ACKDE4GYY67FXXNRRSC0CE","name":"Elevated errors","status":"resolved","incident_updates":[]}]}"#;

    #[test]
    fn statuspage_and_incidentio_are_told_apart_by_their_ids() {
        let github = sniff_status_api(STATUSPAGE).unwrap();
        assert_eq!(github.page_name.as_deref(), Some("GitHub"));
        assert_eq!(
            github.page_url.as_ref().map(Url::as_str),
            Some("https://www.githubstatus.com/")
        );
        assert!(!github.has_ulid_ids);
        assert_eq!(status_platform(&github, None), SourceKind::Statuspage);

        let openai = sniff_status_api(INCIDENTIO).unwrap();
        assert!(openai.has_ulid_ids);
        assert_eq!(status_platform(&openai, None), SourceKind::Incidentio);

        // Only an incident's id is a ULID (page ids vary): still incident.io.
        let mixed =
            br#"{"page":{"id":"openai"},"incidents":[{"id":"01M3ACKDE4GYY67FXXNRRSC0CE"}]}"#;
        assert!(sniff_status_api(mixed).unwrap().has_ulid_ids);

        assert_eq!(sniff_status_api(b"[]"), None);
        assert_eq!(sniff_status_api(br#"{"incidents":[]}"#), None);
        assert_eq!(sniff_status_api(br#"{"page":"x"}"#), None);
    }

    #[test]
    fn a_quiet_incidentio_page_is_recognised_by_its_html() {
        let quiet = sniff_status_api(br#"{"page":{"id":"openai","name":"OpenAI"},"incidents":[]}"#)
            .unwrap();
        assert_eq!(status_platform(&quiet, None), SourceKind::Statuspage);
        for html in [
            &br#"<html><head><script src="https://app.incident.io/static/status.js"></script></head></html>"#[..],
            br#"<html><head><meta name="generator" content="incident.io"></head></html>"#,
            b"<html><body><footer>Powered by\n  <b>incident.io</b></footer></body></html>",
        ] {
            assert!(is_incidentio_html(html), "{}", String::from_utf8_lossy(html));
            assert_eq!(status_platform(&quiet, Some(html)), SourceKind::Incidentio);
        }
        // Mentioning incident.io in prose, or a look-alike host, is not enough.
        assert!(!is_incidentio_html(b"<p>We compared incident.io and others</p>"));
        assert!(!is_incidentio_html(br#"<a href="https://notincident.io/x">x</a>"#));
    }

    #[test]
    fn gcp_incidents_are_recognised() {
        let gcp =
            br#"[{"id":"MfiGCW4E26MPGRnCJ8by","number":"1","begin":"2021-07-27T09:00:00+00:00",
"external_desc":"GCS errors","service_name":"Google Cloud Storage","updates":[]}]"#;
        assert!(sniff_gcp(gcp));
        assert!(!sniff_gcp(b"[]"));
        assert!(!sniff_gcp(br#"[{"id":"1"}]"#));
        assert!(!sniff_gcp(STATUSPAGE));
        assert!(!sniff_gcp(b"not json"));
    }

    #[test]
    fn html_is_recognised() {
        assert!(looks_like_html(b"x", Some("text/html; charset=utf-8")));
        assert!(looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>", None));
        assert!(!looks_like_html(b"<?xml version=\"1.0\"?><rss>", Some("application/rss+xml")));
    }

    #[test]
    fn urls_below_a_site_and_its_root() {
        let site = url("https://status.example.com");
        assert_eq!(
            below(&site, "api/v2/incidents.json").as_str(),
            "https://status.example.com/api/v2/incidents.json"
        );
        let blog = url("https://acme.example/blog?page=2#top");
        assert_eq!(below(&blog, "feed/").as_str(), "https://acme.example/blog/feed/");
        assert_eq!(
            site_root(&url("https://u:p@acme.example:8443/blog/x")).as_str(),
            "https://acme.example:8443/"
        );
        let api = url("https://www.githubstatus.com/api/v2/incidents.json?x=1");
        assert_eq!(status_site_of_api_url(&api).unwrap().as_str(), "https://www.githubstatus.com/");
        assert_eq!(status_site_of_api_url(&blog), None);
        assert_eq!(name_from_host(&url("https://www.acme.example/x")), "acme.example");
    }

    #[test]
    fn names_are_cleaned_and_bounded() {
        assert_eq!(clean_name("  a \n b "), Some("a b".into()));
        assert_eq!(clean_name(" \n "), None);
        let long = "word ".repeat(40);
        let name = clean_name(&long).unwrap();
        assert!(name.chars().count() <= MAX_NAME_CHARS && name.ends_with("word"), "{name}");
    }
}
