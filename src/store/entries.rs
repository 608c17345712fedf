//! Entries: one row per item of a source, upserted on `(source, identity)`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, parse_timestamp, query, timestamp};
use crate::model::{Entry, EntryIdentity, SourceName, StoredEntry, Validators, WriteCounts};

const ENTRY_COLUMNS: &str = "e.id, s.name, e.identity, e.url, e.title, e.published, e.summary, \
                             e.content, e.content_hash, e.first_seen, e.last_seen";

impl Store {
    /// Stores a source's parsed entries and its new validators in one transaction.
    ///
    /// New identities are inserted; known ones get `last_seen` and, when their content hash
    /// changed, their new fields. The source's state becomes "succeeded at `at`".
    pub fn record_entries(
        &mut self,
        name: &SourceName,
        status: u16,
        validators: &Validators,
        entries: &[Entry],
        at: DateTime<Utc>,
    ) -> Result<WriteCounts, StoreError> {
        let source_id = self.source_id(name)?.ok_or_else(|| StoreError::Invalid {
            what: "source name (not registered)",
            value: name.to_string(),
        })?;
        let at = timestamp(at);
        let tx = self.conn.transaction().map_err(query("begin a transaction"))?;
        let mut counts = WriteCounts::default();
        {
            let mut existing = tx
                .prepare_cached(
                    "SELECT content_hash FROM entries WHERE source_id = ?1 AND identity = ?2",
                )
                .map_err(query("look up an entry"))?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO entries (source_id, identity, url, title, published, summary,
                                          content, content_hash, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                )
                .map_err(query("insert an entry"))?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE entries SET url = ?3, title = ?4, published = ?5, summary = ?6,
                                        content = ?7, content_hash = ?8, last_seen = ?9
                     WHERE source_id = ?1 AND identity = ?2",
                )
                .map_err(query("update an entry"))?;
            let mut touch = tx
                .prepare_cached(
                    "UPDATE entries SET last_seen = ?3 WHERE source_id = ?1 AND identity = ?2",
                )
                .map_err(query("update an entry"))?;

            for entry in entries {
                let identity = entry.identity.as_str();
                let stored: Option<String> = existing
                    .query_row(params![source_id, identity], |row| row.get(0))
                    .optional()
                    .map_err(query("look up an entry"))?;
                let published = entry.published.map(timestamp);
                let fields = params![
                    source_id,
                    identity,
                    entry.url,
                    entry.title,
                    published,
                    entry.summary,
                    entry.content,
                    entry.content_hash,
                    at
                ];
                match stored {
                    None => {
                        insert.execute(fields).map_err(query("insert an entry"))?;
                        counts.new += 1;
                    }
                    Some(hash) if hash != entry.content_hash => {
                        update.execute(fields).map_err(query("update an entry"))?;
                        counts.updated += 1;
                    }
                    Some(_) => {
                        touch
                            .execute(params![source_id, identity, at])
                            .map_err(query("update an entry"))?;
                        counts.unchanged += 1;
                    }
                }
            }
            tx.execute(
                "UPDATE sources SET etag = ?2, last_modified = ?3, last_attempt_at = ?4,
                     last_success_at = ?4, last_status = ?5, last_error = NULL,
                     consecutive_failures = 0
                 WHERE id = ?1",
                params![source_id, validators.etag, validators.last_modified, at, status],
            )
            .map_err(query("record a success"))?;
        }
        tx.commit().map_err(query("commit entries"))?;
        Ok(counts)
    }

    /// The most recently published entries first (entries without a date last).
    pub fn list_entries(&self, limit: usize) -> Result<Vec<StoredEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e JOIN sources s ON s.id = e.source_id
             ORDER BY e.published IS NULL, e.published DESC, e.id DESC LIMIT ?1"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("list entries"))?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], read_row)
            .map_err(query("list entries"))?;
        rows.map(|row| row.map_err(query("list entries")).and_then(StoredEntry::try_from)).collect()
    }

    /// One entry by row id.
    pub fn entry(&self, id: i64) -> Result<Option<StoredEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e JOIN sources s ON s.id = e.source_id WHERE e.id = ?1"
        );
        self.conn
            .query_row(&sql, [id], read_row)
            .optional()
            .map_err(query("read an entry"))?
            .map(StoredEntry::try_from)
            .transpose()
    }

    /// Entries whose link is `url` (several sources may carry the same article).
    pub fn entries_by_url(&self, url: &str) -> Result<Vec<StoredEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e JOIN sources s ON s.id = e.source_id
             WHERE e.url = ?1 ORDER BY e.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("find entries by URL"))?;
        let rows = stmt.query_map([url], read_row).map_err(query("find entries by URL"))?;
        rows.map(|row| row.map_err(query("find entries by URL")).and_then(StoredEntry::try_from))
            .collect()
    }

    /// How many entries are stored.
    pub fn count_entries(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM entries", [], |row| row.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(query("count entries"))
    }
}

/// A row as read, before its timestamps are checked.
struct RawEntryRow {
    id: i64,
    source: String,
    identity: String,
    url: Option<String>,
    title: Option<String>,
    published: Option<String>,
    summary: Option<String>,
    content: Option<String>,
    content_hash: String,
    first_seen: String,
    last_seen: String,
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<RawEntryRow> {
    Ok(RawEntryRow {
        id: row.get(0)?,
        source: row.get(1)?,
        identity: row.get(2)?,
        url: row.get(3)?,
        title: row.get(4)?,
        published: row.get(5)?,
        summary: row.get(6)?,
        content: row.get(7)?,
        content_hash: row.get(8)?,
        first_seen: row.get(9)?,
        last_seen: row.get(10)?,
    })
}

impl TryFrom<RawEntryRow> for StoredEntry {
    type Error = StoreError;

    fn try_from(row: RawEntryRow) -> Result<Self, StoreError> {
        let required = |what, value: String| {
            parse_timestamp(what, Some(value))?
                .ok_or(StoreError::Invalid { what, value: String::new() })
        };
        Ok(StoredEntry {
            id: row.id,
            source: SourceName::new(row.source),
            identity: EntryIdentity::new(row.identity),
            url: row.url,
            title: row.title,
            published: parse_timestamp("published", row.published)?,
            summary: row.summary,
            content: row.content,
            content_hash: row.content_hash,
            first_seen: required("first_seen", row.first_seen)?,
            last_seen: required("last_seen", row.last_seen)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceKind;

    fn entry(identity: &str, title: &str, hash: &str) -> Entry {
        Entry {
            identity: EntryIdentity::new(identity),
            url: Some(format!("https://a.example/{identity}")),
            title: Some(title.to_owned()),
            published: Some(Utc::now()),
            summary: None,
            content: None,
            content_hash: hash.to_owned(),
        }
    }

    #[test]
    fn upserts_count_new_updated_and_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("e.db")).unwrap();
        let name = SourceName::new("a");
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        let validators = Validators { etag: Some("\"1\"".into()), last_modified: None };
        let first = [entry("1", "One", "h1"), entry("2", "Two", "h2")];
        let counts = store.record_entries(&name, 200, &validators, &first, Utc::now()).unwrap();
        assert_eq!(counts, WriteCounts { new: 2, updated: 0, unchanged: 0 });

        let second =
            [entry("1", "One", "h1"), entry("2", "Two, revised", "h2b"), entry("3", "Three", "h3")];
        let counts = store.record_entries(&name, 200, &validators, &second, Utc::now()).unwrap();
        assert_eq!(counts, WriteCounts { new: 1, updated: 1, unchanged: 1 });
        assert_eq!(store.count_entries().unwrap(), 3);

        let revised = store.entries_by_url("https://a.example/2").unwrap();
        assert_eq!(revised[0].title.as_deref(), Some("Two, revised"));
        assert_eq!(store.entry(revised[0].id).unwrap().unwrap().identity.as_str(), "2");
        assert_eq!(store.validators().unwrap()[&name].etag.as_deref(), Some("\"1\""));
    }
}
