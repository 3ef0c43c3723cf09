-- Unpaid invoices per account, from the account import's optional "Unpaid invoices" column.
-- Procedures such as Billsbee's write them off before the account is cancelled.
ALTER TABLE accounts ADD COLUMN unpaid_invoices INTEGER NOT NULL DEFAULT 0
    CHECK (unpaid_invoices >= 0);
