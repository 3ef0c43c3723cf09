//! `Replica`: what one device knows — the confirmed organisation log it pulled and verified, its
//! pending commands (the outbox) with their per-client sequence numbers, and the outcomes it
//! learned — and the operations of the sync loop: decide locally, push, take the push's answer,
//! apply a pulled page and rebase.

use std::collections::{BTreeMap, BTreeSet};

use holdfast_core::account::{Account, AccountDraft};
use holdfast_core::audit::ChainHash;
use holdfast_core::erasure::{Erasure, PERSONAL_DATA_ERASED};
use holdfast_core::import::check_import;
use holdfast_core::workflow::{evolve, CaseCommand, CaseEvent, CaseState};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::chain::{expected_hash, parse_hash, parse_key, signed_by};
use super::error::{ClientError, Tampering};
use super::judge::{
    judge_case, judge_erasure, judge_import, Context, Expected, Index, Overlay, Verdict,
};
use crate::protocol::{
    Checkpoint, CommandOutcome, PullResponse, PushRequest, PushResponse, PushedCommand, Rejection,
    SyncCommand, SyncedEvent, MAX_BATCH, MAX_IMPORT_ACCOUNTS,
};

pub use holdfast_core::record::{ACCOUNT, ACCOUNT_UPSERTED, CASE};
/// The kind of the event the server records for a guarded step that lost a race.
pub const CONFLICT_RECORDED: &str = "conflict_recorded";

/// A command decided on this device and not yet settled by the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCommand {
    /// Per client, from 1, no gaps, never reused.
    pub seq: u64,
    /// As pushed: for a case command, with the version it was decided against. That version never
    /// changes on rebase: a guarded step must conflict if the case moved under the user.
    pub command: SyncCommand,
    pub decided_at: Timestamp,
    /// Who decided it (the user signed in on this device then).
    pub actor: String,
    /// The server answered `applied`; the command waits for its events to arrive by pull.
    pub acknowledged: bool,
    /// What the device expects the server to answer, as of the last rebase.
    pub expected: Expected,
}

impl PendingCommand {
    /// The case a case command is for; `None` for an account import.
    pub fn case_id(&self) -> Option<Uuid> {
        match &self.command {
            SyncCommand::Case { case_id, .. } => Some(*case_id),
            SyncCommand::ImportAccounts { .. } | SyncCommand::ErasePersonalData { .. } => None,
        }
    }
}

/// Whether this device had accepted the command's one-time code provisionally (it could not
/// check a code its server sealed): the server's finding it wrong then takes back a verification
/// the person saw, and they are told.
fn code_overturned(command: &PendingCommand) -> bool {
    matches!(
        &command.expected,
        Expected::Applied { case_events, .. } if case_events.iter().any(|event| matches!(
            event,
            CaseEvent::IdentityVerified { provisional: true, .. }
        ))
    )
}

fn code_overturned_problem() -> Problem {
    Problem::Rejected {
        rejection: Rejection::from(&holdfast_core::CoreError::invalid(
            "code",
            "the server checked the code read back and it was wrong: the identity is not \
             verified; enter the code again or send a new one",
        )),
    }
}

/// A command the server did not apply, kept for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub seq: u64,
    pub case_id: Option<Uuid>,
    /// What was attempted, as `CaseCommand::verb` says it ("finalize").
    pub command: String,
    pub actor: String,
    pub decided_at: Timestamp,
    pub problem: Problem,
    /// The server's answer (`true`), or this device's expectation for a command that still waits
    /// to be pushed (`false`: it stays in the outbox so the server answers with authority).
    pub settled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Rejected {
        rejection: Rejection,
    },
    Conflict {
        base_version: u64,
        server_version: u64,
        message: String,
    },
}

/// What applying a pulled page did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullSummary {
    /// Events appended to the confirmed log.
    pub appended: usize,
    /// Pending commands the page settled (their events arrived).
    pub settled: Vec<u64>,
    /// More events wait: pull again from `Replica::cursor`.
    pub more: bool,
}

fn verb(command: &SyncCommand) -> String {
    match command {
        SyncCommand::Case { command, .. } => command.verb().to_owned(),
        SyncCommand::ImportAccounts { accounts } => import_verb(accounts),
        SyncCommand::ErasePersonalData { .. } => "erase a customer's personal data".to_owned(),
    }
}

/// What an import command attempted, naming its accounts by external id, so a rejected part of
/// a large import says which accounts were not imported.
fn import_verb(accounts: &[AccountDraft]) -> String {
    match accounts {
        [] => "import accounts".to_owned(),
        [only] => format!("import account {}", only.external_id.trim()),
        [first, .., last] => format!(
            "import {} accounts, from {} to {} in the file",
            accounts.len(),
            first.external_id.trim(),
            last.external_id.trim()
        ),
    }
}

/// The replica as it is saved: everything but what is folded from the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    client_id: Uuid,
    checkpoint_key: String,
    /// The confirmed organisation log, seq 1..=cursor, verified.
    log: Vec<SyncedEvent>,
    /// Verified checkpoints, by seq.
    checkpoints: BTreeMap<u64, Checkpoint>,
    /// Oldest first.
    pending: Vec<PendingCommand>,
    next_seq: u64,
    /// Settled outcomes, by seq.
    notifications: BTreeMap<u64, Notification>,
    halted: Option<Tampering>,
}

/// `Saved`, borrowed, so the state can be written without copying it.
#[derive(Serialize)]
struct SavedRef<'a> {
    client_id: Uuid,
    checkpoint_key: &'a str,
    log: &'a [SyncedEvent],
    checkpoints: &'a BTreeMap<u64, Checkpoint>,
    pending: &'a [PendingCommand],
    next_seq: u64,
    notifications: &'a BTreeMap<u64, Notification>,
    halted: Option<&'a Tampering>,
}

/// One device's sync state. Pure: no IO, no clock, no randomness; the caller persists it
/// (`save`/`restore`) and carries its messages.
#[derive(Debug, Clone)]
pub struct Replica {
    saved: Saved,
    key: ed25519_dalek::VerifyingKey,
    head: ChainHash,
    index: Index,
}

impl Replica {
    /// A fresh replica for the device `client_id` (drawn once per desktop profile), pinning the
    /// server's checkpoint key (`Me::checkpoint_key` at first sign-in).
    pub fn new(client_id: Uuid, checkpoint_key: &str) -> Result<Replica, ClientError> {
        let key = parse_key(checkpoint_key).ok_or(ClientError::InvalidCheckpointKey)?;
        Ok(Replica {
            saved: Saved {
                client_id,
                checkpoint_key: checkpoint_key.to_owned(),
                log: Vec::new(),
                checkpoints: BTreeMap::new(),
                pending: Vec::new(),
                next_seq: 1,
                notifications: BTreeMap::new(),
                halted: None,
            },
            key,
            head: ChainHash::GENESIS,
            index: Index::default(),
        })
    }

    pub fn client_id(&self) -> Uuid {
        self.saved.client_id
    }

    /// The last event of the confirmed log (0 before any): pull after it.
    pub fn cursor(&self) -> u64 {
        self.saved.log.len() as u64
    }

    /// The confirmed organisation log, in the server's order.
    pub fn log(&self) -> &[SyncedEvent] {
        &self.saved.log
    }

    /// The newest verified checkpoint.
    pub fn last_checkpoint(&self) -> Option<&Checkpoint> {
        self.saved.checkpoints.values().next_back()
    }

    /// Every verified checkpoint, oldest first (the audit export carries them).
    pub fn checkpoints(&self) -> impl Iterator<Item = &Checkpoint> + '_ {
        self.saved.checkpoints.values()
    }

    /// The chain hash at the cursor.
    pub fn head(&self) -> ChainHash {
        self.head
    }

    /// The outbox, oldest first.
    pub fn pending(&self) -> &[PendingCommand] {
        &self.saved.pending
    }

    /// The sequence number the next decided command gets.
    pub fn next_seq(&self) -> u64 {
        self.saved.next_seq
    }

    /// Why this device stopped syncing, if it did.
    pub fn halted(&self) -> Option<&Tampering> {
        self.saved.halted.as_ref()
    }

    /// An account as the device knows it (confirmed, or imported here and not yet confirmed).
    pub fn account(&self, account_id: Uuid) -> Option<Account> {
        self.overlay().account(account_id).cloned()
    }

    /// The account facts a command on `account_id` is decided with, from the confirmed log and
    /// the outbox (see `judge::account_facts` for what the device cannot know).
    pub fn account_facts(
        &self,
        account_id: Uuid,
        users: &super::KnownUsers,
    ) -> Option<holdfast_core::workflow::AccountFacts> {
        self.overlay().facts(account_id, users)
    }

    /// Every case the device knows (confirmed or received here), by id.
    pub fn case_ids(&self) -> BTreeSet<Uuid> {
        let mut ids: BTreeSet<Uuid> = self.index.cases.keys().copied().collect();
        ids.extend(
            self.saved
                .pending
                .iter()
                .filter(|pending| !pending.expected.case_events().is_empty())
                .filter_map(PendingCommand::case_id),
        );
        ids
    }

    /// The case as the server last confirmed it.
    pub fn confirmed_view(&self, case_id: Uuid) -> Option<CaseState> {
        self.index.cases.get(&case_id).cloned()
    }

    /// The case as the user sees it: the confirmed state, then the pending commands' expected
    /// events, in order.
    pub fn view(&self, case_id: Uuid) -> Option<CaseState> {
        self.saved
            .pending
            .iter()
            .filter(|pending| pending.case_id() == Some(case_id))
            .flat_map(|pending| pending.expected.case_events())
            .fold(self.confirmed_view(case_id), evolve)
    }

    /// Commands the server did not apply (settled), then those the device expects it will not
    /// (still in the outbox), oldest first within each.
    pub fn notifications(&self) -> Vec<Notification> {
        let settled = self.saved.notifications.values().cloned();
        let expected = self.saved.pending.iter().filter_map(|pending| {
            let problem = match &pending.expected {
                Expected::Applied { .. } => return None,
                Expected::Rejected { rejection } => Problem::Rejected {
                    rejection: rejection.clone(),
                },
                Expected::Conflict {
                    base_version,
                    server_version,
                    ..
                } => Problem::Conflict {
                    base_version: *base_version,
                    server_version: *server_version,
                    message: conflict_message(*base_version, *server_version),
                },
            };
            Some(Notification {
                seq: pending.seq,
                case_id: pending.case_id(),
                command: verb(&pending.command),
                actor: pending.actor.clone(),
                decided_at: pending.decided_at,
                problem,
                settled: false,
            })
        });
        settled.chain(expected).collect()
    }

    /// Forgets a settled notification once the user has dealt with it.
    pub fn dismiss(&mut self, seq: u64) -> bool {
        self.saved.notifications.remove(&seq).is_some()
    }

    /// Decides a case command against the device's view and queues it with the version it was
    /// decided against. What the engine refuses is refused here, and nothing is queued. Returns
    /// the command's sequence number.
    pub fn decide(
        &mut self,
        case_id: Uuid,
        command: CaseCommand,
        context: &Context<'_>,
    ) -> Result<u64, ClientError> {
        let (verdict, base_version) = {
            let overlay = self.overlay_for(case_id);
            let base_version = overlay.case(case_id).map_or(0, |state| state.version);
            (
                judge_case(&overlay, context, case_id, base_version, &command),
                base_version,
            )
        };
        let expected = accept(verdict)?;
        Ok(self.queue(
            SyncCommand::Case {
                case_id,
                base_version,
                command,
            },
            expected,
            context,
        ))
    }

    /// Queues an account import, checked as the server will check it: the whole import first
    /// (every row valid, every external id once, a user who may import), all or nothing; then
    /// consecutive commands of at most `MAX_IMPORT_ACCOUNTS` accounts, in the file's order, so
    /// the server commits it in short transactions. Returns the sequence numbers queued.
    pub fn import_accounts(
        &mut self,
        accounts: Vec<AccountDraft>,
        context: &Context<'_>,
    ) -> Result<Vec<u64>, ClientError> {
        check_import(context.actor, context.policy, &accounts).map_err(ClientError::Refused)?;
        let chunks: Vec<Vec<AccountDraft>> = if accounts.is_empty() {
            vec![accounts]
        } else {
            accounts
                .chunks(MAX_IMPORT_ACCOUNTS)
                .map(<[AccountDraft]>::to_vec)
                .collect()
        };
        // Each part is judged with the parts before it laid over the log, as the server decides
        // it after them; nothing is queued unless every part is accepted.
        let mut decided = Vec::with_capacity(chunks.len());
        {
            let mut overlay = self.overlay();
            for chunk in chunks {
                let expected = accept(judge_import(&overlay, context, &chunk))?;
                overlay.apply(None, &expected);
                decided.push((chunk, expected));
            }
        }
        let queued = decided
            .into_iter()
            .map(|(accounts, expected)| {
                self.queue(SyncCommand::ImportAccounts { accounts }, expected, context)
            })
            .collect();
        Ok(queued)
    }

    /// Queues the erasure of a customer's personal data, checked as the server will check it (a
    /// user the policy lets erase). The server erases and records it; this device erases its
    /// copy when that event arrives (`apply_pull`). Returns the sequence number queued.
    pub fn erase_personal_data(
        &mut self,
        account_id: Uuid,
        context: &Context<'_>,
    ) -> Result<u64, ClientError> {
        let expected = accept(judge_erasure(context))?;
        Ok(self.queue(
            SyncCommand::ErasePersonalData { account_id },
            expected,
            context,
        ))
    }

    fn queue(&mut self, command: SyncCommand, expected: Expected, context: &Context<'_>) -> u64 {
        let seq = self.saved.next_seq;
        self.saved.next_seq += 1;
        self.saved.pending.push(PendingCommand {
            seq,
            command,
            decided_at: context.now,
            actor: context.actor.user_id.clone(),
            acknowledged: false,
            expected,
        });
        seq
    }

    /// What a decision on `case_id` reads of the confirmed state with the outbox laid over it,
    /// without laying the whole outbox: the case is moved only by its own commands, accounts only
    /// by imports, and the offers an account was granted only by `offer_accepted` events, which
    /// land on the right account only with their own case's commands before them. So those
    /// commands, in order, give the same case and the same account facts as `overlay`, and a
    /// desk that queued thousands of commands offline still decides the next one at once.
    fn overlay_for(&self, case_id: Uuid) -> Overlay<'_> {
        let mut cases: BTreeSet<Uuid> = BTreeSet::from([case_id]);
        cases.extend(self.saved.pending.iter().filter_map(|pending| {
            let grants = pending
                .expected
                .case_events()
                .iter()
                .any(|event| matches!(event, CaseEvent::OfferAccepted { .. }));
            grants.then(|| pending.case_id()).flatten()
        }));
        let mut overlay = Overlay::new(&self.index);
        for pending in &self.saved.pending {
            let relevant = match pending.case_id() {
                Some(id) => cases.contains(&id),
                None => true,
            };
            if relevant {
                overlay.apply(pending.case_id(), &pending.expected);
            }
        }
        overlay
    }

    /// Whether `overlay_for(case_id)` reads the case and its account's facts as the whole
    /// outbox does (for the tests of the shortcut).
    #[cfg(test)]
    pub(crate) fn overlays_agree(&self, case_id: Uuid, users: &super::KnownUsers) -> bool {
        let (whole, part) = (self.overlay(), self.overlay_for(case_id));
        let account = whole.case(case_id).map(|state| state.account_id);
        whole.case(case_id) == part.case(case_id)
            && account.map(|id| whole.facts(id, users)) == account.map(|id| part.facts(id, users))
    }

    /// The confirmed state with the whole outbox laid over it.
    fn overlay(&self) -> Overlay<'_> {
        let mut overlay = Overlay::new(&self.index);
        for pending in &self.saved.pending {
            overlay.apply(pending.case_id(), &pending.expected);
        }
        overlay
    }

    /// The oldest pending commands the server has not acknowledged, at most `max` (and at most
    /// `MAX_BATCH`), with consecutive sequence numbers as the server requires; `None` when there
    /// is nothing to push. Pushing the same request again is safe: the server answers a command
    /// it has seen with its first outcome.
    pub fn next_push(&self, max: usize) -> Result<Option<PushRequest>, ClientError> {
        self.check_syncing()?;
        let mut commands: Vec<PushedCommand> = Vec::new();
        // One push carries at most one import part's accounts: the server decides a push in one
        // transaction, so parts pushed together would hold its writer as long as one big import.
        let mut imported = 0;
        for pending in self.saved.pending.iter().filter(|p| !p.acknowledged) {
            let follows = commands
                .last()
                .is_none_or(|last| last.seq + 1 == pending.seq);
            let carried = pending.command.imported_accounts();
            let too_many = !commands.is_empty() && imported + carried > MAX_IMPORT_ACCOUNTS;
            if !follows || commands.len() >= max.min(MAX_BATCH) || too_many {
                break;
            }
            imported += carried;
            commands.push(PushedCommand {
                seq: pending.seq,
                command: pending.command.clone(),
                decided_at: pending.decided_at,
            });
        }
        Ok((!commands.is_empty()).then_some(PushRequest {
            client_id: self.saved.client_id,
            commands,
        }))
    }

    /// Takes the server's answer to a push: `applied` stays pending until its events arrive by
    /// pull; `rejected` and `conflict` leave the outbox and become notifications. Answers for
    /// commands already settled (a duplicated delivery) change nothing. Then rebases.
    pub fn on_push_response(
        &mut self,
        response: &PushResponse,
        context: &Context<'_>,
    ) -> Result<(), ClientError> {
        self.check_syncing()?;
        for result in &response.results {
            let Some(index) = self
                .saved
                .pending
                .iter()
                .position(|pending| pending.seq == result.seq)
            else {
                continue;
            };
            let problem = match &result.outcome {
                CommandOutcome::Applied => {
                    if let Some(pending) = self.saved.pending.get_mut(index) {
                        pending.acknowledged = true;
                    }
                    continue;
                }
                CommandOutcome::Rejected { rejection } => Problem::Rejected {
                    rejection: rejection.clone(),
                },
                CommandOutcome::Conflict {
                    base_version,
                    server_version,
                    message,
                } => Problem::Conflict {
                    base_version: *base_version,
                    server_version: *server_version,
                    message: message.clone(),
                },
            };
            let pending = self.saved.pending.remove(index);
            self.settle(&pending, problem);
        }
        self.rebase(context);
        Ok(())
    }

    fn settle(&mut self, pending: &PendingCommand, problem: Problem) {
        self.saved.notifications.insert(
            pending.seq,
            Notification {
                seq: pending.seq,
                case_id: pending.case_id(),
                command: verb(&pending.command),
                actor: pending.actor.clone(),
                decided_at: pending.decided_at,
                problem,
                settled: true,
            },
        );
    }

    fn check_syncing(&self) -> Result<(), ClientError> {
        match &self.saved.halted {
            Some(reason) => Err(ClientError::HistoryRewritten(reason.clone())),
            None => Ok(()),
        }
    }

    /// Verifies and applies a pulled page, then rebases the outbox on it.
    ///
    /// Verification comes first and is all-or-nothing: events already held must come back
    /// identical; new events must follow the cursor without a gap and continue the chain; a
    /// checkpoint must carry the pinned key's signature and match the chain at its `seq`. A
    /// page that proves history changed stops syncing for good (`HistoryRewritten`, saved with
    /// the replica); a page that merely does not fit (a gap, an unreadable event) is refused
    /// and changes nothing.
    ///
    /// Then: the new events are appended; pending commands whose events arrived (matched by
    /// `origin`) leave the outbox — a `conflict_recorded` among them becomes a conflict
    /// notification even when the push's answer was lost; an acknowledged import with no events
    /// leaves it once the pull reaches the end of the log (call this with pulls issued after
    /// `on_push_response`); and every command still pending is decided again, in order.
    pub fn apply_pull(
        &mut self,
        response: &PullResponse,
        context: &Context<'_>,
    ) -> Result<PullSummary, ClientError> {
        self.check_syncing()?;
        let fresh = match self.verify(response) {
            Ok(fresh) => fresh,
            Err(Verification::Tampered(reason)) => {
                self.saved.halted = Some(reason.clone());
                return Err(ClientError::HistoryRewritten(reason));
            }
            Err(Verification::Refused(error)) => return Err(error),
        };

        let mut summary = PullSummary {
            appended: fresh.len(),
            settled: Vec::new(),
            more: response.more,
        };
        let mut arrived: BTreeMap<u64, Option<Problem>> = BTreeMap::new();
        let mut codes_rejected = BTreeSet::new();
        let mut erased = false;
        for (event, decoded) in fresh {
            match decoded {
                Decoded::Case(case_event) => {
                    self.index
                        .apply_case(event.record.aggregate_id, &case_event);
                    if let Some(origin) = event.origin {
                        if origin.client_id == self.saved.client_id {
                            let problem = match case_event {
                                CaseEvent::ConflictRecorded {
                                    base_version,
                                    server_version,
                                    ..
                                } => Some(Problem::Conflict {
                                    base_version,
                                    server_version,
                                    message: conflict_message(base_version, server_version),
                                }),
                                // The server checked a code this device accepted provisionally
                                // (see `code_overturned`).
                                CaseEvent::OneTimeCodeRejected { .. } => {
                                    codes_rejected.insert(origin.seq);
                                    None
                                }
                                _ => None,
                            };
                            let entry = arrived.entry(origin.seq).or_default();
                            if problem.is_some() {
                                *entry = problem;
                            }
                        }
                    }
                }
                Decoded::Account(account) => {
                    self.index.apply_account(*account);
                    if let Some(origin) = event.origin {
                        if origin.client_id == self.saved.client_id {
                            arrived.entry(origin.seq).or_default();
                        }
                    }
                }
                Decoded::Erasure(erasure) => {
                    erase_held(&mut self.saved.log, &erasure);
                    erased = true;
                    if let Some(origin) = event.origin {
                        if origin.client_id == self.saved.client_id {
                            arrived.entry(origin.seq).or_default();
                        }
                    }
                }
            }
            if let Some(hash) = parse_hash(&event.chain_hash) {
                self.head = hash;
            }
            self.saved.log.push(event);
        }
        if erased {
            // What was folded from the erased events (requesters, accounts) is folded again.
            self.index = index_of(&self.saved.log);
        }
        if let Some(checkpoint) = &response.checkpoint {
            self.saved
                .checkpoints
                .insert(checkpoint.seq, checkpoint.clone());
        }

        // A sequence number the server has seen must never be used again, even if this replica
        // was restored from an older save.
        if let Some(highest) = arrived.keys().next_back() {
            self.saved.next_seq = self.saved.next_seq.max(highest + 1);
        }
        let pending = std::mem::take(&mut self.saved.pending);
        for command in pending {
            match arrived.get(&command.seq) {
                Some(problem) => {
                    if let Some(problem) = problem {
                        self.settle(&command, problem.clone());
                    } else if codes_rejected.contains(&command.seq) && code_overturned(&command) {
                        self.settle(&command, code_overturned_problem());
                    }
                    summary.settled.push(command.seq);
                }
                None if command.acknowledged
                    && !response.more
                    && matches!(command.command, SyncCommand::ImportAccounts { .. }) =>
                {
                    // The server applied it and recorded nothing (every account unchanged).
                    summary.settled.push(command.seq);
                }
                None => self.saved.pending.push(command),
            }
        }
        self.rebase(context);
        Ok(summary)
    }

    /// Checks a page against the log; returns the events new to this device, decoded.
    fn verify(&self, response: &PullResponse) -> Result<Vec<(SyncedEvent, Decoded)>, Verification> {
        let log = &self.saved.log;
        if let Some(server_head) = response.head {
            let device_head = log.len() as u64;
            if server_head < device_head {
                return Err(Verification::Tampered(Tampering::ServerRestored {
                    server_head,
                    device_head,
                }));
            }
        }
        let mut fresh: Vec<(SyncedEvent, Decoded)> = Vec::new();
        let mut head = self.head;
        for event in &response.events {
            let cursor = log.len() as u64 + fresh.len() as u64;
            if event.seq == 0 {
                return Err(Verification::Refused(ClientError::Protocol(
                    "an event numbered 0".into(),
                )));
            }
            if event.seq <= cursor {
                // Already held (a page delivered twice, or a pull that overlapped another): it
                // must come back exactly as it was verified.
                if !held_at(log, &fresh, event.seq).is_some_and(|held| same_event(held, event)) {
                    return Err(Verification::Tampered(Tampering::EventChanged {
                        seq: event.seq,
                    }));
                }
                continue;
            }
            if event.seq != cursor + 1 {
                return Err(Verification::Refused(ClientError::Protocol(format!(
                    "expected event {} next, got event {}",
                    cursor + 1,
                    event.seq
                ))));
            }
            let expected = expected_hash(&head, event);
            if parse_hash(&event.chain_hash) != Some(expected) {
                return Err(Verification::Tampered(Tampering::ChainBroken {
                    seq: event.seq,
                }));
            }
            head = expected;
            let decoded = decode(event).map_err(Verification::Refused)?;
            fresh.push((event.clone(), decoded));
        }
        if let Some(checkpoint) = &response.checkpoint {
            if !signed_by(&self.key, checkpoint) {
                return Err(Verification::Tampered(Tampering::BadSignature {
                    seq: checkpoint.seq,
                }));
            }
            let end = log.len() as u64 + fresh.len() as u64;
            if checkpoint.seq == 0 || checkpoint.seq > end {
                return Err(Verification::Refused(ClientError::Protocol(format!(
                    "a checkpoint at event {}, outside the events 1..={end} this device holds",
                    checkpoint.seq
                ))));
            }
            let matches = held_at(log, &fresh, checkpoint.seq)
                .is_some_and(|held| held.chain_hash == checkpoint.chain_hash);
            if !matches {
                return Err(Verification::Tampered(Tampering::CheckpointMismatch {
                    seq: checkpoint.seq,
                }));
            }
        }
        Ok(fresh)
    }

    /// Decides every pending command again, in order, against the confirmed state with the
    /// commands before it laid over it — what the server will have when it reaches each. The
    /// base version of a case command never changes, so a guarded step on a case that moved is
    /// expected to conflict. A command that no longer decides stays in the outbox (its sequence
    /// number must reach the server, and the server's answer is the authority — the device may
    /// not know everything the server does); `notifications` shows it as expected to fail.
    fn rebase(&mut self, context: &Context<'_>) {
        let mut pending = std::mem::take(&mut self.saved.pending);
        {
            let mut overlay = Overlay::new(&self.index);
            for command in &mut pending {
                let verdict = match &command.command {
                    SyncCommand::Case {
                        case_id,
                        base_version,
                        command: case_command,
                    } => judge_case(&overlay, context, *case_id, *base_version, case_command),
                    SyncCommand::ImportAccounts { accounts } => {
                        judge_import(&overlay, context, accounts)
                    }
                    SyncCommand::ErasePersonalData { .. } => judge_erasure(context),
                };
                command.expected = match (command.acknowledged, Expected::from(verdict)) {
                    // Applied on the server: show what the device can work out until its events
                    // arrive.
                    (true, expected @ Expected::Applied { .. }) => expected,
                    (true, _) => Expected::Applied {
                        case_events: Vec::new(),
                        accounts: Vec::new(),
                    },
                    (false, expected) => expected,
                };
                overlay.apply(command.case_id(), &command.expected);
            }
        }
        self.saved.pending = pending;
    }

    /// The server's checkpoint key this device pinned at its first sign-in.
    pub fn checkpoint_key(&self) -> &str {
        &self.saved.checkpoint_key
    }

    /// Issue 12: the replica a device starts from when it joins the organisation again after
    /// syncing stopped (the server was restored to an earlier point, or its history changed). It
    /// has a new device id (`client_id`: the server's record of the old id's sequence numbers is
    /// from before the restore, so the old numbers would leave gaps or collide), the same pinned
    /// checkpoint key, an empty log (the server's history is pulled from the first event again)
    /// and no stop. Every pending command is queued again, in its order, numbered from 1 and not
    /// acknowledged (an acknowledgement from before the restore may be one the restored server
    /// lost), with the case version it was decided against: pushed to the restored server, each
    /// is applied, rejected or conflicts like any pending command. The outcomes the device had
    /// already learned (`notifications`) belong to the old numbers and are not carried over.
    pub fn requeued(&self, client_id: Uuid, context: &Context<'_>) -> Replica {
        let pending = self
            .saved
            .pending
            .iter()
            .zip(1u64..)
            .map(|(command, seq)| PendingCommand {
                seq,
                acknowledged: false,
                ..command.clone()
            })
            .collect::<Vec<_>>();
        let mut replica = Replica {
            saved: Saved {
                client_id,
                checkpoint_key: self.saved.checkpoint_key.clone(),
                log: Vec::new(),
                checkpoints: BTreeMap::new(),
                next_seq: pending.len() as u64 + 1,
                pending,
                notifications: BTreeMap::new(),
                halted: None,
            },
            key: self.key,
            head: ChainHash::GENESIS,
            index: Index::default(),
        };
        replica.rebase(context);
        replica
    }

    /// The replica as JSON, to keep in the device's store: nothing typed offline is lost when the
    /// app closes before it syncs.
    pub fn save(&self) -> Result<String, ClientError> {
        serde_json::to_string(&self.saved)
            .map_err(|error| ClientError::Restore(format!("cannot be written: {error}")))
    }

    /// Everything but the log, as JSON: for a store that keeps the confirmed log in a table of
    /// its own (appended as pages arrive) and this small state beside it, rewritten per command.
    pub fn save_state(&self) -> Result<String, ClientError> {
        let saved = &self.saved;
        serde_json::to_string(&SavedRef {
            client_id: saved.client_id,
            checkpoint_key: &saved.checkpoint_key,
            log: &[],
            checkpoints: &saved.checkpoints,
            pending: &saved.pending,
            next_seq: saved.next_seq,
            notifications: &saved.notifications,
            halted: saved.halted.as_ref(),
        })
        .map_err(|error| ClientError::Restore(format!("cannot be written: {error}")))
    }

    /// A replica from `save_state`'s JSON and the log kept beside it, verified as `restore` does.
    pub fn restore_with_log(state: &str, log: Vec<SyncedEvent>) -> Result<Replica, ClientError> {
        let mut saved: Saved = serde_json::from_str(state)
            .map_err(|error| ClientError::Restore(format!("unreadable: {error}")))?;
        if !saved.log.is_empty() {
            return Err(ClientError::Restore(
                "the saved state carries a log of its own".into(),
            ));
        }
        saved.log = log;
        Replica::from_saved(saved)
    }

    /// A replica from `save`'s JSON. Its log is verified again from the first event (a saved log
    /// that no longer verifies is refused), and what is folded from it is rebuilt.
    pub fn restore(json: &str) -> Result<Replica, ClientError> {
        let saved: Saved = serde_json::from_str(json)
            .map_err(|error| ClientError::Restore(format!("unreadable: {error}")))?;
        Replica::from_saved(saved)
    }

    fn from_saved(saved: Saved) -> Result<Replica, ClientError> {
        let key = parse_key(&saved.checkpoint_key).ok_or(ClientError::InvalidCheckpointKey)?;
        let mut head = ChainHash::GENESIS;
        let mut index = Index::default();
        for (position, event) in saved.log.iter().enumerate() {
            let expected = expected_hash(&head, event);
            if event.seq != position as u64 + 1 || parse_hash(&event.chain_hash) != Some(expected) {
                return Err(ClientError::Restore(format!(
                    "the saved log does not verify at event {}",
                    position + 1
                )));
            }
            head = expected;
            match decode(event).map_err(|error| ClientError::Restore(error.to_string()))? {
                Decoded::Case(case_event) => {
                    index.apply_case(event.record.aggregate_id, &case_event)
                }
                Decoded::Account(account) => index.apply_account(*account),
                // The log is held as erased already.
                Decoded::Erasure(_) => {}
            }
        }
        for checkpoint in saved.checkpoints.values() {
            let held = checkpoint
                .seq
                .checked_sub(1)
                .and_then(|index| usize::try_from(index).ok())
                .and_then(|index| saved.log.get(index));
            if !signed_by(&key, checkpoint)
                || held.is_none_or(|held| held.chain_hash != checkpoint.chain_hash)
            {
                return Err(ClientError::Restore(format!(
                    "the saved checkpoint at event {} does not verify",
                    checkpoint.seq
                )));
            }
        }
        let pending_seqs = saved
            .pending
            .windows(2)
            .all(|pair| matches!(pair, [first, second] if first.seq < second.seq));
        if !pending_seqs
            || saved
                .pending
                .last()
                .is_some_and(|last| last.seq >= saved.next_seq)
        {
            return Err(ClientError::Restore(
                "the saved outbox is out of order".into(),
            ));
        }
        Ok(Replica {
            saved,
            key,
            head,
            index,
        })
    }
}

fn accept(verdict: Verdict) -> Result<Expected, ClientError> {
    match verdict {
        Verdict::Rejected(error) => Err(ClientError::Refused(error)),
        // A command decided now is decided against the current version: it cannot conflict.
        Verdict::Conflict { .. } => Err(ClientError::Protocol(
            "a command decided now conflicted with itself".into(),
        )),
        applied => Ok(applied.into()),
    }
}

fn conflict_message(base_version: u64, server_version: u64) -> String {
    format!(
        "the case changed (version {base_version} → {server_version}) before this could be \
         applied; it was not applied and the conflict is recorded on the case"
    )
}

/// The event at `seq` among the held log followed by the page's new events.
fn held_at<'a>(
    log: &'a [SyncedEvent],
    fresh: &'a [(SyncedEvent, Decoded)],
    seq: u64,
) -> Option<&'a SyncedEvent> {
    let index = usize::try_from(seq.checked_sub(1)?).ok()?;
    match index.checked_sub(log.len()) {
        None => log.get(index),
        Some(beyond) => fresh.get(beyond).map(|(event, _)| event),
    }
}

enum Verification {
    /// History changed: stop syncing.
    Tampered(Tampering),
    /// The page does not fit; refuse it and change nothing.
    Refused(ClientError),
}

enum Decoded {
    Case(CaseEvent),
    // Boxed: an account is several times the size of a case event.
    Account(Box<Account>),
    /// A customer's personal data was erased: the events it covers are held erased from now on.
    Erasure(Erasure),
}

fn decode(event: &SyncedEvent) -> Result<Decoded, ClientError> {
    let unreadable = |message: String| ClientError::UnreadableEvent {
        seq: event.seq,
        message,
    };
    let record = &event.record;
    match (record.aggregate_type.as_str(), record.kind.as_str()) {
        (CASE, _) => record
            .case_event()
            .map(Decoded::Case)
            .map_err(|error| unreadable(error.to_string())),
        (ACCOUNT, ACCOUNT_UPSERTED) => {
            let account = record
                .upserted_account()
                .map_err(|error| unreadable(error.to_string()))?;
            if account.id != record.aggregate_id {
                return Err(unreadable("an account event for another account".into()));
            }
            Ok(Decoded::Account(Box::new(account)))
        }
        (ACCOUNT, PERSONAL_DATA_ERASED) => Erasure::of(record)
            .map(Decoded::Erasure)
            .map_err(|error| unreadable(error.to_string())),
        (aggregate, kind) => Err(unreadable(format!("unknown event {aggregate}/{kind}"))),
    }
}

/// Takes the personal data out of the held events `erasure` covers: each keeps its hashed form, so
/// its chain hash still holds.
fn erase_held(log: &mut [SyncedEvent], erasure: &Erasure) {
    for event in log.iter_mut() {
        if !erasure.covers(&event.record) {
            continue;
        }
        let record = &mut event.record;
        if let Some(payload) =
            holdfast_core::personal::erased(&record.aggregate_type, &record.kind, &record.payload)
        {
            record.payload = payload;
        }
    }
}

/// The same event, or the same event on one side erased: everything but the payload equal, and
/// the payloads' hashed forms (what the chain hashes) equal.
fn same_event(held: &SyncedEvent, event: &SyncedEvent) -> bool {
    if held == event {
        return true;
    }
    let (a, b) = (&held.record, &event.record);
    let hashed = |record: &holdfast_core::record::EventRecord| {
        holdfast_core::personal::hashed_form(&record.aggregate_type, &record.kind, &record.payload)
            .into_owned()
    };
    held.seq == event.seq
        && held.origin == event.origin
        && held.chain_hash == event.chain_hash
        && a.id == b.id
        && a.aggregate_type == b.aggregate_type
        && a.aggregate_id == b.aggregate_id
        && a.aggregate_version == b.aggregate_version
        && a.kind == b.kind
        && a.actor == b.actor
        && a.policy_version == b.policy_version
        && a.recorded_at == b.recorded_at
        && hashed(a) == hashed(b)
}

/// What is folded from a verified log: cases and accounts.
fn index_of(log: &[SyncedEvent]) -> Index {
    let mut index = Index::default();
    for event in log {
        match decode(event) {
            Ok(Decoded::Case(case_event)) => {
                index.apply_case(event.record.aggregate_id, &case_event)
            }
            Ok(Decoded::Account(account)) => index.apply_account(*account),
            // Verified when it arrived; an erasure folds to nothing.
            Ok(Decoded::Erasure(_)) | Err(_) => {}
        }
    }
    index
}
