//! Accounts: all-or-nothing imports keyed by external id (with a preview of what an import would
//! change), and a searchable list paged by keyset (name, id), so page 2,000 costs what page 1
//! costs.

use holdfast_core::account::{account_id, Account, AccountDraft, PreferredChannel};
use holdfast_core::money::{Currency, Money};
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, contains_pattern, page_size, split_page, to_millis};
use crate::Database;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ImportSummary {
    pub created: u32,
    pub updated: u32,
    /// Rows identical to the stored account; they are not written.
    pub unchanged: u32,
    /// Stored accounts the file does not name (sample accounts aside): a re-import lists them and
    /// leaves them as they are, with their cases.
    pub not_in_file: u32,
}

/// Stored accounts a file does not name: how many, and the first few by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NotInFile {
    pub count: u32,
    /// Up to `NOT_IN_FILE_SHOWN` of them, by name.
    pub first: Vec<NotInFileAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NotInFileAccount {
    pub external_id: String,
    pub name: String,
}

/// How many of the accounts a file does not name are listed by name.
pub const NOT_IN_FILE_SHOWN: usize = 20;

/// What importing one row would do to the stored accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowChange {
    /// No account has this external id yet.
    New,
    /// The account with this external id differs from the row.
    Updated,
    /// The account with this external id is exactly the row.
    Unchanged,
}

fn change_of(
    stored: &mut rusqlite::CachedStatement<'_>,
    draft: &AccountDraft,
) -> Result<RowChange> {
    let found = stored
        .query_row([&draft.external_id], |row| Ok(read_account(row)))
        .optional()?
        .transpose()?;
    Ok(match found {
        None => RowChange::New,
        // A customer whose data was erased stays erased: the billing system's export still
        // names them, and importing it must not bring back what they asked to be forgotten.
        Some(account)
            if account.draft == *draft || holdfast_core::erasure::is_erased(&account.draft) =>
        {
            RowChange::Unchanged
        }
        Some(_) => RowChange::Updated,
    })
}

/// Where the previous page of accounts ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountCursor {
    pub name_key: String,
    pub id: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountQuery {
    /// Finds accounts whose name, e-mail or phone contains this text (case-insensitive; phone
    /// numbers are compared by their digits).
    pub search: Option<String>,
    pub after: Option<AccountCursor>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountPage {
    pub items: Vec<Account>,
    /// The cursor for the next page; `None` on the last page.
    pub next: Option<AccountCursor>,
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

impl Database {
    /// What importing `drafts` would do to each stored account, in the drafts' order; writes
    /// nothing.
    pub fn import_changes(&self, drafts: &[AccountDraft]) -> Result<Vec<RowChange>> {
        let mut stored = self.conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE external_id = ?1"
        ))?;
        drafts
            .iter()
            .map(|draft| change_of(&mut stored, draft))
            .collect()
    }

    /// Creates or updates (by external id) every account that differs from its row, in one
    /// transaction; identical accounts are left as they are. The profile's user must be one the
    /// policy lets import accounts (`holdfast_core::import::may_import`): in a joined profile the
    /// server checks it again with its own records.
    pub fn import_accounts(
        &mut self,
        drafts: &[AccountDraft],
        now: Timestamp,
    ) -> Result<ImportSummary> {
        if let Some(actor) = self.acting_user()? {
            holdfast_core::import::may_import(&actor, self.policy()?.as_ref())
                .map_err(StoreError::Rule)?;
        }
        if self.synced.is_some() {
            // A joined profile's accounts belong to the organisation: the import is a command
            // for the server, shown here at once.
            let changes = self.import_changes(drafts)?;
            let (actor, policy, _) = self.decision_context()?;
            let changed: Vec<AccountDraft> = drafts
                .iter()
                .zip(&changes)
                .filter(|(_, change)| **change != RowChange::Unchanged)
                .map(|(draft, _)| draft.clone())
                .collect();
            if !changed.is_empty() {
                self.import_synced_accounts(&changed, &actor, policy.as_ref(), now)?;
            }
            let count = |kind: RowChange| changes.iter().filter(|change| **change == kind).count();
            let not_in_file = self.not_in_file(drafts)?.count;
            return Ok(ImportSummary {
                created: count(RowChange::New) as _,
                updated: count(RowChange::Updated) as _,
                unchanged: count(RowChange::Unchanged) as _,
                not_in_file,
            });
        }
        let not_in_file = self.not_in_file(drafts)?.count;
        let tx = self.conn.transaction()?;
        let mut summary = upsert_drafts(&tx, drafts, now)?;
        tx.commit()?;
        summary.not_in_file = not_in_file;
        Ok(summary)
    }

    /// The stored accounts `drafts` do not name, sample accounts aside: a re-import's summary
    /// lists them; nothing removes them (their cases and history stay).
    pub fn not_in_file(&self, drafts: &[AccountDraft]) -> Result<NotInFile> {
        let named: std::collections::HashSet<&str> = drafts
            .iter()
            .map(|draft| draft.external_id.as_str())
            .collect();
        let mut statement = self
            .conn
            .prepare_cached("SELECT external_id, name FROM accounts ORDER BY name_key, id")?;
        let mut rows = statement.query([])?;
        let mut found = NotInFile {
            count: 0,
            first: Vec::new(),
        };
        while let Some(row) = rows.next()? {
            let external_id: String = row.get(0)?;
            if named.contains(external_id.as_str())
                || holdfast_core::sample::is_sample(&external_id)
            {
                continue;
            }
            found.count += 1;
            if found.first.len() < NOT_IN_FILE_SHOWN {
                found.first.push(NotInFileAccount {
                    external_id,
                    name: row.get(1)?,
                });
            }
        }
        Ok(found)
    }

    pub fn account(&self, id: Uuid) -> Result<Account> {
        account_in(&self.conn, id)
    }

    /// One page of accounts in name order, optionally filtered by a search text.
    pub fn accounts(&self, query: &AccountQuery) -> Result<AccountPage> {
        let limit = page_size(query.limit);
        let search = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let name_pattern = search.map(|s| contains_pattern(&s.to_lowercase()));
        // Only a search that looks like a phone number is compared by digits: "100%" is not one.
        let search_digits = search
            .filter(|s| {
                s.chars()
                    .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
            })
            .map(digits)
            .filter(|d| d.len() >= 3);
        let phone_pattern = search_digits.map(|d| contains_pattern(&d));
        let (after_name, after_id) = match &query.after {
            Some(cursor) => (Some(cursor.name_key.clone()), Some(cursor.id.to_string())),
            None => (None, None),
        };
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts
             WHERE (:after_name IS NULL OR (name_key, id) > (:after_name, :after_id))
               AND (:pattern IS NULL
                    OR name_key LIKE :pattern ESCAPE '\\'
                    OR email_key LIKE :pattern ESCAPE '\\'
                    OR (:phone_pattern IS NOT NULL AND phone_digits LIKE :phone_pattern ESCAPE '\\'))
             ORDER BY name_key, id
             LIMIT :limit"
        ))?;
        let rows = statement.query_map(
            named_params! {
                ":after_name": after_name,
                ":after_id": after_id,
                ":pattern": name_pattern,
                ":phone_pattern": phone_pattern,
                ":limit": limit + 1,
            },
            |row| Ok(read_account(row)),
        )?;
        let (items, next) =
            split_page(collect_rows(rows)?, limit, |last: &Account| AccountCursor {
                name_key: last.draft.name.to_lowercase(),
                id: last.id,
            });
        Ok(AccountPage { items, next })
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, external_id, name, contact_name, email, phone, preferred_channel,
    tier, hosting_server, plan, currency, mrr_minor, customer_since, total_collected_minor,
    accounts_receivable_minor, original_sales_rep, unpaid_invoices, accounts_receivable_known,
    plan_price_minor, billing_period_start, billing_period_end, account_manager";

/// Reads one row of `ACCOUNT_COLUMNS`; anything that does not parse back is reported as damage.
fn read_account(row: &Row<'_>) -> Result<Account> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("account row: {what}"));
    let id: String = row.get(0)?;
    let currency: String = row.get(10)?;
    let currency = Currency::parse(&currency).map_err(|_| corrupt("currency"))?;
    let channel: String = row.get(6)?;
    let date = |index: usize, what: &str| -> Result<Option<jiff::civil::Date>> {
        row.get::<_, Option<String>>(index)?
            .map(|text| text.parse().map_err(|_| corrupt(what)))
            .transpose()
    };
    let receivable_known: bool = row.get(17)?;
    let plan_price: Option<i64> = row.get(18)?;
    Ok(Account {
        id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
        draft: AccountDraft {
            external_id: row.get(1)?,
            name: row.get(2)?,
            contact_name: row.get(3)?,
            email: row.get(4)?,
            phone: row.get(5)?,
            preferred_channel: PreferredChannel::parse(&channel)
                .map_err(|_| corrupt("preferred_channel"))?,
            tier: row.get(7)?,
            hosting_server: row.get(8)?,
            plan: row.get(9)?,
            mrr: Money::new(row.get(11)?, currency),
            customer_since: date(12, "customer_since")?,
            total_collected: Money::new(row.get(13)?, currency),
            accounts_receivable: receivable_known
                .then(|| row.get(14).map(|minor| Money::new(minor, currency)))
                .transpose()?,
            original_sales_rep: row.get(15)?,
            unpaid_invoices: row.get(16)?,
            plan_price: plan_price.map(|minor| Money::new(minor, currency)),
            billing_period_start: date(19, "billing_period_start")?,
            billing_period_end: date(20, "billing_period_end")?,
            account_manager: row.get(21)?,
        },
    })
}

/// Creates or updates (by external id) every account of `drafts` that differs from its row,
/// inside `tx`: an import on this device, or accounts the team server confirmed.
pub(crate) fn upsert_drafts(
    tx: &rusqlite::Transaction<'_>,
    drafts: &[AccountDraft],
    now: Timestamp,
) -> Result<ImportSummary> {
    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
        unchanged: 0,
        not_in_file: 0,
    };
    {
        let mut existing = tx.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE external_id = ?1"
        ))?;
        let mut upsert = tx.prepare(
            "INSERT INTO accounts (id, external_id, name, name_key, contact_name, email, email_key,
                phone, phone_digits, preferred_channel, tier, hosting_server, plan, currency,
                mrr_minor, customer_since, total_collected_minor, accounts_receivable_minor,
                original_sales_rep, unpaid_invoices, accounts_receivable_known, plan_price_minor,
                billing_period_start, billing_period_end, account_manager, created_at, updated_at)
             VALUES (:id, :external_id, :name, :name_key, :contact_name, :email, :email_key,
                :phone, :phone_digits, :preferred_channel, :tier, :hosting_server, :plan, :currency,
                :mrr, :customer_since, :total_collected, :accounts_receivable,
                :original_sales_rep, :unpaid_invoices, :receivable_known, :plan_price,
                :billing_period_start, :billing_period_end, :account_manager, :now, :now)
             ON CONFLICT (external_id) DO UPDATE SET
                name = excluded.name, name_key = excluded.name_key,
                contact_name = excluded.contact_name, email = excluded.email,
                email_key = excluded.email_key, phone = excluded.phone,
                phone_digits = excluded.phone_digits, preferred_channel = excluded.preferred_channel,
                tier = excluded.tier, hosting_server = excluded.hosting_server, plan = excluded.plan,
                currency = excluded.currency, mrr_minor = excluded.mrr_minor,
                customer_since = excluded.customer_since,
                total_collected_minor = excluded.total_collected_minor,
                accounts_receivable_minor = excluded.accounts_receivable_minor,
                original_sales_rep = excluded.original_sales_rep,
                unpaid_invoices = excluded.unpaid_invoices,
                accounts_receivable_known = excluded.accounts_receivable_known,
                plan_price_minor = excluded.plan_price_minor,
                billing_period_start = excluded.billing_period_start,
                billing_period_end = excluded.billing_period_end,
                account_manager = excluded.account_manager, updated_at = excluded.updated_at",
        )?;
        for draft in drafts {
            match change_of(&mut existing, draft)? {
                RowChange::New => summary.created += 1,
                RowChange::Updated => summary.updated += 1,
                RowChange::Unchanged => {
                    summary.unchanged += 1;
                    continue;
                }
            }
            upsert.execute(named_params! {
                ":id": account_id(&draft.external_id).to_string(),
                ":external_id": draft.external_id,
                ":name": draft.name,
                ":name_key": draft.name.to_lowercase(),
                ":contact_name": draft.contact_name,
                ":email": draft.email,
                ":email_key": draft.email.as_ref().map(|e| e.to_lowercase()),
                ":phone": draft.phone,
                ":phone_digits": draft.phone.as_deref().map(digits),
                ":preferred_channel": draft.preferred_channel.as_str(),
                ":tier": draft.tier,
                ":hosting_server": draft.hosting_server,
                ":plan": draft.plan,
                ":currency": draft.mrr.currency.code(),
                ":mrr": draft.mrr.minor,
                ":customer_since": draft.customer_since.map(|d| d.to_string()),
                ":total_collected": draft.total_collected.minor,
                // Unknown A/R is kept as 0 with the flag down (see migration 0011).
                ":accounts_receivable": draft.accounts_receivable.map_or(0, |money| money.minor),
                ":original_sales_rep": draft.original_sales_rep,
                ":unpaid_invoices": draft.unpaid_invoices,
                ":receivable_known": draft.accounts_receivable.is_some(),
                ":plan_price": draft.plan_price.map(|money| money.minor),
                ":billing_period_start": draft.billing_period_start.map(|d| d.to_string()),
                ":billing_period_end": draft.billing_period_end.map(|d| d.to_string()),
                ":account_manager": draft.account_manager,
                ":now": to_millis(now),
            })?;
            index_account_name(tx, &draft.external_id)?;
        }
    }
    Ok(summary)
}

/// Puts the account's name, as now stored, in the inbox's search index.
fn index_account_name(tx: &rusqlite::Transaction<'_>, external_id: &str) -> Result<()> {
    let rowid: i64 = tx
        .prepare_cached("SELECT rowid FROM accounts WHERE external_id = ?1")?
        .query_row([external_id], |row| row.get(0))?;
    tx.prepare_cached("DELETE FROM account_search WHERE rowid = ?1")?
        .execute([rowid])?;
    tx.prepare_cached(
        "INSERT INTO account_search (rowid, name) SELECT rowid, name FROM accounts WHERE rowid = ?1",
    )?
    .execute([rowid])?;
    Ok(())
}

/// One account, read on `conn` (a transaction sees the accounts it wrote).
pub(crate) fn account_in(conn: &rusqlite::Connection, id: Uuid) -> Result<Account> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
        ))?
        .query_row([id.to_string()], |row| Ok(read_account(row)))
        .optional()?;
    found.unwrap_or_else(|| {
        Err(StoreError::NotFound {
            entity: "account",
            id: id.to_string(),
        })
    })
}

/// What the engine needs to know about an account to decide on its cases, read on `conn`.
pub(crate) fn facts_in(
    conn: &rusqlite::Connection,
    account_id: Uuid,
) -> Result<holdfast_core::workflow::AccountFacts> {
    let draft = account_in(conn, account_id)?.draft;
    let rep_status = match &draft.original_sales_rep {
        Some(rep) => crate::roster::rep_status_in(conn, rep)?,
        None => holdfast_core::workflow::RepStatus::Unknown,
    };
    let mut granted = conn.prepare_cached(
        "SELECT json_extract(e.payload, '$.offer_id') FROM events e
         JOIN cases c ON c.id = e.aggregate_id
         WHERE c.account_id = ?1 AND e.kind = 'offer_accepted'",
    )?;
    let offers_granted = granted
        .query_map([account_id.to_string()], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(holdfast_core::decision::account_facts(
        &draft,
        rep_status,
        offers_granted,
    ))
}
