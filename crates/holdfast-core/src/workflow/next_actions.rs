//! What the case can take next, for the desk's command palette: each action the procedure offers
//! now, the step it belongs to, and why the current user may not take it. The desk only maps an
//! action to a command or a form; whether it is offered is decided here.

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use super::{Checklist, RefundStatus};
use crate::case::CaseStatus;
use crate::error::Gate;
use crate::policy::{MessageKind, Route, Step};

/// Which action it is. The desk keys its palette entries and what each one does on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NextActionId {
    Acknowledge,
    Verify,
    SendForm,
    FormReceived,
    Reason,
    Route,
    Retention,
    Offer,
    ApproveOffer,
    AcceptOffer,
    DeclineOffer,
    Escalate,
    Refund,
    WriteOff,
    Log,
    Finalize,
    Withdraw,
    Confirm,
    Feedback,
    WinBack,
    VerifyRefund,
    CompleteRefund,
    /// Enter the accounts receivable that routing needs (the account does not know them).
    EnterReceivable,
    /// Hand the case to another person, team or role.
    HandOff,
    /// Send the message the route decided on (the sympathetic reply), while it has not gone out.
    SendReply,
    /// Record whether an issued refund reached the customer (its status check).
    RefundStatusCheck,
}

/// One step the case can take now, as the palette lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NextAction {
    pub id: NextActionId,
    pub label: String,
    pub step: Step,
    /// The refund that `verify_refund`, `complete_refund` and `refund_status_check` act on; one
    /// action per refund.
    pub refund_id: Option<Uuid>,
    /// Why the current user may not take it, in the engine's words; `None` when they may.
    pub disabled_reason: Option<String>,
}

/// Not recorded: no id, or an empty one, which the desk counted as none before the engine listed
/// the actions; kept so that the palette offers what it offered then.
fn unset(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(str::is_empty)
}

/// The actions `list` offers, in the order the procedure takes them. Read from the checklist
/// itself so that the palette and the checklist the desk draws can never disagree.
pub(super) fn next_actions(list: &Checklist) -> Vec<NextAction> {
    let refused = |step: Step| {
        list.permissions
            .iter()
            .find(|permission| permission.step == step)
            .and_then(|permission| permission.refused.clone())
    };
    let action = |id: NextActionId, label: &str, step: Step| NextAction {
        id,
        label: label.to_owned(),
        step,
        refund_id: None,
        disabled_reason: refused(step),
    };
    // A saved, cancelled, withdrawn or failed case takes no more workflow steps.
    let open = matches!(list.status, CaseStatus::Received | CaseStatus::InProgress);
    let csm_step = list.csm_step || list.route == Some(Route::EscalateToCsm);

    let mut actions = Vec::new();
    if open {
        if !list.acknowledged {
            actions.push(action(
                NextActionId::Acknowledge,
                "Acknowledge request",
                Step::Receive,
            ));
        }
        if !list.identity_verified {
            actions.push(action(
                NextActionId::Verify,
                "Verify identity",
                Step::VerifyIdentity,
            ));
        }
        if list.form_fields.is_some() && !list.form_sent {
            actions.push(action(
                NextActionId::SendForm,
                "Send cancellation form",
                Step::TrackForm,
            ));
        }
        if list.form_fields.is_some() && list.form_sent && !list.form_received {
            actions.push(action(
                NextActionId::FormReceived,
                "Record form received",
                Step::TrackForm,
            ));
        }
        if !list.reasons.is_empty() && unset(&list.reason_id) {
            actions.push(action(
                NextActionId::Reason,
                "Record reason",
                Step::CaptureReason,
            ));
        }
        if list.receivable_needed {
            actions.push(action(
                NextActionId::EnterReceivable,
                "Enter accounts receivable",
                Step::Route,
            ));
        }
        if list.route.is_none() {
            let mut route = action(NextActionId::Route, "Route case", Step::Route);
            if route.disabled_reason.is_none() && list.reason_needed_for_route {
                route.disabled_reason =
                    Some("record the reason first: this policy routes cases by it".into());
            } else if route.disabled_reason.is_none() && list.receivable_needed {
                route.disabled_reason =
                    Some("the accounts receivable are not known: enter them first".into());
            }
            actions.push(route);
        }
        if list.reply_due.is_some() {
            // Recording a message is anyone's to do: no step's permission applies.
            actions.push(NextAction {
                disabled_reason: None,
                ..action(
                    NextActionId::SendReply,
                    "Write the sympathetic reply",
                    Step::Route,
                )
            });
        }
        if list.retention_outcome_due {
            actions.push(action(
                NextActionId::Retention,
                "Record retention outcome",
                Step::RecordRetentionOutcome,
            ));
        }
        if !list.offers.is_empty() && list.offer_pending.is_none() {
            actions.push(action(
                NextActionId::Offer,
                "Propose retention offer",
                Step::ProposeOffer,
            ));
        }
        if let Some(offer) = &list.offer_pending {
            if offer.needs_approval && !offer.approved {
                actions.push(action(
                    NextActionId::ApproveOffer,
                    "Approve offer",
                    Step::ApproveOffer,
                ));
            }
            actions.push(action(
                NextActionId::AcceptOffer,
                "Customer accepted the offer",
                Step::RecordOfferOutcome,
            ));
            actions.push(action(
                NextActionId::DeclineOffer,
                "Customer declined the offer",
                Step::RecordOfferOutcome,
            ));
        }
        if csm_step && unset(&list.escalated_to) {
            actions.push(action(
                NextActionId::Escalate,
                "Escalate to a CSM",
                Step::Escalate,
            ));
        }
        actions.push(action(
            NextActionId::Refund,
            "Request refund",
            Step::RequestRefund,
        ));
        if list.unpaid_invoices > list.invoices_written_off {
            actions.push(action(
                NextActionId::WriteOff,
                "Write off invoices",
                Step::WriteOff,
            ));
        }
        if list.log_required && !list.logged {
            actions.push(action(
                NextActionId::Log,
                "Log request in the cancellation sheet",
                Step::Receive,
            ));
        }
        // Finalizing also waits for the gates: the role's refusal first, then the first blocker.
        let mut finalize = action(
            NextActionId::Finalize,
            "Finalize cancellation",
            Step::Finalize,
        );
        finalize.disabled_reason = finalize
            .disabled_reason
            .or_else(|| list.blockers.first().map(|blocker| blocker.reason.clone()));
        actions.push(finalize);
        actions.push(action(
            NextActionId::Withdraw,
            "Withdraw request",
            Step::Receive,
        ));
        actions.push(action(
            NextActionId::HandOff,
            "Hand off to someone else",
            Step::HandOff,
        ));
    }
    if list.status == CaseStatus::Cancelled {
        if list.confirmed_on.is_none() {
            actions.push(action(
                NextActionId::Confirm,
                "Confirm cancellation to the customer",
                Step::Confirm,
            ));
        }
        if !list.feedback_recorded {
            actions.push(action(
                NextActionId::Feedback,
                "Record exit feedback",
                Step::RecordFeedback,
            ));
        }
        if !list.win_back_months.is_empty() && list.win_back_check_ins.is_none() {
            actions.push(action(
                NextActionId::WinBack,
                "Schedule win-back check-ins",
                Step::ScheduleWinBack,
            ));
        }
    }
    for refund in &list.refunds {
        let (id, label, step) = match refund.status {
            RefundStatus::UnderReview => (
                NextActionId::VerifyRefund,
                "Verify refund",
                Step::ApproveRefund,
            ),
            RefundStatus::BillingInProgress => (
                NextActionId::CompleteRefund,
                "Mark refund completed",
                Step::CompleteRefund,
            ),
            // Whatever became of the case since, the money went out: its check is offered until
            // it is recorded (before it is due too: the customer may call first).
            RefundStatus::Completed if refund.status_check_open() => (
                NextActionId::RefundStatusCheck,
                "Record refund status check",
                Step::RequestRefund,
            ),
            RefundStatus::Completed | RefundStatus::Denied => continue,
        };
        actions.push(NextAction {
            refund_id: Some(refund.refund_id),
            ..action(id, label, step)
        });
    }
    actions
}

/// The step the case page leads with, for the user the checklist was built for: the first next
/// action the procedure needs now and that this user may take.
///
/// - A decision waiting on this user (verifying or completing a refund, approving an offer) comes
///   first: the case cannot move without them, and it is why they opened it.
/// - Then a refund's status check whose time has come (`Checklist::refund_checks_due`): the
///   customer is waiting to hear about their money. Before its day it does not lead.
/// - Then the procedure's order. What a person may do at any time but the procedure does not ask
///   for (a refund request, a withdrawal, a hand-off) never leads; nor does proposing an offer,
///   unless the route is the ordinary one or retention must be attempted before finalizing.
/// - Routing, then the reply it decided on, lead ahead of the acknowledgement when the policy has
///   no acknowledgement message: the route decides the first response (a sympathetic reply
///   acknowledges the request).
pub(super) fn next_step(list: &Checklist) -> Option<NextActionId> {
    let takeable = |id: NextActionId| {
        list.next_actions
            .iter()
            .any(|action| action.id == id && action.disabled_reason.is_none())
    };
    let waiting_on_user = [
        NextActionId::VerifyRefund,
        NextActionId::CompleteRefund,
        NextActionId::ApproveOffer,
    ];
    if let Some(id) = waiting_on_user.into_iter().find(|&id| takeable(id)) {
        return Some(id);
    }
    // A refund's status check whose time has come: a deadline the customer is waiting on.
    let check_due = list.next_actions.iter().any(|action| {
        action.id == NextActionId::RefundStatusCheck
            && action.disabled_reason.is_none()
            && action
                .refund_id
                .is_some_and(|refund| list.refund_checks_due.contains(&refund))
    });
    if check_due {
        return Some(NextActionId::RefundStatusCheck);
    }
    let retention_needed = list
        .blockers
        .iter()
        .any(|blocker| blocker.gate == Gate::RetentionAttempted);
    let offer_leads =
        retention_needed || matches!(list.route, Some(Route::Continue | Route::ManagerRetention));
    let leads = |action: &&NextAction| {
        action.disabled_reason.is_none()
            && match action.id {
                // Not due yet: it waits for its day (`check_due` above leads it then).
                NextActionId::Refund
                | NextActionId::RefundStatusCheck
                | NextActionId::Withdraw
                | NextActionId::HandOff
                | NextActionId::DeclineOffer => false,
                NextActionId::Offer => offer_leads,
                _ => true,
            }
    };
    let first = list.next_actions.iter().find(leads)?.id;
    // The retention outcome records what was tried: an offer the procedure makes comes first.
    if first == NextActionId::Retention
        && offer_leads
        && list.offers_proposed.is_empty()
        && takeable(NextActionId::Offer)
    {
        return Some(NextActionId::Offer);
    }
    if first == NextActionId::Acknowledge && !list.messages.contains(&MessageKind::Acknowledgement)
    {
        if takeable(NextActionId::Route) {
            return Some(NextActionId::Route);
        }
        if takeable(NextActionId::SendReply) {
            return Some(NextActionId::SendReply);
        }
    }
    Some(first)
}
