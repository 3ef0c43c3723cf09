-- A profile joined to a team server's organisation (DESIGN §5). Its `events` table then holds the
-- organisation's confirmed log in the server's order (seq = the server's counter), each event with
-- the command that produced it and the server's chain hash; what this device decided and the
-- server has not confirmed lives in `pending_events` and is rewritten at every rebase.
ALTER TABLE events ADD COLUMN origin_client TEXT;
ALTER TABLE events ADD COLUMN origin_seq INTEGER;
ALTER TABLE events ADD COLUMN server_chain_hash TEXT;

CREATE TABLE sync_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    server        TEXT NOT NULL,                  -- the server's address
    me            TEXT NOT NULL,                  -- JSON: the user as the server last described them
    replica       TEXT NOT NULL,                  -- JSON: the client engine's state without its log
    last_sync_at  INTEGER,                        -- UTC ms of the last completed round
    last_error    TEXT                            -- why the last round failed, if it did
) STRICT;

-- The events the outbox's commands are expected to record, laid over the confirmed log. The same
-- columns as `events` so that one query reads a case's history; `seq` starts at a fixed offset
-- (holdfast_store::sync::PENDING_SEQ_BASE) so it never meets a confirmed event's number.
CREATE TABLE pending_events (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    aggregate_type    TEXT NOT NULL,
    aggregate_id      TEXT NOT NULL,
    aggregate_version INTEGER NOT NULL CHECK (aggregate_version >= 1),
    kind              TEXT NOT NULL,
    actor             TEXT NOT NULL,
    policy_version    TEXT NOT NULL,
    recorded_at       INTEGER NOT NULL,
    payload           TEXT NOT NULL,
    hash              BLOB NOT NULL CHECK (length(hash) = 32),
    command_seq       INTEGER NOT NULL
) STRICT;

CREATE INDEX pending_events_by_aggregate ON pending_events (aggregate_id, aggregate_version);
