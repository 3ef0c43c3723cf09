//! Issue 14: an erasure asked for on one desk of a team. The server checks the user's role from
//! its own records, erases its copy and records the erasure; every desk erases when the event
//! arrives by sync. Afterwards the customer's name, e-mail and phone are in no desk's file (every
//! page decrypted) and nowhere in the server's database files, and the chain verifies on the
//! desks and on the server. Against a real `holdfast-server` SQLite store, in-process.

mod common;
#[path = "support/pages.rs"]
mod pages;
#[path = "support/team_server.rs"]
mod team_server;

use common::{draft, now, Fixture};
use holdfast_core::account::account_id;
use holdfast_core::case::RequestChannel;
use holdfast_core::personal::ERASED;
use holdfast_core::policy::MessageKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::store::UserRecord;
use holdfast_server::verify::{verify_log, LogVerdict};
use holdfast_store::events::AuditVerdict;
use holdfast_store::{Database, StoreError};
use team_server::Server;
use uuid::Uuid;

const POLICY: &str = include_str!("../../../policies/intelliserve.toml");
const NAME: &str = "Ada Lovelace";
const EMAIL: &str = "ada.lovelace@example.com";
const PHONE: &str = "+1 555 867 5309";

fn sync_round(server: &Server, db: &mut Database, user: &UserRecord) {
    while let Some(request) = db.next_push(2).unwrap() {
        let response = server.push(user, &request);
        db.apply_push_response(&response, now()).unwrap();
    }
    server.pull_all(db, user, 3);
}

fn joined(server: &Server, user: &UserRecord) -> Fixture {
    let mut fixture = Fixture::new();
    fixture
        .db
        .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(user))
        .unwrap();
    fixture.db.set_policy(POLICY).unwrap();
    fixture
}

fn run(db: &mut Database, case_id: Uuid, command: CaseCommand) {
    let me = db.acting_user().unwrap().unwrap();
    let policy = db.policy().unwrap().unwrap();
    db.run_case_command(case_id, &command, &me, &policy, now())
        .unwrap();
}

/// Every file in the server's data folder, concatenated (SQLite keeps it in clear).
fn server_bytes(server: &Server) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(server.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            out.extend(std::fs::read(path).unwrap());
        }
    }
    out
}

fn desk_holds(fixture: &Fixture, text: &str) -> bool {
    pages::contains(
        &pages::decrypted(&fixture.path(), &fixture.key.to_hex()),
        text,
    )
}

#[test]
fn an_erasure_on_one_desk_reaches_the_server_and_every_desk_and_every_chain_still_verifies() {
    let server = Server::start(POLICY);
    let amy = server.add_user("amy", &[Role::AccountManager]);
    let mia = server.add_user("mia", &[Role::Manager]);
    let mut amys = joined(&server, &amy);
    let mut mias = joined(&server, &mia);

    let mut customer = draft("C-77", NAME);
    customer.contact_name = Some(NAME.into());
    customer.email = Some(EMAIL.into());
    customer.phone = Some(PHONE.into());
    amys.db
        .import_accounts(&[customer, draft("C-78", "Grace Hopper")], now())
        .unwrap();
    let case_id = Uuid::now_v7();
    run(
        &mut amys.db,
        case_id,
        CaseCommand::Receive {
            case_id,
            account_id: account_id("C-77"),
            channel: RequestChannel::Email,
            requester_name: NAME.into(),
            requester_contact: EMAIL.into(),
            received_at: None,
        },
    );
    run(
        &mut amys.db,
        case_id,
        CaseCommand::RecordMessage {
            kind: MessageKind::Acknowledgement,
            channel: holdfast_core::account::PreferredChannel::Email,
            body: format!("Dear {NAME}, we received your request."),
            email: None,
        },
    );
    run(
        &mut amys.db,
        case_id,
        CaseCommand::AddNote {
            text: format!("Her number is {PHONE}"),
        },
    );
    sync_round(&server, &mut amys.db, &amy);
    sync_round(&server, &mut mias.db, &mia);
    assert_eq!(mias.db.case(case_id).unwrap().requester_name, NAME);
    assert!(
        pages::contains(&server_bytes(&server), NAME),
        "the server held her name"
    );

    // An account manager may not erase under this policy: refused on the desk, nothing queued.
    assert!(matches!(
        amys.db.erase_customer(account_id("C-77"), now()),
        Err(StoreError::Sync(_)) | Err(StoreError::Rule(_))
    ));
    assert!(amys.db.next_push(10).unwrap().is_none());

    // The manager's desk asks the server; nothing is erased before the server confirms.
    let outcome = mias.db.erase_customer(account_id("C-77"), now()).unwrap();
    assert!(outcome.sent_to_server);
    assert_eq!(outcome.cases, 1);
    sync_round(&server, &mut mias.db, &mia);
    sync_round(&server, &mut amys.db, &amy);

    for (desk, fixture) in [("mia", &mias), ("amy", &amys)] {
        let db = &fixture.db;
        assert_eq!(db.case(case_id).unwrap().requester_name, ERASED, "{desk}");
        assert_eq!(
            db.account(account_id("C-77")).unwrap().draft.name,
            ERASED,
            "{desk}"
        );
        assert_eq!(
            db.account(account_id("C-78")).unwrap().draft.name,
            "Grace Hopper"
        );
        assert!(
            db.search_notes("number", None).unwrap().is_empty(),
            "{desk}"
        );
        assert!(
            matches!(
                db.verify_audit_chain().unwrap(),
                AuditVerdict::Intact { .. }
            ),
            "{desk}'s chain"
        );
        for text in [NAME, EMAIL, PHONE] {
            assert!(
                !desk_holds(fixture, text),
                "{text} is still in {desk}'s file"
            );
        }
    }
    let bytes = server_bytes(&server);
    for text in [NAME, EMAIL, PHONE] {
        assert!(
            !pages::contains(&bytes, text),
            "{text} is still in the server's files"
        );
    }
    assert!(pages::contains(&bytes, "Grace Hopper"));
    let verdict = server
        .runtime
        .block_on(verify_log(server.store.as_ref(), server.organisation))
        .unwrap();
    assert!(matches!(verdict, LogVerdict::Intact { .. }), "{verdict}");

    // A desk that joins afterwards gets the erased log, and it verifies.
    let mut late = joined(&server, &mia);
    sync_round(&server, &mut late.db, &mia);
    assert_eq!(late.db.case(case_id).unwrap().requester_name, ERASED);
    assert!(!desk_holds(&late, NAME));

    // Restarted, the desks read their erased logs back and still verify.
    let amys = amys.reopen();
    assert!(matches!(
        amys.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));
    assert_eq!(amys.db.case(case_id).unwrap().requester_name, ERASED);
}
