-- Sign-in hardening (issue 12). Sessions: every sign-in starts a token family; rotating a refresh
-- token keeps the family, and presenting a refresh token that was already used or revoked
-- revokes the whole family (the thief's chain and the user's alike). Failed sign-ins: each
-- attempt is reserved (recorded as a failure) BEFORE the password is checked, one row per
-- subject sharing the attempt's id, so parallel guesses cannot get past the limits; a correct
-- password deletes its own rows and the earlier failures of the same user at the same address.

CREATE TABLE token_families (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,               -- its newest refresh token's expiry
    revoked_at   INTEGER
) STRICT;

CREATE INDEX token_families_by_user ON token_families (user_id);

-- Tokens issued before this migration have no family.
ALTER TABLE tokens ADD COLUMN family TEXT REFERENCES token_families (id);

CREATE INDEX tokens_by_family ON tokens (family);

-- The attempt a failure row belongs to (NULL for rows written before this migration).
ALTER TABLE sign_in_failures ADD COLUMN attempt TEXT;

CREATE INDEX sign_in_failures_by_attempt ON sign_in_failures (attempt);
