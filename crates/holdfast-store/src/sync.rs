//! A profile joined to a team server's organisation (DESIGN §5): the client engine
//! (`holdfast_sync::client::Replica`) kept in this database, and the read models kept equal to its
//! view. The confirmed log is the `events` table (seq = the server's counter, appended as pages
//! arrive, so the local audit chain stays append-only); the outbox's expected events are
//! `pending_events`; the engine's small state (outbox, notifications, checkpoints) is one JSON
//! row rewritten with every change. Every change to the engine and to the tables commits in one
//! transaction; if that transaction fails, the engine is reloaded from what was committed.

use std::collections::BTreeSet;

use holdfast_core::account::{Account, AccountDraft};
use holdfast_core::erasure::{Erasure, PERSONAL_DATA_ERASED};
use holdfast_core::policy::Policy;
use holdfast_core::workflow::{Actor, CaseCommand, CaseEvent};
use holdfast_sync::client::{
    ClientError, Context, Expected, KnownUsers, Notification, PullSummary, Replica, Tampering,
    ACCOUNT, CASE,
};
use holdfast_sync::protocol::{
    CommandOrigin, Me, PullResponse, PushRequest, PushResponse, SyncedEvent,
};
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::accounts::facts_in;
use crate::error::{Result, StoreError};
use crate::events::{append, EventRecord, RecordedEvent};
use crate::events::{append_pending, next_pending_seq};
use crate::page::{from_millis, to_millis};
use crate::projection::{
    commit_case, forget_pending_notes, index_note, remove_case, write_case_from_log, Decided, Log,
};
use crate::settings::LocalUser;
use crate::Database;
use holdfast_core::record::Recording;

pub use crate::events::PENDING_SEQ_BASE;

/// The team server this profile belongs to and the user it signs in as.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncBinding {
    pub server: String,
    /// The user as the server last described them (roles, active), cached for offline use.
    pub me: Me,
    pub last_sync_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// The `sync_state` row.
struct StateRow {
    server: String,
    me: String,
    state: String,
    last_sync_at: Option<i64>,
    last_error: Option<String>,
}

/// The engine and its binding, held while the database is open.
pub(crate) struct Synced {
    pub(crate) binding: SyncBinding,
    pub(crate) replica: Replica,
}

fn engine_error(error: ClientError) -> StoreError {
    match error {
        ClientError::Refused(rule) => StoreError::Rule(rule),
        other => StoreError::Sync(other),
    }
}

impl Database {
    /// Loads the engine of a profile that joined an organisation (at open).
    pub(crate) fn load_sync(&mut self) -> Result<()> {
        let row = self
            .conn
            .query_row(
                "SELECT server, me, replica, last_sync_at, last_error FROM sync_state WHERE id = 1",
                [],
                |row| {
                    Ok(StateRow {
                        server: row.get(0)?,
                        me: row.get(1)?,
                        state: row.get(2)?,
                        last_sync_at: row.get(3)?,
                        last_error: row.get(4)?,
                    })
                },
            )
            .optional()?;
        let Some(StateRow {
            server,
            me,
            state,
            last_sync_at,
            last_error,
        }) = row
        else {
            self.synced = None;
            return Ok(());
        };
        let me: Me = serde_json::from_str(&me)
            .map_err(|e| StoreError::Corrupt(format!("the cached server user: {e}")))?;
        let replica = Replica::restore_with_log(&state, self.confirmed_log()?)
            .map_err(|e| StoreError::Corrupt(format!("the sync state: {e}")))?;
        self.synced = Some(Synced {
            binding: SyncBinding {
                server,
                me,
                last_sync_at: last_sync_at.map(from_millis).transpose()?,
                last_error,
            },
            replica,
        });
        Ok(())
    }

    fn confirmed_log(&self) -> Result<Vec<SyncedEvent>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {}, origin_client, origin_seq, server_chain_hash FROM events ORDER BY seq",
            crate::events::EVENT_COLUMNS
        ))?;
        let rows = statement.query_map([], |row| {
            Ok(synced_event(
                crate::events::read_event(row),
                row.get::<_, Option<String>>(11)?,
                row.get::<_, Option<i64>>(12)?,
                row.get::<_, Option<String>>(13)?,
            ))
        })?;
        crate::page::collect_rows(rows)
    }

    /// The organisation this profile belongs to, if it joined one.
    pub fn sync_binding(&self) -> Option<&SyncBinding> {
        self.synced.as_ref().map(|synced| &synced.binding)
    }

    /// The client engine of a joined profile.
    pub fn replica(&self) -> Option<&Replica> {
        self.synced.as_ref().map(|synced| &synced.replica)
    }

    /// Joins this profile to an organisation on `server`, as `me` (the first sign-in's answer),
    /// with the device id `client_id`. Only an empty profile may join: the organisation's log is
    /// the record, and cases kept here alone could not become part of it.
    pub fn join_organisation(&mut self, server: &str, client_id: Uuid, me: &Me) -> Result<()> {
        if let Some(synced) = &self.synced {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "organisation",
                format!(
                    "this profile already belongs to {} on {}",
                    synced.binding.me.organisation, synced.binding.server
                ),
            )));
        }
        // The local user's own changes (`user` events) do not make a profile hold work: they go
        // with the local user, whom the server's user replaces.
        let (events, accounts): (i64, i64) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM events WHERE aggregate_type <> ?1),
                    (SELECT count(*) FROM accounts)",
            [holdfast_core::record::USER],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        if events > 0 || accounts > 0 {
            return Err(StoreError::ProfileNotEmpty);
        }
        let replica = Replica::new(client_id, &me.checkpoint_key).map_err(engine_error)?;
        let state = replica.save_state().map_err(engine_error)?;
        let me_json = serde_json::to_string(me).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        // The organisation's log, copied from the server seq by seq, becomes this profile's log.
        tx.execute("DELETE FROM events", [])?;
        tx.execute("DELETE FROM audit_head", [])?;
        tx.execute(
            "INSERT INTO sync_state (id, server, me, replica) VALUES (1, ?1, ?2, ?3)",
            rusqlite::params![server, me_json, state],
        )?;
        tx.commit()?;
        self.synced = Some(Synced {
            binding: SyncBinding {
                server: server.to_owned(),
                me: me.clone(),
                last_sync_at: None,
                last_error: None,
            },
            replica,
        });
        self.adopt_server_user(me)
    }

    /// Caches the user as the server describes them now: their roles are the desk's roles.
    pub fn update_me(&mut self, me: &Me) -> Result<()> {
        let Some(synced) = &mut self.synced else {
            return Err(not_joined());
        };
        if me.user != synced.binding.me.user || me.organisation != synced.binding.me.organisation {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "user",
                format!(
                    "this profile belongs to {} in {}",
                    synced.binding.me.user, synced.binding.me.organisation
                ),
            )));
        }
        let me_json = serde_json::to_string(me).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn
            .execute("UPDATE sync_state SET me = ?1 WHERE id = 1", [me_json])?;
        synced.binding.me = me.clone();
        self.adopt_server_user(me)
    }

    fn adopt_server_user(&mut self, me: &Me) -> Result<()> {
        if me.roles.is_empty() {
            // A user with no roles can read but decides nothing; the engine refuses each step.
            return self.upsert_user(&me.user, &[], me.active);
        }
        self.adopt_local_user(
            &LocalUser {
                id: me.user.clone(),
                name: me.user.clone(),
                roles: me.roles.clone(),
            },
            me.active,
        )
    }

    /// Notes the outcome of a sync round: when it completed, or why it failed.
    pub fn record_sync_round(&mut self, at: Timestamp, error: Option<&str>) -> Result<()> {
        let Some(synced) = &mut self.synced else {
            return Err(not_joined());
        };
        match error {
            None => {
                self.conn.execute(
                    "UPDATE sync_state SET last_sync_at = ?1, last_error = NULL WHERE id = 1",
                    [to_millis(at)],
                )?;
                synced.binding.last_sync_at = Some(at);
                synced.binding.last_error = None;
            }
            Some(error) => {
                self.conn.execute(
                    "UPDATE sync_state SET last_error = ?1 WHERE id = 1",
                    [error],
                )?;
                synced.binding.last_error = Some(error.to_owned());
            }
        }
        Ok(())
    }

    fn known_users(&self) -> Result<KnownUsers> {
        let mut statement = self.conn.prepare_cached("SELECT name, active FROM users")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<KnownUsers>>()?)
    }

    /// Decides a case command with the engine against this device's view and queues it for the
    /// server; its expected events show at once. The actor is the signed-in user with the roles
    /// the server last gave them, whoever the caller names.
    pub(crate) fn run_synced_case_command(
        &mut self,
        case_id: Uuid,
        command: &CaseCommand,
        policy: &Policy,
        now: Timestamp,
    ) -> Result<Decided> {
        let (actor, _, users) = self.decision_context()?;
        let context = Context {
            actor: &actor,
            policy: Some(policy),
            users: &users,
            now,
            code_key: &self.code_key,
        };
        let synced = self.synced.as_mut().ok_or_else(not_joined)?;
        let seq = synced
            .replica
            .decide(case_id, command.clone(), &context)
            .map_err(engine_error)?;
        let outcome = self.commit_decided(seq, policy);
        self.reload_on_failure(outcome)
    }

    /// Queues accounts for the server; they show at once.
    pub(crate) fn import_synced_accounts(
        &mut self,
        drafts: &[AccountDraft],
        actor: &Actor,
        policy: Option<&Policy>,
        now: Timestamp,
    ) -> Result<()> {
        let users = self.known_users()?;
        let context = Context {
            actor,
            policy,
            users: &users,
            now,
            code_key: &self.code_key,
        };
        let synced = self.synced.as_mut().ok_or_else(not_joined)?;
        synced
            .replica
            .import_accounts(drafts.to_vec(), &context)
            .map_err(engine_error)?;
        let outcome = self.rewrite_after(None, BTreeSet::new(), now);
        self.reload_on_failure(outcome)
    }

    /// Queues the erasure of a customer's personal data for the server, which erases its copy
    /// and records it; this desk erases when that event arrives (`rewrite_after_imports`).
    pub(crate) fn request_synced_erasure(
        &mut self,
        erasure: &holdfast_core::erasure::Erasure,
        now: Timestamp,
    ) -> Result<()> {
        let (actor, policy, users) = self.decision_context()?;
        let context = Context {
            actor: &actor,
            policy: policy.as_ref(),
            users: &users,
            now,
            code_key: &self.code_key,
        };
        let synced = self.synced.as_mut().ok_or_else(not_joined)?;
        synced
            .replica
            .erase_personal_data(erasure.account_id, &context)
            .map_err(engine_error)?;
        let saved = synced.replica.save_state().map_err(engine_error)?;
        self.conn
            .execute("UPDATE sync_state SET replica = ?1 WHERE id = 1", [saved])?;
        Ok(())
    }

    /// Writes one newly decided command: its expected events, projected onto the read models.
    fn commit_decided(&mut self, seq: u64, policy: &Policy) -> Result<Decided> {
        let synced = self.synced.as_ref().ok_or_else(not_joined)?;
        let pending = synced
            .replica
            .pending()
            .iter()
            .find(|pending| pending.seq == seq)
            .ok_or_else(|| StoreError::Corrupt("the decided command left the outbox".into()))?;
        let case_id = pending
            .case_id()
            .ok_or_else(|| StoreError::Corrupt("a case command without a case".into()))?;
        let state = synced.replica.view(case_id);
        let facts = match &state {
            Some(state) => Some(self.account_facts(state.account_id)?),
            None => None,
        };
        let saved = synced.replica.save_state().map_err(engine_error)?;
        let events = pending.expected.case_events().to_vec();
        let actor = pending.actor.clone();
        let decided_at = pending.decided_at;
        let version_after = state.as_ref().map_or(0, |state| state.version);
        let first_version = version_after + 1 - events.len() as u64;

        let records = pending_records(
            case_id,
            first_version - 1,
            &events,
            seq,
            Recording {
                actor: &actor,
                policy_version: &policy.version_tag(),
                at: decided_at,
                personal_secret: crate::events::fresh_secret()?,
            },
        )?;
        let tx = self.conn.transaction()?;
        let recorded = match &state {
            Some(after) => {
                let first_seq = next_pending_seq(&tx)?;
                commit_case(
                    &tx,
                    Log::Pending {
                        first_seq,
                        command_seq: seq,
                    },
                    records,
                    after,
                    Some(policy),
                    facts.as_ref(),
                )?
            }
            // Nothing was received on this case, so the command recorded nothing.
            None => Vec::new(),
        };
        tx.execute("UPDATE sync_state SET replica = ?1 WHERE id = 1", [saved])?;
        tx.commit()?;
        Ok(Decided {
            case_id,
            events: recorded,
            version: version_after,
        })
    }

    /// The oldest commands the server has not acknowledged, as one push.
    pub fn next_push(&self, max: usize) -> Result<Option<PushRequest>> {
        let synced = self.synced.as_ref().ok_or_else(not_joined)?;
        synced.replica.next_push(max).map_err(engine_error)
    }

    /// Takes the server's answer to a push and rebases.
    pub fn apply_push_response(&mut self, response: &PushResponse, now: Timestamp) -> Result<()> {
        let (actor, policy, users) = self.decision_context()?;
        let context = Context {
            actor: &actor,
            policy: policy.as_ref(),
            users: &users,
            now,
            code_key: &self.code_key,
        };
        let synced = self.synced.as_mut().ok_or_else(not_joined)?;
        let before = pending_cases(&synced.replica);
        let shown = pending_import_accounts(&synced.replica);
        synced
            .replica
            .on_push_response(response, &context)
            .map_err(engine_error)?;
        let outcome = self.rewrite_after_imports(None, before, shown, now);
        self.reload_on_failure(outcome)
    }

    /// Verifies and applies a pulled page, then rebases. A page proving history was rewritten
    /// stops syncing for good, and that is saved too.
    pub fn apply_pull(&mut self, response: &PullResponse, now: Timestamp) -> Result<PullSummary> {
        let (actor, policy, users) = self.decision_context()?;
        let context = Context {
            actor: &actor,
            policy: policy.as_ref(),
            users: &users,
            now,
            code_key: &self.code_key,
        };
        let synced = self.synced.as_mut().ok_or_else(not_joined)?;
        let before = pending_cases(&synced.replica);
        let shown = pending_import_accounts(&synced.replica);
        let cursor = synced.replica.cursor();
        match synced.replica.apply_pull(response, &context) {
            Ok(summary) => {
                let outcome = self.rewrite_after_imports(Some(cursor), before, shown, now);
                self.reload_on_failure(outcome)?;
                Ok(summary)
            }
            Err(ClientError::HistoryRewritten(reason)) => {
                let saved = synced.replica.save_state().map_err(engine_error)?;
                self.conn
                    .execute("UPDATE sync_state SET replica = ?1 WHERE id = 1", [saved])?;
                Err(StoreError::Sync(ClientError::HistoryRewritten(reason)))
            }
            Err(other) => Err(engine_error(other)),
        }
    }

    /// Issue 12: the work this device decided that the server has not confirmed (its outbox), as
    /// pretty JSON the person can keep and re-enter: what to save before joining the organisation
    /// again when syncing stopped (the server was restored to an earlier point, or its history
    /// changed). Each entry names the case, the command, who decided it and when.
    pub fn export_pending_work(&self) -> Result<String> {
        let synced = self.synced.as_ref().ok_or_else(not_joined)?;
        let replica = &synced.replica;
        // After a restore to an earlier point, the events this device holds beyond the server's
        // last one are gone from the server: kept in the export too, since joining again
        // replaces this device's log with the server's.
        let lost: &[SyncedEvent] = match replica.halted() {
            Some(Tampering::ServerRestored { server_head, .. }) => usize::try_from(*server_head)
                .ok()
                .and_then(|from| replica.log().get(from..))
                .unwrap_or(&[]),
            _ => &[],
        };
        let settled: Vec<Notification> = replica
            .notifications()
            .into_iter()
            .filter(|notification| notification.settled)
            .collect();
        let export = serde_json::json!({
            "server": synced.binding.server,
            "organisation": synced.binding.me.organisation,
            "user": synced.binding.me.user,
            "stopped": replica.halted().map(ToString::to_string),
            "pending": replica.pending(),
            "events_the_server_lost": lost,
            "refused_and_conflicted": settled,
        });
        serde_json::to_string_pretty(&export).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Issue 12: joins the organisation again after syncing stopped (the server was restored to
    /// an earlier point, or its history changed), as the same user, on the same server, with a
    /// new device id `client_id`. `me` is the server's answer now: its checkpoint key must be the
    /// one this profile pinned (a server signing with another key is not the one this profile
    /// synced with). The confirmed log and everything read from it (cases, accounts, tasks,
    /// notes, search) are cleared, to be pulled again from the first event; every pending
    /// command is queued again on top (`Replica::requeued`), so nothing decided here is dropped.
    /// Export first (`export_pending_work`): the log beyond the server's is not kept. Returns how
    /// many commands were queued again. Refused, changing nothing, while syncing has not stopped.
    pub fn rejoin_organisation(&mut self, client_id: Uuid, me: &Me, now: Timestamp) -> Result<u32> {
        let (actor, policy, users) = self.decision_context()?;
        let synced = self.synced.as_ref().ok_or_else(not_joined)?;
        let binding = &synced.binding;
        if synced.replica.halted().is_none() {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "server",
                "syncing has not stopped: there is nothing to join again",
            )));
        }
        if me.user != binding.me.user || me.organisation != binding.me.organisation {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "user",
                format!(
                    "this profile belongs to {} in {}",
                    binding.me.user, binding.me.organisation
                ),
            )));
        }
        if me.checkpoint_key != synced.replica.checkpoint_key() {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "server",
                "the server signs its history with another key than the one this profile pinned \
                 when it first joined: it is not the server this profile synced with. Ask your \
                 administrator; to use that server, make a new profile",
            )));
        }
        let context = Context {
            actor: &actor,
            policy: policy.as_ref(),
            users: &users,
            now,
            code_key: &self.code_key,
        };
        let replica = synced.replica.requeued(client_id, &context);
        let requeued = u32::try_from(replica.pending().len()).unwrap_or(u32::MAX);
        let state = replica.save_state().map_err(engine_error)?;
        let me_json = serde_json::to_string(me).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM pending_events", [])?;
        tx.execute("DELETE FROM events", [])?;
        tx.execute("DELETE FROM audit_head", [])?;
        // Cases, tasks, notes and case search, read again from the (now empty) log.
        crate::case_commands::rebuild_read_models_in(&tx, policy.as_ref())?;
        tx.execute("DELETE FROM account_search", [])?;
        tx.execute("DELETE FROM accounts", [])?;
        tx.execute(
            "UPDATE sync_state SET me = ?1, replica = ?2, last_error = NULL WHERE id = 1",
            rusqlite::params![me_json, state],
        )?;
        tx.commit()?;
        if let Some(synced) = &mut self.synced {
            synced.replica = replica;
            synced.binding.me = me.clone();
            synced.binding.last_error = None;
        }
        // The requeued commands' expected events (a case received here shows again at once).
        let outcome = self.rewrite_after(None, BTreeSet::new(), now);
        self.reload_on_failure(outcome)?;
        self.adopt_server_user(me)?;
        Ok(requeued)
    }

    /// Rejections and conflicts for the user, oldest first.
    pub fn sync_notifications(&self) -> Vec<Notification> {
        self.replica()
            .map(Replica::notifications)
            .unwrap_or_default()
    }

    /// Forgets a settled notification the user has dealt with.
    pub fn dismiss_sync_notification(&mut self, seq: u64) -> Result<bool> {
        let synced = self.synced.as_mut().ok_or_else(not_joined)?;
        if !synced.replica.dismiss(seq) {
            return Ok(false);
        }
        let saved = synced.replica.save_state().map_err(engine_error)?;
        self.conn
            .execute("UPDATE sync_state SET replica = ?1 WHERE id = 1", [saved])?;
        Ok(true)
    }

    pub(crate) fn decision_context(&self) -> Result<(Actor, Option<Policy>, KnownUsers)> {
        // The user and roles as the server last described them, never a local choice.
        let me = &self.synced.as_ref().ok_or_else(not_joined)?.binding.me;
        let actor = Actor {
            user_id: me.user.clone(),
            roles: me.roles.clone(),
            active: me.active,
        };
        Ok((actor, self.policy()?, self.known_users()?))
    }

    /// After the engine changed: appends the confirmed events new since `cursor` (projecting
    /// them), rewrites the pending events, rebuilds the read models of every case whose pending
    /// events changed, and saves the engine's state — in one transaction.
    fn rewrite_after(
        &mut self,
        cursor: Option<u64>,
        before: BTreeSet<Uuid>,
        now: Timestamp,
    ) -> Result<()> {
        self.rewrite_after_imports(cursor, before, BTreeSet::new(), now)
    }

    /// `rewrite_after`, also putting back the accounts that pending imports showed before
    /// (`shown`) and show no more: an import part the server rejected (or the rebase now expects
    /// it to) leaves its accounts as the confirmed log has them, and an account only that part
    /// created leaves the list (unless a case on this device names it).
    fn rewrite_after_imports(
        &mut self,
        cursor: Option<u64>,
        before: BTreeSet<Uuid>,
        shown: BTreeSet<Uuid>,
        now: Timestamp,
    ) -> Result<()> {
        let synced = self.synced.as_ref().ok_or_else(not_joined)?;
        let replica = &synced.replica;
        let mut rebuilt = before;
        rebuilt.extend(pending_cases(replica));
        let appended: &[SyncedEvent] = match cursor {
            Some(cursor) => usize::try_from(cursor)
                .ok()
                .and_then(|from| replica.log().get(from..))
                .unwrap_or(&[]),
            None => &[],
        };
        let saved = replica.save_state().map_err(engine_error)?;
        let policy = self.policy()?;
        let policy_tag = policy.as_ref().map(Policy::version_tag).unwrap_or_default();

        let tx = self.conn.transaction()?;
        let mut erased = false;
        for event in appended {
            let recorded = append_confirmed(&tx, event)?;
            match event.record.aggregate_type.as_str() {
                CASE => {
                    index_note(&tx, &recorded)?;
                    rebuilt.insert(event.record.aggregate_id);
                }
                ACCOUNT if event.record.kind == PERSONAL_DATA_ERASED => {
                    let erasure = Erasure::of(&event.record).map_err(|e| {
                        StoreError::Corrupt(format!("synced erasure {}: {e}", event.seq))
                    })?;
                    crate::erasure::apply_erasure(&tx, &erasure, policy.as_ref(), |_, case_id| {
                        Ok(replica.view(case_id))
                    })?;
                    erased = true;
                }
                ACCOUNT => {
                    let account = account_of(event)?;
                    crate::accounts::upsert_drafts(
                        &tx,
                        &[account.draft],
                        event.record.recorded_at,
                    )?;
                }
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "a synced event of an unknown kind of record: {other}"
                    )))
                }
            }
        }

        let still_shown = pending_import_accounts(replica);
        for id in shown.difference(&still_shown) {
            match replica.account(*id) {
                Some(account) => {
                    crate::accounts::upsert_drafts(&tx, &[account.draft], now)?;
                }
                None => {
                    tx.execute(
                        "DELETE FROM accounts WHERE id = ?1
                           AND NOT EXISTS (SELECT 1 FROM cases WHERE account_id = ?1)",
                        [id.to_string()],
                    )?;
                }
            }
        }

        tx.execute("DELETE FROM pending_events", [])?;
        forget_pending_notes(&tx)?;
        let mut next = PENDING_SEQ_BASE;
        let mut versions: std::collections::BTreeMap<Uuid, u64> = Default::default();
        for pending in replica.pending() {
            if let Expected::Applied { accounts, .. } = &pending.expected {
                let drafts: Vec<AccountDraft> = accounts
                    .iter()
                    .map(|account| account.draft.clone())
                    .collect();
                crate::accounts::upsert_drafts(&tx, &drafts, now)?;
            }
            let Some(case_id) = pending.case_id() else {
                continue;
            };
            let events = pending.expected.case_events();
            let version = versions.entry(case_id).or_insert_with(|| {
                replica
                    .confirmed_view(case_id)
                    .map_or(0, |state| state.version)
            });
            let records = pending_records(
                case_id,
                *version,
                events,
                pending.seq,
                Recording {
                    actor: &pending.actor,
                    policy_version: &policy_tag,
                    at: pending.decided_at,
                    personal_secret: crate::events::fresh_secret()?,
                },
            )?;
            *version += events.len() as u64;
            for record in records {
                let stored = append_pending(&tx, next, pending.seq, record)?;
                index_note(&tx, &stored)?;
                next += 1;
            }
        }
        // Every case the page or the rebase touched is written again from the engine's view of
        // it (confirmed events, then pending ones), after the accounts above, whose facts
        // readiness for finalization needs.
        for case_id in &rebuilt {
            match replica.view(*case_id) {
                Some(state) => {
                    let facts = match facts_in(&tx, state.account_id) {
                        Ok(facts) => Some(facts),
                        Err(StoreError::NotFound { .. }) => None,
                        Err(other) => return Err(other),
                    };
                    write_case_from_log(&tx, &state, policy.as_ref(), facts.as_ref())?;
                }
                None => remove_case(&tx, *case_id)?,
            }
        }
        tx.execute("UPDATE sync_state SET replica = ?1 WHERE id = 1", [saved])?;
        tx.commit()?;
        if erased {
            *self.kept_reports.borrow_mut() = None;
            self.compact_after_erasure()?;
        }
        Ok(())
    }

    /// A failed write leaves the engine ahead of the tables: read it back from what committed.
    fn reload_on_failure<T>(&mut self, outcome: Result<T>) -> Result<T> {
        if outcome.is_err() {
            self.load_sync()?;
        }
        outcome
    }
}

/// A confirmed event as the engine holds it, from its `events` row and sync columns.
fn synced_event(
    recorded: Result<RecordedEvent>,
    origin_client: Option<String>,
    origin_seq: Option<i64>,
    chain_hash: Option<String>,
) -> Result<SyncedEvent> {
    let recorded = recorded?;
    let corrupt =
        |what: &str| StoreError::Corrupt(format!("synced event {}: {what}", recorded.seq));
    let origin = match (origin_client, origin_seq) {
        (Some(client), Some(seq)) => Some(CommandOrigin {
            client_id: Uuid::parse_str(&client).map_err(|_| corrupt("origin client"))?,
            seq: u64::try_from(seq).map_err(|_| corrupt("origin seq"))?,
        }),
        _ => None,
    };
    let chain_hash = chain_hash.ok_or_else(|| corrupt("no server chain hash"))?;
    Ok(SyncedEvent {
        seq: recorded.seq,
        record: recorded.event,
        origin,
        chain_hash,
    })
}

fn not_joined() -> StoreError {
    StoreError::Rule(holdfast_core::CoreError::invalid(
        "server",
        "this profile is not connected to a team server",
    ))
}

/// The cases the outbox's commands touch.
fn pending_cases(replica: &Replica) -> BTreeSet<Uuid> {
    replica
        .pending()
        .iter()
        .filter_map(|pending| pending.case_id())
        .collect()
}

/// The accounts the outbox's imports show (those they are expected to create or change).
fn pending_import_accounts(replica: &Replica) -> BTreeSet<Uuid> {
    replica
        .pending()
        .iter()
        .filter_map(|pending| match &pending.expected {
            Expected::Applied { accounts, .. } => Some(accounts.iter().map(|account| account.id)),
            _ => None,
        })
        .flatten()
        .collect()
}

fn account_of(event: &SyncedEvent) -> Result<Account> {
    event
        .record
        .upserted_account()
        .map_err(|e| StoreError::Corrupt(format!("synced account event {}: {e}", event.seq)))
}

/// Appends a confirmed event at the server's number, with its origin and the server's chain hash.
fn append_confirmed(tx: &Transaction<'_>, event: &SyncedEvent) -> Result<RecordedEvent> {
    let recorded = append(tx, &event.record)?;
    if recorded.seq != event.seq {
        return Err(StoreError::Corrupt(format!(
            "the local log is at {} but the server's event is {}",
            recorded.seq - 1,
            event.seq
        )));
    }
    tx.execute(
        "UPDATE events SET origin_client = :client, origin_seq = :origin_seq,
            server_chain_hash = :hash WHERE seq = :seq",
        named_params! {
            ":client": event.origin.map(|origin| origin.client_id.to_string()),
            ":origin_seq": event.origin.map(|origin| origin.seq as i64),
            ":hash": event.chain_hash,
            ":seq": event.seq as i64,
        },
    )?;
    Ok(recorded)
}

/// The records a pending command's expected events get: named from the command and position, so
/// a rebase that expects the same event gives it the same id.
fn pending_records(
    case_id: Uuid,
    from_version: u64,
    events: &[CaseEvent],
    command_seq: u64,
    recording: Recording<'_>,
) -> Result<Vec<EventRecord>> {
    Ok(EventRecord::for_case(
        case_id,
        from_version,
        events,
        recording,
        |version, kind| {
            Uuid::new_v5(
                &case_id,
                format!("pending:{command_seq}:{version}:{kind}").as_bytes(),
            )
        },
    )?)
}
