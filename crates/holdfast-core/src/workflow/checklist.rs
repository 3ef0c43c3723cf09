//! Where a case stands against its policy, as the desk draws it: what is done, what the
//! procedure offers next, whether the current user may take each step, and which gates still
//! block finalization.

use serde::Serialize;
use ts_rs::TS;

use jiff::civil::Date;
use jiff::Timestamp;

use super::gates::{
    checklist_item_done, finalization_blockers, open_checklist_items, ready_to_finalize,
    retention_due,
};
use super::next_actions::{next_actions, next_step, NextAction, NextActionId};
use super::permissions::may_take;
use super::sheet::{cancellation_sheet_row, CancellationSheetRow};
use super::{
    AccountFacts, Actor, CaseState, Finalization, PendingOffer, Refund, SyncConflict,
    WinBackCheckInOutcome,
};
use crate::account::PreferredChannel;
use crate::case::CaseStatus;
use crate::error::Gate;
use crate::money::Money;
use crate::policy::{
    AcknowledgeChannel, ChecklistStep, ChecklistWhen, MessageKind, OfferTerms, Policy, Route, Step,
    ThresholdScope, VerificationMethod,
};
use crate::read_model::{case_read_model, TaskKind};
use crate::role::Role;
use crate::CoreError;

/// One item of the policy's finalization checklist, and who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChecklistItemStatus {
    pub id: String,
    pub label: String,
    pub when: ChecklistWhen,
    /// The step that does it; `None` when a person confirms it (`confirm_checklist_item`).
    pub step: Option<ChecklistStep>,
    pub done: bool,
    /// Who confirmed it, when, and their note (items a person confirms).
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<Timestamp>,
    pub note: Option<String>,
}

/// An open task of the case, as the case page lists it (and the hand-off form offers it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OpenTask {
    pub id: String,
    pub kind: TaskKind,
    pub assignee: Option<String>,
    pub assignee_role: Option<Role>,
    pub detail: Option<String>,
    pub due_at: Timestamp,
}

/// One win-back check-in, as its queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WinBackCheckIn {
    /// 1-based, for `record_win_back_outcome`.
    pub number: u32,
    pub due: Date,
    pub assignee: Option<String>,
    pub outcome: Option<WinBackCheckInOutcome>,
}

/// One gate still standing, with the reason in the desk's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Blocker {
    pub gate: Gate,
    pub reason: String,
}

/// A reason of the policy's taxonomy, for the reason form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReasonChoice {
    pub id: String,
    pub label: String,
    /// What the procedure suggests doing about it.
    pub mitigations: Vec<String>,
}

/// The one-time code last sent, as the desk may show it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CodeStatus {
    pub contact: String,
    pub expires_at: Timestamp,
    pub attempts_left: u32,
    pub locked: bool,
}

/// Whether the current user may take a step, and if not, why, in the desk's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StepPermission {
    pub step: Step,
    /// `None` when the user may take the step.
    pub refused: Option<String>,
}

/// Where a case stands against its policy: what is done, what the procedure offers next, and
/// what still blocks finalization. The desk draws its checklist from this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Checklist {
    pub status: CaseStatus,
    pub acknowledged: bool,
    pub identity_verified: bool,
    /// Verified by a one-time code this desk accepted without being able to check it: its team
    /// server checks the code at the next sync and may still find it wrong.
    pub identity_provisional: bool,
    /// Set when the identity was verified through an e-mail address or phone number that is no
    /// longer on file (the account was imported again with another contact): the verification no
    /// longer counts (`identity_verified` is false) and the case page shows this as an alert.
    pub contact_warning: Option<String>,
    pub verification_methods: Vec<VerificationMethod>,
    /// The one-time code waiting to be read back, if one was sent.
    pub one_time_code: Option<CodeStatus>,
    /// The policy has a cancellation request form; these are its fields.
    pub form_fields: Option<Vec<String>>,
    pub form_sent: bool,
    pub form_reminders: u32,
    pub form_received: bool,
    /// The policy's reason taxonomy, and the reason recorded on the case.
    pub reasons: Vec<ReasonChoice>,
    pub reason_id: Option<String>,
    pub route: Option<Route>,
    /// The procedure involves a CSM (its gate), or the case was escalated to one.
    pub csm_step: bool,
    pub escalated_to: Option<String>,
    pub csm_engaged: bool,
    pub retention_outcome_due: bool,
    pub offer_pending: Option<PendingOffer>,
    /// Offers proposed on this case, in order.
    pub offers_proposed: Vec<String>,
    /// The policy's currency, in which offers and refunds are made.
    pub currency: String,
    /// The policy's offer catalogue with its limits, for the offer composer.
    pub offers: Vec<OfferTerms>,
    /// Offers this account accepted before, on any case.
    pub offers_granted: Vec<String>,
    /// Refunds above this need a second person's verification.
    pub refund_threshold: Money,
    /// Whether the threshold is compared with each request or with the case's total.
    pub refund_threshold_applies_to: ThresholdScope,
    /// Refunds are possible up to this many days after the charge; the refund form then asks
    /// for the charge date.
    pub refund_window_days: Option<u32>,
    /// The case's refunds with what whoever approves them needs to see: the amount, who
    /// requested it and why (`justification`), the charge date, why it is under review, and
    /// whether billing had a heads-up.
    pub refunds: Vec<Refund>,
    /// Unpaid invoices on the account, and how many this case wrote off.
    pub unpaid_invoices: u32,
    pub invoices_written_off: u32,
    /// The policy asks for the request to be logged (the cancellation sheet).
    pub log_required: bool,
    /// The case's open tasks (a save call, an escalation, billing's work, a hand-off), who has
    /// each and what it says, from the same projection the queues read.
    pub open_tasks: Vec<OpenTask>,
    /// The case's row of the cancellation sheet, where the policy keeps one (`log_required`).
    pub cancellation_sheet: Option<CancellationSheetRow>,
    pub logged: bool,
    pub finalization: Option<Finalization>,
    /// The account's preferred channel, on which the confirmation must go out.
    pub preferred_channel: Option<PreferredChannel>,
    pub confirmed_on: Option<PreferredChannel>,
    pub feedback_recorded: bool,
    /// The exit-survey link for the account's hosting server, if the policy has one.
    pub survey_link: Option<String>,
    /// The policy schedules win-back check-ins (months after the effective date).
    pub win_back_months: Vec<u32>,
    pub win_back_check_ins: Option<Vec<Date>>,
    /// The policy's message templates, and those recorded as sent on this case.
    pub messages: Vec<MessageKind>,
    pub messages_sent: Vec<MessageKind>,
    pub blockers: Vec<Blocker>,
    pub ready_to_finalize: bool,
    /// For every step, whether the current user may take it.
    pub permissions: Vec<StepPermission>,
    /// What the case can take now, for the command palette, each with the reason the current
    /// user may not take it.
    pub next_actions: Vec<NextAction>,
    /// The one step the case page leads with for the current user: the first of the next actions
    /// that the procedure needs now and that this user may take (see `next_actions::next_step`).
    /// `None` when nothing is waiting on them (the case waits for someone else, or is done).
    pub next_step: Option<NextActionId>,
    /// Guarded steps the sync server did not apply because the case had moved.
    pub conflicts: Vec<SyncConflict>,
    /// Routing needs the accounts receivable and nobody knows them: the desk asks for them.
    pub receivable_needed: bool,
    /// The accounts receivable entered on the case, if any.
    pub receivable_entered: Option<Money>,
    /// Routing waits for the reason, because the policy routes on it.
    pub reason_needed_for_route: bool,
    /// Who holds the case: a person or team, or a role.
    pub owner: Option<String>,
    pub owner_role: Option<Role>,
    /// The policy's finalization checklist, each item with who did it.
    pub finalization_checklist: Vec<ChecklistItemStatus>,
    /// A message with the account's exit-survey link was sent.
    pub survey_link_sent: bool,
    /// The message the route decided on (a sympathetic reply with the exit-survey link), while
    /// it has not gone out: the desk opens it drafted, one action from sent.
    pub reply_due: Option<MessageKind>,
    /// How the policy lets the first response reach the customer: `message` (recording the
    /// acknowledgement message) and any other way it accepts (a call, recorded with a note).
    pub acknowledge_by: Vec<AcknowledgeChannel>,
    /// The channel the confirmation message went out on after the cancellation, if it did.
    pub confirmation_sent_on: Option<PreferredChannel>,
    /// The win-back check-ins with their assignee and outcome, once scheduled.
    pub win_back: Vec<WinBackCheckIn>,
    /// Where the form is submitted and how it is filled in (the policy's), sent with the form.
    pub form_submit_to: Option<String>,
    pub form_instructions: Option<String>,
    /// When the form reminder is due, while the form has not come back.
    pub form_reminder_due: Option<Timestamp>,
    /// The issued refunds whose status check is due (its time has come) and not recorded, when
    /// the checklist was built with the time (`checklist_at`); such a check leads the case page.
    /// Each refund's `status_check_due` says when its check falls, due or not.
    pub refund_checks_due: Vec<uuid::Uuid>,
}

/// Where the case stands, without the time: nothing is counted as due (a refund's status check
/// is offered but does not lead). The desk builds its checklist with `checklist_at`.
pub fn checklist(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
    actor: &Actor,
) -> Checklist {
    build(state, policy, account, actor, None)
}

/// Where the case stands at `now`: as `checklist`, and what has fallen due by then leads (a
/// refund's status check whose time has come).
pub fn checklist_at(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
    actor: &Actor,
    now: Timestamp,
) -> Checklist {
    build(state, policy, account, actor, Some(now))
}

fn build(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
    actor: &Actor,
    now: Option<Timestamp>,
) -> Checklist {
    let mut list = Checklist {
        status: state.status,
        acknowledged: state.acknowledged_at.is_some(),
        identity_verified: state.identity_holds(account),
        identity_provisional: state.identity_holds(account) && state.identity_provisional,
        contact_warning: state
            .contact_changed_since_verification(account)
            .then(|| super::state::CONTACT_CHANGED_WARNING.to_owned()),
        verification_methods: policy.identity.methods.clone(),
        one_time_code: state.one_time_code.as_ref().map(|code| CodeStatus {
            contact: code.contact.clone(),
            expires_at: code.expires_at,
            attempts_left: policy
                .identity
                .code_max_attempts
                .saturating_sub(code.failed_attempts),
            locked: code.locked,
        }),
        form_fields: policy.form.as_ref().map(|form| form.fields.clone()),
        form_sent: state.form_sent,
        form_reminders: state.form_reminders,
        form_received: state.form_received,
        reasons: policy
            .reasons
            .iter()
            .map(|reason| ReasonChoice {
                id: reason.id.clone(),
                label: reason.label.clone(),
                mitigations: reason.mitigations.clone(),
            })
            .collect(),
        reason_id: state.reason_id.clone(),
        route: state.route,
        csm_step: policy.gates.csm_escalation_before_finalization || state.escalated_to.is_some(),
        escalated_to: state.escalated_to.clone(),
        csm_engaged: state.csm_engaged,
        // The attempt follows the route (the engine refuses it before): not due until routed.
        retention_outcome_due: (matches!(
            state.route,
            Some(Route::SaveCall | Route::ManagerRetention)
        ) || policy.gates.retention_before_finalization
            && state.route.is_some()
            && retention_due(state))
            && !state.retention_attempted,
        offer_pending: state.pending_offer.clone(),
        offers_proposed: state.offers_proposed.clone(),
        currency: policy.currency.code().to_owned(),
        offers: policy.offers.clone(),
        offers_granted: account.offers_granted.clone(),
        refund_threshold: policy.refunds.threshold,
        refund_threshold_applies_to: policy.refunds.threshold_applies_to,
        refund_window_days: policy.refunds.window_days,
        refunds: state.refunds.values().cloned().collect(),
        unpaid_invoices: account.unpaid_invoices,
        invoices_written_off: state.invoices_written_off,
        log_required: policy.gates.logged_before_finalization,
        open_tasks: open_tasks(state, policy, account),
        cancellation_sheet: policy
            .gates
            .logged_before_finalization
            .then(|| cancellation_sheet_row(state, policy, account)),
        logged: state.logged,
        finalization: state.finalization.clone(),
        preferred_channel: account.preferred_channel,
        confirmed_on: state.confirmed_on,
        feedback_recorded: state.feedback_recorded,
        survey_link: policy
            .survey_link(account.hosting_server.as_deref())
            .map(str::to_owned),
        win_back_months: policy.win_back_months.clone(),
        win_back_check_ins: state.win_back_check_ins.clone(),
        messages: policy.messages.keys().copied().collect(),
        messages_sent: state.messages_sent.clone(),
        blockers: finalization_blockers(state, policy, account)
            .into_iter()
            .map(|gate| Blocker {
                gate,
                reason: gate.describe().to_owned(),
            })
            .chain(
                open_checklist_items(state, policy, account)
                    .into_iter()
                    .map(|item| Blocker {
                        gate: Gate::ChecklistItem,
                        reason: format!("\"{}\" has not been done", item.label),
                    }),
            )
            .collect(),
        ready_to_finalize: ready_to_finalize(state, policy, account),
        permissions: Step::ALL
            .into_iter()
            .map(|step| StepPermission {
                step,
                refused: may_take(actor, step, policy)
                    .err()
                    .or_else(|| waits_for_identity(step, state, policy, account))
                    .map(|error| error.to_string()),
            })
            .collect(),
        conflicts: state.conflicts.clone(),
        receivable_needed: super::decide::receivable_needed(state, policy, account),
        receivable_entered: state.receivable_entered,
        reason_needed_for_route: state.route.is_none()
            && policy.routes_on_reason()
            && state.reason_id.is_none(),
        owner: state.owner.clone(),
        owner_role: state.owner_role,
        next_actions: Vec::new(),
        next_step: None,
        finalization_checklist: policy
            .finalization
            .checklist
            .iter()
            .map(|item| {
                let confirmed = state.checklist_confirmed.get(&item.id);
                ChecklistItemStatus {
                    id: item.id.clone(),
                    label: item.label.clone(),
                    when: item.when,
                    step: item.step,
                    done: checklist_item_done(item, state, account),
                    confirmed_by: confirmed.map(|done| done.by.clone()),
                    confirmed_at: confirmed.map(|done| done.at),
                    note: confirmed.map(|done| done.note.clone()),
                }
            })
            .collect(),
        survey_link_sent: state.survey_link_sent,
        reply_due: (state.route == Some(Route::SympatheticReply)
            && policy.messages.contains_key(&MessageKind::SympatheticReply)
            && !state.messages_sent.contains(&MessageKind::SympatheticReply))
        .then_some(MessageKind::SympatheticReply),
        acknowledge_by: policy.sla.acknowledge_by.clone(),
        confirmation_sent_on: state.confirmation_sent_on,
        win_back: state
            .win_back_check_ins
            .iter()
            .flatten()
            .zip(1u32..)
            .map(|(due, number)| WinBackCheckIn {
                number,
                due: *due,
                assignee: state.win_back_assignee.clone(),
                outcome: state.win_back_outcomes.get(&number).cloned(),
            })
            .collect(),
        form_submit_to: policy.form.as_ref().and_then(|form| form.submit_to.clone()),
        form_instructions: policy
            .form
            .as_ref()
            .and_then(|form| form.instructions.clone()),
        form_reminder_due: state.form_remind_at.filter(|_| !state.form_received),
        refund_checks_due: now
            .map(|now| {
                state
                    .refund_checks_open()
                    .filter(|refund| refund.status_check_due.is_some_and(|due| due <= now))
                    .map(|refund| refund.refund_id)
                    .collect()
            })
            .unwrap_or_default(),
    };
    list.next_actions = next_actions(&list);
    list.next_step = next_step(&list);
    list
}

/// Under a procedure that verifies the requester first (`identity_first`), every step but taking
/// the request and verifying the identity waits for it; the desk shows those steps disabled with
/// the gate's words instead of letting a person fill a form the engine will refuse.
fn waits_for_identity(
    step: Step,
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
) -> Option<CoreError> {
    let waits = policy.gates.identity_first
        && !state.identity_holds(account)
        && !matches!(step, Step::Receive | Step::VerifyIdentity);
    waits.then_some(CoreError::GateNotMet {
        gate: Gate::IdentityVerified,
    })
}

fn open_tasks(state: &CaseState, policy: &Policy, account: &AccountFacts) -> Vec<OpenTask> {
    // The projection fails only on a win-back date it cannot place in time; the case page then
    // lists no tasks rather than none of its checklist.
    case_read_model(state, Some(policy), Some(account))
        .map(|model| {
            model
                .tasks
                .into_iter()
                .filter(|task| task.open)
                .map(|task| OpenTask {
                    id: task.id,
                    kind: task.kind,
                    assignee: task.assignee,
                    assignee_role: task.assignee_role,
                    detail: task.detail,
                    due_at: task.due_at,
                })
                .collect()
        })
        .unwrap_or_default()
}
