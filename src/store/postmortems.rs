//! Extraction results (`postmortems`) and their full-text index (`postmortems_fts`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, json, parse_timestamp, query, timestamp};
use crate::model::{
    Category, Decision, EntryIdentity, Extracted, ListablePostmortem, Postmortem, SourceName,
    StoredPostmortem, TimelineEvent,
};

/// Postmortems written in a transaction, with their row ids, to index before it commits.
pub(super) type Indexed<'a> = Vec<(i64, &'a Extracted)>;

/// What is stored about an entry's last extraction: the report version and extractor version.
pub type ExtractionState = (Option<String>, u32);

const COLUMNS: &str = "p.id, p.entry_id, s.name, p.extractor_version, p.extracted_at, \
                       p.is_postmortem, p.confidence, p.title, p.company, p.url, p.published, \
                       p.incident_date, p.start_at, p.end_at, p.duration_minutes, p.impact, \
                       p.root_cause, p.resolution, p.summary, p.timeline, p.action_items, \
                       p.categories, p.decided_by";

impl Store {
    /// For each of the source's extracted entries: the report and extractor versions used.
    pub fn extraction_states(
        &self,
        name: &SourceName,
    ) -> Result<HashMap<EntryIdentity, ExtractionState>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.identity, p.report_fingerprint, p.extractor_version
                 FROM postmortems p JOIN entries e ON e.id = p.entry_id
                 JOIN sources s ON s.id = e.source_id WHERE s.name = ?1",
            )
            .map_err(query("read extraction states"))?;
        let rows = stmt
            .query_map([name.as_str()], |row| {
                Ok((EntryIdentity::new(row.get::<_, String>(0)?), (row.get(1)?, row.get(2)?)))
            })
            .map_err(query("read extraction states"))?;
        rows.collect::<Result<_, _>>().map_err(query("read extraction states"))
    }

    /// Stores extraction results for entries of `source_id` inside an open transaction (or a
    /// savepoint of one). Returns the rows written, for [`index`] to index
    /// before the transaction commits.
    pub(super) fn write_extracted<'a>(
        tx: &Connection,
        source_id: i64,
        extracted: &'a [Extracted],
        at: &str,
    ) -> Result<Indexed<'a>, StoreError> {
        let mut entry_id = tx
            .prepare_cached("SELECT id FROM entries WHERE source_id = ?1 AND identity = ?2")
            .map_err(query("look up an entry"))?;
        let mut written = Vec::with_capacity(extracted.len());
        for item in extracted {
            let Some(id): Option<i64> = entry_id
                .query_row(params![source_id, item.identity.as_str()], |row| row.get(0))
                .optional()
                .map_err(query("look up an entry"))?
            else {
                continue;
            };
            written.push((upsert(tx, id, item, at)?, item));
        }
        Ok(written)
    }

    /// Stores one extraction result for an entry (used by `pmagg reextract`).
    pub fn record_extraction(
        &mut self,
        entry_id: i64,
        extracted: &Extracted,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        let id = upsert(&tx, entry_id, extracted, &timestamp(at))?;
        index(&tx, &[(id, extracted)])?;
        tx.commit().map_err(query("commit an extraction"))
    }

    /// How many confirmed postmortems are stored.
    pub fn count_postmortems(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM postmortems WHERE is_postmortem = 1", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(query("count postmortems"))
    }

    /// Confirmed postmortems, newest incident first (published date when the incident date is
    /// unknown).
    pub fn list_postmortems(&self, limit: usize) -> Result<Vec<StoredPostmortem>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM postmortems p JOIN entries e ON e.id = p.entry_id
             JOIN sources s ON s.id = e.source_id WHERE p.is_postmortem = 1
             ORDER BY coalesce(p.incident_date, substr(p.published, 1, 10)) DESC, p.id DESC
             LIMIT ?1"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("list postmortems"))?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], read_row)
            .map_err(query("list postmortems"))?;
        rows.map(|row| row.map_err(query("list postmortems")).and_then(finish)).collect()
    }

    /// Every confirmed postmortem with its entry's link and date and its report body: what
    /// `render` lists, archives and puts in the feed. In id order; `render` sorts.
    pub fn listable_postmortems(&self) -> Result<Vec<ListablePostmortem>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, e.url, e.published, f.body, e.first_seen FROM postmortems p
             JOIN entries e ON e.id = p.entry_id JOIN sources s ON s.id = e.source_id
             LEFT JOIN postmortems_fts f ON f.rowid = p.id
             WHERE p.is_postmortem = 1 ORDER BY p.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("list postmortems"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    read_row(row)?,
                    row.get::<_, Option<String>>(23)?,
                    row.get::<_, Option<String>>(24)?,
                    row.get::<_, Option<String>>(25)?,
                    row.get::<_, Option<String>>(26)?,
                ))
            })
            .map_err(query("list postmortems"))?;
        let mut out = Vec::new();
        for row in rows {
            let (raw, entry_url, entry_published, body, first_seen) =
                row.map_err(query("list postmortems"))?;
            out.push(ListablePostmortem {
                stored: finish(raw)?,
                entry_url,
                entry_published: parse_timestamp("published", entry_published)?,
                body: body.filter(|b| !b.trim().is_empty()),
                first_seen: parse_timestamp("first_seen", first_seen)?,
            });
        }
        Ok(out)
    }

    /// The extraction of one entry, if any.
    pub fn postmortem_for_entry(
        &self,
        entry_id: i64,
    ) -> Result<Option<StoredPostmortem>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM postmortems p JOIN entries e ON e.id = p.entry_id
             JOIN sources s ON s.id = e.source_id WHERE p.entry_id = ?1"
        );
        self.conn
            .query_row(&sql, [entry_id], read_row)
            .optional()
            .map_err(query("read a postmortem"))?
            .map(finish)
            .transpose()
    }

    /// Full-text search (FTS5 syntax: words, "phrases", AND/OR/NOT, prefix*), best first.
    pub fn search_postmortems(
        &self,
        terms: &str,
        limit: usize,
    ) -> Result<Vec<StoredPostmortem>, StoreError> {
        super::search_query::check_search_query(terms)?;
        let sql = format!(
            "SELECT {COLUMNS} FROM postmortems_fts f JOIN postmortems p ON p.id = f.rowid
             JOIN entries e ON e.id = p.entry_id JOIN sources s ON s.id = e.source_id
             WHERE postmortems_fts MATCH ?1 ORDER BY rank LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("search postmortems"))?;
        let rows = stmt
            .query_map(params![terms, i64::try_from(limit).unwrap_or(i64::MAX)], read_row)
            .map_err(query("search postmortems"))?;
        rows.map(|row| row.map_err(query("search postmortems")).and_then(finish)).collect()
    }
}

/// Inserts or replaces the `postmortems` row of an entry; returns its id. The full-text index
/// is [`index`]'s job.
fn upsert(tx: &Connection, entry_id: i64, item: &Extracted, at: &str) -> Result<i64, StoreError> {
    let p = &item.postmortem;
    let timeline = serde_json::to_string(&p.timeline).map_err(json("timeline"))?;
    let actions = serde_json::to_string(&p.action_items).map_err(json("action_items"))?;
    let categories = serde_json::to_string(&p.categories).map_err(json("categories"))?;
    let mut statement = tx
        .prepare_cached(
            "INSERT INTO postmortems (entry_id, report_fingerprint, extractor_version, extracted_at,
                 is_postmortem, confidence, title, company, url, published, incident_date, start_at,
                 end_at, duration_minutes, impact, root_cause, resolution, summary, timeline,
                 action_items, categories, decided_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22)
             ON CONFLICT (entry_id) DO UPDATE SET
                 report_fingerprint = excluded.report_fingerprint,
                 extractor_version = excluded.extractor_version,
                 extracted_at = excluded.extracted_at, is_postmortem = excluded.is_postmortem,
                 confidence = excluded.confidence, title = excluded.title,
                 company = excluded.company, url = excluded.url, published = excluded.published,
                 incident_date = excluded.incident_date, start_at = excluded.start_at,
                 end_at = excluded.end_at, duration_minutes = excluded.duration_minutes,
                 impact = excluded.impact, root_cause = excluded.root_cause,
                 resolution = excluded.resolution, summary = excluded.summary,
                 timeline = excluded.timeline, action_items = excluded.action_items,
                 categories = excluded.categories, decided_by = excluded.decided_by
             RETURNING id",
        )
        .map_err(query("upsert a postmortem"))?;
    statement
        .query_row(
            params![
                entry_id,
                item.report_fingerprint,
                item.extractor_version,
                at,
                p.is_postmortem,
                p.confidence.map(f64::from),
                p.title,
                p.company,
                p.url,
                p.published.map(timestamp),
                p.incident_date.map(|d| d.format("%Y-%m-%d").to_string()),
                p.start.map(timestamp),
                p.end.map(timestamp),
                p.duration_minutes,
                p.impact,
                p.root_cause,
                p.resolution,
                p.summary,
                timeline,
                actions,
                categories,
                item.decided_by.as_str()
            ],
            |row| row.get(0),
        )
        .map_err(query("upsert a postmortem"))
}

/// Rows of the full-text index written by one statement (four parameters each, far below
/// SQLite's limit of 32,766). Each statement after the first flushes what the one before it
/// left pending into a segment of its own, so a batch of sources (about 200 postmortems on a
/// cold pass) should fit in one.
const INDEX_ROWS_PER_STATEMENT: usize = 1000;

/// (Re)indexes postmortems (`postmortems.id`, what was extracted) in `postmortems_fts`.
///
/// Once FTS5 is part of a transaction, every statement that may roll back on its own (each
/// INSERT, DELETE and upsert does) makes it flush its pending terms into a new segment, which
/// it must merge later. One DELETE and one INSERT for all the rows, after every `postmortems`
/// write, leave one segment per transaction instead of one per postmortem: this was a fifth
/// of the store's time in a cold sync. A batch of sources indexes its rows once, after all
/// their savepoints (`Store::record_entries_batch`).
pub(super) fn index(tx: &Connection, rows: &[(i64, &Extracted)]) -> Result<(), StoreError> {
    for chunk in rows.chunks(INDEX_ROWS_PER_STATEMENT) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        // `prepare`, not `prepare_cached`: one statement per row count would push the hot
        // statements out of the connection's small cache.
        tx.prepare(&format!("DELETE FROM postmortems_fts WHERE rowid IN ({marks})"))
            .and_then(|mut delete| delete.execute(rusqlite::params_from_iter(&ids)))
            .map_err(query("index a postmortem"))?;
        let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut fields: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 4);
        for (id, item) in chunk {
            fields.extend([
                id as &dyn rusqlite::ToSql,
                &item.postmortem.title,
                &item.postmortem.summary,
                &item.body,
            ]);
        }
        tx.prepare(&format!(
            "INSERT INTO postmortems_fts (rowid, title, summary, body) VALUES {values}"
        ))
        .and_then(|mut insert| insert.execute(fields.as_slice()))
        .map_err(query("index a postmortem"))?;
    }
    Ok(())
}

/// A row as read, before its JSON and timestamps are checked.
struct RawRow {
    id: i64,
    entry_id: i64,
    source: String,
    version: u32,
    extracted_at: String,
    is_postmortem: bool,
    confidence: Option<f64>,
    title: Option<String>,
    company: Option<String>,
    url: Option<String>,
    published: Option<String>,
    incident_date: Option<String>,
    start: Option<String>,
    end: Option<String>,
    duration_minutes: Option<u32>,
    impact: Option<String>,
    root_cause: Option<String>,
    resolution: Option<String>,
    summary: Option<String>,
    timeline: String,
    action_items: String,
    categories: String,
    decided_by: String,
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        entry_id: row.get(1)?,
        source: row.get(2)?,
        version: row.get(3)?,
        extracted_at: row.get(4)?,
        is_postmortem: row.get(5)?,
        confidence: row.get(6)?,
        title: row.get(7)?,
        company: row.get(8)?,
        url: row.get(9)?,
        published: row.get(10)?,
        incident_date: row.get(11)?,
        start: row.get(12)?,
        end: row.get(13)?,
        duration_minutes: row.get(14)?,
        impact: row.get(15)?,
        root_cause: row.get(16)?,
        resolution: row.get(17)?,
        summary: row.get(18)?,
        timeline: row.get(19)?,
        action_items: row.get(20)?,
        categories: row.get(21)?,
        decided_by: row.get(22)?,
    })
}

fn finish(row: RawRow) -> Result<StoredPostmortem, StoreError> {
    let invalid =
        |what: &'static str, value: &str| StoreError::Invalid { what, value: value.to_owned() };
    let timeline: Vec<TimelineEvent> =
        serde_json::from_str(&row.timeline).map_err(|_| invalid("timeline", &row.timeline))?;
    let action_items: Vec<String> = serde_json::from_str(&row.action_items)
        .map_err(|_| invalid("action_items", &row.action_items))?;
    let categories: Vec<Category> = serde_json::from_str(&row.categories)
        .map_err(|_| invalid("categories", &row.categories))?;
    let incident_date = row
        .incident_date
        .map(|d| {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| invalid("incident_date", &d))
        })
        .transpose()?;
    Ok(StoredPostmortem {
        id: row.id,
        entry_id: row.entry_id,
        source: SourceName::new(row.source),
        extractor_version: row.version,
        extracted_at: parse_timestamp("extracted_at", Some(row.extracted_at))?.unwrap_or_default(),
        decided_by: Decision::from_name(&row.decided_by)
            .ok_or_else(|| invalid("decided_by", &row.decided_by))?,
        postmortem: Postmortem {
            is_postmortem: row.is_postmortem,
            confidence: row.confidence.map(|c| c as f32),
            title: row.title,
            company: row.company,
            url: row.url,
            published: parse_timestamp("published", row.published)?,
            incident_date,
            start: parse_timestamp("start_at", row.start)?,
            end: parse_timestamp("end_at", row.end)?,
            duration_minutes: row.duration_minutes,
            impact: row.impact,
            root_cause: row.root_cause,
            resolution: row.resolution,
            summary: row.summary,
            timeline,
            action_items,
            categories,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entry, SourceKind, Validators};

    #[test]
    fn extractions_are_upserted_searchable_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        let name = SourceName::new("blog");
        store.register_sources([(&name, SourceKind::Feed, "https://b.example/feed")]).unwrap();
        let entry = Entry {
            identity: EntryIdentity::new("guid:1"),
            url: Some("https://b.example/outage".into()),
            content_hash: "h".into(),
            ..Entry::default()
        };
        let mut extracted = Extracted {
            identity: entry.identity.clone(),
            report_fingerprint: Some("fp1".into()),
            extractor_version: 1,
            decided_by: Decision::Classifier,
            postmortem: Postmortem {
                is_postmortem: true,
                confidence: Some(0.9),
                title: Some("Checkout outage".into()),
                incident_date: NaiveDate::from_ymd_opt(2023, 12, 21),
                duration_minutes: Some(240),
                root_cause: Some("A memory leak in the checkout service.".into()),
                timeline: vec![TimelineEvent { time: "02:00".into(), event: "Alert".into() }],
                categories: vec![Category::ResourceExhaustion, Category::Bug],
                ..Postmortem::default()
            },
            body: "The checkout service leaked memory until the servers ran out.".into(),
        };
        let v = Validators::default();
        store
            .record_entries(
                &name,
                200,
                &v,
                std::slice::from_ref(&entry),
                std::slice::from_ref(&extracted),
                Utc::now(),
            )
            .unwrap();
        extracted.postmortem.summary = Some("Checkout was down for four hours.".into());
        extracted.report_fingerprint = Some("fp2".into());
        store.record_entries(&name, 200, &v, &[entry], &[extracted.clone()], Utc::now()).unwrap();

        let listed = store.list_postmortems(10).unwrap();
        assert_eq!(listed.len(), 1, "upserted, not duplicated");
        assert_eq!(
            listed[0].postmortem.summary.as_deref(),
            Some("Checkout was down for four hours.")
        );
        assert_eq!(listed[0].postmortem.categories, [Category::ResourceExhaustion, Category::Bug]);
        assert_eq!(listed[0].postmortem.timeline[0].event, "Alert");
        let found = store.search_postmortems("leaked", 10).unwrap();
        assert_eq!(found.len(), 1, "porter stemming finds `leaked` in the body");
        assert!(store.search_postmortems("kubernetes", 10).unwrap().is_empty());
        let states = store.extraction_states(&name).unwrap();
        assert_eq!(states[&EntryIdentity::new("guid:1")], (Some("fp2".to_owned()), 1));
        let fts_rows: i64 =
            store.conn.query_row("SELECT count(*) FROM postmortems_fts", [], |r| r.get(0)).unwrap();
        assert_eq!(fts_rows, 1);
    }

    #[test]
    fn a_source_of_many_reports_is_indexed_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("b.db")).unwrap();
        let name = SourceName::new("status");
        store.register_sources([(&name, SourceKind::Statuspage, "https://s.example/")]).unwrap();
        // More than one statement's worth of rows, so that the last chunk is a short one.
        let count = INDEX_ROWS_PER_STATEMENT * 2 + 7;
        let entries: Vec<Entry> = (0..count)
            .map(|i| Entry {
                identity: EntryIdentity::new(format!("incident:{i}")),
                content_hash: format!("h{i}"),
                ..Entry::default()
            })
            .collect();
        let extracted = |word: &str| -> Vec<Extracted> {
            entries
                .iter()
                .enumerate()
                .map(|(i, entry)| Extracted {
                    identity: entry.identity.clone(),
                    report_fingerprint: Some(format!("fp{i}")),
                    extractor_version: 1,
                    decided_by: Decision::Classifier,
                    postmortem: Postmortem {
                        is_postmortem: true,
                        title: Some(format!("Incident number{i}")),
                        ..Postmortem::default()
                    },
                    body: format!("The {word} failed."),
                })
                .collect()
        };
        let v = Validators::default();
        store.record_entries(&name, 200, &v, &entries, &extracted("database"), Utc::now()).unwrap();
        assert_eq!(store.search_postmortems("database", count * 2).unwrap().len(), count);
        // A second pass reindexes every row: the old terms are gone, nothing is duplicated.
        store.record_entries(&name, 200, &v, &entries, &extracted("router"), Utc::now()).unwrap();
        assert!(store.search_postmortems("database", count * 2).unwrap().is_empty());
        assert_eq!(store.search_postmortems("router", count * 2).unwrap().len(), count);
        let last = store.search_postmortems(&format!("number{}", count - 1), 10).unwrap();
        assert_eq!(last.len(), 1, "the short last chunk is indexed too");
        let fts_rows: i64 =
            store.conn.query_row("SELECT count(*) FROM postmortems_fts", [], |r| r.get(0)).unwrap();
        assert_eq!(fts_rows as usize, count);
    }
}
