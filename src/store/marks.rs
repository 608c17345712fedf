//! Curator marks (`curator_marks`) and the decisions they and curated lists make: what
//! `pmagg mark` writes, and what the pipeline and `reextract` read before deciding.
//!
//! The store only records and reads decisions; which word wins is [`Verdicts::decide`]'s.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, parse_timestamp, query, timestamp};
use crate::model::{CuratorMark, Decision, EntryIdentity, SourceName, Verdicts, canonical_url};

const MARK_COLUMNS: &str =
    "m.url, m.canonical_url, m.entry_id, m.is_postmortem, m.reason, m.marked_at";

/// One stored postmortem as a decision sees it: what [`Verdicts::decide`] needs, and what it
/// decided last time.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRow {
    /// `postmortems.id`.
    pub id: i64,
    /// The entry's source.
    pub source: SourceName,
    /// The entry's identity within it.
    pub identity: EntryIdentity,
    /// The entry's link.
    pub entry_url: Option<String>,
    /// The report's own link, as extracted.
    pub url: Option<String>,
    /// The classifier's confidence; `None` where it was not consulted (a vouched report).
    pub confidence: Option<f32>,
    /// Who vouches for the entry before any classifier (`entries.vouched_by`).
    pub vouched_by: Option<Decision>,
    /// The stored decision.
    pub is_postmortem: bool,
    /// Where it came from.
    pub decided_by: Decision,
}

impl Store {
    /// Records (or replaces) a curator's mark. A mark with a link replaces the mark on that
    /// link; one without replaces the mark on that entry.
    pub fn record_mark(&mut self, mark: &CuratorMark) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        let at = timestamp(mark.marked_at);
        if let Some(canonical) = &mark.canonical_url {
            tx.execute(
                "INSERT INTO curator_marks (canonical_url, entry_id, url, is_postmortem, reason,
                     marked_at) VALUES (?1, NULL, ?2, ?3, ?4, ?5)
                 ON CONFLICT (canonical_url) DO UPDATE SET url = excluded.url,
                     is_postmortem = excluded.is_postmortem, reason = excluded.reason,
                     marked_at = excluded.marked_at",
                params![canonical, mark.url, mark.is_postmortem, mark.reason, at],
            )
            .map_err(query("record a mark"))?;
            // The entry it was made on is kept for `pmagg show`; a mark on an entry id alone
            // gives way to the one on its link.
            if let Some(entry_id) = mark.entry_id {
                tx.execute(
                    "DELETE FROM curator_marks WHERE entry_id = ?1 AND canonical_url IS NOT ?2",
                    params![entry_id, canonical],
                )
                .map_err(query("record a mark"))?;
                tx.execute(
                    "UPDATE curator_marks SET entry_id = ?2 WHERE canonical_url = ?1",
                    params![canonical, entry_id],
                )
                .map_err(query("record a mark"))?;
            }
        } else if let Some(entry_id) = mark.entry_id {
            tx.execute(
                "INSERT INTO curator_marks (canonical_url, entry_id, url, is_postmortem, reason,
                     marked_at) VALUES (NULL, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (entry_id) DO UPDATE SET url = excluded.url,
                     is_postmortem = excluded.is_postmortem, reason = excluded.reason,
                     marked_at = excluded.marked_at",
                params![entry_id, mark.url, mark.is_postmortem, mark.reason, at],
            )
            .map_err(query("record a mark"))?;
        } else {
            return Err(StoreError::Invalid {
                what: "curator mark (neither a link nor an entry)",
                value: String::new(),
            });
        }
        tx.commit().map_err(query("commit a mark"))
    }

    /// Every curator mark, oldest first.
    pub fn curator_marks(&self) -> Result<Vec<CuratorMark>, StoreError> {
        let sql = format!("SELECT {MARK_COLUMNS} FROM curator_marks m ORDER BY m.id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(query("read marks"))?;
        let rows = stmt.query_map([], read_mark).map_err(query("read marks"))?;
        rows.map(|row| row.map_err(query("read marks")).and_then(finish_mark)).collect()
    }

    /// The mark that covers an entry (`urls`: its link and its report's), if any.
    pub fn mark_for_entry(
        &self,
        entry_id: i64,
        urls: &[Option<&str>],
    ) -> Result<Option<CuratorMark>, StoreError> {
        for url in urls.iter().flatten() {
            let sql =
                format!("SELECT {MARK_COLUMNS} FROM curator_marks m WHERE canonical_url = ?1");
            let found = self
                .conn
                .query_row(&sql, [canonical_url(url)], read_mark)
                .optional()
                .map_err(query("read a mark"))?;
            if let Some(found) = found {
                return finish_mark(found).map(Some);
            }
        }
        let sql = format!(
            "SELECT {MARK_COLUMNS} FROM curator_marks m
             WHERE entry_id = ?1 AND canonical_url IS NULL"
        );
        self.conn
            .query_row(&sql, [entry_id], read_mark)
            .optional()
            .map_err(query("read a mark"))?
            .map(finish_mark)
            .transpose()
    }

    /// What decides besides the classifier: every mark, and the links that people listed in
    /// curated lists (not those pmagg rendered, not those removed since).
    pub fn verdicts(&self) -> Result<Verdicts, StoreError> {
        let mut verdicts = Verdicts::default();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.canonical_url, m.is_postmortem, s.name, e.identity
                 FROM curator_marks m LEFT JOIN entries e ON e.id = m.entry_id
                 LEFT JOIN sources s ON s.id = e.source_id",
            )
            .map_err(query("read marks"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, Option<String>>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(query("read marks"))?;
        for row in rows {
            match row.map_err(query("read marks"))? {
                (Some(url), is_postmortem, _, _) => {
                    verdicts.marks_by_url.insert(url, is_postmortem);
                }
                (None, is_postmortem, Some(source), Some(identity)) => {
                    verdicts.marks_by_entry.insert(
                        (SourceName::new(source), EntryIdentity::new(identity)),
                        is_postmortem,
                    );
                }
                (None, _, _, _) => {}
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT canonical_url FROM curated_entries
                 WHERE origin = 'import' AND removed = 0",
            )
            .map_err(query("read curated links"))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(query("read curated links"))?;
        for row in rows {
            verdicts.curated_urls.insert(row.map_err(query("read curated links"))?);
        }
        Ok(verdicts)
    }

    /// Every stored postmortem as a decision sees it, in id order.
    pub fn decision_rows(&self) -> Result<Vec<DecisionRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.id, s.name, e.identity, e.url, p.url, p.confidence, e.vouched_by,
                     p.is_postmortem, p.decided_by
                 FROM postmortems p JOIN entries e ON e.id = p.entry_id
                 JOIN sources s ON s.id = e.source_id ORDER BY p.id",
            )
            .map_err(query("read decisions"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<f64>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, bool>(7)?,
                    row.get::<_, String>(8)?,
                ))
            })
            .map_err(query("read decisions"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, source, identity, entry_url, url, confidence, vouched, is_pm, decided) =
                row.map_err(query("read decisions"))?;
            out.push(DecisionRow {
                id,
                source: SourceName::new(source),
                identity: EntryIdentity::new(identity),
                entry_url,
                url,
                #[allow(clippy::cast_possible_truncation, reason = "stored from an f32")]
                confidence: confidence.map(|c| c as f32),
                vouched_by: vouched.as_deref().and_then(Decision::from_name),
                is_postmortem: is_pm,
                decided_by: Decision::from_name(&decided)
                    .ok_or(StoreError::Invalid { what: "decided_by", value: decided })?,
            });
        }
        Ok(out)
    }

    /// Stores new decisions (`postmortems.id`, is it a postmortem, who said so) in one
    /// transaction.
    pub fn record_decisions(
        &mut self,
        decisions: &[(i64, bool, Decision)],
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        {
            let mut update = tx
                .prepare_cached(
                    "UPDATE postmortems SET is_postmortem = ?2, decided_by = ?3 WHERE id = ?1",
                )
                .map_err(query("record a decision"))?;
            for (id, is_postmortem, decided_by) in decisions {
                update
                    .execute(params![id, is_postmortem, decided_by.as_str()])
                    .map_err(query("record a decision"))?;
            }
        }
        tx.commit().map_err(query("commit decisions"))
    }

    /// Entries with this link (compared as [`canonical_url`]s) and no extraction yet: a
    /// curator's `--postmortem` gives them one.
    pub fn entry_ids_by_canonical_url(&self, canonical: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, url FROM entries WHERE url IS NOT NULL ORDER BY id")
            .map_err(query("find entries by link"))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))
            .map_err(query("find entries by link"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, url) = row.map_err(query("find entries by link"))?;
            if canonical_url(&url) == canonical {
                out.push(id);
            }
        }
        Ok(out)
    }
}

/// A mark as read, before its timestamp is checked.
type RawMark = (Option<String>, Option<String>, Option<i64>, bool, Option<String>, String);

fn read_mark(row: &Row<'_>) -> rusqlite::Result<RawMark> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
}

fn finish_mark(
    (url, canonical_url, entry_id, is_postmortem, reason, at): RawMark,
) -> Result<CuratorMark, StoreError> {
    let marked_at: Option<DateTime<Utc>> = parse_timestamp("marked_at", Some(at))?;
    Ok(CuratorMark {
        url,
        canonical_url,
        entry_id,
        is_postmortem,
        reason,
        marked_at: marked_at.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entry, SourceKind, Validators};

    #[test]
    fn marks_replace_each_other_and_feed_the_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("m.db")).unwrap();
        let name = SourceName::new("blog");
        store.register_sources([(&name, SourceKind::Feed, "https://b.example/feed")]).unwrap();
        let entry = Entry {
            identity: EntryIdentity::new("guid:1"),
            url: Some("https://b.example/outage/".into()),
            content_hash: "h".into(),
            ..Entry::default()
        };
        store
            .record_entries(&name, 200, &Validators::default(), &[entry], &[], Utc::now())
            .unwrap();
        let mark = |is_postmortem, reason: &str| CuratorMark {
            url: Some("http://www.b.example/outage".into()),
            canonical_url: Some(canonical_url("http://www.b.example/outage")),
            entry_id: None,
            is_postmortem,
            reason: Some(reason.into()),
            marked_at: Utc::now(),
        };
        store.record_mark(&mark(true, "a real report")).unwrap();
        store.record_mark(&CuratorMark { entry_id: Some(1), ..mark(true, "by id") }).unwrap();
        store.record_mark(&CuratorMark { entry_id: Some(1), ..mark(true, "by id again") }).unwrap();
        assert_eq!(store.curator_marks().unwrap()[0].reason.as_deref(), Some("by id again"));
        store.record_mark(&mark(false, "a changelog after all")).unwrap();
        let marks = store.curator_marks().unwrap();
        assert_eq!(marks.len(), 1, "the second mark replaces the first");
        assert_eq!(marks[0].reason.as_deref(), Some("a changelog after all"));
        let verdicts = store.verdicts().unwrap();
        assert_eq!(verdicts.marks_by_url.get("https://b.example/outage"), Some(&false));
        let ids = store.entry_ids_by_canonical_url("https://b.example/outage").unwrap();
        assert_eq!(ids.len(), 1);
        let found = store.mark_for_entry(ids[0], &[Some("https://b.example/outage/")]).unwrap();
        assert!(found.is_some_and(|m| !m.is_postmortem));
    }

    #[test]
    fn a_database_from_before_decisions_takes_the_publishers_word() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v7.db");
        {
            #[allow(clippy::disallowed_methods)]
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            super::super::migrate::MIGRATIONS.to_version(&mut conn, 7).unwrap();
            conn.execute_batch(
                "INSERT INTO sources (id, name, kind, url) VALUES
                     (1, 'status', 'statuspage', 'https://s.example/'),
                     (2, 'blog', 'feed', 'https://b.example/feed');
                 INSERT INTO entries (id, source_id, identity, url, content_hash, first_seen,
                     last_seen, candidate, report) VALUES
                     (1, 1, 'incident:abc', 'https://s.example/incidents/abc', 'h', 'x', 'x', 1,
                      'Postmortem text'),
                     (2, 2, 'guid:1', 'https://b.example/a', 'h', 'x', 'x', 1, 'Article');
                 INSERT INTO postmortems (entry_id, extractor_version, extracted_at,
                     is_postmortem, confidence) VALUES
                     (1, 1, '2024-01-01T00:00:00Z', 0, 0.07),
                     (2, 1, '2024-01-01T00:00:00Z', 0, 0.2);",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let rows = store.decision_rows().unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.is_postmortem, r.decided_by, r.vouched_by)).collect::<Vec<_>>(),
            [
                (true, Decision::Publisher, Some(Decision::Publisher)),
                (false, Decision::Classifier, None)
            ]
        );
    }
    #[test]
    fn a_database_from_before_unasked_classifiers_keeps_its_scores_and_ids() {
        // Migration 11 rebuilds `postmortems` so that `confidence` may be NULL (a vouched
        // report is extracted without the classifier): rows, ids and scores stay.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v10.db");
        {
            #[allow(clippy::disallowed_methods)]
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            super::super::migrate::MIGRATIONS.to_version(&mut conn, 10).unwrap();
            conn.execute_batch(
                "INSERT INTO sources (id, name, kind, url) VALUES
                     (1, 'status', 'statuspage', 'https://s.example/');
                 INSERT INTO entries (id, source_id, identity, url, content_hash, first_seen,
                     last_seen, candidate, report, vouched_by) VALUES
                     (1, 1, 'incident:abc', 'https://s.example/incidents/abc', 'h', 'x', 'x', 1,
                      'Postmortem text', 'publisher');
                 INSERT INTO postmortems (id, entry_id, extractor_version, extracted_at,
                     is_postmortem, confidence, root_cause, decided_by) VALUES
                     (7, 1, 1, '2024-01-01T00:00:00Z', 1, 0.07, 'a full disk', 'publisher');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let rows = store.decision_rows().unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.id, r.confidence, r.decided_by)).collect::<Vec<_>>(),
            [(7, Some(0.07), Decision::Publisher)]
        );
        let root_cause: String = store
            .conn
            .query_row("SELECT root_cause FROM postmortems WHERE id = 7", [], |r| r.get(0))
            .unwrap();
        assert_eq!(root_cause, "a full disk");
        store.conn.execute("UPDATE postmortems SET confidence = NULL WHERE id = 7", []).unwrap();
        assert_eq!(store.decision_rows().unwrap()[0].confidence, None);
    }
}
