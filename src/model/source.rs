//! Sources: their names, kinds, conditional-GET validators and stored state.

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
    /// Whether its last pass lost a report page: the index answered, but a report page it
    /// points at failed (`sync` calls the source degraded). Cleared by a clean pass or a 304.
    pub last_pass_degraded: bool,
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
