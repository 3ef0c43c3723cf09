-- The offers an account was granted are read for every push that touches the account: from the
-- few `offer_accepted` events, not by walking every event of every case of the account.
CREATE INDEX events_offers_accepted ON events (organisation_id, aggregate_id)
    WHERE kind = 'offer_accepted';
