-- Issue 9, the engine's spine: one hashed form of an event, one projection, one commit path.
--
-- The audit chain's hashed form is now exactly what is stored: an event's instant is hashed at the
-- milliseconds its column keeps (holdfast-core::record). Earlier versions hashed the instant at
-- nanosecond precision and stored only its milliseconds, so their links could not be re-derived
-- from the log. After this SQL, the migration links every stored event again under the current
-- form (holdfast_store::events::reseal) and records that it did, here, so the re-sealing is a
-- visible fact of the profile and not a silent rewrite.
CREATE TABLE audit_reseals (
    id             INTEGER PRIMARY KEY,
    resealed_at    INTEGER NOT NULL,                  -- UTC milliseconds
    schema_version INTEGER NOT NULL,                  -- the migration that re-sealed
    through_seq    INTEGER NOT NULL,                  -- the last event it linked again
    links_changed  INTEGER NOT NULL,                  -- how many stored hashes it replaced
    reason         TEXT NOT NULL
) STRICT;

-- The sync outbox of local profiles was written by every command and read by nothing: a joined
-- profile's pending commands live in the client engine's state (sync_state) and pending_events.
DROP TABLE outbox;

-- A case's first-response clock (`cases.acknowledged_at`) is written from the case's folded state
-- with the rest of its row (holdfast-core::read_model), so the triggers that stamped it from the
-- log in SQL go: one projection, not two.
DROP TRIGGER cases_acknowledged_by_event;
DROP TRIGGER cases_acknowledged_on_insert;

-- The case's folded state (holdfast-core's CaseState, as JSON), written with the rest of its row,
-- so the next command is decided without folding the whole history again: deciding costs the same
-- on a case with 5 events and one with 500. NULL for a row written before this; such a case is
-- folded from its events until it is next written.
ALTER TABLE cases ADD COLUMN state TEXT;

-- The offers accepted on an account's cases (the engine's account facts), without reading every
-- event of those cases.
CREATE INDEX events_offer_accepted ON events (aggregate_id) WHERE kind = 'offer_accepted';

-- The inbox's search ("account, requester or contact contains …") without reading every case: a
-- trigram index of each case's requester and contact and of each account's name, keyed by the
-- rowid of the row they index (the store never VACUUMs, so rowids stay put; rebuilding the read
-- models rebuilds these too). A search of three characters or more reads them; a shorter one
-- still compares every row.
CREATE VIRTUAL TABLE case_search USING fts5(requester_name, requester_contact, tokenize = 'trigram');
INSERT INTO case_search (rowid, requester_name, requester_contact)
    SELECT rowid, requester_name, requester_contact FROM cases;
CREATE VIRTUAL TABLE account_search USING fts5(name, tokenize = 'trigram');
INSERT INTO account_search (rowid, name) SELECT rowid, name FROM accounts;
