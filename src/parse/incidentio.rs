//! incident.io status pages: the incident detail document, and how to tell a postmortem there.
//!
//! incident.io pages (status.openai.com and others) answer a Statuspage-compatible
//! `incidents.json`, which `parse/statuspage.rs` reads; their incident ids are
//! ULIDs ([`is_incidentio_id`]). This module reads the *observed* (undocumented) detail
//! document at `/proxy/<domain>/incidents/<id>` ([`detail_url`]) and returns the update that
//! reads as a postmortem ([`report_from_detail`]). Because the shape is observed, not promised,
//! every reader here degrades to `None`: it never fails and never panics. No I/O.
//!
//! What "reads as a postmortem" means is shared with the Statuspage parser: an update with
//! postmortem headings (Root cause, What happened, Impact, Timeline, Remediation, ...), see
//! `super::signals::reads_as_postmortem`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use url::Url;

use super::report;
use super::signals::{postmortem_headings, reads_as_postmortem};
use super::timestamp::api_timestamp;
use crate::model::{Report, TextFormat};

/// Reads the report out of a `/proxy/<domain>/incidents/<id>` detail response.
///
/// A postmortem-like field of the incident (a key naming a postmortem or write-up that holds
/// text, not a link) wins; otherwise the update whose `message_string` reads most like a
/// postmortem, with its `published_at` as `updated_at`. Markdown. `None` when there is neither
/// or the body is not the expected JSON.
pub fn report_from_detail(body: &[u8]) -> Option<Report> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let incident = value.get("incident").unwrap_or(&value).as_object()?;
    if let Some(report) = postmortem_field(incident) {
        return Some(report);
    }
    let updates = incident.get("updates").or_else(|| incident.get("incident_updates"))?;
    let mut best: Option<(usize, Option<DateTime<Utc>>, &str)> = None;
    for update in updates.as_array()? {
        let Some(text) = ["message_string", "body", "message"]
            .iter()
            .find_map(|key| update.get(*key).and_then(Value::as_str))
        else {
            continue;
        };
        if !reads_as_postmortem(text) {
            continue;
        }
        let at = ["published_at", "display_at", "created_at"]
            .iter()
            .find_map(|key| api_timestamp(update.get(*key).and_then(Value::as_str)));
        let score = postmortem_headings(text).parts;
        // More postmortem headings wins; on a tie the later update (a revised write-up).
        if best.as_ref().is_none_or(|(s, a, _)| (score, at) >= (*s, *a)) {
            best = Some((score, at, text));
        }
    }
    best.map(|(_, at, text)| report(text.trim().to_owned(), TextFormat::Markdown, at))
}

/// A field of the incident that holds the postmortem text itself, e.g. `postmortem` or
/// `write_up`, as a string or as an object with the text in a usual key.
fn postmortem_field(incident: &Map<String, Value>) -> Option<Report> {
    incident.iter().find_map(|(key, value)| {
        let key = key.to_ascii_lowercase();
        if !["postmortem", "post_mortem", "write_up", "writeup"].iter().any(|k| key.contains(k)) {
            return None;
        }
        let (text, updated_at) = match value {
            Value::String(text) => (text.as_str(), None),
            Value::Object(object) => {
                let text = ["message_string", "body", "text", "content", "markdown"]
                    .iter()
                    .find_map(|k| object.get(*k).and_then(Value::as_str))?;
                let at = ["updated_at", "published_at"]
                    .iter()
                    .find_map(|k| api_timestamp(object.get(*k).and_then(Value::as_str)));
                (text, at)
            }
            _ => return None,
        };
        let text = text.trim();
        // A link to a write-up is not the write-up.
        let is_link = text.starts_with("http://") || text.starts_with("https://");
        (!text.is_empty() && !is_link)
            .then(|| report(text.to_owned(), TextFormat::Markdown, updated_at))
    })
}

/// The observed detail endpoint of an incident: `<page>/proxy/<domain>/incidents/<id>`.
///
/// `page` is the status site (e.g. `https://status.openai.com`); like the API endpoints, its
/// path is kept as a directory, and its query and fragment are dropped. The id is one escaped
/// path segment.
pub fn detail_url(page: &Url, id: &str) -> Url {
    let domain = page.host_str().unwrap_or_default().to_owned();
    let mut url = page.clone();
    url.set_query(None);
    url.set_fragment(None);
    // Only URLs that cannot be a base (`mailto:`) have no segments; a status page is http(s).
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(["proxy", domain.as_str(), "incidents", id]);
    }
    url
}

/// Whether an incident id is a ULID, as incident.io uses: 26 characters of Crockford base32
/// (digits and letters but I, L, O, U), the first at most `7`. Statuspage ids are 12 characters
/// of base36, so the two never collide.
pub fn is_incidentio_id(id: &str) -> bool {
    id.len() == 26
        && id.starts_with(|c: char| ('0'..='7').contains(&c))
        && id.chars().all(|c| {
            c.is_ascii_digit()
                || (c.is_ascii_alphabetic()
                    && !matches!(c.to_ascii_uppercase(), 'I' | 'L' | 'O' | 'U'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_with_a_postmortem_update() {
        let body = include_bytes!("../../tests/fixtures/incidentio/detail-postmortem.json");
        let report = report_from_detail(body).unwrap();
        assert_eq!(report.format, TextFormat::Markdown);
        assert!(report.text.starts_with("**What happened**"), "{}", report.text);
        assert!(report.text.contains("Root cause"));
        assert_eq!(report.updated_at.unwrap().to_rfc3339(), "2025-06-11T16:20:00+00:00");
        assert_eq!(report.fingerprint.len(), 64);
        // The same body gives the same report.
        assert_eq!(report_from_detail(body).unwrap(), report);
    }

    #[test]
    fn detail_without_a_postmortem() {
        let body = include_bytes!("../../tests/fixtures/incidentio/detail-no-postmortem.json");
        assert_eq!(report_from_detail(body), None);
    }

    #[test]
    fn a_postmortem_field_wins_and_a_link_is_not_a_report() {
        let body = include_bytes!("../../tests/fixtures/incidentio/detail-postmortem-field.json");
        let report = report_from_detail(body).unwrap();
        assert!(report.text.starts_with("## Summary"), "{}", report.text);
        assert_eq!(report.updated_at.unwrap().to_rfc3339(), "2025-03-02T09:00:00+00:00");

        let link = br#"{"incident": {"name": "x", "postmortem_url": "https://example.com/pm",
            "updates": [{"message_string": "Resolved.", "to_status": "resolved"}]}}"#;
        assert_eq!(report_from_detail(link), None);
    }

    #[test]
    fn odd_shapes_are_none_not_panics() {
        for body in [
            &b""[..],
            b"<html>not json</html>",
            b"[]",
            b"null",
            b"{\"incident\": null}",
            b"{\"incident\": {\"updates\": \"no\"}}",
            b"{\"incident\": {\"updates\": [null, 3, {\"message_string\": 7}]}}",
            b"{\"incident\": {\"postmortem\": {\"body\": 1}}}",
        ] {
            assert_eq!(report_from_detail(body), None, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn detail_urls() {
        let page = Url::parse("https://status.openai.com/?utm_source=x#top").unwrap();
        assert_eq!(
            detail_url(&page, "01JXCAW3K3JAE0EP56AEZ5CBG3").as_str(),
            "https://status.openai.com/proxy/status.openai.com/incidents/01JXCAW3K3JAE0EP56AEZ5CBG3"
        );
        let nested = Url::parse("http://127.0.0.1:8089/s0001").unwrap();
        assert_eq!(
            detail_url(&nested, "a/b").as_str(),
            "http://127.0.0.1:8089/s0001/proxy/127.0.0.1/incidents/a%2Fb"
        );
    }

    #[test]
    fn ulids() {
        assert!(is_incidentio_id("01M3ACKDE4GYY67FXXNRRSC0CE"));
        assert!(is_incidentio_id("01jxcaw3k3jae0ep56aez5cbg3"));
        // Statuspage ids, wrong length, letters outside Crockford base32, too large.
        for id in ["yk38z6cwh8l1", "01M3ACKDE4GYY67FXXNRRSC0C", "01M3ACKDE4GYY67FXXNRRSC0CU"] {
            assert!(!is_incidentio_id(id), "{id}");
        }
        assert!(!is_incidentio_id("81M3ACKDE4GYY67FXXNRRSC0CE"));
        assert!(!is_incidentio_id("01M3ACKDE4GYY67FXXNRRSC0É"));
    }
}
