//! The rules for a pushed command, storage-agnostic: pure functions over data a backend loaded
//! inside its transaction. A backend (see `store::ServerStore::push_command`) does, in ONE
//! transaction:
//!
//! 1. `actor_of` the user re-read from its records (a deactivated user is refused);
//! 2. `check_sequence` with the stored outcome of `(client_id, seq)` and the client's last seq;
//! 3. for a case command: load the case's history, `account_to_load`, the account, whether its
//!    original sales rep is an active user, the offers accepted on its cases and the current
//!    policy, then `decide_case`; for an account import: load the accounts by external id, then
//!    `decide_import`;
//! 4. write the `Decision`: its events chained with `link` onto the organisation's counter, its
//!    read-model rows, and its outcome under `(client_id, seq)`.
//!
//! So SQLite and PostgreSQL decide identically, and a retry after a lost acknowledgement gets the
//! stored answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use holdfast_core::account::{account_id, Account, AccountDraft};
use holdfast_core::audit::ChainHash;
use holdfast_core::decision::{self, Verdict};
use holdfast_core::import::check_import;
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::record::{EventRecord, Recording};
use holdfast_core::workflow::{
    evolve, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState, RepStatus,
};
use holdfast_sync::protocol::{CommandOrigin, CommandOutcome, PublishedPolicy, Rejection};
use jiff::Timestamp;
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::store::{AccountRecord, UserRecord};

use holdfast_core::erasure::Erasure;
pub use holdfast_core::record::{ACCOUNT, ACCOUNT_UPSERTED, CASE};
/// What events record as the policy when the organisation has published none.
pub const NO_POLICY: &str = "none";

/// An event decided on the server, before it gets its place in the organisation's log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub record: EventRecord,
    /// The pushed command that produced it.
    pub origin: Option<CommandOrigin>,
}

/// The counter value and chain hash of the event that follows `previous` (`(0, GENESIS)` for the
/// first event of an organisation).
pub fn link(previous: (u64, ChainHash), event: &NewEvent) -> (u64, ChainHash) {
    let seq = previous.0 + 1;
    (seq, ChainHash::link(&previous.1, seq, &event.record))
}

/// The case row a decision leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub version: u64,
}

/// What a pushed command does to the store: everything is written in one transaction, the
/// outcome included.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub outcome: CommandOutcome,
    /// In order; empty for a rejection.
    pub events: Vec<NewEvent>,
    /// The case's read-model row after the events, for a case command that recorded any.
    pub case: Option<CaseRow>,
    /// Accounts to upsert (with their new versions), for an import or an erasure.
    pub accounts: Vec<AccountRecord>,
    /// The erasure to carry out on the stored events it covers, for an erasure.
    pub erasure: Option<Erasure>,
}

impl Decision {
    fn rejected(rejection: Rejection) -> Decision {
        Decision {
            outcome: CommandOutcome::Rejected { rejection },
            events: Vec::new(),
            case: None,
            accounts: Vec::new(),
            erasure: None,
        }
    }
}

/// The user as the engine sees them, from the server's records; a deactivated user pushes
/// nothing.
pub fn actor_of(user: &UserRecord) -> Result<Actor> {
    if !user.active {
        return Err(ServerError::Inactive(user.name.clone()));
    }
    Ok(Actor {
        user_id: user.name.clone(),
        roles: user.roles.clone(),
        active: user.active,
    })
}

/// Where a pushed sequence number stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sequence {
    /// Seen before: answer this and apply nothing.
    Duplicate(CommandOutcome),
    /// The next one: decide it.
    Next,
}

/// `stored` is the outcome recorded under `(client_id, seq)`, `last_seq` the client's highest
/// recorded seq (0 for a new client).
pub fn check_sequence(stored: Option<CommandOutcome>, last_seq: u64, seq: u64) -> Result<Sequence> {
    if let Some(outcome) = stored {
        return Ok(Sequence::Duplicate(outcome));
    }
    let Some(expected) = last_seq.checked_add(1) else {
        return Err(ServerError::invalid("seq", "is out of range"));
    };
    if seq != expected {
        return Err(ServerError::SequenceGap { expected, got: seq });
    }
    Ok(Sequence::Next)
}

/// Whether `user_id` may push under `client_id`, whose owner as stored is `owner` (`None` for a
/// client id never pushed with): a client id belongs to the user who first pushed with it, so
/// nobody can spend a colleague's sequence numbers (they are in every pulled event) and have the
/// colleague's real commands answered as duplicates and dropped. `Ok(true)` when the client id
/// is new and must be bound to the user in the push's transaction.
pub fn check_client_owner(owner: Option<Uuid>, user_id: Uuid, client_id: Uuid) -> Result<bool> {
    match owner {
        None => Ok(true),
        Some(owner) if owner == user_id => Ok(false),
        Some(_) => Err(ServerError::ClientOfAnotherUser { client_id }),
    }
}

/// Folds a case's history into its state.
pub fn fold(history: &[CaseEvent]) -> Option<CaseState> {
    history.iter().fold(None, evolve)
}

pub use holdfast_core::account::validate_draft;
pub use holdfast_core::decision::account_to_load;

/// Everything `decide_case` needs, as loaded by a backend inside its transaction.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The case's events, oldest first (empty for a case not received yet).
    pub history: Vec<CaseEvent>,
    /// The account `account_to_load` named, when the server has it.
    pub account: Option<AccountRecord>,
    /// Whether the account's original sales rep is an active user of the organisation.
    pub sales_rep_status: RepStatus,
    /// Offer ids accepted on any case of the account.
    pub offers_granted: Vec<String>,
    /// The organisation's current policy, parsed.
    pub policy: Option<Arc<Policy>>,
}

/// The facts the engine decides with, from the server's own accounts and users.
pub fn account_facts(loaded: &LoadedCase) -> Option<AccountFacts> {
    loaded.account.as_ref().map(|account| {
        decision::account_facts(
            &account.draft,
            loaded.sales_rep_status,
            loaded.offers_granted.clone(),
        )
    })
}

/// A fresh random value for one batch of recorded events: their personal-data salts are derived
/// from it (`holdfast_core::personal`), and it is never stored.
pub(crate) fn fresh_secret() -> Result<[u8; 16]> {
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret)
        .map_err(|error| ServerError::Corrupt(format!("no randomness for a salt: {error}")))?;
    Ok(secret)
}

fn policy_tag(policy: Option<&Policy>) -> String {
    policy.map_or_else(|| NO_POLICY.to_owned(), Policy::version_tag)
}

/// Case events as the log records them.
fn case_events(
    case_id: Uuid,
    from_version: u64,
    events: &[CaseEvent],
    recording: Recording<'_>,
    origin: CommandOrigin,
) -> Result<Vec<NewEvent>> {
    Ok(
        EventRecord::for_case(case_id, from_version, events, recording, |_, _| {
            Uuid::now_v7()
        })
        .map_err(|e| ServerError::Corrupt(format!("a case event: {e}")))?
        .into_iter()
        .map(|record| NewEvent {
            record,
            origin: Some(origin),
        })
        .collect(),
    )
}

/// Decides a case command against the server's state: a guarded step decided against a version
/// the case has moved past becomes a recorded conflict; anything else is decided again by the
/// engine with the user as the server knows them.
pub fn decide_case(
    loaded: &LoadedCase,
    actor: &Actor,
    origin: CommandOrigin,
    case_id: Uuid,
    base_version: u64,
    command: &CaseCommand,
    now: Timestamp,
) -> Result<Decision> {
    let state = fold(&loaded.history);
    let policy = loaded.policy.as_deref();
    let tag = policy_tag(policy);
    let facts = account_facts(loaded);
    let version = state.as_ref().map_or(0, |state| state.version);
    match decision::decide_case(
        state.as_ref(),
        facts.as_ref(),
        policy,
        actor,
        case_id,
        base_version,
        command,
        now,
    ) {
        Verdict::Rejected(error) => Ok(Decision::rejected(Rejection::from(&error))),
        Verdict::Conflict {
            base_version,
            server_version,
            event,
        } => {
            let events = case_events(
                case_id,
                server_version,
                &[event],
                Recording {
                    actor: &actor.user_id,
                    policy_version: &tag,
                    at: now,
                    personal_secret: crate::push::fresh_secret()?,
                },
                origin,
            )?;
            let account_id = state.as_ref().map(|state| state.account_id);
            Ok(Decision {
                outcome: CommandOutcome::Conflict {
                    base_version,
                    server_version,
                    message: format!(
                        "the case changed (version {base_version} → {server_version}) before \
                         this could be applied; it was not applied and the conflict is recorded \
                         on the case"
                    ),
                },
                events,
                case: account_id.map(|account_id| CaseRow {
                    id: case_id,
                    account_id,
                    version: server_version + 1,
                }),
                accounts: Vec::new(),
                erasure: None,
            })
        }
        Verdict::Applied(decided) => {
            let events = case_events(
                case_id,
                version,
                &decided,
                Recording {
                    actor: &actor.user_id,
                    policy_version: &tag,
                    at: now,
                    personal_secret: crate::push::fresh_secret()?,
                },
                origin,
            )?;
            let case = account_to_load(state.as_ref(), command)
                .filter(|_| !events.is_empty())
                .map(|account_id| CaseRow {
                    id: case_id,
                    account_id,
                    version: version + events.len() as u64,
                });
            Ok(Decision {
                outcome: CommandOutcome::Applied,
                events,
                case,
                accounts: Vec::new(),
                erasure: None,
            })
        }
    }
}

/// Decides an account import: at most `protocol::MAX_IMPORT_ACCOUNTS` accounts, every draft valid and
/// every external id once, else the whole command is rejected; then one `account_upserted` event per account that is new or differs.
/// `existing[i]` is the stored account with `drafts[i]`'s external id (left empty by a backend
/// for a command over the bound, which is rejected before anything is read).
pub fn decide_import(
    actor: &Actor,
    origin: CommandOrigin,
    drafts: &[AccountDraft],
    existing: &[Option<AccountRecord>],
    policy: Option<&Policy>,
    now: Timestamp,
) -> Result<Decision> {
    // Checked first: a backend loads nothing for a command over the bound (`import_too_large`).
    if let Some(rejection) = Rejection::import_too_large(drafts.len()) {
        return Ok(Decision::rejected(rejection));
    }
    if existing.len() != drafts.len() {
        return Err(ServerError::Corrupt(
            "an import was loaded with the wrong number of accounts".into(),
        ));
    }
    if let Err(error) = check_import(actor, policy, drafts) {
        return Ok(Decision::rejected(Rejection::from(&error)));
    }
    let tag = policy_tag(policy);
    let mut events = Vec::new();
    let mut accounts = Vec::new();
    for (draft, stored) in drafts.iter().zip(existing) {
        let mut draft = draft.clone();
        draft.external_id = draft.external_id.trim().to_owned();
        // An erased customer stays erased: a re-import must not bring back what they asked to
        // be forgotten.
        if stored.as_ref().is_some_and(|stored| {
            stored.draft == draft || holdfast_core::erasure::is_erased(&stored.draft)
        }) {
            continue;
        }
        let id = account_id(&draft.external_id);
        let version = stored.as_ref().map_or(0, |stored| stored.version) + 1;
        let record = EventRecord::account_upserted(
            Uuid::now_v7(),
            &Account {
                id,
                draft: draft.clone(),
            },
            version,
            Recording {
                actor: &actor.user_id,
                policy_version: &tag,
                at: now,
                personal_secret: crate::push::fresh_secret()?,
            },
        )
        .map_err(|e| ServerError::Corrupt(format!("an account event: {e}")))?;
        events.push(NewEvent {
            record,
            origin: Some(origin),
        });
        accounts.push(AccountRecord { id, draft, version });
    }
    Ok(Decision {
        outcome: CommandOutcome::Applied,
        events,
        case: None,
        accounts,
        erasure: None,
    })
}

/// Decides the erasure of the customer `account_id`'s personal data (`account` as stored, and the
/// ids of its cases): the policy must let the user erase, and the account must exist. Applied, it
/// is one `personal_data_erased` event on the account (its next version), the account's stored
/// draft with its name and contacts erased, and the erasure for the backend to carry out on the
/// stored events it covers, in the same transaction.
pub fn decide_erasure(
    actor: &Actor,
    origin: CommandOrigin,
    account_id: Uuid,
    account: Option<&AccountRecord>,
    cases: Vec<Uuid>,
    policy: Option<&Policy>,
    now: Timestamp,
) -> Result<Decision> {
    if let Err(error) = holdfast_core::erasure::may_erase(actor, policy) {
        return Ok(Decision::rejected(Rejection::from(&error)));
    }
    let Some(account) = account else {
        return Ok(Decision::rejected(Rejection {
            field: Some("account_id".into()),
            message: format!("no account {account_id} in the organisation"),
        }));
    };
    let erasure = holdfast_core::erasure::on_request(account_id, cases);
    let version = account.version + 1;
    let record = erasure
        .record(
            Uuid::now_v7(),
            version,
            Recording {
                actor: &actor.user_id,
                policy_version: &policy_tag(policy),
                at: now,
                personal_secret: fresh_secret()?,
            },
        )
        .map_err(|e| ServerError::Corrupt(format!("an erasure event: {e}")))?;
    Ok(Decision {
        outcome: CommandOutcome::Applied,
        events: vec![NewEvent {
            record,
            origin: Some(origin),
        }],
        case: None,
        accounts: vec![AccountRecord {
            id: account_id,
            draft: holdfast_core::erasure::erased_draft(&account.draft),
            version,
        }],
        erasure: Some(erasure),
    })
}

/// The actor the server records its own erasures under (the policy's retention period): no user
/// asked for them.
pub const RETENTION_ACTOR: &str = "holdfast-server (retention period)";

/// The server's own erasure when the policy's retention period ran out (`crate::retention`): one
/// `personal_data_erased` event on the account (its next version, with no origin: no device asked
/// for it), the account's stored draft erased when the erasure covers it, and the erasure for the
/// backend to carry out.
pub fn decide_retention(
    erasure: &Erasure,
    account: &AccountRecord,
    policy: &Policy,
    now: Timestamp,
) -> Result<Decision> {
    let version = account.version + 1;
    let record = erasure
        .record(
            Uuid::now_v7(),
            version,
            Recording {
                actor: RETENTION_ACTOR,
                policy_version: &policy.version_tag(),
                at: now,
                personal_secret: fresh_secret()?,
            },
        )
        .map_err(|e| ServerError::Corrupt(format!("an erasure event: {e}")))?;
    let draft = if erasure.account {
        holdfast_core::erasure::erased_draft(&account.draft)
    } else {
        account.draft.clone()
    };
    Ok(Decision {
        outcome: CommandOutcome::Applied,
        events: vec![NewEvent {
            record,
            origin: None,
        }],
        case: None,
        accounts: vec![AccountRecord {
            id: account.id,
            draft,
            version,
        }],
        erasure: Some(erasure.clone()),
    })
}

/// The erased payload of a stored event `erasure` covers, or `None` when it holds nothing to
/// erase (already erased, nothing personal, or recorded before personal data was sealed).
pub fn erased_payload(erasure: &Erasure, record: &EventRecord) -> Option<serde_json::Value> {
    if !erasure.covers(record) {
        return None;
    }
    holdfast_core::personal::erased(&record.aggregate_type, &record.kind, &record.payload)
}

/// Parsed policies by `(organisation, version)`: a published version never changes, so a
/// backend may keep them across transactions (this is a cache, not state another instance needs).
#[derive(Debug, Clone, Default)]
pub struct PolicyCache {
    parsed: Arc<Mutex<ParsedPolicies>>,
}

type ParsedPolicies = HashMap<(Uuid, u32), Arc<Policy>>;

impl PolicyCache {
    /// The parsed form of a published policy.
    pub fn get(&self, organisation_id: Uuid, published: &PublishedPolicy) -> Result<Arc<Policy>> {
        let key = (organisation_id, published.version);
        if let Some(policy) = self
            .parsed
            .lock()
            .map_err(|_| ServerError::Task("the policy cache was poisoned".into()))?
            .get(&key)
        {
            return Ok(policy.clone());
        }
        let policy = Arc::new(parse_policy(&published.source).map_err(|error| {
            ServerError::Corrupt(format!(
                "published policy version {}: {error}",
                published.version
            ))
        })?);
        self.parsed
            .lock()
            .map_err(|_| ServerError::Task("the policy cache was poisoned".into()))?
            .insert(key, policy.clone());
        Ok(policy)
    }
}
