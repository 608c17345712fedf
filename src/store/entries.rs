//! Entries: one row per item of a source, upserted on `(source, identity)`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::postmortems::{Indexed, index};
use super::{Store, StoreError, json, parse_timestamp, query, timestamp};
use std::collections::HashSet;

use crate::model::{
    Decision, Entry, EntryIdentity, Extracted, Incident, Report, SourceName, StoredEntry,
    TextFormat, Validators, WriteCounts,
};

const ENTRY_COLUMNS: &str = "e.id, s.name, e.identity, e.url, e.title, e.published, e.summary, \
                             e.content, e.content_hash, e.first_seen, e.last_seen, e.company, \
                             e.categories, e.candidate, e.report, e.report_format, \
                             e.report_updated_at, e.report_fingerprint, e.revision, e.report_url, \
                             e.incident, e.vouched_by";

/// One source's write at the end of its pass: what [`Store::record_entries`] stores.
#[derive(Debug)]
pub struct SourceWrite {
    /// The source.
    pub name: SourceName,
    /// The HTTP status of its fetch.
    pub status: u16,
    /// Its new validators.
    pub validators: Validators,
    /// Its parsed entries.
    pub entries: Vec<Entry>,
    /// Extraction results for some of them.
    pub extracted: Vec<Extracted>,
    /// When the pass ran.
    pub at: DateTime<Utc>,
    /// The last of its report pages that could not be fetched or read in this pass, if any:
    /// stored with the source (`pmagg sources` shows it, #16).
    pub report_failure: Option<ReportFailure>,
}

/// A report page that could not be fetched or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFailure {
    /// The page's URL, when known.
    pub url: Option<String>,
    /// Why, one line (it names the URL too).
    pub error: String,
}

impl Store {
    /// Stores a source's parsed entries and its new validators in one transaction.
    ///
    /// New identities are inserted; known ones get `last_seen` and, when their content hash or
    /// report changed, their new fields. A report is never erased by an entry that carries
    /// none (it may have been fetched from `report_url`), and each new report fingerprint
    /// counts a revision. The source's state becomes "succeeded at `at`".
    pub fn record_entries(
        &mut self,
        name: &SourceName,
        status: u16,
        validators: &Validators,
        entries: &[Entry],
        extracted: &[Extracted],
        at: DateTime<Utc>,
    ) -> Result<WriteCounts, StoreError> {
        let tx = self.write_transaction()?;
        let (counts, indexed) = record_in(&tx, name, status, validators, entries, extracted, at)?;
        index(&tx, &indexed)?;
        tx.commit().map_err(query("commit entries"))?;
        Ok(counts)
    }

    /// [`Store::record_entries`] for several sources in one transaction (a group commit),
    /// each under its own savepoint: a write that fails rolls back alone and returns its
    /// error, the others commit together. The results are in the order of `writes`.
    ///
    /// A cold pass writes a thousand sources, and every commit writes each page it touched
    /// to the WAL again: the index pages and the `sources` row that every source shares
    /// were most of what a pass wrote (480 MB for a 90 MB database). One commit for the
    /// sources that finished close together (the pass's writer collects them, see
    /// `pipeline`) writes those pages, and the full-text index, once.
    pub fn record_entries_batch(
        &mut self,
        writes: &[SourceWrite],
    ) -> Vec<Result<WriteCounts, StoreError>> {
        let one = |store: &mut Self, w: &SourceWrite| {
            let tx = store.write_transaction()?;
            let (counts, indexed) =
                record_in(&tx, &w.name, w.status, &w.validators, &w.entries, &w.extracted, w.at)?;
            record_report_failure(&tx, &w.name, w.report_failure.as_ref(), w.at)?;
            index(&tx, &indexed)?;
            tx.commit().map_err(query("commit entries"))?;
            Ok(counts)
        };
        if let [write] = writes {
            return vec![one(self, write)];
        }
        let together = (|| {
            let mut tx = self.write_transaction()?;
            let mut results = Vec::with_capacity(writes.len());
            let mut indexed = Vec::new();
            for w in writes {
                let savepoint = tx.savepoint().map_err(query("begin a savepoint"))?;
                match record_in(
                    &savepoint,
                    &w.name,
                    w.status,
                    &w.validators,
                    &w.entries,
                    &w.extracted,
                    w.at,
                )
                .and_then(|written| {
                    record_report_failure(&savepoint, &w.name, w.report_failure.as_ref(), w.at)?;
                    Ok(written)
                }) {
                    Ok((counts, rows)) => {
                        savepoint.commit().map_err(query("release a savepoint"))?;
                        indexed.extend(rows);
                        results.push(Ok(counts));
                    }
                    // Dropping the savepoint rolls this source's statements back.
                    Err(err) => results.push(Err(err)),
                }
            }
            // The full-text index is written once for the sources that committed, after
            // their savepoints: each savepoint would flush FTS5's pending terms into a
            // segment of its own, to be merged later.
            index(&tx, &indexed)?;
            tx.commit().map_err(query("commit entries"))?;
            Ok::<_, StoreError>(results)
        })();
        // The shared transaction could not begin or commit (everything in it rolled back):
        // write each source alone, so that each gets its own outcome.
        together.unwrap_or_else(|_| writes.iter().map(|w| one(self, w)).collect())
    }
}

/// Stores `failure` as the source's last report failure, and marks its pass degraded (nothing
/// when there is none: an older failure stays, with its time, and the write itself has
/// cleared the mark).
fn record_report_failure(
    tx: &Connection,
    name: &SourceName,
    failure: Option<&ReportFailure>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(failure) = failure else { return Ok(()) };
    tx.execute(
        "UPDATE sources SET last_report_url = ?2, last_report_error = ?3,
             last_report_failed_at = ?4, last_pass_degraded = 1
         WHERE name = ?1",
        params![name.as_str(), failure.url, failure.error, timestamp(at)],
    )
    .map_err(query("record a report failure"))?;
    Ok(())
}

/// The statements of [`Store::record_entries`], inside an open transaction or savepoint,
/// except the full-text index: the postmortems written, to index before the commit.
#[allow(clippy::too_many_lines, reason = "the statements of one transaction read best together")]
fn record_in<'a>(
    tx: &Connection,
    name: &SourceName,
    status: u16,
    validators: &Validators,
    entries: &[Entry],
    extracted: &'a [Extracted],
    at: DateTime<Utc>,
) -> Result<(WriteCounts, Indexed<'a>), StoreError> {
    let source_id: i64 = tx
        .query_row("SELECT id FROM sources WHERE name = ?1", [name.as_str()], |row| row.get(0))
        .optional()
        .map_err(query("look up a source"))?
        .ok_or_else(|| StoreError::Invalid {
            what: "source name (not registered)",
            value: name.to_string(),
        })?;
    let at = timestamp(at);
    let mut counts = WriteCounts::default();
    {
        let mut existing = tx
            .prepare_cached(
                "SELECT content_hash, report_fingerprint FROM entries
                     WHERE source_id = ?1 AND identity = ?2",
            )
            .map_err(query("look up an entry"))?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO entries (source_id, identity, url, title, published, summary,
                         content, content_hash, company, categories, candidate, report_url,
                         incident, report, report_format, report_updated_at, report_fingerprint,
                         revision, first_seen, last_seen, vouched_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?17 IS NOT NULL, ?18, ?18, ?19)",
            )
            .map_err(query("insert an entry"))?;
        let mut update = tx
                .prepare_cached(
                    "UPDATE entries SET url = ?3, title = ?4, published = ?5, summary = ?6,
                         content = ?7, content_hash = ?8, company = ?9, categories = ?10,
                         candidate = ?11, report_url = ?12, incident = ?13, vouched_by = ?19,
                         revision = revision + (?17 IS NOT NULL AND ?17 IS NOT report_fingerprint),
                         report = coalesce(?14, report),
                         report_format = coalesce(?15, report_format),
                         report_updated_at = CASE WHEN ?17 IS NULL THEN report_updated_at ELSE ?16 END,
                         report_fingerprint = coalesce(?17, report_fingerprint),
                         last_seen = ?18
                     WHERE source_id = ?1 AND identity = ?2",
                )
                .map_err(query("update an entry"))?;
        let mut touch = tx
            .prepare_cached(
                "UPDATE entries SET last_seen = ?3 WHERE source_id = ?1 AND identity = ?2",
            )
            .map_err(query("update an entry"))?;

        // A source's first write (every source of a first pass) has nothing stored to
        // compare with: one query says so instead of a lookup per entry. An identity the
        // source lists twice is looked up the second time, and finds the first.
        let first_write = !tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM entries WHERE source_id = ?1)",
                [source_id],
                |row| row.get::<_, bool>(0),
            )
            .map_err(query("look up an entry"))?;
        let mut inserted: HashSet<&str> = HashSet::new();
        for entry in entries {
            let identity = entry.identity.as_str();
            let stored: Option<(String, Option<String>)> = if first_write
                && inserted.insert(identity)
            {
                None
            } else {
                existing
                    .query_row(params![source_id, identity], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
                    .map_err(query("look up an entry"))?
            };
            let report = entry.report.as_ref();
            let categories =
                serde_json::to_string(&entry.categories).map_err(json("categories"))?;
            let incident = entry
                .incident
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(json("incident"))?;
            let fields = params![
                source_id,
                identity,
                entry.url,
                entry.title,
                entry.published.map(timestamp),
                entry.summary,
                entry.content,
                entry.content_hash,
                entry.company,
                categories,
                entry.candidate,
                entry.report_url,
                incident,
                report.map(|r| r.text.as_str()),
                report.map(|r| r.format.as_str()),
                report.and_then(|r| r.updated_at).map(timestamp),
                report.map(|r| r.fingerprint.as_str()),
                at,
                entry.vouched_by.map(Decision::as_str)
            ];
            match stored {
                None => {
                    insert.execute(fields).map_err(query("insert an entry"))?;
                    counts.new += 1;
                }
                Some((hash, fingerprint))
                    if hash != entry.content_hash
                        || report
                            .is_some_and(|r| fingerprint.as_deref() != Some(&r.fingerprint)) =>
                {
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
                     consecutive_failures = 0, next_attempt_at = NULL, last_pass_degraded = 0
                 WHERE id = ?1",
            params![source_id, validators.etag, validators.last_modified, at, status],
        )
        .map_err(query("record a success"))?;
        let indexed = Store::write_extracted(tx, source_id, extracted, &at)?;
        Ok((counts, indexed))
    }
}

impl Store {
    /// Identities of the source's entries that already have a report, so the pipeline does
    /// not fetch those reports again.
    pub fn identities_with_report(
        &self,
        name: &SourceName,
    ) -> Result<HashSet<EntryIdentity>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.identity FROM entries e JOIN sources s ON s.id = e.source_id
                 WHERE s.name = ?1 AND e.report IS NOT NULL",
            )
            .map_err(query("find entries with a report"))?;
        let rows = stmt
            .query_map([name.as_str()], |row| row.get::<_, String>(0))
            .map_err(query("find entries with a report"))?;
        rows.map(|row| row.map(EntryIdentity::new).map_err(query("find entries with a report")))
            .collect()
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
    company: Option<String>,
    categories: String,
    candidate: bool,
    report: Option<String>,
    report_format: Option<String>,
    report_updated_at: Option<String>,
    report_fingerprint: Option<String>,
    revision: u32,
    report_url: Option<String>,
    incident: Option<String>,
    vouched_by: Option<String>,
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
        company: row.get(11)?,
        categories: row.get(12)?,
        candidate: row.get(13)?,
        report: row.get(14)?,
        report_format: row.get(15)?,
        report_updated_at: row.get(16)?,
        report_fingerprint: row.get(17)?,
        revision: row.get(18)?,
        report_url: row.get(19)?,
        incident: row.get(20)?,
        vouched_by: row.get(21)?,
    })
}

impl TryFrom<RawEntryRow> for StoredEntry {
    type Error = StoreError;

    fn try_from(row: RawEntryRow) -> Result<Self, StoreError> {
        let required = |what, value: String| {
            parse_timestamp(what, Some(value))?
                .ok_or(StoreError::Invalid { what, value: String::new() })
        };
        let report = match (row.report, row.report_format) {
            (Some(text), format) => Some(Report {
                text,
                format: format
                    .as_deref()
                    .and_then(TextFormat::from_name)
                    .unwrap_or(TextFormat::Text),
                updated_at: parse_timestamp("report_updated_at", row.report_updated_at)?,
                fingerprint: row.report_fingerprint.unwrap_or_default(),
            }),
            (None, _) => None,
        };
        let categories = serde_json::from_str(&row.categories).map_err(|_| {
            StoreError::Invalid { what: "categories", value: row.categories.clone() }
        })?;
        let incident = row
            .incident
            .map(|text| {
                serde_json::from_str::<Incident>(&text)
                    .map_err(|_| StoreError::Invalid { what: "incident", value: text })
            })
            .transpose()?;
        Ok(StoredEntry {
            id: row.id,
            source: SourceName::new(row.source),
            item: Entry {
                identity: EntryIdentity::new(row.identity),
                url: row.url,
                title: row.title,
                published: parse_timestamp("published", row.published)?,
                summary: row.summary,
                content: row.content,
                company: row.company,
                categories,
                candidate: row.candidate,
                report,
                report_url: row.report_url,
                incident,
                vouched_by: row.vouched_by.as_deref().and_then(Decision::from_name),
                content_hash: row.content_hash,
            },
            revision: row.revision,
            first_seen: required("first_seen", row.first_seen)?,
            last_seen: required("last_seen", row.last_seen)?,
        })
    }
}

impl Store {
    /// Entries that carry a report, with their source's name, for `pmagg reextract`:
    /// all of them, or only those never extracted or extracted by an older extractor version.
    pub fn entries_with_reports(
        &self,
        older_than: Option<u32>,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e JOIN sources s ON s.id = e.source_id
             LEFT JOIN postmortems p ON p.entry_id = e.id
             WHERE e.report IS NOT NULL AND e.candidate = 1
               AND (?1 IS NULL OR p.id IS NULL OR p.extractor_version < ?1)
             ORDER BY e.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("find reports"))?;
        let rows = stmt.query_map([older_than], read_row).map_err(query("find reports"))?;
        rows.map(|row| row.map_err(query("find reports")).and_then(StoredEntry::try_from)).collect()
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
            content_hash: hash.to_owned(),
            ..Entry::default()
        }
    }

    fn report(text: &str) -> Report {
        Report {
            text: text.to_owned(),
            format: TextFormat::Markdown,
            updated_at: None,
            fingerprint: format!("fp-{text}"),
        }
    }

    #[test]
    fn reports_count_revisions_and_are_never_erased() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("r.db")).unwrap();
        let name = SourceName::new("s");
        store.register_sources([(&name, SourceKind::Statuspage, "https://s.example/")]).unwrap();
        let v = Validators::default();
        let mut incident = entry("inc", "Outage", "h1");
        store.record_entries(&name, 200, &v, &[incident.clone()], &[], Utc::now()).unwrap();
        assert_eq!(store.entries_by_url("https://a.example/inc").unwrap()[0].revision, 0);

        incident.report = Some(report("first"));
        incident.content_hash = "h2".into();
        store.record_entries(&name, 200, &v, &[incident.clone()], &[], Utc::now()).unwrap();
        incident.report = Some(report("edited"));
        let counts =
            store.record_entries(&name, 200, &v, &[incident.clone()], &[], Utc::now()).unwrap();
        assert_eq!(counts.updated, 1, "a report change alone is an update");
        // The same report again is no revision; no report at all erases nothing.
        store.record_entries(&name, 200, &v, &[incident.clone()], &[], Utc::now()).unwrap();
        incident.report = None;
        store.record_entries(&name, 200, &v, &[incident.clone()], &[], Utc::now()).unwrap();

        let stored = store.entries_by_url("https://a.example/inc").unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].revision, 2);
        assert_eq!(stored[0].item.report.as_ref().unwrap().text, "edited");
        assert!(store.identities_with_report(&name).unwrap().contains(&EntryIdentity::new("inc")));
    }

    #[test]
    fn a_batch_commits_together_and_a_failing_write_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("b.db")).unwrap();
        let (a, b) = (SourceName::new("a"), SourceName::new("b"));
        store
            .register_sources([
                (&a, SourceKind::Feed, "https://a.example/feed"),
                (&b, SourceKind::Feed, "https://b.example/feed"),
            ])
            .unwrap();
        // Each entry comes with an extraction whose body names the source, to search for.
        let write = |name: &SourceName, entries: Vec<Entry>| SourceWrite {
            name: name.clone(),
            status: 200,
            validators: Validators { etag: Some(format!("\"{name}\"")), last_modified: None },
            extracted: entries
                .iter()
                .map(|e| Extracted {
                    identity: e.identity.clone(),
                    report_fingerprint: Some(format!("fp-{name}")),
                    extractor_version: 1,
                    decided_by: Decision::Classifier,
                    postmortem: crate::model::Postmortem::default(),
                    body: format!("written by source{name}"),
                })
                .collect(),
            entries,
            at: Utc::now(),
            report_failure: None,
        };
        // The middle write names a source that is not registered: it fails, alone.
        let results = store.record_entries_batch(&[
            write(&a, vec![entry("1", "One", "h1"), entry("2", "Two", "h2")]),
            write(&SourceName::new("unregistered"), vec![entry("x", "X", "hx")]),
            write(&b, vec![entry("3", "Three", "h3")]),
        ]);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().unwrap().new, 2);
        assert!(
            matches!(&results[1], Err(StoreError::Invalid { value, .. }) if value == "unregistered"),
            "{:?}",
            results[1]
        );
        assert_eq!(results[2].as_ref().unwrap().new, 1);
        assert_eq!(store.count_entries().unwrap(), 3, "both good writes committed");
        assert!(store.entries_by_url("https://a.example/x").unwrap().is_empty());
        let validators = store.validators().unwrap();
        assert_eq!(validators[&a].etag.as_deref(), Some("\"a\""));
        assert_eq!(validators[&b].etag.as_deref(), Some("\"b\""));
        // The full-text index is written once for the batch: the committed sources' rows
        // are in it, the rolled-back one's are not.
        assert_eq!(store.search_postmortems("sourcea", 10).unwrap().len(), 2);
        assert_eq!(store.search_postmortems("sourceb", 10).unwrap().len(), 1);
        assert!(store.search_postmortems("sourceunregistered", 10).unwrap().is_empty());

        let results = store.record_entries_batch(&[write(&a, vec![entry("1", "One", "h1")])]);
        assert_eq!(results[0].as_ref().unwrap().unchanged, 1, "a batch of one is a plain write");
    }

    #[test]
    fn upserts_count_new_updated_and_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("e.db")).unwrap();
        let name = SourceName::new("a");
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        let validators = Validators { etag: Some("\"1\"".into()), last_modified: None };
        let first = [entry("1", "One", "h1"), entry("2", "Two", "h2")];
        let counts =
            store.record_entries(&name, 200, &validators, &first, &[], Utc::now()).unwrap();
        assert_eq!(counts, WriteCounts { new: 2, updated: 0, unchanged: 0 });

        let second =
            [entry("1", "One", "h1"), entry("2", "Two, revised", "h2b"), entry("3", "Three", "h3")];
        let counts =
            store.record_entries(&name, 200, &validators, &second, &[], Utc::now()).unwrap();
        assert_eq!(counts, WriteCounts { new: 1, updated: 1, unchanged: 1 });
        assert_eq!(store.count_entries().unwrap(), 3);

        let revised = store.entries_by_url("https://a.example/2").unwrap();
        assert_eq!(revised[0].item.title.as_deref(), Some("Two, revised"));
        assert_eq!(store.entry(revised[0].id).unwrap().unwrap().item.identity.as_str(), "2");
        assert_eq!(store.validators().unwrap()[&name].etag.as_deref(), Some("\"1\""));
    }

    #[test]
    fn a_first_write_that_lists_an_identity_twice_stores_one_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("d.db")).unwrap();
        let name = SourceName::new("a");
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        let v = Validators::default();
        // The first write skips the per-entry lookups; a repeated identity must still find
        // the row the write inserted a moment before, as a later write would.
        let twice = [
            entry("1", "One", "h1"),
            entry("2", "Two", "h2"),
            entry("1", "One, again", "h1b"),
            entry("2", "Two", "h2"),
        ];
        let counts = store.record_entries(&name, 200, &v, &twice, &[], Utc::now()).unwrap();
        assert_eq!(counts, WriteCounts { new: 2, updated: 1, unchanged: 1 });
        assert_eq!(store.count_entries().unwrap(), 2);
        let one = store.entries_by_url("https://a.example/1").unwrap();
        assert_eq!(one[0].item.title.as_deref(), Some("One, again"));
    }
}
