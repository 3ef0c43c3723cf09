-- Issue 13: what is due for the person at the desk (`due.rs`).
--
-- What each person did with their reminders (`holdfast_core::reminders::Memory`), one row per
-- person (the acting user's id: a local profile is shared at one desk) and due item's key: the
-- stages already raised as a bit set (1: due soon, 2: due), until when the item is snoozed, and
-- when it was marked done. One row per key rather than one JSON value for
-- the whole memory: a snooze, a done or a raised notification writes the one row it concerns
-- (the memory of a busy desk holds thousands of keys), and pruning is one DELETE.
-- (IF NOT EXISTS: the migration tests replay the steps after 0011 on a migrated database.)
CREATE TABLE IF NOT EXISTS reminders (
    person        TEXT NOT NULL,
    key           TEXT NOT NULL,
    shown         INTEGER NOT NULL DEFAULT 0 CHECK (shown BETWEEN 0 AND 3),
    snoozed_until INTEGER,                                    -- UTC milliseconds
    done_at       INTEGER,                                    -- UTC milliseconds
    PRIMARY KEY (person, key)
) STRICT, WITHOUT ROWID;

-- The first responses a person owes: the open, unacknowledged cases they hold (and those nobody
-- holds, under `owner IS NULL`), by deadline. `due.rs` repeats this WHERE word for word.
CREATE INDEX IF NOT EXISTS cases_first_response_by_owner ON cases (owner, first_response_due, id)
    WHERE acknowledged_at IS NULL AND status IN ('received', 'in_progress');
