//! Money given back or forgiven: refunds requested (checked against the policy's window from the
//! charge, and routed above its threshold or after its window to a second person's
//! verification), verified, completed or denied; unpaid invoices written off.

use jiff::civil::Date;
use jiff::Timestamp;
use uuid::Uuid;

use super::{in_policy_currency, Context};
use crate::error::Gate;
use crate::money::Money;
use crate::policy::{MessageKind, OutsideWindow, ThresholdScope};
use crate::workflow::permissions::same_user;
use crate::workflow::{CaseEvent, Refund, RefundReviewReason, RefundStatus};
use crate::CoreError;

/// The refund `refund_id` of the case, or why there is none.
fn refund_of<'a>(cx: &'a Context<'a>, refund_id: &Uuid) -> Result<&'a Refund, CoreError> {
    cx.state.refunds.get(refund_id).ok_or_else(|| {
        CoreError::invalid(
            "refund_id",
            "no refund with this id was requested on this case",
        )
    })
}

fn refund_settled(status: RefundStatus) -> CoreError {
    let what = match status {
        RefundStatus::Completed => "the refund was already completed",
        RefundStatus::Denied => "the refund was denied",
        RefundStatus::UnderReview | RefundStatus::BillingInProgress => "the refund is still open",
    };
    CoreError::invalid("refund_id", what)
}

pub(super) fn write_off_invoices(
    cx: &Context,
    amount: Money,
    invoices: u32,
) -> Result<CaseEvent, CoreError> {
    if invoices == 0 || amount.minor <= 0 {
        return Err(CoreError::invalid(
            "amount",
            "write off at least one invoice, for more than zero",
        ));
    }
    in_policy_currency("amount", amount, cx.policy)?;
    Ok(CaseEvent::InvoicesWrittenOff { amount, invoices })
}

pub(super) fn request(
    cx: &Context,
    refund_id: Uuid,
    amount: Money,
    justification: &str,
    charged_on: Option<Date>,
) -> Result<CaseEvent, CoreError> {
    if cx.state.refunds.contains_key(&refund_id) {
        return Err(CoreError::invalid(
            "refund_id",
            "a refund with this id was already requested",
        ));
    }
    if amount.minor <= 0 {
        return Err(CoreError::invalid("amount", "must be more than zero"));
    }
    in_policy_currency("amount", amount, cx.policy)?;
    if justification.trim().is_empty() {
        return Err(CoreError::invalid(
            "justification",
            "say why the customer is entitled to the refund",
        ));
    }
    let rules = &cx.policy.refunds;
    let outside_window = outside_window(cx, charged_on)?;
    if outside_window && rules.outside_window == OutsideWindow::Refuse {
        return Err(CoreError::invalid(
            "charged_on",
            rules.outside_window_reason.clone(),
        ));
    }
    // The case's total is kept whatever the threshold is compared with, so it must fit.
    let total = cx
        .state
        .refunds_total_minor
        .checked_add(amount.minor)
        .ok_or_else(|| {
            CoreError::invalid("amount", "the case's refunds would be too large to count")
        })?;
    let compared = match rules.threshold_applies_to {
        ThresholdScope::Request => amount.minor,
        // What the case refunds in all (refunds not denied, this one included), so that one
        // refund split into small ones is still reviewed.
        ThresholdScope::Case => total,
    };
    let mut review_reasons = Vec::new();
    if compared > rules.threshold.minor {
        review_reasons.push(RefundReviewReason::AboveThreshold);
    }
    if outside_window {
        review_reasons.push(RefundReviewReason::OutsideWindow);
    }
    let under_review = !review_reasons.is_empty();
    Ok(CaseEvent::RefundRequested {
        refund_id,
        amount,
        justification: justification.trim().to_owned(),
        requested_by: cx.actor.user_id.clone(),
        under_review,
        billing_heads_up: under_review,
        customer_notice: if under_review {
            MessageKind::UnderReview
        } else {
            MessageKind::RefundNotice
        },
        at: cx.now,
        charged_on,
        review_reasons,
    })
}

/// Whether the refund of a charge made on `charged_on` is requested after the policy's window,
/// counting days in the policy's time zone from the charge to the day of the request (the last
/// day of the window is inside it). Without a window there is no "after".
fn outside_window(cx: &Context, charged_on: Option<Date>) -> Result<bool, CoreError> {
    let today = cx.now.to_zoned(cx.policy.sla.calendar.zone.clone()).date();
    if let Some(charged_on) = charged_on {
        if charged_on > today {
            return Err(CoreError::invalid(
                "charged_on",
                format!("the charge date {charged_on} is after today ({today}); give the day the customer was charged"),
            ));
        }
    }
    let Some(window_days) = cx.policy.refunds.window_days else {
        return Ok(false);
    };
    let Some(charged_on) = charged_on else {
        return Err(CoreError::invalid(
            "charged_on",
            format!("give the day of the charge this refund is for: refunds are possible up to {window_days} days after the charge"),
        ));
    };
    let days = today
        .since(charged_on)
        .map_err(|error| {
            CoreError::invalid(
                "charged_on",
                format!("cannot count the days since {charged_on}: {error}"),
            )
        })?
        .get_days();
    Ok(i64::from(days) > i64::from(window_days))
}

pub(super) fn verify(cx: &Context, refund_id: Uuid) -> Result<CaseEvent, CoreError> {
    let refund = refund_of(cx, &refund_id)?;
    match refund.status {
        RefundStatus::UnderReview => {}
        RefundStatus::BillingInProgress => {
            return Err(CoreError::invalid(
                "refund_id",
                if refund.under_review {
                    "the refund is already verified"
                } else {
                    "the refund is within the threshold and needs no verification"
                },
            ))
        }
        status => return Err(refund_settled(status)),
    }
    if same_user(&cx.actor.user_id, &refund.requested_by) {
        return Err(CoreError::GateNotMet {
            gate: Gate::SecondVerifier,
        });
    }
    Ok(CaseEvent::RefundVerified {
        refund_id,
        verified_by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}

pub(super) fn complete(cx: &Context, refund_id: Uuid) -> Result<CaseEvent, CoreError> {
    let refund = refund_of(cx, &refund_id)?;
    match refund.status {
        RefundStatus::BillingInProgress => Ok(CaseEvent::RefundCompleted {
            refund_id,
            amount: refund.amount,
            completed_by: cx.actor.user_id.clone(),
            at: cx.now,
            status_check_due: status_check_due(cx)?,
        }),
        RefundStatus::UnderReview => Err(CoreError::GateNotMet {
            gate: Gate::RefundVerified,
        }),
        status => Err(refund_settled(status)),
    }
}

pub(super) fn deny(cx: &Context, refund_id: Uuid, reason: &str) -> Result<CaseEvent, CoreError> {
    let refund = refund_of(cx, &refund_id)?;
    if !refund.is_open() {
        return Err(refund_settled(refund.status));
    }
    if reason.trim().is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "say why the refund is denied; the customer is told",
        ));
    }
    Ok(CaseEvent::RefundDenied {
        refund_id,
        reason: reason.trim().to_owned(),
        denied_by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}

/// When a refund issued now is to be checked with the customer: the policy's number of business
/// days later in its calendar (its working days, hours and holidays); `None` when the policy asks
/// for no check.
fn status_check_due(cx: &Context) -> Result<Option<Timestamp>, CoreError> {
    let Some(days) = cx.policy.refunds.status_check_business_days else {
        return Ok(None);
    };
    cx.policy
        .sla
        .calendar
        .add_business_days(cx.now, days)
        .map(Some)
        .ok_or_else(|| {
            CoreError::invalid(
                "refund_id",
                format!("the status check {days} business days from now falls outside the policy's business calendar"),
            )
        })
}

/// The check with the customer that an issued refund arrived. It may be made before it is due
/// (the customer may call first), once, on a refund that was issued with a check planned; when the
/// refund did not arrive the note says what the customer said.
pub(super) fn record_status_check(
    cx: &Context,
    refund_id: Uuid,
    received: bool,
    note: &str,
) -> Result<CaseEvent, CoreError> {
    let refund = refund_of(cx, &refund_id)?;
    match refund.status {
        RefundStatus::Completed => {}
        RefundStatus::UnderReview | RefundStatus::BillingInProgress => {
            return Err(CoreError::invalid(
                "refund_id",
                "the refund has not been issued yet: check its status once billing has completed it",
            ))
        }
        RefundStatus::Denied => {
            return Err(CoreError::invalid(
                "refund_id",
                "the refund was denied: nothing was issued to check",
            ))
        }
    }
    if let Some(done) = &refund.status_check {
        return Err(CoreError::invalid(
            "refund_id",
            format!(
                "the refund's status was already checked, by {} at {}",
                done.by, done.at
            ),
        ));
    }
    if refund.status_check_due.is_none() {
        return Err(CoreError::invalid(
            "refund_id",
            "no status check was planned for this refund: the procedure did not ask for one when it was issued",
        ));
    }
    if !received && note.trim().is_empty() {
        return Err(CoreError::invalid(
            "note",
            "say what the customer told you: the refund has not arrived",
        ));
    }
    Ok(CaseEvent::RefundStatusChecked {
        refund_id,
        received,
        note: note.trim().to_owned(),
        by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}
