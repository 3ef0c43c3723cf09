//! Imports update by external id, lists page by keyset without gaps or repeats, search finds by
//! name, e-mail and phone, and cases survive reopening the database.

mod common;

use std::collections::HashSet;

use common::{draft, now, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::Money;
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_core::CoreError;
use holdfast_store::accounts::AccountQuery;
use holdfast_store::cases::InboxQuery;
use holdfast_store::{Database, StoreError};
use uuid::Uuid;

fn policy() -> Policy {
    parse_policy(include_str!("../../../policies/wootrecruit.toml")).unwrap()
}

/// Receives a cancellation request through the case engine, as the desk does.
fn receive(
    db: &mut Database,
    account_id: Uuid,
    requester_name: &str,
    received_at: Option<jiff::Timestamp>,
) -> Result<holdfast_store::cases::CaseSummary, StoreError> {
    let case_id = Uuid::now_v7();
    let actor = Actor {
        user_id: "amy".into(),
        roles: vec![Role::AccountManager],
        active: true,
    };
    db.run_case_command(
        case_id,
        &CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Phone,
            requester_name: requester_name.into(),
            requester_contact: "+1 555 010 2030".into(),
            received_at,
        },
        &actor,
        &policy(),
        now(),
    )?;
    db.case(case_id)
}

#[test]
fn reimporting_updates_by_external_id() {
    let mut fixture = Fixture::new();
    let first = fixture
        .db
        .import_accounts(&[draft("A-1", "Acme"), draft("A-2", "Beta")], now())
        .unwrap();
    assert_eq!((first.created, first.updated), (2, 0));
    let mut renamed = draft("A-1", "Acme Renamed");
    renamed.tier = "SMB".into();
    let second = fixture
        .db
        .import_accounts(&[renamed, draft("A-3", "Gamma")], now())
        .unwrap();
    assert_eq!((second.created, second.updated), (1, 1));
    let all = fixture.db.accounts(&AccountQuery::default()).unwrap().items;
    let names: Vec<&str> = all.iter().map(|a| a.draft.name.as_str()).collect();
    assert_eq!(names, ["Acme Renamed", "Beta", "Gamma"]);
    assert_eq!(all[0].draft.tier, "SMB");
}

#[test]
fn a_preview_tells_new_changed_and_unchanged_rows_apart_and_writes_nothing() {
    use holdfast_store::accounts::RowChange;
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme"), draft("A-2", "Beta")], now())
        .unwrap();
    let mut changed = draft("A-2", "Beta");
    changed.accounts_receivable = Some(Money::new(2_500, changed.mrr.currency));
    let rows = [draft("A-1", "Acme"), changed, draft("A-3", "Gamma")];
    assert_eq!(
        fixture.db.import_changes(&rows).unwrap(),
        [RowChange::Unchanged, RowChange::Updated, RowChange::New]
    );
    assert_eq!(
        fixture
            .db
            .accounts(&AccountQuery::default())
            .unwrap()
            .items
            .len(),
        2,
        "the preview wrote nothing"
    );

    // The import does what the preview said, and leaves the unchanged account as it was.
    let summary = fixture.db.import_accounts(&rows, now()).unwrap();
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (1, 1, 1)
    );
    assert_eq!(
        fixture.db.import_changes(&rows).unwrap(),
        [RowChange::Unchanged; 3]
    );
}

#[test]
fn pages_cover_every_account_once_in_name_order() {
    let mut fixture = Fixture::new();
    let drafts: Vec<_> = (0..237)
        .map(|i| {
            draft(
                &format!("X-{i}"),
                &format!("Company {:03}", (i * 7919) % 237),
            )
        })
        .collect();
    fixture.db.import_accounts(&drafts, now()).unwrap();
    let mut seen = Vec::new();
    let mut query = AccountQuery {
        limit: Some(50),
        ..Default::default()
    };
    loop {
        let page = fixture.db.accounts(&query).unwrap();
        assert!(page.items.len() <= 50);
        seen.extend(page.items.into_iter().map(|a| a.draft.name));
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen.len(), 237);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 237);
}

#[test]
fn search_finds_by_name_email_and_phone_digits() {
    let mut fixture = Fixture::new();
    let mut special = draft("S-1", "Northwind 100% Traders");
    special.phone = Some("+44 20 7946 0958".into());
    special.email = Some("Billing@Northwind.example".into());
    fixture
        .db
        .import_accounts(&[special, draft("S-2", "Contoso")], now())
        .unwrap();
    let find = |text: &str| -> Vec<String> {
        fixture
            .db
            .accounts(&AccountQuery {
                search: Some(text.into()),
                ..Default::default()
            })
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.draft.external_id)
            .collect()
    };
    assert_eq!(find("northWIND"), ["S-1"]);
    assert_eq!(find("100%"), ["S-1"]);
    assert_eq!(find("0%"), ["S-1"]);
    assert!(find("10_").is_empty(), "underscore must not be a wildcard");
    assert_eq!(find("billing@north"), ["S-1"]);
    assert_eq!(find("7946-0958"), ["S-1"]);
    assert_eq!(find("(20) 7946"), ["S-1"]);
    assert_eq!(find("contoso"), ["S-2"]);
    assert!(find("nobody").is_empty());
}

#[test]
fn an_opened_case_is_in_the_inbox_after_reopening() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let account = fixture.db.accounts(&AccountQuery::default()).unwrap().items[0].clone();
    let case = receive(&mut fixture.db, account.id, "Ana Silva", None).unwrap();
    assert_eq!(case.account_name, "Acme");
    let path = fixture.path();
    drop(fixture.db);
    let db = Database::open(&path, &fixture.key).unwrap();
    let inbox = db.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(inbox.items, vec![case]);
}

#[test]
fn inbox_pages_newest_first_without_gaps() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let account_id = fixture.db.accounts(&AccountQuery::default()).unwrap().items[0].id;
    for minute in 0..30 {
        // Pairs of cases share a received time, so the id must break ties.
        let received: jiff::Timestamp = now() - jiff::SignedDuration::from_mins(minute / 2);
        receive(
            &mut fixture.db,
            account_id,
            &format!("Requester {minute}"),
            Some(received),
        )
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut query = InboxQuery {
        limit: Some(7),
        ..InboxQuery::default()
    };
    loop {
        let page = fixture.db.inbox(&query).unwrap();
        seen.extend(page.items.iter().map(|c| (c.received_at, c.id)));
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen.len(), 30);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
}

#[test]
fn a_case_needs_an_existing_account_and_valid_fields() {
    let mut fixture = Fixture::new();
    let missing = receive(&mut fixture.db, Uuid::now_v7(), "Ana", None);
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            entity: "account",
            ..
        })
    ));

    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let account_id = fixture.db.accounts(&AccountQuery::default()).unwrap().items[0].id;
    let blank = receive(&mut fixture.db, account_id, " ", None);
    assert!(matches!(
        blank,
        Err(StoreError::Rule(CoreError::Invalid { ref field, .. })) if field == "requester_name"
    ));
    assert!(fixture
        .db
        .inbox(&InboxQuery::default())
        .unwrap()
        .items
        .is_empty());
}

#[test]
fn unpaid_invoices_reach_the_engine_and_a_changed_count_is_an_update() {
    let mut fixture = Fixture::new();
    let mut owing = draft("A-1", "Acme");
    owing.unpaid_invoices = 2;
    fixture.db.import_accounts(&[owing.clone()], now()).unwrap();
    let id = fixture
        .db
        .accounts(&holdfast_store::accounts::AccountQuery::default())
        .unwrap()
        .items[0]
        .id;
    assert_eq!(fixture.db.account_facts(id).unwrap().unpaid_invoices, 2);

    owing.unpaid_invoices = 0;
    let summary = fixture.db.import_accounts(&[owing], now()).unwrap();
    assert_eq!(summary.updated, 1);
    assert_eq!(fixture.db.account_facts(id).unwrap().unpaid_invoices, 0);
}
