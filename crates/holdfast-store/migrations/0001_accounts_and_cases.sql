-- Customer accounts, imported from the company's CRM or billing exports and updated by external id.
CREATE TABLE accounts (
    id                        TEXT PRIMARY KEY,          -- UUIDv7
    external_id               TEXT NOT NULL UNIQUE,
    name                      TEXT NOT NULL,
    name_key                  TEXT NOT NULL,             -- lower-cased name: sort and search key
    contact_name              TEXT,
    email                     TEXT,
    email_key                 TEXT,                      -- lower-cased e-mail for search
    phone                     TEXT,
    phone_digits              TEXT,                      -- digits only, so "555-0100" finds "(555) 0100"
    preferred_channel         TEXT NOT NULL CHECK (preferred_channel IN ('email', 'phone', 'sms', 'chat')),
    tier                      TEXT NOT NULL,
    hosting_server            TEXT,
    plan                      TEXT,
    currency                  TEXT NOT NULL CHECK (length(currency) = 3),
    mrr_minor                 INTEGER NOT NULL CHECK (mrr_minor >= 0),
    customer_since            TEXT,                      -- civil date, YYYY-MM-DD
    total_collected_minor     INTEGER NOT NULL CHECK (total_collected_minor >= 0),
    accounts_receivable_minor INTEGER NOT NULL CHECK (accounts_receivable_minor >= 0),
    original_sales_rep        TEXT,
    created_at                INTEGER NOT NULL,          -- UTC, milliseconds since the Unix epoch
    updated_at                INTEGER NOT NULL
) STRICT;

CREATE INDEX accounts_by_name ON accounts (name_key, id);

-- Cancellation cases: the inbox reads this table.
CREATE TABLE cases (
    id                TEXT PRIMARY KEY,                  -- UUIDv7
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    status            TEXT NOT NULL,
    channel           TEXT NOT NULL,
    requester_name    TEXT NOT NULL,
    requester_contact TEXT NOT NULL,
    received_at       INTEGER NOT NULL,                  -- UTC, milliseconds since the Unix epoch
    opened_at         INTEGER NOT NULL
) STRICT;

CREATE INDEX cases_by_received ON cases (received_at, id);
CREATE INDEX cases_by_account ON cases (account_id, received_at);
