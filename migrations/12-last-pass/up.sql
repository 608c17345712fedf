-- Whether the source's last pass lost a report page (#16, #15's closing notes): its index
-- answered, but a report page it points at failed, so `sync` called the source degraded.
-- Written in the same transaction as the pass's entries (set by a failure, cleared by a
-- clean write or a 304), so `pmagg sources` need not guess it from timestamps, which are
-- stored to the second and match a clean pass in the same second as a failing one.
ALTER TABLE sources ADD COLUMN last_pass_degraded INTEGER NOT NULL DEFAULT 0;
