//! RSS 0.9x/1.0/2.0, Atom and JSON Feed via feed-rs.
//!
//! feed-rs gets the raw bytes so it honours the encoding the XML declares. Links are resolved
//! against the URL the feed was fetched from, and only http(s) links are kept. Each item gets an
//! identity as feed readers agree on it (see [`EntryIdentity`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use quick_xml::events::Event;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use url::Url;

use super::{ParseError, content_hash, seal};
use crate::model::{Entry, EntryIdentity};

/// One parsed item before identities are assigned.
struct Item {
    guid: Option<String>,
    url: Option<String>,
    title: Option<String>,
    published: Option<DateTime<Utc>>,
    summary: Option<String>,
    content: Option<String>,
}

/// Parses a feed body into entries.
pub fn parse_feed(
    body: &[u8],
    base: &Url,
    content_type: Option<&str>,
) -> Result<Vec<Entry>, ParseError> {
    parse_first_items(body, base, content_type, usize::MAX)
}

/// Parses the first `max` items of a feed body (`settings.max_items`). The rest are cut off
/// before feed-rs sees them, as it builds a large value per item: a feed of 100,000 items would
/// cost it 150 MB. A body declared UTF-8 with a few invalid bytes in it is read with U+FFFD in
/// their place rather than not at all.
pub fn parse_first_items(
    body: &[u8],
    base: &Url,
    content_type: Option<&str>,
    max: usize,
) -> Result<Vec<Entry>, ParseError> {
    // feed-rs (and the quick-xml under it) panic on some malformed documents, e.g. an XML
    // declaration after text: a panic there is this body's parse error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_first_items(body, base, content_type, max)
    }))
    .unwrap_or_else(|_| {
        Err(ParseError::Format {
            url: base.clone(),
            detail: "the feed is malformed in a way the feed parser cannot handle".into(),
        })
    })
}

fn read_first_items(
    body: &[u8],
    base: &Url,
    content_type: Option<&str>,
    max: usize,
) -> Result<Vec<Entry>, ParseError> {
    let cut = first_items(body, max);
    let body = cut.as_deref().unwrap_or(body);
    // feed-rs invents an id when an item has none; an empty one tells us there was no GUID,
    // which the identity rules below need to know.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(body).or_else(|error| {
        // Invalid UTF-8 in a feed that does not declare another encoding: read it lossily.
        match std::str::from_utf8(body) {
            Err(_) if !declares_encoding(body) => {
                parser.parse(String::from_utf8_lossy(body).as_bytes()).map_err(|_| error)
            }
            _ => Err(error),
        }
    });
    let feed = feed.map_err(|source| ParseError::Feed {
        url: base.clone(),
        hint: hint(content_type, body),
        source: Box::new(source),
    })?;

    let items: Vec<Item> = feed
        .entries
        .into_iter()
        .map(|entry| {
            let url = entry
                .links
                .iter()
                .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
                .or_else(|| entry.links.first())
                .and_then(|link| resolve(base, &link.href));
            Item {
                guid: Some(entry.id.trim().to_owned()).filter(|id| !id.is_empty()),
                url,
                title: entry.title.map(|t| t.content.trim().to_owned()).filter(|t| !t.is_empty()),
                published: entry.published.or(entry.updated),
                summary: entry.summary.map(|t| t.content).filter(|s| !s.trim().is_empty()),
                content: entry.content.and_then(|c| c.body).filter(|s| !s.trim().is_empty()),
            }
        })
        .collect();

    Ok(assign_identities(items))
}

/// Resolves a link against the feed URL; only http(s) results are kept.
fn resolve(base: &Url, href: &str) -> Option<String> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// GUID; GUID plus link when GUIDs repeat in this feed; link; else title plus content.
/// Items that end up with the same identity are the same item: the first one is kept.
fn assign_identities(items: Vec<Item>) -> Vec<Entry> {
    let mut guid_counts: HashMap<&str, usize> = HashMap::new();
    for guid in items.iter().filter_map(|item| item.guid.as_deref()) {
        *guid_counts.entry(guid).or_default() += 1;
    }
    let identities: Vec<EntryIdentity> = items
        .iter()
        .map(|item| {
            let identity = match (&item.guid, &item.url) {
                (Some(guid), Some(url)) if guid_counts[guid.as_str()] > 1 => {
                    format!("guid+link:{guid} {url}")
                }
                (Some(guid), _) => format!("guid:{guid}"),
                (None, Some(url)) => format!("link:{url}"),
                (None, None) => format!(
                    "hash:{}",
                    content_hash([
                        item.title.as_deref(),
                        item.content.as_deref().or(item.summary.as_deref())
                    ])
                ),
            };
            EntryIdentity::new(identity)
        })
        .collect();

    let mut seen = HashSet::new();
    items
        .into_iter()
        .zip(identities)
        .filter(|(_, identity)| seen.insert(identity.clone()))
        .map(|(item, identity)| {
            seal(Entry {
                identity,
                url: item.url,
                title: item.title,
                published: item.published,
                summary: item.summary,
                content: item.content,
                ..Entry::default()
            })
        })
        .collect()
}

/// Whether an XML body's declaration names an encoding other than UTF-8.
fn declares_encoding(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
    let Some(declaration) = head.strip_prefix("<?xml").and_then(|d| d.split("?>").next()) else {
        return false;
    };
    declaration.split("encoding=").nth(1).is_some_and(|value| {
        let value = value.trim_start_matches(['"', '\'']);
        !value.starts_with("utf-8") && !value.starts_with("utf8")
    })
}

/// Whether the body has at most `max` item or entry start tags, by a byte search that may
/// overcount (the words in text, closing tags) but never undercounts: a tag named `item` or
/// `entry` is written `<item`, `<entry` or, with a prefix, `:item`, `:entry`. Most feeds are
/// under the limit, and this spares them an XML pass over the whole body.
fn item_tags_at_most(body: &[u8], max: usize) -> bool {
    let mut count = 0;
    for tag in [&b"<item"[..], b"<entry", b":item", b":entry"] {
        count += memchr::memmem::find_iter(body, tag).take(max.saturating_add(1)).count();
        if count > max {
            return false;
        }
    }
    true
}

/// The body cut after its `max`-th item, when it has more: XML closed properly after that
/// item, JSON Feed re-serialized with `items` shortened. `None` when there is nothing to cut or
/// the body cannot be read here (feed-rs then reads it whole and reports what is wrong).
fn first_items(body: &[u8], max: usize) -> Option<Vec<u8>> {
    if max == usize::MAX {
        return None;
    }
    let start = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return first_json_items(start, max);
    }
    if item_tags_at_most(body, max) {
        return None;
    }
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut items = 0;
    loop {
        let is_item = |name: &str| name == "item" || name == "entry";
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(element) => open.push(element.name().into_inner().to_owned()),
            Event::End(element) => {
                open.pop();
                items += usize::from(is_item(element.local_name().into_inner()));
            }
            Event::Empty(element) => {
                items += usize::from(is_item(element.local_name().into_inner()));
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
        if items >= max {
            let at = usize::try_from(reader.buffer_position()).ok()?;
            let mut cut = body.get(..at)?.to_vec();
            for name in open.iter().rev() {
                cut.extend_from_slice(b"</");
                cut.extend_from_slice(name.as_bytes());
                cut.push(b'>');
            }
            return Some(cut);
        }
    }
}

/// A JSON Feed with at most `max` items; the others are skipped without being built.
fn first_json_items(body: &[u8], max: usize) -> Option<Vec<u8>> {
    struct Feed(usize);
    struct Items(usize);

    impl<'de> DeserializeSeed<'de> for Feed {
        type Value = serde_json::Map<String, serde_json::Value>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Feed {
        type Value = serde_json::Map<String, serde_json::Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON Feed object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = if key == "items" {
                    map.next_value_seed(Items(self.0))?
                } else {
                    map.next_value()?
                };
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    impl<'de> DeserializeSeed<'de> for Items {
        type Value = serde_json::Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Items {
        type Value = serde_json::Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of items")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut kept = Vec::new();
            while kept.len() < self.0 {
                match seq.next_element()? {
                    Some(item) => kept.push(item),
                    None => return Ok(serde_json::Value::Array(kept)),
                }
            }
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(serde_json::Value::Array(kept))
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let feed = Feed(max).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    serde_json::to_vec(&feed).ok()
}

/// Says what came back instead of a feed, when the content type or the first bytes tell.
fn hint(content_type: Option<&str>, body: &[u8]) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    if body.iter().all(u8::is_ascii_whitespace) {
        " (the body is empty)".to_owned()
    } else if content_type.is_some_and(|ct| ct.contains("html"))
        || head.contains("<html")
        || head.contains("<!doctype html")
    {
        " (an HTML page came back; is the URL the feed's, not the site's?)".to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://blog.example/feeds/all.xml").unwrap()
    }

    #[test]
    fn rss_items_with_relative_links() {
        let rss = br#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link>
<item><title>Post-mortem of the March 3 outage</title><link>/2024/03/outage/</link>
<guid isPermaLink="false">p-1</guid><pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>
<description>What broke</description></item>
<item><title>No guid</title><link>https://blog.example/2024/02/x/</link></item>
</channel></rss>"#;
        let entries = parse_feed(rss, &base(), None).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].identity.as_str(), "guid:p-1");
        assert_eq!(entries[0].url.as_deref(), Some("https://blog.example/2024/03/outage/"));
        assert_eq!(entries[0].summary.as_deref(), Some("What broke"));
        assert_eq!(entries[0].published.unwrap().to_rfc3339(), "2024-03-05T10:00:00+00:00");
        assert_eq!(entries[1].identity.as_str(), "link:https://blog.example/2024/02/x/");
    }

    #[test]
    fn repeated_guids_add_the_link_and_no_guid_no_link_hashes() {
        let rss = br#"<rss version="2.0"><channel><title>B</title>
<item><title>A</title><guid>same</guid><link>https://b.example/a</link></item>
<item><title>B</title><guid>same</guid><link>https://b.example/b</link></item>
<item><title>Only a title</title><description>text</description></item>
</channel></rss>"#;
        let entries = parse_feed(rss, &base(), None).unwrap();
        assert_eq!(entries[0].identity.as_str(), "guid+link:same https://b.example/a");
        assert_eq!(entries[1].identity.as_str(), "guid+link:same https://b.example/b");
        assert!(entries[2].identity.as_str().starts_with("hash:"));
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<updated>2024-01-01T00:00:00Z</updated>
<entry><title>Incident report</title><id>urn:e1</id><link href="e1.html"/>
<updated>2024-01-02T00:00:00Z</updated><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"#;
        let entries = parse_feed(atom, &base(), None).unwrap();
        assert_eq!(entries[0].identity.as_str(), "guid:urn:e1");
        assert_eq!(entries[0].url.as_deref(), Some("https://blog.example/feeds/e1.html"));
        assert_eq!(entries[0].content.as_deref(), Some("<p>Body</p>"));

        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
{"id":"1","url":"https://j.example/1","title":"RCA: API outage","content_text":"x","date_published":"2024-05-01T12:00:00Z"}]}"#;
        let entries = parse_feed(json, &base(), Some("application/feed+json")).unwrap();
        assert_eq!(entries[0].identity.as_str(), "guid:1");
        assert_eq!(entries[0].title.as_deref(), Some("RCA: API outage"));
    }

    #[test]
    fn unsafe_links_are_dropped_and_html_gets_a_hint() {
        let rss = br#"<rss version="2.0"><channel><title>B</title>
<item><title>x</title><guid>1</guid><link>javascript:alert(1)</link></item></channel></rss>"#;
        assert_eq!(parse_feed(rss, &base(), None).unwrap()[0].url, None);
        let err =
            parse_feed(b"<!DOCTYPE html><html><body>hi</body></html>", &base(), Some("text/html"))
                .unwrap_err();
        assert!(err.to_string().contains("HTML page"), "{err}");
    }

    #[test]
    fn item_tags_are_never_undercounted() {
        let prefixed = b"<a:feed><a:entry/><a:entry x='1'></a:entry><a:entry></a:entry></a:feed>";
        assert!(!item_tags_at_most(prefixed, 2), "three prefixed entries are more than two");
        assert!(item_tags_at_most(prefixed, 6), "opening and closing tags count at most twice");
        assert!(!item_tags_at_most(b"<item/><item>x</item>", 1));
        assert!(item_tags_at_most(b"<rss><channel><title>none</title></channel></rss>", 0));
    }

    #[test]
    fn only_the_first_items_are_read() {
        use std::fmt::Write as _;
        let rss = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>B</title>{}</channel></rss>",
            (0..50).fold(String::new(), |mut items, i| {
                let _ = write!(items, "<item><title>t{i}</title><guid>{i}</guid></item>");
                items
            })
        );
        let entries = parse_first_items(rss.as_bytes(), &base(), None, 3).unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e.identity.as_str()).collect();
        assert_eq!(ids, ["guid:0", "guid:1", "guid:2"]);
        assert_eq!(parse_first_items(rss.as_bytes(), &base(), None, 500).unwrap().len(), 50);

        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title><id>urn:t</id>\
            <entry><id>a</id><title>A</title></entry><entry><id>b</id><title>B</title></entry>\
            <entry><id>c</id><title>C</title></entry></feed>";
        assert_eq!(parse_first_items(atom.as_bytes(), &base(), None, 2).unwrap().len(), 2);

        let json = format!(
            "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"J\",\"items\":[{}]}}",
            (0..20)
                .map(|i| format!("{{\"id\":\"{i}\",\"title\":\"t\"}}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let entries = parse_first_items(json.as_bytes(), &base(), None, 4).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[3].identity.as_str(), "guid:3");
    }

    #[test]
    fn invalid_utf8_is_read_lossily_unless_another_encoding_is_declared() {
        let mut rss = b"<rss version=\"2.0\"><channel><title>B</title><item><title>Bad ".to_vec();
        rss.extend_from_slice(&[0xff, 0xfe]);
        rss.extend_from_slice(b" bytes</title><guid>1</guid></item></channel></rss>");
        let entries = parse_feed(&rss, &base(), None).unwrap();
        assert_eq!(entries[0].title.as_deref(), Some("Bad \u{fffd}\u{fffd} bytes"));
        assert!(declares_encoding(b"<?xml version=\"1.0\" encoding='windows-1252'?><rss/>"));
        assert!(!declares_encoding(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>"));
        assert!(!declares_encoding(b"<rss/>"));
    }

    #[test]
    fn bodies_that_make_feed_rs_panic_are_parse_errors() {
        // Found by tests/fuzz: an XML declaration after text makes quick-xml (under feed-rs)
        // panic when it switches encodings.
        let body = b"Mon, 01 Jan 1900 00:00:00 GMT</feed><?xml version=\"1.0\" encoding=\"ISO-8859-1\"?></entry>";
        let err = parse_feed(body, &base(), None).unwrap_err();
        assert!(err.to_string().contains("malformed"), "{err}");
    }

    #[test]
    fn declared_encoding_is_honoured() {
        let mut rss = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>B</title><item><title>Caf".to_vec();
        rss.push(0xe9);
        rss.extend_from_slice(b" outage</title><guid>1</guid></item></channel></rss>");
        let entries = parse_feed(&rss, &base(), None).unwrap();
        assert_eq!(entries[0].title.as_deref(), Some("Café outage"));
    }
}
