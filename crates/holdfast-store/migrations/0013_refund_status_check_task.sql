-- Issue 13: a refund's status check (IntelliServe's "check refund status after 5 business days")
-- is a task of a new kind. SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt with the wider kind list, keeping every row and its indexes (a table rebuild: create
-- the new table, copy the rows, drop the old one, rename, index again).
CREATE TABLE tasks_new (
    id            TEXT PRIMARY KEY,                           -- the case, the kind, the subject
    case_id       TEXT NOT NULL REFERENCES cases (id),
    kind          TEXT NOT NULL CHECK (kind IN ('save_call', 'csm_escalation', 'refund_review',
                                                'refund_processing', 'win_back', 'hand_off',
                                                'billing_heads_up', 'form_reminder',
                                                'refund_status_check')),
    subject       TEXT,                                       -- e.g. the refund's id
    assignee      TEXT,                                       -- a person or team, by name or id
    assignee_role TEXT,                                       -- a role, when no one is named
    detail        TEXT,                                       -- what the queue shows of the work
    due_at        INTEGER,
    open          INTEGER NOT NULL CHECK (open IN (0, 1))
) STRICT;

INSERT INTO tasks_new (id, case_id, kind, subject, assignee, assignee_role, detail, due_at, open)
    SELECT id, case_id, kind, subject, assignee, assignee_role, detail, due_at, open FROM tasks;

DROP TABLE tasks;

ALTER TABLE tasks_new RENAME TO tasks;

CREATE INDEX tasks_by_assignee ON tasks (open, assignee, due_at);
CREATE INDEX tasks_by_kind ON tasks (open, kind, due_at);
CREATE INDEX tasks_by_role ON tasks (open, assignee_role, due_at);
