//! Link checks (`link_checks`, issue #18): one row per URL, shared by every entry that links
//! to it. The record is folded in [`crate::model::links::fold_probe`]; this module only reads
//! and writes it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, parse_timestamp, query, timestamp};
use crate::model::links::{LinkOutcome, LinkRecord, Snapshot};

const COLUMNS: &str = "url, checked_at, status, outcome, error, failures, first_failure, \
                       last_failure, last_success, snapshot_url, snapshot_timestamp, saved_at";

type RawRow = (
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

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
    ))
}

fn finish(raw: RawRow) -> Result<LinkRecord, StoreError> {
    let (url, checked, status, outcome, error, failures, first, last, success, snap, ts, saved) =
        raw;
    Ok(LinkRecord {
        url,
        checked_at: parse_timestamp("checked_at", Some(checked))?,
        status: status.and_then(|s| u16::try_from(s).ok()),
        outcome: Some(LinkOutcome::from_word(&outcome)),
        error,
        failures: u32::try_from(failures).unwrap_or(0),
        first_failure: parse_timestamp("first_failure", first)?,
        last_failure: parse_timestamp("last_failure", last)?,
        last_success: parse_timestamp("last_success", success)?,
        snapshot: snap.zip(ts).map(|(url, timestamp)| Snapshot { url, timestamp }),
        saved_at: parse_timestamp("saved_at", saved)?,
    })
}

impl Store {
    /// Every stored link record, by URL.
    pub fn link_records(&self) -> Result<HashMap<String, LinkRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM link_checks");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("read link checks"))?;
        let rows = stmt.query_map([], read_row).map_err(query("read link checks"))?;
        let mut out = HashMap::new();
        for row in rows {
            let record = finish(row.map_err(query("read link checks"))?)?;
            out.insert(record.url.clone(), record);
        }
        Ok(out)
    }

    /// One link's record, if it was ever checked.
    pub fn link_record(&self, url: &str) -> Result<Option<LinkRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM link_checks WHERE url = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("read a link check"))?;
        stmt.query_row([url], read_row)
            .optional()
            .map_err(query("read a link check"))?
            .map(finish)
            .transpose()
    }

    /// Writes the check part of link records (after [`crate::model::links::fold_probe`]), in
    /// one transaction; the snapshot columns are left as they are.
    pub fn record_link_checks(&mut self, records: &[LinkRecord]) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO link_checks (url, checked_at, status, outcome, error, failures,
                         first_failure, last_failure, last_success)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (url) DO UPDATE SET
                         checked_at = excluded.checked_at, status = excluded.status,
                         outcome = excluded.outcome, error = excluded.error,
                         failures = excluded.failures, first_failure = excluded.first_failure,
                         last_failure = excluded.last_failure,
                         last_success = excluded.last_success",
                )
                .map_err(query("store a link check"))?;
            for record in records {
                let Some(checked_at) = record.checked_at else { continue };
                upsert
                    .execute(params![
                        record.url,
                        timestamp(checked_at),
                        record.status.map(i64::from),
                        record.outcome.unwrap_or(LinkOutcome::Inconclusive).as_str(),
                        record.error,
                        i64::from(record.failures),
                        record.first_failure.map(timestamp),
                        record.last_failure.map(timestamp),
                        record.last_success.map(timestamp),
                    ])
                    .map_err(query("store a link check"))?;
            }
        }
        tx.commit().map_err(query("commit link checks"))
    }

    /// Stores the archived copy of a checked link.
    pub fn record_snapshot(&mut self, url: &str, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE link_checks SET snapshot_url = ?2, snapshot_timestamp = ?3 WHERE url = ?1",
                params![url, snapshot.url, snapshot.timestamp],
            )
            .map_err(query("store a snapshot"))?;
        Ok(())
    }

    /// Records a Save Page Now submission and what came of it ("success", "abandoned", ...).
    pub fn record_save(
        &mut self,
        url: &str,
        at: DateTime<Utc>,
        outcome: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE link_checks SET saved_at = ?2, save_outcome = ?3 WHERE url = ?1",
                params![url, timestamp(at), outcome],
            )
            .map_err(query("record a save"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::links::{LinkProbe, fold_probe};

    #[test]
    fn records_round_trip_and_snapshots_survive_checks() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        let mut record = LinkRecord { url: "https://a.example/x".into(), ..LinkRecord::default() };
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let probe = LinkProbe {
            outcome: LinkOutcome::Broken,
            status: Some(404),
            error: Some("HTTP 404".into()),
        };
        fold_probe(&mut record, &probe, at);
        store.record_link_checks(std::slice::from_ref(&record)).unwrap();
        let snapshot = Snapshot {
            url: "https://web.archive.org/web/2019/x".into(),
            timestamp: "20190101000000".into(),
        };
        store.record_snapshot(&record.url, &snapshot).unwrap();
        fold_probe(&mut record, &probe, at + chrono::Duration::days(1));
        store.record_link_checks(std::slice::from_ref(&record)).unwrap();
        let back = store.link_record(&record.url).unwrap().unwrap();
        assert_eq!(back.failures, 2);
        assert_eq!(back.first_failure, Some(at));
        assert_eq!(back.snapshot, Some(snapshot));
    }
}
