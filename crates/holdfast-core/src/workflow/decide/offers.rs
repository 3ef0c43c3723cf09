//! Retention offers: proposed from the policy's catalogue (sent for approval when outside its
//! limits, refused when the policy names no one who may approve), approved by someone other than
//! the proposer, and accepted or declined by the customer.

use super::Context;
use crate::error::Gate;
use crate::money::Money;
use crate::policy::{OfferKind, OfferTerms, Policy, Step};
use crate::workflow::permissions::same_user;
use crate::workflow::{CaseEvent, OfferProposal};
use crate::CoreError;

/// Whether the proposal stays inside the offer's limits. Terms that make no sense for the offer
/// (a negative amount, another currency, a missing percentage) are errors, not approvals.
fn within_limits(
    offer: &OfferTerms,
    terms: &OfferProposal,
    policy: &Policy,
) -> Result<bool, CoreError> {
    let mut within = true;
    let percent_kind = offer.kind.takes_percent();
    match (percent_kind, terms.percent) {
        (true, None) => return Err(CoreError::invalid("percent", "say how many percent")),
        (true, Some(0)) | (true, Some(101..)) => {
            return Err(CoreError::invalid("percent", "must be between 1 and 100"))
        }
        (true, Some(percent)) => {
            if !offer.percent_choices.is_empty() && !offer.percent_choices.contains(&percent) {
                within = false;
            }
            if offer.max_percent.is_some_and(|max| percent > max) {
                within = false;
            }
        }
        (false, Some(_)) => {
            return Err(CoreError::invalid(
                "percent",
                format!("{} has no percentage", offer.label),
            ))
        }
        (false, None) => {}
    }
    if terms.months == Some(0) {
        return Err(CoreError::invalid("months", "must be at least 1"));
    }
    // An offer the policy limits in time is made for a stated time: without one it would run
    // without end, beyond any limit.
    match (terms.months, offer.max_months) {
        (Some(months), Some(max)) if months > max => within = false,
        (None, Some(max)) => {
            return Err(CoreError::invalid(
                "months",
                format!(
                    "say for how many months: the policy limits {} to {max} month{}",
                    offer.label,
                    if max == 1 { "" } else { "s" }
                ),
            ))
        }
        _ => {}
    }
    match (offer.kind, terms.amount) {
        (OfferKind::Credit, None) => return Err(CoreError::invalid("amount", "say how much")),
        (_, Some(Money { minor, .. })) if minor <= 0 => {
            return Err(CoreError::invalid("amount", "must be more than zero"))
        }
        (_, Some(money)) if money.currency != policy.currency => {
            return Err(CoreError::invalid(
                "amount",
                format!("must be in {}", policy.currency.code()),
            ))
        }
        (_, Some(money)) => {
            if offer.max_amount.is_some_and(|max| money.minor > max.minor) {
                within = false;
            }
        }
        (_, None) => {}
    }
    Ok(within && !offer.needs_approval)
}

pub(super) fn propose(
    cx: &Context,
    offer_id: &str,
    terms: &OfferProposal,
) -> Result<CaseEvent, CoreError> {
    let Some(offer) = cx.policy.offer(offer_id) else {
        return Err(CoreError::invalid(
            "offer_id",
            "is not in the policy's offer catalogue",
        ));
    };
    if cx.state.pending_offer.is_some() {
        return Err(CoreError::invalid(
            "offer_id",
            "the customer has not answered the pending offer yet",
        ));
    }
    // Granted means accepted: a declined or unapproved proposal granted nothing, and an accepted
    // one closes this case, so the account's history is what counts.
    let granted_before = cx
        .account
        .offers_granted
        .iter()
        .any(|granted| granted == offer_id);
    if offer.once_per_account && granted_before {
        return Err(CoreError::OfferLimitExceeded {
            offer: offer.label.clone(),
            message: "may be granted only once per account".into(),
        });
    }
    let within = within_limits(offer, terms, cx.policy)?;
    if !within && cx.policy.roles_for(Step::ApproveOffer).is_empty() {
        return Err(CoreError::OfferLimitExceeded {
            offer: offer.label.clone(),
            message: "is outside the limits and the policy names no one who may approve it".into(),
        });
    }
    Ok(CaseEvent::OfferProposed {
        offer_id: offer_id.to_owned(),
        terms: terms.clone(),
        needs_approval: !within,
        proposed_by: cx.actor.user_id.clone(),
    })
}

pub(super) fn approve(cx: &Context) -> Result<CaseEvent, CoreError> {
    match &cx.state.pending_offer {
        Some(offer) if offer.needs_approval && !offer.approved => {
            if same_user(&cx.actor.user_id, &offer.proposed_by) {
                return Err(CoreError::GateNotMet {
                    gate: Gate::SecondApprover,
                });
            }
            Ok(CaseEvent::OfferApproved {
                offer_id: offer.offer_id.clone(),
            })
        }
        _ => Err(CoreError::invalid(
            "offer_id",
            "no offer is waiting for approval",
        )),
    }
}

pub(super) fn accept(cx: &Context) -> Result<CaseEvent, CoreError> {
    match &cx.state.pending_offer {
        Some(offer) if offer.needs_approval && !offer.approved => Err(CoreError::GateNotMet {
            gate: Gate::OfferApproved,
        }),
        Some(offer) => Ok(CaseEvent::OfferAccepted {
            offer_id: offer.offer_id.clone(),
        }),
        None => Err(CoreError::invalid("offer_id", "no offer is pending")),
    }
}

pub(super) fn decline(cx: &Context) -> Result<CaseEvent, CoreError> {
    match &cx.state.pending_offer {
        Some(offer) => Ok(CaseEvent::OfferDeclined {
            offer_id: offer.offer_id.clone(),
        }),
        None => Err(CoreError::invalid("offer_id", "no offer is pending")),
    }
}
