//! What the desk's lists show of a case (its inbox row, what the queues filter on, its tasks),
//! derived from the case's folded state by one function. The store writes exactly this, so the
//! lists can never disagree with the rules `evolve` applies, and adding an event kind means
//! teaching `evolve` and, when it changes what a list shows, this projection.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use uuid::Uuid;

use crate::case::{CaseStatus, RequestChannel};
use crate::policy::{Policy, Route, Step};
use crate::role::Role;
use crate::workflow::{
    ready_to_finalize, AccountFacts, CaseState, Refund, RefundReviewReason, RefundStatus,
    WinBackOutcome,
};
use crate::CoreError;

/// Work for a person or a team that a case makes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
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
    /// The case itself, handed to a person, a team or a role (by a hand-off route or command).
    HandOff,
    /// Billing's heads-up on a refund under review (the 2017 SOP's chat message to billing):
    /// open until the refund is verified, completed or denied.
    BillingHeadsUp,
    /// Remind the customer about the form that has not come back.
    FormReminder,
    /// Check with the customer that an issued refund arrived, some business days after it was
    /// issued (`refunds.status_check_business_days`).
    RefundStatusCheck,
}

impl TaskKind {
    pub const ALL: [TaskKind; 9] = [
        TaskKind::SaveCall,
        TaskKind::CsmEscalation,
        TaskKind::RefundReview,
        TaskKind::RefundProcessing,
        TaskKind::WinBack,
        TaskKind::HandOff,
        TaskKind::BillingHeadsUp,
        TaskKind::FormReminder,
        TaskKind::RefundStatusCheck,
    ];

    /// The kind `as_str` names, as the store reads it back.
    pub fn parse(text: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::SaveCall => "save_call",
            TaskKind::CsmEscalation => "csm_escalation",
            TaskKind::RefundReview => "refund_review",
            TaskKind::RefundProcessing => "refund_processing",
            TaskKind::WinBack => "win_back",
            TaskKind::HandOff => "hand_off",
            TaskKind::BillingHeadsUp => "billing_heads_up",
            TaskKind::FormReminder => "form_reminder",
            TaskKind::RefundStatusCheck => "refund_status_check",
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
    /// The person the task is for, by the name the policy or the case gives.
    pub assignee: Option<String>,
    /// The role whose members the task is for, when no person is named or beside the one named
    /// (a refund to process is billing's). `None` with no `assignee`: anyone may pick it up.
    pub assignee_role: Option<Role>,
    /// What the assignee needs to see without opening the case (the number to call and the
    /// reason, why it was handed off, a heads-up's amount, requester and justification).
    pub detail: Option<String>,
    pub due_at: Timestamp,
    pub open: bool,
}

/// Who billing's refund work goes to under a policy: its named billing person, and the roles
/// that approve and complete refunds.
struct RefundDesk {
    /// The policy's billing person.
    person: Option<String>,
    /// The billing person reviews too when billing approves refunds (the 2017 SOP's Heather).
    reviewer: Option<String>,
    /// The first role allowed to approve refunds; `None` when the policy lets any role.
    reviewer_role: Option<Role>,
    /// The first role allowed to complete refunds; billing when the policy lets any role, since
    /// billing processes refunds.
    processor_role: Role,
}

impl RefundDesk {
    fn of(policy: Option<&Policy>) -> Self {
        let Some(policy) = policy else {
            return RefundDesk {
                person: None,
                reviewer: None,
                reviewer_role: None,
                processor_role: Role::Billing,
            };
        };
        let person = policy.refunds.billing_assignee.clone();
        let approvers = policy.roles_for(Step::ApproveRefund);
        RefundDesk {
            reviewer: person
                .clone()
                .filter(|_| approvers.contains(&Role::Billing)),
            person,
            reviewer_role: approvers.first().copied(),
            processor_role: policy
                .roles_for(Step::CompleteRefund)
                .first()
                .copied()
                .unwrap_or(Role::Billing),
        }
    }
}

/// What billing's heads-up says: the amount, why it is under review, who asked and why.
fn heads_up(refund: &Refund) -> String {
    let mut why = Vec::new();
    for reason in &refund.review_reasons {
        why.push(match reason {
            RefundReviewReason::AboveThreshold => "above the refund threshold",
            RefundReviewReason::OutsideWindow => "requested after the refund window",
        });
    }
    let mut text = format!("Refund of {} under review", refund.amount);
    if !why.is_empty() {
        text.push_str(&format!(" ({})", why.join(", ")));
    }
    text.push_str(&format!(", requested by {}", refund.requested_by));
    if let Some(charged_on) = refund.charged_on {
        text.push_str(&format!(", for the charge of {charged_on}"));
    }
    if !refund.justification.is_empty() {
        text.push_str(&format!(": {}", refund.justification));
    }
    text
}

/// What the status check's assignee needs to see: the amount, and the day it was issued in the
/// policy's time zone (UTC without a policy).
fn status_check_detail(refund: &Refund, policy: Option<&Policy>) -> String {
    let mut text = format!("Refund of {}", refund.amount);
    if let Some(at) = refund.completed_at {
        let zone = policy.map_or(TimeZone::UTC, |policy| policy.sla.calendar.zone.clone());
        let day = at.to_zoned(zone).date();
        text.push_str(&format!(" issued on {}", day.strftime("%A %Y-%m-%d")));
    }
    text.push_str(": ask the customer whether it arrived");
    text
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
    /// The role holding the case, when it was handed to a role rather than a person.
    pub owner_role: Option<Role>,
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
        assignee_role: None,
        detail: None,
        due_at,
        open,
    };
    // Work the case makes is due when the customer is owed an answer.
    let due = state.first_response_due;
    let mut tasks = Vec::new();
    let reason = state.reason_id.as_deref().map(|id| {
        policy
            .and_then(|policy| policy.reason(id))
            .map_or_else(|| id.to_owned(), |reason| reason.label.clone())
    });
    if state.route == Some(Route::SaveCall) {
        let mut details = Vec::new();
        if let Some(phone) = &state.save_call_phone {
            details.push(format!("Call {phone}"));
        }
        if let Some(reason) = &reason {
            details.push(format!("reason: {reason}"));
        }
        tasks.push(Task {
            detail: (!details.is_empty()).then(|| details.join("; ")),
            ..task(
                TaskKind::SaveCall,
                "",
                None,
                state.save_call_assignee.clone(),
                state.save_call_due.unwrap_or(due),
                // A case closed otherwise (withdrawn, saved by an offer, failed verification)
                // leaves nobody to call, and accepts no outcome that would close the task.
                !state.retention_attempted && !state.status.is_closed(),
            )
        });
    }
    let handed_off = state.route == Some(Route::HandOff) || state.handed_off_at.is_some();
    if handed_off && (state.owner.is_some() || state.owner_role.is_some()) {
        let why = state
            .hand_off_reason
            .clone()
            .or_else(|| reason.as_ref().map(|reason| format!("Routed: {reason}")));
        tasks.push(Task {
            detail: why,
            assignee_role: state.owner_role,
            ..task(
                TaskKind::HandOff,
                "",
                None,
                state.owner.clone(),
                state.handed_off_at.unwrap_or(due),
                !state.status.is_closed(),
            )
        });
    }
    if let Some(csm) = &state.escalated_to {
        tasks.push(task(
            TaskKind::CsmEscalation,
            "",
            None,
            Some(csm.clone()),
            due,
            // Likewise a closed case is nothing more for the CSM to engage with.
            !state.csm_engaged && !state.status.is_closed(),
        ));
    }
    let billing = RefundDesk::of(policy);
    for refund in state.refunds.values() {
        let about = refund.refund_id.to_string();
        if refund.under_review {
            tasks.push(Task {
                assignee_role: billing.reviewer_role,
                ..task(
                    TaskKind::RefundReview,
                    &about,
                    Some(refund.refund_id),
                    billing.reviewer.clone(),
                    due,
                    refund.status == RefundStatus::UnderReview,
                )
            });
        }
        if refund.verified_by.is_some() || !refund.under_review {
            tasks.push(Task {
                assignee_role: Some(billing.processor_role),
                ..task(
                    TaskKind::RefundProcessing,
                    &about,
                    Some(refund.refund_id),
                    billing.person.clone(),
                    due,
                    refund.status == RefundStatus::BillingInProgress,
                )
            });
        }
        if let Some(due_at) = refund.status_check_due {
            // The person who asked for the refund follows it up; a refund whose requester is not
            // known goes to whoever holds the case.
            let requester = Some(refund.requested_by.trim())
                .filter(|name| !name.is_empty())
                .map(str::to_owned);
            let assignee = requester.or_else(|| state.owner.clone());
            tasks.push(Task {
                assignee_role: if assignee.is_none() {
                    state.owner_role
                } else {
                    None
                },
                detail: Some(status_check_detail(refund, policy)),
                ..task(
                    TaskKind::RefundStatusCheck,
                    &about,
                    Some(refund.refund_id),
                    assignee,
                    due_at,
                    refund.status_check_open(),
                )
            });
        }
        if refund.billing_heads_up {
            tasks.push(Task {
                assignee_role: Some(Role::Billing),
                detail: Some(heads_up(refund)),
                ..task(
                    TaskKind::BillingHeadsUp,
                    &about,
                    Some(refund.refund_id),
                    billing.person.clone(),
                    due,
                    refund.status == RefundStatus::UnderReview,
                )
            });
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
        // Due when the business opens on the check-in's day in the policy's zone (the engine
        // takes its outcome from that day on), or on the next business day; midnight UTC
        // without a policy.
        let opening = policy.and_then(|policy| policy.sla.calendar.opening_on_or_after(*date));
        let at = match opening {
            Some(at) => at,
            None => date
                .to_zoned(TimeZone::UTC)
                .map_err(|error| {
                    CoreError::invalid("check_ins", format!("check-in date {date}: {error}"))
                })?
                .timestamp(),
        };
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
    // A task handed off shows in its receiver's queue instead.
    for task in &mut tasks {
        if let Some(holder) = state.task_holders.get(&task.id) {
            task.assignee = holder.to.clone();
            task.assignee_role = holder.to_role;
        }
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
        owner_role: state.owner_role,
        offer_awaiting_approval: state
            .pending_offer
            .as_ref()
            .filter(|offer| offer.needs_approval && !offer.approved)
            .map(|offer| offer.offer_id.clone()),
        ready_to_finalize: ready,
        tasks,
    })
}
