-- The offer approval queue: the offer on each case that is outside the policy's limits and not yet
-- approved (its offer id), NULL when no offer waits for approval. Derived from the event log like
-- the rest of the cases table; `rebuild_read_models` reproduces it.
ALTER TABLE cases ADD COLUMN offer_awaiting_approval TEXT;

CREATE INDEX cases_offer_awaiting_approval ON cases (first_response_due, id)
    WHERE offer_awaiting_approval IS NOT NULL;
