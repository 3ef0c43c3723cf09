-- The event log: every decided event, in the order it was recorded, hash-chained for the audit
-- trail (see holdfast-core::audit). Read models are rebuilt from it.
CREATE TABLE events (
    seq               INTEGER PRIMARY KEY,               -- 1, 2, 3, … with no gaps
    id                TEXT NOT NULL UNIQUE,              -- UUIDv7
    aggregate_type    TEXT NOT NULL,
    aggregate_id      TEXT NOT NULL,
    aggregate_version INTEGER NOT NULL CHECK (aggregate_version >= 1),
    kind              TEXT NOT NULL,
    actor             TEXT NOT NULL,
    policy_version    TEXT NOT NULL,
    recorded_at       INTEGER NOT NULL,                  -- UTC, milliseconds since the Unix epoch
    payload           TEXT NOT NULL,                     -- JSON
    hash              BLOB NOT NULL CHECK (length(hash) = 32),
    UNIQUE (aggregate_type, aggregate_id, aggregate_version)
) STRICT;

CREATE INDEX events_by_aggregate ON events (aggregate_id, aggregate_version);

-- The chain's head, written in the same transaction as each event, so that removing events from
-- the end of the log is detected too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
