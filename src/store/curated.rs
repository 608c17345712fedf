//! Curated list entries (`curated_entries`) and the archive copies pmagg wrote
//! (`archive_files`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, json, query, timestamp};
use crate::model::{CuratedCounts, CuratedEntry, CuratedOrigin, ListShape};

/// What a directory of reports (`pmagg import DIR`) gives one curated entry beyond a list
/// line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CuratedReport {
    /// The entry's [`CuratedEntry::canonical_url`].
    pub canonical_url: String,
    /// How long the incident lasted.
    pub duration_minutes: Option<u32>,
    /// The report as markdown.
    pub report: Option<String>,
}

const COLUMNS: &str = "list, position, raw, shape, origin, url, canonical_url, title, company, \
                       company_url, incident_date, summary, categories, removed";

impl Store {
    /// Makes the stored entries of `list` what `entries` (the whole list, in file order) say,
    /// in one transaction.
    ///
    /// Entries are matched on `(list, canonical_url)`: new ones are inserted, known ones get
    /// the bytes, fields and place given (and lose a `removed` mark: the entry is back), and
    /// an entry's `origin` is the one it was first stored with. Stored entries of the list
    /// that `entries` lacks were deleted from the file: they are marked removed, not erased,
    /// so that they stay out of the list.
    pub fn import_curated(
        &mut self,
        list: &str,
        entries: &[CuratedEntry],
        at: DateTime<Utc>,
    ) -> Result<CuratedCounts, StoreError> {
        self.import_curated_reports(list, entries, &[], at)
    }

    /// [`Store::import_curated`], and in the same transaction what a directory of reports
    /// gives beyond a list line (`pmagg import DIR`): each entry's duration and report, by
    /// its canonical URL. An entry of `entries` that `reports` lacks keeps what it had.
    pub fn import_curated_reports(
        &mut self,
        list: &str,
        entries: &[CuratedEntry],
        reports: &[CuratedReport],
        at: DateTime<Utc>,
    ) -> Result<CuratedCounts, StoreError> {
        let at = timestamp(at);
        let tx = self.conn.transaction().map_err(query("begin a transaction"))?;
        let mut counts = CuratedCounts::default();
        {
            let sql = format!(
                "SELECT {COLUMNS} FROM curated_entries WHERE list = ?1 AND canonical_url = ?2"
            );
            let mut existing = tx.prepare_cached(&sql).map_err(query("look up a curated entry"))?;
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO curated_entries (list, position, raw, shape, origin, url,
                         canonical_url, title, company, company_url, incident_date, summary,
                         categories, removed, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?14, ?14)
                     ON CONFLICT (list, canonical_url) DO UPDATE SET
                         position = excluded.position, raw = excluded.raw, shape = excluded.shape,
                         url = excluded.url, title = excluded.title, company = excluded.company,
                         company_url = excluded.company_url,
                         incident_date = excluded.incident_date, summary = excluded.summary,
                         categories = excluded.categories, removed = 0,
                         last_seen = excluded.last_seen",
                )
                .map_err(query("store a curated entry"))?;
            let mut seen = HashSet::new();
            for entry in entries {
                if !seen.insert(entry.canonical_url.as_str()) {
                    continue;
                }
                let stored = existing
                    .query_row(params![list, entry.canonical_url], read_row)
                    .optional()
                    .map_err(query("look up a curated entry"))?
                    .map(finish)
                    .transpose()?;
                let categories =
                    serde_json::to_string(&entry.categories).map_err(json("categories"))?;
                upsert
                    .execute(params![
                        list,
                        entry.position,
                        entry.raw,
                        entry.shape.as_str(),
                        entry.origin.as_str(),
                        entry.url,
                        entry.canonical_url,
                        entry.title,
                        entry.company,
                        entry.company_url,
                        entry.incident_date.map(|d| d.format("%Y-%m-%d").to_string()),
                        entry.summary,
                        categories,
                        at,
                    ])
                    .map_err(query("store a curated entry"))?;
                match stored {
                    None => counts.new += 1,
                    Some(stored) => {
                        let same = CuratedEntry {
                            list: list.to_owned(),
                            origin: stored.origin,
                            removed: false,
                            ..entry.clone()
                        };
                        if stored == same {
                            counts.unchanged += 1;
                        } else {
                            counts.updated += 1;
                        }
                    }
                }
            }
            let mut listed = tx
                .prepare_cached(
                    "SELECT canonical_url FROM curated_entries WHERE list = ?1 AND removed = 0",
                )
                .map_err(query("read curated entries"))?;
            let gone: Vec<String> = listed
                .query_map([list], |row| row.get::<_, String>(0))
                .map_err(query("read curated entries"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(query("read curated entries"))?
                .into_iter()
                .filter(|url| !seen.contains(url.as_str()))
                .collect();
            let mut remove = tx
                .prepare_cached(
                    "UPDATE curated_entries SET removed = 1, last_seen = ?3
                     WHERE list = ?1 AND canonical_url = ?2",
                )
                .map_err(query("mark a curated entry removed"))?;
            for url in &gone {
                remove
                    .execute(params![list, url, at])
                    .map_err(query("mark a curated entry removed"))?;
                counts.removed += 1;
            }
        }
        store_reports(&tx, list, reports)?;
        tx.commit().map_err(query("commit curated entries"))?;
        Ok(counts)
    }

    /// What `pmagg import DIR` stored beside the curated entries that are still listed:
    /// (canonical URL, duration in minutes), for entries with a duration.
    pub fn curated_durations(&self) -> Result<Vec<(String, u32)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT canonical_url, duration_minutes FROM curated_entries
                 WHERE removed = 0 AND duration_minutes IS NOT NULL ORDER BY list, position",
            )
            .map_err(query("read curated durations"))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(query("read curated durations"))?;
        rows.collect::<Result<_, _>>().map_err(query("read curated durations"))
    }

    /// Every curated entry of every list, removed ones included, by list and place.
    pub fn curated_entries(&self) -> Result<Vec<CuratedEntry>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM curated_entries ORDER BY list, position, id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("read curated entries"))?;
        let rows = stmt.query_map([], read_row).map_err(query("read curated entries"))?;
        rows.map(|row| row.map_err(query("read curated entries")).and_then(finish)).collect()
    }

    /// The archive copies pmagg wrote: path (relative to `archive_dir`) → SHA-256 (hex).
    pub fn archive_records(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path, sha256 FROM archive_files")
            .map_err(query("read archive records"))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(query("read archive records"))?;
        rows.collect::<Result<_, _>>().map_err(query("read archive records"))
    }

    /// Records archive copies just written: `(path relative to archive_dir, sha256 hex)`.
    pub fn record_archive_files(
        &mut self,
        files: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = timestamp(at);
        let tx = self.conn.transaction().map_err(query("begin a transaction"))?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO archive_files (path, sha256, written_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (path) DO UPDATE SET
                         sha256 = excluded.sha256, written_at = excluded.written_at",
                )
                .map_err(query("record an archive copy"))?;
            for (path, sha) in files {
                upsert.execute(params![path, sha, at]).map_err(query("record an archive copy"))?;
            }
        }
        tx.commit().map_err(query("commit archive records"))
    }
}

type RawRow = (
    String,
    u32,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    bool,
);

/// The durations and reports of a directory import, inside its transaction.
fn store_reports(
    tx: &rusqlite::Connection,
    list: &str,
    reports: &[CuratedReport],
) -> Result<(), StoreError> {
    let mut report = tx
        .prepare_cached(
            "UPDATE curated_entries SET duration_minutes = ?3, report = ?4
             WHERE list = ?1 AND canonical_url = ?2",
        )
        .map_err(query("store a curated report"))?;
    for r in reports {
        report
            .execute(params![list, r.canonical_url, r.duration_minutes, r.report])
            .map_err(query("store a curated report"))?;
    }
    Ok(())
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
        row.get(12)?,
        row.get(13)?,
    ))
}

fn finish(row: RawRow) -> Result<CuratedEntry, StoreError> {
    let (
        list,
        position,
        raw,
        shape,
        origin,
        url,
        canonical_url,
        title,
        company,
        company_url,
        incident_date,
        summary,
        categories,
        removed,
    ) = row;
    let invalid =
        |what: &'static str, value: &str| StoreError::Invalid { what, value: value.to_owned() };
    Ok(CuratedEntry {
        list,
        position,
        raw,
        shape: ListShape::from_name(&shape).ok_or_else(|| invalid("curated shape", &shape))?,
        origin: CuratedOrigin::from_name(&origin)
            .ok_or_else(|| invalid("curated origin", &origin))?,
        url,
        canonical_url,
        title,
        company,
        company_url,
        incident_date: incident_date
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| invalid("incident_date", &d))
            })
            .transpose()?,
        summary,
        categories: serde_json::from_str(&categories)
            .map_err(|_| invalid("categories", &categories))?,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, position: u32, raw: &str) -> CuratedEntry {
        CuratedEntry {
            list: "README.md".into(),
            position,
            raw: raw.into(),
            shape: ListShape::Dated,
            origin: CuratedOrigin::Import,
            url: url.into(),
            canonical_url: crate::model::canonical_url(url),
            title: Some("T".into()),
            company: None,
            company_url: None,
            incident_date: NaiveDate::from_ymd_opt(2024, 2, 21),
            summary: None,
            categories: vec!["Config".into()],
            removed: false,
        }
    }

    #[test]
    fn import_upserts_and_marks_missing_entries_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.db")).unwrap();
        let a = entry("https://a.example/1", 0, "- a\r\n");
        let b = entry("https://b.example/2", 1, "- b\n\t- tab\n");
        let counts =
            store.import_curated("README.md", &[a.clone(), b.clone()], Utc::now()).unwrap();
        assert_eq!(counts, CuratedCounts { new: 2, ..CuratedCounts::default() });
        assert_eq!(store.curated_entries().unwrap(), [a.clone(), b.clone()]);

        // Again: unchanged. Then b alone, edited and first: a is removed, not erased.
        let counts =
            store.import_curated("README.md", &[a.clone(), b.clone()], Utc::now()).unwrap();
        assert_eq!(counts.unchanged, 2);
        let mut edited = CuratedEntry { raw: "- b, edited\n".into(), position: 0, ..b.clone() };
        edited.origin = CuratedOrigin::Render;
        let counts = store.import_curated("README.md", &[edited.clone()], Utc::now()).unwrap();
        assert_eq!(counts, CuratedCounts { updated: 1, removed: 1, ..CuratedCounts::default() });
        let stored = store.curated_entries().unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().any(|e| e.url == a.url && e.removed));
        let kept = stored.iter().find(|e| e.url == b.url).unwrap();
        assert_eq!((kept.raw.as_str(), kept.origin), ("- b, edited\n", CuratedOrigin::Import));

        // Another list is separate.
        let other = CuratedEntry { list: "danluu.md".into(), ..a.clone() };
        store.import_curated("danluu.md", &[other], Utc::now()).unwrap();
        assert_eq!(store.curated_entries().unwrap().len(), 3);
    }

    #[test]
    fn archive_records_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.db")).unwrap();
        store.record_archive_files(&[("a/b.md".into(), "00".into())], Utc::now()).unwrap();
        store.record_archive_files(&[("a/b.md".into(), "11".into())], Utc::now()).unwrap();
        assert_eq!(store.archive_records().unwrap()["a/b.md"], "11");
    }
}
