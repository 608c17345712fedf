-- Who decides whether an entry is a postmortem (issue #15). The publisher's word comes first
-- (a status page's postmortem), then a curated list's; the classifier decides only for feed,
-- HTML and plain documents; a curator's mark (`pmagg mark`) has the last word.

-- Who vouches for an entry before any classifier runs: publisher | curated | NULL (the
-- classifier decides). Set by the parse stage.
ALTER TABLE entries ADD COLUMN vouched_by TEXT;
-- Where the row's is_postmortem came from: publisher | curated | classifier | curator.
ALTER TABLE postmortems ADD COLUMN decided_by TEXT NOT NULL DEFAULT 'classifier';

-- A curator's word on one entry, kept apart from extraction so that sync and reextract never
-- lose it. Keyed by the entry's canonical URL (model::canonical_url), so that the same report
-- found by another source is covered too; by the entry's id only when it has no URL.
CREATE TABLE curator_marks (
    id            INTEGER PRIMARY KEY,
    canonical_url TEXT UNIQUE,
    entry_id      INTEGER UNIQUE REFERENCES entries (id) ON DELETE CASCADE,
    -- The link as given (or the entry's, when marked by id).
    url           TEXT,
    is_postmortem INTEGER NOT NULL,
    reason        TEXT,
    marked_at     TEXT NOT NULL,
    CHECK (canonical_url IS NOT NULL OR entry_id IS NOT NULL)
) STRICT;

-- Rows stored before this migration: status-page incidents that carry a postmortem (their
-- identity is `incident:<id>`; an incident.io page's Atom fallback items are feed items) and
-- the entries of curated list sources.
UPDATE entries SET vouched_by = 'publisher'
 WHERE candidate = 1 AND identity LIKE 'incident:%'
   AND source_id IN (SELECT id FROM sources WHERE kind IN ('statuspage', 'incidentio', 'gcp'));
UPDATE entries SET vouched_by = 'curated'
 WHERE candidate = 1 AND source_id IN (SELECT id FROM sources WHERE kind = 'list');
UPDATE postmortems SET is_postmortem = 1,
       decided_by = (SELECT e.vouched_by FROM entries e WHERE e.id = postmortems.entry_id)
 WHERE entry_id IN (SELECT id FROM entries WHERE vouched_by IS NOT NULL);
