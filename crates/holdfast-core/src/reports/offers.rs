//! Offers proposed, accepted and kept, and whether saves held: a save is kept when the customer
//! does not cancel within 90 days of it (`keeping.rs` says exactly how the days count).

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use super::case::ReportCase;
use super::figures::{Rate, Tally};
use super::keeping::Keeping;

/// Whether the saves (dated by the step that saved them) held.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct KeepingFigures {
    pub kept: Tally,
    pub not_kept: Tally,
    /// Fewer than 90 days since the save, no cancellation yet.
    pub pending: Tally,
    /// Kept out of kept and not kept (pending saves are neither).
    pub keep_rate: Rate,
}

#[derive(Debug, Default)]
pub(crate) struct KeepingCounter {
    kept: Tally,
    not_kept: Tally,
    pending: Tally,
}

impl KeepingCounter {
    pub(crate) fn add(&mut self, case: &ReportCase, keeping: Keeping) {
        match keeping {
            Keeping::Kept => self.kept.add(case.case_id),
            Keeping::NotKept { .. } => self.not_kept.add(case.case_id),
            Keeping::Pending => self.pending.add(case.case_id),
        }
    }

    pub(crate) fn finish(self) -> KeepingFigures {
        KeepingFigures {
            keep_rate: Rate::of(
                self.kept.count,
                self.kept.count.saturating_add(self.not_kept.count),
            ),
            kept: self.kept,
            not_kept: self.not_kept,
            pending: self.pending,
        }
    }
}

/// The offer funnel, dated by when each offer was proposed: of the offers proposed in the range,
/// how many were accepted (ever, as of now), and of those how many were kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct OfferFunnel {
    pub proposed: Tally,
    /// Proposed outside the policy's limits (sent for approval).
    pub needed_approval: Tally,
    pub accepted: Tally,
    /// Accepted out of proposed.
    pub acceptance_rate: Rate,
    pub keeping: KeepingFigures,
}

/// One offer of the catalogue's funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OfferGroup {
    pub offer_id: String,
    pub label: String,
    pub funnel: OfferFunnel,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct OfferFigures {
    pub all: OfferFunnel,
    /// By offer, in the order of their ids.
    pub by_offer: Vec<OfferGroup>,
}

#[derive(Debug, Default)]
struct FunnelCounter {
    proposed: Tally,
    needed_approval: Tally,
    accepted: Tally,
    keeping: KeepingCounter,
}

impl FunnelCounter {
    fn finish(self) -> OfferFunnel {
        OfferFunnel {
            acceptance_rate: Rate::of(self.accepted.count, self.proposed.count),
            proposed: self.proposed,
            needed_approval: self.needed_approval,
            accepted: self.accepted,
            keeping: self.keeping.finish(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct OfferCounter<'a> {
    all: FunnelCounter,
    by_offer: BTreeMap<&'a str, (&'a str, FunnelCounter)>,
}

impl<'a> OfferCounter<'a> {
    /// Counts the offers of `case` proposed in the range; `keeping` is whether the case's save
    /// held, when an offer saved it.
    pub(crate) fn add(
        &mut self,
        case: &'a ReportCase,
        keeping: Option<Keeping>,
        in_range: impl Fn(jiff::Timestamp) -> bool,
    ) {
        for offer in case
            .offers
            .iter()
            .filter(|offer| in_range(offer.proposed_at))
        {
            let (_, one) = self
                .by_offer
                .entry(offer.offer_id.as_str())
                .or_insert_with(|| (offer.label.as_str(), FunnelCounter::default()));
            for funnel in [&mut self.all, one] {
                funnel.proposed.add(case.case_id);
                if offer.needed_approval {
                    funnel.needed_approval.add(case.case_id);
                }
                if offer.accepted {
                    funnel.accepted.add(case.case_id);
                    if let Some(keeping) = keeping {
                        funnel.keeping.add(case, keeping);
                    }
                }
            }
        }
    }

    pub(crate) fn finish(self) -> OfferFigures {
        OfferFigures {
            all: self.all.finish(),
            by_offer: self
                .by_offer
                .into_iter()
                .map(|(offer_id, (label, funnel))| OfferGroup {
                    offer_id: offer_id.to_owned(),
                    label: label.to_owned(),
                    funnel: funnel.finish(),
                })
                .collect(),
        }
    }
}
