//! The collection as the site and `pmagg list` query it: filters, pages and details.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Decision, TimelineEvent};

/// Where a postmortem of the collection comes from: a curated list (`pmagg import`) or a
/// configured source (`pmagg sync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// An entry of a curated list.
    Curated,
    /// A postmortem a sync found and confirmed.
    Synced,
}

impl Origin {
    /// The word used in URLs, flags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Curated => "curated",
            Self::Synced => "synced",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Origin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "curated" => Ok(Self::Curated),
            "synced" => Ok(Self::Synced),
            _ => Err("must be `curated` or `synced`".to_owned()),
        }
    }
}

/// The largest page the collection query returns.
pub const MAX_PER_PAGE: u32 = 500;
/// The page size when none is given.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// One filter over the whole collection (synced and curated postmortems): what `pmagg list`
/// flags and the site's URL parameters both say, under the same names. The store turns it
/// into one query (`Store::collection`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PostmortemFilter {
    /// Full-text search (FTS5 syntax) over title, summary and report.
    pub q: Option<String>,
    /// Company, compared without case.
    pub company: Option<String>,
    /// A category the postmortem has.
    pub category: Option<String>,
    /// Incident on or after this day.
    pub since: Option<chrono::NaiveDate>,
    /// Incident on or before this day.
    pub until: Option<chrono::NaiveDate>,
    /// Lasted at least this many minutes.
    pub min_minutes: Option<u32>,
    /// Lasted at most this many minutes.
    pub max_minutes: Option<u32>,
    /// Curated or synced only.
    pub origin: Option<Origin>,
    /// Source name (synced) or list file (curated).
    pub source: Option<String>,
    /// 1-based page.
    pub page: u32,
    /// Items per page, 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
}

/// A URL parameter that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter `{name}`: {why}")]
pub struct FilterError {
    /// The parameter's name.
    pub name: String,
    /// What is wrong with it.
    pub why: String,
}

impl PostmortemFilter {
    /// The parameter names, in the order the site and `list` show them.
    pub const PARAMS: [&'static str; 11] = [
        "q",
        "company",
        "category",
        "since",
        "until",
        "min_minutes",
        "max_minutes",
        "origin",
        "source",
        "page",
        "per_page",
    ];

    /// Page 1 of [`DEFAULT_PER_PAGE`] items, no filter.
    pub fn everything() -> Self {
        Self { page: 1, per_page: DEFAULT_PER_PAGE, ..Self::default() }
    }

    /// Reads URL query pairs. Empty values count as absent (a GET form sends every field);
    /// an unknown name, a repeated one or a value that does not parse is an error naming it.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FilterError> {
        let mut filter = Self::everything();
        let mut seen = std::collections::HashSet::new();
        for (name, value) in pairs {
            let bad = |why: &str| FilterError { name: name.to_owned(), why: why.to_owned() };
            if !Self::PARAMS.contains(&name) {
                return Err(bad(&format!(
                    "unknown parameter; use one of {}",
                    Self::PARAMS.join(", ")
                )));
            }
            if !seen.insert(name) {
                return Err(bad("given more than once"));
            }
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let date = |v: &str| {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| bad("not a date: write YYYY-MM-DD, e.g. 2023-01-31"))
            };
            let number =
                |v: &str| v.parse::<u32>().map_err(|_| bad("not a whole number of 0 or more"));
            match name {
                "q" => filter.q = Some(value.to_owned()),
                "company" => filter.company = Some(value.to_owned()),
                "category" => filter.category = Some(value.to_owned()),
                "since" => filter.since = Some(date(value)?),
                "until" => filter.until = Some(date(value)?),
                "min_minutes" => filter.min_minutes = Some(number(value)?),
                "max_minutes" => filter.max_minutes = Some(number(value)?),
                "origin" => filter.origin = Some(value.parse().map_err(|why: String| bad(&why))?),
                "source" => filter.source = Some(value.to_owned()),
                "page" => {
                    filter.page = number(value)?;
                    if filter.page == 0 {
                        return Err(bad("pages start at 1"));
                    }
                }
                _ => {
                    filter.per_page = number(value)?;
                    if filter.per_page == 0 || filter.per_page > MAX_PER_PAGE {
                        return Err(bad(&format!("must be between 1 and {MAX_PER_PAGE}")));
                    }
                }
            }
        }
        if let (Some(since), Some(until)) = (filter.since, filter.until)
            && since > until
        {
            return Err(FilterError { name: "until".into(), why: "is before `since`".into() });
        }
        if let (Some(min), Some(max)) = (filter.min_minutes, filter.max_minutes)
            && min > max
        {
            return Err(FilterError {
                name: "max_minutes".into(),
                why: "is less than `min_minutes`".into(),
            });
        }
        Ok(filter)
    }

    /// The filter as URL query pairs (without `page` and `per_page` at their defaults), for
    /// links that keep it.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut add = |name, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((name, value));
            }
        };
        add("q", self.q.clone());
        add("company", self.company.clone());
        add("category", self.category.clone());
        add("since", self.since.map(|d| d.to_string()));
        add("until", self.until.map(|d| d.to_string()));
        add("min_minutes", self.min_minutes.map(|m| m.to_string()));
        add("max_minutes", self.max_minutes.map(|m| m.to_string()));
        add("origin", self.origin.map(|o| o.as_str().to_owned()));
        add("source", self.source.clone());
        add("page", (self.page > 1).then(|| self.page.to_string()));
        add("per_page", (self.per_page != DEFAULT_PER_PAGE).then(|| self.per_page.to_string()));
        pairs
    }
}

/// One postmortem of the collection, synced or curated, as `list`, `export` and the site show
/// it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollectionItem {
    /// `s<postmortem id>` for synced, `c<curated entry id>` for curated entries.
    pub id: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The source's name (synced) or the list file (curated).
    pub source: String,
    /// The report's title.
    pub title: Option<String>,
    /// Who it is about.
    pub company: Option<String>,
    /// The report's link.
    pub url: Option<String>,
    /// When the incident happened (the publication day when that is unknown).
    pub incident_date: Option<chrono::NaiveDate>,
    /// How long it lasted.
    pub duration_minutes: Option<u32>,
    /// Who and what was affected.
    pub impact: Option<String>,
    /// Why it happened.
    pub root_cause: Option<String>,
    /// How it was fixed.
    pub resolution: Option<String>,
    /// The list summary.
    pub summary: Option<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// The matched text with hits between U+E000 and U+E001, for a text filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl CollectionItem {
    /// An item with an ID, an origin and a source, and nothing else (tests).
    #[cfg(test)]
    pub(crate) fn bare(id: &str, origin: Origin, source: &str) -> Self {
        Self {
            id: id.into(),
            origin,
            source: source.into(),
            title: None,
            company: None,
            url: None,
            incident_date: None,
            duration_minutes: None,
            impact: None,
            root_cause: None,
            resolution: None,
            summary: None,
            categories: Vec::new(),
            snippet: None,
        }
    }

    /// What to call the entry where a title is shown: its title; else, for a list that gives
    /// none (carlsborg's numbered `**Summary**:` blocks), the first sentence of its summary, cut
    /// to [`DISPLAY_TITLE_CHARS`]; else "(untitled)". Nothing is stored: a title the list does
    /// not state stays absent in the database and in exports.
    pub fn display_title(&self) -> std::borrow::Cow<'_, str> {
        if let Some(title) = self.title.as_deref() {
            return title.into();
        }
        let Some(summary) = self.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            return "(untitled)".into();
        };
        let sentence = summary.find(". ").map_or(summary, |end| &summary[..end]);
        let sentence = sentence.trim_end_matches('.');
        if sentence.chars().count() <= DISPLAY_TITLE_CHARS {
            return sentence.into();
        }
        let cut: String = sentence.chars().take(DISPLAY_TITLE_CHARS - 1).collect();
        let cut = cut.rfind(' ').map_or(cut.as_str(), |at| &cut[..at]);
        format!("{}…", cut.trim_end_matches([',', ';', ':'])).into()
    }
}

/// The longest title [`CollectionItem::display_title`] draws from a summary, in characters.
pub const DISPLAY_TITLE_CHARS: usize = 80;

/// One page of the collection and how many items match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollectionPage {
    /// Items matching the filter, on every page.
    pub total: u64,
    /// This page's items, newest incident first.
    pub items: Vec<CollectionItem>,
}

/// The fields of a matching postmortem that the charts count.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// Incident year.
    pub year: Option<i32>,
    /// Duration in minutes.
    pub duration_minutes: Option<u32>,
    /// Company.
    pub company: Option<String>,
    /// Categories.
    pub categories: Vec<String>,
}

/// Everything the site's postmortem page shows beyond [`CollectionItem`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollectionDetail {
    /// The list fields.
    #[serde(flatten)]
    pub item: CollectionItem,
    /// Timeline, as the report gives it.
    pub timeline: Vec<TimelineEvent>,
    /// Action items.
    pub action_items: Vec<String>,
    /// Who decided it is a postmortem (synced only).
    pub decided_by: Option<Decision>,
    /// The report as stored (markdown or text), for synced postmortems.
    #[serde(skip)]
    pub report: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: Option<&str>, summary: Option<&str>) -> CollectionItem {
        CollectionItem {
            title: title.map(str::to_owned),
            summary: summary.map(str::to_owned),
            ..CollectionItem::bare("c1", Origin::Curated, "README.md")
        }
    }

    #[test]
    fn display_title_is_the_title_else_the_summary_s_first_sentence() {
        assert_eq!(item(Some("Disk full"), Some("Other words.")).display_title(), "Disk full");
        assert_eq!(
            item(None, Some("Switchgear fails and locks out the generator. Then more."))
                .display_title(),
            "Switchgear fails and locks out the generator"
        );
        let long = "Prod database partially wiped due to human error while trying to resync the \
                    secondary hot standby, and no backups were available";
        let entry = item(None, Some(long));
        let title = entry.display_title();
        assert!(title.ends_with('…') && title.chars().count() <= DISPLAY_TITLE_CHARS, "{title}");
        assert!(long.starts_with(title.trim_end_matches('…')), "cut at a word: {title}");
        assert_eq!(item(None, Some("  ")).display_title(), "(untitled)");
        assert_eq!(item(None, None).display_title(), "(untitled)");
    }
}
