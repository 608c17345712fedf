//! Entries: what a source's response holds, their reports and incidents, and the verdicts
//! (curator marks, publishers' words) that decide them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SourceName, canonical_url};

/// One item of a source, as parsed from its response and before it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Stable identity of the item within its source (see [`EntryIdentity`]).
    pub identity: EntryIdentity,
    /// Absolute http(s) link to the item (for incidents, the human page).
    pub url: Option<String>,
    /// The item's title as plain text.
    pub title: Option<String>,
    /// When the item was published (or, failing that, last updated).
    pub published: Option<DateTime<Utc>>,
    /// The item's summary or description.
    pub summary: Option<String>,
    /// The item's full content, when the source carries it.
    pub content: Option<String>,
    /// The company the item speaks for, when the source says (curated lists do); otherwise
    /// the source's `company` applies.
    pub company: Option<String>,
    /// Categories the source gives (e.g. the headings of a curated list).
    pub categories: Vec<String>,
    /// Whether this item may be a postmortem, on what the source alone says (a status page's
    /// postmortem, a list entry, a feed title with postmortem signals). Extraction confirms.
    pub candidate: bool,
    /// The postmortem text, when the source carries it (a Statuspage `postmortem_body`, a
    /// Google Cloud incident report).
    pub report: Option<Report>,
    /// Where the report can be fetched when the source only points at it (a Statuspage
    /// incident marked `postmortem` without a body). The pipeline fetches it while the stored
    /// entry has no report.
    pub report_url: Option<String>,
    /// Status-page incident details.
    pub incident: Option<Incident>,
    /// Who says, before any classifier runs, that this item is a postmortem: the publisher
    /// (a status page's postmortem) or a curated list (its every entry). `None`: the
    /// classifier decides. Set by the parse stage; not part of `content_hash` (it follows
    /// from the fields that are).
    pub vouched_by: Option<Decision>,
    /// Hex SHA-256 over the fields above but `report`; a change means the item changed.
    pub content_hash: String,
}

/// Where the decision that an entry is (or is not) a postmortem came from.
///
/// The publisher's word comes first, then a curated list's; the classifier decides only for
/// feed, HTML and plain documents; a curator's mark (`pmagg mark`) has the last word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The publisher marked it a postmortem: a Statuspage incident with status `postmortem`
    /// or a `postmortem_body`, an incident.io incident with a postmortem, a Google Cloud
    /// incident with an incident report.
    Publisher,
    /// A curated list has it (`pmagg import`, or a `list` source).
    Curated,
    /// The classifier's confidence against the threshold.
    #[default]
    Classifier,
    /// A curator's mark (`pmagg mark`).
    Curator,
}

impl Decision {
    /// Every origin, in the order the docs list them.
    pub const ALL: [Decision; 4] =
        [Decision::Publisher, Decision::Curated, Decision::Classifier, Decision::Curator];

    /// The name stored in the database and shown by `pmagg show`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Publisher => "publisher",
            Decision::Curated => "curated",
            Decision::Classifier => "classifier",
            Decision::Curator => "curator",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The final word on an entry: a curator's mark, else the publisher's or a curated list's
    /// vouching, else the classifier (`classified`: confidence at or over the threshold).
    pub fn resolve(
        classified: bool,
        vouched: Option<Decision>,
        curator: Option<bool>,
    ) -> (bool, Decision) {
        match (curator, vouched) {
            (Some(is_postmortem), _) => (is_postmortem, Decision::Curator),
            (None, Some(origin @ (Decision::Publisher | Decision::Curated))) => (true, origin),
            (None, _) => (classified, Decision::Classifier),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A curator's word on one entry (`pmagg mark`): kept apart from extraction, so that `sync`
/// and `reextract` never lose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CuratorMark {
    /// The link as given (or the entry's, when marked by id).
    pub url: Option<String>,
    /// [`canonical_url`] of the link: what the mark is matched on. `None` only for an entry
    /// without a link, marked by id.
    pub canonical_url: Option<String>,
    /// The entry it was made on, when marked by id (or when one entry had the link).
    pub entry_id: Option<i64>,
    /// The curator's word.
    pub is_postmortem: bool,
    /// Why, as the curator wrote it.
    pub reason: Option<String>,
    /// When it was made.
    pub marked_at: DateTime<Utc>,
}

/// What decides an entry besides its classifier, loaded once per pass (or per command):
/// curator marks and the links curated lists have.
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    /// Marks by canonical URL.
    pub marks_by_url: std::collections::HashMap<String, bool>,
    /// Marks on entries without a link, by (source, identity).
    pub marks_by_entry: std::collections::HashMap<(SourceName, EntryIdentity), bool>,
    /// Canonical URLs that a person listed in a curated list (`pmagg import`; not entries
    /// pmagg itself rendered), and not removed since.
    pub curated_urls: std::collections::HashSet<String>,
}

impl Verdicts {
    /// The final word on an entry of `source` whose links are `urls` (the entry's and the
    /// report's own), given the classifier's verdict and the parse stage's vouching.
    pub fn decide(
        &self,
        source: &SourceName,
        identity: &EntryIdentity,
        urls: &[Option<&str>],
        classified: bool,
        vouched: Option<Decision>,
    ) -> (bool, Decision) {
        // Without marks or curated links (most passes) no link needs canonicalizing.
        let needed = !self.marks_by_url.is_empty() || !self.curated_urls.is_empty();
        let canonical: Vec<String> = if needed {
            urls.iter().flatten().map(|u| canonical_url(u)).collect()
        } else {
            Vec::new()
        };
        let curator = canonical
            .iter()
            .find_map(|u| self.marks_by_url.get(u).copied())
            .or_else(|| self.marks_by_entry.get(&(source.clone(), identity.clone())).copied());
        let vouched = vouched.or_else(|| {
            canonical.iter().any(|u| self.curated_urls.contains(u)).then_some(Decision::Curated)
        });
        Decision::resolve(classified, vouched, curator)
    }
}

/// A postmortem's text as the source publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The text.
    pub text: String,
    /// How the text is marked up.
    pub format: TextFormat,
    /// When the source says it last changed (Statuspage `postmortem_body_last_updated_at`).
    pub updated_at: Option<DateTime<Utc>>,
    /// Hex SHA-256 of text and `updated_at`: a new value is a new revision.
    pub fingerprint: String,
}

/// Markup of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    /// Markdown (Statuspage postmortems, Google Cloud reports, curated lists).
    Markdown,
    /// HTML (feed content, article pages).
    Html,
    /// Plain text.
    Text,
}

impl TextFormat {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TextFormat::Markdown => "markdown",
            TextFormat::Html => "html",
            TextFormat::Text => "text",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [TextFormat::Markdown, TextFormat::Html, TextFormat::Text]
            .into_iter()
            .find(|f| f.as_str() == name)
    }
}

/// A status-page incident: what the status page says, before any extraction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The platform's status: `investigating`, `identified`, `monitoring`, `resolved`,
    /// `postmortem` (Statuspage), or the platform's own words.
    pub status: String,
    /// The platform's impact or severity: `none|minor|major|critical` (Statuspage),
    /// `degraded_performance|partial_outage|full_outage` (incident.io), `high|medium|low` (GCP).
    pub impact: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it was resolved (else the last update).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Affected components or products.
    pub components: Vec<String>,
    /// The updates, oldest first: the incident's timeline as published.
    pub updates: Vec<IncidentUpdate>,
}

/// One status update of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    /// When it was posted (or displayed).
    pub at: Option<DateTime<Utc>>,
    /// The status it moved the incident to.
    pub status: Option<String>,
    /// Its text as published (markdown or plain text).
    pub text: String,
}

/// How an entry is recognised when it is seen again.
///
/// Feed readers agree on the order (miniflux, rss2email): the GUID; the GUID plus the link when
/// GUIDs repeat within one feed; the link when there is no GUID; else a hash of title and content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EntryIdentity(String);

impl EntryIdentity {
    /// Wraps an identity string made by the parse stage or read from the store.
    pub fn new(identity: impl Into<String>) -> Self {
        Self(identity.into())
    }

    /// The identity as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An entry as stored, with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEntry {
    /// Row id, stable for the life of the database; `pmagg show ID` takes it.
    pub id: i64,
    /// The source it came from.
    pub source: SourceName,
    /// The entry's fields as last stored.
    #[serde(flatten)]
    pub item: Entry,
    /// How many versions of the report have been stored: 0 while there is none, 1 when it
    /// first appears, +1 each time it is revised.
    pub revision: u32,
    /// When pmagg first stored it.
    pub first_seen: DateTime<Utc>,
    /// When pmagg last saw it in its source.
    pub last_seen: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curator_has_the_last_word_and_the_publisher_the_first() {
        use Decision::{Classifier, Curated, Curator, Publisher};
        assert_eq!(Decision::resolve(false, None, None), (false, Classifier));
        assert_eq!(Decision::resolve(true, None, None), (true, Classifier));
        assert_eq!(Decision::resolve(false, Some(Publisher), None), (true, Publisher));
        assert_eq!(Decision::resolve(false, Some(Curated), None), (true, Curated));
        assert_eq!(Decision::resolve(true, Some(Publisher), Some(false)), (false, Curator));
        assert_eq!(Decision::resolve(false, None, Some(true)), (true, Curator));
        for d in Decision::ALL {
            assert_eq!(Decision::from_name(d.as_str()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }

        let source = SourceName::new("blog");
        let id = EntryIdentity::new("guid:1");
        let mut verdicts = Verdicts::default();
        let url = Some("http://www.blog.example/post/?utm_source=rss");
        assert_eq!(verdicts.decide(&source, &id, &[url], false, None), (false, Classifier));
        verdicts.curated_urls.insert("https://blog.example/post".into());
        assert_eq!(verdicts.decide(&source, &id, &[None, url], false, None), (true, Curated));
        verdicts.marks_by_url.insert("https://blog.example/post".into(), false);
        assert_eq!(verdicts.decide(&source, &id, &[url], true, Some(Publisher)), (false, Curator));
        let other = EntryIdentity::new("guid:2");
        verdicts.marks_by_entry.insert((source.clone(), other.clone()), true);
        assert_eq!(verdicts.decide(&source, &other, &[None], false, None), (true, Curator));
    }
}
