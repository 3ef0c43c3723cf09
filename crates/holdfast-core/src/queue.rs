//! The work queues, and which of them a procedure can ever fill. The store lists each queue's
//! rows; whether a queue means anything under a policy (a procedure that makes no retention
//! offers has no offer to approve) is a rule of the policy, decided here so that the desk only
//! says it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::policy::{OfferTerms, Policy, Route, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Open tasks for the viewer: assigned to them by name, or to a role they hold with no one
    /// named (save calls, escalations, hand-offs, billing's refunds and heads-ups, win-back
    /// check-ins).
    MyTasks,
    /// Cases escalated to a CSM, waiting for the CSM's outcome.
    Escalations,
    /// Refunds above the threshold (or outside the refund window), waiting for a second person's
    /// verification.
    RefundApprovals,
    /// Refunds with billing ("billing in progress"). Billing's heads-ups on refunds under review
    /// are in the personal queue of whoever the policy sends them to (its billing person or
    /// billing staff), since there is nothing to process yet.
    RefundsToProcess,
    /// Open cases whose pending offer is outside the policy's limits and not approved yet, for
    /// whoever the policy lets approve offers.
    OfferApprovals,
    /// Cases whose every gate is met, waiting for someone allowed to finalize.
    Finalizations,
    /// Win-back check-ins after a cancellation, earliest due first, until their outcome is
    /// recorded.
    WinBack,
}

impl Queue {
    pub const ALL: [Queue; 7] = [
        Queue::MyTasks,
        Queue::Escalations,
        Queue::RefundApprovals,
        Queue::RefundsToProcess,
        Queue::OfferApprovals,
        Queue::Finalizations,
        Queue::WinBack,
    ];
}

/// Whether a queue can hold anything under a procedure, and if not, why, in a sentence for the
/// person who looks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueUse {
    pub queue: Queue,
    /// Why no case or task can ever reach the queue under this procedure; `None` when one can.
    #[ts(optional = nullable)]
    pub unused_because: Option<String>,
}

/// Every queue, in `Queue::ALL`'s order, with why the policy leaves it empty where it does.
/// A queue is unused only when no case under the policy can reach it: a queue that is merely
/// empty today is in use.
pub fn queues_in_use(policy: &Policy) -> Vec<QueueUse> {
    Queue::ALL
        .into_iter()
        .map(|queue| QueueUse {
            queue,
            unused_because: unused_because(policy, queue),
        })
        .collect()
}

fn unused_because(policy: &Policy, queue: Queue) -> Option<String> {
    match queue {
        // Anything assigned to someone, refunds (every policy has a threshold) and the
        // finalization itself happen under every procedure.
        Queue::MyTasks
        | Queue::RefundApprovals
        | Queue::RefundsToProcess
        | Queue::Finalizations => None,
        Queue::Escalations => {
            // The desk offers the escalation where the procedure asks for one: its gate, or a
            // route to a CSM.
            let escalates = policy.gates.csm_escalation_before_finalization
                || policy
                    .routing
                    .rules
                    .iter()
                    .any(|rule| rule.route == Route::EscalateToCsm);
            (!escalates).then(|| {
                "This procedure does not escalate cases to a customer success manager".to_owned()
            })
        }
        Queue::OfferApprovals => {
            if policy.offers.is_empty() {
                Some(
                    "This procedure has no offers that need approval: it makes no retention offers"
                        .to_owned(),
                )
            } else if policy.roles_for(Step::ApproveOffer).is_empty() {
                // `propose` refuses an offer outside its limits when nobody may approve it.
                Some("This procedure has no offers that need approval: an offer outside its limits is refused, since no one is named to approve it".to_owned())
            } else if !policy.offers.iter().any(can_need_approval) {
                Some("This procedure has no offers that need approval: none of its offers has limits".to_owned())
            } else {
                None
            }
        }
        Queue::WinBack => policy
            .win_back_months
            .is_empty()
            .then(|| "This procedure schedules no win-back check-ins".to_owned()),
    }
}

/// An offer that always needs approval, or has a limit a proposal can go beyond.
fn can_need_approval(offer: &OfferTerms) -> bool {
    offer.needs_approval
        || offer.max_percent.is_some()
        || !offer.percent_choices.is_empty()
        || offer.max_months.is_some()
        || offer.max_amount.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;

    fn unused(source: &str) -> Vec<(Queue, String)> {
        queues_in_use(&parse_policy(source).unwrap())
            .into_iter()
            .filter_map(|used| used.unused_because.map(|why| (used.queue, why)))
            .collect()
    }

    fn unused_queues(source: &str) -> Vec<Queue> {
        unused(source).into_iter().map(|(queue, _)| queue).collect()
    }

    #[test]
    fn every_queue_is_listed_once_in_the_rails_order() {
        let policy = parse_policy(include_str!("../../../policies/intelliserve.toml")).unwrap();
        let queues: Vec<Queue> = queues_in_use(&policy)
            .into_iter()
            .map(|used| used.queue)
            .collect();
        assert_eq!(queues, Queue::ALL.to_vec());
    }

    #[test]
    fn the_2017_procedure_makes_no_offers_no_escalations_and_no_win_back() {
        let unused = unused(include_str!(
            "../../../policies/account-cancellation-2017.toml"
        ));
        assert_eq!(
            unused.iter().map(|(queue, _)| *queue).collect::<Vec<_>>(),
            vec![Queue::Escalations, Queue::OfferApprovals, Queue::WinBack]
        );
        let (_, why) = &unused[1];
        assert!(
            why.starts_with("This procedure has no offers that need approval"),
            "{why}"
        );
    }

    #[test]
    fn billsbee_has_neither_offers_nor_escalations_nor_win_back() {
        assert_eq!(
            unused_queues(include_str!("../../../policies/billsbee.toml")),
            vec![Queue::Escalations, Queue::OfferApprovals, Queue::WinBack]
        );
    }

    #[test]
    fn intelliserve_approves_offers_and_checks_back_but_does_not_escalate() {
        assert_eq!(
            unused_queues(include_str!("../../../policies/intelliserve.toml")),
            vec![Queue::Escalations]
        );
    }

    #[test]
    fn kodif_names_no_one_to_approve_its_offers_so_none_waits_for_approval() {
        let unused = unused(include_str!(
            "../../../policies/kodif-order-cancellation.toml"
        ));
        assert_eq!(
            unused.iter().map(|(queue, _)| *queue).collect::<Vec<_>>(),
            vec![Queue::Escalations, Queue::OfferApprovals, Queue::WinBack]
        );
        assert!(
            unused[1].1.contains("no one is named to approve it"),
            "{}",
            unused[1].1
        );
    }

    #[test]
    fn wootrecruit_escalates_to_a_csm_and_makes_no_offers() {
        assert_eq!(
            unused_queues(include_str!("../../../policies/wootrecruit.toml")),
            vec![Queue::OfferApprovals, Queue::WinBack]
        );
    }

    #[test]
    fn naming_an_approver_brings_the_offer_approvals_back() {
        let source = include_str!("../../../policies/kodif-order-cancellation.toml").replacen(
            "\n[roles]\n",
            "\n[roles]\napprove_offer = [\"manager\"]\n",
            1,
        );
        assert!(!unused_queues(&source).contains(&Queue::OfferApprovals));
    }
}
