//! One attempt at a heads-up (`HeadsUpSender`) against a real receiver on loopback that checks
//! the signature: what arrives, and what a refusal, a failure and a receiver that is down come to.

use holdfast_core::heads_up::{verify, Attempt, HeadsUpFormat, IDEMPOTENCY_HEADER};
use holdfast_sync::heads_up::{HeadsUpRequest, HeadsUpSender};
use holdfast_sync::heads_up_receiver::Receiver;
use jiff::Timestamp;
use uuid::Uuid;

fn request<'a>(
    url: &'a str,
    format: HeadsUpFormat,
    secret: Option<&'a [u8]>,
) -> HeadsUpRequest<'a> {
    HeadsUpRequest {
        url,
        format,
        delivery_id: Uuid::from_u128(7),
        kind: "refund_requested",
        body: r#"{"kind":"refund_requested","amount":{"minor":12500,"currency":"USD"}}"#,
        secret,
    }
}

#[tokio::test]
async fn a_signed_heads_up_arrives_with_a_signature_the_receiver_verifies() {
    let receiver = Receiver::start(Some(b"s3cret")).await.unwrap();
    let sender = HeadsUpSender::new().unwrap();
    let url = receiver.url();
    let attempt = sender
        .attempt(
            &request(&url, HeadsUpFormat::Signed, Some(b"s3cret")),
            Timestamp::now(),
        )
        .await;
    assert_eq!(attempt, Attempt::Accepted);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let headers = &received[0].headers;
    assert_eq!(received[0].delivery_id, Uuid::from_u128(7));
    assert_eq!(headers[IDEMPOTENCY_HEADER], Uuid::from_u128(7).to_string());
    assert_eq!(headers["Holdfast-Event"], "refund_requested");
    assert_eq!(headers["content-type"], "application/json");
    // The receiver's check, done again here from what arrived.
    verify(
        b"s3cret",
        headers["Holdfast-Timestamp"].to_str().unwrap(),
        headers["Holdfast-Signature"].to_str().unwrap(),
        received[0].body.as_bytes(),
        Timestamp::now(),
    )
    .unwrap();
}

#[tokio::test]
async fn a_wrong_secret_is_refused_for_good_and_nothing_is_kept() {
    let receiver = Receiver::start(Some(b"s3cret")).await.unwrap();
    let sender = HeadsUpSender::new().unwrap();
    let url = receiver.url();
    let attempt = sender
        .attempt(
            &request(&url, HeadsUpFormat::Signed, Some(b"guess")),
            Timestamp::now(),
        )
        .await;
    assert_eq!(attempt, Attempt::Refused("HTTP 401".into()));
    assert_eq!(receiver.bad_signatures(), 1);
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn a_slack_message_is_posted_unsigned() {
    let receiver = Receiver::start(None).await.unwrap();
    let sender = HeadsUpSender::new().unwrap();
    let url = receiver.url();
    let mut slack = request(&url, HeadsUpFormat::Slack, None);
    slack.body = r#"{"text":"Holdfast: Refund requested"}"#;
    assert_eq!(
        sender.attempt(&slack, Timestamp::now()).await,
        Attempt::Accepted
    );
    let received = receiver.received();
    assert_eq!(received[0].body, r#"{"text":"Holdfast: Refund requested"}"#);
    assert!(received[0].headers.get("Holdfast-Signature").is_none());
}

#[tokio::test]
async fn a_failing_or_absent_receiver_is_worth_another_attempt() {
    let mut receiver = Receiver::start(Some(b"s3cret")).await.unwrap();
    let sender = HeadsUpSender::new().unwrap();
    let url = receiver.url();
    receiver.fail_next(1);
    let signed = request(&url, HeadsUpFormat::Signed, Some(b"s3cret"));
    assert_eq!(
        sender.attempt(&signed, Timestamp::now()).await,
        Attempt::Retry("HTTP 503".into())
    );
    receiver.stop().await;
    match sender.attempt(&signed, Timestamp::now()).await {
        Attempt::Retry(why) => {
            assert!(why.starts_with("could not connect"), "{why}");
            assert!(!why.contains("127.0.0.1"), "the URL is left out: {why}");
        }
        other => panic!("{other:?}"),
    }
    // A signed subscription whose secret cannot be read is not sent unsigned.
    receiver.restart().await.unwrap();
    assert_eq!(
        sender
            .attempt(
                &request(&url, HeadsUpFormat::Signed, None),
                Timestamp::now()
            )
            .await,
        Attempt::Retry("the signing secret cannot be read".into())
    );
    assert_eq!(
        sender.attempt(&signed, Timestamp::now()).await,
        Attempt::Accepted
    );
    assert_eq!(receiver.attempts(), vec![Uuid::from_u128(7); 2]);
    assert_eq!(receiver.received().len(), 1);
}
