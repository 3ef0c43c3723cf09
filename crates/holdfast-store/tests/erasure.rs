//! Issue 14, privacy: a customer's personal data erased on request or when the policy's retention
//! period runs out. Afterwards their name, e-mail and phone are nowhere in the profile's file or
//! its WAL (every page decrypted, free space included), nor in the lists, the notes' search, the
//! exports; the amounts and dates stay; and the audit chain still verifies, in the desk and in an
//! exported file.

mod common;
#[path = "support/pages.rs"]
mod pages;

use common::{draft, now, Fixture};
use holdfast_core::account::account_id;
use holdfast_core::case::RequestChannel;
use holdfast_core::erasure::ErasureReason;
use holdfast_core::personal::ERASED;
use holdfast_core::policy::{MessageKind, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::audit_export::verify_audit_export;
use holdfast_store::events::AuditVerdict;
use holdfast_store::mail::{MailSecurity, MailSettings, OutboxDraft};
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, StoreError};
use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

const POLICY: &str = include_str!("../../../policies/intelliserve.toml");
const NAME: &str = "Ada Lovelace";
const EMAIL: &str = "ada.lovelace@example.com";
const PHONE: &str = "+1 555 867 5309";
const PHONE_DIGITS: &str = "15558675309";

fn policy_with(extra: &str) -> String {
    format!("{POLICY}\n{extra}\n")
}

/// A profile of its own for `roles`, under `policy`, with the customer C-77 (Ada Lovelace).
fn desk(roles: &[Role], policy: &str) -> (Fixture, Actor, Policy) {
    let mut fixture = Fixture::new();
    let policy = fixture.db.set_policy(policy).unwrap();
    let user = fixture
        .db
        .set_local_user(
            &LocalUserChange {
                name: "Mia Manager".into(),
                roles: roles.to_vec(),
            },
            now(),
        )
        .unwrap();
    let mut customer = draft("C-77", NAME);
    customer.contact_name = Some(NAME.into());
    customer.email = Some(EMAIL.into());
    customer.phone = Some(PHONE.into());
    let mut other = draft("C-78", "Grace Hopper");
    other.email = Some("grace@example.com".into());
    fixture
        .db
        .import_accounts(&[customer, other], now())
        .unwrap();
    (fixture, user.actor(), policy)
}

fn run(
    db: &mut Database,
    actor: &Actor,
    policy: &Policy,
    case_id: Uuid,
    command: CaseCommand,
    at: Timestamp,
) {
    db.run_case_command(case_id, &command, actor, policy, at)
        .unwrap();
}

/// A request from Ada with a message naming her, a note with her phone, and a withdrawal whose
/// note names her again; plus Grace's case, which nothing here may touch.
fn cases(db: &mut Database, actor: &Actor, policy: &Policy, at: Timestamp) -> (Uuid, Uuid) {
    let ada = Uuid::now_v7();
    run(
        db,
        actor,
        policy,
        ada,
        CaseCommand::Receive {
            case_id: ada,
            account_id: account_id("C-77"),
            channel: RequestChannel::Email,
            requester_name: NAME.into(),
            requester_contact: EMAIL.into(),
            received_at: Some(at),
        },
        at,
    );
    run(
        db,
        actor,
        policy,
        ada,
        CaseCommand::RecordMessage {
            kind: MessageKind::Acknowledgement,
            channel: holdfast_core::account::PreferredChannel::Email,
            body: format!("Dear {NAME}, we received your request to cancel."),
            email: None,
        },
        at,
    );
    run(
        db,
        actor,
        policy,
        ada,
        CaseCommand::AddNote {
            text: format!("Called back on {PHONE}; she prefers e-mail"),
        },
        at,
    );
    run(
        db,
        actor,
        policy,
        ada,
        CaseCommand::Withdraw {
            note: format!("{NAME} decided to stay"),
        },
        at,
    );
    let grace = Uuid::now_v7();
    run(
        db,
        actor,
        policy,
        grace,
        CaseCommand::Receive {
            case_id: grace,
            account_id: account_id("C-78"),
            channel: RequestChannel::Phone,
            requester_name: "Grace Hopper".into(),
            requester_contact: "grace@example.com".into(),
            received_at: Some(at),
        },
        at,
    );
    (ada, grace)
}

fn file_holds(fixture: &Fixture, text: &str) -> bool {
    pages::contains(
        &pages::decrypted(&fixture.path(), &fixture.key.to_hex()),
        text,
    )
}

fn audit_export(db: &Database) -> String {
    let mut out = Vec::new();
    db.write_audit_export(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn an_erased_customer_is_nowhere_in_the_file_its_wal_the_lists_or_the_exports_and_the_chain_verifies(
) {
    let (mut fixture, actor, policy) = desk(&[Role::Manager], POLICY);
    let (ada, grace) = cases(&mut fixture.db, &actor, &policy, now());
    // A message to each customer waits in the e-mail outbox (issue 16): the mail server is down.
    fixture
        .db
        .set_mail_settings(&MailSettings {
            host: "mail.example.com".into(),
            port: 587,
            security: MailSecurity::Starttls,
            username: None,
            from_address: "desk@example.com".into(),
            from_name: None,
        })
        .unwrap();
    for (case_id, body) in [
        (
            ada,
            format!("Dear {NAME}, OUTBOX-7731 is the text waiting to go."),
        ),
        (grace, "Dear Grace, OUTBOX-7732 waits too.".to_owned()),
    ] {
        let draft = OutboxDraft {
            case_id,
            kind: MessageKind::Acknowledgement,
            subject: "Your cancellation".into(),
            body,
        };
        fixture.db.queue_email(&draft, &policy, now()).unwrap();
    }
    assert_eq!(fixture.db.case_outbox(ada).unwrap()[0].recipient, EMAIL);
    // The test reads the file as SQLCipher does: before the erasure, it finds her.
    assert!(
        file_holds(&fixture, NAME),
        "the decrypted pages hold the name before"
    );
    assert!(file_holds(&fixture, EMAIL));
    let events_before = fixture.db.timeline(ada).unwrap().len();

    let outcome = fixture
        .db
        .erase_customer(account_id("C-77"), now() + 1.hour())
        .unwrap();
    assert_eq!(outcome.reason, ErasureReason::Request);
    assert!(outcome.account);
    assert_eq!(outcome.cases, 1);
    // Received, the message, its acknowledgement, the note and the withdrawal; the account's
    // import is not an event in a profile of its own.
    assert_eq!(outcome.events, 5);
    assert!(!outcome.sent_to_server);

    // The chain still verifies, and an export of it verifies outside the app.
    assert!(matches!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));
    let exported = audit_export(&fixture.db);
    verify_audit_export(exported.as_bytes()).expect("the export verifies");
    assert!(exported.contains("personal_data_erased"));

    // The lists, the search and the sheet show the erased text, and the facts stay.
    let account = fixture.db.account(account_id("C-77")).unwrap();
    assert_eq!(account.draft.name, ERASED);
    assert_eq!(
        (
            account.draft.email,
            account.draft.phone,
            account.draft.contact_name
        ),
        (None, None, None)
    );
    assert_eq!(account.draft.mrr, draft("C-77", NAME).mrr, "amounts stay");
    assert_eq!(account.draft.external_id, "C-77");
    let case = fixture.db.case(ada).unwrap();
    assert_eq!(
        (
            case.requester_name.as_str(),
            case.requester_contact.as_str()
        ),
        (ERASED, ERASED)
    );
    assert_eq!(
        fixture.db.case(grace).unwrap().requester_name,
        "Grace Hopper"
    );
    assert!(fixture.db.search_notes("Called", None).unwrap().is_empty());
    for text in ["Lovelace", "ada.lovelace", "5309"] {
        let found = fixture
            .db
            .accounts(&AccountQuery {
                search: Some(text.into()),
                ..Default::default()
            })
            .unwrap();
        assert!(found.items.is_empty(), "{text} still finds an account");
    }
    let timeline = fixture.db.timeline(ada).unwrap();
    assert_eq!(
        timeline.len(),
        events_before,
        "every event stays in the timeline"
    );
    assert!(serde_json::to_string(&timeline)
        .unwrap()
        .find("Lovelace")
        .is_none());
    let sheet = fixture.db.cancellation_sheet().unwrap();
    assert!(serde_json::to_string(&sheet)
        .unwrap()
        .find("Lovelace")
        .is_none());
    // The cases export (the inbox's list) and the tasks export.
    let zone = fixture.db.export_zone().unwrap();
    let rows = fixture
        .db
        .case_export_rows(&Default::default(), now(), &mut |_| {})
        .unwrap();
    let cases_csv = String::from_utf8(
        holdfast_store::desk_exports::cases_csv(&rows, &zone, &mut |_| {}).unwrap(),
    )
    .unwrap();
    assert!(
        cases_csv.contains("Grace Hopper") && cases_csv.contains(ERASED),
        "{cases_csv}"
    );
    let tasks = fixture.db.task_export_rows(&mut |_| {}).unwrap();
    let tasks_csv = String::from_utf8(
        holdfast_store::desk_exports::tasks_csv(&tasks, &zone, now(), &mut |_| {}).unwrap(),
    )
    .unwrap();
    for text in [NAME, "Lovelace", EMAIL, PHONE] {
        assert!(!cases_csv.contains(text), "{text} is in the cases export");
        assert!(!tasks_csv.contains(text), "{text} is in the tasks export");
    }

    // Nowhere in the file or its WAL, and the other customer untouched.
    for text in [NAME, "Lovelace", EMAIL, PHONE, PHONE_DIGITS] {
        assert!(!file_holds(&fixture, text), "{text} is still in the file");
        assert!(!exported.contains(text), "{text} is in the audit export");
    }
    assert_eq!(pages::wal_len(&fixture.path()), 0, "the WAL is emptied");
    assert!(file_holds(&fixture, "Grace Hopper"));
    // Her message left the outbox with the rest; Grace's still waits.
    assert!(fixture.db.case_outbox(ada).unwrap().is_empty());
    assert!(!file_holds(&fixture, "OUTBOX-7731"));
    assert_eq!(fixture.db.case_outbox(grace).unwrap().len(), 1);
    assert!(file_holds(&fixture, "OUTBOX-7732"));

    // And so it stays after a restart.
    let fixture = fixture.reopen();
    assert!(matches!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));
    assert_eq!(fixture.db.case(ada).unwrap().requester_name, ERASED);
}

#[test]
fn only_a_role_the_policy_names_may_erase_and_a_refusal_changes_nothing() {
    let (mut fixture, actor, policy) = desk(&[Role::AccountManager], POLICY);
    let (ada, _) = cases(&mut fixture.db, &actor, &policy, now());
    let refused = fixture.db.erase_customer(account_id("C-77"), now());
    assert!(
        matches!(
            refused,
            Err(StoreError::Rule(
                holdfast_core::CoreError::RoleRequired { .. }
            ))
        ),
        "{refused:?}"
    );
    assert_eq!(fixture.db.case(ada).unwrap().requester_name, NAME);
    assert!(file_holds(&fixture, NAME));

    // A policy may give it to account managers.
    let (mut fixture, actor, policy) = desk(
        &[Role::AccountManager],
        &POLICY.replace(
            "[roles]\n",
            "[roles]\nerase_personal_data = [\"account_manager\"]\n",
        ),
    );
    cases(&mut fixture.db, &actor, &policy, now());
    fixture
        .db
        .erase_customer(account_id("C-77"), now())
        .unwrap();
    assert_eq!(
        fixture.db.account(account_id("C-77")).unwrap().draft.name,
        ERASED
    );

    // An account this profile does not hold is not found, and nothing is recorded.
    let before = fixture.db.verify_audit_chain().unwrap();
    assert!(matches!(
        fixture.db.erase_customer(account_id("NOPE"), now()),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(fixture.db.verify_audit_chain().unwrap(), before);
}

#[test]
fn retention_erases_closed_cases_once_the_policys_months_have_passed() {
    let source = policy_with("[privacy]\nerase_closed_cases_after_months = 24");
    let (mut fixture, actor, policy) = desk(&[Role::Manager], &source);
    let closed_at: Timestamp = "2024-01-10T15:00:00Z".parse().unwrap();
    let (ada, grace) = cases(&mut fixture.db, &actor, &policy, closed_at);

    // 24 months after 10 January 2024 (10:00 in New York) is 10 January 2026, 10:00 there.
    let just_before: Timestamp = "2026-01-10T14:59:59Z".parse().unwrap();
    assert!(fixture.db.erase_expired(just_before).unwrap().is_empty());
    assert_eq!(fixture.db.case(ada).unwrap().requester_name, NAME);

    let due: Timestamp = "2026-01-10T15:00:00Z".parse().unwrap();
    let outcomes = fixture.db.erase_expired(due).unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].reason, ErasureReason::Retention);
    assert_eq!(outcomes[0].account_id, account_id("C-77"));
    assert!(
        outcomes[0].account,
        "Ada has nothing open: her account goes too"
    );
    assert_eq!(fixture.db.case(ada).unwrap().requester_name, ERASED);
    // Grace's case is still open: kept.
    assert_eq!(
        fixture.db.case(grace).unwrap().requester_name,
        "Grace Hopper"
    );
    assert!(!file_holds(&fixture, NAME));
    assert!(matches!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));
    // Done once: the next look finds nothing more.
    assert!(fixture
        .db
        .erase_expired(due + 24.hours())
        .unwrap()
        .is_empty());
}

#[test]
fn a_customers_data_export_holds_everything_about_them_and_only_them() {
    let (mut fixture, actor, policy) = desk(&[Role::Manager], POLICY);
    let (ada, _) = cases(&mut fixture.db, &actor, &policy, now());
    let data = fixture.db.customer_data(account_id("C-77"), now()).unwrap();
    let json = serde_json::to_string(&data).unwrap();
    assert_eq!(data.format, "holdfast-customer-data");
    assert_eq!(data.exported_by, "Mia Manager");
    assert!(!data.erased);
    assert_eq!(data.account.draft.email.as_deref(), Some(EMAIL));
    assert_eq!(data.cases.len(), 1);
    assert_eq!(data.cases[0].summary.id, ada);
    let kinds: Vec<&str> = data.cases[0]
        .events
        .iter()
        .map(|event| event.kind.as_str())
        .collect();
    assert_eq!(kinds[0], "received");
    assert!(
        kinds.contains(&"note_added") && kinds.contains(&"withdrawn"),
        "{kinds:?}"
    );
    for text in [NAME, EMAIL, PHONE, "decided to stay"] {
        assert!(json.contains(text), "{text} is missing from the export");
    }
    assert!(
        !json.contains("Grace"),
        "another customer's data is not in it"
    );
    assert!(
        !json.contains("salt"),
        "the log's sealing data is not the customer's"
    );
    assert!(data.cases[0]
        .events
        .iter()
        .all(|event| event.by == "Mia Manager"));

    // An account manager may not take it out under this policy.
    let (clerk, _, _) = desk(&[Role::AccountManager], POLICY);
    assert!(matches!(
        clerk.db.customer_data(account_id("C-77"), now()),
        Err(StoreError::Rule(
            holdfast_core::CoreError::RoleRequired { .. }
        ))
    ));

    // After the erasure the export says so and holds nothing personal.
    fixture
        .db
        .erase_customer(account_id("C-77"), now())
        .unwrap();
    let data = fixture.db.customer_data(account_id("C-77"), now()).unwrap();
    let json = serde_json::to_string(&data).unwrap();
    assert!(data.erased);
    for text in [NAME, EMAIL, PHONE, "decided to stay"] {
        assert!(!json.contains(text), "{text} is still in the export");
    }
}
