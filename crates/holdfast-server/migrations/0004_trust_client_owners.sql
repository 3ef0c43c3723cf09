-- Issue 12: a client id (one desk profile) belongs to the user who first pushed with it. A push
-- under a client id bound to someone else is refused, so nobody can spend a colleague's sequence
-- numbers and have the colleague's real commands answered "applied" and dropped.
CREATE TABLE client_owners (
    client_id       TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    bound_at        INTEGER NOT NULL
) STRICT;

-- Clients that pushed before this table existed belong to the user of their first command.
INSERT OR IGNORE INTO client_owners (client_id, organisation_id, user_id, bound_at)
SELECT o.client_id, o.organisation_id, o.user_id, o.recorded_at
FROM command_outcomes o
WHERE o.seq = (SELECT MIN(f.seq) FROM command_outcomes f
               WHERE f.organisation_id = o.organisation_id AND f.client_id = o.client_id)
ORDER BY o.recorded_at, o.organisation_id;
