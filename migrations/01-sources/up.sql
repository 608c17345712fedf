-- One row per configured source, keyed by its name in sources.toml, with the state of its
-- last fetch. Timestamps are RFC 3339 UTC text ("2024-03-05T10:00:00Z"), which sorts.
CREATE TABLE sources (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    -- Validators for the next conditional GET, stored only after a body parsed.
    etag                 TEXT,
    last_modified        TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    last_status          INTEGER,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
) STRICT;
