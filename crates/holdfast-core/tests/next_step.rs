//! The step a case page leads with: the first step the procedure needs now that the user may
//! take, a decision waiting on them first, and never something a person may do at any time but
//! the procedure does not ask for (a refund request, a withdrawal, a hand-off).

mod common;

use common::{acknowledge_by_call, am, person, usd, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::policy::{parse_policy, MessageKind, Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, AccountFacts, Actor, CaseCommand, NextActionId, RepStatus,
};
use uuid::Uuid;

const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");

fn preset(source: &str) -> Policy {
    parse_policy(source).expect("the preset parses")
}

fn facts(tier: &str, receivable: Option<i64>) -> AccountFacts {
    AccountFacts {
        tier: tier.into(),
        email: Some("eli@elmbakery.com".into()),
        phone: Some("+1 555 010 3131".into()),
        accounts_receivable: receivable.map(usd),
        original_sales_rep: Some("Rob Reyes".into()),
        original_sales_rep_status: RepStatus::Active,
        preferred_channel: Some(PreferredChannel::Email),
        ..AccountFacts::default()
    }
}

fn next_step(case: &Case, who: &Actor) -> Option<NextActionId> {
    checklist(case.state(), &case.policy, &case.account, who).next_step
}

fn verify_by_email() -> CaseCommand {
    CaseCommand::VerifyIdentity {
        method: VerificationMethod::EmailOnFile,
        contact_used: Some("eli@elmbakery.com".into()),
        evidence: "Replied from the address on file".into(),
    }
}

#[test]
fn an_essentials_request_under_the_2017_sop_leads_with_routing_then_the_reply_it_decided() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Essentials", Some(0)));
    // The SOP has no acknowledgement message: the route decides the first response.
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Route));
    case.ok(&am(), CaseCommand::Route);
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert_eq!(list.reply_due, Some(MessageKind::SympatheticReply));
    assert_eq!(list.next_step, Some(NextActionId::SendReply));
    let reply = list
        .next_actions
        .iter()
        .find(|action| action.id == NextActionId::SendReply)
        .expect("the palette offers the reply");
    assert_eq!(reply.label, "Write the sympathetic reply");
    assert_eq!(reply.disabled_reason, None);

    case.ok(
        &am(),
        CaseCommand::RecordMessage {
            kind: MessageKind::SympatheticReply,
            channel: PreferredChannel::Email,
            body: "Hi Eli, we're sorry to see you go.".into(),
            email: None,
        },
    );
    // The reply acknowledged the request; identity comes before the cancellation.
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Verify));
    case.ok(&am(), verify_by_email());
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Reason));
}

#[test]
fn a_professional_account_owing_more_than_1000_is_routed_then_its_save_call_is_acknowledged() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Professional", Some(100_001)));
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Route));
    case.ok(&am(), CaseCommand::Route);
    // No reply is due on a save call: the request still needs its first response.
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Acknowledge));
    case.ok(&am(), acknowledge_by_call());
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Verify));
}

#[test]
fn an_unknown_receivable_leads_before_routing_that_needs_it() {
    let case = Case::received(preset(ACCOUNT_2017), facts("Professional", None));
    // Routing waits for the amount, so the acknowledgement is not skipped for it...
    assert_eq!(next_step(&case, &am()), Some(NextActionId::Acknowledge));
    let mut case = case;
    case.ok(&am(), acknowledge_by_call());
    case.ok(&am(), verify_by_email());
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: String::new(),
            pain_points: Vec::new(),
        },
    );
    // ...and once the steps before it are done, entering it leads.
    assert_eq!(next_step(&case, &am()), Some(NextActionId::EnterReceivable));
}

#[test]
fn a_refund_waiting_for_a_second_person_leads_for_billing_and_not_for_its_requester() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Essentials", Some(0)));
    let sam = person("sam", &[Role::AccountManager]);
    case.ok(
        &sam,
        CaseCommand::RequestRefund {
            refund_id: Uuid::from_u128(1),
            amount: usd(150_000),
            justification: "Charged twice in March".into(),
            charged_on: None,
        },
    );
    assert_ne!(next_step(&case, &sam), Some(NextActionId::VerifyRefund));
    assert_eq!(next_step(&case, &sam), Some(NextActionId::Route));
    let heather = person("Heather", &[Role::Billing]);
    assert_eq!(next_step(&case, &heather), Some(NextActionId::VerifyRefund));
}

#[test]
fn an_ordinary_route_leads_with_the_retention_offer_and_optional_steps_never_lead() {
    let policy = preset(KODIF);
    // `Case::verified` verifies by the address on file it knows.
    let account = AccountFacts {
        email: Some("ana@acme.io".into()),
        ..facts(&policy.tiers[0].clone(), Some(0))
    };
    let mut case = Case::verified(policy, account);
    let manager = person("maya", &[Role::Manager, Role::AccountManager]);
    let mut seen = Vec::new();
    for _ in 0..12 {
        let Some(step) = next_step(&case, &manager) else {
            break;
        };
        seen.push(step);
        assert!(
            !matches!(
                step,
                NextActionId::Refund
                    | NextActionId::Withdraw
                    | NextActionId::HandOff
                    | NextActionId::DeclineOffer
            ),
            "{step:?} is never the step a case leads with"
        );
        if step == NextActionId::Offer {
            break;
        }
        let command = match step {
            NextActionId::Acknowledge => CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "Thanks for getting in touch.".into(),
                email: None,
            },
            NextActionId::Route => CaseCommand::Route,
            NextActionId::Reason => CaseCommand::CaptureReason {
                reason_id: case.policy.reasons[0].id.clone(),
                details: String::new(),
                pain_points: Vec::new(),
            },
            other => panic!("unexpected step {other:?} before the offer: {seen:?}"),
        };
        if let Err(error) = case.run(&manager, command) {
            panic!("{step:?} was refused: {error}; steps so far {seen:?}");
        }
    }
    assert_eq!(
        seen.last(),
        Some(&NextActionId::Offer),
        "Kodif's ordinary route leads to the retention offer: {seen:?}"
    );
}
