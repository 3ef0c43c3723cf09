-- The sync server's schema (SQLite dialect; a PostgreSQL backend mirrors these tables and
-- constraints). Ids are UUID text; times used in comparisons are INTEGER milliseconds since the
-- Unix epoch (UTC); event times are RFC 3339 text, exactly as hashed into the chain.

CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    roles           TEXT NOT NULL,                    -- JSON array of role names, sorted
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    password_hash   TEXT NOT NULL,                    -- Argon2id, PHC string
    created_at      INTEGER NOT NULL,
    UNIQUE (organisation_id, name)
) STRICT;

-- Bearer tokens, by their SHA-256 only.
CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX tokens_by_user ON tokens (user_id);

-- One row per failed sign-in per subject ('user:<org id>/<name>' or 'addr:<ip>').
CREATE TABLE sign_in_failures (
    subject TEXT NOT NULL,
    at      INTEGER NOT NULL
) STRICT;

CREATE INDEX sign_in_failures_by_subject ON sign_in_failures (subject, at);

CREATE TABLE policies (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    version         INTEGER NOT NULL CHECK (version >= 0),
    source          TEXT NOT NULL,                    -- the TOML file as published
    published_at    TEXT NOT NULL,
    PRIMARY KEY (organisation_id, version)
) STRICT;

-- The organisation's counter and chain head, advanced inside the transaction that appends
-- events (in PostgreSQL, `SELECT … FOR UPDATE` on this row serialises the organisation's writers).
CREATE TABLE org_counters (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id),
    last_seq        INTEGER NOT NULL CHECK (last_seq >= 0),
    chain_hash      BLOB NOT NULL CHECK (length(chain_hash) = 32)
) STRICT;

-- The organisation's event log: every case and account event, in counter order.
CREATE TABLE events (
    organisation_id   TEXT NOT NULL REFERENCES organisations (id),
    seq               INTEGER NOT NULL CHECK (seq >= 1),
    id                TEXT NOT NULL UNIQUE,
    aggregate_type    TEXT NOT NULL CHECK (aggregate_type IN ('case', 'account')),
    aggregate_id      TEXT NOT NULL,
    aggregate_version INTEGER NOT NULL CHECK (aggregate_version >= 1),
    kind              TEXT NOT NULL,
    actor             TEXT NOT NULL,
    policy_version    TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,                  -- RFC 3339, UTC
    payload           TEXT NOT NULL,                  -- JSON
    origin_client     TEXT,                           -- the pushed command that produced it
    origin_seq        INTEGER,
    chain_hash        BLOB NOT NULL CHECK (length(chain_hash) = 32),
    PRIMARY KEY (organisation_id, seq),
    UNIQUE (organisation_id, aggregate_type, aggregate_id, aggregate_version)
) STRICT;

CREATE INDEX events_by_aggregate ON events (organisation_id, aggregate_id, aggregate_version);
CREATE INDEX events_by_kind ON events (organisation_id, kind);

-- Read model: which account each case belongs to, and its version.
CREATE TABLE cases (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id              TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, id)
) STRICT;

CREATE INDEX cases_by_account ON cases (organisation_id, account_id);

-- Read model: accounts as imported, by id (derived from the external id).
CREATE TABLE accounts (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id              TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    draft           TEXT NOT NULL,                    -- AccountDraft as JSON (money in minor units)
    version         INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, external_id)
) STRICT;

-- The outcome of every pushed command, written in the transaction of its events, so that a
-- retry gets the same answer and applies nothing.
CREATE TABLE command_outcomes (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    client_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    user_id         TEXT NOT NULL REFERENCES users (id),
    outcome         TEXT NOT NULL,                    -- CommandOutcome as JSON
    recorded_at     INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, client_id, seq)
) STRICT;

-- Signed checkpoints of the chain.
CREATE TABLE checkpoints (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    seq             INTEGER NOT NULL,
    chain_hash      TEXT NOT NULL,                    -- hex
    signature       TEXT NOT NULL,                    -- hex Ed25519
    PRIMARY KEY (organisation_id, seq)
) STRICT;

-- The server's Ed25519 secret key, shared by every instance on this database.
CREATE TABLE signing_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
) STRICT;
