-- What this profile has chosen: the policy it works under (its TOML text, as published or picked
-- from a preset) and the local user (name and roles) until the sync server provides them.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
