//! A case's state, folded from its events. Nothing here decides; `evolve` only records.

use jiff::Timestamp;
use uuid::Uuid;

use super::CaseEvent;
use crate::case::CaseStatus;
use crate::policy::Route;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOffer {
    pub offer_id: String,
    pub needs_approval: bool,
    pub approved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub id: Uuid,
    pub account_id: Uuid,
    pub status: CaseStatus,
    /// How many events the case has; the version commands are decided against.
    pub version: u64,
    pub requester_contact: String,
    pub first_response_due: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub identity_verified: bool,
    pub form_sent: bool,
    pub form_reminders: u32,
    pub form_received: bool,
    pub reason_id: Option<String>,
    pub route: Option<Route>,
    pub escalated_to: Option<String>,
    pub csm_engaged: bool,
    pub pending_offer: Option<PendingOffer>,
    /// Offers proposed on this case, in order.
    pub offers_proposed: Vec<String>,
    pub logged: bool,
    pub invoices_written_off: u32,
}

/// Applies one event. The first event must be `Received`; an event that cannot follow the state
/// it is applied to leaves the state as it is, since events were decided against their state.
pub fn evolve(state: Option<CaseState>, event: &CaseEvent) -> Option<CaseState> {
    let mut case = match (state, event) {
        (
            None,
            CaseEvent::Received {
                case_id,
                account_id,
                requester_contact,
                first_response_due,
                ..
            },
        ) => {
            return Some(CaseState {
                id: *case_id,
                account_id: *account_id,
                status: CaseStatus::Received,
                version: 1,
                requester_contact: requester_contact.clone(),
                first_response_due: *first_response_due,
                acknowledged_at: None,
                identity_verified: false,
                form_sent: false,
                form_reminders: 0,
                form_received: false,
                reason_id: None,
                route: None,
                escalated_to: None,
                csm_engaged: false,
                pending_offer: None,
                offers_proposed: Vec::new(),
                logged: false,
                invoices_written_off: 0,
            })
        }
        (None, _) => return None,
        (Some(case), _) => case,
    };
    case.version += 1;
    if case.status == CaseStatus::Received {
        case.status = CaseStatus::InProgress;
    }
    match event {
        CaseEvent::Received { .. } => {}
        CaseEvent::Acknowledged { at } => case.acknowledged_at = Some(*at),
        CaseEvent::IdentityVerified { .. } => case.identity_verified = true,
        CaseEvent::VerificationFailed { .. } => case.status = CaseStatus::VerificationFailed,
        CaseEvent::FormSent { .. } => case.form_sent = true,
        CaseEvent::FormReminded { .. } => case.form_reminders += 1,
        CaseEvent::FormReceived { .. } => case.form_received = true,
        CaseEvent::ReasonCaptured { reason_id, .. } => case.reason_id = Some(reason_id.clone()),
        CaseEvent::Routed { route, .. } => case.route = Some(*route),
        CaseEvent::Escalated { csm, .. } => case.escalated_to = Some(csm.clone()),
        CaseEvent::CsmOutcomeRecorded { retained, .. } => {
            case.csm_engaged = true;
            if *retained {
                case.status = CaseStatus::Saved;
            }
        }
        CaseEvent::OfferProposed {
            offer_id,
            needs_approval,
            ..
        } => {
            case.offers_proposed.push(offer_id.clone());
            case.pending_offer = Some(PendingOffer {
                offer_id: offer_id.clone(),
                needs_approval: *needs_approval,
                approved: false,
            });
        }
        CaseEvent::OfferApproved { .. } => {
            if let Some(offer) = case.pending_offer.as_mut() {
                offer.approved = true;
            }
        }
        CaseEvent::OfferAccepted { .. } => {
            case.pending_offer = None;
            case.status = CaseStatus::Saved;
        }
        CaseEvent::OfferDeclined { .. } => case.pending_offer = None,
        CaseEvent::RequestLogged => case.logged = true,
        CaseEvent::InvoicesWrittenOff { invoices, .. } => case.invoices_written_off += invoices,
        CaseEvent::Finalized { .. } => case.status = CaseStatus::Cancelled,
        CaseEvent::Withdrawn { .. } => case.status = CaseStatus::Withdrawn,
    }
    Some(case)
}
