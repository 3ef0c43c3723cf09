//! Running a case command: load the case by folding its events, gather the account's facts,
//! decide with holdfast-core, then in one transaction append the events (with their audit links)
//! and update the read models. All of it commits, or none of it.

use holdfast_core::case::CaseStatus;
use holdfast_core::policy::{Policy, Route};
use holdfast_core::workflow::{
    decide, evolve, ready_to_finalize, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState,
};
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::{append, EventRecord, RecordedEvent};
use crate::page::to_millis;
use crate::Database;

pub use holdfast_core::record::CASE;

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub case_id: Uuid,
    pub events: Vec<RecordedEvent>,
    /// The case's version after the command.
    pub version: u64,
}

pub(crate) fn to_case_event(recorded: &RecordedEvent) -> Result<CaseEvent> {
    recorded
        .event
        .case_event()
        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", recorded.seq)))
}

fn fold(events: &[RecordedEvent]) -> Result<Option<CaseState>> {
    let mut state = None;
    for recorded in events {
        state = evolve(state, &to_case_event(recorded)?);
    }
    Ok(state)
}

impl Database {
    /// The case as its events say, or `None` when it was never received.
    pub fn case_state(&self, case_id: Uuid) -> Result<Option<CaseState>> {
        fold(&self.events_of(case_id)?)
    }

    /// Adds or updates a person the desk can assign work to.
    pub fn upsert_user(
        &mut self,
        name: &str,
        roles: &[holdfast_core::role::Role],
        active: bool,
    ) -> Result<()> {
        let roles = serde_json::to_string(roles).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO users (id, name, roles, active) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, active = excluded.active",
            rusqlite::params![Uuid::now_v7().to_string(), name, roles, active],
        )?;
        Ok(())
    }

    /// What the engine needs to know about an account to decide on its cases.
    pub fn account_facts(&self, account_id: Uuid) -> Result<AccountFacts> {
        let account = self.account(account_id)?;
        let draft = account.draft;
        let rep_active = match &draft.original_sales_rep {
            Some(rep) => self
                .conn
                .query_row("SELECT active FROM users WHERE name = ?1", [rep], |row| {
                    row.get::<_, bool>(0)
                })
                .optional()?
                // A rep nobody has told Holdfast about cannot be given a task.
                .unwrap_or(false),
            None => false,
        };
        let mut granted = self.conn.prepare_cached(
            "SELECT json_extract(e.payload, '$.offer_id') FROM events e
             JOIN cases c ON c.id = e.aggregate_id
             WHERE c.account_id = ?1 AND e.kind = 'offer_accepted'",
        )?;
        let offers_granted = granted
            .query_map([account_id.to_string()], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(AccountFacts {
            tier: draft.tier,
            email: draft.email,
            phone: draft.phone,
            accounts_receivable: Some(draft.accounts_receivable),
            hosting_server: draft.hosting_server,
            original_sales_rep: draft.original_sales_rep,
            original_sales_rep_active: rep_active,
            unpaid_invoices: draft.unpaid_invoices,
            offers_granted,
            preferred_channel: Some(draft.preferred_channel),
            // The account export has no plan price per billing period yet, so no proration.
            plan_price: None,
            billing_period_start: None,
            billing_period_end: None,
        })
    }

    /// What `command` would record, decided exactly as `run_case_command` would, without
    /// committing anything: the desk's way to say "this offer needs approval" before submitting.
    pub fn preview_case_command(
        &self,
        case_id: Uuid,
        command: &CaseCommand,
        actor: &Actor,
        policy: &Policy,
        now: Timestamp,
    ) -> Result<Vec<CaseEvent>> {
        let state = fold(&self.events_of(case_id)?)?.ok_or_else(|| StoreError::NotFound {
            entity: "case",
            id: case_id.to_string(),
        })?;
        let facts = self.account_facts(state.account_id)?;
        Ok(decide(Some(&state), command, actor, policy, &facts, now)?)
    }

    /// Decides `command` for the case `case_id` and commits what it decided.
    pub fn run_case_command(
        &mut self,
        case_id: Uuid,
        command: &CaseCommand,
        actor: &Actor,
        policy: &Policy,
        now: Timestamp,
    ) -> Result<Decided> {
        if self.synced.is_some() {
            return self.run_synced_case_command(case_id, command, policy, now);
        }
        let history = self.events_of(case_id)?;
        let state = fold(&history)?;
        let account_id = match (&state, command) {
            (Some(state), _) => state.account_id,
            (None, CaseCommand::Receive { account_id, .. }) => *account_id,
            (None, _) => {
                return Err(StoreError::NotFound {
                    entity: "case",
                    id: case_id.to_string(),
                })
            }
        };
        if let CaseCommand::Receive {
            case_id: received, ..
        } = command
        {
            if *received != case_id {
                return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                    "case_id",
                    "the command names another case",
                )));
            }
        }
        let facts = self.account_facts(account_id)?;
        let base_version = state.as_ref().map(|s| s.version).unwrap_or(0);
        let decided = decide(state.as_ref(), command, actor, policy, &facts, now)?;
        let state_after = decided.iter().fold(state.clone(), evolve);
        let ready = state_after
            .as_ref()
            .is_some_and(|state| ready_to_finalize(state, policy, &facts));

        let records = EventRecord::for_case(
            case_id,
            base_version,
            &decided,
            holdfast_core::record::Recording {
                actor: &actor.user_id,
                policy_version: &policy.version_tag(),
                at: now,
            },
            |_, _| Uuid::now_v7(),
        )?;
        let version = base_version + records.len() as u64;
        let tx = self.conn.transaction()?;
        let mut recorded = Vec::with_capacity(records.len());
        for (record, event) in records.iter().zip(&decided) {
            let stored = append(&tx, record)?;
            project(&tx, &stored, event)?;
            recorded.push(stored);
        }
        set_ready(&tx, case_id, ready)?;
        tx.commit()?;
        Ok(Decided {
            case_id,
            events: recorded,
            version,
        })
    }

    /// Throws away the read models the case engine maintains and rebuilds them from the event log
    /// (readiness for finalization is judged under the profile's current policy).
    pub fn rebuild_read_models(&mut self) -> Result<()> {
        let events = crate::events::all_of_type(&self.conn, CASE)?;
        let policy = self.policy()?;
        let mut histories: std::collections::BTreeMap<Uuid, Vec<&RecordedEvent>> =
            Default::default();
        for recorded in &events {
            histories
                .entry(recorded.event.aggregate_id)
                .or_default()
                .push(recorded);
        }
        let mut readiness = Vec::with_capacity(histories.len());
        for (case_id, history) in &histories {
            let mut state = None;
            for recorded in history {
                state = evolve(state, &to_case_event(recorded)?);
            }
            let ready = match (&state, &policy) {
                (Some(state), Some(policy)) => {
                    ready_to_finalize(state, policy, &self.account_facts(state.account_id)?)
                }
                _ => false,
            };
            readiness.push((*case_id, ready));
        }
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM tasks", [])?;
        tx.execute("DELETE FROM case_notes", [])?;
        tx.execute("DELETE FROM cases", [])?;
        for recorded in &events {
            project(&tx, recorded, &to_case_event(recorded)?)?;
        }
        for (case_id, ready) in readiness {
            set_ready(&tx, case_id, ready)?;
        }
        crate::sync::stamp_pending_acknowledgements(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Open tasks of one kind, earliest due first (the escalation queue, the save-call list).
    pub fn open_tasks(&self, kind: &str) -> Result<Vec<(Uuid, Option<String>)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT case_id, assignee FROM tasks WHERE open = 1 AND kind = ?1 ORDER BY due_at, id",
        )?;
        let rows = statement
            .query_map([kind], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(case_id, assignee)| {
                Uuid::parse_str(&case_id)
                    .map(|id| (id, assignee))
                    .map_err(|_| StoreError::Corrupt("task row: case_id".into()))
            })
            .collect()
    }
}

/// Applies one recorded case event to the read models. The same function serves live commits and
/// rebuilds, so the two cannot differ.
pub(crate) fn project(
    tx: &Transaction<'_>,
    recorded: &RecordedEvent,
    event: &CaseEvent,
) -> Result<()> {
    let case_id = recorded.event.aggregate_id.to_string();
    let version = recorded.event.aggregate_version as i64;
    let set = |sql: &str, value: &dyn rusqlite::ToSql| -> Result<()> {
        tx.execute(
            &format!("UPDATE cases SET {sql} WHERE id = :id"),
            named_params! { ":value": value, ":id": case_id },
        )?;
        Ok(())
    };
    let status = |status: CaseStatus| set("status = :value", &status.as_str());
    match event {
        CaseEvent::Received {
            account_id,
            channel,
            requester_name,
            requester_contact,
            received_at,
            first_response_due,
            ..
        } => {
            tx.execute(
                "INSERT INTO cases (id, account_id, status, channel, requester_name, requester_contact,
                    received_at, opened_at, version, first_response_due, policy_version)
                 VALUES (:id, :account_id, 'received', :channel, :requester_name, :requester_contact,
                    :received_at, :opened_at, :version, :due, :policy_version)",
                named_params! {
                    ":id": case_id,
                    ":account_id": account_id.to_string(),
                    ":channel": channel.as_str(),
                    ":requester_name": requester_name,
                    ":requester_contact": requester_contact,
                    ":received_at": to_millis(*received_at),
                    ":opened_at": to_millis(recorded.event.recorded_at),
                    ":version": version,
                    ":due": to_millis(*first_response_due),
                    ":policy_version": recorded.event.policy_version,
                },
            )?;
            return Ok(());
        }
        CaseEvent::ReasonCaptured { reason_id, .. } => set("reason_id = :value", reason_id)?,
        CaseEvent::Routed {
            route: Route::SaveCall,
            assignee,
            ..
        } => {
            set("owner = :value", assignee)?;
            open_task(tx, recorded, "save_call", None, assignee.as_deref(), None)?;
        }
        CaseEvent::Escalated { csm, .. } => {
            set("owner = :value", csm)?;
            open_task(tx, recorded, "csm_escalation", None, Some(csm), None)?;
        }
        CaseEvent::RefundRequested {
            refund_id,
            under_review,
            ..
        } => {
            let kind = if *under_review {
                "refund_review"
            } else {
                "refund_processing"
            };
            open_task(tx, recorded, kind, Some(refund_id), None, None)?;
        }
        CaseEvent::RefundVerified { refund_id, .. } => {
            close_task(tx, refund_id, "refund_review")?;
            open_task(
                tx,
                recorded,
                "refund_processing",
                Some(refund_id),
                None,
                None,
            )?;
        }
        CaseEvent::RefundCompleted { refund_id, .. } => {
            close_task(tx, refund_id, "refund_processing")?
        }
        CaseEvent::RefundDenied { refund_id, .. } => {
            close_task(tx, refund_id, "refund_review")?;
            close_task(tx, refund_id, "refund_processing")?;
        }
        CaseEvent::WinBackScheduled { check_ins } => {
            for (index, date) in check_ins.iter().enumerate() {
                let due = date
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .map_err(|e| StoreError::Corrupt(format!("check-in date {date}: {e}")))?
                    .timestamp();
                tx.execute(
                    "INSERT INTO tasks (id, case_id, kind, subject, assignee, due_at, open)
                     VALUES (?1, ?2, 'win_back', NULL, NULL, ?3, 1)",
                    rusqlite::params![
                        format!("{}-{}", recorded.event.id, index + 1),
                        case_id,
                        to_millis(due)
                    ],
                )?;
            }
        }
        CaseEvent::CsmOutcomeRecorded { retained, .. } => {
            close_tasks(tx, &case_id, "csm_escalation")?;
            if *retained {
                status(CaseStatus::Saved)?;
            }
        }
        CaseEvent::RetentionOutcomeRecorded { retained, .. } => {
            close_tasks(tx, &case_id, "save_call")?;
            if *retained {
                status(CaseStatus::Saved)?;
            }
        }
        CaseEvent::VerificationFailed { .. } => status(CaseStatus::VerificationFailed)?,
        // The offer approval queue: an offer outside the limits waits until it is approved or
        // the customer answers.
        CaseEvent::OfferProposed {
            offer_id,
            needs_approval,
            ..
        } => set(
            "offer_awaiting_approval = :value",
            &needs_approval.then_some(offer_id),
        )?,
        CaseEvent::OfferApproved { .. } | CaseEvent::OfferDeclined { .. } => {
            set("offer_awaiting_approval = :value", &None::<String>)?
        }
        CaseEvent::OfferAccepted { .. } => {
            set("offer_awaiting_approval = :value", &None::<String>)?;
            status(CaseStatus::Saved)?
        }
        CaseEvent::NoteAdded { text, .. } => {
            tx.execute(
                "INSERT OR REPLACE INTO case_notes (rowid, text, case_id, author, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    recorded.seq as i64,
                    text,
                    case_id,
                    recorded.event.actor,
                    to_millis(recorded.event.recorded_at)
                ],
            )?;
        }
        CaseEvent::MessageSent { .. } | CaseEvent::ConflictRecorded { .. } => {}
        CaseEvent::Finalized { .. } => status(CaseStatus::Cancelled)?,
        CaseEvent::Withdrawn { .. } => status(CaseStatus::Withdrawn)?,
        CaseEvent::Routed { .. }
        | CaseEvent::Acknowledged { .. }
        | CaseEvent::IdentityVerified { .. }
        | CaseEvent::FormSent { .. }
        | CaseEvent::FormReminded { .. }
        | CaseEvent::FormReceived { .. }
        | CaseEvent::RequestLogged
        | CaseEvent::InvoicesWrittenOff { .. }
        | CaseEvent::OneTimeCodeSent { .. }
        | CaseEvent::OneTimeCodeRejected { .. }
        | CaseEvent::CancellationConfirmed { .. }
        | CaseEvent::FeedbackRecorded { .. } => {}
    }
    // Any event after the first means someone is working the case, except a note or a message
    // recorded, which describe the case without working it (as the engine's state has it).
    if matches!(
        event,
        CaseEvent::NoteAdded { .. }
            | CaseEvent::MessageSent { .. }
            | CaseEvent::ConflictRecorded { .. }
    ) {
        tx.execute(
            "UPDATE cases SET version = ?1 WHERE id = ?2",
            rusqlite::params![version, case_id],
        )?;
        return Ok(());
    }
    tx.execute(
        "UPDATE cases SET version = ?1,
            status = CASE status WHEN 'received' THEN 'in_progress' ELSE status END
         WHERE id = ?2",
        rusqlite::params![version, case_id],
    )?;
    Ok(())
}

pub(crate) fn set_ready(tx: &Transaction<'_>, case_id: Uuid, ready: bool) -> Result<()> {
    tx.execute(
        "UPDATE cases SET ready_to_finalize = ?1 WHERE id = ?2",
        rusqlite::params![ready, case_id.to_string()],
    )?;
    Ok(())
}

/// Opens a task; due at `due`, or at the case's first-response deadline.
fn open_task(
    tx: &Transaction<'_>,
    recorded: &RecordedEvent,
    kind: &str,
    subject: Option<&Uuid>,
    assignee: Option<&str>,
    due: Option<Timestamp>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO tasks (id, case_id, kind, subject, assignee, due_at, open)
         SELECT ?1, id, ?2, ?3, ?4, coalesce(?5, first_response_due), 1 FROM cases WHERE id = ?6",
        rusqlite::params![
            recorded.event.id.to_string(),
            kind,
            subject.map(Uuid::to_string),
            assignee,
            due.map(to_millis),
            recorded.event.aggregate_id.to_string()
        ],
    )?;
    Ok(())
}

fn close_task(tx: &Transaction<'_>, subject: &Uuid, kind: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET open = 0 WHERE subject = ?1 AND kind = ?2",
        rusqlite::params![subject.to_string(), kind],
    )?;
    Ok(())
}

fn close_tasks(tx: &Transaction<'_>, case_id: &str, kind: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET open = 0 WHERE case_id = ?1 AND kind = ?2",
        rusqlite::params![case_id, kind],
    )?;
    Ok(())
}

/// One line of a case's timeline: who did what, when, under which policy version.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct TimelineEntry {
    #[ts(type = "number")]
    pub seq: u64,
    pub kind: String,
    pub actor: String,
    pub policy_version: String,
    pub recorded_at: Timestamp,
    /// The event itself, as recorded.
    #[ts(type = "Record<string, unknown>")]
    pub event: serde_json::Value,
}

impl Database {
    /// The case's timeline from the audit trail, oldest first.
    pub fn timeline(&self, case_id: Uuid) -> Result<Vec<TimelineEntry>> {
        Ok(self
            .events_of(case_id)?
            .into_iter()
            .map(|recorded| TimelineEntry {
                seq: recorded.seq,
                kind: recorded.event.kind,
                actor: recorded.event.actor,
                policy_version: recorded.event.policy_version,
                recorded_at: recorded.event.recorded_at,
                event: recorded.event.payload,
            })
            .collect())
    }
}
