-- What status pages, curated lists and reports add to an entry.
ALTER TABLE entries ADD COLUMN company TEXT;
-- JSON array of strings.
ALTER TABLE entries ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
-- 1 when the source alone suggests a postmortem (extraction confirms later).
ALTER TABLE entries ADD COLUMN candidate INTEGER NOT NULL DEFAULT 0;
-- The postmortem text and its markup (markdown, html, text).
ALTER TABLE entries ADD COLUMN report TEXT;
ALTER TABLE entries ADD COLUMN report_format TEXT;
ALTER TABLE entries ADD COLUMN report_updated_at TEXT;
-- SHA-256 of the report as last stored; a different one is a new revision.
ALTER TABLE entries ADD COLUMN report_fingerprint TEXT;
-- 0 while there is no report, 1 when it first appears, +1 per revision.
ALTER TABLE entries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
-- Where the report is fetched from when the source only points at it.
ALTER TABLE entries ADD COLUMN report_url TEXT;
-- JSON of model::Incident for status-page incidents.
ALTER TABLE entries ADD COLUMN incident TEXT;

CREATE INDEX entries_candidates ON entries (source_id) WHERE candidate = 1;
