-- Issue 16: heads-ups that arrive (see the SQLite migration of the same name).
CREATE TABLE heads_up_cursors (
    organisation_id uuid PRIMARY KEY REFERENCES organisations (id),
    after_seq       bigint NOT NULL CHECK (after_seq >= 0)
);

CREATE TABLE heads_up_deliveries (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    subscription    text NOT NULL,
    event_id        uuid NOT NULL,
    event_seq       bigint NOT NULL,
    kind            text NOT NULL,
    case_id         uuid NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text,
    queued_at       bigint NOT NULL,
    next_attempt_at bigint,
    delivered_at    bigint
);

CREATE INDEX heads_up_deliveries_due ON heads_up_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX heads_up_deliveries_log ON heads_up_deliveries (organisation_id, queued_at);
