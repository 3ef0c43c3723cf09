-- Issue 16: heads-ups that arrive. On a profile of its own the desk sends the outgoing webhooks
-- its subscriptions (the profile's settings, `heads_up_subscriptions`) ask for; this is their
-- durable queue and delivery log. A row is queued in the transaction that moves the settings'
-- `heads_up_cursor` past the event, its id derived from the subscription and the event
-- (holdfast_core::heads_up::delivery_id), so an event is queued once per subscription and every
-- attempt carries the same idempotency key. `body` is the request body as first built: ids, the
-- event's kind, the account's external id, amounts, dates and the recording person's name, never
-- the customer's personal data (so an erasure has nothing to remove here). Instants in UTC
-- milliseconds. (IF NOT EXISTS: the migration tests replay the steps after 0011 on a migrated
-- database.)
CREATE TABLE IF NOT EXISTS heads_up_deliveries (
    id              TEXT PRIMARY KEY,
    subscription    TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT,
    queued_at       INTEGER NOT NULL,
    next_attempt_at INTEGER,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX IF NOT EXISTS heads_up_deliveries_due ON heads_up_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS heads_up_deliveries_log ON heads_up_deliveries (queued_at);
