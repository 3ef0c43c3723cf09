//! How cases end, counted: requests received, cancellations, saves, withdrawals, the save rate,
//! and the revenue (MRR) saved and lost per currency; for a whole range, a week, a month, or a
//! group of cases (by reason, tier, owner, route, policy version).

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use super::case::{ClosedAs, ReportCase};
use super::figures::{Amounts, CurrencyTotal, Rate, Tally};
use crate::policy::Route;

/// How cases ended in a period, or in a group of cases.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct OutcomeFigures {
    /// Requests received (dated by when they were received).
    pub received: Tally,
    /// Cases finalized (dated by the finalization).
    pub cancelled: Tally,
    /// Cases saved, whichever way (dated by the step that saved them).
    pub saved: Tally,
    pub saved_by_offer: Tally,
    pub saved_by_csm: Tally,
    pub saved_by_retention_call: Tally,
    pub withdrawn: Tally,
    pub verification_failed: Tally,
    /// Saved out of saved and cancelled; withdrawn requests and failed verifications are neither.
    pub save_rate: Rate,
    /// The MRR of the accounts saved, per currency.
    pub revenue_saved: Vec<CurrencyTotal>,
    /// The MRR of the accounts cancelled, per currency.
    pub revenue_lost: Vec<CurrencyTotal>,
    /// Saved or cancelled cases whose account does not know its MRR (in neither revenue figure).
    pub mrr_unknown: Tally,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OutcomeCounter {
    received: Tally,
    cancelled: Tally,
    saved: Tally,
    saved_by_offer: Tally,
    saved_by_csm: Tally,
    saved_by_retention_call: Tally,
    withdrawn: Tally,
    verification_failed: Tally,
    revenue_saved: Amounts,
    revenue_lost: Amounts,
    mrr_unknown: Tally,
}

impl OutcomeCounter {
    pub(crate) fn receive(&mut self, case: &ReportCase) {
        self.received.add(case.case_id);
    }

    pub(crate) fn close(&mut self, case: &ReportCase, how: ClosedAs) {
        let id = case.case_id;
        let revenue = match how {
            ClosedAs::Cancelled => {
                self.cancelled.add(id);
                Some(&mut self.revenue_lost)
            }
            ClosedAs::SavedByOffer | ClosedAs::SavedByCsm | ClosedAs::SavedByRetentionCall => {
                self.saved.add(id);
                match how {
                    ClosedAs::SavedByOffer => self.saved_by_offer.add(id),
                    ClosedAs::SavedByCsm => self.saved_by_csm.add(id),
                    _ => self.saved_by_retention_call.add(id),
                }
                Some(&mut self.revenue_saved)
            }
            ClosedAs::Withdrawn => {
                self.withdrawn.add(id);
                None
            }
            ClosedAs::VerificationFailed => {
                self.verification_failed.add(id);
                None
            }
        };
        if let Some(revenue) = revenue {
            match case.mrr {
                Some(mrr) => revenue.add(mrr, id),
                None => self.mrr_unknown.add(id),
            }
        }
    }

    pub(crate) fn finish(self) -> OutcomeFigures {
        let save_rate = Rate::of(
            self.saved.count,
            self.saved.count.saturating_add(self.cancelled.count),
        );
        OutcomeFigures {
            received: self.received,
            cancelled: self.cancelled,
            saved: self.saved,
            saved_by_offer: self.saved_by_offer,
            saved_by_csm: self.saved_by_csm,
            saved_by_retention_call: self.saved_by_retention_call,
            withdrawn: self.withdrawn,
            verification_failed: self.verification_failed,
            save_rate,
            revenue_saved: self.revenue_saved.finish(),
            revenue_lost: self.revenue_lost.finish(),
            mrr_unknown: self.mrr_unknown,
        }
    }
}

/// The figures of one group of cases: `key` is the reason id, tier, owner, route or policy
/// version (`None`: the case has none, e.g. no reason captured yet), `label` its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Group {
    pub key: Option<String>,
    pub label: String,
    pub figures: OutcomeFigures,
}

/// The route's name as the policy file writes it.
pub fn route_key(route: Route) -> &'static str {
    match route {
        Route::SaveCall => "save_call",
        Route::SympatheticReply => "sympathetic_reply",
        Route::EscalateToCsm => "escalate_to_csm",
        Route::ManagerRetention => "manager_retention",
        Route::Continue => "continue",
        Route::HandOff => "hand_off",
    }
}

/// The route in words.
pub fn route_label(route: Route) -> &'static str {
    match route {
        Route::SaveCall => "Save call",
        Route::SympatheticReply => "Sympathetic reply",
        Route::EscalateToCsm => "Escalated to a CSM",
        Route::ManagerRetention => "Manager retention",
        Route::Continue => "Offers, then finalization",
        Route::HandOff => "Handed off",
    }
}

/// Groups of cases being counted, by a key borrowed from the cases.
#[derive(Debug, Default)]
pub(crate) struct Grouping<'a> {
    groups: BTreeMap<Option<&'a str>, (String, OutcomeCounter)>,
}

impl<'a> Grouping<'a> {
    pub(crate) fn group(
        &mut self,
        key: Option<&'a str>,
        label: impl FnOnce() -> String,
    ) -> &mut OutcomeCounter {
        &mut self
            .groups
            .entry(key)
            .or_insert_with(|| (label(), OutcomeCounter::default()))
            .1
    }

    /// In key order, cases with no key first.
    pub(crate) fn finish(self) -> Vec<Group> {
        self.groups
            .into_iter()
            .map(|(key, (label, counter))| Group {
                key: key.map(str::to_owned),
                label,
                figures: counter.finish(),
            })
            .collect()
    }
}

/// The five breakdowns of the outcome figures.
#[derive(Debug, Default)]
pub(crate) struct Breakdowns<'a> {
    pub(crate) reason: Grouping<'a>,
    pub(crate) tier: Grouping<'a>,
    pub(crate) owner: Grouping<'a>,
    pub(crate) route: Grouping<'a>,
    /// A request counts under the version it was received under, an outcome under the version
    /// its closing step was decided under.
    pub(crate) policy_version: Grouping<'a>,
}

impl<'a> Breakdowns<'a> {
    /// The groups of `case` other than the policy version, which depends on the figure.
    fn each(&mut self, case: &'a ReportCase, mut count: impl FnMut(&mut OutcomeCounter)) {
        count(self.reason.group(case.reason_id.as_deref(), || {
            case.reason_label
                .clone()
                .unwrap_or_else(|| "No reason captured".to_owned())
        }));
        count(
            self.tier
                .group(Some(case.tier.as_str()), || case.tier.clone()),
        );
        count(self.owner.group(case.owner.as_deref(), || {
            case.owner
                .clone()
                .unwrap_or_else(|| "Unassigned".to_owned())
        }));
        count(self.route.group(case.route.map(route_key), || {
            case.route.map_or("Not routed", route_label).to_owned()
        }));
    }

    pub(crate) fn receive(&mut self, case: &'a ReportCase) {
        self.each(case, |counter| counter.receive(case));
        let version = case.received_under.as_str();
        self.policy_version
            .group(Some(version), || version.to_owned())
            .receive(case);
    }

    pub(crate) fn close(&mut self, case: &'a ReportCase, how: ClosedAs, version: &'a str) {
        self.each(case, |counter| counter.close(case, how));
        self.policy_version
            .group(Some(version), || version.to_owned())
            .close(case, how);
    }
}
