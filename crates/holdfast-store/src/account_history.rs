//! An account's page: the account with its history across all of its cases — the cases, the
//! offers proposed on them (with their terms, approval and answer) and the refunds (from request
//! to completion or denial), each step with who took it and when. The cases come from the read
//! model; offers and refunds are folded from the cases' recorded events, so they say exactly what
//! the audit trail says.

use std::collections::HashMap;

use holdfast_core::account::Account;
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::money::Money;
use holdfast_core::policy::Policy;
use holdfast_core::workflow::{CaseEvent, OfferProposal};
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::RecordedEvent;
use crate::page::{collect_rows, from_millis};
use crate::Database;

/// Who took a step, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Stamp {
    /// The user id of whoever took the step.
    pub by: String,
    pub at: Timestamp,
}

/// One of the account's cases, as its history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountCase {
    pub id: Uuid,
    pub status: CaseStatus,
    pub channel: RequestChannel,
    pub requester_name: String,
    pub received_at: Timestamp,
    /// The cancellation reason's id, once captured.
    pub reason_id: Option<String>,
    /// The reason's label under the profile's policy, when the policy knows it.
    pub reason: Option<String>,
    /// Who holds the case now (a save call's assignee, the CSM it was escalated to).
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OfferOutcome {
    /// The customer has not answered yet.
    Pending,
    Accepted,
    Declined,
}

/// An offer proposed on one of the account's cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountOffer {
    pub case_id: Uuid,
    pub offer_id: String,
    /// The offer's label in the profile's policy, when the policy still has it.
    pub label: Option<String>,
    pub terms: OfferProposal,
    /// It was outside the policy's limits, so it needed someone's approval.
    pub needs_approval: bool,
    pub proposed: Stamp,
    pub approved: Option<Stamp>,
    pub outcome: OfferOutcome,
    /// Who recorded the customer's answer, and when.
    pub answered: Option<Stamp>,
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RefundProgress {
    /// At or below the threshold: sent straight to billing.
    Requested,
    /// Above the threshold: waiting for a second person's verification.
    UnderReview,
    /// Verified by a second person and with billing.
    Verified,
    Completed,
    Denied,
}

/// A refund requested on one of the account's cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountRefund {
    pub case_id: Uuid,
    pub refund_id: Uuid,
    pub amount: Money,
    pub justification: String,
    pub status: RefundProgress,
    pub requested: Stamp,
    pub verified: Option<Stamp>,
    pub completed: Option<Stamp>,
    pub denied: Option<Stamp>,
    pub denial_reason: Option<String>,
}

/// The account's page: the account and its history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountDetail {
    pub account: Account,
    /// The account's cases, the most recently received first.
    pub cases: Vec<AccountCase>,
    /// The offers proposed on any of its cases, the latest first.
    pub offers: Vec<AccountOffer>,
    /// The refunds requested on any of its cases, the latest first.
    pub refunds: Vec<AccountRefund>,
}

fn stamp(recorded: &RecordedEvent) -> Stamp {
    Stamp {
        by: recorded.event.actor.clone(),
        at: recorded.event.recorded_at,
    }
}

/// Folds one case's events into the offers and refunds lists.
fn fold_case(
    case_id: Uuid,
    events: &[RecordedEvent],
    policy: Option<&Policy>,
    offers: &mut Vec<(u64, AccountOffer)>,
    refunds: &mut Vec<(u64, AccountRefund)>,
) -> Result<()> {
    // The offer the case's next approval or answer is about: the last one proposed.
    let mut current_offer: Option<usize> = None;
    let mut refund_index: HashMap<Uuid, usize> = HashMap::new();
    for recorded in events {
        let event: CaseEvent =
            serde_json::from_value(recorded.event.payload.clone()).map_err(|e| {
                StoreError::Corrupt(format!("event {} is not a case event: {e}", recorded.seq))
            })?;
        let offer = || -> Result<usize> {
            current_offer.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "event {} answers an offer that was never proposed",
                    recorded.seq
                ))
            })
        };
        let refund = |id: &Uuid| -> Result<usize> {
            refund_index.get(id).copied().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "event {} is about refund {id}, which was never requested",
                    recorded.seq
                ))
            })
        };
        match event {
            CaseEvent::OfferProposed {
                offer_id,
                terms,
                needs_approval,
                ..
            } => {
                current_offer = Some(offers.len());
                offers.push((
                    recorded.seq,
                    AccountOffer {
                        case_id,
                        label: policy
                            .and_then(|p| p.offer(&offer_id))
                            .map(|o| o.label.clone()),
                        offer_id,
                        terms,
                        needs_approval,
                        proposed: stamp(recorded),
                        approved: None,
                        outcome: OfferOutcome::Pending,
                        answered: None,
                    },
                ));
            }
            CaseEvent::OfferApproved { .. } => {
                let i = offer()?;
                offers[i].1.approved = Some(stamp(recorded));
            }
            CaseEvent::OfferAccepted { .. } | CaseEvent::OfferDeclined { .. } => {
                let i = offer()?;
                offers[i].1.outcome = if matches!(event, CaseEvent::OfferAccepted { .. }) {
                    OfferOutcome::Accepted
                } else {
                    OfferOutcome::Declined
                };
                offers[i].1.answered = Some(stamp(recorded));
            }
            CaseEvent::RefundRequested {
                refund_id,
                amount,
                justification,
                requested_by,
                under_review,
                at,
                ..
            } => {
                refund_index.insert(refund_id, refunds.len());
                refunds.push((
                    recorded.seq,
                    AccountRefund {
                        case_id,
                        refund_id,
                        amount,
                        justification,
                        status: if under_review {
                            RefundProgress::UnderReview
                        } else {
                            RefundProgress::Requested
                        },
                        requested: Stamp {
                            by: requested_by,
                            at,
                        },
                        verified: None,
                        completed: None,
                        denied: None,
                        denial_reason: None,
                    },
                ));
            }
            CaseEvent::RefundVerified {
                refund_id,
                verified_by,
                at,
            } => {
                let i = refund(&refund_id)?;
                refunds[i].1.status = RefundProgress::Verified;
                refunds[i].1.verified = Some(Stamp {
                    by: verified_by,
                    at,
                });
            }
            CaseEvent::RefundCompleted {
                refund_id,
                completed_by,
                at,
                ..
            } => {
                let i = refund(&refund_id)?;
                refunds[i].1.status = RefundProgress::Completed;
                refunds[i].1.completed = Some(Stamp {
                    by: completed_by,
                    at,
                });
            }
            CaseEvent::RefundDenied {
                refund_id,
                reason,
                denied_by,
                at,
            } => {
                let i = refund(&refund_id)?;
                refunds[i].1.status = RefundProgress::Denied;
                refunds[i].1.denied = Some(Stamp { by: denied_by, at });
                refunds[i].1.denial_reason = Some(reason);
            }
            _ => {}
        }
    }
    Ok(())
}

impl Database {
    /// The account and its history across every one of its cases; offer and reason labels come
    /// from the profile's policy.
    pub fn account_detail(&self, account_id: Uuid) -> Result<AccountDetail> {
        let account = self.account(account_id)?;
        let policy = self.policy()?;
        let mut statement = self.conn.prepare_cached(
            "SELECT id, status, channel, requester_name, received_at, reason_id, owner
             FROM cases WHERE account_id = ?1 ORDER BY received_at DESC, id DESC",
        )?;
        let rows = statement.query_map([account_id.to_string()], |row| {
            Ok(read_account_case(row, policy.as_ref()))
        })?;
        let cases = collect_rows(rows)?;

        let mut offers = Vec::new();
        let mut refunds = Vec::new();
        for case in &cases {
            fold_case(
                case.id,
                &self.events_of(case.id)?,
                policy.as_ref(),
                &mut offers,
                &mut refunds,
            )?;
        }
        // Latest first, across cases, in the order the events were recorded.
        offers.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        refunds.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        Ok(AccountDetail {
            account,
            cases,
            offers: offers.into_iter().map(|(_, offer)| offer).collect(),
            refunds: refunds.into_iter().map(|(_, refund)| refund).collect(),
        })
    }
}

fn read_account_case(row: &rusqlite::Row<'_>, policy: Option<&Policy>) -> Result<AccountCase> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("case row: {what}"));
    let id: String = row.get(0)?;
    let status: String = row.get(1)?;
    let channel: String = row.get(2)?;
    let reason_id: Option<String> = row.get(5)?;
    Ok(AccountCase {
        id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
        status: CaseStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        channel: RequestChannel::parse(&channel).ok_or_else(|| corrupt("channel"))?,
        requester_name: row.get(3)?,
        received_at: from_millis(row.get(4)?)?,
        reason: reason_id.as_deref().and_then(|id| {
            policy
                .and_then(|p| p.reasons.iter().find(|reason| reason.id == id))
                .map(|reason| reason.label.clone())
        }),
        reason_id,
        owner: row.get(6)?,
    })
}
