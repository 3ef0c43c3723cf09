//! What happened to a case. Each event records a fact decided by the engine; the audit trail and
//! sync carry them as they are.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::OfferProposal;
use crate::case::RequestChannel;
use crate::money::Money;
use crate::policy::{Route, VerificationMethod};

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
    },
    IdentityVerified {
        method: VerificationMethod,
        contact_used: Option<String>,
        evidence: String,
        at: Timestamp,
    },
    VerificationFailed {
        note: String,
    },
    FormSent {
        how: String,
        at: Timestamp,
    },
    FormReminded {
        at: Timestamp,
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
        /// Who got the save-call task, when the route has one.
        assignee: Option<String>,
        /// The exit-survey link sent with a sympathetic reply.
        survey_link: Option<String>,
    },
    Escalated {
        csm: String,
        note: String,
    },
    CsmOutcomeRecorded {
        retained: bool,
        note: String,
    },
    OfferProposed {
        offer_id: String,
        terms: OfferProposal,
        /// Outside the policy's limits: it may not be accepted before approval.
        needs_approval: bool,
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
    Finalized {
        effective_date: Date,
    },
    Withdrawn {
        note: String,
    },
}
