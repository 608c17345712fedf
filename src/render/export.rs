//! `pmagg export`: the list as JSON or CSV rows.
//!
//! Takes [`Listing`]s in list order; returns text. One row per listed postmortem (duplicates
//! collapsed, entries removed by hand left out), with the curated text where there is one.

use serde::Serialize;

use super::listing::Listing;
use crate::model::Decision;

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
];

/// The rows, in list order.
pub fn export_rows(listings: &[Listing]) -> Vec<ExportRow<'_>> {
    listings
        .iter()
        .map(|l| ExportRow {
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
        })
        .collect()
}

/// A pretty-printed JSON array and a final newline.
pub fn export_json(listings: &[Listing]) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&export_rows(listings))?;
    text.push('\n');
    Ok(text)
}

/// RFC 4180 CSV with a header row and LF line endings; list cells are joined with `; `.
/// A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) gets a leading `'`, as OWASP advises for CSV exports.
pub fn export_csv(listings: &[Listing]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for row in export_rows(listings) {
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
        assert_eq!(
            export_csv(&[listing()]),
            "incident_date,title,url,company,company_url,summary,categories,curated,sources\n\
             2024-02-21,\"Outage, \"\"big\"\"\",https://a.example/1,\"'=HYPERLINK(\"\"x\"\")\",,\"Line one\nline two\",database; deploy,false,Blog\n"
        );
    }

    #[test]
    fn json_rows() {
        let json: serde_json::Value =
            serde_json::from_str(&export_json(&[listing()]).unwrap()).unwrap();
        assert_eq!(json[0]["incident_date"], "2024-02-21");
        assert_eq!(json[0]["categories"][1], "deploy");
        assert_eq!(json[0]["entry_ids"][0], 3);
        assert_eq!(json[0]["curated"], false);
    }
}
