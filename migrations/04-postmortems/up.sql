-- What extraction found in an entry's report: one row per extracted entry, replaced when the
-- report changes or the extractor improves (`pmagg reextract`).
CREATE TABLE postmortems (
    id                 INTEGER PRIMARY KEY,
    entry_id           INTEGER NOT NULL UNIQUE REFERENCES entries (id) ON DELETE CASCADE,
    -- The report version (entries.report_fingerprint) this row was extracted from.
    report_fingerprint TEXT,
    extractor_version  INTEGER NOT NULL,
    extracted_at       TEXT NOT NULL,
    is_postmortem      INTEGER NOT NULL,
    confidence         REAL NOT NULL,
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
    categories         TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE INDEX postmortems_by_incident_date ON postmortems (incident_date) WHERE is_postmortem = 1;

-- Full-text search over confirmed and unconfirmed postmortems; rowid = postmortems.id.
CREATE VIRTUAL TABLE postmortems_fts USING fts5 (title, summary, body, tokenize = 'porter unicode61');
