-- Issue 14, the first report after opening: a report reads every case's report facts and its
-- account's tier and MRR. Read from the tables, that scan also reads each case's `history` (the
-- JSON the reports never need at report time) and each account's whole row (names, contacts),
-- about ten times the bytes the report uses, every page decrypted. These covering indexes hold
-- exactly the report's columns, so the first report scans them instead (`reports.rs`,
-- `REPORT_COLUMNS`). Each case or account write updates them too: a few dozen bytes.
CREATE INDEX IF NOT EXISTS case_reports_for_reports ON case_reports (
    case_id, account_id, received_at, received_under, first_response_due, acknowledged_at,
    closed_as, closed_at, closed_under, reason_id, owner, route, details
);

CREATE INDEX IF NOT EXISTS accounts_for_reports ON accounts (id, tier, currency, mrr_minor);
