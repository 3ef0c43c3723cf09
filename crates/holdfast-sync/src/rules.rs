//! The rules a pushed command is decided by, in one place for both sides: the server decides with
//! them for real (`holdfast-server::push`), and a device predicts with them what the server will
//! answer (`client::judge`). Pure: callers pass in the case's state, the account facts and the
//! policy they loaded.

use std::collections::BTreeSet;

use holdfast_core::account::{
    check_channel_reachable, validate_email, validate_phone, AccountDraft,
};
use holdfast_core::policy::Policy;
use holdfast_core::workflow::{
    decide, is_guarded, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState,
};
use holdfast_core::CoreError;
use jiff::Timestamp;
use uuid::Uuid;

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

/// The facts the engine decides with, from a stored account, whether its original sales rep is an
/// active user, and the offers accepted on any of its cases (as the desk's
/// `Database::account_facts` builds them).
pub fn account_facts(
    draft: &AccountDraft,
    sales_rep_active: bool,
    offers_granted: Vec<String>,
) -> AccountFacts {
    let draft = draft.clone();
    AccountFacts {
        tier: draft.tier,
        email: draft.email,
        phone: draft.phone,
        accounts_receivable: Some(draft.accounts_receivable),
        hosting_server: draft.hosting_server,
        original_sales_rep: draft.original_sales_rep,
        original_sales_rep_active: sales_rep_active,
        unpaid_invoices: draft.unpaid_invoices,
        offers_granted,
        preferred_channel: Some(draft.preferred_channel),
        // Accounts carry no plan price per billing period yet, so no proration (as on the desk).
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
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

/// The checks every imported account passes (contacts plausible and on file for the preferred
/// channel, amounts not negative, an external id and a name present), as the desk's import does.
pub fn validate_draft(draft: &AccountDraft) -> Result<(), CoreError> {
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

/// Whether an account import may be applied as a whole: an active user with a role, every row
/// valid, every external id once. The error names the row.
pub fn check_import(actor: &Actor, drafts: &[AccountDraft]) -> Result<(), CoreError> {
    if !actor.active {
        return Err(CoreError::InactiveUser {
            user_id: actor.user_id.clone(),
        });
    }
    if actor.roles.is_empty() {
        return Err(CoreError::invalid(
            "actor",
            "a user needs a role to import accounts",
        ));
    }
    let mut seen = BTreeSet::new();
    for (index, draft) in drafts.iter().enumerate() {
        if let Err(error) = validate_draft(draft) {
            let (field, message) = match error {
                CoreError::Invalid { field, message } => (field, message),
                other => ("account".to_owned(), other.to_string()),
            };
            return Err(CoreError::Invalid {
                field,
                message: format!(
                    "account {} ({}): {message}",
                    index + 1,
                    draft.external_id.trim()
                ),
            });
        }
        if !seen.insert(draft.external_id.trim().to_owned()) {
            return Err(CoreError::invalid(
                "external_id",
                format!(
                    "\"{}\" appears more than once in the import",
                    draft.external_id.trim()
                ),
            ));
        }
    }
    Ok(())
}
