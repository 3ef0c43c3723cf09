//! The store's side of the one projection: a case's rows in the lists (`cases`, `tasks`) are
//! written from its folded state through `holdfast_core::read_model`, never worked out again in
//! SQL; the notes index follows the `note_added` events. And the one way a decision is
//! committed: `commit_case` appends its events (to the audit log of a local profile, or to the
//! pending log of a joined one) and writes the case's read model, in the caller's transaction.

use holdfast_core::policy::Policy;
use holdfast_core::read_model::{case_read_model, CaseReadModel};
use holdfast_core::role::Role;
use holdfast_core::workflow::{AccountFacts, CaseEvent, CaseState};
use rusqlite::{named_params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::{append, append_pending, EventRecord, RecordedEvent, PENDING_SEQ_BASE};
use crate::page::to_millis;

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub case_id: Uuid,
    pub events: Vec<RecordedEvent>,
    /// The case's version after the command.
    pub version: u64,
}

/// Which log a decision's events go to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Log {
    /// A local profile's own log, chained for the audit trail.
    Audit,
    /// A joined profile's events expected from a command the server has not confirmed yet,
    /// numbered from `first_seq`.
    Pending { first_seq: u64, command_seq: u64 },
}

/// Commits a decision on one case: `records` (the engine's events, in order), then the case's
/// read model as `after` (its state with them) says.
pub(crate) fn commit_case(
    tx: &Transaction<'_>,
    log: Log,
    records: Vec<EventRecord>,
    after: &CaseState,
    policy: Option<&Policy>,
    facts: Option<&AccountFacts>,
) -> Result<Vec<RecordedEvent>> {
    let mut recorded = Vec::with_capacity(records.len());
    for (offset, record) in records.into_iter().enumerate() {
        let stored = match log {
            Log::Audit => append(tx, &record)?,
            Log::Pending {
                first_seq,
                command_seq,
            } => append_pending(tx, first_seq + offset as u64, command_seq, record)?,
        };
        index_note(tx, &stored)?;
        recorded.push(stored);
    }
    write_case(tx, after, policy, facts)?;
    // The reports' history of the case takes in the events just recorded, as stored.
    let history = crate::reports::history_after(tx, after.id, &recorded)?;
    crate::reports::write_report(tx, after, &history)?;
    Ok(recorded)
}

/// `write_case`, and the case's report row with its history folded from its log as stored
/// (confirmed events, then pending ones): after a rebase rewrote the pending log.
pub(crate) fn write_case_from_log(
    tx: &Transaction<'_>,
    state: &CaseState,
    policy: Option<&Policy>,
    facts: Option<&AccountFacts>,
) -> Result<()> {
    write_case(tx, state, policy, facts)?;
    let history = crate::reports::history_from_log(tx, state.id)?;
    crate::reports::write_report(tx, state, &history)
}

/// Writes a case's rows in the lists (its inbox row and its tasks, from `state`'s read model)
/// and keeps `state` beside them for the next decision. The report row is the caller's
/// (`commit_case`, `write_case_from_log`, a rebuild).
pub(crate) fn write_case(
    tx: &Transaction<'_>,
    state: &CaseState,
    policy: Option<&Policy>,
    facts: Option<&AccountFacts>,
) -> Result<()> {
    let model = case_read_model(state, policy, facts)?;
    let snapshot = serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    write_rows(tx, &model, &snapshot)
}

fn write_rows(tx: &Transaction<'_>, model: &CaseReadModel, snapshot: &str) -> Result<()> {
    let id = model.case_id.to_string();
    let changed = tx.execute(
        "UPDATE cases SET status = :status, version = :version, reason_id = :reason_id,
            owner = :owner, offer_awaiting_approval = :offer,
            acknowledged_at = :acknowledged_at, ready_to_finalize = :ready, state = :state
         WHERE id = :id",
        named_params! {
            ":id": id,
            ":state": snapshot,
            ":status": model.status.as_str(),
            ":version": model.version as i64,
            ":reason_id": model.reason_id,
            ":owner": model.owner,
            ":offer": model.offer_awaiting_approval,
            ":acknowledged_at": model.acknowledged_at.map(to_millis),
            ":ready": model.ready_to_finalize,
        },
    )?;
    if changed == 0 {
        // When and under which policy the case was opened are facts of its first event's record.
        let (opened_at, policy_version) = opened(tx, model.case_id)?;
        tx.execute(
            "INSERT INTO cases (id, account_id, status, channel, requester_name,
                requester_contact, received_at, opened_at, version, first_response_due,
                policy_version, reason_id, owner, offer_awaiting_approval, acknowledged_at,
                ready_to_finalize, state)
             VALUES (:id, :account_id, :status, :channel, :requester_name, :requester_contact,
                :received_at, :opened_at, :version, :due, :policy_version, :reason_id, :owner,
                :offer, :acknowledged_at, :ready, :state)",
            named_params! {
                ":id": id,
                ":state": snapshot,
                ":account_id": model.account_id.to_string(),
                ":status": model.status.as_str(),
                ":channel": model.channel.as_str(),
                ":requester_name": model.requester_name,
                ":requester_contact": model.requester_contact,
                ":received_at": to_millis(model.received_at),
                ":opened_at": opened_at,
                ":version": model.version as i64,
                ":due": to_millis(model.first_response_due),
                ":policy_version": policy_version,
                ":reason_id": model.reason_id,
                ":owner": model.owner,
                ":offer": model.offer_awaiting_approval,
                ":acknowledged_at": model.acknowledged_at.map(to_millis),
                ":ready": model.ready_to_finalize,
            },
        )?;
        // Who asked and how to reach them never change after the case is received.
        tx.prepare_cached(
            "INSERT INTO case_search (rowid, requester_name, requester_contact)
             SELECT rowid, requester_name, requester_contact FROM cases WHERE id = ?1",
        )?
        .execute([&id])?;
    }
    tx.execute("DELETE FROM tasks WHERE case_id = ?1", [&id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO tasks (id, case_id, kind, subject, assignee, assignee_role, detail, due_at,
            open)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for task in &model.tasks {
        insert.execute(rusqlite::params![
            task.id,
            id,
            task.kind.as_str(),
            task.subject.map(|subject| subject.to_string()),
            task.assignee,
            task.assignee_role.map(Role::as_str),
            task.detail,
            to_millis(task.due_at),
            task.open,
        ])?;
    }
    Ok(())
}

/// The instant and policy version of the event that opened the case, confirmed or pending.
fn opened(conn: &Connection, case_id: Uuid) -> Result<(i64, String)> {
    conn.query_row(
        "SELECT recorded_at, policy_version FROM events
         WHERE aggregate_id = ?1 AND aggregate_version = 1
         UNION ALL
         SELECT recorded_at, policy_version FROM pending_events
         WHERE aggregate_id = ?1 AND aggregate_version = 1
         LIMIT 1",
        [case_id.to_string()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::Corrupt(format!("case {case_id} has no first event")))
}

/// The case's state as last written with its row, if the row has one.
pub(crate) fn stored_state(conn: &Connection, case_id: Uuid) -> Result<Option<CaseState>> {
    let snapshot: Option<Option<String>> = conn
        .prepare_cached("SELECT state FROM cases WHERE id = ?1")?
        .query_row([case_id.to_string()], |row| row.get(0))
        .optional()?;
    snapshot
        .flatten()
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("case {case_id}'s stored state: {e}")))
        })
        .transpose()
}

/// Takes a case out of the lists (a pending case the server refused).
pub(crate) fn remove_case(tx: &Transaction<'_>, case_id: Uuid) -> Result<()> {
    let id = case_id.to_string();
    crate::reports::remove_report(tx, case_id)?;
    tx.execute("DELETE FROM tasks WHERE case_id = ?1", [&id])?;
    tx.execute("DELETE FROM case_notes WHERE case_id = ?1", [&id])?;
    tx.execute(
        "DELETE FROM case_search WHERE rowid = (SELECT rowid FROM cases WHERE id = ?1)",
        [&id],
    )?;
    tx.execute("DELETE FROM cases WHERE id = ?1", [&id])?;
    Ok(())
}

/// Indexes a recorded note for search. Its row is the event's number, so a note is indexed once
/// however often it is written.
pub(crate) fn index_note(tx: &Transaction<'_>, recorded: &RecordedEvent) -> Result<()> {
    if recorded.event.kind != "note_added" {
        return Ok(());
    }
    let CaseEvent::NoteAdded { text, .. } = recorded
        .event
        .case_event()
        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", recorded.seq)))?
    else {
        return Ok(());
    };
    tx.execute(
        "INSERT OR REPLACE INTO case_notes (rowid, text, case_id, author, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            recorded.seq as i64,
            text,
            recorded.event.aggregate_id.to_string(),
            recorded.event.actor,
            to_millis(recorded.event.recorded_at)
        ],
    )?;
    Ok(())
}

/// Drops the search rows of pending notes, before the pending log is written again.
pub(crate) fn forget_pending_notes(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "DELETE FROM case_notes WHERE rowid >= ?1",
        [PENDING_SEQ_BASE as i64],
    )?;
    Ok(())
}
