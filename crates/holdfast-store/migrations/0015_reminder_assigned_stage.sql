-- Issue 13: work given to a person (a save call, an escalation, a hand-off, a refund for billing)
-- is raised when it first reaches their desk (`Stage::Assigned`), kept as a third bit of
-- `reminders.shown` (4). SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt with its rows. (Replayable: the migration tests run the steps after 0011 again.)
CREATE TABLE reminders_new (
    person        TEXT NOT NULL,
    key           TEXT NOT NULL,
    shown         INTEGER NOT NULL DEFAULT 0 CHECK (shown BETWEEN 0 AND 7),
    snoozed_until INTEGER,                                    -- UTC milliseconds
    done_at       INTEGER,                                    -- UTC milliseconds
    PRIMARY KEY (person, key)
) STRICT, WITHOUT ROWID;

INSERT INTO reminders_new (person, key, shown, snoozed_until, done_at)
    SELECT person, key, shown, snoozed_until, done_at FROM reminders;

DROP TABLE reminders;

ALTER TABLE reminders_new RENAME TO reminders;
