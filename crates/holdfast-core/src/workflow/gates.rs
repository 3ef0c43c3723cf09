//! The policy's gates before finalization: which of them a case has not met yet, and whether a
//! manager can finalize it now. `decide` refuses `Finalize` on the first unmet gate; the checklist
//! lists them all (and the queues hold the cases with none left).

use super::sheet::cancellation_sheet_row;
use super::{AccountFacts, CaseState};
use crate::error::Gate;
use crate::policy::{ChecklistItem, ChecklistStep, ChecklistWhen, MessageKind, Policy, Route};

/// Whether the case still owes its retention attempt, under a policy that puts retention before
/// finalization: a case routed to a sympathetic reply is answered instead of retained; every other
/// case (a save call, manager retention, going on to offers, a CSM, not routed yet) needs it.
pub fn retention_due(state: &CaseState) -> bool {
    state.route != Some(Route::SympatheticReply) && !state.retention_attempted
}

/// Whether a checklist item is done: confirmed by someone, or its step taken.
pub(crate) fn checklist_item_done(
    item: &ChecklistItem,
    state: &CaseState,
    account: &AccountFacts,
) -> bool {
    match item.step {
        None => state.checklist_confirmed.contains_key(&item.id),
        Some(ChecklistStep::WriteOff) => account.unpaid_invoices <= state.invoices_written_off,
        Some(ChecklistStep::Log) => state.logged,
        Some(ChecklistStep::Confirmation) => state.confirmed_on.is_some(),
        Some(ChecklistStep::ExitSurvey) => {
            state.feedback_recorded
                || state.survey_link_sent
                || state.messages_sent.contains(&MessageKind::ExitSurvey)
        }
        Some(ChecklistStep::WinBack) => state.win_back_check_ins.is_some(),
    }
}

/// The policy's checklist items to be done before the finalization that are not done yet, in
/// the policy's order. `decide` refuses `Finalize` on the first.
pub fn open_checklist_items<'p>(
    state: &CaseState,
    policy: &'p Policy,
    account: &AccountFacts,
) -> Vec<&'p ChecklistItem> {
    policy
        .finalization
        .checklist
        .iter()
        .filter(|item| item.when == ChecklistWhen::Before)
        .filter(|item| !checklist_item_done(item, state, account))
        .collect()
}

/// The policy's gates that the case has not met yet, in the order the procedure meets them.
pub fn finalization_blockers(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
) -> Vec<Gate> {
    let gates = &policy.gates;
    [
        (
            gates.identity_before_finalization() && !state.identity_holds(account),
            Gate::IdentityVerified,
        ),
        (
            gates.form_before_finalization && !state.form_received,
            Gate::FormReceived,
        ),
        (
            gates.csm_escalation_before_finalization && !state.csm_engaged,
            Gate::CsmEngaged,
        ),
        (
            gates.invoices_written_off_before_finalization
                && account.unpaid_invoices > state.invoices_written_off,
            Gate::InvoicesWrittenOff,
        ),
        (
            gates.logged_before_finalization && !state.logged,
            Gate::RequestLogged,
        ),
        (
            gates.reason_before_finalization && state.reason_id.is_none(),
            Gate::ReasonCaptured,
        ),
        (
            gates.retention_before_finalization && retention_due(state),
            Gate::RetentionAttempted,
        ),
        // Where the procedure keeps a cancellation sheet, no case is cancelled with a blank in
        // its row (the reason, its last column to be known, is a gate of its own first).
        (
            gates.logged_before_finalization
                && !cancellation_sheet_row(state, policy, account)
                    .missing()
                    .is_empty(),
            Gate::CancellationSheetComplete,
        ),
    ]
    .into_iter()
    .filter_map(|(unmet, gate)| unmet.then_some(gate))
    .collect()
}

/// An open case whose every gate is met, with no offer or refund waiting: a manager can finalize it.
pub fn ready_to_finalize(state: &CaseState, policy: &Policy, account: &AccountFacts) -> bool {
    !state.status.is_closed()
        && finalization_blockers(state, policy, account).is_empty()
        && open_checklist_items(state, policy, account).is_empty()
        && state.pending_offer.is_none()
        && state.open_refunds().next().is_none()
}
