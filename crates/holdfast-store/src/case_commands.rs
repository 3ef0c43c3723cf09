//! The one entry point for "this profile's user runs this command on this case now": load the
//! case's state (kept with its row, or folded from its events), gather the account's facts,
//! decide through
//! `holdfast_core::decision`, and commit through `projection::commit_case`. A joined profile
//! decides through its client engine (`sync`) and commits the same way. Also the facts the engine
//! decides with, the rebuild of the read models, and a case's timeline.

use holdfast_core::decision::{self, Verdict};
use holdfast_core::policy::Policy;
use holdfast_core::record::Recording;
use holdfast_core::workflow::{evolve, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::{EventRecord, RecordedEvent};
pub use crate::projection::Decided;
use crate::projection::{
    commit_case, forget_pending_notes, index_note, stored_state, write_case, Log,
};
use crate::Database;

pub use holdfast_core::record::CASE;

fn to_case_event(recorded: &RecordedEvent) -> Result<CaseEvent> {
    recorded
        .event
        .case_event()
        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", recorded.seq)))
}

pub(crate) fn fold<'a>(
    events: impl IntoIterator<Item = &'a RecordedEvent>,
) -> Result<Option<CaseState>> {
    let mut state = None;
    for recorded in events {
        state = evolve(state, &to_case_event(recorded)?);
    }
    Ok(state)
}

impl Database {
    /// The case as its events say, or `None` when it was never received: the state kept with
    /// its row when there is one (written with every event, in the same transaction), else
    /// folded from its history.
    pub fn case_state(&self, case_id: Uuid) -> Result<Option<CaseState>> {
        match stored_state(&self.conn, case_id)? {
            Some(state) => Ok(Some(state)),
            None => fold(&self.events_of(case_id)?),
        }
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

    /// Everyone the profile knows by id (its user, and in a team the signed-in user), with the
    /// name to show for them: the desk shows names where the record keeps ids (a timeline's
    /// actor, a refund's requester, a case's owner).
    pub fn people(&self) -> Result<Vec<Person>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, name, active FROM users ORDER BY name, id")?;
        let rows = statement.query_map([], |row| {
            Ok(Ok(Person {
                id: row.get(0)?,
                name: row.get(1)?,
                active: row.get(2)?,
            }))
        })?;
        crate::page::collect_rows(rows)
    }

    /// The name to show for the person whose id is `user_id`: the user's current name, or the id
    /// itself when no user has it (a team member this device has not met; in a team, and on
    /// profiles made before users had ids, the id is a name).
    pub fn display_name(&self, user_id: &str) -> Result<String> {
        display_name_in(&self.conn, user_id)
    }

    /// What the engine needs to know about an account to decide on its cases.
    pub fn account_facts(&self, account_id: Uuid) -> Result<AccountFacts> {
        crate::accounts::facts_in(&self.conn, account_id)
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
        let state = self
            .case_state(case_id)?
            .ok_or_else(|| StoreError::NotFound {
                entity: "case",
                id: case_id.to_string(),
            })?;
        let facts = self.account_facts(state.account_id)?;
        let command = self.code_key.seal(case_id, command)?;
        let verdict = decision::decide_case(
            Some(&state),
            Some(&facts),
            Some(policy),
            actor,
            case_id,
            state.version,
            &command,
            now,
        );
        decided_events(verdict)
    }

    /// Who decides on this profile: in a profile joined to a team server, the signed-in user
    /// with the roles the server last gave them; otherwise the profile's local user.
    pub fn acting_user(&self) -> Result<Option<Actor>> {
        match self.sync_binding() {
            Some(binding) => Ok(Some(Actor {
                user_id: binding.me.user.clone(),
                roles: binding.me.roles.clone(),
                active: binding.me.active,
            })),
            None => Ok(self.local_user()?.map(|user| user.actor())),
        }
    }

    /// The one entry point: `actor` runs `command` on the case `case_id` now, under `policy`,
    /// and what it decided is committed. In a joined profile the actor must be the signed-in
    /// user as `acting_user` gives them (the server decides with its own records again); the
    /// command is queued for the server and its expected events show at once.
    pub fn run_case_command(
        &mut self,
        case_id: Uuid,
        command: &CaseCommand,
        actor: &Actor,
        policy: &Policy,
        now: Timestamp,
    ) -> Result<Decided> {
        if self.synced.is_some() {
            if self.acting_user()?.as_ref() != Some(actor) {
                return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                    "actor",
                    "this profile decides as the user signed in to its team server",
                )));
            }
            return self.run_synced_case_command(case_id, command, policy, now);
        }
        let state = self.case_state(case_id)?;
        // This profile decides: it seals a typed one-time code with its own key.
        let command = &self.code_key.seal(case_id, command)?;
        let facts = decision::account_to_load(state.as_ref(), command)
            .map(|account_id| self.account_facts(account_id))
            .transpose()?;
        let base_version = state.as_ref().map_or(0, |state| state.version);
        let decided = decided_events(decision::decide_case(
            state.as_ref(),
            facts.as_ref(),
            Some(policy),
            actor,
            case_id,
            base_version,
            command,
            now,
        ))?;
        let Some(after) = decided.iter().fold(state, evolve) else {
            return Err(StoreError::NotFound {
                entity: "case",
                id: case_id.to_string(),
            });
        };
        let records = EventRecord::for_case(
            case_id,
            base_version,
            &decided,
            Recording {
                actor: &actor.user_id,
                policy_version: &policy.version_tag(),
                at: now,
                personal_secret: crate::events::fresh_secret()?,
            },
            |_, _| Uuid::now_v7(),
        )?;
        let tx = self.conn.transaction()?;
        let events = commit_case(
            &tx,
            Log::Audit,
            records,
            &after,
            Some(policy),
            facts.as_ref(),
        )?;
        tx.commit()?;
        Ok(Decided {
            case_id,
            events,
            version: after.version,
        })
    }

    /// Throws away the read models the case engine maintains and rebuilds them from the event log
    /// (readiness for finalization is judged under the profile's current policy).
    pub fn rebuild_read_models(&mut self) -> Result<()> {
        let policy = self.policy()?;
        let tx = self.conn.transaction()?;
        rebuild_read_models_in(&tx, policy.as_ref())?;
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

/// The events a verdict records, or why it records none.
fn decided_events(verdict: Verdict) -> Result<Vec<CaseEvent>> {
    match verdict {
        Verdict::Applied(events) => Ok(events),
        // Decided against the case's current version, so only a joined profile's engine (which
        // decides against its own view) ever meets a conflict; recorded as the server would.
        Verdict::Conflict { event, .. } => Ok(vec![event]),
        Verdict::Rejected(error) => Err(StoreError::Rule(error)),
    }
}

/// Someone the desk can name: a user's stable id and the name to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub active: bool,
}

fn display_name_in(conn: &rusqlite::Connection, user_id: &str) -> Result<String> {
    use rusqlite::OptionalExtension;
    let name: Option<String> = conn
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([user_id], |row| row.get(0))
        .optional()?;
    Ok(name.unwrap_or_else(|| user_id.to_owned()))
}

/// One line of a case's timeline: who did what, when, under which policy version.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct TimelineEntry {
    #[ts(type = "number")]
    pub seq: u64,
    pub kind: String,
    /// Who did it: the user's stable id, as recorded.
    pub actor: String,
    /// The name to show for `actor` now (their current name; the id when unknown).
    pub actor_name: String,
    pub policy_version: String,
    pub recorded_at: Timestamp,
    /// The event itself, as recorded.
    #[ts(type = "Record<string, unknown>")]
    pub event: serde_json::Value,
}

impl Database {
    /// The case's timeline from the audit trail, oldest first.
    pub fn timeline(&self, case_id: Uuid) -> Result<Vec<TimelineEntry>> {
        let mut names = std::collections::HashMap::new();
        self.events_of(case_id)?
            .into_iter()
            .map(|recorded| {
                let actor_name = match names.get(&recorded.event.actor) {
                    Some(name) => String::clone(name),
                    None => {
                        let name = display_name_in(&self.conn, &recorded.event.actor)?;
                        names.insert(recorded.event.actor.clone(), name.clone());
                        name
                    }
                };
                Ok(TimelineEntry {
                    seq: recorded.seq,
                    kind: recorded.event.kind,
                    actor: recorded.event.actor,
                    actor_name,
                    policy_version: recorded.event.policy_version,
                    recorded_at: recorded.event.recorded_at,
                    event: recorded.event.payload,
                })
            })
            .collect()
    }
}

/// Throws away the case engine's read models and projects every case again from the event log,
/// inside the caller's transaction.
pub(crate) fn rebuild_read_models_in(tx: &Transaction<'_>, policy: Option<&Policy>) -> Result<()> {
    let events = crate::events::all_of_type(tx, CASE)?;
    let mut histories: std::collections::BTreeMap<Uuid, Vec<&RecordedEvent>> = Default::default();
    for recorded in &events {
        histories
            .entry(recorded.event.aggregate_id)
            .or_default()
            .push(recorded);
    }
    // Before migration 0016 (an older profile's upgrade runs this at 0012) there is no report
    // row to keep; 0016's own step fills them.
    let reports = crate::reports::reports_kept(tx)?;
    if reports {
        tx.execute("DELETE FROM case_reports", [])?;
    }
    tx.execute("DELETE FROM tasks", [])?;
    tx.execute("DELETE FROM case_notes", [])?;
    tx.execute("DELETE FROM case_search", [])?;
    tx.execute("DELETE FROM cases", [])?;
    for history in histories.values() {
        let Some(state) = fold(history.iter().copied())? else {
            continue;
        };
        let facts = crate::accounts::facts_in(tx, state.account_id)?;
        write_case(tx, &state, policy, Some(&facts))?;
        if reports {
            let kept = crate::reports::history_of_records(history.iter().copied())?;
            crate::reports::write_report(tx, &state, &kept)?;
        }
    }
    forget_pending_notes(tx)?;
    for recorded in &events {
        index_note(tx, recorded)?;
    }
    Ok(())
}

/// Migration 0012's step: the tasks of existing cases get their role and detail, under the
/// profile's policy as stored (none when it no longer parses: readiness then waits for the next
/// command, as without a policy).
pub(crate) fn project_tasks_on_upgrade(tx: &Transaction<'_>, _version: i64) -> Result<()> {
    // The profile's policy as `settings` keeps it, read here because the profile is not open yet.
    let source: Option<String> = tx
        .query_row(
            "SELECT value FROM settings WHERE key = 'policy'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let policy = source.and_then(|source| holdfast_core::policy::parse_policy(&source).ok());
    rebuild_read_models_in(tx, policy.as_ref())
}
