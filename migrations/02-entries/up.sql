-- One row per item of a source. (source_id, identity) is the natural key that makes a second
-- sync an update instead of a duplicate.
CREATE TABLE entries (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    identity     TEXT NOT NULL,
    url          TEXT,
    title        TEXT,
    published    TEXT,
    summary      TEXT,
    content      TEXT,
    content_hash TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    UNIQUE (source_id, identity)
) STRICT;

CREATE INDEX entries_by_url ON entries (url);
CREATE INDEX entries_by_published ON entries (published);
