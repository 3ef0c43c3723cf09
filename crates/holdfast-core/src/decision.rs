//! The one decision path: "this user runs this command on this case now", for a local profile,
//! for a device predicting what its team server will answer, and for the server deciding for
//! real. It checks what the engine cannot see from one case (the case named, a guarded step
//! decided against a version the case has moved past, a policy and an account to decide with),
//! then hands the command to `workflow::decide`. Pure: callers pass in what they loaded.

use jiff::Timestamp;
use uuid::Uuid;

use crate::account::AccountDraft;
use crate::policy::Policy;
use crate::workflow::{
    decide, is_guarded, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState, RepStatus,
};
use crate::CoreError;

/// What a case command comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The engine decided it: these events follow the case's current version.
    Applied(Vec<CaseEvent>),
    /// The engine, or a rule of the protocol, refused it.
    Rejected(CoreError),
    /// A guarded step decided against a version the case has moved past: `event` (a
    /// `conflict_recorded`) is recorded instead.
    Conflict {
        base_version: u64,
        server_version: u64,
        event: CaseEvent,
    },
}

/// The account whose facts a case command is decided with: the case's, or for the command that
/// receives a case, the one it names.
pub fn account_to_load(state: Option<&CaseState>, command: &CaseCommand) -> Option<Uuid> {
    match (state, command) {
        (Some(state), _) => Some(state.account_id),
        (None, CaseCommand::Receive { account_id, .. }) => Some(*account_id),
        (None, _) => None,
    }
}

/// The facts the engine decides with, from a stored account, whether its original sales rep is
/// still with the company (as the roster says), and the offers accepted on any of its cases.
pub fn account_facts(
    draft: &AccountDraft,
    sales_rep_status: RepStatus,
    offers_granted: Vec<String>,
) -> AccountFacts {
    let draft = draft.clone();
    AccountFacts {
        tier: draft.tier,
        email: draft.email,
        phone: draft.phone,
        accounts_receivable: draft.accounts_receivable,
        hosting_server: draft.hosting_server,
        original_sales_rep: draft.original_sales_rep,
        original_sales_rep_status: sales_rep_status,
        unpaid_invoices: draft.unpaid_invoices,
        offers_granted,
        preferred_channel: Some(draft.preferred_channel),
        plan_price: draft.plan_price,
        billing_period_start: draft.billing_period_start,
        billing_period_end: draft.billing_period_end,
        mrr: Some(draft.mrr),
        total_collected: Some(draft.total_collected),
        customer_since: draft.customer_since,
        account_manager: draft.account_manager,
        account_name: Some(draft.name),
        contact_name: draft.contact_name,
    }
}

/// Decides a case command: a guarded step decided against a version the case has moved past is
/// a conflict; anything else is decided again by the engine with the user as the decider knows
/// them. `facts` are those of `account_to_load`'s account, `None` when it is unknown.
#[allow(clippy::too_many_arguments)]
pub fn decide_case(
    state: Option<&CaseState>,
    facts: Option<&AccountFacts>,
    policy: Option<&Policy>,
    actor: &Actor,
    case_id: Uuid,
    base_version: u64,
    command: &CaseCommand,
    now: Timestamp,
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
    if let Some(state) = state {
        if state.version != base_version && is_guarded(command) {
            let server_version = state.version;
            return Verdict::Conflict {
                base_version,
                server_version,
                event: CaseEvent::ConflictRecorded {
                    command: command.verb().to_owned(),
                    by: actor.user_id.clone(),
                    base_version,
                    server_version,
                    at: now,
                },
            };
        }
    }
    let Some(policy) = policy else {
        return Verdict::Rejected(CoreError::invalid(
            "policy",
            "no policy has been published for this organisation",
        ));
    };
    if account_to_load(state, command).is_none() {
        return Verdict::Rejected(CoreError::invalid(
            "case_id",
            "no cancellation request was received for this case",
        ));
    }
    let Some(facts) = facts else {
        return Verdict::Rejected(CoreError::invalid(
            "account_id",
            "no account with this id is known",
        ));
    };
    match decide(state, command, actor, policy, facts, now) {
        Ok(events) => Verdict::Applied(events),
        Err(error) => Verdict::Rejected(error),
    }
}
