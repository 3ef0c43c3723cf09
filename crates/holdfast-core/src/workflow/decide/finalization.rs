//! The final cancellation: every gate met, no offer or refund left open; the effective date,
//! billing cessation, prorated refund, data export offered and API access revoked.

use jiff::civil::Date;

use super::{in_policy_currency, Context};
use crate::money::Money;
use crate::policy::Policy;
use crate::proration::prorated_refund;
use crate::workflow::gates::finalization_blockers;
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

pub(super) fn finalize(
    cx: &Context,
    effective_date: Date,
    data_export_offered: bool,
) -> Result<CaseEvent, CoreError> {
    let (state, policy, account) = (cx.state, cx.policy, cx.account);
    // An unanswered offer comes first: its answer may save the customer, and the retention
    // attempt a gate waits for is recorded only once the customer has answered.
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
    Ok(CaseEvent::Finalized {
        effective_date,
        billing_cessation_date: effective_date,
        prorated_refund: proration(account, policy, effective_date)?,
        data_export_offered,
        api_access_revoked: true,
    })
}
