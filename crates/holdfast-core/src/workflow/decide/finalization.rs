//! The final cancellation: every gate met, every checklist item due before it done, no offer or
//! refund left open, an effective date the policy accepts; it records the effective date and the
//! prorated refund, and nothing that nobody confirmed.

use jiff::civil::Date;
use jiff::{Span, Timestamp};

use super::{in_policy_currency, Context};
use crate::money::Money;
use crate::policy::Policy;
use crate::proration::prorated_refund;
use crate::workflow::gates::{finalization_blockers, open_checklist_items};
use crate::workflow::{AccountFacts, CaseEvent};
use crate::CoreError;

/// The prorated refund for the account's current billing period, when its price and period are
/// known. Facts that contradict themselves are errors, not a refund of zero.
fn proration(
    account: &AccountFacts,
    policy: &Policy,
    effective_date: Date,
) -> Result<Option<Money>, CoreError> {
    let (Some(price), Some(start), Some(end)) = (
        account.plan_price,
        account.billing_period_start,
        account.billing_period_end,
    ) else {
        return Ok(None);
    };
    in_policy_currency("plan_price", price, policy)?;
    if price.minor < 0 {
        return Err(CoreError::invalid("plan_price", "must not be negative"));
    }
    if end <= start {
        return Err(CoreError::invalid(
            "billing_period_end",
            "must be after the start of the billing period",
        ));
    }
    Ok(prorated_refund(price, start, end, effective_date))
}

/// The calendar date of `at` where the policy's team works.
fn local_date(at: Timestamp, policy: &Policy) -> Date {
    at.to_zoned(policy.sla.calendar.zone.clone()).date()
}

/// Not before the request (a cancellation cannot take effect before it was asked for), not before
/// today unless the policy allows it, and not further ahead than the policy allows.
fn check_effective_date(cx: &Context, effective_date: Date) -> Result<(), CoreError> {
    let policy = cx.policy;
    let received = local_date(cx.state.received_at, policy);
    if effective_date < received {
        return Err(CoreError::invalid(
            "effective_date",
            format!("must not be before the request was received ({received})"),
        ));
    }
    let today = local_date(cx.now, policy);
    if effective_date < today && !policy.finalization.allow_past_effective_date {
        return Err(CoreError::invalid(
            "effective_date",
            format!("must not be in the past (today is {today})"),
        ));
    }
    if let Some(days) = policy.finalization.max_days_ahead {
        let latest = today
            .checked_add(Span::new().days(i64::from(days)))
            .map_err(|_| CoreError::invalid("effective_date", "is out of range"))?;
        if effective_date > latest {
            return Err(CoreError::invalid(
                "effective_date",
                format!("must be at most {days} days from today ({latest} at the latest)"),
            ));
        }
    }
    Ok(())
}

/// `_data_export_offered` is no longer recorded: the policy's checklist item records who offered
/// the export.
pub(super) fn finalize(
    cx: &Context,
    effective_date: Date,
    _data_export_offered: bool,
) -> Result<CaseEvent, CoreError> {
    let (state, policy, account) = (cx.state, cx.policy, cx.account);
    // The date is what the person entered: said first, so that the form shows it at once.
    check_effective_date(cx, effective_date)?;
    // An unanswered offer comes before the gates: its answer may save the customer, and the
    // retention attempt a gate waits for is recorded only once the customer has answered.
    if state.pending_offer.is_some() {
        return Err(CoreError::invalid(
            "offer_id",
            "the customer has not answered the pending offer yet",
        ));
    }
    if let Some(gate) = finalization_blockers(state, policy, account).first() {
        return Err(CoreError::GateNotMet { gate: *gate });
    }
    // A cancelled case accepts no refund command, so none may be left open.
    if state.open_refunds().next().is_some() {
        return Err(CoreError::invalid(
            "refund_id",
            "a refund is still under review or with billing; complete or deny it first",
        ));
    }
    if let Some(item) = open_checklist_items(state, policy, account).first() {
        return Err(CoreError::ChecklistItemOpen {
            item_id: item.id.clone(),
            label: item.label.clone(),
        });
    }
    Ok(CaseEvent::Finalized {
        effective_date,
        billing_cessation_date: None,
        prorated_refund: proration(account, policy, effective_date)?,
        data_export_offered: false,
        api_access_revoked: false,
    })
}
