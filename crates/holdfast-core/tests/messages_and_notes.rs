//! Notes, the policy's messages filled with a case's facts and recorded as sent, and the
//! checklist's per-step permissions that let the desk show an action disabled with its reason.

use holdfast_core::account::PreferredChannel;
use holdfast_core::case::CaseStatus;
use holdfast_core::policy::{parse_policy, MessageKind, Policy, Step};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, compose_message, Addressee, CaseCommand, CaseEvent, EmailReceipt, OfferProposal,
};
use holdfast_core::CoreError;

mod common;
use common::{actor, am, person, test_account, test_policy, usd, Case};

/// The test procedure with message templates, as a policy file would give them.
fn policy_with_messages() -> Policy {
    let source = format!(
        "{}\n[messages]\n{}\n",
        common::TEST_POLICY,
        r#"acknowledgement = "Hi {customer_name}, we received the request for {account_name}."
offer = "We can offer {offer}."
confirmation = "{account_name} is cancelled effective {effective_date}. Survey: {survey_link}"
refund_notice = "A refund of {amount} is on its way.""#
    );
    parse_policy(&source).expect("the policy with messages parses")
}

fn to() -> Addressee<'static> {
    Addressee {
        customer_name: "Ana Lima",
        account_name: "Acme",
        sender_name: Some("Sam Reed"),
    }
}

#[test]
fn a_template_is_filled_with_the_case_and_leaves_unknown_facts_visible() {
    let policy = policy_with_messages();
    let mut case = Case::verified(policy.clone(), test_account());

    let ack = compose_message(
        MessageKind::Acknowledgement,
        case.state(),
        &policy,
        &test_account(),
        &to(),
    )
    .expect("the policy has an acknowledgement");
    assert_eq!(ack.body, "Hi Ana Lima, we received the request for Acme.");
    assert!(ack.missing.is_empty());
    assert_eq!(ack.channel, Some(PreferredChannel::Email));
    assert!(!ack.sent);

    // Before the finalization there is no effective date: it stays in braces and is listed.
    let confirmation = compose_message(
        MessageKind::Confirmation,
        case.state(),
        &policy,
        &test_account(),
        &to(),
    )
    .unwrap();
    assert_eq!(
        confirmation.body,
        "Acme is cancelled effective {effective_date}. Survey: https://survey.example.com/us-east"
    );
    assert_eq!(confirmation.missing, vec!["effective_date".to_owned()]);

    case.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(20),
                months: Some(3),
                amount: None,
                note: String::new(),
            },
        },
    );
    let offer = compose_message(
        MessageKind::Offer,
        case.state(),
        &policy,
        &test_account(),
        &to(),
    )
    .unwrap();
    assert_eq!(offer.body, "We can offer Discount: 20% for 3 months.");

    case.ok(
        &am(),
        CaseCommand::RequestRefund {
            refund_id: uuid::Uuid::now_v7(),
            amount: usd(12_050),
            justification: "double charge".into(),
            charged_on: None,
        },
    );
    let refund = compose_message(
        MessageKind::RefundNotice,
        case.state(),
        &policy,
        &test_account(),
        &to(),
    )
    .unwrap();
    assert_eq!(refund.body, "A refund of 120.50 USD is on its way.");

    assert_eq!(
        compose_message(
            MessageKind::WinBack,
            case.state(),
            &policy,
            &test_account(),
            &to()
        ),
        None,
        "no template, no message"
    );
}

#[test]
fn a_message_is_signed_by_the_person_who_writes_it() {
    let source = format!(
        "{}\n[messages]\n{}\n",
        common::TEST_POLICY,
        r#"acknowledgement = "Hi {customer_name}, we have your request.\n\nBest regards,\n{sender_name}""#
    );
    let policy = parse_policy(&source).expect("a template may be signed by its writer");
    let case = Case::received(policy.clone(), test_account());
    let ack = compose_message(
        MessageKind::Acknowledgement,
        case.state(),
        &policy,
        &test_account(),
        &to(),
    )
    .unwrap();
    assert_eq!(
        ack.body,
        "Hi Ana Lima, we have your request.\n\nBest regards,\nSam Reed"
    );
    assert!(ack.missing.is_empty());
    // Nobody known at the desk: the sign-off shows the gap rather than a wrong name.
    let unsigned = Addressee {
        sender_name: None,
        ..to()
    };
    let ack = compose_message(
        MessageKind::Acknowledgement,
        case.state(),
        &policy,
        &test_account(),
        &unsigned,
    )
    .unwrap();
    assert!(ack.body.ends_with("{sender_name}"), "{}", ack.body);
    assert_eq!(ack.missing, vec!["sender_name".to_owned()]);
}

#[test]
fn a_message_sent_is_recorded_with_its_text_and_only_the_first_response_moves_the_case() {
    let policy = policy_with_messages();
    let mut case = Case::received(policy.clone(), test_account());
    let events = case.ok(
        &am(),
        CaseCommand::RecordMessage {
            kind: MessageKind::Acknowledgement,
            channel: PreferredChannel::Email,
            body: "  Hi Ana, edited by hand.  ".into(),
            email: None,
        },
    );
    // The first message to the customer is the first response: it acknowledges the request.
    assert!(matches!(
        &events[..],
        [
            CaseEvent::MessageSent { message: MessageKind::Acknowledgement, channel: PreferredChannel::Email, body, .. },
            CaseEvent::Acknowledged { .. },
        ] if body == "Hi Ana, edited by hand."
    ));
    assert_eq!(case.state().acknowledged_at, Some(common::now()));
    assert_eq!(case.state().status, CaseStatus::InProgress);
    // Any later message describes the case without moving it.
    let events = case.ok(
        &am(),
        CaseCommand::RecordMessage {
            kind: MessageKind::Acknowledgement,
            channel: PreferredChannel::Email,
            body: "Hi Ana, a follow-up.".into(),
            email: None,
        },
    );
    assert!(matches!(&events[..], [CaseEvent::MessageSent { .. }]));
    assert_eq!(case.state().status, CaseStatus::InProgress);
    let composed = compose_message(
        MessageKind::Acknowledgement,
        case.state(),
        &policy,
        &test_account(),
        &to(),
    )
    .unwrap();
    assert!(composed.sent);

    let before = case.state().clone();
    assert!(matches!(
        case.run(
            &am(),
            CaseCommand::RecordMessage {
                kind: MessageKind::WinBack,
                channel: PreferredChannel::Email,
                body: "Come back".into(),
                email: None,
            },
        ),
        Err(CoreError::Invalid { ref field, .. }) if field == "kind"
    ));
    assert!(matches!(
        case.run(
            &am(),
            CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "   ".into(),
                email: None,
            },
        ),
        Err(CoreError::Invalid { ref field, .. }) if field == "body"
    ));
    assert_eq!(case.state(), &before, "a refused message changes nothing");
}

/// An e-mail the desk sent itself (issue 16) is recorded with the mail server's receipt; a receipt
/// on another channel, a malformed Message-ID or an empty reply is refused and changes nothing.
#[test]
fn an_email_sent_over_smtp_is_recorded_with_its_message_id_and_the_servers_reply() {
    let policy = policy_with_messages();
    let mut case = Case::received(policy, test_account());
    let receipt = |message_id: &str, server_reply: &str| EmailReceipt {
        message_id: message_id.into(),
        server_reply: server_reply.into(),
    };
    let email = |channel, receipt| CaseCommand::RecordMessage {
        kind: MessageKind::Acknowledgement,
        channel,
        body: "Hi Ana".into(),
        email: Some(receipt),
    };
    let before = case.state().clone();
    for (command, field) in [
        (
            email(PreferredChannel::Phone, receipt("<a@b>", "250 OK")),
            "email",
        ),
        (
            email(PreferredChannel::Email, receipt("a@b", "250 OK")),
            "email.message_id",
        ),
        (
            email(PreferredChannel::Email, receipt("<a b@c>", "250 OK")),
            "email.message_id",
        ),
        (
            email(PreferredChannel::Email, receipt("<ab>", "250 OK")),
            "email.message_id",
        ),
        (
            email(PreferredChannel::Email, receipt("<a@b>", "  ")),
            "email.server_reply",
        ),
    ] {
        assert!(
            matches!(case.run(&am(), command), Err(CoreError::Invalid { field: ref f, .. }) if f == field),
            "{field}"
        );
    }
    assert_eq!(case.state(), &before, "a refused receipt changes nothing");

    let events = case.ok(
        &am(),
        email(
            PreferredChannel::Email,
            receipt(" <0190@holdfast.example> ", "250 2.0.0 Ok: queued as 4F2A1"),
        ),
    );
    assert!(matches!(
        &events[..],
        [
            CaseEvent::MessageSent { email: Some(EmailReceipt { message_id, server_reply }), .. },
            CaseEvent::Acknowledged { .. },
        ] if message_id == "<0190@holdfast.example>" && server_reply == "250 2.0.0 Ok: queued as 4F2A1"
    ));
}

#[test]
fn notes_are_taken_on_any_case_even_a_closed_one_but_not_empty_or_without_a_role() {
    let mut case = Case::received(test_policy(), test_account());
    case.ok(
        &am(),
        CaseCommand::Withdraw {
            note: "changed their mind".into(),
        },
    );
    assert_eq!(case.state().status, CaseStatus::Withdrawn);
    let events = case.ok(
        &am(),
        CaseCommand::AddNote {
            text: " Called back, all good. ".into(),
        },
    );
    assert!(
        matches!(&events[..], [CaseEvent::NoteAdded { text, .. }] if text == "Called back, all good.")
    );
    assert_eq!(case.state().status, CaseStatus::Withdrawn);

    assert!(matches!(
        case.run(&am(), CaseCommand::AddNote { text: "\n".into() }),
        Err(CoreError::Invalid { ref field, .. }) if field == "text"
    ));
    assert!(matches!(
        case.run(&actor(&[]), CaseCommand::AddNote { text: "hello".into() }),
        Err(CoreError::Invalid { ref field, .. }) if field == "actor"
    ));
    let mut inactive = am();
    inactive.active = false;
    assert!(matches!(
        case.run(
            &inactive,
            CaseCommand::AddNote {
                text: "hello".into()
            }
        ),
        Err(CoreError::InactiveUser { .. })
    ));
}

#[test]
fn the_checklist_says_which_steps_the_user_may_take_and_why_not() {
    let policy = test_policy();
    let case = Case::verified(policy.clone(), test_account());
    let refused = |who: &holdfast_core::workflow::Actor| {
        checklist(case.state(), &policy, &test_account(), who)
            .permissions
            .into_iter()
            .filter_map(|permission| permission.refused.map(|reason| (permission.step, reason)))
            .collect::<Vec<_>>()
    };

    let account_manager_actor = am();
    let account_manager = refused(&account_manager_actor);
    let steps: Vec<Step> = account_manager.iter().map(|(step, _)| *step).collect();
    assert_eq!(
        steps,
        vec![
            Step::ApproveOffer,
            Step::RecordCsmOutcome,
            Step::ApproveRefund,
            // Not named by the test policy: completing a refund keeps the approvers' roles.
            Step::CompleteRefund,
            Step::Finalize,
            // Not named by the test policy either: managers and administrators export and erase
            // a customer's data.
            Step::ErasePersonalData,
        ],
        "the test policy names roles for exactly these steps"
    );
    let (_, why) = &account_manager[4];
    assert!(why.contains("manager"), "the reason names the role: {why}");

    let manager = person("Maya", &[Role::Manager]);
    assert!(!refused(&manager)
        .iter()
        .any(|(step, _)| *step == Step::Finalize));

    let mut gone = manager.clone();
    gone.active = false;
    assert_eq!(
        refused(&gone).len(),
        Step::ALL.len(),
        "an inactive user may take no step"
    );
}

#[test]
fn a_template_naming_an_unknown_placeholder_is_refused_with_its_key() {
    let source = format!(
        "{}\n[messages]\nconfirmation = \"Bye {{customer}}\"\n",
        common::TEST_POLICY
    );
    let error = parse_policy(&source).expect_err("an unknown placeholder is an error");
    assert_eq!(error.key.as_deref(), Some("messages.confirmation"));
    assert!(error.message.contains("{customer}"), "{}", error.message);
}
