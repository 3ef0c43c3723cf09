//! Reports (issue 14): what the reports need of each case, kept in `case_reports` beside the
//! case's row and written by the one projection in the transaction that records its events; the
//! Reports screen's figures and the weekly reason report over every case the desk holds (in a
//! team profile, the organisation's log); and Billsbee's cancellation sheet.
//!
//! A case's `CaseHistory` (what only its event records hold) is kept as JSON with the report's
//! facts of the case (`holdfast_core::reports::case_facts` of its state and history) in columns.
//! A committed decision takes the stored history and records its own events into it, with their
//! instants and policy version as stored; a rebuild, a rebase or an upgrade folds it from the
//! log. The account's tier and MRR are not kept: they are the account's current values (the
//! core's rule), read with the account when a report is made, so a re-import moves them with no
//! write to any case. Labels are the policy's words when the report is made.

use std::collections::HashMap;

use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{Policy, Route};
use holdfast_core::reports::{
    case_facts, report, tier_as_spelled, weekly_reasons, CaseHistory, ClosedAs, Closing, Filters,
    IsoWeek, Report, ReportCase, ReportCheckIn, ReportOffer, ReportRefund, WeeklyReasonReport,
};
use holdfast_core::workflow::{sheet_row_of, AccountFacts, CancellationSheetRow, CaseState};
use holdfast_core::CoreError;
use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{named_params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::{history_of, RecordedEvent};
use crate::page::{from_millis, to_millis};
use crate::Database;

/// The cancellation sheet's columns, in Billsbee's order ("name, phone number, date of
/// cancellation, total amount collected, number of months in the program, and reason for
/// cancellation").
pub const CANCELLATION_SHEET_COLUMNS: [&str; 6] = [
    "Name",
    "Phone",
    "Date of cancellation",
    "Total amount collected",
    "Months in the program",
    "Reason for cancellation",
];

/// A case's offers, refunds and win-back check-ins, as `case_reports.details` keeps them.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Details {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    offers: Vec<ReportOffer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    refunds: Vec<ReportRefund>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    check_ins: Vec<ReportCheckIn>,
}

fn corrupt(
    case_id: impl std::fmt::Display,
    what: &str,
    error: impl std::fmt::Display,
) -> StoreError {
    StoreError::Corrupt(format!("case {case_id}'s report row: {what}: {error}"))
}

fn closed_as_key(how: ClosedAs) -> &'static str {
    match how {
        ClosedAs::Cancelled => "cancelled",
        ClosedAs::SavedByOffer => "saved_by_offer",
        ClosedAs::SavedByCsm => "saved_by_csm",
        ClosedAs::SavedByRetentionCall => "saved_by_retention_call",
        ClosedAs::Withdrawn => "withdrawn",
        ClosedAs::VerificationFailed => "verification_failed",
    }
}

fn closed_as_of(key: &str) -> Option<ClosedAs> {
    Some(match key {
        "cancelled" => ClosedAs::Cancelled,
        "saved_by_offer" => ClosedAs::SavedByOffer,
        "saved_by_csm" => ClosedAs::SavedByCsm,
        "saved_by_retention_call" => ClosedAs::SavedByRetentionCall,
        "withdrawn" => ClosedAs::Withdrawn,
        "verification_failed" => ClosedAs::VerificationFailed,
        _ => return None,
    })
}

fn route_of(key: &str) -> Option<Route> {
    [
        Route::SaveCall,
        Route::SympatheticReply,
        Route::EscalateToCsm,
        Route::ManagerRetention,
        Route::Continue,
        Route::HandOff,
    ]
    .into_iter()
    .find(|route| holdfast_core::reports::route_key(*route) == key)
}

/// The history kept with the case's report row, if it has one.
pub(crate) fn stored_history(conn: &Connection, case_id: Uuid) -> Result<Option<CaseHistory>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT history FROM case_reports WHERE case_id = ?1")?
        .query_row([case_id.to_string()], |row| row.get(0))
        .optional()?;
    json.map(|json| serde_json::from_str(&json).map_err(|e| corrupt(case_id, "history", e)))
        .transpose()
}

/// The case's history folded from its records as stored (confirmed, then pending).
pub(crate) fn history_from_log(conn: &Connection, case_id: Uuid) -> Result<CaseHistory> {
    history_of_records(&history_of(conn, case_id)?)
}

pub(crate) fn history_of_records<'a>(
    records: impl IntoIterator<Item = &'a RecordedEvent>,
) -> Result<CaseHistory> {
    Ok(CaseHistory::from_records(
        records.into_iter().map(|recorded| &recorded.event),
    )?)
}

/// The history of a case after `recorded` (just appended, in order): the stored history with
/// them recorded into it, or, for a case with no report row yet that is not new, folded from its
/// whole log (which holds them already).
pub(crate) fn history_after(
    tx: &Transaction<'_>,
    case_id: Uuid,
    recorded: &[RecordedEvent],
) -> Result<CaseHistory> {
    let first_version = recorded.first().map(|r| r.event.aggregate_version);
    match stored_history(tx, case_id)? {
        Some(mut history) => {
            for stored in recorded {
                let event = stored
                    .event
                    .case_event()
                    .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", stored.seq)))?;
                history.record(
                    &event,
                    stored.event.recorded_at,
                    &stored.event.policy_version,
                );
            }
            Ok(history)
        }
        None if first_version == Some(1) => history_of_records(recorded),
        None => history_from_log(tx, case_id),
    }
}

/// Writes the case's report row from `state` and `history` (in the caller's transaction).
pub(crate) fn write_report(
    tx: &Transaction<'_>,
    state: &CaseState,
    history: &CaseHistory,
) -> Result<()> {
    let case = case_facts(state, history)?;
    let history_json =
        serde_json::to_string(history).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let details = if case.offers.is_empty() && case.refunds.is_empty() && case.check_ins.is_empty()
    {
        None
    } else {
        Some(
            serde_json::to_string(&Details {
                offers: case.offers,
                refunds: case.refunds,
                check_ins: case.check_ins,
            })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
    };
    tx.prepare_cached(
        "INSERT INTO case_reports (case_id, account_id, history, received_at, received_under,
            first_response_due, acknowledged_at, closed_as, closed_at, closed_under, reason_id,
            owner, route, effective_date, logged, details)
         VALUES (:case_id, :account_id, :history, :received_at, :received_under, :due,
            :acknowledged_at, :closed_as, :closed_at, :closed_under, :reason_id, :owner, :route,
            :effective_date, :logged, :details)
         ON CONFLICT (case_id) DO UPDATE SET account_id = excluded.account_id,
            history = excluded.history, received_at = excluded.received_at,
            received_under = excluded.received_under,
            first_response_due = excluded.first_response_due,
            acknowledged_at = excluded.acknowledged_at, closed_as = excluded.closed_as,
            closed_at = excluded.closed_at, closed_under = excluded.closed_under,
            reason_id = excluded.reason_id, owner = excluded.owner, route = excluded.route,
            effective_date = excluded.effective_date, logged = excluded.logged,
            details = excluded.details",
    )?
    .execute(named_params! {
        ":case_id": case.case_id.to_string(),
        ":account_id": case.account_id.to_string(),
        ":history": history_json,
        ":received_at": to_millis(case.received_at),
        ":received_under": case.received_under,
        ":due": to_millis(case.first_response_due),
        ":acknowledged_at": case.acknowledged_at.map(to_millis),
        ":closed_as": case.closing.as_ref().map(|closing| closed_as_key(closing.how)),
        ":closed_at": case.closing.as_ref().map(|closing| to_millis(closing.at)),
        ":closed_under": case.closing.as_ref().map(|closing| closing.policy_version.as_str()),
        ":reason_id": case.reason_id,
        ":owner": case.owner,
        ":route": case.route.map(holdfast_core::reports::route_key),
        ":effective_date": state
            .finalization
            .as_ref()
            .map(|done| done.effective_date.to_string()),
        ":logged": state.logged,
        ":details": details,
    })?;
    Ok(())
}

/// Takes a case's report row away (a pending case the server refused, a rebuild).
pub(crate) fn remove_report(tx: &Transaction<'_>, case_id: Uuid) -> Result<()> {
    tx.prepare_cached("DELETE FROM case_reports WHERE case_id = ?1")?
        .execute([case_id.to_string()])?;
    Ok(())
}

/// Whether `case_reports` exists yet: a rebuild run by an earlier migration's step (0012) on an
/// older profile comes before migration 0016, which then fills it.
pub(crate) fn reports_kept(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_reports'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Migration 0016's step: every existing case's history and report row, from the event log
/// and the state kept with its row (folded again when a row has none).
pub(crate) fn fill_on_upgrade(tx: &Transaction<'_>, _version: i64) -> Result<()> {
    let events = crate::events::all_of_type(tx, holdfast_core::record::CASE)?;
    let mut logs: std::collections::BTreeMap<Uuid, Vec<&RecordedEvent>> = Default::default();
    for recorded in &events {
        logs.entry(recorded.event.aggregate_id)
            .or_default()
            .push(recorded);
    }
    tx.execute("DELETE FROM case_reports", [])?;
    for (case_id, log) in &logs {
        let state = match crate::projection::stored_state(tx, *case_id)? {
            Some(state) => state,
            None => {
                let mut state = None;
                for recorded in log {
                    let event = recorded
                        .event
                        .case_event()
                        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", recorded.seq)))?;
                    state = holdfast_core::workflow::evolve(state, &event);
                }
                match state {
                    Some(state) => state,
                    None => continue,
                }
            }
        };
        // A case the lists do not show (no row) has nothing to report either.
        let listed: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM cases WHERE id = ?1")?
            .query_row([case_id.to_string()], |row| row.get(0))
            .optional()?;
        if listed.is_none() {
            continue;
        }
        let history = history_of_records(log.iter().copied())?;
        write_report(tx, &state, &history)?;
    }
    Ok(())
}

/// Caches what is the same for many cases while rows are read: the policy's spelling of each
/// tier and the currencies.
struct Describer<'a> {
    policy: Option<&'a Policy>,
    tiers: HashMap<String, String>,
    currencies: HashMap<String, Currency>,
}

impl<'a> Describer<'a> {
    fn new(policy: Option<&'a Policy>) -> Self {
        Describer {
            policy,
            tiers: HashMap::new(),
            currencies: HashMap::new(),
        }
    }

    fn tier(&mut self, raw: &str) -> String {
        if let Some(spelled) = self.tiers.get(raw) {
            return spelled.clone();
        }
        let spelled = tier_as_spelled(self.policy, raw);
        self.tiers.insert(raw.to_owned(), spelled.clone());
        spelled
    }

    fn currency(&mut self, code: &str) -> Result<Currency> {
        if let Some(currency) = self.currencies.get(code) {
            return Ok(*currency);
        }
        let currency = Currency::parse(code)
            .map_err(|e| StoreError::Corrupt(format!("an account's currency: {e}")))?;
        self.currencies.insert(code.to_owned(), currency);
        Ok(currency)
    }
}

/// The account a report row reads, through the covering index that holds exactly the columns it
/// needs (migration 0017): SQLite would otherwise choose the primary key's index and read each
/// account's whole row.
const REPORT_ACCOUNT_JOIN: &str =
    "LEFT JOIN accounts a INDEXED BY accounts_for_reports ON a.id = r.account_id";

const REPORT_COLUMNS: &str = "r.case_id, r.account_id, r.received_at, r.received_under,
    r.first_response_due, r.acknowledged_at, r.closed_as, r.closed_at, r.closed_under,
    r.reason_id, r.owner, r.route, r.details, a.tier, a.currency, a.mrr_minor";

/// The account's tier (as the policy spells it) and MRR from the columns `tier, currency,
/// mrr_minor` at `first`: none when the desk does not hold the account.
fn account_now(
    row: &rusqlite::Row<'_>,
    first: usize,
    describer: &mut Describer<'_>,
) -> Result<(String, Option<Money>)> {
    Ok(
        match (
            row.get_ref(first)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?,
            row.get_ref(first + 1)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?,
            row.get::<_, Option<i64>>(first + 2)?,
        ) {
            (Some(tier), Some(code), Some(minor)) => {
                let currency = describer.currency(code)?;
                (describer.tier(tier), Some(Money::new(minor, currency)))
            }
            _ => (String::new(), None),
        },
    )
}

fn text_of(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<String>> {
    row.get(index)
}

/// One `case_reports` row (with its account's tier and MRR) as the core's `ReportCase`, in the
/// policy's words.
fn read_report_case(row: &rusqlite::Row<'_>, describer: &mut Describer<'_>) -> Result<ReportCase> {
    let id_text = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
    let case_id = Uuid::parse_str(id_text).map_err(|e| corrupt(id_text, "case_id", e))?;
    let account_text = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
    let account_id =
        Uuid::parse_str(account_text).map_err(|e| corrupt(case_id, "account_id", e))?;
    let closing = match (
        row.get_ref(6)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?,
        row.get::<_, Option<i64>>(7)?,
        text_of(row, 8)?,
    ) {
        (Some(how), Some(at), Some(policy_version)) => Some(Closing {
            how: closed_as_of(how).ok_or_else(|| corrupt(case_id, "closed_as", how))?,
            at: from_millis(at)?,
            policy_version,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt(case_id, "closing", "partly recorded")),
    };
    let route = match row
        .get_ref(11)?
        .as_str_or_null()
        .map_err(rusqlite::Error::from)?
    {
        Some(key) => Some(route_of(key).ok_or_else(|| corrupt(case_id, "route", key))?),
        None => None,
    };
    let details: Details = match row
        .get_ref(12)?
        .as_str_or_null()
        .map_err(rusqlite::Error::from)?
    {
        Some(json) => serde_json::from_str(json).map_err(|e| corrupt(case_id, "details", e))?,
        None => Details::default(),
    };
    // The account's tier and MRR now; a case whose account this desk does not hold (yet) has
    // neither.
    let (tier, mrr) = account_now(row, 13, describer)?;
    let mut case = ReportCase {
        case_id,
        account_id,
        received_at: from_millis(row.get(2)?)?,
        received_under: row.get(3)?,
        first_response_due: from_millis(row.get(4)?)?,
        acknowledged_at: row.get::<_, Option<i64>>(5)?.map(from_millis).transpose()?,
        closing,
        reason_id: text_of(row, 9)?,
        reason_label: None,
        tier: String::new(),
        owner: text_of(row, 10)?,
        route,
        offers: details.offers,
        mrr: None,
        refunds: details.refunds,
        check_ins: details.check_ins,
    };
    case.describe(describer.policy, "", mrr);
    case.tier = tier;
    Ok(case)
}

fn no_policy() -> StoreError {
    StoreError::Rule(CoreError::invalid(
        "policy",
        "the profile has no policy yet: reports count weeks and months in the policy's time zone",
    ))
}

fn check_range(filters: &Filters) -> Result<()> {
    if let (Some(from), Some(to)) = (filters.from, filters.to) {
        if from >= to {
            return Err(StoreError::Rule(CoreError::invalid(
                "to",
                format!("the range ends ({to}) at or before it starts ({from})"),
            )));
        }
    }
    Ok(())
}

/// The order the reports read the cases in (so each figure's case ids come oldest request
/// first, the same whether the cases were read from the rows or kept in memory).
fn in_order(cases: &mut [ReportCase]) {
    cases.sort_unstable_by_key(|case| (case.received_at, case.case_id));
}

/// The described cases the last report was made from, kept in memory by `Database` so the next
/// report reads only what changed since: the cases whose report rows were written or removed and
/// the accounts whose tier or MRR moved, as the temporary triggers below note them on this
/// connection (in the writer's transaction, so a rollback takes the note back with the change).
/// They are all read again when the policy differs, when another connection has committed
/// (`PRAGMA data_version`), when the triggers are gone (a new connection, a dropped table), or
/// when more than `REFRESH_AT_MOST` cases or accounts changed (an import, a rebuild).
pub(crate) struct KeptCases {
    policy: Policy,
    data_version: i64,
    /// In `in_order`'s order.
    cases: Vec<ReportCase>,
}

/// How many changed cases, or accounts, a report takes one by one before it reads every row again.
const REFRESH_AT_MOST: usize = 2_000;

const CHANGE_TRIGGERS: [&str; 6] = [
    "report_case_inserted",
    "report_case_updated",
    "report_case_deleted",
    "report_account_inserted",
    "report_account_updated",
    "report_account_deleted",
];

/// Temporary (this connection's) tables noting what changed, and the triggers that fill them.
/// Plain tables, no key: an `INSERT OR …` of the writer would lend its conflict clause to a
/// trigger's insert.
const NOTE_CHANGES: &str = "
CREATE TEMP TABLE IF NOT EXISTS report_changed_cases (case_id TEXT NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS report_changed_accounts (account_id TEXT NOT NULL);
CREATE TEMP TRIGGER IF NOT EXISTS report_case_inserted AFTER INSERT ON main.case_reports
BEGIN INSERT INTO report_changed_cases (case_id) VALUES (new.case_id); END;
CREATE TEMP TRIGGER IF NOT EXISTS report_case_updated AFTER UPDATE ON main.case_reports
BEGIN
    INSERT INTO report_changed_cases (case_id) VALUES (old.case_id);
    INSERT INTO report_changed_cases (case_id) VALUES (new.case_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS report_case_deleted AFTER DELETE ON main.case_reports
BEGIN INSERT INTO report_changed_cases (case_id) VALUES (old.case_id); END;
CREATE TEMP TRIGGER IF NOT EXISTS report_account_inserted AFTER INSERT ON main.accounts
BEGIN INSERT INTO report_changed_accounts (account_id) VALUES (new.id); END;
CREATE TEMP TRIGGER IF NOT EXISTS report_account_updated AFTER UPDATE ON main.accounts
WHEN old.id IS NOT new.id OR old.tier IS NOT new.tier OR old.currency IS NOT new.currency
    OR old.mrr_minor IS NOT new.mrr_minor
BEGIN
    INSERT INTO report_changed_accounts (account_id) VALUES (old.id);
    INSERT INTO report_changed_accounts (account_id) VALUES (new.id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS report_account_deleted AFTER DELETE ON main.accounts
BEGIN INSERT INTO report_changed_accounts (account_id) VALUES (old.id); END;
DELETE FROM report_changed_cases;
DELETE FROM report_changed_accounts;
";

impl Database {
    fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))?)
    }

    fn changes_noted(&self) -> Result<bool> {
        let present: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name IN ({})",
                CHANGE_TRIGGERS.map(|name| format!("'{name}'")).join(", ")
            ),
            [],
            |row| row.get(0),
        )?;
        Ok(present == CHANGE_TRIGGERS.len() as i64)
    }

    /// Every case, read from the rows, with the triggers in place and nothing noted yet.
    fn read_kept(&self, policy: &Policy) -> Result<KeptCases> {
        self.conn.execute_batch(NOTE_CHANGES)?;
        let data_version = self.data_version()?;
        let cases = self.report_cases_where("", &[], Some(policy))?;
        Ok(KeptCases {
            policy: policy.clone(),
            data_version,
            cases,
        })
    }

    /// `kept` with what changed since read again, or `None` when too much changed.
    fn refresh(&self, mut kept: KeptCases) -> Result<Option<KeptCases>> {
        let distinct = |sql: &str| -> Result<Vec<String>> {
            let mut statement = self.conn.prepare_cached(sql)?;
            let ids = statement
                .query_map([REFRESH_AT_MOST as i64 + 1], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(ids)
        };
        let cases = distinct("SELECT DISTINCT case_id FROM temp.report_changed_cases LIMIT ?1")?;
        let accounts =
            distinct("SELECT DISTINCT account_id FROM temp.report_changed_accounts LIMIT ?1")?;
        if cases.len() > REFRESH_AT_MOST || accounts.len() > REFRESH_AT_MOST {
            return Ok(None);
        }
        if cases.is_empty() && accounts.is_empty() {
            return Ok(Some(kept));
        }
        self.conn.execute_batch(
            "DELETE FROM temp.report_changed_cases; DELETE FROM temp.report_changed_accounts;",
        )?;
        let mut describer = Describer::new(Some(&kept.policy));
        if !cases.is_empty() {
            let changed: std::collections::HashSet<Uuid> = cases
                .iter()
                .map(|id| Uuid::parse_str(id).map_err(|e| corrupt(id, "case_id", e)))
                .collect::<Result<_>>()?;
            kept.cases.retain(|case| !changed.contains(&case.case_id));
            let mut statement = self.conn.prepare_cached(&format!(
                "SELECT {REPORT_COLUMNS} FROM case_reports r {REPORT_ACCOUNT_JOIN}
                 WHERE r.case_id = ?1"
            ))?;
            for id in &cases {
                let mut rows = statement.query([id])?;
                if let Some(row) = rows.next()? {
                    kept.cases.push(read_report_case(row, &mut describer)?);
                }
            }
            in_order(&mut kept.cases);
        }
        if !accounts.is_empty() {
            let mut statement = self
                .conn
                .prepare_cached("SELECT tier, currency, mrr_minor FROM accounts WHERE id = ?1")?;
            let mut now = HashMap::new();
            for id in &accounts {
                let account_id = Uuid::parse_str(id)
                    .map_err(|e| StoreError::Corrupt(format!("account id {id}: {e}")))?;
                let mut rows = statement.query([id])?;
                let facts = match rows.next()? {
                    Some(row) => account_now(row, 0, &mut describer)?,
                    None => (String::new(), None),
                };
                now.insert(account_id, facts);
            }
            for case in &mut kept.cases {
                if let Some((tier, mrr)) = now.get(&case.account_id) {
                    case.tier.clone_from(tier);
                    case.mrr = *mrr;
                }
            }
        }
        Ok(Some(kept))
    }

    /// Makes `kept_reports` the described cases as the rows and accounts are now, under
    /// `policy`.
    fn refresh_kept(&self, policy: &Policy) -> Result<()> {
        let mut slot = self.kept_reports.borrow_mut();
        // Taken out while it is refreshed: an error leaves nothing kept, never a half-refreshed
        // set.
        let refreshed = match slot.take() {
            Some(kept)
                if kept.policy == *policy
                    && self.changes_noted()?
                    && kept.data_version == self.data_version()? =>
            {
                self.refresh(kept)?
            }
            _ => None,
        };
        *slot = Some(match refreshed {
            Some(kept) => kept,
            None => self.read_kept(policy)?,
        });
        Ok(())
    }

    /// Reads the described cases the reports keep in memory now (every row: the cost of the
    /// first report after opening), so the first report a person asks for finds them kept. The
    /// desk calls it in the background once the profile is open. Nothing to do without a policy.
    pub fn warm_reports(&self) -> Result<()> {
        match self.policy()? {
            Some(policy) => self.refresh_kept(&policy),
            None => Ok(()),
        }
    }

    /// Every case the desk holds as the reports see it (in a team profile, the organisation's
    /// cases), in the current policy's words, with each account's tier and MRR as they are now,
    /// oldest request first; read from the rows each time.
    pub fn report_cases(&self) -> Result<Vec<ReportCase>> {
        let policy = self.policy()?;
        self.report_cases_where("", &[], policy.as_ref())
    }

    fn report_cases_where(
        &self,
        condition: &str,
        params: &[&dyn rusqlite::ToSql],
        policy: Option<&Policy>,
    ) -> Result<Vec<ReportCase>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {REPORT_COLUMNS} FROM case_reports r {REPORT_ACCOUNT_JOIN}
             {condition}"
        ))?;
        let mut describer = Describer::new(policy);
        let mut rows = statement.query(params)?;
        let mut cases = Vec::new();
        while let Some(row) = rows.next()? {
            cases.push(read_report_case(row, &mut describer)?);
        }
        in_order(&mut cases);
        Ok(cases)
    }

    /// The Reports screen's figures (`holdfast_core::reports::report`) over every case the desk
    /// holds, in the policy's time zone, as of `now`. All cases go in, whatever the filters:
    /// whether a save was kept depends on the account's later cases, whoever holds them.
    /// Refuses a range that ends before it starts, and a profile with no policy.
    ///
    /// The described cases are kept in memory from one report to the next (`KeptCases`): the
    /// first report reads every row, the next ones only the cases and accounts written since.
    pub fn report(&self, filters: &Filters, now: Timestamp) -> Result<Report> {
        check_range(filters)?;
        let policy = self.policy()?.ok_or_else(no_policy)?;
        self.refresh_kept(&policy)?;
        let kept = self.kept_reports.borrow();
        let cases = kept.as_ref().map_or(&[][..], |kept| kept.cases.as_slice());
        Ok(report(cases, filters, &policy.sla.calendar.zone, now))
    }

    /// IntelliServe's weekly reason report (7.1) for `week` in the policy's time zone (and the
    /// week before it), for the cases `filters` admit by member, tier and reason. Only the two
    /// weeks' requests are read.
    pub fn weekly_reasons(&self, week: IsoWeek, filters: &Filters) -> Result<WeeklyReasonReport> {
        let policy = self.policy()?.ok_or_else(no_policy)?;
        let zone = &policy.sla.calendar.zone;
        let (from, _) = week.previous().bounds(zone);
        let (_, to) = week.bounds(zone);
        let cases = self.report_cases_where(
            "WHERE r.received_at >= ?1 AND r.received_at < ?2",
            &[&to_millis(from), &to_millis(to)],
            Some(&policy),
        )?;
        Ok(weekly_reasons(&cases, filters, week, zone))
    }

    /// Billsbee's cancellation sheet: a row for every request logged in it (the policy's `log`
    /// step), newest request first, with exactly the sheet's columns in its order
    /// (`CANCELLATION_SHEET_COLUMNS`): the client's name and phone from the account, the date of
    /// cancellation (the effective date once finalized, until then the day it was requested, in
    /// the policy's time zone), the total collected and the months in the program from the
    /// account's import (`total_collected`, `customer_since`), and the reason in the policy's
    /// words. Made by the core's `sheet_row_of`, as the finalization gate checks it.
    pub fn cancellation_sheet(&self) -> Result<Vec<CancellationSheetRow>> {
        let policy = self.policy()?.ok_or_else(no_policy)?;
        let mut statement = self.conn.prepare_cached(
            "SELECT r.case_id, r.received_at, r.effective_date, r.reason_id, a.name,
                a.contact_name, a.phone, a.currency, a.total_collected_minor, a.customer_since
             FROM case_reports r LEFT JOIN accounts a ON a.id = r.account_id
             WHERE r.logged = 1
             ORDER BY r.received_at DESC, r.case_id DESC",
        )?;
        let mut rows = statement.query([])?;
        let mut sheet = Vec::new();
        let mut describer = Describer::new(Some(&policy));
        while let Some(row) = rows.next()? {
            let case_id: String = row.get(0)?;
            let received_at = from_millis(row.get(1)?)?;
            let effective_date = text_of(row, 2)?
                .map(|text| text.parse::<Date>())
                .transpose()
                .map_err(|e| corrupt(&case_id, "effective_date", e))?;
            let reason_id = text_of(row, 3)?;
            let total_collected = match (text_of(row, 7)?, row.get::<_, Option<i64>>(8)?) {
                (Some(code), Some(minor)) => Some(Money::new(minor, describer.currency(&code)?)),
                _ => None,
            };
            let customer_since = text_of(row, 9)?
                .map(|text| text.parse::<Date>())
                .transpose()
                .map_err(|e| corrupt(&case_id, "the account's customer_since", e))?;
            let account = AccountFacts {
                account_name: text_of(row, 4)?,
                contact_name: text_of(row, 5)?,
                phone: text_of(row, 6)?,
                total_collected,
                customer_since,
                ..AccountFacts::default()
            };
            sheet.push(sheet_row_of(
                received_at,
                effective_date,
                reason_id.as_deref(),
                &policy,
                &account,
            ));
        }
        Ok(sheet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first report after opening scans the covering indexes of migration 0017, not the
    /// tables: their rows hold each case's history and each account's contacts, about ten times
    /// the bytes a report reads (issue 14's bench: the first report).
    #[test]
    fn a_report_scans_the_covering_indexes_not_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::DatabaseKey::generate().unwrap();
        let database = Database::open(&dir.path().join("plan.db"), &key).unwrap();
        let plan: Vec<String> = database
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT {REPORT_COLUMNS} FROM case_reports r
                 {REPORT_ACCOUNT_JOIN}"
            ))
            .unwrap()
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("USING COVERING INDEX case_reports_for_reports"),
            "{plan}"
        );
        assert!(
            plan.contains("USING COVERING INDEX accounts_for_reports"),
            "{plan}"
        );
    }
}
