-- The inbox: when each case's first response went out (the SLA countdown stops there), and the
-- indexes its filters and sort orders read, so that any page of 100k cases costs what page 1 costs.

-- UTC milliseconds of the first `acknowledged` event; NULL while the first-response clock runs.
ALTER TABLE cases ADD COLUMN acknowledged_at INTEGER;

UPDATE cases SET acknowledged_at = (
    SELECT min(e.recorded_at) FROM events e
    WHERE e.aggregate_type = 'case' AND e.aggregate_id = cases.id AND e.kind = 'acknowledged'
);

-- Kept from the event log by triggers, so that a live command and a rebuild of the read models
-- (which deletes the cases and projects every event again) cannot disagree: an acknowledgement
-- recorded now stamps its case, and a case row (re)inserted takes the acknowledgement already in
-- the log.
CREATE TRIGGER cases_acknowledged_by_event AFTER INSERT ON events
WHEN NEW.aggregate_type = 'case' AND NEW.kind = 'acknowledged'
BEGIN
    UPDATE cases SET acknowledged_at = NEW.recorded_at
    WHERE id = NEW.aggregate_id AND acknowledged_at IS NULL;
END;

CREATE TRIGGER cases_acknowledged_on_insert AFTER INSERT ON cases
WHEN NEW.acknowledged_at IS NULL
BEGIN
    UPDATE cases SET acknowledged_at = (
        SELECT min(e.recorded_at) FROM events e
        WHERE e.aggregate_type = 'case' AND e.aggregate_id = NEW.id AND e.kind = 'acknowledged'
    )
    WHERE id = NEW.id;
END;

-- Sort: first-response deadline, soonest first.
CREATE INDEX cases_by_due ON cases (first_response_due, id);
-- Filters, each in the default order (most recent request first).
CREATE INDEX cases_by_status_received ON cases (status, received_at, id);
CREATE INDEX cases_by_owner_received ON cases (owner, received_at, id);
CREATE INDEX cases_by_reason_received ON cases (reason_id, received_at, id);
-- The cases whose first-response clock still runs: the "overdue" and "due within" filters. The
-- inbox repeats this WHERE word for word, so SQLite can use the index.
CREATE INDEX cases_awaiting_first_response ON cases (first_response_due, id)
    WHERE acknowledged_at IS NULL AND status IN ('received', 'in_progress');
-- Sort by account name: the accounts in name order, then each account's cases by id.
CREATE INDEX cases_by_account_id ON cases (account_id, id);
-- The tier filter's choices (and the filter itself) without reading every account.
CREATE INDEX accounts_by_tier ON accounts (tier, id);
