-- Issue 14: what the reports need of each case, kept beside its row and written by the one
-- projection in the transaction that records the case's events (`reports.rs`).
--
-- `history` is the case's `CaseHistory` (JSON): what only its event records hold (when and under
-- which policy version it was received and closed, when each offer was proposed and whether it
-- was accepted, when each refund was requested), folded from the records as they are committed,
-- as `cases.state` is from the events. The other columns are the report's facts of the case
-- (`holdfast_core::reports::case_facts` of the state and history): a report reads these rows
-- only. The account's tier and MRR are not here: they are the account's current values, read
-- with the account when a report is made. Labels (the reason's, the offers') are the policy's
-- words when the report is made, so only ids are kept. Instants in UTC milliseconds.
-- `details` holds the offers, refunds and win-back check-ins as JSON, NULL when a case has none.
-- (IF NOT EXISTS: the migration tests replay the steps after 0011 on a migrated database; the
-- Rust step that follows fills the table from the event log.)
CREATE TABLE IF NOT EXISTS case_reports (
    case_id            TEXT PRIMARY KEY REFERENCES cases (id),
    account_id         TEXT NOT NULL,
    history            TEXT NOT NULL,
    received_at        INTEGER NOT NULL,
    received_under     TEXT NOT NULL,
    first_response_due INTEGER NOT NULL,
    acknowledged_at    INTEGER,
    closed_as          TEXT CHECK (closed_as IN ('cancelled', 'saved_by_offer', 'saved_by_csm',
                                                 'saved_by_retention_call', 'withdrawn',
                                                 'verification_failed')),
    closed_at          INTEGER,
    closed_under       TEXT,
    reason_id          TEXT,
    owner              TEXT,
    route              TEXT,
    effective_date     TEXT,                                -- YYYY-MM-DD, once finalized
    logged             INTEGER NOT NULL CHECK (logged IN (0, 1)), -- in the cancellation sheet
    details            TEXT,
    CHECK ((closed_as IS NULL) = (closed_at IS NULL) AND (closed_at IS NULL) = (closed_under IS NULL))
) STRICT;

-- The weekly reason report reads two weeks of requests; the sheet reads the newest first.
CREATE INDEX IF NOT EXISTS case_reports_by_received ON case_reports (received_at);
