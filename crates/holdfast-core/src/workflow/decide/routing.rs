//! The reason for leaving and where it sends the case: the reason from the policy's taxonomy,
//! the route its rules pick for the account (a save call, a manager's retention attempt, a CSM, a
//! sympathetic reply), and the outcome of that retention attempt.

use super::{in_policy_currency, Context};
use crate::money::Money;
use crate::policy::{HandOffTarget, Policy, Route, RoutingCondition, UnknownReceivable};
use crate::read_model::case_read_model;
use crate::role::Role;
use crate::workflow::{AccountFacts, CaseEvent, CaseState};
use crate::CoreError;

/// Whether a rule's conditions hold. The receivable is tested last, so that a rule whose other
/// conditions fail never asks for a receivable nobody needs.
enum Match {
    Yes,
    No,
    /// Every other condition holds, and the rule tests a receivable that is not known.
    NeedsReceivable,
}

fn matches(
    condition: &RoutingCondition,
    policy: &Policy,
    account: &AccountFacts,
    reason: Option<&str>,
    receivable: Option<i64>,
) -> Match {
    let rank = policy.tier_rank(&account.tier);
    let tier_ok = |bound: &Option<String>, at_least: bool| match bound {
        None => true,
        Some(bound) => match (rank, policy.tier_rank(bound)) {
            (Some(rank), Some(bound)) => {
                if at_least {
                    rank >= bound
                } else {
                    rank <= bound
                }
            }
            _ => false,
        },
    };
    let reason_ok = condition.reason.is_empty()
        || reason.is_some_and(|reason| condition.reason.iter().any(|id| id == reason));
    // An account whose MRR is not known is not treated as high-value.
    let mrr_ok = condition.mrr_at_least.is_none_or(|limit| {
        account
            .mrr
            .is_some_and(|mrr| mrr.currency == limit.currency && mrr.minor >= limit.minor)
    });
    if !(tier_ok(&condition.tier_at_least, true)
        && tier_ok(&condition.tier_at_most, false)
        && reason_ok
        && mrr_ok)
    {
        return Match::No;
    }
    if !condition.tests_receivable() {
        return Match::Yes;
    }
    let Some(receivable) = receivable else {
        return Match::NeedsReceivable;
    };
    let receivable_ok = condition
        .receivable_above
        .is_none_or(|limit| receivable > limit.minor)
        && condition
            .receivable_at_most
            .is_none_or(|limit| receivable <= limit.minor);
    if receivable_ok {
        Match::Yes
    } else {
        Match::No
    }
}

/// What routing picks for a case.
enum Pick<'a> {
    Route(Route, Option<&'a HandOffTarget>),
    /// The policy's route for an unknown receivable.
    UnknownReceivable(Route),
    /// The receivable is needed and unknown, and the policy says to ask for it.
    AskForReceivable,
}

fn pick<'a>(state: &CaseState, policy: &'a Policy, account: &AccountFacts) -> Pick<'a> {
    // Unknown is not zero: the account's receivable, else the one entered on the case.
    let receivable = account
        .accounts_receivable
        .or(state.receivable_entered)
        .map(|money| money.minor);
    for rule in &policy.routing.rules {
        match matches(
            &rule.when,
            policy,
            account,
            state.reason_id.as_deref(),
            receivable,
        ) {
            Match::Yes => return Pick::Route(rule.route, rule.hand_off.as_ref()),
            Match::No => {}
            Match::NeedsReceivable => {
                return match policy.routing.unknown_receivable {
                    UnknownReceivable::Ask => Pick::AskForReceivable,
                    UnknownReceivable::Route(route) => Pick::UnknownReceivable(route),
                }
            }
        }
    }
    Pick::Route(Route::Continue, None)
}

/// Routing would be refused until someone enters the accounts receivable: the desk asks for them.
pub(crate) fn receivable_needed(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
) -> bool {
    state.route.is_none() && matches!(pick(state, policy, account), Pick::AskForReceivable)
}

/// Who a hand-off route gives the case to.
fn hand_off_to(target: &HandOffTarget, account: &AccountFacts) -> (Option<String>, Option<Role>) {
    let account_manager = account
        .account_manager
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty());
    match (target.account_manager, account_manager) {
        (true, Some(name)) => (Some(name.to_owned()), None),
        _ => match (&target.to, target.to_role) {
            (Some(to), _) => (Some(to.clone()), None),
            (None, Some(role)) => (None, Some(role)),
            // The account has no account manager of its own and the rule names nobody else:
            // every account manager sees it.
            (None, None) => (None, Some(Role::AccountManager)),
        },
    }
}

pub(super) fn capture_reason(
    cx: &Context,
    reason_id: &str,
    details: &str,
    pain_points: &[String],
) -> Result<CaseEvent, CoreError> {
    let policy = cx.policy;
    if !policy.reasons.is_empty() && !policy.reasons.iter().any(|reason| reason.id == reason_id) {
        return Err(CoreError::invalid(
            "reason_id",
            "is not one of the policy's reasons",
        ));
    }
    Ok(CaseEvent::ReasonCaptured {
        reason_id: reason_id.to_owned(),
        details: details.to_owned(),
        pain_points: pain_points.to_vec(),
    })
}

pub(super) fn route(cx: &Context) -> Result<CaseEvent, CoreError> {
    let (policy, account, state) = (cx.policy, cx.account, cx.state);
    if state.route.is_some() {
        return Err(CoreError::invalid("route", "the case is already routed"));
    }
    if policy.routes_on_reason() && state.reason_id.is_none() {
        return Err(CoreError::invalid(
            "reason_id",
            "record the reason for leaving first: this policy routes cases by their reason",
        ));
    }
    let (route, target, receivable_unknown) = match pick(state, policy, account) {
        Pick::Route(route, target) => (route, target, false),
        Pick::UnknownReceivable(route) => (route, None, true),
        Pick::AskForReceivable => {
            return Err(CoreError::invalid(
                "accounts_receivable",
                "the account's accounts receivable are not known, and the policy routes on them: enter the amount on the case (or import it with the account) before routing",
            ))
        }
    };
    let (mut assignee, mut assignee_role) = (None, None);
    if route == Route::SaveCall {
        assignee = account
            .original_sales_rep
            .clone()
            .filter(|_| !account.original_sales_rep_status.has_left())
            .or_else(|| policy.routing.fallback_assignee.clone());
    }
    if let Some(target) = target {
        (assignee, assignee_role) = hand_off_to(target, account);
    }
    let save_call_due = match (route, policy.routing.save_call_due_minutes) {
        (Route::SaveCall, Some(minutes)) => Some(
            policy
                .sla
                .calendar
                .add_business_minutes(cx.now, minutes)
                .ok_or_else(|| {
                    CoreError::invalid(
                        "save_call_due_minutes",
                        "the policy's business hours leave no time for the save call",
                    )
                })?,
        ),
        (Route::SaveCall, None) => Some(state.first_response_due),
        _ => None,
    };
    let survey_link = (route == Route::SympatheticReply)
        .then(|| {
            policy
                .survey_link(account.hosting_server.as_deref())
                .map(str::to_owned)
        })
        .flatten();
    Ok(CaseEvent::Routed {
        route,
        assignee,
        survey_link,
        assignee_role,
        save_call_due,
        save_call_phone: account.phone.clone().filter(|_| route == Route::SaveCall),
        receivable_unknown,
    })
}

pub(super) fn enter_receivable(cx: &Context, amount: Money) -> Result<CaseEvent, CoreError> {
    in_policy_currency("amount", amount, cx.policy)?;
    if amount.minor < 0 {
        return Err(CoreError::invalid(
            "amount",
            "accounts receivable cannot be negative",
        ));
    }
    if cx.state.route.is_some() {
        return Err(CoreError::invalid(
            "amount",
            "the case is already routed, so the receivable would change nothing",
        ));
    }
    Ok(CaseEvent::ReceivableEntered {
        amount,
        by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}

pub(super) fn hand_off(
    cx: &Context,
    task_id: Option<&str>,
    to: Option<&str>,
    to_role: Option<Role>,
    reason: &str,
) -> Result<CaseEvent, CoreError> {
    let to = to.map(str::trim).filter(|to| !to.is_empty());
    match (to, to_role) {
        (None, None) => {
            return Err(CoreError::invalid(
                "to",
                "name the person or team to hand off to, or a role",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(CoreError::invalid(
                "to_role",
                "hand off to a person or team, or to a role, not both",
            ))
        }
        _ => {}
    }
    if reason.trim().is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "say why you hand it off, for whoever receives it",
        ));
    }
    if let Some(task_id) = task_id {
        let model = case_read_model(cx.state, Some(cx.policy), None)?;
        if !model
            .tasks
            .iter()
            .any(|task| task.id == task_id && task.open)
        {
            return Err(CoreError::invalid(
                "task_id",
                "is not an open task of this case",
            ));
        }
    }
    Ok(CaseEvent::HandedOff {
        task_id: task_id.map(str::to_owned),
        to: to.map(str::to_owned),
        to_role,
        reason: reason.trim().to_owned(),
        by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}

pub(super) fn record_retention_outcome(
    cx: &Context,
    retained: bool,
    note: &str,
    mitigations_tried: &[String],
) -> Result<CaseEvent, CoreError> {
    let state = cx.state;
    let routed_to_retention =
        matches!(state.route, Some(Route::SaveCall | Route::ManagerRetention));
    // Beyond a save call or manager retention, an attempt is recorded where the policy puts
    // retention before finalization; a sympathetic reply answers the customer instead.
    let attempt_expected = cx.policy.gates.retention_before_finalization
        && state.route != Some(Route::SympatheticReply);
    if cx.policy.gates.retention_before_finalization && state.route.is_none() {
        return Err(CoreError::invalid(
            "case",
            "route the case first: the retention attempt follows its route",
        ));
    }
    if !routed_to_retention && !attempt_expected {
        return Err(CoreError::invalid(
            "case",
            "the case was not routed to a save call or a manager's retention attempt",
        ));
    }
    if state.retention_attempted {
        return Err(CoreError::invalid(
            "case",
            "the retention outcome is already recorded",
        ));
    }
    if state.pending_offer.is_some() {
        return Err(CoreError::invalid(
            "offer_id",
            "the customer has not answered the pending offer yet",
        ));
    }
    if !mitigations_tried.is_empty() {
        let Some(reason_id) = &state.reason_id else {
            return Err(CoreError::invalid(
                "mitigations_tried",
                "record the reason first: the mitigations are the reason's",
            ));
        };
        let known = cx
            .policy
            .reasons
            .iter()
            .find(|reason| &reason.id == reason_id)
            .map(|reason| reason.mitigations.as_slice())
            .unwrap_or(&[]);
        if let Some(unknown) = mitigations_tried
            .iter()
            .find(|tried| !known.iter().any(|mitigation| mitigation == *tried))
        {
            return Err(CoreError::invalid(
                "mitigations_tried",
                format!(
                    "\"{unknown}\" is not one of the policy's mitigations for the reason recorded"
                ),
            ));
        }
    }
    // Every retention option considered: offers made, or a recorded reason why none was.
    if state.offers_proposed.is_empty() && note.trim().is_empty() {
        return Err(CoreError::invalid(
            "note",
            "no offer was made on this case: say why",
        ));
    }
    Ok(CaseEvent::RetentionOutcomeRecorded {
        retained,
        note: note.to_owned(),
        mitigations_tried: mitigations_tried.to_vec(),
    })
}
