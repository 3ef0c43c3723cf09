//! What people ask the engine to do, who they are, and what the engine needs to know about the
//! account.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::case::RequestChannel;
use crate::money::Money;
use crate::policy::VerificationMethod;
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
    /// Whether the original sales rep still works here.
    pub original_sales_rep_active: bool,
    pub unpaid_invoices: u32,
    /// Offer ids this account has been granted before, on any case.
    pub offers_granted: Vec<String>,
}

/// The terms of a proposed offer; which apply depends on the offer's kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfferProposal {
    pub percent: Option<u32>,
    pub months: Option<u32>,
    pub amount: Option<Money>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    Acknowledge,
    VerifyIdentity {
        method: VerificationMethod,
        /// The e-mail address or phone number used; it must be the one on file.
        contact_used: Option<String>,
        evidence: String,
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
    Finalize {
        effective_date: Date,
    },
    Withdraw {
        note: String,
    },
}

impl CaseCommand {
    /// The verb used in messages ("cannot finalize a case that is saved").
    pub fn verb(&self) -> &'static str {
        match self {
            CaseCommand::Receive { .. } => "receive",
            CaseCommand::Acknowledge => "acknowledge",
            CaseCommand::VerifyIdentity { .. } => "verify the identity on",
            CaseCommand::FailVerification { .. } => "fail verification on",
            CaseCommand::SendForm { .. } => "send the form for",
            CaseCommand::RemindForm => "remind the customer about the form on",
            CaseCommand::ReceiveForm { .. } => "receive the form for",
            CaseCommand::CaptureReason { .. } => "record the reason on",
            CaseCommand::Route => "route",
            CaseCommand::Escalate { .. } => "escalate",
            CaseCommand::RecordCsmOutcome { .. } => "record the CSM's outcome on",
            CaseCommand::ProposeOffer { .. } => "propose an offer on",
            CaseCommand::ApproveOffer => "approve an offer on",
            CaseCommand::AcceptOffer => "accept an offer on",
            CaseCommand::DeclineOffer => "decline an offer on",
            CaseCommand::LogRequest => "log",
            CaseCommand::WriteOffInvoices { .. } => "write off invoices on",
            CaseCommand::Finalize { .. } => "finalize",
            CaseCommand::Withdraw { .. } => "withdraw",
        }
    }
}
