//! Google Cloud and Google Workspace `incidents.json`.
//!
//! Takes the bytes of the flat incidents array (`status.cloud.google.com/incidents.json`; Google
//! Workspace publishes the same format) and the URL they came from, and returns one [`Entry`]
//! per incident with its timeline in UTC. An incident whose updates include an "Incident
//! Report" or "Mini Incident Report" is a candidate, with that update as its report.
//!
//! Pure: no I/O, no clock. Unknown fields are ignored and nulls read as absent; a value of the
//! wrong type is a [`ParseError::Json`] naming the URL, never a panic.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use super::timestamp::api_timestamp;
use super::{ParseError, report, seal};
use crate::model::{Decision, Entry, EntryIdentity, Incident, IncidentUpdate, Report, TextFormat};

/// What a body that fails to parse was expected to be.
const WHAT: &str = "a Google Cloud incidents.json";

#[derive(Deserialize)]
struct RawIncident {
    id: Option<String>,
    begin: Option<String>,
    created: Option<String>,
    end: Option<String>,
    external_desc: Option<String>,
    updates: Option<Vec<RawUpdate>>,
    most_recent_update: Option<RawUpdate>,
    status_impact: Option<String>,
    severity: Option<String>,
    service_name: Option<String>,
    affected_products: Option<Vec<RawProduct>>,
    uri: Option<String>,
}

#[derive(Deserialize)]
struct RawUpdate {
    created: Option<String>,
    modified: Option<String>,
    when: Option<String>,
    text: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct RawProduct {
    title: Option<String>,
}

/// One update, read.
struct Update {
    at: Option<DateTime<Utc>>,
    modified: Option<DateTime<Utc>>,
    status: Option<String>,
    text: String,
}

impl From<RawUpdate> for Update {
    fn from(raw: RawUpdate) -> Self {
        Update {
            at: api_timestamp(raw.when.as_deref())
                .or_else(|| api_timestamp(raw.created.as_deref())),
            modified: api_timestamp(raw.modified.as_deref()),
            status: super::non_blank(raw.status),
            text: raw.text.unwrap_or_default(),
        }
    }
}

/// Parses the incidents array; an incident with an "Incident Report" update is a candidate.
///
/// `base` is the URL the JSON was fetched from: incident links (`incidents/<id>`) resolve
/// against its directory. Incidents without an id cannot be recognised again and are skipped.
pub fn parse_incidents(body: &[u8], base: &Url) -> Result<Vec<Entry>, ParseError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let incidents: Vec<RawIncident> = serde_json::from_slice(body)
        .map_err(|source| ParseError::Json { url: base.clone(), what: WHAT, source })?;
    Ok(incidents.into_iter().filter_map(|raw| entry(raw, base)).collect())
}

fn entry(raw: RawIncident, base: &Url) -> Option<Entry> {
    let id = raw.id.as_deref().map(str::trim).filter(|id| !id.is_empty())?.to_owned();
    let mut updates: Vec<Update> =
        raw.updates.unwrap_or_default().into_iter().rev().map(Update::from).collect();
    // Google lists updates newest first: reversed, equal times keep their real order.
    updates.sort_by_key(|u| u.at);
    let latest = raw.most_recent_update.map(Update::from);
    let latest = latest.as_ref().or(updates.last());

    let postmortem = incident_report(&updates);
    let link = super::non_blank(raw.uri).unwrap_or_else(|| format!("incidents/{id}"));
    let components = match raw.affected_products {
        Some(products) if products.iter().any(|p| p.title.is_some()) => {
            products.into_iter().filter_map(|p| super::non_blank(p.title)).collect()
        }
        _ => super::non_blank(raw.service_name).into_iter().collect(),
    };
    let incident = Incident {
        status: latest
            .and_then(|u| u.status.clone())
            .or_else(|| super::non_blank(raw.status_impact))
            .unwrap_or_default(),
        impact: super::non_blank(raw.severity),
        started_at: api_timestamp(raw.begin.as_deref()),
        resolved_at: api_timestamp(raw.end.as_deref()),
        components,
        updates: updates
            .iter()
            .map(|u| IncidentUpdate { at: u.at, status: u.status.clone(), text: u.text.clone() })
            .collect(),
    };
    Some(seal(Entry {
        identity: EntryIdentity::new(format!("incident:{id}")),
        url: base
            .join(link.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .map(String::from),
        title: super::non_blank(raw.external_desc).map(|t| t.trim().to_owned()),
        published: api_timestamp(raw.created.as_deref())
            .or_else(|| api_timestamp(raw.begin.as_deref())),
        summary: latest.and_then(|u| first_paragraph(&u.text)),
        candidate: postmortem.is_some(),
        // Google's incident report is the publisher's word (issue #15).
        vouched_by: postmortem.is_some().then_some(Decision::Publisher),
        report: postmortem,
        incident: Some(incident),
        ..Entry::default()
    }))
}

/// The latest update that is an incident report, as Markdown with its `modified` time.
fn incident_report(updates: &[Update]) -> Option<Report> {
    updates
        .iter()
        .rev()
        .find(|u| is_incident_report(&u.text))
        .map(|u| report(u.text.trim().to_owned(), TextFormat::Markdown, u.modified))
}

/// Whether an update is an "Incident Report" or "Mini Incident Report": the phrase opens a
/// line (`# Incident Report`, `**Mini Incident Report**`), or it appears in a text that also
/// names a root cause. "A preliminary incident report will follow" alone is not one.
fn is_incident_report(text: &str) -> bool {
    let lower = text.to_lowercase();
    if !lower.contains("incident report") {
        return false;
    }
    let opens_a_line = lower.lines().any(|line| {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || "#*_>".contains(c));
        line.starts_with("incident report") || line.starts_with("mini incident report")
    });
    opens_a_line || lower.contains("root cause")
}

/// The first paragraph of a Markdown text as one plain line: headings and blank lines are
/// skipped, emphasis markers and link targets dropped.
fn first_paragraph(text: &str) -> Option<String> {
    let mut paragraph: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            if paragraph.is_empty() {
                continue;
            }
            break;
        }
        paragraph.push(plain(line));
    }
    let paragraph = paragraph.join(" ");
    let paragraph = paragraph.trim();
    (!paragraph.is_empty()).then(|| paragraph.to_owned())
}

/// Markdown emphasis and links as plain text: `**Summary:** [docs](https://x)` → `Summary: docs`.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let link = after.find("](").and_then(|mid| {
            let close = after[mid..].find(')')? + mid;
            Some((mid, close))
        });
        match link {
            Some((mid, close)) => {
                out.push_str(&after[1..mid]);
                rest = &after[close + 1..];
            }
            None => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace("**", "").replace("__", "").replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://status.cloud.google.com/incidents.json").unwrap()
    }

    fn utc(time: Option<DateTime<Utc>>) -> String {
        time.map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    fn fixture() -> Vec<Entry> {
        parse_incidents(include_bytes!("../../tests/fixtures/gcp/incidents.json"), &base()).unwrap()
    }

    #[test]
    fn incident_with_a_full_report() {
        let entries = fixture();
        assert_eq!(entries.len(), 4);
        let entry = &entries[0];
        assert_eq!(entry.identity.as_str(), "incident:Kf3rR8wq2Lm9XyZ1aB4c");
        assert_eq!(
            entry.url.as_deref(),
            Some("https://status.cloud.google.com/incidents/Kf3rR8wq2Lm9XyZ1aB4c")
        );
        assert_eq!(entry.title.as_deref(), Some("Multiple services impacted in europe-west2"));
        assert_eq!(utc(entry.published), "2022-07-19T14:05:41+00:00");
        assert!(entry.candidate);
        assert_eq!(entry.vouched_by, Some(Decision::Publisher), "Google's report decides");
        let report = entry.report.as_ref().unwrap();
        assert_eq!(report.format, TextFormat::Markdown);
        assert!(report.text.starts_with("# Incident Report\n\n## Summary"), "{}", report.text);
        assert_eq!(utc(report.updated_at), "2022-07-29T17:02:11+00:00");
        // The summary is the latest update's first paragraph, not its heading.
        assert_eq!(
            entry.summary.as_deref(),
            Some(
                "On Tuesday, 19 July 2022 at 06:33 US/Pacific, a cooling failure in one building \
                 of europe-west2-a took down part of the zone."
            )
        );
        let incident = entry.incident.as_ref().unwrap();
        assert_eq!(incident.status, "AVAILABLE");
        assert_eq!(incident.impact.as_deref(), Some("high"));
        assert_eq!(utc(incident.started_at), "2022-07-19T13:33:00+00:00");
        assert_eq!(utc(incident.resolved_at), "2022-07-20T04:25:00+00:00");
        assert_eq!(incident.components, ["Google Compute Engine", "Persistent Disk"]);
        let statuses: Vec<Option<&str>> =
            incident.updates.iter().map(|u| u.status.as_deref()).collect();
        assert_eq!(statuses, [Some("SERVICE_OUTAGE"), Some("AVAILABLE"), Some("AVAILABLE")]);
        assert_eq!(utc(incident.updates[0].at), "2022-07-19T14:05:41+00:00");
    }

    #[test]
    fn mini_report_offsets_and_service_name_fallback() {
        let entry = &fixture()[1];
        assert!(entry.candidate);
        let report = entry.report.as_ref().unwrap();
        assert!(report.text.starts_with("# Mini Incident Report"));
        // -07:00 becomes UTC.
        assert_eq!(utc(report.updated_at), "2023-06-09T18:30:00+00:00");
        assert_eq!(entry.incident.as_ref().unwrap().components, ["Gmail"]);
        // A base that is not the site root: links resolve against its directory.
        let base =
            Url::parse("https://www.google.com/appsstatus/dashboard/incidents.json").unwrap();
        let entries =
            parse_incidents(include_bytes!("../../tests/fixtures/gcp/incidents.json"), &base)
                .unwrap();
        assert_eq!(
            entries[1].url.as_deref(),
            Some("https://www.google.com/appsstatus/dashboard/incidents/a1B2c3D4e5F6g7H8i9J0")
        );
    }

    #[test]
    fn ongoing_incident_without_report() {
        let entry = &fixture()[2];
        assert!(!entry.candidate);
        assert_eq!(entry.report, None);
        assert_eq!(entry.report_url, None);
        // No created: begin. No most_recent_update: the latest update.
        assert_eq!(utc(entry.published), "2024-01-08T09:00:00+00:00");
        assert_eq!(
            entry.summary.as_deref(),
            Some("Summary: Cloud SQL connection errors Description: We are investigating.")
        );
        let incident = entry.incident.as_ref().unwrap();
        assert_eq!(incident.resolved_at, None);
        assert_eq!(incident.status, "SERVICE_DISRUPTION");
        assert_eq!(incident.impact, None);
        assert!(incident.components.is_empty());
        // No uri: incidents/<id>.
        assert_eq!(
            entry.url.as_deref(),
            Some("https://status.cloud.google.com/incidents/ZzYyXxWwVvUuTtSsRrQq")
        );
    }

    #[test]
    fn a_promised_report_is_not_a_report() {
        let entry = &fixture()[3];
        assert!(!entry.candidate);
        assert_eq!(entry.report, None);
        assert_eq!(entry.incident.as_ref().unwrap().status, "SERVICE_INFORMATION");
    }

    #[test]
    fn wrong_types_are_errors_naming_the_url() {
        for body in [
            &b""[..],
            b"{\"incidents\": []}",
            b"[{\"id\": \"a\", \"updates\": {}}]",
            b"[{\"id\": \"a\", \"affected_products\": [\"GCE\"]}]",
            b"[{\"id\": \"a\", \"most_recent_update\": {\"text\": 1}}]",
            b"[{\"id\": 1}]",
        ] {
            let err = parse_incidents(body, &base()).unwrap_err();
            assert!(matches!(err, ParseError::Json { what: WHAT, .. }), "{err:?}");
            assert!(err.to_string().starts_with("https://status.cloud.google.com/incidents.json"));
        }
        let nulls = br#"[{"id": "a", "begin": null, "updates": null, "most_recent_update": null,
            "affected_products": null, "uri": null, "external_desc": null}, {"id": null}]"#;
        let entries = parse_incidents(nulls, &base()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].summary, None);
    }

    #[test]
    fn identities_and_hashes_are_stable() {
        let (first, again) = (fixture(), fixture());
        assert_eq!(first, again);
        assert!(first.iter().all(|e| e.content_hash.len() == 64));
    }

    #[test]
    fn report_detection_and_plain_text() {
        assert!(is_incident_report("## **Mini Incident Report**\n\nWe apologize"));
        assert!(is_incident_report("Incident Report\nSummary"));
        assert!(!is_incident_report("We will publish an incident report within 7 days."));
        assert_eq!(
            plain("**Summary:** see [the docs](https://cloud.google.com/x) and [this]"),
            "Summary: see the docs and [this]"
        );
    }
}
