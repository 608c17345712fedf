//! `pmagg export`: the list as JSON or CSV rows.
//!
//! Takes [`Listing`]s in list order, with what each one's members stored beyond the listing
//! ([`export_details`]: duration, impact, root cause, resolution, the archive copy's path);
//! returns text. One row per listed postmortem (duplicates collapsed, entries removed by hand
//! left out), with the curated text where there is one.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::archive::plan_archive;
use super::listing::Listing;
use crate::model::{Decision, ListablePostmortem, Origin};

/// One exported postmortem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow<'a> {
    /// `YYYY-MM-DD`: the incident date, else the publication date.
    pub incident_date: Option<String>,
    /// The title.
    pub title: Option<&'a str>,
    /// The preferred link.
    pub url: &'a str,
    /// The company.
    pub company: Option<&'a str>,
    /// The company's home page.
    pub company_url: Option<&'a str>,
    /// The summary.
    pub summary: Option<&'a str>,
    /// Categories.
    pub categories: &'a [String],
    /// Whether a curated list has it.
    pub curated: bool,
    /// The sources and lists that have it.
    pub sources: &'a [String],
    /// Its stored entries (`pmagg show ID`).
    pub entry_ids: &'a [i64],
    /// Who decided it is a postmortem: publisher, curated, classifier or curator.
    pub decided_by: Decision,
    /// `curated` when a curated list has it (curated text is what the row shows), else
    /// `synced`.
    pub origin: Origin,
    /// How long the incident lasted, in minutes.
    pub duration_minutes: Option<u32>,
    /// What the incident did to users.
    pub impact: Option<&'a str>,
    /// What caused it.
    pub root_cause: Option<&'a str>,
    /// How it was fixed.
    pub resolution: Option<&'a str>,
    /// Where `pmagg render` writes (or would write) its archive copy: under
    /// `settings.archive_dir` when one is set, else relative to the archive directory.
    /// `None` when it gets no copy (no stored report, or listed by a person).
    pub archive_path: Option<&'a str>,
}

/// What one listing's members stored beyond the listing itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportDetails {
    /// The first member's duration that is known.
    pub duration_minutes: Option<u32>,
    /// The first member's impact that is known.
    pub impact: Option<String>,
    /// The first member's root cause that is known.
    pub root_cause: Option<String>,
    /// The first member's resolution that is known.
    pub resolution: Option<String>,
    /// See [`ExportRow::archive_path`].
    pub archive_path: Option<String>,
}

/// The CSV header, in column order.
pub const CSV_COLUMNS: &[&str] = &[
    "incident_date",
    "title",
    "url",
    "company",
    "company_url",
    "summary",
    "categories",
    "curated",
    "sources",
    "origin",
    "decided_by",
    "duration_minutes",
    "impact",
    "root_cause",
    "resolution",
    "archive_path",
];

/// Each listing's [`ExportDetails`], in the order of `listings`. `postmortems` are the
/// confirmed postmortems the listings were collected from; `curated_durations` the durations
/// a directory import stored, by canonical URL; `archive_dir` the configured archive, if any.
pub fn export_details(
    listings: &[Listing],
    postmortems: &[ListablePostmortem],
    curated_durations: &[(String, u32)],
    archive_dir: Option<&Path>,
) -> Vec<ExportDetails> {
    let by_entry: HashMap<i64, &crate::model::Postmortem> =
        postmortems.iter().map(|p| (p.stored.entry_id, &p.stored.postmortem)).collect();
    let mut durations: HashMap<&str, u32> = HashMap::new();
    for (url, minutes) in curated_durations {
        durations.entry(url.as_str()).or_insert(*minutes);
    }
    let archive: HashMap<String, String> = plan_archive(listings)
        .into_iter()
        .map(|file| {
            let path = match archive_dir {
                Some(dir) => dir.join(&file.path).display().to_string(),
                None => file.path,
            };
            (file.canonical_url, path)
        })
        .collect();
    listings
        .iter()
        .map(|listing| {
            let members: Vec<_> =
                listing.entry_ids.iter().filter_map(|id| by_entry.get(id).copied()).collect();
            let first = |field: fn(&crate::model::Postmortem) -> Option<&String>| {
                members.iter().find_map(|p| field(p)).cloned()
            };
            ExportDetails {
                duration_minutes: members.iter().find_map(|p| p.duration_minutes).or_else(|| {
                    listing.canonical_urls.iter().find_map(|u| durations.get(u.as_str()).copied())
                }),
                impact: first(|p| p.impact.as_ref()),
                root_cause: first(|p| p.root_cause.as_ref()),
                resolution: first(|p| p.resolution.as_ref()),
                archive_path: archive.get(&listing.canonical_url).cloned(),
            }
        })
        .collect()
}

/// The rows, in list order; `details` runs beside `listings` (missing ones are empty).
pub fn export_rows<'a>(
    listings: &'a [Listing],
    details: &'a [ExportDetails],
) -> Vec<ExportRow<'a>> {
    const NONE: &ExportDetails = &ExportDetails {
        duration_minutes: None,
        impact: None,
        root_cause: None,
        resolution: None,
        archive_path: None,
    };
    listings
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let d = details.get(i).unwrap_or(NONE);
            ExportRow {
                incident_date: l.date.map(|d| d.format("%Y-%m-%d").to_string()),
                title: l.title.as_deref(),
                url: &l.url,
                company: l.company.as_deref(),
                company_url: l.company_url.as_deref(),
                summary: l.summary.as_deref(),
                categories: &l.categories,
                curated: !l.curated.is_empty(),
                sources: &l.sources,
                entry_ids: &l.entry_ids,
                decided_by: l.decided_by,
                origin: if l.curated.is_empty() { Origin::Synced } else { Origin::Curated },
                duration_minutes: d.duration_minutes,
                impact: d.impact.as_deref(),
                root_cause: d.root_cause.as_deref(),
                resolution: d.resolution.as_deref(),
                archive_path: d.archive_path.as_deref(),
            }
        })
        .collect()
}

/// A pretty-printed JSON array and a final newline.
pub fn export_json(
    listings: &[Listing],
    details: &[ExportDetails],
) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&export_rows(listings, details))?;
    text.push('\n');
    Ok(text)
}

/// RFC 4180 CSV with a header row and LF line endings; list cells are joined with `; `.
/// A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) gets a leading `'`, as OWASP advises for CSV exports.
pub fn export_csv(listings: &[Listing], details: &[ExportDetails]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for row in export_rows(listings, details) {
        let cells = [
            row.incident_date.unwrap_or_default(),
            row.title.unwrap_or_default().to_owned(),
            row.url.to_owned(),
            row.company.unwrap_or_default().to_owned(),
            row.company_url.unwrap_or_default().to_owned(),
            row.summary.unwrap_or_default().to_owned(),
            row.categories.join("; "),
            row.curated.to_string(),
            row.sources.join("; "),
            row.origin.as_str().to_owned(),
            row.decided_by.as_str().to_owned(),
            row.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
            row.impact.unwrap_or_default().to_owned(),
            row.root_cause.unwrap_or_default().to_owned(),
            row.resolution.unwrap_or_default().to_owned(),
            row.archive_path.unwrap_or_default().to_owned(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use pretty_assertions::assert_eq;

    use super::*;

    fn listing() -> Listing {
        Listing {
            url: "https://a.example/1".into(),
            canonical_url: "https://a.example/1".into(),
            canonical_urls: vec![],
            title: Some("Outage, \"big\"".into()),
            company: Some("=HYPERLINK(\"x\")".into()),
            company_url: None,
            date: NaiveDate::from_ymd_opt(2024, 2, 21),
            published: None,
            summary: Some("Line one\nline two".into()),
            categories: vec!["database".into(), "deploy".into()],
            curated: vec![],
            entry_ids: vec![3],
            sources: vec!["Blog".into()],
            decided_by: crate::model::Decision::Classifier,
            report: None,
            first_seen: None,
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let details = [ExportDetails { duration_minutes: Some(95), ..ExportDetails::default() }];
        assert_eq!(
            export_csv(&[listing()], &details),
            "incident_date,title,url,company,company_url,summary,categories,curated,sources,\
             origin,decided_by,duration_minutes,impact,root_cause,resolution,archive_path\n\
             2024-02-21,\"Outage, \"\"big\"\"\",https://a.example/1,\"'=HYPERLINK(\"\"x\"\")\",,\"Line one\nline two\",database; deploy,false,Blog,synced,classifier,95,,,,\n"
        );
    }

    #[test]
    fn json_rows() {
        let json: serde_json::Value =
            serde_json::from_str(&export_json(&[listing()], &[]).unwrap()).unwrap();
        assert_eq!(json[0]["incident_date"], "2024-02-21");
        assert_eq!(json[0]["categories"][1], "deploy");
        assert_eq!(json[0]["entry_ids"][0], 3);
        assert_eq!(json[0]["curated"], false);
        assert_eq!(json[0]["origin"], "synced");
        assert_eq!(json[0]["decided_by"], "classifier");
        assert_eq!(json[0]["impact"], serde_json::Value::Null);
    }

    /// Impact, root cause, resolution and duration come from the listing's stored
    /// postmortems; the archive path is where `plan_archive` puts the copy, under the
    /// archive directory when one is set.
    #[test]
    fn details_come_from_the_members_and_the_archive_plan() {
        use crate::model::{Postmortem, SourceName, StoredPostmortem};

        let mut with_report = listing();
        with_report.report = Some(super::super::listing::ArchivedReport {
            url: "https://a.example/1".into(),
            body: "The report.".into(),
        });
        with_report.company = Some("Acme".into());
        let stored = ListablePostmortem {
            stored: StoredPostmortem {
                id: 1,
                entry_id: 3,
                source: SourceName::new("Blog"),
                extractor_version: 1,
                extracted_at: chrono::Utc::now(),
                decided_by: Decision::Classifier,
                postmortem: Postmortem {
                    duration_minutes: Some(42),
                    impact: Some("Checkout failed.".into()),
                    root_cause: Some("A full disk.".into()),
                    resolution: Some("Old logs removed.".into()),
                    ..Postmortem::default()
                },
            },
            entry_url: None,
            entry_published: None,
            body: None,
            first_seen: None,
        };
        let mut curated_only = listing();
        curated_only.url = "https://b.example/2".into();
        curated_only.canonical_url = "https://b.example/2".into();
        curated_only.canonical_urls = vec!["https://b.example/2".into()];
        curated_only.entry_ids = vec![];
        let listings = [with_report, curated_only];
        let durations = [("https://b.example/2".to_owned(), 7)];
        let details =
            export_details(&listings, &[stored], &durations, Some(Path::new("postmortems")));
        assert_eq!(
            details[0],
            ExportDetails {
                duration_minutes: Some(42),
                impact: Some("Checkout failed.".into()),
                root_cause: Some("A full disk.".into()),
                resolution: Some("Old logs removed.".into()),
                archive_path: Some("postmortems/acme/02-21-2024-outage-big.md".into()),
            }
        );
        assert_eq!(details[1], ExportDetails { duration_minutes: Some(7), ..Default::default() });
        let relative = export_details(&listings, &[], &[], None);
        assert_eq!(relative[0].archive_path.as_deref(), Some("acme/02-21-2024-outage-big.md"));
    }
}
