//! `ReportCase`: the facts of one case a report needs, derived by one pure function from the
//! case's folded state, its history (what only the records hold), the policy and the account's
//! facts. Nothing is guessed: what neither holds is not in it.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::history::{CaseHistory, Closing};
use crate::case::CaseStatus;
use crate::money::Money;
use crate::policy::{Policy, Route};
use crate::workflow::{AccountFacts, CaseState, RefundReviewReason, RefundStatus, WinBackOutcome};
use crate::CoreError;

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ClosedAs {
    /// Finalized: the customer is gone.
    Cancelled,
    /// The customer accepted a retention offer.
    SavedByOffer,
    /// The customer success manager kept the customer after an escalation.
    SavedByCsm,
    /// The save call or the manager's retention attempt kept the customer.
    SavedByRetentionCall,
    /// The customer withdrew the request.
    Withdrawn,
    VerificationFailed,
}

impl ClosedAs {
    pub fn is_saved(self) -> bool {
        matches!(
            self,
            ClosedAs::SavedByOffer | ClosedAs::SavedByCsm | ClosedAs::SavedByRetentionCall
        )
    }

    /// The status a case closed this way has.
    pub fn status(self) -> CaseStatus {
        match self {
            ClosedAs::Cancelled => CaseStatus::Cancelled,
            ClosedAs::SavedByOffer | ClosedAs::SavedByCsm | ClosedAs::SavedByRetentionCall => {
                CaseStatus::Saved
            }
            ClosedAs::Withdrawn => CaseStatus::Withdrawn,
            ClosedAs::VerificationFailed => CaseStatus::VerificationFailed,
        }
    }
}

/// One offer proposed on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOffer {
    pub offer_id: String,
    /// The offer's label in the policy, or its id when the policy no longer has it.
    pub label: String,
    pub proposed_at: Timestamp,
    /// It was outside the policy's limits and needed approval.
    pub needed_approval: bool,
    pub accepted: bool,
}

/// How a refund was approved.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum RefundApproval {
    /// At or below the threshold and inside the window: straight to billing.
    Direct,
    /// Above the policy's threshold: a second person verifies it.
    AboveThreshold,
    /// After the refund window (and not above the threshold): a second person verifies it.
    OutsideWindow,
}

impl RefundApproval {
    pub fn label(self) -> &'static str {
        match self {
            RefundApproval::Direct => "Straight to billing",
            RefundApproval::AboveThreshold => "Verified by a second person: above the threshold",
            RefundApproval::OutsideWindow => "Verified by a second person: after the refund window",
        }
    }
}

/// One refund requested on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRefund {
    pub refund_id: Uuid,
    pub amount: Money,
    pub requested_at: Timestamp,
    pub approval: RefundApproval,
    pub status: RefundStatus,
}

/// One win-back check-in scheduled on a case, and how it went once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCheckIn {
    /// 1-based, in the order of the schedule.
    pub number: u32,
    pub due_on: Date,
    pub outcome: Option<WinBackOutcome>,
    pub recorded_at: Option<Timestamp>,
}

/// What a report knows of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCase {
    pub case_id: Uuid,
    pub account_id: Uuid,
    pub received_at: Timestamp,
    /// The policy version the case was received under.
    pub received_under: String,
    pub first_response_due: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    /// `None` while the case is open.
    pub closing: Option<Closing>,
    pub reason_id: Option<String>,
    /// The reason's label in the policy's words (its id when the policy no longer has it).
    pub reason_label: Option<String>,
    /// The account's tier as the policy spells it. This is the account's tier now (the account
    /// record keeps no history of it), not necessarily the tier it had when the case ran.
    pub tier: String,
    /// Who holds the case now (the save call's assignee, the CSM, or whoever it was handed to).
    pub owner: Option<String>,
    pub route: Option<Route>,
    pub offers: Vec<ReportOffer>,
    /// The account's monthly recurring revenue, with its currency, as the account says now;
    /// `None` when the account does not know it.
    pub mrr: Option<Money>,
    pub refunds: Vec<ReportRefund>,
    pub check_ins: Vec<ReportCheckIn>,
}

impl ReportCase {
    /// From the first-response clock's start to the acknowledgement, when there is one.
    pub fn time_to_first_response(&self) -> Option<SignedDuration> {
        self.acknowledged_at
            .map(|at| at.duration_since(self.received_at))
    }

    /// Whether the first-response promise was broken as of `now`: acknowledged after the due
    /// instant, or not acknowledged and `now` is past it. Acknowledged exactly at the due
    /// instant is on time.
    pub fn first_response_breached(&self, now: Timestamp) -> bool {
        match self.acknowledged_at {
            Some(at) => at > self.first_response_due,
            None => now > self.first_response_due,
        }
    }

    pub fn is_saved(&self) -> bool {
        self.closing
            .as_ref()
            .is_some_and(|closing| closing.how.is_saved())
    }

    pub fn is_cancelled(&self) -> bool {
        self.closing
            .as_ref()
            .is_some_and(|closing| closing.how == ClosedAs::Cancelled)
    }
}

fn inconsistent(message: String) -> CoreError {
    CoreError::invalid("history", message)
}

/// The report's view of a case: `state` as `evolve` folded it, `history` folded from the same
/// records, `policy` for the words (reason and offer labels, the tier's spelling) and `account`
/// for the tier and MRR. Refuses a history that does not match the state (a closed state with
/// no closing in the history, or a refund with no request), since the two come from the same
/// records.
pub fn report_case(
    state: &CaseState,
    history: &CaseHistory,
    policy: &Policy,
    account: &AccountFacts,
) -> Result<ReportCase, CoreError> {
    let mut case = case_facts(state, history)?;
    case.describe(Some(policy), &account.tier, account.mrr);
    Ok(case)
}

/// The tier as `policy` spells it (tiers compare without case), or as given when the policy
/// does not know it.
pub fn tier_as_spelled(policy: Option<&Policy>, tier: &str) -> String {
    policy
        .and_then(|policy| {
            policy
                .tier_rank(tier)
                .and_then(|rank| policy.tiers.get(rank))
        })
        .cloned()
        .unwrap_or_else(|| tier.to_owned())
}

impl ReportCase {
    /// Puts the words and the account's facts in: the reason's and offers' labels from `policy`
    /// (their ids when it has none or does not know them), the tier as it spells it, and the
    /// account's MRR. What `case_facts` leaves out, so a store can keep the facts of the records
    /// and describe them with the policy and account as they are when the report is made.
    pub fn describe(&mut self, policy: Option<&Policy>, tier: &str, mrr: Option<Money>) {
        self.tier = tier_as_spelled(policy, tier);
        self.mrr = mrr;
        self.reason_label = self.reason_id.as_deref().map(|id| {
            policy
                .and_then(|policy| policy.reason_label(id))
                .map_or_else(|| id.to_owned(), str::to_owned)
        });
        for offer in &mut self.offers {
            offer.label = policy
                .and_then(|policy| policy.offer(&offer.offer_id))
                .map_or_else(|| offer.offer_id.clone(), |terms| terms.label.clone());
        }
    }
}

/// The facts of a case that come from its records alone (`state` and `history`), without the
/// policy's words or the account's: labels are the ids, the tier is empty and the MRR unknown
/// until `ReportCase::describe`. Refuses a history that does not match the state, as
/// `report_case` does.
pub fn case_facts(state: &CaseState, history: &CaseHistory) -> Result<ReportCase, CoreError> {
    let case = state.id;
    let received_under = history
        .received_under
        .clone()
        .ok_or_else(|| inconsistent(format!("case {case}: no received event in its history")))?;
    let closing = match (state.status.is_closed(), &history.closing) {
        (false, None) => None,
        (true, Some(closing)) if closing.how.status() == state.status => Some(closing.clone()),
        (closed, found) => {
            return Err(inconsistent(format!(
                "case {case} is {} but its history says {}",
                state.status.as_str(),
                match (closed, found) {
                    (_, Some(closing)) => closing.how.status().as_str(),
                    _ => "it is open",
                }
            )))
        }
    };
    let offers = history
        .offers
        .iter()
        .map(|offer| ReportOffer {
            offer_id: offer.offer_id.clone(),
            label: offer.offer_id.clone(),
            proposed_at: offer.proposed_at,
            needed_approval: offer.needed_approval,
            accepted: offer.accepted,
        })
        .collect();
    let refunds = state
        .refunds
        .values()
        .map(|refund| {
            let requested_at = history
                .refunds_requested_at
                .get(&refund.refund_id)
                .copied()
                .ok_or_else(|| {
                    inconsistent(format!(
                        "case {case}: refund {} has no request in its history",
                        refund.refund_id
                    ))
                })?;
            let approval = if !refund.under_review {
                RefundApproval::Direct
            } else if refund
                .review_reasons
                .iter()
                .all(|reason| *reason == RefundReviewReason::OutsideWindow)
                && !refund.review_reasons.is_empty()
            {
                RefundApproval::OutsideWindow
            } else {
                // Above the threshold, or reviewed before reasons were recorded (only the
                // threshold sent refunds to review then).
                RefundApproval::AboveThreshold
            };
            Ok(ReportRefund {
                refund_id: refund.refund_id,
                amount: refund.amount,
                requested_at,
                approval,
                status: refund.status,
            })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;
    let check_ins = state
        .win_back_check_ins
        .iter()
        .flatten()
        .zip(1_u32..)
        .map(|(due_on, number)| {
            let made = state.win_back_outcomes.get(&number);
            ReportCheckIn {
                number,
                due_on: *due_on,
                outcome: made.map(|made| made.outcome),
                recorded_at: made.map(|made| made.at),
            }
        })
        .collect();
    Ok(ReportCase {
        case_id: case,
        account_id: state.account_id,
        received_at: state.received_at,
        received_under,
        first_response_due: state.first_response_due,
        acknowledged_at: state.acknowledged_at,
        closing,
        reason_id: state.reason_id.clone(),
        reason_label: state.reason_id.clone(),
        tier: String::new(),
        owner: state.owner.clone(),
        route: state.route,
        offers,
        mrr: None,
        refunds,
        check_ins,
    })
}
