-- The sync server's schema, PostgreSQL dialect: the same tables and constraints as
-- migrations/0001_server.sql (SQLite), with native types where PostgreSQL has them (uuid, bigint,
-- bytea, boolean). Times used in comparisons are bigint milliseconds since the Unix epoch (UTC);
-- event times are RFC 3339 text, exactly as hashed into the chain; event payloads are JSON text,
-- byte for byte as decided (jsonb would reorder keys and normalise numbers).
-- Applied by store::postgres under an advisory lock and recorded in holdfast_schema_migrations.

CREATE TABLE organisations (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at bigint NOT NULL
);

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    name            text NOT NULL,
    roles           text NOT NULL,                    -- JSON array of role names, sorted
    active          boolean NOT NULL,
    password_hash   text NOT NULL,                    -- Argon2id, PHC string
    created_at      bigint NOT NULL,
    UNIQUE (organisation_id, name)
);

-- Bearer tokens, by their SHA-256 only.
CREATE TABLE tokens (
    hash       bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id),
    kind       text NOT NULL CHECK (kind IN ('access', 'refresh')),
    issued_at  bigint NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint
);

CREATE INDEX tokens_by_user ON tokens (user_id);

-- One row per failed sign-in per subject ('user:<org id>/<name>' or 'addr:<ip>').
CREATE TABLE sign_in_failures (
    subject text NOT NULL,
    at      bigint NOT NULL
);

CREATE INDEX sign_in_failures_by_subject ON sign_in_failures (subject, at);

CREATE TABLE policies (
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    version         bigint NOT NULL CHECK (version >= 0),
    source          text NOT NULL,                    -- the TOML file as published
    published_at    text NOT NULL,
    PRIMARY KEY (organisation_id, version)
);

-- The organisation's counter and chain head. Created with the organisation (last_seq 0, the
-- genesis hash); a push locks this row (SELECT … FOR UPDATE) before it reads anything, so the
-- organisation's writers are serialised and seq values are handed out in commit order.
CREATE TABLE org_counters (
    organisation_id uuid PRIMARY KEY REFERENCES organisations (id),
    last_seq        bigint NOT NULL CHECK (last_seq >= 0),
    chain_hash      bytea NOT NULL CHECK (octet_length(chain_hash) = 32)
);

-- The organisation's event log: every case and account event, in counter order.
CREATE TABLE events (
    organisation_id   uuid NOT NULL REFERENCES organisations (id),
    seq               bigint NOT NULL CHECK (seq >= 1),
    id                uuid NOT NULL UNIQUE,
    aggregate_type    text NOT NULL CHECK (aggregate_type IN ('case', 'account')),
    aggregate_id      uuid NOT NULL,
    aggregate_version bigint NOT NULL CHECK (aggregate_version >= 1),
    kind              text NOT NULL,
    actor             text NOT NULL,
    policy_version    text NOT NULL,
    recorded_at       text NOT NULL,                  -- RFC 3339, UTC
    payload           text NOT NULL,                  -- JSON
    origin_client     uuid,                           -- the pushed command that produced it
    origin_seq        bigint,
    chain_hash        bytea NOT NULL CHECK (octet_length(chain_hash) = 32),
    PRIMARY KEY (organisation_id, seq),
    UNIQUE (organisation_id, aggregate_type, aggregate_id, aggregate_version)
);

CREATE INDEX events_by_aggregate ON events (organisation_id, aggregate_id, aggregate_version);
CREATE INDEX events_by_kind ON events (organisation_id, kind);

-- Read model: which account each case belongs to, and its version.
CREATE TABLE cases (
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL,
    account_id      uuid NOT NULL,
    version         bigint NOT NULL,
    PRIMARY KEY (organisation_id, id)
);

CREATE INDEX cases_by_account ON cases (organisation_id, account_id);

-- Read model: accounts as imported, by id (derived from the external id).
CREATE TABLE accounts (
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL,
    external_id     text NOT NULL,
    draft           text NOT NULL,                    -- AccountDraft as JSON (money in minor units)
    version         bigint NOT NULL,
    updated_at      bigint NOT NULL,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, external_id)
);

-- The outcome of every pushed command, written in the transaction of its events, so that a
-- retry gets the same answer and applies nothing.
CREATE TABLE command_outcomes (
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    client_id       uuid NOT NULL,
    seq             bigint NOT NULL CHECK (seq >= 1),
    user_id         uuid NOT NULL REFERENCES users (id),
    outcome         text NOT NULL,                    -- CommandOutcome as JSON
    recorded_at     bigint NOT NULL,
    PRIMARY KEY (organisation_id, client_id, seq)
);

-- Signed checkpoints of the chain.
CREATE TABLE checkpoints (
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    seq             bigint NOT NULL,
    chain_hash      text NOT NULL,                    -- hex
    signature       text NOT NULL,                    -- hex Ed25519
    PRIMARY KEY (organisation_id, seq)
);

-- The server's Ed25519 secret key, shared by every instance on this database.
CREATE TABLE signing_key (
    id     smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL CHECK (octet_length(secret) = 32)
);
