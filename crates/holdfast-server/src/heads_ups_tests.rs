//! Heads-ups for a team beyond the storage suite: the configuration file's rules, and a server
//! restarted between rounds (a SQLite file closed and opened again), which neither loses a queued
//! delivery nor repeats one the receiver acknowledged.

use holdfast_core::heads_up::DeliveryStatus;
use holdfast_sync::heads_up::HeadsUpSender;
use holdfast_sync::heads_up_receiver::Receiver;
use jiff::Timestamp;
use uuid::Uuid;

use crate::error::ServerError;
use crate::heads_ups::{queue_all, run_once, HeadsUpConfig};
use crate::store::sqlite::SqliteStore;
use crate::store::suite::{fixture, open_logged_case};
use crate::store::ServerStore;

const SECRET: &str = "a-long-enough-signing-secret";

fn signed(url: &str) -> String {
    format!(
        r#"
        [[heads_up]]
        organisation = "Billsbee"
        name = "crm"
        url = "{url}"
        format = "signed"
        kinds = ["received", "finalized"]
        secret = "{SECRET}"
        "#
    )
}

#[test]
fn a_bad_heads_ups_file_is_refused_naming_the_subscription() {
    let refused = |text: &str| match HeadsUpConfig::parse(text) {
        Err(ServerError::Config(message)) => message,
        other => panic!("{other:?}"),
    };
    assert!(HeadsUpConfig::parse(&signed("https://crm.example.com/hooks")).is_ok());
    assert!(HeadsUpConfig::parse("").unwrap().is_empty());
    let no_secret =
        signed("https://crm.example.com/hooks").replace(&format!("secret = \"{SECRET}\""), "");
    assert!(
        refused(&no_secret).contains("needs a secret"),
        "{no_secret}"
    );
    let short = signed("https://crm.example.com/hooks").replace(SECRET, "short");
    assert!(refused(&short).contains("at least 16"));
    assert!(refused(&signed("crm.example.com")).contains("url"));
    let unknown_kind =
        signed("https://crm.example.com/hooks").replace("\"finalized\"", "\"note_added\"");
    assert!(refused(&unknown_kind).contains("note_added"));
    let twice = format!(
        "{}{}",
        signed("https://a.example.com"),
        signed("https://b.example.com")
    );
    assert!(refused(&twice).contains("configured twice"));
    assert!(refused("[[heads_up]]\nname = 1").contains("heads-ups file"));
    // The secret is never in a debug print of the configuration.
    let config = HeadsUpConfig::parse(&signed("https://crm.example.com/hooks")).unwrap();
    assert!(!format!("{config:?}").contains(SECRET));
    assert_eq!(config.summaries("Billsbee")[0].name, "crm");
    assert!(config.summaries("Another").is_empty());
}

#[tokio::test]
async fn a_restarted_server_sends_what_was_queued_and_never_repeats_what_was_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(Some(SECRET.as_bytes())).await.unwrap();
    let config = HeadsUpConfig::parse(&signed(&receiver.url())).unwrap();
    let sender = HeadsUpSender::new().unwrap();

    let (mia, account, organisation) = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let f = fixture(&store).await;
        run_once(&store, &config, &sender, Timestamp::now())
            .await
            .unwrap();
        open_logged_case(&store, &f.mia, Uuid::now_v7(), f.account_id).await;
        let round = run_once(&store, &config, &sender, Timestamp::now())
            .await
            .unwrap();
        assert_eq!(round.delivered, 1);
        // The next one is queued, and the server stops before sending it.
        open_logged_case(&store, &f.mia, Uuid::now_v7(), f.account_id).await;
        assert_eq!(
            queue_all(&store, &config, Timestamp::now()).await.unwrap(),
            1
        );
        (f.mia, f.account_id, f.organisation.id)
    };

    let store = SqliteStore::open(dir.path()).unwrap();
    let round = run_once(&store, &config, &sender, Timestamp::now())
        .await
        .unwrap();
    assert_eq!((round.queued, round.attempted, round.delivered), (0, 1, 1));
    open_logged_case(&store, &mia, Uuid::now_v7(), account).await;
    assert_eq!(
        run_once(&store, &config, &sender, Timestamp::now())
            .await
            .unwrap()
            .delivered,
        1
    );
    let attempts = receiver.attempts();
    assert_eq!(attempts.len(), 3, "each delivery once: {attempts:?}");
    let mut distinct = attempts.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
    assert_eq!(receiver.received().len(), 3);
    let log = store.heads_up_deliveries(organisation, 10).await.unwrap();
    assert!(log
        .iter()
        .all(|d| d.status == DeliveryStatus::Delivered && d.attempts == 1));
}
