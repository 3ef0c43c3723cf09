-- Issue 10: what the procedures' rules need from an account, who the sales reps are, and a stable
-- id for the profile's user.

-- The plan's price per billing period and the period paid for (proration), and the account's
-- manager (high-value routing), from the account import's optional columns.
ALTER TABLE accounts ADD COLUMN plan_price_minor INTEGER CHECK (plan_price_minor >= 0);
ALTER TABLE accounts ADD COLUMN billing_period_start TEXT;   -- YYYY-MM-DD
ALTER TABLE accounts ADD COLUMN billing_period_end TEXT;     -- the first day after the period
ALTER TABLE accounts ADD COLUMN account_manager TEXT;
-- An export may leave A/R empty: unknown, which is not zero. SQLite cannot drop the NOT NULL of
-- `accounts_receivable_minor` without rebuilding the table (and its search index), so unknown is
-- this flag, with 0 in the amount.
ALTER TABLE accounts ADD COLUMN accounts_receivable_known INTEGER NOT NULL DEFAULT 1
    CHECK (accounts_receivable_known IN (0, 1));

-- The sales reps, as the company's roster says: whether each still works here. The save call
-- goes to the original rep unless the roster (or, failing that, the users table) says they left.
CREATE TABLE sales_reps (
    name       TEXT PRIMARY KEY,                               -- as the account export spells it
    status     TEXT NOT NULL CHECK (status IN ('active', 'left')),
    changed_at INTEGER NOT NULL                                -- UTC milliseconds
) STRICT;

-- The local user gets a stable id. An existing profile's user keeps their name as their id, so
-- the events they already recorded (whose actor is that name) still name the same person.
UPDATE settings
SET value = json_set(value, '$.id', json_extract(value, '$.name'))
WHERE key = 'local_user' AND json_extract(value, '$.id') IS NULL;
UPDATE users
SET id = (SELECT json_extract(value, '$.id') FROM settings WHERE key = 'local_user')
WHERE name = (SELECT json_extract(value, '$.name') FROM settings WHERE key = 'local_user');
