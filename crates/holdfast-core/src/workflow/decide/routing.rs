//! The reason for leaving and where it sends the case: the reason from the policy's taxonomy,
//! the route its rules pick for the account (a save call, a manager's retention attempt, a CSM, a
//! sympathetic reply), and the outcome of that retention attempt.

use super::Context;
use crate::policy::{Policy, Route, RoutingCondition};
use crate::workflow::{AccountFacts, CaseEvent};
use crate::CoreError;

fn matches(condition: &RoutingCondition, policy: &Policy, account: &AccountFacts) -> bool {
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
    let receivable = account
        .accounts_receivable
        .map(|money| money.minor)
        .unwrap_or(0);
    tier_ok(&condition.tier_at_least, true)
        && tier_ok(&condition.tier_at_most, false)
        && condition
            .receivable_above
            .is_none_or(|limit| receivable > limit.minor)
        && condition
            .receivable_at_most
            .is_none_or(|limit| receivable <= limit.minor)
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
    let (policy, account) = (cx.policy, cx.account);
    if cx.state.route.is_some() {
        return Err(CoreError::invalid("route", "the case is already routed"));
    }
    let route = policy
        .routing
        .rules
        .iter()
        .find(|rule| matches(&rule.when, policy, account))
        .map(|rule| rule.route)
        .unwrap_or(Route::Continue);
    let assignee = (route == Route::SaveCall).then(|| {
        account
            .original_sales_rep
            .clone()
            .filter(|_| !account.original_sales_rep_status.has_left())
            .or_else(|| policy.routing.fallback_assignee.clone())
    });
    let survey_link = (route == Route::SympatheticReply)
        .then(|| {
            policy
                .survey_link(account.hosting_server.as_deref())
                .map(str::to_owned)
        })
        .flatten();
    Ok(CaseEvent::Routed {
        route,
        assignee: assignee.flatten(),
        survey_link,
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
