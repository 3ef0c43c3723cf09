-- Issue 16: heads-ups that arrive. The server sends a team's outgoing webhooks, once per event
-- whichever desk recorded it, after the push that recorded it is committed: a background task
-- (`crate::heads_ups`) reads each organisation's log after its cursor, queues a delivery per
-- subscription (the server's configuration) that takes each event, and moves the cursor in the
-- same transaction. A delivery's id derives from the subscription and the event
-- (holdfast_core::heads_up::delivery_id): queued once, the same idempotency key on every attempt.
-- `body` is the request body: ids, the event's kind, the account's external id, amounts, dates and
-- the recording person's name, never a customer's personal data (nothing here for an erasure).
-- Instants in UTC milliseconds. (IF NOT EXISTS: the upgrade tests replay the steps after an older
-- schema on a database that has them.)
CREATE TABLE IF NOT EXISTS heads_up_cursors (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id),
    after_seq       INTEGER NOT NULL CHECK (after_seq >= 0)
) STRICT;

CREATE TABLE IF NOT EXISTS heads_up_deliveries (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    subscription    TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    event_seq       INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT,
    queued_at       INTEGER NOT NULL,
    -- When it may be tried next; a claimed one is leased until then (another instance leaves it).
    next_attempt_at INTEGER,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX IF NOT EXISTS heads_up_deliveries_due ON heads_up_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS heads_up_deliveries_log ON heads_up_deliveries (organisation_id, queued_at);
