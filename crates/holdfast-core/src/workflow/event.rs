//! What happened to a case. Each event records a fact decided by the engine; the audit trail and
//! sync carry them as they are.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{EmailReceipt, OfferProposal, RefundReviewReason};
use crate::account::PreferredChannel;
use crate::case::RequestChannel;
use crate::money::Money;
use crate::policy::{AcknowledgeChannel, MessageKind, Route, VerificationMethod};
use crate::role::Role;

fn is_false(value: &bool) -> bool {
    !*value
}

/// How a win-back check-in went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WinBackOutcome {
    /// The customer came back.
    Reactivated,
    Declined,
    NoAnswer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEvent {
    Received {
        case_id: Uuid,
        account_id: Uuid,
        channel: RequestChannel,
        requester_name: String,
        requester_contact: String,
        received_at: Timestamp,
        /// The first-response deadline, in the policy's business hours.
        first_response_due: Timestamp,
    },
    Acknowledged {
        at: Timestamp,
        /// How the first response reached the customer; older events (and a recorded message)
        /// leave it out or say `message`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<AcknowledgeChannel>,
        /// What was said, for a first response that is not a recorded message (a call).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    IdentityVerified {
        method: VerificationMethod,
        contact_used: Option<String>,
        evidence: String,
        at: Timestamp,
        /// A one-time code a desk accepted without being able to check it (the server sealed
        /// the code sent): the server decides again on push. Never in the server's log.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    /// A one-time code went to a contact on file; it replaces any code sent before.
    OneTimeCodeSent {
        /// The HMAC of the case and the code under the decider's key (`CodeKey`); the code itself
        /// is never recorded. Logs before codes were keyed hold a plain SHA-256 here.
        #[serde(alias = "code_hash")]
        code_digest: String,
        /// The id of the key that sealed it; absent on codes sent before codes were keyed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        contact: String,
        expires_at: Timestamp,
        at: Timestamp,
    },
    /// A wrong one-time code was entered.
    OneTimeCodeRejected {
        /// How many wrong codes have been entered for the current code, this one included.
        attempt: u32,
        /// No more tries: a new code must be sent.
        locked: bool,
        at: Timestamp,
    },
    VerificationFailed {
        note: String,
    },
    FormSent {
        how: String,
        at: Timestamp,
        /// Where the customer submits the form, from the policy, as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        submit_to: Option<String>,
        /// How to fill it in, from the policy, as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instructions: Option<String>,
        /// When the customer is to be reminded if the form has not come back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remind_at: Option<Timestamp>,
    },
    FormReminded {
        at: Timestamp,
        /// When the next reminder is due if the form still has not come back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remind_at: Option<Timestamp>,
    },
    FormReceived {
        fields: BTreeMap<String, String>,
        at: Timestamp,
    },
    ReasonCaptured {
        reason_id: String,
        details: String,
        pain_points: Vec<String>,
    },
    Routed {
        route: Route,
        /// Who got the save-call task, or the person or team a hand-off route gave the case to.
        assignee: Option<String>,
        /// The exit-survey link sent with a sympathetic reply.
        survey_link: Option<String>,
        /// The role a hand-off route gave the case to, when it named a role.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee_role: Option<Role>,
        /// When the save call is due; older events lack it and use the first-response deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        save_call_due: Option<Timestamp>,
        /// The number the save call is to ring, from the account.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        save_call_phone: Option<String>,
        /// Routing took the policy's route for unknown accounts receivable.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        receivable_unknown: bool,
    },
    Escalated {
        csm: String,
        note: String,
    },
    CsmOutcomeRecorded {
        retained: bool,
        note: String,
    },
    RetentionOutcomeRecorded {
        retained: bool,
        note: String,
        /// The captured reason's mitigations that were tried or declined.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mitigations_tried: Vec<String>,
    },
    OfferProposed {
        offer_id: String,
        terms: OfferProposal,
        /// Outside the policy's limits: it may not be accepted before approval.
        needs_approval: bool,
        /// The user who proposed it; someone else approves it. Empty on events recorded before
        /// it was kept.
        #[serde(default)]
        proposed_by: String,
    },
    OfferApproved {
        offer_id: String,
    },
    OfferAccepted {
        offer_id: String,
    },
    OfferDeclined {
        offer_id: String,
    },
    RequestLogged,
    InvoicesWrittenOff {
        amount: Money,
        invoices: u32,
    },
    RefundRequested {
        refund_id: Uuid,
        amount: Money,
        justification: String,
        /// The user who requested it; someone else verifies it when it is under review.
        requested_by: String,
        /// Above the threshold: under review until a second person verifies it. At or below:
        /// straight to billing ("billing in progress").
        under_review: bool,
        /// Billing is sent a heads-up about the request (above the threshold).
        billing_heads_up: bool,
        /// What the customer is told: that a credit will be processed (`refund_notice`) or that
        /// the request is being reviewed (`under_review`).
        customer_notice: MessageKind,
        at: Timestamp,
        /// The day of the charge refunded, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        charged_on: Option<Date>,
        /// Why it is under review (above the threshold, after the refund window), so the desk
        /// can say it; empty when it is not under review, and in events older than the reasons.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        review_reasons: Vec<RefundReviewReason>,
    },
    RefundVerified {
        refund_id: Uuid,
        verified_by: String,
        at: Timestamp,
    },
    /// Billing processed the refund.
    RefundCompleted {
        refund_id: Uuid,
        amount: Money,
        completed_by: String,
        at: Timestamp,
        /// When the customer is to be asked whether it arrived, when the policy asks for that
        /// check (`refunds.status_check_business_days`); older events lack it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status_check_due: Option<Timestamp>,
    },
    /// Someone checked with the customer whether an issued refund arrived.
    RefundStatusChecked {
        refund_id: Uuid,
        /// The customer confirmed they received it.
        received: bool,
        note: String,
        by: String,
        at: Timestamp,
    },
    RefundDenied {
        refund_id: Uuid,
        reason: String,
        denied_by: String,
        at: Timestamp,
    },
    Finalized {
        effective_date: Date,
        /// Recorded by older events only (always the effective date); the policy's checklist
        /// item records who confirmed the billing cessation date.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        billing_cessation_date: Option<Date>,
        /// The unused part of the current billing period; `None` when the account's plan price
        /// or billing period is not known.
        prorated_refund: Option<Money>,
        /// Recorded by older events only; the policy's checklist item records who offered it.
        #[serde(default, skip_serializing_if = "is_false")]
        data_export_offered: bool,
        /// Recorded by older events only, whoever had revoked anything; the policy's checklist
        /// item records who revoked API access.
        #[serde(default, skip_serializing_if = "is_false")]
        api_access_revoked: bool,
    },
    /// Someone confirmed an item of the policy's finalization checklist: they did it.
    ChecklistItemConfirmed {
        item_id: String,
        note: String,
        by: String,
        at: Timestamp,
    },
    CancellationConfirmed {
        channel: PreferredChannel,
        at: Timestamp,
    },
    FeedbackRecorded {
        text: String,
        survey_link: Option<String>,
        at: Timestamp,
    },
    WinBackScheduled {
        /// The check-in dates, earliest first.
        check_ins: Vec<Date>,
        /// Who makes the check-ins.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
    },
    /// A win-back check-in was made (1-based, in the order of the schedule).
    WinBackOutcomeRecorded {
        check_in: u32,
        outcome: WinBackOutcome,
        note: String,
        by: String,
        at: Timestamp,
    },
    Withdrawn {
        note: String,
    },
    NoteAdded {
        text: String,
        at: Timestamp,
    },
    /// The sync server did not apply a guarded step (see `is_guarded`) because the case had
    /// moved since the device decided it: recorded on the case so that both people see it.
    ConflictRecorded {
        /// What was attempted, as `CaseCommand::verb` says it ("finalize").
        command: String,
        /// Who attempted it.
        by: String,
        base_version: u64,
        server_version: u64,
        at: Timestamp,
    },
    /// Someone entered the accounts receivable on the case because the account did not have
    /// them; routing uses this amount while the account's stays unknown.
    ReceivableEntered {
        amount: Money,
        by: String,
        at: Timestamp,
    },
    /// The case (no `task_id`) or one of its tasks was given to a person or team (`to`) or a role
    /// (`to_role`).
    HandedOff {
        task_id: Option<String>,
        to: Option<String>,
        to_role: Option<Role>,
        reason: String,
        by: String,
        at: Timestamp,
    },
    /// A message went to the customer: the template it came from, the channel, and the text as
    /// sent.
    MessageSent {
        message: MessageKind,
        channel: PreferredChannel,
        body: String,
        at: Timestamp,
        /// The exit-survey link the policy gives the account, when the body contains it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        survey_link: Option<String>,
        /// Sent by the desk over SMTP: the `Message-ID` and the mail server's reply (issue 16).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<EmailReceipt>,
    },
}
