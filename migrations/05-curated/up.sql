-- Entries of curated lists as written. `pmagg import FILE` copies a list's entries here, and
-- `pmagg render` records the README's entries after writing it (so an entry deleted from the
-- README by hand is noticed and stays deleted). Curated text is authoritative: extraction
-- never writes to this table.
CREATE TABLE curated_entries (
    id            INTEGER PRIMARY KEY,
    -- The list file, as model::list_key writes its path ("README.md").
    list          TEXT NOT NULL,
    -- 0-based place within the list, in file order.
    position      INTEGER NOT NULL,
    -- The entry's lines exactly as written, line endings included.
    raw           TEXT NOT NULL,
    -- dated | linked | paragraph
    shape         TEXT NOT NULL,
    -- import (a person wrote it) | render (pmagg wrote it)
    origin        TEXT NOT NULL,
    -- The link as written, and the form duplicates are matched on.
    url           TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    title         TEXT,
    company       TEXT,
    company_url   TEXT,
    -- YYYY-MM-DD
    incident_date TEXT,
    summary       TEXT,
    -- JSON array of strings.
    categories    TEXT NOT NULL DEFAULT '[]',
    -- 1 once the entry was deleted from its list by hand: it is never listed again.
    removed       INTEGER NOT NULL DEFAULT 0,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    UNIQUE (list, canonical_url)
) STRICT;

CREATE INDEX curated_by_canonical_url ON curated_entries (canonical_url);

-- Archive copies pmagg wrote, by path relative to archive_dir, with the SHA-256 of what was
-- written. A file is rewritten only while it still holds exactly that: a file pmagg did not
-- write, or one edited since, is the curator's and is never overwritten.
CREATE TABLE archive_files (
    path       TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,
    written_at TEXT NOT NULL
) STRICT;
