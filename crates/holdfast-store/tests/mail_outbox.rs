//! Issue 16: the e-mail outbox. A message waits until the mail server takes it, across restarts;
//! a temporary failure waits longer each time, a refusal is final; a send is recorded on the case
//! with its Message-ID; a message Holdfast stopped in the middle of sending is never sent again
//! by itself. The SMTP side is tested against a real server in the shell (`src-tauri/src/mail`).

mod common;

use common::{draft, now, Fixture};
use holdfast_core::account::account_id;
use holdfast_core::case::RequestChannel;
use holdfast_core::outbox::FailureKind;
use holdfast_core::policy::{MessageKind, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand, CaseEvent, EmailReceipt};
use holdfast_store::mail::{MailSecurity, MailSettings, OutboxDraft, OutboxState, INTERRUPTED};
use holdfast_store::settings::LocalUserChange;
use holdfast_store::StoreError;
use jiff::ToSpan;
use uuid::Uuid;

const POLICY: &str = include_str!("../../../policies/intelliserve.toml");

fn settings() -> MailSettings {
    MailSettings {
        host: " mail.example.com ".into(),
        port: 587,
        security: MailSecurity::Starttls,
        username: Some("  ".into()),
        from_address: "desk@holdfast.example".into(),
        from_name: Some("Holdfast desk".into()),
    }
}

fn desk() -> (Fixture, Actor, Policy, Uuid) {
    let mut fixture = Fixture::new();
    let policy = fixture.db.set_policy(POLICY).unwrap();
    let user = fixture
        .db
        .set_local_user(
            &LocalUserChange {
                name: "Mia Manager".into(),
                roles: vec![Role::Manager],
            },
            now(),
        )
        .unwrap();
    fixture
        .db
        .import_accounts(&[draft("C-1", "Acme")], now())
        .unwrap();
    let case_id = Uuid::now_v7();
    fixture
        .db
        .run_case_command(
            case_id,
            &CaseCommand::Receive {
                case_id,
                account_id: account_id("C-1"),
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "c-1@example.com".into(),
                received_at: Some(now()),
            },
            &user.actor(),
            &policy,
            now(),
        )
        .unwrap();
    (fixture, user.actor(), policy, case_id)
}

fn message(case_id: Uuid) -> OutboxDraft {
    OutboxDraft {
        case_id,
        kind: MessageKind::Acknowledgement,
        subject: "Your cancellation request".into(),
        body: "  Hi Ana, we received your request.  ".into(),
    }
}

fn receipt(message_id: &str) -> EmailReceipt {
    EmailReceipt {
        message_id: message_id.into(),
        server_reply: "250 2.0.0 Ok: queued as 4F2A1".into(),
    }
}

#[test]
fn mail_settings_are_checked_and_kept_trimmed() {
    let (fixture, ..) = desk();
    assert_eq!(fixture.db.mail_settings().unwrap(), None);
    let saved = fixture.db.set_mail_settings(&settings()).unwrap();
    assert_eq!(saved.host, "mail.example.com");
    assert_eq!(saved.username, None);
    assert_eq!(fixture.db.mail_settings().unwrap(), Some(saved.clone()));
    for (bad, field) in [
        (
            MailSettings {
                host: " ".into(),
                ..settings()
            },
            "host",
        ),
        (
            MailSettings {
                port: 0,
                ..settings()
            },
            "port",
        ),
        (
            MailSettings {
                from_address: "desk.example".into(),
                ..settings()
            },
            "from_address",
        ),
        (
            MailSettings {
                security: MailSecurity::Plain,
                ..settings()
            },
            "security",
        ),
    ] {
        let refused = fixture.db.set_mail_settings(&bad);
        assert!(
            matches!(&refused, Err(StoreError::Rule(holdfast_core::CoreError::Invalid { field: f, .. })) if f == field),
            "{field}: {refused:?}"
        );
    }
    assert_eq!(
        fixture.db.mail_settings().unwrap(),
        Some(saved),
        "a refusal changes nothing"
    );
    // Plain is for a server on this machine only.
    let loopback = MailSettings {
        host: "127.0.0.1".into(),
        security: MailSecurity::Plain,
        ..settings()
    };
    fixture.db.set_mail_settings(&loopback).unwrap();
}

#[test]
fn a_message_waits_across_a_restart_is_retried_later_each_time_and_is_recorded_once_sent() {
    let (mut fixture, _, policy, case_id) = desk();
    // No mail server set up: refused, nothing queued.
    assert!(fixture
        .db
        .queue_email(&message(case_id), &policy, now())
        .is_err());
    fixture.db.set_mail_settings(&settings()).unwrap();
    let queued = fixture
        .db
        .queue_email(&message(case_id), &policy, now())
        .unwrap();
    assert_eq!(queued.state, OutboxState::Queued);
    assert_eq!(queued.recipient, "c-1@example.com", "the account's address");
    assert_eq!(queued.body, "Hi Ana, we received your request.");
    assert!(
        queued.message_id.starts_with('<') && queued.message_id.ends_with("@holdfast.example>")
    );

    // Holdfast restarts; the message still waits.
    let mut fixture = fixture.reopen();
    assert_eq!(fixture.db.next_email_due().unwrap(), Some(now()));
    let claimed = fixture.db.claim_due_email(now()).unwrap().unwrap();
    assert_eq!(
        (claimed.id, claimed.state, claimed.attempts),
        (queued.id, OutboxState::Sending, 1)
    );
    assert_eq!(
        fixture.db.claim_due_email(now()).unwrap(),
        None,
        "one attempt at a time"
    );

    // The server cannot be reached: tried again in 30 s, then 60 s.
    let failed = fixture
        .db
        .email_failed(
            claimed.id,
            FailureKind::Temporary,
            "The mail server could not be reached",
            now(),
        )
        .unwrap();
    assert_eq!(failed.state, OutboxState::Queued);
    assert_eq!(failed.next_attempt_at, now() + 30.seconds());
    assert_eq!(
        failed.problem.as_deref(),
        Some("The mail server could not be reached")
    );
    assert_eq!(
        fixture.db.claim_due_email(now() + 29.seconds()).unwrap(),
        None
    );
    let again = fixture
        .db
        .claim_due_email(now() + 30.seconds())
        .unwrap()
        .unwrap();
    let failed = fixture
        .db
        .email_failed(
            again.id,
            FailureKind::Temporary,
            "dropped",
            now() + 30.seconds(),
        )
        .unwrap();
    assert_eq!(failed.next_attempt_at, now() + 90.seconds());

    // The third attempt goes: recorded on the case with the server's receipt, the row's text
    // cleared, nothing left to show in the outbox.
    let third = fixture
        .db
        .claim_due_email(now() + 90.seconds())
        .unwrap()
        .unwrap();
    assert_eq!(
        third.message_id, queued.message_id,
        "the same Message-ID on every attempt"
    );
    fixture
        .db
        .record_email_sent(third.id, &receipt(&third.message_id), now() + 91.seconds())
        .unwrap();
    let sent: Vec<_> = fixture
        .db
        .events_of(case_id)
        .unwrap()
        .iter()
        .filter_map(|recorded| match recorded.event.case_event().unwrap() {
            CaseEvent::MessageSent { body, email, .. } => Some((body, email)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [(
            "Hi Ana, we received your request.".to_owned(),
            Some(receipt(&queued.message_id))
        )]
    );
    assert!(fixture.db.case_outbox(case_id).unwrap().is_empty());
    assert_eq!(
        fixture.db.outbox_entry(queued.id).unwrap().state,
        OutboxState::Sent
    );
    assert_eq!(fixture.db.outbox_entry(queued.id).unwrap().body, "");
    assert_eq!(fixture.db.next_email_due().unwrap(), None);
}

#[test]
fn a_refused_message_is_not_tried_again_and_shows_why_on_its_case() {
    let (mut fixture, _, policy, case_id) = desk();
    fixture.db.set_mail_settings(&settings()).unwrap();
    let queued = fixture
        .db
        .queue_email(&message(case_id), &policy, now())
        .unwrap();
    fixture.db.claim_due_email(now()).unwrap().unwrap();
    fixture
        .db
        .email_failed(
            queued.id,
            FailureKind::Permanent,
            "The mail server refused the address: 550 no such user",
            now(),
        )
        .unwrap();
    let shown = fixture.db.case_outbox(case_id).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].state, OutboxState::Failed);
    assert!(shown[0]
        .problem
        .as_deref()
        .unwrap()
        .contains("550 no such user"));
    assert_eq!(
        fixture.db.claim_due_email(now() + 24.hours()).unwrap(),
        None
    );
    assert_eq!(fixture.db.next_email_due().unwrap(), None);
}

#[test]
fn a_message_holdfast_stopped_sending_is_never_sent_again_by_itself_unless_its_send_was_recorded() {
    let (mut fixture, _, policy, case_id) = desk();
    fixture.db.set_mail_settings(&settings()).unwrap();
    let cut_off = fixture
        .db
        .queue_email(&message(case_id), &policy, now())
        .unwrap();
    let recorded = fixture
        .db
        .queue_email(&message(case_id), &policy, now())
        .unwrap();
    fixture.db.claim_due_email(now()).unwrap().unwrap();
    fixture.db.claim_due_email(now()).unwrap().unwrap();
    // The second's send was recorded on the case, and Holdfast stopped before marking its row.
    let actor = fixture.db.acting_user().unwrap().unwrap();
    fixture
        .db
        .run_case_command(
            case_id,
            &CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: holdfast_core::account::PreferredChannel::Email,
                body: recorded.body.clone(),
                email: Some(receipt(&recorded.message_id)),
            },
            &actor,
            &policy,
            now(),
        )
        .unwrap();

    let mut fixture = fixture.reopen();
    assert_eq!(fixture.db.recover_interrupted_emails().unwrap(), 1);
    assert_eq!(
        fixture.db.outbox_entry(recorded.id).unwrap().state,
        OutboxState::Sent
    );
    let shown = fixture.db.case_outbox(case_id).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].id, shown[0].state, shown[0].problem.as_deref()),
        (cut_off.id, OutboxState::Uncertain, Some(INTERRUPTED))
    );
    assert_eq!(
        fixture.db.claim_due_email(now() + 24.hours()).unwrap(),
        None
    );
}

#[test]
fn a_message_the_case_would_refuse_is_not_queued() {
    let (mut fixture, _, policy, case_id) = desk();
    fixture.db.set_mail_settings(&settings()).unwrap();
    let empty = OutboxDraft {
        body: "  ".into(),
        ..message(case_id)
    };
    assert!(fixture.db.queue_email(&empty, &policy, now()).is_err());
    let two_lines = OutboxDraft {
        subject: "Hi\r\nBcc: someone@example.com".into(),
        ..message(case_id)
    };
    assert!(fixture.db.queue_email(&two_lines, &policy, now()).is_err());
    assert!(fixture.db.case_outbox(case_id).unwrap().is_empty());
}

#[test]
fn a_sample_account_s_message_is_never_queued() {
    let (mut fixture, _, policy, _) = desk();
    fixture.db.set_mail_settings(&settings()).unwrap();
    fixture.db.load_sample_data(now()).unwrap();
    let sample_case = fixture
        .db
        .inbox(&holdfast_store::cases::InboxQuery::default())
        .unwrap()
        .items
        .into_iter()
        .find(|case| case.account_name.ends_with("(sample)"))
        .unwrap()
        .id;
    let refused = fixture
        .db
        .queue_email(&message(sample_case), &policy, now());
    assert!(
        matches!(&refused, Err(StoreError::Rule(error)) if error.to_string().contains("sample account")),
        "{refused:?}"
    );
    assert!(fixture.db.case_outbox(sample_case).unwrap().is_empty());
}
