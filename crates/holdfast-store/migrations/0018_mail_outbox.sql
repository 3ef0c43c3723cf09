-- Issue 16: e-mail the desk sends itself over SMTP. Each row is one message to one customer,
-- queued when the person pressed "Send by e-mail" and handed to the mail server by the shell's
-- mail loop. `message_id` is the message's Message-ID header, made once when it is queued and
-- the same on every attempt. `state`: queued (waiting for its turn, `next_attempt_at`), sending
-- (handed to the server now; found so at start-up, Holdfast stopped mid-attempt), sent (the
-- server took it and the case records it; the text is cleared), failed (refused or given up),
-- uncertain (an attempt was cut off by Holdfast stopping; not sent again by itself).
-- (IF NOT EXISTS: the migration tests replay the steps after 0011 on a migrated database.)
CREATE TABLE IF NOT EXISTS mail_outbox (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_by TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    problem TEXT,
    server_reply TEXT,
    sent_at INTEGER
);

CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS mail_outbox_case ON mail_outbox (case_id, queued_at);
CREATE INDEX IF NOT EXISTS mail_outbox_account ON mail_outbox (account_id);
