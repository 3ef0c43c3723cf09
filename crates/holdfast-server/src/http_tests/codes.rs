//! Issue 12 through the API: one-time codes are sealed and checked by the server. A desk pushes
//! the code as typed; the log keeps only an HMAC under a key the server derives from its signing
//! key, so no pulled event lets anyone recover the code or reuse its digest, and no client can
//! push a digest or claim a check.

use holdfast_core::workflow::OneTimeCode;
use sha2::{Digest, Sha256};

use super::*;
use crate::store::suite::{now, POLICY};

const CODE: &str = "482913";

/// Billsbee's procedure, also taking one-time codes, as version 2.
async fn accept_codes(app: &App) {
    let source = POLICY.replace(
        r#"methods = ["callback_to_phone_on_file"]"#,
        r#"methods = ["callback_to_phone_on_file", "one_time_code"]"#,
    );
    assert_ne!(source, POLICY, "the fixture's identity methods moved");
    app.store
        .publish_policy(app.f.organisation.id, 2, &source, now())
        .await
        .expect("policy");
}

fn send(code: &str) -> CaseCommand {
    CaseCommand::SendOneTimeCode {
        code: OneTimeCode::typed(code),
        contact: "rae@example.com".into(),
    }
}

fn enter(code: &str) -> CaseCommand {
    CaseCommand::EnterOneTimeCode {
        code: OneTimeCode::typed(code),
    }
}

/// A desk of `session`'s user pushing one command at a time.
struct Desk<'a> {
    app: &'a App,
    token: String,
    client_id: Uuid,
    seq: u64,
}

impl<'a> Desk<'a> {
    fn new(app: &'a App, session: &Session) -> Desk<'a> {
        Desk {
            app,
            token: session.access_token.clone(),
            client_id: Uuid::now_v7(),
            seq: 0,
        }
    }

    async fn push(&mut self, case_id: Uuid, command: CaseCommand) -> Value {
        let base = pull_all(self.app, &self.token)
            .await
            .events
            .iter()
            .filter(|event| event.record.aggregate_id == case_id)
            .count() as u64;
        self.seq += 1;
        let request = PushRequest {
            client_id: self.client_id,
            commands: vec![case_command(self.seq, case_id, base, command)],
        };
        let (status, body) = push(self.app, &self.token, &request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"][0]["outcome"].clone()
    }

    /// Pushes `body` as the next command's JSON, as a client that does not play by the rules.
    async fn push_raw(&mut self, case_id: Uuid, command: Value) -> (StatusCode, Value) {
        let request = json!({
            "client_id": self.client_id,
            "commands": [{
                "seq": self.seq + 1,
                "command": {"target": "case", "case_id": case_id, "base_version": 2, "command": command},
                "decided_at": now(),
            }],
        });
        call(Method::POST, "/v1/push")
            .token(&self.token)
            .json(request)
            .json_response(self.app)
            .await
    }
}

fn kinds(log: &PullResponse, case_id: Uuid) -> Vec<String> {
    log.events
        .iter()
        .filter(|event| event.record.aggregate_id == case_id)
        .map(|event| event.record.kind.clone())
        .collect()
}

#[tokio::test]
async fn the_server_checks_the_code_and_the_log_never_lets_anyone_recover_it() {
    let app = app().await;
    accept_codes(&app).await;
    let mia = sign_in(&app, "mia").await;
    let case_id = open_case(&app, &mia).await;
    let mut desk = Desk::new(&app, &mia);

    assert_eq!(desk.push(case_id, send(CODE)).await["outcome"], "applied");
    let log = pull_all(&app, &mia.access_token).await;
    let sent = log
        .events
        .iter()
        .find(|event| event.record.kind == "one_time_code_sent")
        .expect("the code was sent");
    let payload = sent.record.payload.to_string();
    let plain_hash = hex::encode(Sha256::digest(CODE.as_bytes()));
    assert!(!payload.contains(CODE), "{payload}");
    assert!(
        !payload.contains(&plain_hash),
        "the log holds no plain hash of the code: {payload}"
    );
    let digest = sent.record.payload["code_digest"]
        .as_str()
        .expect("a digest")
        .to_owned();
    assert!(
        sent.record.payload["key"]
            .as_str()
            .is_some_and(|key| key.starts_with("server:")),
        "{payload}"
    );

    // A wrong code is recorded as a wrong try; the right one, as typed, verifies.
    assert_eq!(
        desk.push(case_id, enter("000000")).await["outcome"],
        "applied"
    );
    assert_eq!(
        desk.push(case_id, enter("482-913")).await["outcome"],
        "applied"
    );
    let log = pull_all(&app, &mia.access_token).await;
    assert_eq!(
        kinds(&log, case_id)[2..],
        [
            "one_time_code_sent",
            "one_time_code_rejected",
            "identity_verified"
        ]
    );
    let verified = log.events.last().expect("an event");
    assert_eq!(verified.record.payload.get("provisional"), None);
    assert!(!log
        .events
        .iter()
        .any(|event| event.record.payload.to_string().contains(CODE)));
    assert_eq!(digest.len(), 64);
}

#[tokio::test]
async fn no_client_can_push_a_digest_it_pulled_or_claim_a_code_was_checked() {
    let app = app().await;
    accept_codes(&app).await;
    let mia = sign_in(&app, "mia").await;
    let max = sign_in(&app, "max").await;
    let case_id = open_case(&app, &mia).await;
    let mut mias_desk = Desk::new(&app, &mia);
    assert_eq!(
        mias_desk.push(case_id, send(CODE)).await["outcome"],
        "applied"
    );

    // max pulls the digest and the key id, and pushes them back as "the code entered".
    let before = pull_all(&app, &max.access_token).await;
    let sent = before
        .events
        .iter()
        .find(|event| event.record.kind == "one_time_code_sent")
        .expect("sent");
    let mut maxs_desk = Desk::new(&app, &max);
    for forged in [
        json!({"command": "enter_one_time_code", "code": {
            "form": "sealed",
            "digest": sent.record.payload["code_digest"],
            "key": sent.record.payload["key"],
        }}),
        json!({"command": "enter_one_time_code", "code": {"form": "unchecked"}}),
    ] {
        let (status, body) = maxs_desk.push_raw(case_id, forged.clone()).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::BAD_REQUEST, Some("validation")),
            "{forged}: {body}"
        );
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|message| message.contains("the code as typed")),
            "{body}"
        );
    }
    assert_eq!(
        pull_all(&app, &max.access_token).await.events,
        before.events,
        "nothing was recorded"
    );

    // Guessing is bounded by the policy's tries: the code locks after three wrong ones.
    for guess in ["000000", "111111", "222222"] {
        assert_eq!(
            maxs_desk.push(case_id, enter(guess)).await["outcome"],
            "applied"
        );
    }
    let locked = maxs_desk.push(case_id, enter(CODE)).await;
    assert_eq!(locked["outcome"], "rejected", "{locked}");
    assert!(
        locked["rejection"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("locked")),
        "{locked}"
    );
}

#[tokio::test]
async fn a_code_queued_by_an_old_desk_is_refused_for_that_command_alone() {
    let app = app().await;
    accept_codes(&app).await;
    let mia = sign_in(&app, "mia").await;
    let case_id = open_case(&app, &mia).await;
    let mut desk = Desk::new(&app, &mia);
    let old = json!({
        "command": "send_one_time_code",
        "code_hash": hex::encode(Sha256::digest(CODE.as_bytes())),
        "contact": "rae@example.com",
    });
    let (status, body) = desk.push_raw(case_id, old).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = &body["results"][0]["outcome"];
    assert_eq!(outcome["outcome"], "rejected", "{body}");
    assert!(
        outcome["rejection"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("older version")),
        "{body}"
    );
    desk.seq += 1;
    // The desk's next command goes through: its outbox is not stuck behind the old one.
    assert_eq!(desk.push(case_id, send(CODE)).await["outcome"], "applied");
}
