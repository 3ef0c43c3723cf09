//! Deciding a pushed command on the device exactly as the server will decide it
//! (holdfast-server's `push::decide_case` and `push::decide_import`): a guarded step decided
//! against a version the case has moved past is a conflict; anything else is decided by
//! `holdfast-core` with the account facts the device knows. The device's view of the world is the
//! confirmed log (`Index`) with the pending commands' expected effects laid over it (`Overlay`).

use std::collections::{BTreeMap, BTreeSet};

use holdfast_core::account::{
    account_id, check_channel_reachable, validate_email, validate_phone, Account, AccountDraft,
};
use holdfast_core::policy::Policy;
use holdfast_core::workflow::{
    decide, evolve, is_guarded, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState,
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
/// sales rep is still active (only the users it has been told about; an unknown rep counts as
/// inactive, as on the server) and offers accepted on cases it has not pulled yet. The device
/// decides with what it knows; the server decides again and is the authority.
pub fn account_facts(
    account: &Account,
    users: &KnownUsers,
    offers_granted: Vec<String>,
) -> AccountFacts {
    let draft = account.draft.clone();
    let original_sales_rep_active = draft
        .original_sales_rep
        .as_ref()
        .and_then(|rep| users.get(rep).copied())
        .unwrap_or(false);
    AccountFacts {
        tier: draft.tier,
        email: draft.email,
        phone: draft.phone,
        accounts_receivable: Some(draft.accounts_receivable),
        hosting_server: draft.hosting_server,
        original_sales_rep: draft.original_sales_rep,
        original_sales_rep_active,
        unpaid_invoices: draft.unpaid_invoices,
        offers_granted,
        preferred_channel: Some(draft.preferred_channel),
        // Accounts carry no plan price per billing period yet, so no proration (as on the server
        // and the desk).
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
    }
}

/// A case command as the server decides it (`holdfast_server::push::decide_case`).
pub(crate) fn judge_case(
    world: &Overlay<'_>,
    context: &Context<'_>,
    case_id: Uuid,
    base_version: u64,
    command: &CaseCommand,
) -> Verdict {
    if let CaseCommand::Receive {
        case_id: received, ..
    } = command
    {
        if *received != case_id {
            return Verdict::Rejected(CoreError::invalid(
                "case_id",
                "the command names another case",
            ));
        }
    }
    let state = world.case(case_id);
    if let Some(state) = state {
        if state.version != base_version && is_guarded(command) {
            let server_version = state.version;
            return Verdict::Conflict {
                base_version,
                server_version,
                event: CaseEvent::ConflictRecorded {
                    command: command.verb().to_owned(),
                    by: context.actor.user_id.clone(),
                    base_version,
                    server_version,
                    at: context.now,
                },
            };
        }
    }
    let Some(policy) = context.policy else {
        return Verdict::Rejected(CoreError::invalid(
            "policy",
            "no policy has been published for this organisation",
        ));
    };
    let account_id = match (state, command) {
        (Some(state), _) => state.account_id,
        (None, CaseCommand::Receive { account_id, .. }) => *account_id,
        (None, _) => {
            return Verdict::Rejected(CoreError::invalid(
                "case_id",
                "no cancellation request was received for this case",
            ))
        }
    };
    let Some(facts) = world.facts(account_id, context.users) else {
        return Verdict::Rejected(CoreError::invalid(
            "account_id",
            "this device has no account with this id",
        ));
    };
    match decide(state, command, context.actor, policy, &facts, context.now) {
        Ok(case_events) => Verdict::Applied {
            case_events,
            accounts: Vec::new(),
        },
        Err(error) => Verdict::Rejected(error),
    }
}

/// The checks the server applies to each imported row (`holdfast_server::push::validate_draft`).
pub(crate) fn validate_draft(draft: &AccountDraft) -> Result<(), CoreError> {
    if draft.external_id.trim().is_empty() {
        return Err(CoreError::invalid("external_id", "is empty"));
    }
    if draft.name.trim().is_empty() {
        return Err(CoreError::invalid("name", "is empty"));
    }
    if let Some(email) = &draft.email {
        validate_email(email)?;
    }
    if let Some(phone) = &draft.phone {
        validate_phone(phone)?;
    }
    check_channel_reachable(
        draft.preferred_channel,
        draft.email.as_deref(),
        draft.phone.as_deref(),
    )?;
    for (field, money) in [
        ("mrr", draft.mrr),
        ("total_collected", draft.total_collected),
        ("accounts_receivable", draft.accounts_receivable),
    ] {
        if money.minor < 0 {
            return Err(CoreError::invalid(field, "must not be negative"));
        }
    }
    Ok(())
}

/// An account import as the server decides it (`holdfast_server::push::decide_import`): all rows
/// valid and each external id once, or nothing; then the accounts that are new or differ.
pub(crate) fn judge_import(
    world: &Overlay<'_>,
    context: &Context<'_>,
    drafts: &[AccountDraft],
) -> Verdict {
    if context.actor.roles.is_empty() {
        return Verdict::Rejected(CoreError::invalid(
            "actor",
            "a user needs a role to import accounts",
        ));
    }
    if !context.actor.active {
        return Verdict::Rejected(CoreError::InactiveUser {
            user_id: context.actor.user_id.clone(),
        });
    }
    let mut seen = BTreeSet::new();
    for (index, draft) in drafts.iter().enumerate() {
        if let Err(error) = validate_draft(draft) {
            let (field, message) = match error {
                CoreError::Invalid { field, message } => (field, message),
                other => ("account".to_owned(), other.to_string()),
            };
            return Verdict::Rejected(CoreError::Invalid {
                field,
                message: format!(
                    "account {} ({}): {message}",
                    index + 1,
                    draft.external_id.trim()
                ),
            });
        }
        if !seen.insert(draft.external_id.trim().to_owned()) {
            return Verdict::Rejected(CoreError::invalid(
                "external_id",
                format!(
                    "\"{}\" appears more than once in the import",
                    draft.external_id.trim()
                ),
            ));
        }
    }
    let accounts = drafts
        .iter()
        .filter_map(|draft| {
            let mut draft = draft.clone();
            draft.external_id = draft.external_id.trim().to_owned();
            let id = account_id(&draft.external_id);
            let unchanged = world
                .account(id)
                .is_some_and(|stored| stored.draft == draft);
            (!unchanged).then_some(Account { id, draft })
        })
        .collect();
    Verdict::Applied {
        case_events: Vec::new(),
        accounts,
    }
}
