//! Documents and postmortems: what extraction reads (a [`Document`] of blocks, [`Hints`])
//! and what it returns ([`Postmortem`] and its parts).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Decision, EntryIdentity, SourceName};

/// One article reduced to what extraction reads: its metadata and its main content as blocks
/// in reading order. Made by `parse::document` from HTML, markdown or plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The document's own title (`<h1>`, `og:title`, `<title>`, a markdown `#` heading).
    pub title: Option<String>,
    /// Where it came from, when known.
    pub url: Option<String>,
    /// When it was written, from its metadata (`article:published_time`, `<time datetime>`).
    pub published: Option<DateTime<Utc>>,
    /// The publisher, from its metadata (`og:site_name`).
    pub site_name: Option<String>,
    /// The main content, in reading order.
    pub blocks: Vec<Block>,
    /// The main content as markdown: the stored body and the archive copy.
    pub markdown: String,
}

/// Words that open a label of a span's end and say what the span is of ("Incident Start
/// Time", "Outage end"): the label means "Start Time" and "end". Parse reads such lines as
/// labels, and extraction reads their values as the incident's start and end.
pub const SPAN_LABEL_SUBJECTS: [&str; 6] =
    ["incident ", "outage ", "impact ", "issue ", "event ", "downtime "];

/// `label` (lowercase) without a leading [`SPAN_LABEL_SUBJECTS`] word.
pub fn without_span_subject(label: &str) -> &str {
    SPAN_LABEL_SUBJECTS.iter().find_map(|what| label.strip_prefix(what)).unwrap_or(label)
}

/// A unit of a document's main content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A heading, or a line that acts as one (a bold label, `Impact:` alone on a line).
    Heading {
        /// 1 to 6; labels count as 4.
        level: u8,
        /// The heading text, markup removed.
        text: String,
    },
    /// A paragraph of prose.
    Paragraph {
        /// Its text, markup removed, whitespace collapsed.
        text: String,
    },
    /// One list item (nested lists are flattened in order).
    ListItem {
        /// Its text.
        text: String,
    },
    /// One table row (the first row of a table is usually its header).
    TableRow {
        /// The cells' text.
        cells: Vec<String>,
    },
    /// Preformatted text.
    Code {
        /// The text as written.
        text: String,
    },
}

/// What the source already says about a document, used when the text does not say it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// The entry's title (a feed item's, an incident's name).
    pub title: Option<String>,
    /// The company the source speaks for.
    pub company: Option<String>,
    /// The entry's link.
    pub url: Option<String>,
    /// When the entry was published.
    pub published: Option<DateTime<Utc>>,
    /// Incident times the source states (a status page's start and resolution).
    pub started_at: Option<DateTime<Utc>>,
    /// See `started_at`.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What extraction found in a document: the fields `pmagg extract --json` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Postmortem {
    /// Whether the document is a postmortem (`confidence` at or over the threshold, unless a
    /// publisher, a curated list or a curator decided).
    pub is_postmortem: bool,
    /// The classifier's confidence, 0.0 to 1.0; `None` where it was not consulted: the
    /// publisher or a curated list vouched for the report (see `extract::extract_vouched`).
    pub confidence: Option<f32>,
    /// The report's title.
    pub title: Option<String>,
    /// Who it is about.
    pub company: Option<String>,
    /// Where it is published.
    pub url: Option<String>,
    /// When it was written.
    pub published: Option<DateTime<Utc>>,
    /// When the incident happened (not when the report was written).
    pub incident_date: Option<chrono::NaiveDate>,
    /// When the incident started.
    pub start: Option<DateTime<Utc>>,
    /// When it ended.
    pub end: Option<DateTime<Utc>>,
    /// How long it lasted.
    pub duration_minutes: Option<u32>,
    /// Who and what was affected.
    pub impact: Option<String>,
    /// Why it happened (about a quarter of real reports name no single root cause).
    pub root_cause: Option<String>,
    /// How it was fixed.
    pub resolution: Option<String>,
    /// One or two sentences from the report: what broke, why, how it was resolved.
    pub summary: Option<String>,
    /// The timeline as the report gives it.
    pub timeline: Vec<TimelineEvent>,
    /// What will change.
    pub action_items: Vec<String>,
    /// Kinds of failure, from a fixed vocabulary.
    pub categories: Vec<Category>,
}

/// One line of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    /// RFC 3339 when a full date and time could be resolved, else the time as written.
    pub time: String,
    /// What happened.
    pub event: String,
}

/// The failure categories pmagg assigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// A configuration change.
    ConfigChange,
    /// A deploy or release.
    Deploy,
    /// A database.
    Database,
    /// The network (routing, BGP, load balancers, packet loss).
    Network,
    /// DNS.
    Dns,
    /// Not enough capacity for the load.
    Capacity,
    /// Memory, disk, file descriptors, connections or quotas ran out.
    ResourceExhaustion,
    /// Failed hardware.
    Hardware,
    /// Power or cooling.
    Power,
    /// A cloud provider's service was involved.
    Cloud,
    /// A third-party dependency.
    Dependency,
    /// A security incident.
    Security,
    /// An expired or bad certificate.
    Certificate,
    /// Clocks, time zones, leap seconds, date handling.
    Time,
    /// Kubernetes.
    Kubernetes,
    /// Storage systems.
    Storage,
    /// Failure spread between systems.
    CascadingFailure,
    /// An automated system or tool caused or widened the failure.
    Automation,
    /// A software bug.
    Bug,
    /// A human mistake.
    HumanError,
}

/// An extraction result on its way to the store, tied to the entry and report it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The entry (within the source being written).
    pub identity: EntryIdentity,
    /// The report version it was extracted from.
    pub report_fingerprint: Option<String>,
    /// The extractor version, so `pmagg reextract` knows what is stale.
    pub extractor_version: u32,
    /// The fields. `is_postmortem` is the final word ([`super::Verdicts::decide`]), not only the
    /// classifier's.
    pub postmortem: Postmortem,
    /// Where `postmortem.is_postmortem` came from.
    pub decided_by: Decision,
    /// The report body as markdown, for full-text search.
    pub body: String,
}

/// A stored extraction with the ids that link it to its entry and source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredPostmortem {
    /// Row id.
    pub id: i64,
    /// The entry it was extracted from (`pmagg show ID`).
    pub entry_id: i64,
    /// The entry's source.
    pub source: SourceName,
    /// The extractor version that produced it.
    pub extractor_version: u32,
    /// When it was extracted.
    pub extracted_at: DateTime<Utc>,
    /// Where `is_postmortem` came from: publisher, curated, classifier or curator.
    pub decided_by: Decision,
    /// The fields.
    #[serde(flatten)]
    pub postmortem: Postmortem,
}
