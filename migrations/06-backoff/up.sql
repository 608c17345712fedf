-- Backoff for failing sources. After a failure the pipeline stores when the source may be
-- polled again (RFC 3339 UTC text, like every timestamp); a success or a 304 clears it. The
-- daemon skips a source while this lies in the future, so a restart keeps the backoff.
-- A hand-typed `pmagg sync` polls its sources regardless (and records the outcome the same way).
ALTER TABLE sources ADD COLUMN next_attempt_at TEXT;
