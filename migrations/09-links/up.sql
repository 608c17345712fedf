-- Link rot (issue #18): one row per checked URL, shared by every entry that links to it, so a
-- link listed twice (an entry and a company page, two lists) is fetched and counted once.
CREATE TABLE link_checks (
    url                TEXT PRIMARY KEY,
    -- The last check: when, the HTTP status if one came back, and what it meant:
    -- ok | broken (404, 410, DNS failure) | inconclusive (429, 5xx, timeout, anything else).
    checked_at         TEXT NOT NULL,
    status             INTEGER,
    outcome            TEXT NOT NULL,
    error              TEXT,
    -- Broken checks in a row (inconclusive checks neither count nor reset them), the first
    -- and last of them, and the last check that answered 2xx.
    failures           INTEGER NOT NULL DEFAULT 0,
    first_failure      TEXT,
    last_failure       TEXT,
    last_success       TEXT,
    -- The closest Wayback Machine snapshot (HTTP 200) before the entry's date, once looked up.
    snapshot_url       TEXT,
    snapshot_timestamp TEXT,
    -- Save Page Now: when the URL was last submitted and what came of it.
    saved_at           TEXT,
    save_outcome       TEXT
) STRICT;
