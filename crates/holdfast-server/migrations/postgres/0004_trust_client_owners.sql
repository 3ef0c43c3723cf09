-- Issue 12: a client id (one desk profile) belongs to the user who first pushed with it (see the
-- SQLite migration of the same name).
CREATE TABLE client_owners (
    client_id       uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    user_id         uuid NOT NULL REFERENCES users (id),
    bound_at        bigint NOT NULL
);

INSERT INTO client_owners (client_id, organisation_id, user_id, bound_at)
SELECT DISTINCT ON (client_id) client_id, organisation_id, user_id, recorded_at
FROM command_outcomes
ORDER BY client_id, seq, recorded_at
ON CONFLICT (client_id) DO NOTHING;
