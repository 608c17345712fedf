-- The last report page that failed (#16). A source whose index answers can still lose the
-- report pages it points at (404s, timeouts); the pass records the last such failure here,
-- in the same transaction as the source's entries, and `pmagg sources` shows it. Kept after
-- later passes succeed: `last_report_failed_at` says how old it is.
ALTER TABLE sources ADD COLUMN last_report_url TEXT;
ALTER TABLE sources ADD COLUMN last_report_error TEXT;
ALTER TABLE sources ADD COLUMN last_report_failed_at TEXT;

-- What a directory of front-matter reports (the icco/postmortems shape, `pmagg import DIR`)
-- gives beyond a list line: the incident's duration (end_time - start_time) and the report
-- itself, as markdown.
ALTER TABLE curated_entries ADD COLUMN duration_minutes INTEGER;
ALTER TABLE curated_entries ADD COLUMN report TEXT;
