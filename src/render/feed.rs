//! The Atom feed of the newest postmortems (`settings.feed`), for readers who subscribe to the
//! list.
//!
//! Takes [`Listing`]s in list order; returns the feed as XML text (RFC 4287, written by
//! `atom_syndication`). Pure and deterministic: no clock is read. An entry's `updated` is when
//! pmagg first stored it (so a 2017 incident found today is dated today, #16), else when its
//! report was published, else its incident date at midnight UTC; the feed's is the newest of
//! those, and the newest finds come first. Entry ids are the links as found (not rewritten to https), so a reader sees an
//! entry once even when its text changes. With `settings.feed_url` the feed names itself with
//! a `rel="self"` link. Characters XML cannot carry (control characters) are dropped.

use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text, WriteConfig};
use chrono::{DateTime, NaiveTime};

use super::listing::Listing;
use crate::listfmt::safe_href;

/// Feed title when `settings.feed_title` is unset.
pub const DEFAULT_TITLE: &str = crate::config::defaults::FEED_TITLE;
/// Entries in the feed when `settings.feed_entries` is unset.
pub const DEFAULT_ENTRIES: usize = crate::config::defaults::FEED_ENTRIES;
/// The feed's id when `settings.feed_link` is unset.
pub const DEFAULT_ID: &str = "urn:pmagg:postmortems";

/// What the feed says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSettings {
    /// Its title.
    pub title: String,
    /// The public page of the list (the feed's id and `alternate` link), when known.
    pub link: Option<String>,
    /// Where the feed itself is published (its `rel="self"` link, RFC 4287 §4.2.7.2), when
    /// known.
    pub self_link: Option<String>,
    /// How many entries it holds.
    pub entries: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            title: DEFAULT_TITLE.to_owned(),
            link: None,
            self_link: None,
            entries: DEFAULT_ENTRIES,
        }
    }
}

/// The feed's XML: the first `settings.entries` listings with an http(s) link.
pub fn render_feed(
    listings: &[Listing],
    settings: &FeedSettings,
) -> Result<String, atom_syndication::Error> {
    // The newest finds first: a 2017 incident found today is news to a reader (#16). Listings
    // never stored by pmagg (only curated lists have them) follow, in list order.
    let mut newest_found: Vec<&Listing> = listings.iter().collect();
    newest_found.sort_by_key(|listing| std::cmp::Reverse(listing.first_seen));
    let entries: Vec<Entry> = newest_found
        .into_iter()
        .filter_map(|listing| Some((listing, safe_href(&listing.url)?)))
        .take(settings.entries)
        .map(|(listing, href)| entry(listing, href))
        .collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_else(epoch);
    let link = settings.link.as_deref().and_then(safe_href);
    let feed = Feed {
        title: Text::plain(xml_text(&settings.title)),
        id: link.clone().unwrap_or_else(|| DEFAULT_ID.to_owned()),
        updated,
        links: link
            .map(|href| Link { href, ..Link::default() })
            .into_iter()
            .chain(settings.self_link.as_deref().and_then(safe_href).map(|href| Link {
                href,
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Link::default()
            }))
            .collect(),
        generator: Some(atom_syndication::Generator {
            value: "pmagg".to_owned(),
            uri: Some(crate::config::defaults::PROJECT_URL.to_owned()),
            version: None,
        }),
        entries,
        ..Feed::default()
    };
    let config = WriteConfig { write_document_declaration: true, indent_size: Some(2) };
    let bytes = feed.write_with_config(Vec::new(), config)?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    text.push('\n');
    Ok(text)
}

fn entry(listing: &Listing, href: String) -> Entry {
    let company = listing.company.as_deref().map(xml_text).filter(|c| !c.is_empty());
    let title = listing
        .title
        .as_deref()
        .or(listing.company.as_deref())
        .map_or_else(|| href.clone(), xml_text);
    let midnight = listing.date.map(|d| d.and_time(NaiveTime::MIN).and_utc().fixed_offset());
    // When pmagg first added it, else when it was published, else its incident date.
    let updated = listing
        .first_seen
        .or(listing.published)
        .map(|t| t.fixed_offset())
        .or(midnight)
        .unwrap_or_else(epoch);
    let mut summary = String::new();
    if let Some(date) = listing.date {
        summary.push_str("Incident on ");
        summary.push_str(&date.format("%Y-%m-%d").to_string());
        if let Some(company) = &company {
            summary.push_str(" at ");
            summary.push_str(company);
        }
        summary.push_str(". ");
    }
    if let Some(text) = &listing.summary {
        summary.push_str(&xml_text(text));
    }
    Entry {
        title: Text::plain(title),
        // The link as the list or source gave it: readers key entries on their ids, and
        // rewriting http to https (as canonical_url does) made old entries new again (#16).
        id: listing.url.clone(),
        updated,
        authors: vec![Person {
            name: company.unwrap_or_else(|| "unknown".to_owned()),
            uri: listing.company_url.as_deref().and_then(safe_href),
            ..Person::default()
        }],
        links: vec![Link { href, ..Link::default() }],
        published: midnight,
        summary: Some(Text::plain(summary.trim().to_owned())).filter(|s| !s.value.is_empty()),
        categories: listing
            .categories
            .iter()
            .map(|c| Category { term: xml_text(c), ..Category::default() })
            .collect(),
        ..Entry::default()
    }
}

fn epoch() -> FixedDateTime {
    DateTime::UNIX_EPOCH.fixed_offset()
}

/// Text without what XML 1.0 forbids, whitespace collapsed.
fn xml_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{fffe}' | '\u{ffff}'))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _};

    use super::*;
    use crate::model::canonical_url;

    fn listing(date: &str, title: &str, url: &str) -> Listing {
        Listing {
            url: url.into(),
            canonical_url: canonical_url(url),
            canonical_urls: vec![],
            title: Some(title.into()),
            company: Some("Acme & <Co>".into()),
            company_url: Some("https://acme.example/".into()),
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
            published: None,
            summary: Some("It \u{1}broke.".into()),
            categories: vec!["database".into()],
            curated: vec![],
            entry_ids: vec![],
            sources: vec![],
            decided_by: crate::model::Decision::Classifier,
            report: None,
            first_seen: None,
        }
    }

    #[test]
    fn feed_parses_back_with_the_newest_entries() {
        let listings = [
            listing("2024-03-01", "Newest <b>", "https://a.example/1"),
            listing("2024-02-01", "Bad link", "javascript:alert(1)"),
            listing("2024-01-01", "Older", "https://a.example/2"),
            listing("2023-01-01", "Oldest", "https://a.example/3"),
        ];
        let settings = FeedSettings { entries: 2, ..FeedSettings::default() };
        let xml = render_feed(&listings, &settings).unwrap();
        assert_eq!(xml, render_feed(&listings, &settings).unwrap(), "deterministic");
        let feed = Feed::read_from(xml.as_bytes()).unwrap();
        assert_eq!(feed.title.value, DEFAULT_TITLE);
        assert_eq!(feed.id, DEFAULT_ID);
        let titles: Vec<_> = feed.entries.iter().map(|e| e.title.value.as_str()).collect();
        assert_eq!(titles, ["Newest <b>", "Older"]);
        let first = &feed.entries[0];
        assert_eq!(first.id, "https://a.example/1");
        assert_eq!(first.links[0].href, "https://a.example/1");
        assert_eq!(first.authors[0].name, "Acme & <Co>");
        assert_eq!(
            first.summary.as_ref().unwrap().value,
            "Incident on 2024-03-01 at Acme & <Co>. It broke."
        );
        assert_eq!(feed.updated.to_rfc3339(), "2024-03-01T00:00:00+00:00");
        assert!(xml.contains("&lt;b&gt;"));
    }

    #[test]
    fn a_find_of_today_is_dated_today_first_and_keeps_its_link_as_id() {
        let found_today = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 9, 30, 0).unwrap();
        let mut old = listing("2017-02-01", "Old incident", "http://old.example/pm");
        old.first_seen = Some(found_today);
        let mut known = listing("2024-03-01", "Known", "https://a.example/1");
        known.first_seen = Some(found_today - chrono::Duration::days(30));
        let listings = [known, listing("2024-01-01", "Curated only", "https://a.example/2"), old];
        let settings = FeedSettings {
            self_link: Some("https://list.example/feed.xml".into()),
            ..FeedSettings::default()
        };
        let feed = Feed::read_from(render_feed(&listings, &settings).unwrap().as_bytes()).unwrap();
        let titles: Vec<_> = feed.entries.iter().map(|e| e.title.value.as_str()).collect();
        assert_eq!(titles, ["Old incident", "Known", "Curated only"]);
        assert_eq!(feed.entries[0].updated, found_today.fixed_offset());
        assert_eq!(feed.entries[0].id, "http://old.example/pm", "not rewritten to https");
        assert_eq!(feed.updated, found_today.fixed_offset());
        let own = feed.links.iter().find(|l| l.rel == "self").expect("a rel=self link");
        assert_eq!(own.href, "https://list.example/feed.xml");
    }

    #[test]
    fn an_empty_feed_is_valid() {
        let xml = render_feed(&[], &FeedSettings::default()).unwrap();
        let feed = Feed::read_from(xml.as_bytes()).unwrap();
        assert!(feed.entries.is_empty());
        assert_eq!(feed.updated.timestamp(), 0);
    }
}
