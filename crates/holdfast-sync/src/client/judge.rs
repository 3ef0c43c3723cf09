//! Deciding a pushed command on the device exactly as the server will decide it
//! (holdfast-server's `push::decide_case` and `push::decide_import`): a guarded step decided
//! against a version the case has moved past is a conflict; anything else is decided by
//! `holdfast-core` with the account facts the device knows. The device's view of the world is the
//! confirmed log (`Index`) with the pending commands' expected effects laid over it (`Overlay`).

use std::collections::BTreeMap;

use holdfast_core::account::{account_id, Account, AccountDraft};
use holdfast_core::decision;
use holdfast_core::import::check_import;
use holdfast_core::policy::Policy;
use holdfast_core::workflow::{
    evolve, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState, CodeKey, RepStatus,
};
use holdfast_core::CoreError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::protocol::Rejection;

/// Users this device knows, by name, with whether they are active (the desktop's users table).
/// Only `AccountFacts::original_sales_rep_active` depends on it; a rep the device does not know
/// counts as inactive, as on the server.
pub type KnownUsers = BTreeMap<String, bool>;

/// What a local decision needs besides the replica: the signed-in user as the server last
/// described them (`protocol::Me`, cached for offline use), the published policy the device
/// received (`None` before any), the users it knows, and the time.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub policy: Option<&'a Policy>,
    pub users: &'a KnownUsers,
    pub now: Timestamp,
    /// This device's key for one-time codes: codes sent from here are checked with it until the
    /// server's answer arrives; a code the server sealed is accepted only provisionally.
    pub code_key: &'a CodeKey,
}

/// What the device expects the server to answer for a pending command, as last decided against
/// its view (at queueing, then at every rebase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "expected", rename_all = "snake_case")]
pub enum Expected {
    /// It decides: the events and account upserts the device expects the server to record. They
    /// are what the device shows until the server's own events arrive.
    Applied {
        case_events: Vec<CaseEvent>,
        accounts: Vec<Account>,
    },
    /// It no longer decides (the case moved, a role is missing): the server will refuse it too.
    Rejected { rejection: Rejection },
    /// A guarded step whose case moved since it was decided: the server will record `event` (a
    /// `conflict_recorded`) instead of applying it.
    Conflict {
        base_version: u64,
        server_version: u64,
        event: CaseEvent,
    },
}

impl Expected {
    /// The case events this expectation adds to the view.
    pub fn case_events(&self) -> &[CaseEvent] {
        match self {
            Expected::Applied { case_events, .. } => case_events,
            Expected::Rejected { .. } => &[],
            Expected::Conflict { event, .. } => std::slice::from_ref(event),
        }
    }
}

/// A verdict with the engine's own error, for `Replica::decide` to return.
pub(crate) enum Verdict {
    Applied {
        case_events: Vec<CaseEvent>,
        accounts: Vec<Account>,
    },
    Rejected(CoreError),
    Conflict {
        base_version: u64,
        server_version: u64,
        event: CaseEvent,
    },
}

impl From<Verdict> for Expected {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Applied {
                case_events,
                accounts,
            } => Expected::Applied {
                case_events,
                accounts,
            },
            Verdict::Rejected(error) => Expected::Rejected {
                rejection: Rejection::from(&error),
            },
            Verdict::Conflict {
                base_version,
                server_version,
                event,
            } => Expected::Conflict {
                base_version,
                server_version,
                event,
            },
        }
    }
}

/// The confirmed state, folded from the pulled log.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    pub cases: BTreeMap<Uuid, CaseState>,
    pub accounts: BTreeMap<Uuid, Account>,
    /// Offer ids accepted on any case of the account, by account.
    pub offers: BTreeMap<Uuid, Vec<String>>,
}

impl Index {
    pub fn apply_case(&mut self, case_id: Uuid, event: &CaseEvent) {
        let state = evolve(self.cases.remove(&case_id), event);
        if let Some(state) = state {
            if let CaseEvent::OfferAccepted { offer_id } = event {
                self.offers
                    .entry(state.account_id)
                    .or_default()
                    .push(offer_id.clone());
            }
            self.cases.insert(case_id, state);
        }
    }

    pub fn apply_account(&mut self, account: Account) {
        self.accounts.insert(account.id, account);
    }
}

/// The confirmed state with pending commands' expected effects laid over it, one command at a
/// time (what the server will have when it reaches the next pending command).
pub(crate) struct Overlay<'a> {
    base: &'a Index,
    cases: BTreeMap<Uuid, CaseState>,
    accounts: BTreeMap<Uuid, Account>,
    offers: BTreeMap<Uuid, Vec<String>>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a Index) -> Self {
        Overlay {
            base,
            cases: BTreeMap::new(),
            accounts: BTreeMap::new(),
            offers: BTreeMap::new(),
        }
    }

    pub fn case(&self, case_id: Uuid) -> Option<&CaseState> {
        self.cases
            .get(&case_id)
            .or_else(|| self.base.cases.get(&case_id))
    }

    pub fn account(&self, account_id: Uuid) -> Option<&Account> {
        self.accounts
            .get(&account_id)
            .or_else(|| self.base.accounts.get(&account_id))
    }

    fn offers_granted(&self, account_id: Uuid) -> Vec<String> {
        let base = self.base.offers.get(&account_id).into_iter().flatten();
        let laid = self.offers.get(&account_id).into_iter().flatten();
        base.chain(laid).cloned().collect()
    }

    /// The facts a decision on `account_id` uses: see `account_facts`.
    pub fn facts(&self, account_id: Uuid, users: &KnownUsers) -> Option<AccountFacts> {
        self.account(account_id)
            .map(|account| account_facts(account, users, self.offers_granted(account_id)))
    }

    pub fn apply(&mut self, case_id: Option<Uuid>, expected: &Expected) {
        if let Some(case_id) = case_id {
            for event in expected.case_events() {
                let state = self.case(case_id).cloned();
                if let Some(state) = evolve(state, event) {
                    if let CaseEvent::OfferAccepted { offer_id } = event {
                        self.offers
                            .entry(state.account_id)
                            .or_default()
                            .push(offer_id.clone());
                    }
                    self.cases.insert(case_id, state);
                }
            }
        }
        if let Expected::Applied { accounts, .. } = expected {
            for account in accounts {
                self.accounts.insert(account.id, account.clone());
            }
        }
    }
}

/// The facts the engine decides with, built as the server builds them from its accounts, users
/// and accepted offers. What the device cannot know as well as the server: whether the original
/// sales rep has left (only the users it has been told about; a rep it does not know is assumed
/// to be with the company, as on the server) and offers accepted on cases it has not pulled yet. The device
/// decides with what it knows; the server decides again and is the authority.
pub fn account_facts(
    account: &Account,
    users: &KnownUsers,
    offers_granted: Vec<String>,
) -> AccountFacts {
    let sales_rep_status = RepStatus::from_directory(
        account
            .draft
            .original_sales_rep
            .as_ref()
            .and_then(|rep| users.get(rep).copied()),
    );
    decision::account_facts(&account.draft, sales_rep_status, offers_granted)
}

/// A case command as the server decides it (`decision::decide_case`, with the device's view).
pub(crate) fn judge_case(
    world: &Overlay<'_>,
    context: &Context<'_>,
    case_id: Uuid,
    base_version: u64,
    command: &CaseCommand,
) -> Verdict {
    let state = world.case(case_id);
    let command = match context.code_key.seal_predicting(case_id, state, command) {
        Ok(command) => command,
        Err(error) => return Verdict::Rejected(error),
    };
    let facts = decision::account_to_load(state, &command)
        .and_then(|account_id| world.facts(account_id, context.users));
    match decision::decide_case(
        state,
        facts.as_ref(),
        context.policy,
        context.actor,
        case_id,
        base_version,
        &command,
        context.now,
    ) {
        decision::Verdict::Applied(case_events) => Verdict::Applied {
            case_events,
            accounts: Vec::new(),
        },
        decision::Verdict::Rejected(error) => Verdict::Rejected(error),
        decision::Verdict::Conflict {
            base_version,
            server_version,
            event,
        } => Verdict::Conflict {
            base_version,
            server_version,
            event,
        },
    }
}

/// An account import as the server decides it (`check_import`): all rows valid and each
/// external id once, or nothing; then the accounts that are new or differ.
pub(crate) fn judge_import(
    world: &Overlay<'_>,
    context: &Context<'_>,
    drafts: &[AccountDraft],
) -> Verdict {
    if let Some(rejection) = Rejection::import_too_large(drafts.len()) {
        return Verdict::Rejected(CoreError::Invalid {
            field: rejection.field.unwrap_or_default(),
            message: rejection.message,
        });
    }
    if let Err(error) = check_import(context.actor, context.policy, drafts) {
        return Verdict::Rejected(error);
    }
    let accounts = drafts
        .iter()
        .filter_map(|draft| {
            let mut draft = draft.clone();
            draft.external_id = draft.external_id.trim().to_owned();
            let id = account_id(&draft.external_id);
            let unchanged = world.account(id).is_some_and(|stored| {
                stored.draft == draft || holdfast_core::erasure::is_erased(&stored.draft)
            });
            (!unchanged).then_some(Account { id, draft })
        })
        .collect();
    Verdict::Applied {
        case_events: Vec::new(),
        accounts,
    }
}

/// An erasure of a customer's personal data as the server decides it: a user the policy lets
/// erase (`holdfast_core::erasure::may_erase`). It shows nothing until the server's event
/// arrives: the erasure is the server's to record.
pub(crate) fn judge_erasure(context: &Context<'_>) -> Verdict {
    match holdfast_core::erasure::may_erase(context.actor, context.policy) {
        Ok(()) => Verdict::Applied {
            case_events: Vec::new(),
            accounts: Vec::new(),
        },
        Err(error) => Verdict::Rejected(error),
    }
}
