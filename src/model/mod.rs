//! Plain data shared by the stages.
//!
//! Takes nothing and returns nothing: these are the values that cross the arrows of the
//! pipeline (`config → fetch → parse → store`). No I/O happens here, and no type here holds a
//! connection, a client or a parsed document.

pub mod links;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The unique name of a configured source, as written in `sources.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceName(String);

impl SourceName {
    /// Wraps a name that the config stage has already checked.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as written in the config.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a source is, which decides how its response is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// An RSS 0.9x/1.0/2.0, Atom or JSON Feed document.
    Feed,
    /// An Atlassian Statuspage site; its `/api/v2/incidents.json` is read.
    Statuspage,
    /// An incident.io status page (e.g. status.openai.com): its Statuspage-compatible API,
    /// with `/feed.atom` as the fallback.
    Incidentio,
    /// A Google Cloud or Google Workspace `incidents.json`.
    Gcp,
    /// An HTML index page read with CSS selectors from the config.
    Html,
    /// A curated markdown list (awesome-postmortems, danluu/post-mortems, k8s.af shapes).
    List,
}

impl SourceKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: &'static [SourceKind] = &[
        SourceKind::Feed,
        SourceKind::Statuspage,
        SourceKind::Incidentio,
        SourceKind::Gcp,
        SourceKind::Html,
        SourceKind::List,
    ];

    /// The name used in `sources.toml` and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Statuspage => "statuspage",
            SourceKind::Incidentio => "incidentio",
            SourceKind::Gcp => "gcp",
            SourceKind::Html => "html",
            SourceKind::List => "list",
        }
    }

    /// Parses the name used in `sources.toml`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == name)
    }

    /// The `Accept` header sent when fetching a source of this kind.
    pub fn accept(self) -> &'static str {
        match self {
            SourceKind::Feed => {
                "application/atom+xml, application/rss+xml, application/feed+json, \
                 application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
            }
            SourceKind::Statuspage | SourceKind::Incidentio | SourceKind::Gcp => {
                "application/json, */*;q=0.5"
            }
            SourceKind::Html => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
            SourceKind::List => "text/markdown, text/plain;q=0.9, */*;q=0.5",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP cache validators from the last successful fetch, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Validators {
    /// The `ETag` response header, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` response header, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

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

/// The stored state of one source: what `pmagg sources` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceState {
    /// The source's name.
    pub name: SourceName,
    /// Its kind as stored (kept as text so that rows of removed kinds still show).
    pub kind: String,
    /// The URL last fetched.
    pub url: String,
    /// Validators for the next conditional GET.
    pub validators: Validators,
    /// When a fetch was last attempted.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a fetch last succeeded (200 or 304).
    pub last_success_at: Option<DateTime<Utc>>,
    /// HTTP status of the last attempt, when one was received.
    pub last_status: Option<u16>,
    /// The last error, cleared by the next success.
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// While the source backs off after failures: when it may be polled again (the daemon
    /// skips it until then). `None` after a success.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// How many entries are stored for it.
    pub entries: u64,
}

/// What writing one source's entries changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteCounts {
    /// Entries stored for the first time.
    pub new: u64,
    /// Entries seen before whose content changed.
    pub updated: u64,
    /// Entries seen before and unchanged.
    pub unchanged: u64,
}

impl std::ops::AddAssign for WriteCounts {
    fn add_assign(&mut self, other: Self) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

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
    /// Whether the document is a postmortem (`confidence` at or over the threshold).
    pub is_postmortem: bool,
    /// 0.0 to 1.0.
    pub confidence: f32,
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
    /// The fields. `is_postmortem` is the final word ([`Verdicts::decide`]), not only the
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

/// How a curated list writes an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListShape {
    /// `- MM-DD-YYYY - [Title](url) by [Company](url)` (awesome-postmortems).
    Dated,
    /// `* [Title - Company - venue](url)` (k8s.af) or a plain `- [Title](url)` bullet.
    Linked,
    /// `[Company](url). Sentences.` under a category heading (danluu/post-mortems).
    Paragraph,
}

impl ListShape {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ListShape::Dated => "dated",
            ListShape::Linked => "linked",
            ListShape::Paragraph => "paragraph",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [ListShape::Dated, ListShape::Linked, ListShape::Paragraph]
            .into_iter()
            .find(|shape| shape.as_str() == name)
    }
}

/// Who put a curated entry in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CuratedOrigin {
    /// A person: the entry was in the file when pmagg read it (`pmagg import`, or a hand edit
    /// found by `pmagg render`). Its archive copy, if any, is the curator's.
    Import,
    /// pmagg: `pmagg render` wrote it into the list.
    Render,
}

impl CuratedOrigin {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CuratedOrigin::Import => "import",
            CuratedOrigin::Render => "render",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [CuratedOrigin::Import, CuratedOrigin::Render].into_iter().find(|o| o.as_str() == name)
    }
}

/// One entry of a curated list as the list writes it: its exact bytes and what they say.
///
/// Curated text is authoritative: extraction never overwrites these fields, and an entry that
/// is already in a list keeps its bytes there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CuratedEntry {
    /// The list it belongs to: the list file's path, as [`list_key`] writes it.
    pub list: String,
    /// 0-based place within its list, in file order.
    pub position: u32,
    /// The entry's lines exactly as written (the bullet and its nested lines, or the
    /// paragraph), line endings included.
    pub raw: String,
    /// How it is written.
    pub shape: ListShape,
    /// Who put it there.
    pub origin: CuratedOrigin,
    /// The link as written (a `web.archive.org` wrapper stays).
    pub url: String,
    /// [`canonical_url`] of `url`: what duplicates are matched on.
    pub canonical_url: String,
    /// The title as written (typos included), markdown escapes undone.
    pub title: Option<String>,
    /// The company, when the list names one.
    pub company: Option<String>,
    /// The company's link, when the list gives one (`by [Company](url)`).
    pub company_url: Option<String>,
    /// The incident date the list gives.
    pub incident_date: Option<chrono::NaiveDate>,
    /// The summary as written (link markup removed).
    pub summary: Option<String>,
    /// Categories the list gives (danluu headings, k8s.af `involved`).
    pub categories: Vec<String>,
    /// Deleted from its list by hand: never listed again, even when a source finds it.
    pub removed: bool,
}

/// The key a list file is stored under: the path as given, with `.` components dropped and,
/// when it is absolute and inside `cwd`, made relative to it. So `./README.md`, `README.md`
/// and `/repo/README.md` (run from `/repo`) are one list, on any machine.
pub fn list_key(path: &std::path::Path, cwd: Option<&std::path::Path>) -> String {
    use std::path::Component;
    let relative = cwd.and_then(|cwd| path.strip_prefix(cwd).ok()).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// The original URL inside a Wayback Machine link
/// (`https://web.archive.org/web/<timestamp>[modifier_]/<original>`), when it is an absolute
/// http(s) URL; `None` for any other link.
pub fn unwrap_wayback(url: &str) -> Option<&str> {
    static WAYBACK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)^https?://(?:web|wayback)\.archive\.org/web/\d{1,14}(?:[a-z]{2}_)?/(https?://[^/\s].*)$",
        )
        .expect("the wayback pattern is a valid regex (checked by a test)")
    });
    WAYBACK.captures(url).and_then(|caps| caps.get(1)).map(|original| original.as_str())
}

/// The form of a URL that duplicates are matched on: the Wayback wrapper removed, `https`,
/// a lowercase host without `www.` or a default port, no trailing slash, no fragment and no
/// `utm_*` parameters (other parameters keep their order). Text that is not a URL comes back
/// trimmed and lowercased, so it still matches itself.
pub fn canonical_url(url: &str) -> String {
    let trimmed = url.trim();
    let original = unwrap_wayback(trimmed).unwrap_or(trimmed);
    let Ok(mut parsed) = url::Url::parse(original) else {
        return original.to_lowercase();
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return original.to_lowercase();
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).trim_end_matches('.').to_owned();
    let port = parsed.port().filter(|port| !matches!(port, 80 | 443));
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| !key.to_ascii_lowercase().starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = if kept.is_empty() {
        None
    } else if kept.len() == parsed.query_pairs().count() {
        parsed.query().map(str::to_owned)
    } else {
        Some(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish())
    };
    parsed.set_query(None);
    parsed.set_fragment(None);
    let path = parsed.path().trim_end_matches('/').to_owned();
    let mut out = format!("https://{host}");
    if let Some(port) = port {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(&path);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query);
    }
    // `(`, `)`, `[` and `]` are written percent-encoded in markdown links (so that they cannot
    // end the link): both spellings are the same link.
    if out.contains('%') {
        for (encoded, plain) in [("%28", "("), ("%29", ")"), ("%5B", "["), ("%5D", "]")] {
            out = out.replace(encoded, plain).replace(&encoded.to_ascii_lowercase(), plain);
        }
    }
    out
}

/// What importing a list changed in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CuratedCounts {
    /// Entries stored for the first time.
    pub new: u64,
    /// Entries whose bytes, fields or place changed (or that came back after a removal).
    pub updated: u64,
    /// Entries stored before and unchanged.
    pub unchanged: u64,
    /// Entries of the list that the file no longer has: marked removed.
    pub removed: u64,
}

/// A confirmed postmortem with what a list entry, an archive copy and a feed entry need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListablePostmortem {
    /// The extraction and its ids.
    #[serde(flatten)]
    pub stored: StoredPostmortem,
    /// The entry's link, when extraction found none.
    pub entry_url: Option<String>,
    /// The entry's date, when extraction found none.
    pub entry_published: Option<DateTime<Utc>>,
    /// The report as markdown (the archive copy's body), when stored.
    pub body: Option<String>,
    /// When pmagg first stored the entry (`entries.first_seen`): the feed's `updated`.
    pub first_seen: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls() {
        for (given, expected) in [
            ("https://www.Example.COM/a/b/", "https://example.com/a/b"),
            ("http://example.com", "https://example.com"),
            ("https://example.com/", "https://example.com"),
            ("https://example.com/a#section", "https://example.com/a"),
            ("https://example.com/a?utm_source=x&id=3&UTM_medium=y", "https://example.com/a?id=3"),
            ("https://example.com/a?b=1&a=2", "https://example.com/a?b=1&a=2"),
            ("https://example.com/a?utm_source=rss", "https://example.com/a"),
            ("http://example.com:80/x", "https://example.com/x"),
            ("https://example.com:8443/x", "https://example.com:8443/x"),
            (
                "https://web.archive.org/web/20120704032040/http://www.aws.amazon.com/message/67457/",
                "https://aws.amazon.com/message/67457",
            ),
            ("  https://example.com/a  ", "https://example.com/a"),
            ("not a url", "not a url"),
            ("mailto:A@example.com", "mailto:a@example.com"),
        ] {
            assert_eq!(canonical_url(given), expected, "{given}");
        }
        assert_eq!(
            canonical_url("https://blog.example.com/post/?utm_campaign=a#top"),
            canonical_url("http://www.blog.example.com/post")
        );
    }

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

    #[test]
    fn list_keys() {
        use std::path::Path;
        assert_eq!(list_key(Path::new("./README.md"), None), "README.md");
        assert_eq!(list_key(Path::new("docs/./list.md"), None), "docs/list.md");
        assert_eq!(list_key(Path::new("/repo/README.md"), Some(Path::new("/repo"))), "README.md");
        assert_eq!(
            list_key(Path::new("/elsewhere/x.md"), Some(Path::new("/repo"))),
            "/elsewhere/x.md"
        );
    }
}

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
