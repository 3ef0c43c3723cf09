//! Who may take which step: the policy's roles per step, an active user, and who counts as the
//! same person. `decide` refuses on these; the checklist shows the desk the same answers.

use super::{Actor, CaseCommand};
use crate::policy::{Policy, Step};
use crate::CoreError;

pub(super) fn step_of(command: &CaseCommand) -> Option<Step> {
    Some(match command {
        // Notes and messages belong to no step of the procedure: anyone working cases may add them.
        CaseCommand::AddNote { .. } | CaseCommand::RecordMessage { .. } => return None,
        CaseCommand::Receive { .. }
        | CaseCommand::Acknowledge { .. }
        | CaseCommand::LogRequest
        | CaseCommand::Withdraw { .. } => Step::Receive,
        CaseCommand::VerifyIdentity { .. }
        | CaseCommand::SendOneTimeCode { .. }
        | CaseCommand::EnterOneTimeCode { .. }
        | CaseCommand::FailVerification { .. } => Step::VerifyIdentity,
        CaseCommand::SendForm { .. }
        | CaseCommand::RemindForm
        | CaseCommand::ReceiveForm { .. } => Step::TrackForm,
        CaseCommand::CaptureReason { .. } => Step::CaptureReason,
        // Whoever may route the case may give routing the receivable it needs.
        CaseCommand::Route | CaseCommand::EnterReceivable { .. } => Step::Route,
        CaseCommand::HandOff { .. } => Step::HandOff,
        CaseCommand::Escalate { .. } => Step::Escalate,
        CaseCommand::RecordCsmOutcome { .. } => Step::RecordCsmOutcome,
        CaseCommand::RecordRetentionOutcome { .. } => Step::RecordRetentionOutcome,
        CaseCommand::ProposeOffer { .. } => Step::ProposeOffer,
        CaseCommand::ApproveOffer => Step::ApproveOffer,
        CaseCommand::AcceptOffer | CaseCommand::DeclineOffer => Step::RecordOfferOutcome,
        CaseCommand::WriteOffInvoices { .. } => Step::WriteOff,
        // The person who asks for a refund follows it up: whoever may request refunds may record
        // whether one arrived.
        CaseCommand::RequestRefund { .. } | CaseCommand::RecordRefundStatusCheck { .. } => {
            Step::RequestRefund
        }
        CaseCommand::VerifyRefund { .. } | CaseCommand::DenyRefund { .. } => Step::ApproveRefund,
        CaseCommand::CompleteRefund { .. } => Step::CompleteRefund,
        CaseCommand::Finalize { .. } => Step::Finalize,
        CaseCommand::ConfirmCancellation { .. } => Step::Confirm,
        CaseCommand::RecordFeedback { .. } => Step::RecordFeedback,
        CaseCommand::ScheduleWinBack => Step::ScheduleWinBack,
        CaseCommand::ConfirmChecklistItem { .. } => Step::ConfirmChecklistItem,
        CaseCommand::RecordWinBackOutcome { .. } => Step::RecordWinBackOutcome,
    })
}

/// Whether `actor` may take `step` under `policy`: active, and holding one of the roles the
/// policy names for the step (any role when it names none, except for a step only named roles may
/// take, which nobody may then take). The desk asks this to show an action
/// disabled with its reason; `decide` asks it again for every command.
pub fn may_take(actor: &Actor, step: Step, policy: &Policy) -> Result<(), CoreError> {
    check_actor(actor, Some(step), policy)
}

pub(super) fn check_actor(
    actor: &Actor,
    step: Option<Step>,
    policy: &Policy,
) -> Result<(), CoreError> {
    if !actor.active {
        return Err(CoreError::InactiveUser {
            user_id: actor.user_id.clone(),
        });
    }
    let Some(step) = step else {
        return if actor.roles.is_empty() {
            Err(CoreError::invalid(
                "actor",
                "a user needs a role to work on cases",
            ))
        } else {
            Ok(())
        };
    };
    let needed = policy.roles_for(step);
    let allowed = if needed.is_empty() {
        !step.needs_named_roles() && !actor.roles.is_empty()
    } else {
        actor.roles.iter().any(|role| needed.contains(role))
    };
    if allowed {
        Ok(())
    } else {
        Err(CoreError::RoleRequired {
            step,
            needed: needed.to_vec(),
        })
    }
}

/// The same user, as the server knows them; blanks and case are not a second person.
pub(super) fn same_user(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}
