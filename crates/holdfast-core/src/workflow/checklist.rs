//! What still stands between a case and its finalization, in the policy's terms: the engine
//! refuses `Finalize` on the first of these, and the desk lists them all (and queues the cases
//! with none left for a manager).

use serde::Serialize;
use ts_rs::TS;

use super::{AccountFacts, CaseState, PendingOffer};
use crate::case::CaseStatus;
use crate::error::Gate;
use crate::policy::{OfferTerms, Policy, Route, VerificationMethod};

/// The policy's gates that the case has not met yet, in the order the procedure meets them.
pub fn finalization_blockers(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
) -> Vec<Gate> {
    let gates = &policy.gates;
    [
        (
            gates.identity_before_changes && !state.identity_verified,
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
    ]
    .into_iter()
    .filter_map(|(unmet, gate)| unmet.then_some(gate))
    .collect()
}

/// An open case whose every gate is met, with no offer or refund waiting: a manager can finalize it.
pub fn ready_to_finalize(state: &CaseState, policy: &Policy, account: &AccountFacts) -> bool {
    !state.status.is_closed()
        && finalization_blockers(state, policy, account).is_empty()
        && state.pending_offer.is_none()
        && state.open_refunds().next().is_none()
}

/// One gate still standing, with the reason in the desk's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Blocker {
    pub gate: Gate,
    pub reason: String,
}

/// Where a case stands against its policy: what is done, what the procedure offers next, and
/// what still blocks finalization. The desk draws its checklist from this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Checklist {
    pub status: CaseStatus,
    pub acknowledged: bool,
    pub identity_verified: bool,
    pub verification_methods: Vec<VerificationMethod>,
    /// The policy has a cancellation request form; these are its fields.
    pub form_fields: Option<Vec<String>>,
    pub form_sent: bool,
    pub form_received: bool,
    pub route: Option<Route>,
    /// The procedure involves a CSM (its gate), or the case was escalated to one.
    pub csm_step: bool,
    pub escalated_to: Option<String>,
    pub csm_engaged: bool,
    pub retention_outcome_due: bool,
    pub offer_pending: Option<PendingOffer>,
    /// The policy's currency, in which offers and refunds are made.
    pub currency: String,
    /// The policy's offer catalogue with its limits, for the offer composer.
    pub offers: Vec<OfferTerms>,
    /// Offers this account accepted before, on any case.
    pub offers_granted: Vec<String>,
    pub blockers: Vec<Blocker>,
    pub ready_to_finalize: bool,
}

pub fn checklist(state: &CaseState, policy: &Policy, account: &AccountFacts) -> Checklist {
    Checklist {
        status: state.status,
        acknowledged: state.acknowledged_at.is_some(),
        identity_verified: state.identity_verified,
        verification_methods: policy.identity.methods.clone(),
        form_fields: policy.form.as_ref().map(|form| form.fields.clone()),
        form_sent: state.form_sent,
        form_received: state.form_received,
        route: state.route,
        csm_step: policy.gates.csm_escalation_before_finalization || state.escalated_to.is_some(),
        escalated_to: state.escalated_to.clone(),
        csm_engaged: state.csm_engaged,
        retention_outcome_due: matches!(
            state.route,
            Some(Route::SaveCall | Route::ManagerRetention)
        ) && !state.retention_attempted,
        offer_pending: state.pending_offer.clone(),
        currency: policy.currency.code().to_owned(),
        offers: policy.offers.clone(),
        offers_granted: account.offers_granted.clone(),
        blockers: finalization_blockers(state, policy, account)
            .into_iter()
            .map(|gate| Blocker {
                gate,
                reason: gate.describe().to_owned(),
            })
            .collect(),
        ready_to_finalize: ready_to_finalize(state, policy, account),
    }
}
