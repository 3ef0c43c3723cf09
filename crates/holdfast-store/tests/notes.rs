//! Notes on cases: stored as events, found by full-text search across every case, unchanged by a
//! rebuild of the read models, and without moving the case.

mod common;

use common::{draft, now, Fixture};
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::Database;
use uuid::Uuid;

fn wootrecruit() -> Policy {
    parse_policy(include_str!("../../../policies/wootrecruit.toml")).unwrap()
}

fn amy() -> Actor {
    Actor {
        user_id: "amy".into(),
        roles: vec![Role::AccountManager],
        active: true,
    }
}

fn receive(db: &mut Database, account: &str) -> Uuid {
    let account_id = db
        .accounts(&AccountQuery {
            search: Some(account.into()),
            ..AccountQuery::default()
        })
        .unwrap()
        .items[0]
        .id;
    let case_id = Uuid::now_v7();
    db.run_case_command(
        case_id,
        &CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Phone,
            requester_name: "Ana Silva".into(),
            requester_contact: "+1 555 0100".into(),
            received_at: None,
        },
        &amy(),
        &wootrecruit(),
        now(),
    )
    .unwrap();
    case_id
}

fn note(db: &mut Database, case_id: Uuid, text: &str) {
    db.run_case_command(
        case_id,
        &CaseCommand::AddNote { text: text.into() },
        &amy(),
        &wootrecruit(),
        now(),
    )
    .unwrap();
}

#[test]
fn notes_are_found_by_their_words_across_cases_and_survive_a_rebuild() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme"), draft("B-2", "Globex")], now())
        .unwrap();
    let acme = receive(&mut fixture.db, "Acme");
    let globex = receive(&mut fixture.db, "Globex");
    note(
        &mut fixture.db,
        acme,
        "Customer asked for a callback on Tuesday about the invoice.",
    );
    note(
        &mut fixture.db,
        globex,
        "Prefers e-mail; the invoice dispute is resolved.",
    );
    note(&mut fixture.db, globex, "Café owner, renewal in März.");

    let found = |db: &Database, text: &str| -> Vec<(Uuid, String)> {
        db.search_notes(text, None)
            .unwrap()
            .into_iter()
            .map(|hit| (hit.case_id, hit.account_name))
            .collect()
    };
    let mut invoice = found(&fixture.db, "invoice");
    invoice.sort();
    let mut expected = vec![(acme, "Acme".to_owned()), (globex, "Globex".to_owned())];
    expected.sort();
    assert_eq!(invoice, expected);
    assert_eq!(
        found(&fixture.db, "callback tues"),
        vec![(acme, "Acme".into())],
        "the last word is a prefix"
    );
    assert_eq!(
        found(&fixture.db, "cafe marz"),
        vec![(globex, "Globex".into())],
        "accents do not matter"
    );
    assert!(found(&fixture.db, "refund").is_empty());
    assert!(
        found(&fixture.db, "\"unbalanced AND (").is_empty(),
        "typed syntax is not an error"
    );

    let hit = &fixture.db.search_notes("callback", None).unwrap()[0];
    assert_eq!(hit.author, "amy");
    assert!(hit.excerpt.contains("callback"), "{}", hit.excerpt);

    // A note does not count as working the case.
    assert_eq!(fixture.db.case(acme).unwrap().status, CaseStatus::Received);

    fixture.db.rebuild_read_models().unwrap();
    let mut rebuilt = found(&fixture.db, "invoice");
    rebuilt.sort();
    assert_eq!(rebuilt, expected);
    assert_eq!(
        found(&fixture.db, "cafe").len(),
        1,
        "each note indexed once"
    );
}

#[test]
fn an_empty_note_is_refused_and_leaves_nothing() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let case_id = receive(&mut fixture.db, "Acme");
    let before = fixture.db.timeline(case_id).unwrap().len();
    assert!(fixture
        .db
        .run_case_command(
            case_id,
            &CaseCommand::AddNote { text: "   ".into() },
            &amy(),
            &wootrecruit(),
            now(),
        )
        .is_err());
    assert_eq!(fixture.db.timeline(case_id).unwrap().len(), before);
    assert!(fixture.db.search_notes("a", None).unwrap().is_empty());
}
