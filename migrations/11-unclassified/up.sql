-- The classifier's confidence may be absent (issue #15): a report that its publisher or a
-- curated list vouches for (entries.vouched_by) is extracted without asking the classifier,
-- whose word would not count, so its row stores NULL. Rows stored before keep their value.
-- SQLite cannot drop a NOT NULL constraint in place: the table is rebuilt with the same
-- columns in the same order, the same ids (postmortems_fts rows are keyed by them) and index.
CREATE TABLE postmortems_new (
    id                 INTEGER PRIMARY KEY,
    entry_id           INTEGER NOT NULL UNIQUE REFERENCES entries (id) ON DELETE CASCADE,
    -- The report version (entries.report_fingerprint) this row was extracted from.
    report_fingerprint TEXT,
    extractor_version  INTEGER NOT NULL,
    extracted_at       TEXT NOT NULL,
    is_postmortem      INTEGER NOT NULL,
    -- NULL: the classifier was not asked (see above).
    confidence         REAL,
    title              TEXT,
    company            TEXT,
    url                TEXT,
    published          TEXT,
    -- YYYY-MM-DD
    incident_date      TEXT,
    start_at           TEXT,
    end_at             TEXT,
    duration_minutes   INTEGER,
    impact             TEXT,
    root_cause         TEXT,
    resolution         TEXT,
    summary            TEXT,
    -- JSON arrays.
    timeline           TEXT NOT NULL DEFAULT '[]',
    action_items       TEXT NOT NULL DEFAULT '[]',
    categories         TEXT NOT NULL DEFAULT '[]',
    -- publisher | curated | classifier | curator (migration 08).
    decided_by         TEXT NOT NULL DEFAULT 'classifier'
) STRICT;

INSERT INTO postmortems_new SELECT * FROM postmortems;
DROP TABLE postmortems;
ALTER TABLE postmortems_new RENAME TO postmortems;
CREATE INDEX postmortems_by_incident_date ON postmortems (incident_date) WHERE is_postmortem = 1;
