-- Issue 10: tasks of new kinds (a case handed off, billing's heads-up on a refund under review,
-- the form reminder), a task can go to a role rather than a person (billing's refunds, a case
-- handed to the CSMs), and it says what the work is about without opening the case (the number
-- to call and the reason, why it was handed off). The table is a read model, so it is made again
-- with the wider kind list and the new columns; the Rust step that follows this migration projects
-- every case's tasks again from the event log.
DROP TABLE tasks;

CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,                           -- the case, the kind, the subject
    case_id       TEXT NOT NULL REFERENCES cases (id),
    kind          TEXT NOT NULL CHECK (kind IN ('save_call', 'csm_escalation', 'refund_review',
                                                'refund_processing', 'win_back', 'hand_off',
                                                'billing_heads_up', 'form_reminder')),
    subject       TEXT,                                       -- e.g. the refund's id
    assignee      TEXT,                                       -- a person or team, by name or id
    assignee_role TEXT,                                       -- a role, when no one is named
    detail        TEXT,                                       -- what the queue shows of the work
    due_at        INTEGER,
    open          INTEGER NOT NULL CHECK (open IN (0, 1))
) STRICT;

CREATE INDEX tasks_by_assignee ON tasks (open, assignee, due_at);
CREATE INDEX tasks_by_kind ON tasks (open, kind, due_at);
CREATE INDEX tasks_by_role ON tasks (open, assignee_role, due_at);
