//! Deciding a command: who may, whether the case's state and the policy's gates allow it, and
//! which events it produces. Pure: everything it needs comes in as arguments. This entry checks
//! the actor and the transition, then hands the command to the file of its step.

mod after_cancellation;
mod annotations;
mod checklist_items;
mod escalation;
mod finalization;
mod form;
mod identity;
mod intake;
mod offers;
mod refunds;
mod routing;

use jiff::Timestamp;

pub(crate) use routing::receivable_needed;

use super::permissions::{check_actor, step_of};
use super::{AccountFacts, Actor, CaseCommand, CaseEvent, CaseState};
use crate::case::{CaseStatus, OpenCase};
use crate::error::Gate;
use crate::money::Money;
use crate::policy::{MessageKind, Policy};
use crate::CoreError;

/// The commands a cancelled case still accepts, and the only ones: what follows the cancellation.
fn follows_cancellation(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::ConfirmCancellation { .. }
            | CaseCommand::RecordFeedback { .. }
            | CaseCommand::ScheduleWinBack
            | CaseCommand::RecordWinBackOutcome { .. }
    )
}

/// The check that an issued refund arrived: the money went out whatever became of the case
/// since (finalized, saved, withdrawn), so every case takes it (`refunds::record_status_check`
/// decides whether the refund has a check to record).
fn follows_a_refund(command: &CaseCommand) -> bool {
    matches!(command, CaseCommand::RecordRefundStatusCheck { .. })
}

/// The checklist's items come before or after the finalization: an open case and a cancelled
/// one take them (`checklist_items::confirm` decides which item when).
fn on_either_side_of_cancellation(command: &CaseCommand) -> bool {
    matches!(command, CaseCommand::ConfirmChecklistItem { .. })
}

/// Steps whose meaning depends on exactly the state they were decided against: if the case moved
/// between the device's decision and the server's, the server records a conflict instead of
/// deciding again (two managers finalizing the same case offline: one wins, the other sees the
/// conflict). Other commands are decided again against the server's state.
pub fn is_guarded(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::Finalize { .. }
            | CaseCommand::AcceptOffer
            | CaseCommand::ApproveOffer
            | CaseCommand::VerifyRefund { .. }
            | CaseCommand::CompleteRefund { .. }
            | CaseCommand::WriteOffInvoices { .. }
    )
}

/// Notes and the record of a message sent: they describe the case without moving it, so any case
/// takes them, whatever its status.
fn annotates(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::AddNote { .. } | CaseCommand::RecordMessage { .. }
    )
}

/// Commands that change the account, and so wait for a verified identity when the policy says so.
fn changes_the_account(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::ProposeOffer { .. }
            | CaseCommand::ApproveOffer
            | CaseCommand::AcceptOffer
            | CaseCommand::WriteOffInvoices { .. }
            | CaseCommand::RequestRefund { .. }
            | CaseCommand::Finalize { .. }
    )
}

/// What a procedure that verifies the identity first still takes before it: the request received
/// and acknowledged (with its message), the identity steps, notes and withdrawal.
fn before_identity(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::Receive { .. }
            | CaseCommand::Acknowledge { .. }
            | CaseCommand::VerifyIdentity { .. }
            | CaseCommand::SendOneTimeCode { .. }
            | CaseCommand::EnterOneTimeCode { .. }
            | CaseCommand::FailVerification { .. }
            | CaseCommand::AddNote { .. }
            | CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                ..
            }
            | CaseCommand::Withdraw { .. }
    )
}

fn in_policy_currency(field: &str, money: Money, policy: &Policy) -> Result<(), CoreError> {
    if money.currency == policy.currency {
        Ok(())
    } else {
        Err(CoreError::invalid(
            field,
            format!("must be in {}", policy.currency.code()),
        ))
    }
}

fn invalid_transition(state: &CaseState, command: &CaseCommand) -> CoreError {
    CoreError::InvalidTransition {
        from: state.status,
        command: command.verb(),
    }
}

/// What a step on a received case is decided against, besides the command itself.
struct Context<'a> {
    state: &'a CaseState,
    actor: &'a Actor,
    policy: &'a Policy,
    account: &'a AccountFacts,
    now: Timestamp,
}

/// Decides `command` on the case (`None` before it is received) for `actor` under `policy`.
pub fn decide(
    state: Option<&CaseState>,
    command: &CaseCommand,
    actor: &Actor,
    policy: &Policy,
    account: &AccountFacts,
    now: Timestamp,
) -> Result<Vec<CaseEvent>, CoreError> {
    check_actor(actor, step_of(command), policy)?;

    let state = match (state, command) {
        (
            None,
            CaseCommand::Receive {
                case_id,
                account_id,
                channel,
                requester_name,
                requester_contact,
                received_at,
            },
        ) => {
            let request = OpenCase {
                account_id: *account_id,
                channel: *channel,
                requester_name: requester_name.clone(),
                requester_contact: requester_contact.clone(),
                received_at: *received_at,
            };
            return Ok(vec![intake::receive(*case_id, request, policy, now)?]);
        }
        (None, _) => {
            return Err(CoreError::invalid(
                "case_id",
                "no cancellation request was received for this case",
            ))
        }
        (Some(state), _) => state,
    };

    // A cancelled case accepts what follows the cancellation and nothing else; any other closed
    // case accepts nothing; an open case accepts everything but what follows a cancellation.
    // A task handed off may belong to a cancelled case (a win-back check-in); `hand_off` checks
    // that the task is open.
    let hands_off_a_task = matches!(
        command,
        CaseCommand::HandOff {
            task_id: Some(_),
            ..
        }
    );
    let allowed = annotates(command)
        || follows_a_refund(command)
        || hands_off_a_task
        || (on_either_side_of_cancellation(command)
            && (state.status == CaseStatus::Cancelled || !state.status.is_closed()))
        || match state.status {
            CaseStatus::Cancelled => follows_cancellation(command),
            status if status.is_closed() => false,
            _ => !follows_cancellation(command),
        };
    if !allowed || matches!(command, CaseCommand::Receive { .. }) {
        return Err(invalid_transition(state, command));
    }
    let identity_first_refuses = policy.gates.identity_first && !before_identity(command);
    if (identity_first_refuses
        || policy.gates.identity_before_changes && changes_the_account(command))
        && !state.identity_holds(account)
    {
        return Err(CoreError::GateNotMet {
            gate: Gate::IdentityVerified,
        });
    }

    let cx = Context {
        state,
        actor,
        policy,
        account,
        now,
    };
    let event = match command {
        CaseCommand::Receive { .. } => return Err(invalid_transition(state, command)),
        CaseCommand::AddNote { text } => annotations::add_note(&cx, text)?,
        // A message can be the step it belongs to: the first response, the confirmation.
        CaseCommand::RecordMessage {
            kind,
            channel,
            body,
            email,
        } => return annotations::record_message(&cx, *kind, *channel, body, email.as_ref()),
        CaseCommand::Acknowledge { channel, note } => intake::acknowledge(&cx, *channel, note)?,
        CaseCommand::ConfirmChecklistItem { item_id, note } => {
            checklist_items::confirm(&cx, item_id, note)?
        }
        CaseCommand::RecordWinBackOutcome {
            check_in,
            outcome,
            note,
        } => after_cancellation::record_win_back_outcome(&cx, *check_in, *outcome, note)?,
        CaseCommand::VerifyIdentity {
            method,
            contact_used,
            evidence,
        } => identity::verify(&cx, *method, contact_used.as_deref(), evidence)?,
        CaseCommand::SendOneTimeCode { code, contact } => {
            identity::send_one_time_code(&cx, code, contact)?
        }
        CaseCommand::EnterOneTimeCode { code } => identity::enter_one_time_code(&cx, code)?,
        CaseCommand::FailVerification { note } => identity::fail(&cx, note)?,
        CaseCommand::SendForm { how } => form::send(&cx, how)?,
        CaseCommand::RemindForm => form::remind(&cx)?,
        CaseCommand::ReceiveForm { fields } => form::receive(&cx, fields)?,
        CaseCommand::CaptureReason {
            reason_id,
            details,
            pain_points,
        } => routing::capture_reason(&cx, reason_id, details, pain_points)?,
        CaseCommand::Route => routing::route(&cx)?,
        CaseCommand::Escalate { csm, note } => escalation::escalate(&cx, csm, note)?,
        CaseCommand::RecordRetentionOutcome {
            retained,
            note,
            mitigations_tried,
        } => routing::record_retention_outcome(&cx, *retained, note, mitigations_tried)?,
        CaseCommand::RecordCsmOutcome { retained, note } => {
            escalation::record_csm_outcome(&cx, *retained, note)?
        }
        CaseCommand::ProposeOffer { offer_id, terms } => offers::propose(&cx, offer_id, terms)?,
        CaseCommand::ApproveOffer => offers::approve(&cx)?,
        CaseCommand::AcceptOffer => offers::accept(&cx)?,
        CaseCommand::DeclineOffer => offers::decline(&cx)?,
        CaseCommand::LogRequest => intake::log_request(&cx)?,
        CaseCommand::WriteOffInvoices { amount, invoices } => {
            refunds::write_off_invoices(&cx, *amount, *invoices)?
        }
        CaseCommand::RequestRefund {
            refund_id,
            amount,
            justification,
            charged_on,
        } => refunds::request(&cx, *refund_id, *amount, justification, *charged_on)?,
        CaseCommand::VerifyRefund { refund_id } => refunds::verify(&cx, *refund_id)?,
        CaseCommand::CompleteRefund { refund_id } => refunds::complete(&cx, *refund_id)?,
        CaseCommand::DenyRefund { refund_id, reason } => refunds::deny(&cx, *refund_id, reason)?,
        CaseCommand::RecordRefundStatusCheck {
            refund_id,
            received,
            note,
        } => refunds::record_status_check(&cx, *refund_id, *received, note)?,
        CaseCommand::Finalize {
            effective_date,
            data_export_offered,
        } => finalization::finalize(&cx, *effective_date, *data_export_offered)?,
        CaseCommand::ConfirmCancellation { channel } => after_cancellation::confirm(&cx, *channel)?,
        CaseCommand::RecordFeedback { text, survey_link } => {
            after_cancellation::record_feedback(&cx, text, survey_link.as_deref())?
        }
        CaseCommand::ScheduleWinBack => after_cancellation::schedule_win_back(&cx, command)?,
        CaseCommand::Withdraw { note } => intake::withdraw(note),
        CaseCommand::EnterReceivable { amount } => routing::enter_receivable(&cx, *amount)?,
        CaseCommand::HandOff {
            task_id,
            to,
            to_role,
            reason,
        } => routing::hand_off(&cx, task_id.as_deref(), to.as_deref(), *to_role, reason)?,
    };
    Ok(vec![event])
}
