-- The case engine's read models and sync outbox. Every row here is derived from the event log
-- (except the outbox, which holds what this device decided and the server has not yet taken).

ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN first_response_due INTEGER;      -- UTC milliseconds
ALTER TABLE cases ADD COLUMN reason_id TEXT;
ALTER TABLE cases ADD COLUMN owner TEXT;                      -- who holds the case now
ALTER TABLE cases ADD COLUMN policy_version TEXT;
-- Every gate met, nothing pending: waiting for someone allowed to finalize.
ALTER TABLE cases ADD COLUMN ready_to_finalize INTEGER NOT NULL DEFAULT 0 CHECK (ready_to_finalize IN (0, 1));

CREATE INDEX cases_by_status_due ON cases (status, first_response_due, id);
CREATE INDEX cases_by_owner ON cases (owner, first_response_due, id);
CREATE INDEX cases_ready_to_finalize ON cases (ready_to_finalize, first_response_due, id);

-- People the desk assigns work to. Their roles and whether they still work here come from the
-- server when sync exists; locally they are what the profile knows.
CREATE TABLE users (
    id     TEXT PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    roles  TEXT NOT NULL,                                     -- JSON array of role names
    active INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;

-- Work for a person or a team: save calls, CSM escalations, refunds to verify or to process,
-- win-back check-ins.
CREATE TABLE tasks (
    id        TEXT PRIMARY KEY,                               -- the creating event's id (+ a suffix)
    case_id   TEXT NOT NULL REFERENCES cases (id),
    kind      TEXT NOT NULL CHECK (kind IN ('save_call', 'csm_escalation', 'refund_review',
                                            'refund_processing', 'win_back')),
    subject   TEXT,                                           -- e.g. the refund's id
    assignee  TEXT,
    due_at    INTEGER,
    open      INTEGER NOT NULL CHECK (open IN (0, 1))
) STRICT;

CREATE INDEX tasks_by_assignee ON tasks (open, assignee, due_at);
CREATE INDEX tasks_by_kind ON tasks (open, kind, due_at);

-- Commands decided here, in order, waiting to be pushed to the sync server.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id   TEXT NOT NULL UNIQUE,
    aggregate_id TEXT NOT NULL,
    base_version INTEGER NOT NULL,                            -- the case version it was decided against
    command      TEXT NOT NULL,                               -- JSON
    actor        TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
