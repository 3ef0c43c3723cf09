//! Issue 16, heads-ups for a team, as storage tests every backend must pass (like `suite`):
//! `store_suite_heads_ups!(expr)` expands to one `#[tokio::test]` per function. The rounds of
//! `crate::heads_ups` against the backend, delivering to a real receiver on loopback that checks
//! the signature (`holdfast_sync::heads_up_receiver`), at chosen instants so the backoff is walked
//! without waiting.
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use holdfast_core::heads_up::{Attempt, DeliveryStatus, MAX_ATTEMPTS};
use holdfast_sync::heads_up::HeadsUpSender;
use holdfast_sync::heads_up_receiver::Receiver;
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::suite::{fixture, open_logged_case, Fixture};
use super::{QueuedHeadsUp, ServerStore};
use crate::error::ServerError;
use crate::heads_ups::{queue_all, run_once, HeadsUpConfig, LEASE};

/// Expands to one test per function of this suite, each on a fresh store built by `$make`.
#[macro_export]
macro_rules! store_suite_heads_ups {
    ($make:expr) => {
        $crate::store_suite_heads_ups!(@tests $make;
            heads_ups_are_queued_once_per_event_and_subscription_from_the_head_on,
            a_claimed_delivery_is_leased_and_its_attempts_follow_the_backoff,
            a_delivery_fails_after_the_limit,
            a_receiver_that_fails_twice_gets_one_key_and_the_heads_up_once,
            a_receiver_that_is_down_for_a_while_gets_its_heads_ups_when_it_is_back,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::suite_heads_ups::$name(&store).await;
            }
        )*
    };
}

const SECRET: &str = "a-long-enough-signing-secret";

/// `signed`: the CRM's endpoint, which checks the signature; `chat`: a Slack-compatible one.
fn config(signed: &str, chat: &str) -> HeadsUpConfig {
    HeadsUpConfig::parse(&format!(
        r#"
        [[heads_up]]
        organisation = "Billsbee"
        name = "crm"
        url = "{signed}"
        format = "signed"
        kinds = ["received"]
        secret = "{SECRET}"

        [[heads_up]]
        organisation = "Billsbee"
        name = "chat"
        url = "{chat}"
        format = "slack"
        kinds = ["received", "finalized"]

        [[heads_up]]
        organisation = "Another organisation"
        name = "crm"
        url = "{chat}"
        format = "slack"
        kinds = ["received"]
        "#
    ))
    .expect("a valid heads-ups file")
}

/// `seconds` from now, in the whole milliseconds the stores keep.
fn at(seconds: i64) -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond())
        .unwrap()
        .checked_add(SignedDuration::from_secs(seconds))
        .unwrap()
}

/// A case received (and logged) by mia from a client of its own.
async fn new_case(store: &dyn ServerStore, f: &Fixture) -> Uuid {
    open_logged_case(store, &f.mia, Uuid::now_v7(), f.account_id).await
}

pub async fn heads_ups_are_queued_once_per_event_and_subscription_from_the_head_on(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let org = f.organisation.id;
    let config = config("http://127.0.0.1:9/hook", "http://127.0.0.1:9/chat");
    let before = new_case(store, &f).await;
    // The first look starts at the head: the case received before is not sent.
    assert_eq!(queue_all(store, &config, at(0)).await.unwrap(), 0);
    let head = store.head(org).await.unwrap().unwrap().0;
    assert_eq!(store.heads_up_cursor(org).await.unwrap(), Some(head));

    let case_id = new_case(store, &f).await;
    assert_eq!(queue_all(store, &config, at(0)).await.unwrap(), 2);
    assert_eq!(queue_all(store, &config, at(0)).await.unwrap(), 0);
    let log = store.heads_up_deliveries(org, 10).await.unwrap();
    let mut to: Vec<(&str, Uuid, DeliveryStatus)> = log
        .iter()
        .map(|d| (d.subscription.as_str(), d.case_id, d.status))
        .collect();
    to.sort_by_key(|(name, _, _)| *name);
    assert_eq!(
        to,
        [
            ("chat", case_id, DeliveryStatus::Pending),
            ("crm", case_id, DeliveryStatus::Pending)
        ],
        "not {before}"
    );
    let claimed = store.claim_heads_ups(at(0), LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    for delivery in &claimed {
        assert_eq!(delivery.organisation_id, org);
        assert!(delivery.body.contains("A-1"), "{}", delivery.body);
        for personal in ["Rae", "rae@example.com", "555", "Acme Dental"] {
            assert!(
                !delivery.body.contains(personal),
                "{personal}: {}",
                delivery.body
            );
        }
    }
    // Queueing the same again (a round interrupted before its cursor moved) adds nothing, and
    // the cursor never goes back.
    let again: Vec<QueuedHeadsUp> = claimed
        .iter()
        .map(|d| QueuedHeadsUp {
            id: d.id,
            subscription: d.subscription.clone(),
            event_id: Uuid::now_v7(),
            event_seq: 1,
            kind: d.kind.clone(),
            case_id,
            body: d.body.clone(),
        })
        .collect();
    assert_eq!(
        store.queue_heads_ups(org, &again, 1, at(0)).await.unwrap(),
        0
    );
    let head = store.head(org).await.unwrap().unwrap().0;
    assert_eq!(store.heads_up_cursor(org).await.unwrap(), Some(head));
    assert_eq!(store.heads_up_deliveries(org, 10).await.unwrap().len(), 2);
}

async fn one_queued(store: &dyn ServerStore, f: &Fixture) -> Uuid {
    let id = Uuid::now_v7();
    store
        .queue_heads_ups(
            f.organisation.id,
            &[QueuedHeadsUp {
                id,
                subscription: "crm".into(),
                event_id: Uuid::now_v7(),
                event_seq: 3,
                kind: "received".into(),
                case_id: Uuid::now_v7(),
                body: "{}".into(),
            }],
            0,
            at(0),
        )
        .await
        .unwrap();
    id
}

pub async fn a_claimed_delivery_is_leased_and_its_attempts_follow_the_backoff(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let id = one_queued(store, &f).await;
    let start = at(0);
    let after = |s: i64| start.checked_add(SignedDuration::from_secs(s)).unwrap();
    assert_eq!(
        store.claim_heads_ups(start, LEASE, 10).await.unwrap()[0].id,
        id
    );
    // Leased: another instance (or round) does not claim it meanwhile.
    assert!(store
        .claim_heads_ups(after(59), LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    // Never recorded (the instance died): claimed again after the lease.
    let again = store.claim_heads_ups(after(60), LEASE, 10).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (id, 0));
    let status = store
        .record_heads_up_attempt(id, &Attempt::Retry("HTTP 503".into()), after(60))
        .await
        .unwrap();
    assert_eq!(status, DeliveryStatus::Pending);
    let log = store
        .heads_up_deliveries(f.organisation.id, 10)
        .await
        .unwrap();
    assert_eq!(log[0].next_attempt_at, Some(after(90)));
    assert_eq!(log[0].last_error.as_deref(), Some("HTTP 503"));
    assert!(store
        .claim_heads_ups(after(89), LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    let due = store.claim_heads_ups(after(90), LEASE, 10).await.unwrap();
    assert_eq!((due[0].id, due[0].attempts), (id, 1));
    let status = store
        .record_heads_up_attempt(id, &Attempt::Accepted, after(91))
        .await
        .unwrap();
    assert_eq!(status, DeliveryStatus::Delivered);
    assert!(store
        .claim_heads_ups(after(100_000), LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    let log = store
        .heads_up_deliveries(f.organisation.id, 10)
        .await
        .unwrap();
    assert_eq!(log[0].status, DeliveryStatus::Delivered);
    assert_eq!(log[0].attempts, 2);
    assert_eq!(log[0].delivered_at, Some(after(91)));
    assert_eq!(log[0].next_attempt_at, None);
    assert!(matches!(
        store
            .record_heads_up_attempt(id, &Attempt::Accepted, after(92))
            .await,
        Err(ServerError::NotFound { .. })
    ));
}

pub async fn a_delivery_fails_after_the_limit(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let id = one_queued(store, &f).await;
    let mut now = at(0);
    for attempt in 1..=MAX_ATTEMPTS {
        let status = store
            .record_heads_up_attempt(id, &Attempt::Retry("HTTP 502".into()), now)
            .await
            .unwrap();
        let expected = if attempt == MAX_ATTEMPTS {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Pending
        };
        assert_eq!(status, expected, "attempt {attempt}");
        now = now.checked_add(SignedDuration::from_hours(2)).unwrap();
    }
    let log = store
        .heads_up_deliveries(f.organisation.id, 10)
        .await
        .unwrap();
    assert_eq!(log[0].status, DeliveryStatus::Failed);
    assert_eq!(
        log[0].last_error.as_deref(),
        Some("HTTP 502 (gave up after 10 attempts)")
    );
    assert!(store
        .claim_heads_ups(now, LEASE, 10)
        .await
        .unwrap()
        .is_empty());
}

pub async fn a_receiver_that_fails_twice_gets_one_key_and_the_heads_up_once(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let crm = Receiver::start(Some(SECRET.as_bytes())).await.unwrap();
    let chat = Receiver::start(None).await.unwrap();
    let config = config(&crm.url(), &chat.url());
    let sender = HeadsUpSender::new().unwrap();
    run_once(store, &config, &sender, at(0)).await.unwrap();
    let case_id = new_case(store, &f).await;
    crm.fail_next(2);

    let first = run_once(store, &config, &sender, at(0)).await.unwrap();
    assert_eq!((first.queued, first.attempted, first.delivered), (2, 2, 1));
    assert_eq!(
        run_once(store, &config, &sender, at(29))
            .await
            .unwrap()
            .attempted,
        0
    );
    let second = run_once(store, &config, &sender, at(30)).await.unwrap();
    assert_eq!((second.attempted, second.delivered), (1, 0));
    let third = run_once(store, &config, &sender, at(90)).await.unwrap();
    assert_eq!((third.attempted, third.delivered), (1, 1));
    assert_eq!(
        run_once(store, &config, &sender, at(100_000))
            .await
            .unwrap()
            .attempted,
        0
    );

    // Three attempts, the same key each time; the heads-up kept once.
    let attempts = crm.attempts();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|id| *id == attempts[0]), "{attempts:?}");
    let received = crm.received();
    assert_eq!(received.len(), 1);
    assert_eq!(crm.bad_signatures(), 0);
    let body: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["case_id"], case_id.to_string());
    assert_eq!(body["recorded_by"], "mia");
    assert_eq!(body["account_external_id"], "A-1");
    let slack = chat.received();
    assert_eq!(slack.len(), 1);
    let text: serde_json::Value = serde_json::from_str(&slack[0].body).unwrap();
    assert!(
        text["text"]
            .as_str()
            .unwrap()
            .starts_with("Holdfast: Cancellation request received (account A-1, case "),
        "{text}"
    );
    let log = store
        .heads_up_deliveries(f.organisation.id, 10)
        .await
        .unwrap();
    let crm_log = log.iter().find(|d| d.subscription == "crm").unwrap();
    assert_eq!(
        (crm_log.status, crm_log.attempts),
        (DeliveryStatus::Delivered, 3)
    );
    assert_eq!(crm_log.id, attempts[0]);
    assert_eq!(crm_log.last_error.as_deref(), Some("HTTP 503"));
}

pub async fn a_receiver_that_is_down_for_a_while_gets_its_heads_ups_when_it_is_back(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let mut receiver = Receiver::start(Some(SECRET.as_bytes())).await.unwrap();
    let chat = Receiver::start(None).await.unwrap();
    let config = config(&receiver.url(), &chat.url());
    let sender = HeadsUpSender::new().unwrap();
    run_once(store, &config, &sender, at(0)).await.unwrap();
    receiver.stop().await;
    let first = new_case(store, &f).await;
    let second = new_case(store, &f).await;

    let first_round = run_once(store, &config, &sender, at(0)).await.unwrap();
    assert_eq!((first_round.attempted, first_round.delivered), (4, 2));
    assert_eq!(
        run_once(store, &config, &sender, at(30))
            .await
            .unwrap()
            .delivered,
        0
    );
    let log = store
        .heads_up_deliveries(f.organisation.id, 10)
        .await
        .unwrap();
    let waiting: Vec<_> = log.iter().filter(|d| d.subscription == "crm").collect();
    assert_eq!(waiting.len(), 2);
    assert!(waiting.iter().all(|d| d.status == DeliveryStatus::Pending
        && d.attempts == 2
        && d.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("could not connect"))));
    assert!(receiver.received().is_empty());

    receiver.restart().await.unwrap();
    assert_eq!(
        run_once(store, &config, &sender, at(90))
            .await
            .unwrap()
            .delivered,
        2
    );
    let cases: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["case_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(cases, [first.to_string(), second.to_string()]);
}
