//! What people ask the engine to do, who they are, and what the engine needs to know about the
//! account.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::{EmailReceipt, OneTimeCode, WinBackOutcome};
use crate::account::PreferredChannel;
use crate::case::RequestChannel;
use crate::money::Money;
use crate::policy::{AcknowledgeChannel, MessageKind, VerificationMethod};
use crate::role::Role;

/// Who issues a command. On the server the roles and the active flag come from its own records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    pub roles: Vec<Role>,
    pub active: bool,
}

/// What a decision needs to know about the account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountFacts {
    pub tier: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub accounts_receivable: Option<Money>,
    pub hosting_server: Option<String>,
    pub original_sales_rep: Option<String>,
    /// Whether the original sales rep still works here, as the roster says.
    pub original_sales_rep_status: RepStatus,
    pub unpaid_invoices: u32,
    /// Offer ids this account has been granted before, on any case.
    pub offers_granted: Vec<String>,
    /// How the customer prefers to hear from us; the cancellation is confirmed on this channel.
    pub preferred_channel: Option<PreferredChannel>,
    /// The plan's price for one billing period, for the prorated refund at finalization.
    pub plan_price: Option<Money>,
    /// The first day of the billing period paid for.
    pub billing_period_start: Option<Date>,
    /// The first day after the billing period paid for (the next period's start): a period from
    /// 2026-12-01 to 2027-01-01 is December.
    pub billing_period_end: Option<Date>,
    /// Monthly recurring revenue, for routing high-value accounts.
    pub mrr: Option<Money>,
    /// Everything the customer has paid, for the cancellation sheet.
    pub total_collected: Option<Money>,
    /// When the customer started, for the months in the program.
    pub customer_since: Option<Date>,
    /// The person who manages the account (a name, from the account import), for policies that
    /// route high-value accounts to their manager.
    pub account_manager: Option<String>,
    /// The account's name and its contact's, for the cancellation sheet's "name" column.
    pub account_name: Option<String>,
    pub contact_name: Option<String>,
}

impl AccountFacts {
    /// Whether `contact` is the account's e-mail address (any case) or phone number (by its
    /// digits) on file.
    pub fn has_contact(&self, contact: &str) -> bool {
        let digits = |text: &str| -> String { text.chars().filter(char::is_ascii_digit).collect() };
        self.email
            .as_deref()
            .is_some_and(|email| email.trim().eq_ignore_ascii_case(contact.trim()))
            || self.phone.as_deref().is_some_and(|phone| {
                !digits(contact).is_empty() && digits(contact) == digits(phone)
            })
    }
}

/// Whether a sales rep still works here. Only a rep the roster says has left counts as gone: a
/// rep nobody has told Holdfast about is assumed to be with the company, so a save call is not
/// sent to the fallback person on a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RepStatus {
    Active,
    Left,
    #[default]
    Unknown,
}

impl RepStatus {
    /// From a directory's active flag for the rep: `None` when the directory does not list them.
    pub fn from_directory(active: Option<bool>) -> Self {
        match active {
            Some(true) => RepStatus::Active,
            Some(false) => RepStatus::Left,
            None => RepStatus::Unknown,
        }
    }

    pub fn has_left(self) -> bool {
        self == RepStatus::Left
    }
}

/// The terms of a proposed offer; which apply depends on the offer's kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct OfferProposal {
    pub percent: Option<u32>,
    pub months: Option<u32>,
    pub amount: Option<Money>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum CaseCommand {
    Receive {
        case_id: Uuid,
        account_id: Uuid,
        channel: RequestChannel,
        requester_name: String,
        requester_contact: String,
        received_at: Option<Timestamp>,
    },
    /// A first response that is not a recorded message (recording a message to the customer
    /// acknowledges the request by itself). Only the ways the policy's `sla.acknowledge_by`
    /// lists besides `message` are accepted, with a note of what was said.
    Acknowledge {
        #[serde(default)]
        channel: AcknowledgeChannel,
        #[serde(default)]
        note: String,
    },
    VerifyIdentity {
        method: VerificationMethod,
        /// The e-mail address or phone number used; it must be the one on file.
        contact_used: Option<String>,
        evidence: String,
    },
    /// A one-time code was sent to a contact on file. A desk draws the code and the person sends
    /// it; the decider seals it with its key before deciding ([`CodeKey::seal`](super::CodeKey)).
    SendOneTimeCode {
        #[serde(alias = "code_hash")]
        #[ts(type = "{ form: \"typed\", code: string }")]
        code: OneTimeCode,
        /// The e-mail address or phone number the code went to; it must be one on file.
        contact: String,
    },
    /// The requester read back a one-time code; `code` is what they read, sealed by the decider.
    EnterOneTimeCode {
        #[serde(alias = "code_hash")]
        #[ts(type = "{ form: \"typed\", code: string }")]
        code: OneTimeCode,
    },
    FailVerification {
        note: String,
    },
    SendForm {
        how: String,
    },
    RemindForm,
    ReceiveForm {
        fields: BTreeMap<String, String>,
    },
    CaptureReason {
        reason_id: String,
        details: String,
        pain_points: Vec<String>,
    },
    Route,
    Escalate {
        csm: String,
        note: String,
    },
    RecordCsmOutcome {
        retained: bool,
        note: String,
    },
    /// The outcome of a retention attempt: the save call (by the sales rep) or the manager's
    /// retention attempt the case was routed to, or the attempt on any other route. Without an
    /// offer proposed on the case, the note says why none was made.
    RecordRetentionOutcome {
        retained: bool,
        note: String,
        /// The captured reason's mitigations (from the policy) that were tried or declined.
        #[serde(default)]
        mitigations_tried: Vec<String>,
    },
    ProposeOffer {
        offer_id: String,
        terms: OfferProposal,
    },
    ApproveOffer,
    AcceptOffer,
    DeclineOffer,
    LogRequest,
    WriteOffInvoices {
        amount: Money,
        invoices: u32,
    },
    /// A refund for the customer: at or below the policy's threshold it goes to billing, above it
    /// it is under review until a second person verifies it.
    RequestRefund {
        refund_id: Uuid,
        amount: Money,
        /// Why the customer is entitled to the refund.
        justification: String,
        /// The day of the charge refunded (as billing dated it). Required when the policy sets a
        /// refund window.
        #[serde(default)]
        charged_on: Option<Date>,
    },
    /// The second person's verification of an above-threshold refund.
    VerifyRefund {
        refund_id: Uuid,
    },
    /// Billing records that the refund was processed.
    CompleteRefund {
        refund_id: Uuid,
    },
    DenyRefund {
        refund_id: Uuid,
        /// Told to the customer.
        reason: String,
    },
    /// The check with the customer that an issued refund arrived, which the policy asks for
    /// some business days after it was issued (it may be made earlier).
    RecordRefundStatusCheck {
        refund_id: Uuid,
        /// The customer confirmed they received it.
        received: bool,
        /// What the customer said; required when it did not arrive.
        #[serde(default)]
        note: String,
    },
    Finalize {
        effective_date: Date,
        /// No longer recorded (the policy's checklist item records who offered the export);
        /// accepted so that older desks' commands still parse.
        #[serde(default)]
        data_export_offered: bool,
    },
    /// An item of the policy's finalization checklist is done, confirmed by who did it.
    ConfirmChecklistItem {
        item_id: String,
        #[serde(default)]
        note: String,
    },
    /// How a win-back check-in went (1-based, in the order of the schedule).
    RecordWinBackOutcome {
        check_in: u32,
        outcome: WinBackOutcome,
        #[serde(default)]
        note: String,
    },
    /// After finalization: the cancellation was confirmed to the customer on `channel`.
    ConfirmCancellation {
        channel: PreferredChannel,
    },
    /// After finalization: what the customer said about leaving.
    RecordFeedback {
        text: String,
        /// The exit-survey link sent, if any.
        survey_link: Option<String>,
    },
    /// After finalization: the win-back check-ins of the policy's schedule.
    ScheduleWinBack,
    Withdraw {
        note: String,
    },
    /// A note on the case, for whoever works it next.
    AddNote {
        text: String,
    },
    /// A message from the policy's templates went to the customer, as sent (after any edits).
    RecordMessage {
        kind: MessageKind,
        channel: PreferredChannel,
        body: String,
        /// Sent by the desk itself over SMTP: what the mail server said when it took the message
        /// (issue 16). Absent when the person sent it (clipboard, mail client).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        email: Option<EmailReceipt>,
    },
    /// The accounts receivable, entered on the case when the account does not know them, so that
    /// routing can test them.
    EnterReceivable {
        amount: Money,
    },
    /// Give the case (no `task_id`) or one of its open tasks to a named person or team (`to`) or
    /// to everyone holding a role (`to_role`): exactly one of the two.
    HandOff {
        #[serde(default)]
        task_id: Option<String>,
        #[serde(default)]
        to: Option<String>,
        #[serde(default)]
        to_role: Option<Role>,
        reason: String,
    },
}

impl CaseCommand {
    /// The verb used in messages ("cannot finalize a case that is saved").
    pub fn verb(&self) -> &'static str {
        match self {
            CaseCommand::Receive { .. } => "receive",
            CaseCommand::Acknowledge { .. } => "acknowledge",
            CaseCommand::VerifyIdentity { .. } => "verify the identity on",
            CaseCommand::SendOneTimeCode { .. } => "send a one-time code for",
            CaseCommand::EnterOneTimeCode { .. } => "enter a one-time code on",
            CaseCommand::FailVerification { .. } => "fail verification on",
            CaseCommand::SendForm { .. } => "send the form for",
            CaseCommand::RemindForm => "remind the customer about the form on",
            CaseCommand::ReceiveForm { .. } => "receive the form for",
            CaseCommand::CaptureReason { .. } => "record the reason on",
            CaseCommand::Route => "route",
            CaseCommand::Escalate { .. } => "escalate",
            CaseCommand::RecordCsmOutcome { .. } => "record the CSM's outcome on",
            CaseCommand::RecordRetentionOutcome { .. } => "record the retention outcome on",
            CaseCommand::ProposeOffer { .. } => "propose an offer on",
            CaseCommand::ApproveOffer => "approve an offer on",
            CaseCommand::AcceptOffer => "accept an offer on",
            CaseCommand::DeclineOffer => "decline an offer on",
            CaseCommand::LogRequest => "log",
            CaseCommand::WriteOffInvoices { .. } => "write off invoices on",
            CaseCommand::RequestRefund { .. } => "request a refund on",
            CaseCommand::VerifyRefund { .. } => "verify a refund on",
            CaseCommand::CompleteRefund { .. } => "complete a refund on",
            CaseCommand::DenyRefund { .. } => "deny a refund on",
            CaseCommand::RecordRefundStatusCheck { .. } => "record a refund status check on",
            CaseCommand::Finalize { .. } => "finalize",
            CaseCommand::ConfirmChecklistItem { .. } => "confirm a checklist item on",
            CaseCommand::RecordWinBackOutcome { .. } => "record a win-back outcome on",
            CaseCommand::ConfirmCancellation { .. } => "confirm the cancellation of",
            CaseCommand::RecordFeedback { .. } => "record exit feedback on",
            CaseCommand::ScheduleWinBack => "schedule win-back check-ins for",
            CaseCommand::Withdraw { .. } => "withdraw",
            CaseCommand::AddNote { .. } => "add a note to",
            CaseCommand::RecordMessage { .. } => "record a message sent on",
            CaseCommand::EnterReceivable { .. } => "enter the accounts receivable on",
            CaseCommand::HandOff { .. } => "hand off",
        }
    }
}
