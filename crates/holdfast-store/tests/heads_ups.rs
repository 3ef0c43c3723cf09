//! Heads-ups on a profile of its own (issue 16): subscriptions in the settings, the durable
//! delivery queue (one delivery per event and subscription, never the profile's history), the
//! backoff the core decides, and a delivery log without the customer's personal data.

mod common;

use common::{draft, now, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::heads_up::{Attempt, DeliveryStatus, HeadsUpFormat, Subscription};
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::{Database, StoreError};
use jiff::{SignedDuration, Timestamp};
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

fn crm() -> Subscription {
    Subscription {
        name: "crm".into(),
        url: "http://127.0.0.1:9/hook".into(),
        format: HeadsUpFormat::Signed,
        kinds: vec!["received".into()],
    }
}

fn later(seconds: i64) -> Timestamp {
    now()
        .checked_add(SignedDuration::from_secs(seconds))
        .unwrap()
}

#[test]
fn each_event_is_queued_once_per_subscription_and_a_new_one_gets_no_history() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme"), draft("B-2", "Globex")], now())
        .unwrap();
    let before = receive(&mut fixture.db, "Acme");
    fixture.db.save_heads_up_subscription(&crm()).unwrap();
    assert_eq!(fixture.db.queue_heads_ups(now()).unwrap(), 0, "{before}");

    let acme = receive(&mut fixture.db, "Acme");
    assert_eq!(fixture.db.queue_heads_ups(now()).unwrap(), 1);
    assert_eq!(fixture.db.queue_heads_ups(now()).unwrap(), 0);
    let due = fixture.db.due_heads_ups(now(), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].kind, "received");
    assert!(
        due[0].body.contains("\"account_external_id\":\"A-1\""),
        "{}",
        due[0].body
    );
    assert!(due[0].body.contains(&acme.to_string()));
    for personal in ["Ana Silva", "555", "Acme", "example.com"] {
        assert!(
            !due[0].body.contains(personal),
            "{personal} in {}",
            due[0].body
        );
    }

    // A second subscription starts from now: the Acme case is not sent to it.
    let mut billing = crm();
    billing.name = "billing".into();
    billing.format = HeadsUpFormat::Slack;
    fixture.db.save_heads_up_subscription(&billing).unwrap();
    assert_eq!(fixture.db.queue_heads_ups(now()).unwrap(), 0);
    let globex = receive(&mut fixture.db, "Globex");
    assert_eq!(fixture.db.queue_heads_ups(now()).unwrap(), 2);
    let log = fixture.db.heads_up_deliveries(10).unwrap();
    let mut to: Vec<(&str, Uuid)> = log
        .iter()
        .map(|d| (d.subscription.as_str(), d.case_id))
        .collect();
    to.sort();
    let mut expected = vec![("billing", globex), ("crm", acme), ("crm", globex)];
    expected.sort();
    assert_eq!(to, expected);

    // Queued deliveries survive a restart.
    let fixture = fixture.reopen();
    assert_eq!(fixture.db.due_heads_ups(now(), 10).unwrap().len(), 3);
    assert_eq!(
        fixture.db.heads_up_subscriptions().unwrap(),
        vec![billing, crm()]
    );
}

#[test]
fn a_failing_delivery_waits_the_backoff_keeps_its_id_and_is_delivered_once() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    fixture.db.save_heads_up_subscription(&crm()).unwrap();
    receive(&mut fixture.db, "Acme");
    fixture.db.queue_heads_ups(now()).unwrap();
    let id = fixture.db.due_heads_ups(now(), 10).unwrap()[0].id;

    let status = fixture
        .db
        .record_heads_up_attempt(id, &Attempt::Retry("HTTP 503".into()), now())
        .unwrap();
    assert_eq!(status, DeliveryStatus::Pending);
    assert!(fixture.db.due_heads_ups(later(29), 10).unwrap().is_empty());
    assert_eq!(fixture.db.next_heads_up_at().unwrap(), Some(later(30)));
    let due = fixture.db.due_heads_ups(later(30), 10).unwrap();
    assert_eq!((due[0].id, due[0].attempts), (id, 1));
    fixture
        .db
        .record_heads_up_attempt(id, &Attempt::Retry("connection refused".into()), later(30))
        .unwrap();
    assert_eq!(fixture.db.next_heads_up_at().unwrap(), Some(later(90)));
    let status = fixture
        .db
        .record_heads_up_attempt(id, &Attempt::Accepted, later(90))
        .unwrap();
    assert_eq!(status, DeliveryStatus::Delivered);
    assert!(fixture
        .db
        .due_heads_ups(later(100_000), 10)
        .unwrap()
        .is_empty());
    assert_eq!(fixture.db.next_heads_up_at().unwrap(), None);
    let log = fixture.db.heads_up_deliveries(10).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, DeliveryStatus::Delivered);
    assert_eq!(log[0].attempts, 3);
    assert_eq!(log[0].last_error.as_deref(), Some("connection refused"));
    assert_eq!(log[0].delivered_at, Some(later(90)));
    // A delivered one takes no further attempt.
    assert!(matches!(
        fixture
            .db
            .record_heads_up_attempt(id, &Attempt::Accepted, later(91)),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_delivery_fails_after_the_limit_or_when_refused() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    fixture.db.save_heads_up_subscription(&crm()).unwrap();
    receive(&mut fixture.db, "Acme");
    receive(&mut fixture.db, "Acme");
    fixture.db.queue_heads_ups(now()).unwrap();
    let due = fixture.db.due_heads_ups(now(), 10).unwrap();
    let (down, refused) = (due[0].id, due[1].id);
    let mut at = now();
    for attempt in 1..=holdfast_core::heads_up::MAX_ATTEMPTS {
        let status = fixture
            .db
            .record_heads_up_attempt(down, &Attempt::Retry("HTTP 502".into()), at)
            .unwrap();
        let expected = if attempt == holdfast_core::heads_up::MAX_ATTEMPTS {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Pending
        };
        assert_eq!(status, expected, "attempt {attempt}");
        at = at.checked_add(SignedDuration::from_hours(2)).unwrap();
    }
    fixture
        .db
        .record_heads_up_attempt(refused, &Attempt::Refused("HTTP 404".into()), now())
        .unwrap();
    let log = fixture.db.heads_up_deliveries(10).unwrap();
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Failed));
    assert!(log
        .iter()
        .any(|d| d.last_error.as_deref() == Some("HTTP 404")));
    assert!(log
        .iter()
        .any(|d| d.last_error.as_deref() == Some("HTTP 502 (gave up after 10 attempts)")));
}

#[test]
fn a_bad_subscription_is_refused_and_changes_nothing() {
    let mut fixture = Fixture::new();
    fixture.db.save_heads_up_subscription(&crm()).unwrap();
    let mut bad = crm();
    bad.url = "ftp://example.com".into();
    assert!(matches!(
        fixture.db.save_heads_up_subscription(&bad),
        Err(StoreError::Rule(_))
    ));
    assert_eq!(fixture.db.heads_up_subscriptions().unwrap(), vec![crm()]);
    assert!(fixture.db.remove_heads_up_subscription("crm").unwrap());
    assert!(!fixture.db.remove_heads_up_subscription("crm").unwrap());
    assert!(fixture.db.heads_up_subscriptions().unwrap().is_empty());
}
