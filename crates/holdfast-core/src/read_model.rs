//! What the desk's lists show of a case (its inbox row, what the queues filter on, its tasks),
//! derived from the case's folded state by one function. The store writes exactly this, so the
//! lists can never disagree with the rules `evolve` applies, and adding an event kind means
//! teaching `evolve` and, when it changes what a list shows, this projection.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use uuid::Uuid;

use crate::case::{CaseStatus, RequestChannel};
use crate::policy::{Policy, Route};
use crate::workflow::{ready_to_finalize, AccountFacts, CaseState, RefundStatus, WinBackOutcome};
use crate::CoreError;

/// Work for a person or a team that a case makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskKind {
    /// The original sales rep's (or the fallback's) save call.
    SaveCall,
    /// The CSM's engagement after an escalation.
    CsmEscalation,
    /// A refund above the threshold waiting for a second person.
    RefundReview,
    /// A refund with billing to process.
    RefundProcessing,
    /// A check-in months after the cancellation.
    WinBack,
    /// Remind the customer about the form that has not come back.
    FormReminder,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::SaveCall => "save_call",
            TaskKind::CsmEscalation => "csm_escalation",
            TaskKind::RefundReview => "refund_review",
            TaskKind::RefundProcessing => "refund_processing",
            TaskKind::WinBack => "win_back",
            TaskKind::FormReminder => "form_reminder",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Stable across projections: the case, the kind and what it is about.
    pub id: String,
    pub kind: TaskKind,
    /// The refund a refund task is about.
    pub subject: Option<Uuid>,
    pub assignee: Option<String>,
    pub due_at: Timestamp,
    pub open: bool,
}

/// A case as the lists read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReadModel {
    pub case_id: Uuid,
    pub account_id: Uuid,
    pub status: CaseStatus,
    pub version: u64,
    pub channel: RequestChannel,
    pub requester_name: String,
    pub requester_contact: String,
    pub received_at: Timestamp,
    pub first_response_due: Timestamp,
    /// The first-response clock stops here.
    pub acknowledged_at: Option<Timestamp>,
    pub reason_id: Option<String>,
    pub owner: Option<String>,
    /// The offer outside the policy's limits waiting for approval (the offer approval queue).
    pub offer_awaiting_approval: Option<String>,
    /// Every gate met and nothing pending: waiting for someone allowed to finalize.
    pub ready_to_finalize: bool,
    pub tasks: Vec<Task>,
}

/// The read model of `state`. Readiness for finalization needs the policy and the account's
/// facts; without either the case is not shown as ready.
pub fn case_read_model(
    state: &CaseState,
    policy: Option<&Policy>,
    facts: Option<&AccountFacts>,
) -> Result<CaseReadModel, CoreError> {
    let case_key = state.id.to_string();
    let task = |kind: TaskKind, about: &str, subject, assignee, due_at, open| Task {
        id: format!("{case_key}/{}/{about}", kind.as_str()),
        kind,
        subject,
        assignee,
        due_at,
        open,
    };
    // Work the case makes is due when the customer is owed an answer.
    let due = state.first_response_due;
    let mut tasks = Vec::new();
    if state.route == Some(Route::SaveCall) {
        tasks.push(task(
            TaskKind::SaveCall,
            "",
            None,
            state.save_call_assignee.clone(),
            due,
            !state.retention_attempted,
        ));
    }
    if let Some(csm) = &state.escalated_to {
        tasks.push(task(
            TaskKind::CsmEscalation,
            "",
            None,
            Some(csm.clone()),
            due,
            !state.csm_engaged,
        ));
    }
    for refund in state.refunds.values() {
        let about = refund.refund_id.to_string();
        if refund.under_review {
            tasks.push(task(
                TaskKind::RefundReview,
                &about,
                Some(refund.refund_id),
                None,
                due,
                refund.status == RefundStatus::UnderReview,
            ));
        }
        if refund.verified_by.is_some() || !refund.under_review {
            tasks.push(task(
                TaskKind::RefundProcessing,
                &about,
                Some(refund.refund_id),
                None,
                due,
                refund.status == RefundStatus::BillingInProgress,
            ));
        }
    }
    if let Some(remind_at) = state.form_remind_at {
        tasks.push(task(
            TaskKind::FormReminder,
            "",
            None,
            state.owner.clone(),
            remind_at,
            state.form_sent && !state.form_received && !state.status.is_closed(),
        ));
    }
    // After the customer came back, later check-ins have nothing left to win back.
    let came_back_at = state
        .win_back_outcomes
        .iter()
        .find(|(_, done)| done.outcome == WinBackOutcome::Reactivated)
        .map(|(number, _)| *number);
    for (index, date) in state.win_back_check_ins.iter().flatten().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let at = date
            .to_zoned(TimeZone::UTC)
            .map_err(|error| {
                CoreError::invalid("check_ins", format!("check-in date {date}: {error}"))
            })?
            .timestamp();
        tasks.push(task(
            TaskKind::WinBack,
            &number.to_string(),
            None,
            state.win_back_assignee.clone(),
            at,
            !state.win_back_outcomes.contains_key(&number)
                && came_back_at.is_none_or(|came_back| number < came_back),
        ));
    }
    let ready = match (policy, facts) {
        (Some(policy), Some(facts)) => ready_to_finalize(state, policy, facts),
        _ => false,
    };
    Ok(CaseReadModel {
        case_id: state.id,
        account_id: state.account_id,
        status: state.status,
        version: state.version,
        channel: state.channel,
        requester_name: state.requester_name.clone(),
        requester_contact: state.requester_contact.clone(),
        received_at: state.received_at,
        first_response_due: state.first_response_due,
        acknowledged_at: state.acknowledged_at,
        reason_id: state.reason_id.clone(),
        owner: state.owner.clone(),
        offer_awaiting_approval: state
            .pending_offer
            .as_ref()
            .filter(|offer| offer.needs_approval && !offer.approved)
            .map(|offer| offer.offer_id.clone()),
        ready_to_finalize: ready,
        tasks,
    })
}
