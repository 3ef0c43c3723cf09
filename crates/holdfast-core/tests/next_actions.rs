//! The checklist's next actions: what the desk's command palette offers on a case, in the
//! procedure's order, each disabled with the engine's reason when the user may not take it.

use std::collections::BTreeMap;

use holdfast_core::account::PreferredChannel;
use holdfast_core::error::Gate;
use holdfast_core::policy::Step;
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, may_take, Actor, CaseCommand, NextAction, NextActionId, OfferProposal,
};

mod common;
use common::{acknowledge_by_call, actor, am, person, test_account, test_policy, usd, Case};

fn next_actions(case: &Case, who: &Actor) -> Vec<NextAction> {
    checklist(case.state(), &case.policy, &case.account, who).next_actions
}

fn ids(actions: &[NextAction]) -> Vec<NextActionId> {
    actions.iter().map(|action| action.id).collect()
}

fn find(actions: &[NextAction], id: NextActionId) -> &NextAction {
    actions
        .iter()
        .find(|action| action.id == id)
        .unwrap_or_else(|| panic!("{id:?} is offered"))
}

fn refusal(who: &Actor, step: Step) -> Option<String> {
    may_take(who, step, &test_policy())
        .err()
        .map(|error| error.to_string())
}

#[test]
fn a_fresh_case_offers_the_procedure_from_the_acknowledgement_on() {
    let case = Case::received(test_policy(), test_account());
    let actions = next_actions(&case, &am());
    use NextActionId::*;
    assert_eq!(
        ids(&actions),
        vec![
            Acknowledge,
            Verify,
            SendForm,
            Reason,
            Route,
            Offer,
            Escalate,
            Refund,
            Finalize,
            Withdraw,
            HandOff
        ]
    );
    let acknowledge = &actions[0];
    assert_eq!(acknowledge.label, "Acknowledge request");
    assert_eq!(acknowledge.step, Step::Receive);
    assert_eq!(acknowledge.refund_id, None);
    assert!(
        actions
            .iter()
            .filter(|action| action.id != Finalize)
            .all(|action| action.disabled_reason.is_none()),
        "the test policy lets an account manager take every step but finalization: {actions:?}"
    );
    assert_eq!(
        find(&actions, Finalize).disabled_reason,
        refusal(&am(), Step::Finalize),
        "the role's refusal comes before the gates"
    );

    let manager = person("Maya", &[Role::Manager]);
    assert_eq!(
        find(&next_actions(&case, &manager), Finalize).disabled_reason,
        Some(Gate::IdentityVerified.describe().to_owned()),
        "a manager is told the first gate still standing"
    );
}

#[test]
fn the_actions_follow_the_case() {
    let mut case = Case::verified(test_policy(), test_account());
    case.ok(&am(), acknowledge_by_call());
    case.ok(
        &am(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(30),
                months: Some(2),
                amount: None,
                note: String::new(),
            },
        },
    );
    use NextActionId::*;
    let actions = next_actions(&case, &am());
    assert_eq!(
        ids(&actions),
        vec![
            FormReceived,
            Reason,
            Route,
            ApproveOffer,
            AcceptOffer,
            DeclineOffer,
            Escalate,
            Refund,
            Finalize,
            Withdraw,
            HandOff
        ],
        "an offer outside the limits waits for approval and for the customer's answer"
    );
    assert_eq!(
        find(&actions, ApproveOffer).disabled_reason,
        refusal(&am(), Step::ApproveOffer)
    );
    assert_eq!(
        find(&actions, AcceptOffer).label,
        "Customer accepted the offer"
    );
    assert_eq!(find(&actions, AcceptOffer).step, Step::RecordOfferOutcome);
    assert_eq!(
        find(&actions, Finalize).disabled_reason,
        refusal(&am(), Step::Finalize)
    );
}

#[test]
fn a_refund_under_review_is_offered_to_billing_and_refused_to_its_requester() {
    let mut case = Case::verified(test_policy(), test_account());
    let refund_id = uuid::Uuid::from_u128(7);
    case.ok(
        &am(),
        CaseCommand::RequestRefund {
            refund_id,
            amount: usd(150_000),
            justification: "Charged twice in November".into(),
            charged_on: None,
        },
    );

    let actions = next_actions(&case, &am());
    let verify = find(&actions, NextActionId::VerifyRefund);
    assert_eq!(verify.refund_id, Some(refund_id));
    assert_eq!(verify.step, Step::ApproveRefund);
    assert_eq!(verify.label, "Verify refund");
    assert!(verify.disabled_reason.is_some());
    assert_eq!(verify.disabled_reason, refusal(&am(), Step::ApproveRefund));

    let billing = person("heather", &[Role::Billing]);
    let actions = next_actions(&case, &billing);
    assert_eq!(
        find(&actions, NextActionId::VerifyRefund).disabled_reason,
        None
    );
    case.ok(&billing, CaseCommand::VerifyRefund { refund_id });
    let actions = next_actions(&case, &billing);
    assert!(!ids(&actions).contains(&NextActionId::VerifyRefund));
    let complete = find(&actions, NextActionId::CompleteRefund);
    assert_eq!(complete.refund_id, Some(refund_id));
    assert_eq!(complete.label, "Mark refund completed");

    let mut gone = am();
    gone.active = false;
    assert!(
        next_actions(&case, &gone)
            .iter()
            .all(|action| action.disabled_reason.is_some()),
        "an inactive user may take nothing"
    );
}

#[test]
fn a_cancelled_case_offers_only_what_follows_the_cancellation() {
    let mut case = Case::verified(test_policy(), test_account());
    case.ok(
        &am(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::ReceiveForm {
            fields: BTreeMap::from([
                ("reason".into(), "Too expensive".into()),
                ("signature".into(), "A. Silva".into()),
            ]),
        },
    );
    case.ok(
        &am(),
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: String::new(),
        },
    );
    case.ok(
        &actor(&[Role::Csm]),
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: "Budget is gone".into(),
        },
    );
    case.ok(
        &actor(&[Role::Manager]),
        CaseCommand::Finalize {
            effective_date: jiff::civil::date(2026, 12, 31),
            data_export_offered: true,
        },
    );

    use NextActionId::*;
    let actions = next_actions(&case, &am());
    assert_eq!(ids(&actions), vec![Confirm, Feedback, WinBack]);
    assert_eq!(
        actions
            .iter()
            .map(|action| (action.label.as_str(), action.step))
            .collect::<Vec<_>>(),
        vec![
            ("Confirm cancellation to the customer", Step::Confirm),
            ("Record exit feedback", Step::RecordFeedback),
            ("Schedule win-back check-ins", Step::ScheduleWinBack),
        ]
    );

    case.ok(
        &am(),
        CaseCommand::ConfirmCancellation {
            channel: PreferredChannel::Email,
        },
    );
    case.ok(&am(), CaseCommand::ScheduleWinBack);
    assert_eq!(ids(&next_actions(&case, &am())), vec![Feedback]);
}
