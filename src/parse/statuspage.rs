//! Atlassian Statuspage v2 `incidents.json`, and the postmortem section of an incident page.
//!
//! [`parse_incidents`] takes the bytes of `incidents.json` (`{"page": ..., "incidents": [...]}`;
//! a `summary.json` has the same key) or of the bare array the manage API exports, and returns
//! one [`Entry`] per incident: its human URL, the incident's timeline in UTC, and its postmortem
//! (`postmortem_body`) as a report, or a `report_url` where the pipeline can fetch one.
//! [`postmortem_from_page`] takes an incident's HTML page and returns its postmortem section.
//!
//! Both are pure: no I/O, no clock. Unknown fields are ignored and nulls read as absent; a value
//! of the wrong type is a [`ParseError::Json`] naming the URL, never a panic. Entries are never
//! filtered here: every incident is an entry, and `candidate` says which have a postmortem.
//!
//! incident.io pages serve the same document with ULID ids
//! ([`incidentio::is_incidentio_id`]). They have no `postmortem_body`, and their report
//! fetches go to the JSON detail endpoint, not the HTML page. So for those incidents an update
//! that reads as a postmortem becomes the report, and an incident that only *mentions* one
//! (or has status `postmortem`) points `report_url` at [`incidentio::detail_url`].

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde::Deserialize;
use url::Url;

use super::signals::{mentions_postmortem, postmortem_headings, reads_as_postmortem};
use super::timestamp::api_timestamp;
use super::{ParseError, incidentio, report, seal};
use crate::model::{Decision, Entry, EntryIdentity, Incident, IncidentUpdate, Report, TextFormat};

/// What a body that fails to parse was expected to be.
const WHAT: &str = "a Statuspage incidents.json";

/// The status that says a postmortem has been published.
const POSTMORTEM: &str = "postmortem";

/// `incidents.json` and `summary.json`: only the incidents matter here.
#[derive(Deserialize)]
struct IncidentsDocument {
    incidents: Vec<RawIncident>,
}

#[derive(Deserialize)]
struct RawIncident {
    id: Option<String>,
    name: Option<String>,
    status: Option<String>,
    impact: Option<String>,
    created_at: Option<String>,
    started_at: Option<String>,
    resolved_at: Option<String>,
    components: Option<Vec<RawComponent>>,
    incident_updates: Option<Vec<RawUpdate>>,
    postmortem_body: Option<String>,
    postmortem_body_last_updated_at: Option<String>,
}

#[derive(Deserialize)]
struct RawComponent {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawUpdate {
    status: Option<String>,
    body: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    display_at: Option<String>,
    affected_components: Option<Vec<RawComponent>>,
}

/// One update, read, with what the incident needs besides the published timeline.
struct Update {
    at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    status: Option<String>,
    body: String,
}

/// Parses `incidents.json`; `page` is the status site, for the incidents' human URLs.
///
/// Incidents without an id cannot be recognised again and are skipped.
pub fn parse_incidents(body: &[u8], page: &Url) -> Result<Vec<Entry>, ParseError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let json = |source| ParseError::Json { url: page.clone(), what: WHAT, source };
    let incidents = if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice::<Vec<RawIncident>>(body).map_err(json)?
    } else {
        serde_json::from_slice::<IncidentsDocument>(body).map_err(json)?.incidents
    };
    Ok(incidents.into_iter().filter_map(|raw| entry(raw, page)).collect())
}

fn entry(raw: RawIncident, page: &Url) -> Option<Entry> {
    let id = raw.id.as_deref().map(str::trim).filter(|id| !id.is_empty())?.to_owned();
    let incidentio = incidentio::is_incidentio_id(&id);
    let human_url = incident_url(page, &id);
    let raw_updates = raw.incident_updates.unwrap_or_default();
    let components = component_names(raw.components.as_deref().unwrap_or_default(), &raw_updates);
    let updates = read_updates(raw_updates);
    let status =
        super::non_blank(raw.status).or_else(|| updates.last().and_then(|u| u.status.clone()));
    let is_postmortem = status.as_deref() == Some(POSTMORTEM);

    let mut postmortem = super::non_blank(raw.postmortem_body).map(|body| {
        let updated_at = api_timestamp(raw.postmortem_body_last_updated_at.as_deref());
        report(body, TextFormat::Markdown, updated_at)
    });
    if postmortem.is_none() && is_postmortem {
        // The postmortem is also posted as an update with that status (manage-API exports).
        postmortem = updates
            .iter()
            .rev()
            .find(|u| u.status.as_deref() == Some(POSTMORTEM) && !u.body.trim().is_empty())
            .map(|u| report(u.body.clone(), TextFormat::Markdown, u.updated_at.or(u.at)));
    }
    if postmortem.is_none() && incidentio {
        postmortem = incidentio_postmortem(&updates);
    }
    let mut report_url = None;
    if postmortem.is_none() {
        let mentioned = incidentio
            && (raw.name.as_deref().is_some_and(mentions_postmortem)
                || updates.iter().any(|u| mentions_postmortem(&u.body)));
        if is_postmortem || mentioned {
            // incident.io reports are read from the JSON detail, Statuspage's from the page.
            report_url = Some(if incidentio {
                incidentio::detail_url(page, &id).to_string()
            } else {
                human_url.clone()
            });
        }
    }

    // An ongoing incident has not ended: only a finished one falls back to its last update.
    let finished = matches!(status.as_deref(), Some("resolved" | "postmortem" | "completed"));
    let incident = Incident {
        status: status.unwrap_or_default(),
        impact: super::non_blank(raw.impact),
        started_at: api_timestamp(raw.started_at.as_deref())
            .or_else(|| api_timestamp(raw.created_at.as_deref())),
        resolved_at: api_timestamp(raw.resolved_at.as_deref())
            .or_else(|| if finished { updates.last().and_then(|u| u.at) } else { None }),
        components,
        updates: updates
            .iter()
            .map(|u| IncidentUpdate { at: u.at, status: u.status.clone(), text: u.body.clone() })
            .collect(),
    };
    Some(seal(Entry {
        identity: EntryIdentity::new(format!("incident:{id}")),
        url: Some(human_url),
        title: super::non_blank(raw.name).map(|name| name.trim().to_owned()),
        published: api_timestamp(raw.created_at.as_deref())
            .or_else(|| api_timestamp(raw.started_at.as_deref())),
        summary: updates.last().map(|u| u.body.trim()).filter(|b| !b.is_empty()).map(str::to_owned),
        candidate: postmortem.is_some() || report_url.is_some(),
        // The publisher's word: a postmortem posted (or promised) is one, whatever the
        // classifier makes of its text (issue #15).
        vouched_by: (postmortem.is_some() || report_url.is_some()).then_some(Decision::Publisher),
        report: postmortem,
        report_url,
        incident: Some(incident),
        ..Entry::default()
    }))
}

/// The updates, oldest first.
fn read_updates(raw: Vec<RawUpdate>) -> Vec<Update> {
    let mut updates: Vec<Update> = raw
        .into_iter()
        // The API lists updates newest first: reversed, equal times keep their real order.
        .rev()
        .map(|u| Update {
            at: api_timestamp(u.display_at.as_deref())
                .or_else(|| api_timestamp(u.created_at.as_deref())),
            updated_at: api_timestamp(u.updated_at.as_deref()),
            status: super::non_blank(u.status),
            body: u.body.unwrap_or_default(),
        })
        .collect();
    updates.sort_by_key(|u| u.at);
    updates
}

/// The incident's component names; when it lists none (manage-API exports), the components
/// its updates affected, oldest first, without Statuspage's "No components were affected"
/// placeholder.
fn component_names(listed: &[RawComponent], updates: &[RawUpdate]) -> Vec<String> {
    fn add(names: &mut Vec<String>, name: Option<&str>) {
        let name = name.map(str::trim).unwrap_or_default();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    let mut names = Vec::new();
    for component in listed {
        add(&mut names, component.name.as_deref());
    }
    if names.is_empty() {
        let affected = updates.iter().rev().filter_map(|u| u.affected_components.as_ref());
        for name in affected.flatten().map(|c| c.name.as_deref()) {
            if !name.is_some_and(|n| n.starts_with("No components were affected")) {
                add(&mut names, name);
            }
        }
    }
    names
}

/// The update of an incident.io incident that reads most like a postmortem (the latest of
/// equals), as its report.
fn incidentio_postmortem(updates: &[Update]) -> Option<Report> {
    updates
        .iter()
        .filter(|u| reads_as_postmortem(&u.body))
        .max_by_key(|u| postmortem_headings(&u.body).parts)
        .map(|u| report(u.body.trim().to_owned(), TextFormat::Markdown, u.updated_at.or(u.at)))
}

/// Takes the postmortem section out of an incident's HTML page.
///
/// Tries, in order: the update titled "Postmortem" on an incident page
/// (`.incident-updates-container .update-row`: its `.update-body`); a `#postmortem` or
/// `.postmortem` block; an update of a home or history page that opens with
/// `<strong>Postmortem</strong>` (as plain text); and, on a page without any Statuspage update
/// markup, an `<article>` or `<main>` whose headings are a postmortem's. Returns the section's
/// HTML; `updated_at` is `None`, as pages do not say. `None` when there is no postmortem.
pub fn postmortem_from_page(body: &[u8]) -> Option<Report> {
    let page = Html::parse_document(&String::from_utf8_lossy(body));
    postmortem_update_row(&page)
        .or_else(|| postmortem_block(&page))
        .or_else(|| postmortem_status_update(&page))
        .or_else(|| postmortem_article(&page))
}

/// Where an update's text sits, most specific first.
const UPDATE_BODIES: &[&str] =
    &[".update-body", ".markdown-display", ".whitespace-pre-wrap", ".update-container"];

fn postmortem_update_row(page: &Html) -> Option<Report> {
    let titles = Selector::parse(".update-title").ok()?;
    let bodies: Vec<Selector> =
        UPDATE_BODIES.iter().filter_map(|css| Selector::parse(css).ok()).collect();
    let body_in = |scope: ElementRef<'_>| {
        bodies.iter().find_map(|selector| {
            if selector.matches(&scope) {
                return html_report(scope);
            }
            scope.select(selector).find_map(html_report)
        })
    };
    page.select(&titles).filter(|title| is_postmortem_title(&text_of(*title))).find_map(|title| {
        let row = title
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().classes().any(|class| class == "update-row"));
        match row {
            Some(row) => body_in(row),
            // No row around the title: its body is what follows it, up to the next title.
            None => title
                .next_siblings()
                .filter_map(ElementRef::wrap)
                .take_while(|e| !titles.matches(e))
                .find_map(|e| body_in(e).or_else(|| html_report(e))),
        }
    })
}

fn postmortem_block(page: &Html) -> Option<Report> {
    let blocks = Selector::parse(
        "#postmortem, .postmortem, .postmortem-body, .postmortem-container, .incident-postmortem",
    )
    .ok()?;
    page.select(&blocks).find_map(html_report)
}

/// Home and history pages: `<div class="update"><strong>Postmortem</strong> - text<br>
/// <small>date</small></div>`.
fn postmortem_status_update(page: &Html) -> Option<Report> {
    let updates = Selector::parse(".update").ok()?;
    page.select(&updates).find_map(|update| {
        let strong = update.child_elements().next().filter(|e| e.value().name() == "strong")?;
        if !is_postmortem_title(&text_of(strong)) {
            return None;
        }
        let mut text = String::new();
        for node in strong.next_siblings() {
            if let Some(element) = ElementRef::wrap(node) {
                match element.value().name() {
                    "small" => break,
                    "br" => text.push('\n'),
                    _ => text.extend(element.text()),
                }
            } else if let Some(part) = node.value().as_text() {
                text.push_str(part);
            }
        }
        let text = text.trim().trim_start_matches(['-', '\u{2013}', '\u{2014}']).trim();
        let text: Vec<&str> = text.lines().map(str::trim).collect();
        let text = text.join("\n").trim().to_owned();
        (!text.is_empty()).then(|| report(text, TextFormat::Text, None))
    })
}

/// A page that is an article about the incident (a postmortem published as a blog-like page):
/// only when the page has no Statuspage update markup, and only when the article's headings
/// name at least two parts of a postmortem.
fn postmortem_article(page: &Html) -> Option<Report> {
    let statuspage = Selector::parse(".incident-updates-container, .update-row, .update").ok()?;
    if page.select(&statuspage).next().is_some() {
        return None;
    }
    let headings = Selector::parse("h1, h2, h3, h4").ok()?;
    // The article first: `<main>` also holds the newsletter box and the like.
    ["article", "main, [role=main]"].iter().filter_map(|css| Selector::parse(css).ok()).find_map(
        |containers| {
            page.select(&containers).find_map(|container| {
                let heads: Vec<String> = container.select(&headings).map(text_of).collect();
                let headings = postmortem_headings(&heads.join("\n"));
                if headings.parts >= 2 { html_report(container) } else { None }
            })
        },
    )
}

fn is_postmortem_title(text: &str) -> bool {
    matches!(text.to_lowercase().as_str(), "postmortem" | "post-mortem" | "post mortem")
}

/// An element's text with whitespace collapsed.
fn text_of(element: ElementRef<'_>) -> String {
    element.text().flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
}

/// The element's inner HTML as an HTML report, when it has any text.
fn html_report(element: ElementRef<'_>) -> Option<Report> {
    let has_text = element.text().any(|t| !t.trim().is_empty());
    has_text.then(|| report(element.inner_html().trim().to_owned(), TextFormat::Html, None))
}

/// `<page>/incidents/<id>`: the page URL as a directory, without query or fragment, and the id
/// as one escaped path segment.
fn incident_url(page: &Url, id: &str) -> String {
    let mut url = page.clone();
    url.set_query(None);
    url.set_fragment(None);
    // Only URLs that cannot be a base (`mailto:`) have no segments; a status page is http(s).
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(["incidents", id]);
    }
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://status.example.com/?utm_source=x#top").unwrap()
    }

    fn utc(time: Option<DateTime<Utc>>) -> String {
        time.map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn incidents_json() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incidents.json");
        let entries = parse_incidents(body, &page()).unwrap();
        assert_eq!(entries.len(), 3);

        let with_postmortem = &entries[0];
        assert_eq!(with_postmortem.identity.as_str(), "incident:k3v9x2m4q8zt");
        assert_eq!(
            with_postmortem.url.as_deref(),
            Some("https://status.example.com/incidents/k3v9x2m4q8zt")
        );
        assert_eq!(with_postmortem.title.as_deref(), Some("Elevated API error rates"));
        // -06:00 offsets become UTC.
        assert_eq!(utc(with_postmortem.published), "2024-03-05T15:58:12.418+00:00");
        assert_eq!(with_postmortem.summary.as_deref(), Some("This incident has been resolved."));
        assert!(with_postmortem.candidate);
        assert_eq!(with_postmortem.vouched_by, Some(Decision::Publisher), "the publisher's word");
        assert_eq!(with_postmortem.report_url, None);
        let report = with_postmortem.report.as_ref().unwrap();
        assert_eq!(report.format, TextFormat::Markdown);
        assert!(report.text.starts_with("**Summary**\r\n\r\nBetween 15:40"), "{}", report.text);
        assert_eq!(utc(report.updated_at), "2024-03-08T22:29:59.500+00:00");

        let incident = with_postmortem.incident.as_ref().unwrap();
        assert_eq!(incident.status, "resolved");
        assert_eq!(incident.impact.as_deref(), Some("major"));
        assert_eq!(utc(incident.started_at), "2024-03-05T15:40:00+00:00");
        assert_eq!(utc(incident.resolved_at), "2024-03-05T17:02:44.120+00:00");
        assert_eq!(incident.components, ["API", "Webhooks"]);
        let timeline: Vec<(String, Option<&str>)> =
            incident.updates.iter().map(|u| (utc(u.at), u.status.as_deref())).collect();
        assert_eq!(
            timeline,
            [
                ("2024-03-05T15:58:00+00:00".to_owned(), Some("investigating")),
                // An unreadable display_at falls back to created_at.
                ("2024-03-05T16:41:00+00:00".to_owned(), Some("monitoring")),
                ("2024-03-05T17:02:44.120+00:00".to_owned(), Some("resolved")),
            ]
        );
        assert_eq!(
            incident.updates[0].text,
            "We are investigating elevated error rates on the API."
        );
    }

    #[test]
    fn incident_without_postmortem_and_with_nulls() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incidents.json");
        let entry = &parse_incidents(body, &page()).unwrap()[1];
        assert!(!entry.candidate);
        assert_eq!(entry.vouched_by, None);
        assert_eq!(entry.report, None);
        assert_eq!(entry.report_url, None);
        assert_eq!(
            entry.summary.as_deref(),
            Some("The issue has been identified and a fix is being implemented.")
        );
        let incident = entry.incident.as_ref().unwrap();
        assert_eq!(incident.status, "investigating");
        // No started_at: created_at. Still investigating: no end yet, whatever the updates.
        assert_eq!(utc(incident.started_at), "2024-03-09T22:15:03+00:00");
        assert_eq!(incident.resolved_at, None);
        assert!(incident.components.is_empty());
        assert_eq!(incident.updates.len(), 2);
    }

    #[test]
    fn postmortem_status_without_body_points_at_the_page() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incidents.json");
        let entry = &parse_incidents(body, &page()).unwrap()[2];
        assert!(entry.candidate);
        assert_eq!(entry.report, None);
        assert_eq!(
            entry.report_url.as_deref(),
            Some("https://status.example.com/incidents/h8d4r6n2s5ya")
        );
        assert_eq!(entry.incident.as_ref().unwrap().status, "postmortem");
    }

    #[test]
    fn manage_api_export() {
        let body = include_bytes!("../../tests/fixtures/statuspage/export.json");
        let page = Url::parse("https://nyu.example.io/sub/").unwrap();
        let entries = parse_incidents(body, &page).unwrap();
        // The incident without an id is skipped.
        assert_eq!(entries.len(), 2);

        let postmortem = &entries[0];
        assert_eq!(
            postmortem.url.as_deref(),
            Some("https://nyu.example.io/sub/incidents/bp30jh0q18t2")
        );
        assert!(postmortem.candidate);
        assert_eq!(postmortem.report_url, None);
        // No postmortem_body: the update with the postmortem status is the report.
        let report = postmortem.report.as_ref().unwrap();
        assert!(report.text.starts_with("One of the two load-balanced"));
        assert_eq!(utc(report.updated_at), "2017-05-22T19:55:00+00:00");
        let incident = postmortem.incident.as_ref().unwrap();
        assert_eq!(incident.components, ["Search (Partial Outage)", "Search (Operational)"]);
        assert_eq!(incident.updates.last().unwrap().status.as_deref(), Some("postmortem"));

        let maintenance = &entries[1];
        assert!(!maintenance.candidate);
        assert_eq!(maintenance.summary, None);
        let incident = maintenance.incident.as_ref().unwrap();
        assert_eq!(incident.status, "completed");
        assert_eq!(utc(incident.resolved_at), "2018-01-13T06:00:00+00:00");
    }

    #[test]
    fn incidentio_listing() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incidentio-incidents.json");
        let page = Url::parse("https://status.openai.com").unwrap();
        let entries = parse_incidents(body, &page).unwrap();
        assert_eq!(entries.len(), 3);

        // A write-up posted as an update is the report; nothing to fetch.
        let written = &entries[0];
        assert_eq!(
            written.url.as_deref(),
            Some("https://status.openai.com/incidents/01JXCAW3K3JAE0EP56AEZ5CBG3")
        );
        assert!(written.candidate);
        assert_eq!(written.report_url, None);
        let report = written.report.as_ref().unwrap();
        assert!(report.text.starts_with("**What happened**"));
        assert_eq!(utc(report.updated_at), "2025-06-11T16:20:00+00:00");

        // A promised postmortem: fetch the detail document, not the HTML page.
        let promised = &entries[1];
        assert!(promised.candidate);
        assert_eq!(promised.report, None);
        assert_eq!(
            promised.report_url.as_deref(),
            Some(
                "https://status.openai.com/proxy/status.openai.com/incidents/01JW8Z3C9QJ3B1V0XK6S2N4D7F"
            )
        );

        let plain = &entries[2];
        assert!(!plain.candidate);
        assert_eq!((&plain.report, &plain.report_url), (&None, &None));
    }

    #[test]
    fn bench_shape_with_a_path_prefix() {
        let body = br#"{"page":{"id":"p","name":"N","url":"http://127.0.0.2:8089/s0001","time_zone":"Etc/UTC"},
"incidents":[{"id":"abc123def456","name":"Partial outage of search","status":"resolved","impact":"minor",
"created_at":"2024-06-01T10:00:00+00:00","updated_at":"2024-06-01T11:00:00+00:00","monitoring_at":null,
"started_at":"2024-06-01T10:00:00+00:00","resolved_at":"2024-06-01T11:00:00+00:00",
"shortlink":"http://127.0.0.2:8089/s0001/incidents/abc123def456","page_id":"p",
"incident_updates":[{"id":"u2","status":"resolved","body":"b2","incident_id":"abc123def456",
"created_at":"2024-06-01T11:00:00+00:00","updated_at":"2024-06-01T11:00:00+00:00","display_at":"2024-06-01T11:00:00+00:00",
"affected_components":[{"code":"c","name":"search","old_status":"operational","new_status":"major_outage"}],
"deliver_notifications":true,"custom_tweet":null,"tweet_id":null},
{"id":"u1","status":"investigating","body":"b1","incident_id":"abc123def456",
"created_at":"2024-06-01T10:00:00+00:00","updated_at":"2024-06-01T10:00:00+00:00","display_at":"2024-06-01T10:00:00+00:00"}],
"components":[{"id":"c","name":"search","status":"operational","page_id":"p"}],
"postmortem_body":"**Summary**\n\nIt broke.","postmortem_published_at":"2024-06-03T00:00:00+00:00"}]}"#;
        let page = Url::parse("http://127.0.0.2:8089/s0001").unwrap();
        let entries = parse_incidents(body, &page).unwrap();
        assert_eq!(
            entries[0].url.as_deref(),
            Some("http://127.0.0.2:8089/s0001/incidents/abc123def456")
        );
        assert!(entries[0].candidate);
        assert_eq!(entries[0].report.as_ref().unwrap().updated_at, None);
        assert_eq!(entries[0].summary.as_deref(), Some("b2"));
    }

    #[test]
    fn wrong_types_are_errors_naming_the_url() {
        let body = include_bytes!("../../tests/fixtures/statuspage/wrong-types.json");
        let err = parse_incidents(body, &page()).unwrap_err();
        assert!(matches!(err, ParseError::Json { what: WHAT, .. }), "{err:?}");
        assert!(err.to_string().starts_with("https://status.example.com/?utm_source=x#top is not"));

        for body in [
            &b""[..],
            b"<!DOCTYPE html><html></html>",
            b"{}",
            b"{\"incidents\": null}",
            b"{\"incidents\": {}}",
            b"[{\"id\": \"a\", \"name\": [1]}]",
            b"[{\"id\": \"a\", \"components\": [\"API\"]}]",
            b"[{\"id\": 7}]",
            b"[1, 2]",
        ] {
            let result = parse_incidents(body, &page());
            assert!(
                matches!(result, Err(ParseError::Json { .. })),
                "{}: {result:?}",
                String::from_utf8_lossy(body)
            );
        }
        // Nulls where the API may put them are fine, as is an empty list.
        let nulls = br#"{"incidents": [{"id": "a", "name": null, "status": null, "impact": null,
            "created_at": null, "components": null, "incident_updates": [{"body": null}],
            "postmortem_body": null}]}"#;
        let entries = parse_incidents(nulls, &page()).unwrap();
        assert_eq!(entries[0].title, None);
        assert_eq!(entries[0].incident.as_ref().unwrap().updates[0].text, "");
        assert!(parse_incidents(b"\xEF\xBB\xBF[]", &page()).unwrap().is_empty());
    }

    #[test]
    fn identities_and_hashes_are_stable() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incidents.json");
        let first = parse_incidents(body, &page()).unwrap();
        let again = parse_incidents(body, &page()).unwrap();
        assert_eq!(first, again);
        let hashes: std::collections::HashSet<&str> =
            first.iter().map(|e| e.content_hash.as_str()).collect();
        assert_eq!(hashes.len(), 3);
        // A revised postmortem changes the report's fingerprint, not the entry's hash.
        let revised = String::from_utf8_lossy(body)
            .replace("Alert on pool saturation.", "Alert on pool saturation sooner.");
        let revised = parse_incidents(revised.as_bytes(), &page()).unwrap();
        assert_eq!(revised[0].content_hash, first[0].content_hash);
        assert_ne!(revised[0].report, first[0].report);
    }

    #[test]
    fn postmortem_row_of_an_incident_page() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incident-postmortem.html");
        let report = postmortem_from_page(body).unwrap();
        assert_eq!(report.format, TextFormat::Html);
        assert_eq!(report.updated_at, None);
        assert!(report.text.starts_with("<div class=\"markdown-display\"><p>On February 20"));
        assert!(report.text.contains("expired &amp; new sessions"));
        assert!(!report.text.contains("Posted"), "{}", report.text);
        assert!(!report.text.contains("available again"));
    }

    #[test]
    fn incident_page_without_postmortem() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incident-no-postmortem.html");
        assert_eq!(postmortem_from_page(body), None);
        assert_eq!(postmortem_from_page(b""), None);
        assert_eq!(postmortem_from_page(b"\xff\xfe not html"), None);
    }

    #[test]
    fn postmortem_blocks_and_titles_without_rows() {
        let block = br#"<html><body><div id="postmortem"><h3>Postmortem</h3><p>We lost a disk.</p></div></body></html>"#;
        let report = postmortem_from_page(block).unwrap();
        assert_eq!(report.text, "<h3>Postmortem</h3><p>We lost a disk.</p>");

        let siblings = br#"<div class="incident-updates-container">
            <h2 class="update-title">Resolved</h2><div class="update-body">Fixed.</div>
            <h2 class="update-title"> Post-mortem </h2><div class="update-body"><p>Disk loss.</p></div>
            </div>"#;
        assert_eq!(postmortem_from_page(siblings).unwrap().text, "<p>Disk loss.</p>");

        let empty = br#"<div class="row update-row"><div class="update-title">Postmortem</div>
            <div class="update-container"><div class="update-body"> </div></div></div>"#;
        assert_eq!(postmortem_from_page(empty), None);
    }

    #[test]
    fn postmortem_update_of_a_home_page() {
        let body = include_bytes!("../../tests/fixtures/statuspage/home-postmortem.html");
        let report = postmortem_from_page(body).unwrap();
        assert_eq!(report.format, TextFormat::Text);
        assert_eq!(
            report.text,
            "A certificate on the session store expired.\nNew sessions could not be created for 100 minutes."
        );
    }

    #[test]
    fn postmortem_article_page() {
        let body = include_bytes!("../../tests/fixtures/statuspage/incident-article.html");
        let report = postmortem_from_page(body).unwrap();
        assert_eq!(report.format, TextFormat::Html);
        assert!(report.text.starts_with("<h1 class=\"post-title\">"), "{}", report.text);
        assert!(report.text.contains("connection pool exhaustion"));
        assert!(!report.text.contains("Subscribe"));

        let blog = br"<html><body><article><h1>Why we moved to Rust</h1><h2>Background</h2>
            <p>Text.</p><h2>Results</h2></article></body></html>";
        assert_eq!(postmortem_from_page(blog), None);
    }
}
