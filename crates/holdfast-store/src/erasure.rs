//! Erasing a customer's personal data on this desk (issue 14): on their request, or when the
//! policy's retention period runs out for closed cases. The erasure is an audited event on the
//! account; the events it covers keep their hashed form (`holdfast_core::personal`), so the chain
//! still verifies; the read models are written again from the erased events; and the file is
//! compacted so that no page of the database or its WAL holds the erased text any more.
//!
//! A profile joined to a team server asks the server, which erases its own copy and records the
//! event; this desk (and every other) erases when the event arrives by sync (`apply_erasure`,
//! called from the sync module).

use holdfast_core::erasure::{self, Erasure, ErasureReason, RetainedCase};
use holdfast_core::personal::{self, Sealing};
use holdfast_core::policy::Policy;
use holdfast_core::record::Recording;
use jiff::Timestamp;
use rusqlite::{named_params, Transaction};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::{append, fresh_secret, history_of, RecordedEvent};
use crate::page::{collect_rows, from_millis};
use crate::Database;

/// What an erasure did, or (in a team profile) asked the server to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ErasureOutcome {
    pub account_id: Uuid,
    pub reason: ErasureReason,
    /// The account's own name and contacts were erased.
    pub account: bool,
    /// How many of its cases were erased.
    pub cases: u32,
    /// How many recorded events had personal data taken out.
    pub events: u32,
    /// A team profile: the server erases first; this desk follows when the erasure arrives.
    pub sent_to_server: bool,
}

impl Database {
    /// Erases everything personal held about the customer `account_id` (the account's name and
    /// contacts, and every case's requester, contacts, notes, messages and free text), on their
    /// request, by the acting user (who must hold a role the policy lets erase). Amounts, dates,
    /// write-offs, outcomes and who did what stay. Refused, changing nothing, when some of the
    /// customer's events were recorded before personal data was sealed.
    pub fn erase_customer(&mut self, account_id: Uuid, now: Timestamp) -> Result<ErasureOutcome> {
        let actor = self.acting_user()?.ok_or_else(|| {
            StoreError::Rule(holdfast_core::CoreError::invalid(
                "actor",
                "choose who is at the desk before erasing a customer's data",
            ))
        })?;
        let policy = self.policy()?;
        erasure::may_erase(&actor, policy.as_ref())?;
        // The account must exist here.
        crate::accounts::account_in(&self.conn, account_id)?;
        let cases = cases_of(&self.conn, account_id)?;
        let erasure = erasure::on_request(account_id, cases);
        if self.synced.is_some() {
            self.request_synced_erasure(&erasure, now)?;
            return Ok(ErasureOutcome {
                account_id,
                reason: erasure.reason,
                account: true,
                cases: erasure.cases.len() as u32,
                events: 0,
                sent_to_server: true,
            });
        }
        let outcome = self.erase_here(&erasure, &actor.user_id, policy.as_ref(), now)?;
        self.compact_after_erasure()?;
        Ok(outcome)
    }

    /// The retention rule on a profile of its own: erases the personal data of every closed case
    /// the policy's period has run out for (and of accounts left with nothing open or recent),
    /// recorded as done by the desk's user. A team profile leaves this to the server, whose
    /// erasures arrive by sync. Nothing to do without a policy period.
    pub fn erase_expired(&mut self, now: Timestamp) -> Result<Vec<ErasureOutcome>> {
        if self.synced.is_some() {
            return Ok(Vec::new());
        }
        let Some(policy) = self.policy()? else {
            return Ok(Vec::new());
        };
        if policy.privacy.erase_closed_cases_after_months.is_none() {
            return Ok(Vec::new());
        }
        let Some(actor) = self.acting_user()? else {
            return Ok(Vec::new());
        };
        let due = erasure::retention_due(&policy, &retained_cases(&self.conn)?, now)?;
        let mut outcomes = Vec::with_capacity(due.len());
        for erasure in &due {
            outcomes.push(self.erase_here(erasure, &actor.user_id, Some(&policy), now)?);
        }
        if !outcomes.is_empty() {
            self.compact_after_erasure()?;
        }
        Ok(outcomes)
    }

    /// Records `erasure` in this profile's own log and erases what it covers, in one
    /// transaction.
    fn erase_here(
        &mut self,
        erasure: &Erasure,
        actor: &str,
        policy: Option<&Policy>,
        now: Timestamp,
    ) -> Result<ErasureOutcome> {
        let policy_version = policy.map(Policy::version_tag).unwrap_or_default();
        let tx = self.conn.transaction()?;
        refuse_legacy(&tx, erasure)?;
        let version: i64 = tx.query_row(
            "SELECT coalesce(max(aggregate_version), 0) FROM events WHERE aggregate_id = ?1",
            [erasure.account_id.to_string()],
            |row| row.get(0),
        )?;
        let record = erasure.record(
            Uuid::now_v7(),
            version as u64 + 1,
            Recording {
                actor,
                policy_version: &policy_version,
                at: now,
                personal_secret: fresh_secret()?,
            },
        )?;
        append(&tx, &record)?;
        let events = apply_erasure(&tx, erasure, policy, fold_stored)?;
        tx.commit()?;
        *self.kept_reports.borrow_mut() = None;
        Ok(ErasureOutcome {
            account_id: erasure.account_id,
            reason: erasure.reason,
            account: erasure.account,
            cases: erasure.cases.len() as u32,
            events,
            sent_to_server: false,
        })
    }

    /// After an erasure: search indexes merged (their old segments held the erased words), the
    /// whole file rewritten (`VACUUM`: free pages and the free space inside pages kept earlier
    /// versions of rows), and the WAL emptied into it and truncated. A reader holding the WAL
    /// open makes the last step fail with `Busy`, reported, not ignored.
    pub(crate) fn compact_after_erasure(&self) -> Result<()> {
        for index in ["case_notes", "case_search", "account_search"] {
            self.conn.execute(
                &format!("INSERT INTO {index} ({index}) VALUES ('optimize')"),
                [],
            )?;
        }
        self.conn.execute_batch("VACUUM")?;
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
        if busy != 0 {
            return Err(StoreError::Corrupt(
                "the erased data is still in the write-ahead log: another reader holds it open; it is emptied at the next erasure or when Holdfast closes".into(),
            ));
        }
        Ok(())
    }
}

/// The case ids of an account, in id order.
pub(crate) fn cases_of(conn: &rusqlite::Connection, account_id: Uuid) -> Result<Vec<Uuid>> {
    let mut statement = conn.prepare("SELECT id FROM cases WHERE account_id = ?1 ORDER BY id")?;
    let rows = statement.query_map([account_id.to_string()], |row| {
        let id: String = row.get(0)?;
        Ok(Uuid::parse_str(&id)
            .map_err(|error| StoreError::Corrupt(format!("a case id ({id}): {error}"))))
    })?;
    let mut ids = collect_rows(rows)?;
    ids.sort();
    Ok(ids)
}

/// Every case as the retention rule sees it: closed when its status is final, at the instant of
/// its last event (the close), and erased when its first event was.
fn retained_cases(conn: &rusqlite::Connection) -> Result<Vec<RetainedCase>> {
    let closed: Vec<&str> = holdfast_core::case::CaseStatus::ALL
        .iter()
        .filter(|status| status.is_closed())
        .map(|status| status.as_str())
        .collect();
    let list = closed
        .iter()
        .map(|status| format!("'{status}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut statement = conn.prepare(&format!(
        "SELECT c.id, c.account_id, c.status IN ({list}),
            (SELECT max(recorded_at) FROM events e WHERE e.aggregate_id = c.id),
            c.requester_name = ?1
         FROM cases c"
    ))?;
    let rows = statement.query_map([personal::ERASED], |row| {
        let id: String = row.get(0)?;
        let account: String = row.get(1)?;
        let closed: bool = row.get(2)?;
        let last: Option<i64> = row.get(3)?;
        let erased: bool = row.get(4)?;
        Ok((|| {
            let parse = |text: &str| {
                Uuid::parse_str(text)
                    .map_err(|error| StoreError::Corrupt(format!("an id ({text}): {error}")))
            };
            Ok(RetainedCase {
                case_id: parse(&id)?,
                account_id: parse(&account)?,
                closed_at: match (closed, last) {
                    (true, Some(last)) => Some(from_millis(last)?),
                    _ => None,
                },
                erased,
            })
        })())
    })?;
    collect_rows(rows)
}

/// Refuses an erasure that would leave personal data in events recorded before sealing (they
/// cannot be erased without breaking their links).
fn refuse_legacy(tx: &Transaction<'_>, erasure: &Erasure) -> Result<()> {
    let legacy = covered_events(tx, erasure)?
        .iter()
        .filter(|recorded| {
            personal::sealing(
                &recorded.event.aggregate_type,
                &recorded.event.kind,
                &recorded.event.payload,
            ) == Sealing::Legacy
        })
        .count();
    if legacy > 0 {
        return Err(StoreError::NotErasable { events: legacy });
    }
    Ok(())
}

/// The events (confirmed and pending) an erasure covers.
fn covered_events(tx: &rusqlite::Connection, erasure: &Erasure) -> Result<Vec<RecordedEvent>> {
    let mut events = Vec::new();
    if erasure.account {
        events.extend(history_of(tx, erasure.account_id)?);
    }
    for case_id in &erasure.cases {
        events.extend(history_of(tx, *case_id)?);
    }
    Ok(events
        .into_iter()
        .filter(|recorded| erasure.covers(&recorded.event))
        .collect())
}

/// Erases what `erasure` covers in the tables, inside `tx`: every covered event's payload
/// becomes its hashed form (confirmed and pending logs), the account row loses its name and
/// contacts, and each case's rows are written again from its erased history (`state_of` folds
/// it: from the log here, from the sync engine in a team profile). Returns how many events had
/// personal data taken out. Events recorded before sealing are left as they are.
pub(crate) fn apply_erasure(
    tx: &Transaction<'_>,
    erasure: &Erasure,
    policy: Option<&Policy>,
    state_of: impl Fn(&Transaction<'_>, Uuid) -> Result<Option<holdfast_core::workflow::CaseState>>,
) -> Result<u32> {
    let mut erased = 0u32;
    for recorded in covered_events(tx, erasure)? {
        let event = &recorded.event;
        let Some(payload) = personal::erased(&event.aggregate_type, &event.kind, &event.payload)
        else {
            continue;
        };
        let table = if recorded.seq >= crate::events::PENDING_SEQ_BASE {
            "pending_events"
        } else {
            "events"
        };
        tx.execute(
            &format!("UPDATE {table} SET payload = :payload WHERE id = :id"),
            named_params! {":payload": payload.to_string(), ":id": event.id.to_string()},
        )?;
        erased += 1;
    }
    if erasure.account {
        let id = erasure.account_id.to_string();
        tx.execute(
            "UPDATE accounts SET name = :erased, name_key = :erased, contact_name = NULL,
                email = NULL, email_key = NULL, phone = NULL, phone_digits = NULL
             WHERE id = :id",
            named_params! {":erased": personal::ERASED, ":id": id},
        )?;
        tx.execute(
            "UPDATE account_search SET name = :erased
             WHERE rowid = (SELECT rowid FROM accounts WHERE id = :id)",
            named_params! {":erased": personal::ERASED, ":id": id},
        )?;
    }
    // The customer's messages waiting in (or sent through) the e-mail outbox (issue 16).
    crate::mail::erase_outbox(
        tx,
        erasure.account.then_some(erasure.account_id),
        &erasure.cases,
    )?;
    for case_id in &erasure.cases {
        let id = case_id.to_string();
        tx.execute(
            "UPDATE cases SET requester_name = :erased, requester_contact = :erased WHERE id = :id",
            named_params! {":erased": personal::ERASED, ":id": id},
        )?;
        tx.execute(
            "UPDATE case_search SET requester_name = :erased, requester_contact = :erased
             WHERE rowid = (SELECT rowid FROM cases WHERE id = :id)",
            named_params! {":erased": personal::ERASED, ":id": id},
        )?;
        tx.execute("DELETE FROM case_notes WHERE case_id = ?1", [&id])?;
        for recorded in history_of(tx, *case_id)? {
            crate::projection::index_note(tx, &recorded)?;
        }
        if let Some(state) = state_of(tx, *case_id)? {
            let facts = match crate::accounts::facts_in(tx, state.account_id) {
                Ok(facts) => Some(facts),
                Err(StoreError::NotFound { .. }) => None,
                Err(other) => return Err(other),
            };
            crate::projection::write_case_from_log(tx, &state, policy, facts.as_ref())?;
        }
    }
    Ok(erased)
}

/// A case's state folded from its (erased) log.
fn fold_stored(
    tx: &Transaction<'_>,
    case_id: Uuid,
) -> Result<Option<holdfast_core::workflow::CaseState>> {
    crate::case_commands::fold(&history_of(tx, case_id)?)
}
