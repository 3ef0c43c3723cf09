//! In-process tests of the HTTP API: the router driven with `tower::ServiceExt::oneshot` on an
//! in-memory SQLite store, each request carrying the peer address as a real server would.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use holdfast_core::workflow::CaseCommand;
use holdfast_sync::protocol::{
    PullResponse, PushRequest, PushResponse, Session, MAX_BATCH, PROTOCOL_HEADER, PROTOCOL_VERSION,
    SCHEMA_HEADER,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

use crate::auth::{hash_password, AuthConfig};
use crate::checkpoint::verify_checkpoint;
use crate::http::{router, AppState, BODY_LIMIT, MIN_CLIENT_SCHEMA};
use crate::store::sqlite::SqliteStore;
use crate::store::suite::{
    acknowledge, case_command, finalize, fixture, receive, steps_before_finalization, Fixture,
};
use crate::store::ServerStore;

const PASSWORD: &str = "correct horse battery";

fn fast_auth() -> AuthConfig {
    AuthConfig {
        // Cheap hashes keep the tests quick; production uses the defaults.
        argon2: (64, 1, 1),
        ..AuthConfig::default()
    }
}

struct App {
    router: Router,
    store: Arc<SqliteStore>,
    f: Fixture,
}

async fn app_with(auth: AuthConfig) -> App {
    app_behind(auth, Vec::new()).await
}

async fn app_behind(auth: AuthConfig, trusted_proxies: Vec<std::net::IpAddr>) -> App {
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let f = fixture(store.as_ref()).await;
    for user in [&f.mia, &f.max, &f.ann] {
        let hash = hash_password(PASSWORD, &auth).expect("hash");
        store
            .set_password_hash(user.id, &hash, jiff::Timestamp::now())
            .await
            .expect("password");
    }
    let state = AppState::new(store.clone(), auth)
        .await
        .expect("state")
        .with_trusted_proxies(trusted_proxies);
    App {
        router: router(state),
        store,
        f,
    }
}

async fn app() -> App {
    app_with(fast_auth()).await
}

struct Call {
    method: Method,
    uri: String,
    token: Option<String>,
    body: Option<Vec<u8>>,
    protocol: Option<String>,
    schema: Option<String>,
    address: [u8; 4],
    forwarded_for: Option<String>,
    gzip_body: bool,
    accept_gzip: bool,
}

fn call(method: Method, uri: &str) -> Call {
    Call {
        method,
        uri: uri.into(),
        token: None,
        body: None,
        protocol: Some(PROTOCOL_VERSION.to_string()),
        schema: Some(MIN_CLIENT_SCHEMA.to_string()),
        address: [127, 0, 0, 1],
        forwarded_for: None,
        gzip_body: false,
        accept_gzip: false,
    }
}

impl Call {
    fn token(mut self, token: &str) -> Self {
        self.token = Some(token.into());
        self
    }
    fn json(mut self, body: Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self
    }

    async fn send(self, app: &App) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut builder = Request::builder().method(self.method).uri(self.uri);
        if let Some(protocol) = self.protocol {
            builder = builder.header(PROTOCOL_HEADER, protocol);
        }
        if let Some(schema) = self.schema {
            builder = builder.header(SCHEMA_HEADER, schema);
        }
        if let Some(token) = self.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if self.accept_gzip {
            builder = builder.header(header::ACCEPT_ENCODING, "gzip");
        }
        if let Some(forwarded) = self.forwarded_for {
            builder = builder.header("x-forwarded-for", forwarded);
        }
        let body = match self.body {
            Some(bytes) if self.gzip_body => {
                builder = builder
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_ENCODING, "gzip");
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&bytes).expect("gzip");
                Body::from(encoder.finish().expect("gzip"))
            }
            Some(bytes) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body).expect("request");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((self.address, 40_000))));
        let response = app.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, headers, bytes)
    }

    async fn json_response(self, app: &App) -> (StatusCode, Value) {
        let (status, _, bytes) = self.send(app).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("a JSON body")
        };
        (status, value)
    }
}

fn sign_in_body(user: &str, password: &str) -> Value {
    json!({"organisation": "Billsbee", "user": user, "password": password})
}

async fn sign_in(app: &App, user: &str) -> Session {
    let (status, body) = call(Method::POST, "/v1/session")
        .json(sign_in_body(user, PASSWORD))
        .json_response(app)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("a session")
}

async fn push(app: &App, token: &str, request: &PushRequest) -> (StatusCode, Value) {
    call(Method::POST, "/v1/push")
        .token(token)
        .json(serde_json::to_value(request).expect("json"))
        .json_response(app)
        .await
}

async fn pull_all(app: &App, token: &str) -> PullResponse {
    let (status, body) = call(Method::GET, "/v1/pull?after=0&limit=1000")
        .token(token)
        .json_response(app)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("a pull")
}

/// Opens and logs a case through the API as `session`'s user from a fresh client.
async fn open_case(app: &App, session: &Session) -> Uuid {
    let case_id = Uuid::now_v7();
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![
            case_command(1, case_id, 0, receive(case_id, app.f.account_id)),
            case_command(2, case_id, 1, CaseCommand::LogRequest),
        ],
    };
    let (status, body) = push(app, &session.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["results"][1]["outcome"]["outcome"], "applied",
        "{body}"
    );
    case_id
}

/// Takes a case `open_case` opened (version 2) through what Billsbee waits for before a manager
/// finalizes it, through the API as the manager `session`'s user from a fresh client; returns
/// the case's version after them.
async fn make_ready_to_finalize(app: &App, session: &Session, case_id: Uuid) -> u64 {
    let steps = steps_before_finalization();
    let count = steps.len() as u64;
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: (1..)
            .zip(steps)
            .map(|(seq, command)| case_command(seq, case_id, seq + 1, command))
            .collect(),
    };
    let (status, body) = push(app, &session.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for result in body["results"].as_array().expect("results") {
        assert_eq!(result["outcome"]["outcome"], "applied", "{body}");
    }
    2 + count
}

#[tokio::test]
async fn sign_in_refresh_and_sign_out() {
    let app = app().await;
    let session = sign_in(&app, "mia").await;
    assert_eq!(session.me.user, "mia");
    assert_eq!(session.me.organisation, "Billsbee");
    assert!(session.me.active);
    assert_eq!(session.me.roles, vec![holdfast_core::role::Role::Manager]);

    let (status, me) = call(Method::GET, "/v1/me")
        .token(&session.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["checkpoint_key"], session.me.checkpoint_key);

    let (status, body) = call(Method::POST, "/v1/session/refresh")
        .json(json!({"refresh_token": session.refresh_token}))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let renewed: Session = serde_json::from_value(body).expect("session");
    assert_ne!(renewed.refresh_token, session.refresh_token);
    // The old refresh token was used up.
    let (status, body) = call(Method::POST, "/v1/session/refresh")
        .json(json!({"refresh_token": session.refresh_token}))
        .json_response(&app)
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );

    let (status, _) = call(Method::DELETE, "/v1/session")
        .token(&renewed.access_token)
        .json(json!({"refresh_token": renewed.refresh_token}))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(Method::GET, "/v1/me")
        .token(&renewed.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out");
    let (status, _) = call(Method::POST, "/v1/session/refresh")
        .json(json!({"refresh_token": renewed.refresh_token}))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked");
    let (status, body) = call(Method::GET, "/v1/me").json_response(&app).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_unauthorized_alike() {
    let app = app().await;
    let (status, wrong) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", "not the password"))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong["kind"], "unauthorized");
    let (status, unknown) = call(Method::POST, "/v1/session")
        .json(sign_in_body("nobody", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown, wrong, "no hint which part was wrong");
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_account_and_per_address() {
    let app = app_with(AuthConfig {
        max_failures_per_user: 3,
        max_failures_per_address: 5,
        ..fast_auth()
    })
    .await;
    for _ in 0..3 {
        let (status, _) = call(Method::POST, "/v1/session")
            .json(sign_in_body("mia", "wrong password"))
            .json_response(&app)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now.
    let (status, headers, bytes) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .send(&app)
        .await;
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["kind"], "rate_limited");
    let retry = body["retry_after_secs"].as_u64().expect("seconds");
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert_eq!(
        headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some(retry.to_string().as_str())
    );
    // Another account from the same address still may, until the address reaches its limit.
    let (status, _) = call(Method::POST, "/v1/session")
        .json(sign_in_body("max", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..2 {
        call(Method::POST, "/v1/session")
            .json(sign_in_body("ann", "wrong password"))
            .json_response(&app)
            .await;
    }
    let (status, body) = call(Method::POST, "/v1/session")
        .json(sign_in_body("max", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    // Another address is not affected.
    let mut elsewhere = call(Method::POST, "/v1/session").json(sign_in_body("max", PASSWORD));
    elsewhere.address = [10, 0, 0, 2];
    let (status, _) = elsewhere.json_response(&app).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_sign_in_limit_counts_the_forwarded_client() {
    let proxy = std::net::IpAddr::from([10, 0, 0, 9]);
    let app = app_behind(
        AuthConfig {
            max_failures_per_user: 100,
            max_failures_per_address: 2,
            ..fast_auth()
        },
        vec![proxy],
    )
    .await;
    let through_proxy = |client: &str, user: &str, password: &str| {
        let mut call = call(Method::POST, "/v1/session").json(sign_in_body(user, password));
        call.address = [10, 0, 0, 9];
        call.forwarded_for = Some(client.to_owned());
        call
    };
    // One client behind the balancer reaches the per-address limit...
    for _ in 0..2 {
        let (status, _) = through_proxy("203.0.113.7", "ann", "wrong password")
            .json_response(&app)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = through_proxy("203.0.113.7", "max", PASSWORD)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ...without locking out everyone else behind the same balancer.
    let (status, _) = through_proxy("198.51.100.4", "max", PASSWORD)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    // A client cannot escape its limit by writing its own X-Forwarded-For: only the hop the
    // trusted proxy appended counts.
    let (status, _) = through_proxy("198.51.100.99, 203.0.113.7", "max", PASSWORD)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // A peer that is not a trusted proxy is taken at its word, whatever the header says.
    let mut direct = call(Method::POST, "/v1/session").json(sign_in_body("max", PASSWORD));
    direct.address = [192, 0, 2, 1];
    direct.forwarded_for = Some("203.0.113.7".into());
    let (status, _) = direct.json_response(&app).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_outdated_client_is_told_to_upgrade() {
    let app = app().await;
    for (protocol, schema) in [
        (None, Some(MIN_CLIENT_SCHEMA.to_string())),
        (Some("0".to_owned()), Some(MIN_CLIENT_SCHEMA.to_string())),
        (
            Some(PROTOCOL_VERSION.to_string()),
            Some((MIN_CLIENT_SCHEMA - 1).to_string()),
        ),
        (Some(PROTOCOL_VERSION.to_string()), None),
    ] {
        let mut request = call(Method::POST, "/v1/session").json(sign_in_body("mia", PASSWORD));
        request.protocol = protocol.clone();
        request.schema = schema.clone();
        let (status, body) = request.json_response(&app).await;
        assert_eq!(
            status,
            StatusCode::UPGRADE_REQUIRED,
            "{protocol:?} {schema:?}"
        );
        assert_eq!(body["kind"], "upgrade_required");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("update")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_version_answers_any_caller_without_a_token_or_version_headers() {
    let app = app().await;
    // No token and no version headers at all, and a desk of another protocol or an outdated
    // schema: every one of them learns what this server serves.
    for (protocol, schema) in [
        (None, None),
        (Some((PROTOCOL_VERSION + 1).to_string()), None),
        (
            Some((PROTOCOL_VERSION - 1).to_string()),
            Some((MIN_CLIENT_SCHEMA - 1).to_string()),
        ),
    ] {
        let mut request = call(Method::GET, "/v1/version");
        request.protocol = protocol.clone();
        request.schema = schema.clone();
        let (status, body) = request.json_response(&app).await;
        assert_eq!(status, StatusCode::OK, "{protocol:?} {schema:?}: {body}");
        assert_eq!(
            body,
            serde_json::json!({
                "server": env!("CARGO_PKG_VERSION"),
                "protocol": PROTOCOL_VERSION,
                "min_client_schema": MIN_CLIENT_SCHEMA,
                "database_schema": crate::store::sqlite::SCHEMA_VERSION,
            })
        );
    }
    // It only reads.
    let (status, _) = call(Method::POST, "/v1/version")
        .json(serde_json::json!({}))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn an_account_managers_client_claiming_the_manager_role_is_rejected() {
    let app = app().await;
    let ann = sign_in(&app, "ann").await;
    let case_id = open_case(&app, &ann).await;
    // The push carries no roles: whatever ann's desk believed, the server decides with hers.
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![case_command(1, case_id, 2, finalize())],
    };
    let (status, body) = push(&app, &ann.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["results"][0]["outcome"]["outcome"], "rejected",
        "{body}"
    );
    let kinds: Vec<String> = pull_all(&app, &ann.access_token)
        .await
        .events
        .into_iter()
        .filter(|event| event.record.aggregate_id == case_id)
        .map(|event| event.record.kind)
        .collect();
    assert_eq!(kinds, ["received", "request_logged"]);
}

#[tokio::test]
async fn a_deactivated_user_can_no_longer_push() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    let case_id = open_case(&app, &mia).await;
    app.store
        .set_user_active(app.f.mia.id, false)
        .await
        .expect("deactivated");
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![case_command(1, case_id, 2, finalize())],
    };
    let (status, body) = push(&app, &mia.access_token, &request).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    let (status, _) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no new session either");
    let max = sign_in(&app, "max").await;
    let finalized = pull_all(&app, &max.access_token)
        .await
        .events
        .iter()
        .any(|event| event.record.kind == "finalized");
    assert!(!finalized);
}

#[tokio::test]
async fn a_retry_after_a_lost_acknowledgement_is_applied_once() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    let case_id = Uuid::now_v7();
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![
            case_command(1, case_id, 0, receive(case_id, app.f.account_id)),
            case_command(2, case_id, 1, acknowledge()),
        ],
    };
    let (status, first) = push(&app, &mia.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    // The response was lost; the client sends the same commands again.
    let (status, second) = push(&app, &mia.access_token, &request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first, second);
    let response: PushResponse = serde_json::from_value(second).expect("push response");
    assert_eq!(response.results.len(), 2);
    let events = pull_all(&app, &mia.access_token).await.events;
    let on_case = events
        .iter()
        .filter(|event| event.record.aggregate_id == case_id)
        .count();
    // Received, then the acknowledgement message recorded as sent and acknowledging the request.
    assert_eq!(on_case, 3, "applied once");

    // Skipping a number is a typed error.
    let gap = PushRequest {
        client_id: request.client_id,
        commands: vec![case_command(4, case_id, 2, CaseCommand::RemindForm)],
    };
    let (status, body) = push(&app, &mia.access_token, &gap).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body,
        json!({"kind": "sequence_gap", "expected": 3, "got": 4})
    );
}

#[tokio::test]
async fn two_managers_finalize_the_same_case() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    let max = sign_in(&app, "max").await;
    let case_id = open_case(&app, &mia).await;
    let ready = make_ready_to_finalize(&app, &mia, case_id).await;
    let (mia_client, max_client) = (Uuid::now_v7(), Uuid::now_v7());
    let finalize_from = |client_id| PushRequest {
        client_id,
        commands: vec![case_command(1, case_id, ready, finalize())],
    };
    let (_, first) = push(&app, &mia.access_token, &finalize_from(mia_client)).await;
    let (_, second) = push(&app, &max.access_token, &finalize_from(max_client)).await;
    assert_eq!(
        first["results"][0]["outcome"]["outcome"], "applied",
        "{first}"
    );
    assert_eq!(
        second["results"][0]["outcome"]["outcome"], "conflict",
        "{second}"
    );
    assert_eq!(second["results"][0]["outcome"]["server_version"], ready + 1);

    let pulled = pull_all(&app, &mia.access_token).await;
    let case: Vec<_> = pulled
        .events
        .iter()
        .filter(|event| event.record.aggregate_id == case_id)
        .collect();
    let last = case.last().expect("events");
    assert_eq!(last.record.kind, "conflict_recorded");
    assert_eq!(last.record.actor, "max");
    assert_eq!(last.origin.map(|origin| origin.client_id), Some(max_client));
    assert_eq!(
        case.iter()
            .filter(|event| event.record.kind == "finalized")
            .count(),
        1
    );
    // The page ends in a checkpoint signed with the key given at sign-in.
    let checkpoint = pulled.checkpoint.expect("a checkpoint");
    assert_eq!(checkpoint.seq, pulled.after);
    assert!(verify_checkpoint(&mia.me.checkpoint_key, &checkpoint));
}

#[tokio::test]
async fn pull_pages_and_validates_its_limit() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    open_case(&app, &mia).await;
    let (status, body) = call(Method::GET, "/v1/pull?after=0&limit=2")
        .token(&mia.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    let page: PullResponse = serde_json::from_value(body).expect("pull");
    assert_eq!((page.events.len(), page.after, page.more), (2, 2, true));
    let (_, body) = call(Method::GET, "/v1/pull?after=2&limit=2")
        .token(&mia.access_token)
        .json_response(&app)
        .await;
    let page: PullResponse = serde_json::from_value(body).expect("pull");
    assert_eq!((page.events.len(), page.after, page.more), (1, 3, false));
    let (_, body) = call(Method::GET, "/v1/pull?after=3")
        .token(&mia.access_token)
        .json_response(&app)
        .await;
    let page: PullResponse = serde_json::from_value(body).expect("pull");
    assert_eq!((page.events.len(), page.after), (0, 3));
    assert_eq!(
        page.checkpoint.map(|c| c.seq),
        Some(3),
        "the newest checkpoint so far"
    );

    for query in [
        format!("limit={}", MAX_BATCH + 1),
        "limit=0".into(),
        "after=-1".into(),
    ] {
        let (status, body) = call(Method::GET, &format!("/v1/pull?{query}"))
            .token(&mia.access_token)
            .json_response(&app)
            .await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::BAD_REQUEST, Some("validation")),
            "{query}"
        );
    }
}

#[tokio::test]
async fn bodies_are_typed_limited_and_compressed() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    let mut malformed = call(Method::POST, "/v1/push").token(&mia.access_token);
    malformed.body = Some(b"{\"client_id\": ".to_vec());
    let (status, body) = malformed.json_response(&app).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("validation")),
        "{body}"
    );
    assert_eq!(body["field"], "body");

    let (status, body) = call(Method::POST, "/v1/push")
        .token(&mia.access_token)
        .json(json!({"client_id": Uuid::nil(), "commands": [{"seq": 1, "decided_at": "2026-11-21T10:00:00Z",
            "command": {"target": "case", "case_id": Uuid::nil(), "base_version": 0,
                        "command": {"command": "delete_everything"}}}]}))
        .json_response(&app)
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("validation")),
        "{body}"
    );

    let mut huge = call(Method::POST, "/v1/push").token(&mia.access_token);
    let padding = "x".repeat(BODY_LIMIT + 1);
    huge.body = Some(
        json!({"client_id": Uuid::nil(), "commands": [], "padding": padding})
            .to_string()
            .into_bytes(),
    );
    let (status, body) = huge.json_response(&app).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(
        body,
        json!({"kind": "too_large", "limit_bytes": BODY_LIMIT})
    );

    // A gzip-compressed push is read; the pull answers gzip when asked.
    let case_id = Uuid::now_v7();
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![case_command(
            1,
            case_id,
            0,
            receive(case_id, app.f.account_id),
        )],
    };
    let mut compressed = call(Method::POST, "/v1/push")
        .token(&mia.access_token)
        .json(serde_json::to_value(&request).expect("json"));
    compressed.gzip_body = true;
    let (status, body) = compressed.json_response(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["outcome"]["outcome"], "applied");

    let mut pull = call(Method::GET, "/v1/pull").token(&mia.access_token);
    pull.accept_gzip = true;
    let (status, headers, bytes) = pull.send(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .expect("gunzip");
    let page: PullResponse = serde_json::from_str(&text).expect("pull");
    assert!(page
        .events
        .iter()
        .any(|event| event.record.aggregate_id == case_id));

    let (status, body) = call(Method::GET, "/v1/nothing-here")
        .json_response(&app)
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn the_published_policy_reaches_signed_in_users() {
    let app = app().await;
    let ann = sign_in(&app, "ann").await;
    let (status, body) = call(Method::GET, "/v1/policy")
        .token(&ann.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["version"], 1);
    assert!(body["source"]
        .as_str()
        .is_some_and(|source| source.contains("billsbee")));
}

/// Random and mutated input on every endpoint (issue 12): whatever arrives, the answer is the
/// protocol's typed `ErrorBody` with a 4xx status (or a success for input that happens to be
/// valid), never a 5xx or a panic, and a refused request leaves the organisation's log as it was.
mod fuzz {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;
    use holdfast_sync::protocol::ErrorBody;

    /// A JSON value of any shape, including the edges a parser meets: huge and negative numbers,
    /// `u64::MAX`, long and empty strings, nested containers.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            Just(json!(u64::MAX)),
            Just(json!(-1)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,40}".prop_map(Value::String),
            Just(Value::String("x".repeat(70_000))),
            Just(json!(Uuid::nil())),
            Just(json!("2026-13-45T99:99:99Z")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// One change to a JSON document: replace the `n`-th value (in document order) with another,
    /// drop it from its object, or add a key nobody expects.
    #[derive(Debug, Clone)]
    enum Mutation {
        Replace(usize, Value),
        Remove(usize),
        AddKey(String, Value),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), any_json()).prop_map(|(n, v)| Mutation::Replace(n, v)),
            any::<usize>().prop_map(Mutation::Remove),
            ("[a-z_]{1,12}", any_json()).prop_map(|(k, v)| Mutation::AddKey(k, v)),
        ]
    }

    fn count(value: &Value) -> usize {
        1 + match value {
            Value::Array(items) => items.iter().map(count).sum(),
            Value::Object(map) => map.values().map(count).sum(),
            _ => 0,
        }
    }

    /// Applies `mutation` to the value at position `target` (0 is the document itself).
    fn apply(value: &mut Value, target: &mut usize, mutation: &Mutation) -> bool {
        match value {
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    if *target == 1 {
                        match mutation {
                            Mutation::Replace(_, new) => {
                                map.insert(key, new.clone());
                            }
                            Mutation::Remove(_) => {
                                map.remove(&key);
                            }
                            Mutation::AddKey(..) => {}
                        }
                        return true;
                    }
                    *target -= 1;
                    if let Some(child) = map.get_mut(&key) {
                        if apply(child, target, mutation) {
                            return true;
                        }
                    }
                }
                false
            }
            Value::Array(items) => {
                for child in items.iter_mut() {
                    if *target == 1 {
                        if let Mutation::Replace(_, new) = mutation {
                            *child = new.clone();
                        }
                        return true;
                    }
                    *target -= 1;
                    if apply(child, target, mutation) {
                        return true;
                    }
                }
                false
            }
            _ => false,
        }
    }

    fn mutate(mut document: Value, mutations: &[Mutation]) -> Value {
        for mutation in mutations {
            match mutation {
                Mutation::AddKey(key, value) => {
                    if let Value::Object(map) = &mut document {
                        map.insert(key.clone(), value.clone());
                    }
                }
                Mutation::Replace(n, _) | Mutation::Remove(n) => {
                    let size = count(&document);
                    let mut target = n % size;
                    if target == 0 {
                        if let Mutation::Replace(_, new) = mutation {
                            document = new.clone();
                        }
                    } else {
                        apply(&mut document, &mut target, mutation);
                    }
                }
            }
        }
        document
    }

    /// What a request body is made from: valid JSON changed a little, any JSON, or any bytes.
    #[derive(Debug, Clone)]
    enum Input {
        Mutated(Vec<Mutation>),
        Json(Value),
        Bytes(Vec<u8>),
    }

    fn input() -> impl Strategy<Value = Input> {
        prop_oneof![
            6 => prop::collection::vec(mutation(), 1..4).prop_map(Input::Mutated),
            2 => any_json().prop_map(Input::Json),
            1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Input::Bytes),
        ]
    }

    fn body_of(valid: &Value, input: &Input) -> Vec<u8> {
        match input {
            Input::Mutated(mutations) => mutate(valid.clone(), mutations).to_string().into_bytes(),
            Input::Json(value) => value.to_string().into_bytes(),
            Input::Bytes(bytes) => bytes.clone(),
        }
    }

    /// Checks one answer: never a server error; a refusal is a typed `ErrorBody`.
    fn check(what: &str, status: StatusCode, bytes: &[u8]) -> Result<bool, TestCaseError> {
        prop_assert!(
            !status.is_server_error(),
            "{what}: {status} {}",
            String::from_utf8_lossy(bytes)
        );
        if status.is_success() {
            return Ok(true);
        }
        let typed: Result<ErrorBody, _> = serde_json::from_slice(bytes);
        prop_assert!(
            typed.is_ok(),
            "{what}: {status} without a typed error: {}",
            String::from_utf8_lossy(bytes)
        );
        Ok(false)
    }

    fn runner() -> TestRunner {
        TestRunner::new(Config {
            cases: 160,
            failure_persistence: None,
            ..Config::default()
        })
    }

    #[test]
    fn every_endpoint_answers_random_and_mutated_bodies_with_a_typed_error_and_changes_nothing() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let app = runtime.block_on(app());
        let session = runtime.block_on(sign_in(&app, "ann"));
        let client_id = Uuid::now_v7();
        let case_id = Uuid::now_v7();
        let valid_push = serde_json::to_value(PushRequest {
            client_id,
            commands: vec![
                case_command(1, case_id, 0, receive(case_id, app.f.account_id)),
                case_command(2, case_id, 1, acknowledge()),
            ],
        })
        .expect("json");
        let head = |app: &App| {
            let store = app.store.clone();
            let organisation = app.f.organisation.id;
            runtime.block_on(async move { store.head(organisation).await.expect("head") })
        };
        let endpoints: [(&str, Value); 3] = [
            ("/v1/push", valid_push),
            (
                "/v1/session",
                sign_in_body("ann", "not the password at all"),
            ),
            (
                "/v1/session/refresh",
                json!({"refresh_token": "not a refresh token"}),
            ),
        ];
        for (path, valid) in endpoints {
            runner()
                .run(&input(), |input| {
                    let before = head(&app);
                    let mut request = call(Method::POST, path);
                    request.body = Some(body_of(&valid, &input));
                    let (status, _, bytes) =
                        runtime.block_on(request.token(&session.access_token).send(&app));
                    let accepted = check(path, status, &bytes)?;
                    if !accepted {
                        prop_assert_eq!(before, head(&app), "{} refused but changed the log", path);
                    }
                    Ok(())
                })
                .unwrap_or_else(|failure| panic!("{path}: {failure}"));
        }
    }

    #[test]
    fn pull_answers_any_query_with_a_typed_error_or_a_page() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let app = runtime.block_on(app());
        let session = runtime.block_on(sign_in(&app, "ann"));
        let value = prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            Just(u64::MAX.to_string()),
            Just("18446744073709551616".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-zA-Z0-9%&=+-]{0,24}",
        ];
        runner()
            .run(&(value.clone(), value), |(after, limit)| {
                let uri = format!(
                    "/v1/pull?after={}&limit={}",
                    urlencode(&after),
                    urlencode(&limit)
                );
                let (status, _, bytes) = runtime.block_on(
                    call(Method::GET, &uri)
                        .token(&session.access_token)
                        .send(&app),
                );
                check(&uri, status, &bytes)?;
                Ok(())
            })
            .unwrap_or_else(|failure| panic!("pull: {failure}"));
    }

    fn urlencode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
}
/// Issue 12: one-time codes are sealed and checked by the server.
mod codes;
/// Issue 12, "imports are bounded or chunked": an import command over the bound, through the API.
mod import_parts;
/// Issue 12's sign-in tests, with this module's helpers.
#[path = "http_signin_tests.rs"]
mod signin;
/// Issue 12, "what the server takes on trust": client ids, account imports, who reads the log.
mod trust;

/// Issue 16: a team's heads-up is sent by the server, once, whoever pushed the event; a manager
/// reads the organisation's log (never an endpoint's URL or secret), anyone else is refused.
#[tokio::test]
async fn heads_ups_are_sent_by_the_server_and_shown_to_managers_only() {
    const SECRET: &str = "a-long-enough-signing-secret";
    let receiver = holdfast_sync::heads_up_receiver::Receiver::start(Some(SECRET.as_bytes()))
        .await
        .expect("receiver");
    let config = Arc::new(
        crate::heads_ups::HeadsUpConfig::parse(&format!(
            "[[heads_up]]\norganisation = \"Billsbee\"\nname = \"crm\"\nurl = \"{}\"\n\
             format = \"signed\"\nkinds = [\"received\"]\nsecret = \"{SECRET}\"\n",
            receiver.url()
        ))
        .expect("config"),
    );
    let mut app = app().await;
    let state = AppState::new(app.store.clone(), fast_auth())
        .await
        .expect("state")
        .with_heads_ups(config.clone());
    app.router = router(state);
    let sender = holdfast_sync::heads_up::HeadsUpSender::new().expect("sender");
    let store: &dyn ServerStore = app.store.as_ref();
    crate::heads_ups::run_once(store, &config, &sender, jiff::Timestamp::now())
        .await
        .expect("first round");

    let ann = sign_in(&app, "ann").await;
    let case_id = open_case(&app, &ann).await;
    for _ in 0..2 {
        crate::heads_ups::run_once(store, &config, &sender, jiff::Timestamp::now())
            .await
            .expect("round");
    }
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let body: Value = serde_json::from_str(&received[0].body).expect("json");
    assert_eq!(body["case_id"], case_id.to_string());
    assert_eq!(body["recorded_by"], "ann");

    let mia = sign_in(&app, "mia").await;
    let (status, log) = call(Method::GET, "/v1/heads-ups")
        .token(&mia.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert_eq!(
        log["subscriptions"],
        json!([{ "name": "crm", "format": "signed", "kinds": ["received"] }])
    );
    assert_eq!(log["deliveries"][0]["status"], "delivered", "{log}");
    assert_eq!(log["deliveries"][0]["case_id"], case_id.to_string());
    assert!(!log.to_string().contains(&receiver.url()));
    assert!(!log.to_string().contains(SECRET));

    let (status, refused) = call(Method::GET, "/v1/heads-ups")
        .token(&ann.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, _) = call(Method::GET, "/v1/heads-ups").json_response(&app).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
