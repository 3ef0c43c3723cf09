//! What a report needs of a case that its folded state does not keep: when and under which
//! policy version it was received and closed, how it closed, when each offer was proposed and
//! whether it was accepted, and when each refund was requested. These live only in the event
//! records (their instant and policy version), so they are folded from them here, one record
//! at a time, beside `evolve`; the store may keep the result with the case's state.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::ClosedAs;
use crate::record::EventRecord;
use crate::workflow::CaseEvent;
use crate::CoreError;

/// How and when a case closed, and under which policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Closing {
    pub how: ClosedAs,
    pub at: Timestamp,
    /// The version of the policy the closing step was decided under (`id@version`).
    pub policy_version: String,
}

/// One offer proposed on the case, as the records tell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRecorded {
    pub offer_id: String,
    pub proposed_at: Timestamp,
    /// Outside the policy's limits when proposed.
    pub needed_approval: bool,
    pub accepted: bool,
}

/// The facts of a case that only its records hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseHistory {
    /// The policy version the case was received under (`id@version`).
    pub received_under: Option<String>,
    /// The first step that closed the case; nothing after it reopens one.
    pub closing: Option<Closing>,
    /// Offers in the order proposed.
    pub offers: Vec<OfferRecorded>,
    /// When each refund was requested, by refund id.
    pub refunds_requested_at: BTreeMap<Uuid, Timestamp>,
}

impl CaseHistory {
    /// Takes in one event, recorded at `recorded_at` under `policy_version`, in log order.
    pub fn record(&mut self, event: &CaseEvent, recorded_at: Timestamp, policy_version: &str) {
        let closes = match event {
            CaseEvent::Received { .. } => {
                if self.received_under.is_none() {
                    self.received_under = Some(policy_version.to_owned());
                }
                None
            }
            CaseEvent::Finalized { .. } => Some(ClosedAs::Cancelled),
            CaseEvent::OfferAccepted { offer_id } => {
                if let Some(offer) = self
                    .offers
                    .iter_mut()
                    .rev()
                    .find(|offer| &offer.offer_id == offer_id)
                {
                    offer.accepted = true;
                }
                Some(ClosedAs::SavedByOffer)
            }
            CaseEvent::CsmOutcomeRecorded { retained: true, .. } => Some(ClosedAs::SavedByCsm),
            CaseEvent::RetentionOutcomeRecorded { retained: true, .. } => {
                Some(ClosedAs::SavedByRetentionCall)
            }
            CaseEvent::Withdrawn { .. } => Some(ClosedAs::Withdrawn),
            CaseEvent::VerificationFailed { .. } => Some(ClosedAs::VerificationFailed),
            CaseEvent::OfferProposed {
                offer_id,
                needs_approval,
                ..
            } => {
                self.offers.push(OfferRecorded {
                    offer_id: offer_id.clone(),
                    proposed_at: recorded_at,
                    needed_approval: *needs_approval,
                    accepted: false,
                });
                None
            }
            CaseEvent::RefundRequested { refund_id, at, .. } => {
                self.refunds_requested_at.entry(*refund_id).or_insert(*at);
                None
            }
            _ => None,
        };
        if let (Some(how), None) = (closes, &self.closing) {
            self.closing = Some(Closing {
                how,
                at: recorded_at,
                policy_version: policy_version.to_owned(),
            });
        }
    }

    /// The history of a case from its records, in log order.
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = &'a EventRecord>,
    ) -> Result<CaseHistory, CoreError> {
        let mut history = CaseHistory::default();
        for record in records {
            let event = record.case_event()?;
            history.record(&event, record.recorded_at, &record.policy_version);
        }
        Ok(history)
    }
}
