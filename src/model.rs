//! Plain data shared by the stages.
//!
//! Takes nothing and returns nothing: these are the values that cross the arrows of the
//! pipeline (`config → fetch → parse → store`). No I/O happens here, and no type here holds a
//! connection, a client or a parsed document.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The unique name of a configured source, as written in `sources.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
}

impl SourceKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: &'static [SourceKind] = &[SourceKind::Feed];

    /// The name used in `sources.toml` and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Stable identity of the item within its source (see [`EntryIdentity`]).
    pub identity: EntryIdentity,
    /// Absolute link to the item, resolved against the feed URL.
    pub url: Option<String>,
    /// The item's title as plain text.
    pub title: Option<String>,
    /// When the item was published (or, failing that, last updated).
    pub published: Option<DateTime<Utc>>,
    /// The item's summary or description.
    pub summary: Option<String>,
    /// The item's full content, when the feed carries it.
    pub content: Option<String>,
    /// Hex SHA-256 over the fields above; a change means the item changed.
    pub content_hash: String,
}

/// How an entry is recognised when it is seen again.
///
/// Feed readers agree on the order (miniflux, rss2email): the GUID; the GUID plus the link when
/// GUIDs repeat within one feed; the link when there is no GUID; else a hash of title and content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
    /// Its identity within that source.
    pub identity: EntryIdentity,
    /// Absolute link to the item.
    pub url: Option<String>,
    /// Title as plain text.
    pub title: Option<String>,
    /// When it was published.
    pub published: Option<DateTime<Utc>>,
    /// Summary or description.
    pub summary: Option<String>,
    /// Full content, when the source carries it.
    pub content: Option<String>,
    /// Hex SHA-256 of the parsed fields.
    pub content_hash: String,
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
    /// How many entries are stored for it.
    pub entries: u64,
}

/// What writing one source's entries changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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
