//! Sources and the state of their last fetch.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError, parse_timestamp, query, timestamp};
use crate::model::{SourceKind, SourceName, SourceState, Validators};

impl Store {
    /// Makes sure every configured source has a row, with its current kind and URL.
    ///
    /// A source whose URL changed forgets its validators: they belonged to the old URL.
    pub fn register_sources<'a>(
        &mut self,
        sources: impl IntoIterator<Item = (&'a SourceName, SourceKind, &'a str)>,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO sources (name, kind, url) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET
                         kind = excluded.kind,
                         url = excluded.url,
                         etag = CASE WHEN url = excluded.url THEN etag END,
                         last_modified = CASE WHEN url = excluded.url THEN last_modified END",
                )
                .map_err(query("register a source"))?;
            for (name, kind, url) in sources {
                upsert
                    .execute(params![name.as_str(), kind.as_str(), url])
                    .map_err(query("register a source"))?;
            }
        }
        tx.commit().map_err(query("commit sources"))
    }

    /// Stored validators by source name.
    pub fn validators(&self) -> Result<HashMap<SourceName, Validators>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, etag, last_modified FROM sources")
            .map_err(query("read validators"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    SourceName::new(row.get::<_, String>(0)?),
                    Validators { etag: row.get(1)?, last_modified: row.get(2)? },
                ))
            })
            .map_err(query("read validators"))?;
        rows.collect::<Result<_, _>>().map_err(query("read validators"))
    }

    /// Records a 304: the source is healthy and nothing changed (any backoff ends).
    pub fn record_not_modified(
        &mut self,
        name: &SourceName,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = timestamp(at);
        self.conn
            .execute(
                "UPDATE sources SET last_attempt_at = ?2, last_success_at = ?2, last_status = 304,
                     last_error = NULL, consecutive_failures = 0, next_attempt_at = NULL,
                     last_pass_degraded = 0
                 WHERE name = ?1",
                params![name.as_str(), at],
            )
            .map_err(query("record a 304"))?;
        Ok(())
    }

    /// Records a failed fetch or parse. Stored entries and validators are left as they were.
    ///
    /// `next_attempt` gets the failure count including this one and says when the source may
    /// be polled again; the store keeps the answer in `next_attempt_at` (the backoff policy is
    /// the caller's, see `fetch::backoff`). Both happen in one transaction, so two processes
    /// recording failures of the same source cannot lose a count. Returns the stored time.
    pub fn record_failure(
        &mut self,
        name: &SourceName,
        status: Option<u16>,
        error: &str,
        at: DateTime<Utc>,
        next_attempt: impl FnOnce(u32) -> DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let tx = self.write_transaction()?;
        let failures: Option<u32> = tx
            .query_row(
                "UPDATE sources SET last_attempt_at = ?2, last_status = ?3, last_error = ?4,
                     consecutive_failures = consecutive_failures + 1
                 WHERE name = ?1
                 RETURNING consecutive_failures",
                params![name.as_str(), timestamp(at), status, error],
                |row| row.get(0),
            )
            .optional()
            .map_err(query("record a failure"))?;
        let next = failures.map(next_attempt);
        if let Some(next) = next {
            tx.execute(
                "UPDATE sources SET next_attempt_at = ?2 WHERE name = ?1",
                params![name.as_str(), timestamp(next)],
            )
            .map_err(query("record a failure"))?;
        }
        tx.commit().map_err(query("commit a failure"))?;
        Ok(next)
    }

    /// Every stored source with its fetch state and entry count, by name.
    pub fn source_states(&self) -> Result<Vec<SourceState>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.name, s.kind, s.url, s.etag, s.last_modified, s.last_attempt_at,
                        s.last_success_at, s.last_status, s.last_error, s.consecutive_failures,
                        (SELECT count(*) FROM entries e WHERE e.source_id = s.id),
                        s.next_attempt_at, s.last_pass_degraded
                 FROM sources s ORDER BY s.name",
            )
            .map_err(query("read sources"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    Validators { etag: row.get(3)?, last_modified: row.get(4)? },
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<u16>>(7)?,
                    row.get::<_, Option<String>>(8)?,
                    row.get::<_, u32>(9)?,
                    row.get::<_, i64>(10)? as u64,
                    row.get::<_, Option<String>>(11)?,
                    row.get::<_, bool>(12)?,
                ))
            })
            .map_err(query("read sources"))?;
        let mut states = Vec::new();
        for row in rows {
            let (
                name,
                kind,
                url,
                validators,
                attempt,
                success,
                status,
                error,
                failures,
                entries,
                next_attempt,
                degraded,
            ) = row.map_err(query("read sources"))?;
            states.push(SourceState {
                name: SourceName::new(name),
                kind,
                url,
                validators,
                last_attempt_at: parse_timestamp("last_attempt_at", attempt)?,
                last_success_at: parse_timestamp("last_success_at", success)?,
                last_status: status,
                last_error: error,
                consecutive_failures: failures,
                next_attempt_at: parse_timestamp("next_attempt_at", next_attempt)?,
                entries,
                last_pass_degraded: degraded,
            });
        }
        Ok(states)
    }

    /// Each source's last report failure (see [`Store::record_entries_batch`]), by name;
    /// sources that never had one are absent.
    pub fn last_report_failures(
        &self,
    ) -> Result<HashMap<SourceName, LastReportFailure>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, last_report_url, last_report_error, last_report_failed_at
                 FROM sources WHERE last_report_error IS NOT NULL",
            )
            .map_err(query("read report failures"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(query("read report failures"))?;
        let mut failures = HashMap::new();
        for row in rows {
            let (name, url, error, at) = row.map_err(query("read report failures"))?;
            let at = parse_timestamp("last_report_failed_at", at)?;
            failures.insert(SourceName::new(name), LastReportFailure { url, error, at });
        }
        Ok(failures)
    }
}

/// The last report page of a source that could not be fetched or read, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastReportFailure {
    /// The page's URL, when known.
    pub url: Option<String>,
    /// Why (the message names the URL too).
    pub error: String,
    /// The pass that recorded it.
    pub at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn failures_count_up_and_a_304_resets_them() {
        let (_dir, mut store) = store();
        let name = SourceName::new("a");
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        let now = Utc::now();
        let later = |failures: u32| now + chrono::Duration::minutes(i64::from(failures));
        store.record_failure(&name, Some(503), "HTTP 503", now, later).unwrap();
        let mut seen = Vec::new();
        let next = store
            .record_failure(&name, None, "timed out", now, |failures| {
                seen.push(failures);
                later(failures)
            })
            .unwrap();
        assert_eq!(seen, [2], "the policy sees the count including this failure");
        let state = &store.source_states().unwrap()[0];
        assert_eq!(state.consecutive_failures, 2);
        assert_eq!(state.last_error.as_deref(), Some("timed out"));
        assert_eq!(state.last_status, None);
        // Stored with second precision, like every timestamp.
        assert_eq!(next, Some(later(2)));
        assert_eq!(state.next_attempt_at.map(|t| t.timestamp()), Some(later(2).timestamp()));
        store.record_not_modified(&name, now).unwrap();
        let state = &store.source_states().unwrap()[0];
        assert_eq!(state.consecutive_failures, 0);
        assert_eq!(state.last_error, None);
        assert_eq!(state.last_status, Some(304));
        assert_eq!(state.next_attempt_at, None, "a 304 ends the backoff");
    }

    #[test]
    fn the_last_report_failure_is_stored_with_the_write_and_kept_by_a_clean_one() {
        use crate::store::{ReportFailure, SourceWrite};
        let (_dir, mut store) = store();
        let name = SourceName::new("a");
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        assert!(store.last_report_failures().unwrap().is_empty());
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap().to_utc();
        let write = |failure: Option<ReportFailure>, at| SourceWrite {
            name: name.clone(),
            status: 200,
            validators: Validators::default(),
            entries: vec![],
            extracted: vec![],
            at,
            report_failure: failure,
        };
        let failure = ReportFailure {
            url: Some("https://a.example/pm/1".into()),
            error: "HTTP 404 from https://a.example/pm/1".into(),
        };
        let results = store.record_entries_batch(&[write(Some(failure.clone()), at)]);
        assert!(results[0].is_ok(), "{results:?}");
        let stored = &store.last_report_failures().unwrap()[&name];
        assert_eq!(
            (stored.url.as_deref(), stored.error.as_str(), stored.at),
            (failure.url.as_deref(), failure.error.as_str(), Some(at))
        );
        assert!(store.source_states().unwrap()[0].last_pass_degraded);
        // A later pass without failures, even within the same second, keeps the last one,
        // with its time, and is not degraded.
        let results = store.record_entries_batch(&[write(None, at)]);
        assert!(results[0].is_ok(), "{results:?}");
        assert_eq!(store.last_report_failures().unwrap()[&name].at, Some(at));
        assert!(!store.source_states().unwrap()[0].last_pass_degraded);
        // In a group commit too, and a 304 clears it.
        let other = SourceName::new("b");
        store.register_sources([(&other, SourceKind::Feed, "https://b.example/feed")]).unwrap();
        let mut second = write(None, at);
        second.name = other.clone();
        let results = store.record_entries_batch(&[write(Some(failure), at), second]);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let states = store.source_states().unwrap();
        assert_eq!(
            states.iter().map(|s| (s.name.as_str(), s.last_pass_degraded)).collect::<Vec<_>>(),
            [("a", true), ("b", false)]
        );
        store.record_not_modified(&name, at).unwrap();
        assert!(!store.source_states().unwrap()[0].last_pass_degraded);
    }

    #[test]
    fn a_failure_of_an_unregistered_source_stores_nothing() {
        let (_dir, mut store) = store();
        let next = store
            .record_failure(&SourceName::new("ghost"), None, "x", Utc::now(), |_| Utc::now())
            .unwrap();
        assert_eq!(next, None);
        assert!(store.source_states().unwrap().is_empty());
    }

    #[test]
    fn a_changed_url_forgets_validators() {
        let (_dir, mut store) = store();
        let name = SourceName::new("a");
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        store.conn.execute("UPDATE sources SET etag = 'x', last_modified = 'y'", []).unwrap();
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/feed")]).unwrap();
        assert_eq!(store.validators().unwrap()[&name].etag.as_deref(), Some("x"));
        store.register_sources([(&name, SourceKind::Feed, "https://a.example/other")]).unwrap();
        assert!(store.validators().unwrap()[&name].is_empty());
    }
}
