//! Tests of operating the server (issue 12): slow and idle clients and the connection limit
//! against the real accept loop on loopback; request logs, `/health` and `/metrics` through the
//! router.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use holdfast_core::workflow::CaseCommand;
use holdfast_sync::protocol::{
    PushRequest, Session, PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;
use uuid::Uuid;

use crate::auth::{hash_password, AuthConfig};
use crate::http::{router, AppState, MIN_CLIENT_SCHEMA};
use crate::listen::{self, ConnectionLimits};
use crate::observe::{Metrics, MetricsAccess, REQUEST_ID_HEADER};
use crate::store::sqlite::SqliteStore;
use crate::store::suite::{acknowledge, case_command, fixture, Fixture};
use crate::store::ServerStore;

const PASSWORD: &str = "operate-test password 7f3a";
/// Generous: "disconnected within" bounds, never a measurement.
const BOUND: Duration = Duration::from_secs(30);

fn fast_auth() -> AuthConfig {
    AuthConfig {
        argon2: (64, 1, 1),
        ..AuthConfig::default()
    }
}

async fn state() -> (AppState, Fixture) {
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let f = fixture(store.as_ref()).await;
    let auth = fast_auth();
    for user in [&f.mia, &f.max, &f.ann] {
        let hash = hash_password(PASSWORD, &auth).expect("hash");
        store
            .set_password_hash(user.id, &hash, jiff::Timestamp::now())
            .await
            .expect("password");
    }
    let state = AppState::new(store, auth).await.expect("state");
    (state, f)
}

// ---- the accept loop ----

struct Running {
    address: SocketAddr,
    metrics: Arc<Metrics>,
    server: tokio::task::JoinHandle<crate::Result<()>>,
}

async fn serve(limits: ConnectionLimits) -> Running {
    let (state, _) = state().await;
    let state = state.with_request_timeout(limits.request_timeout);
    let metrics = state.metrics.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(listen::serve(
        listener,
        router(state),
        None,
        limits,
        metrics.clone(),
        std::future::pending(),
    ));
    Running {
        address,
        metrics,
        server,
    }
}

fn short(limits: ConnectionLimits) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(500),
        write_timeout: Duration::from_millis(500),
        ..limits
    }
}

/// Reads until the server closes the connection (or fails it); what it sent before.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let outcome = tokio::time::timeout(BOUND, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(buffer.get(..n).unwrap_or_default()),
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "the server kept the connection open: {}",
        String::from_utf8_lossy(&received)
    );
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends `GET /health` on a kept-alive connection and reads one whole response.
async fn health_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(BOUND, async {
        loop {
            let n = stream.read(&mut buffer).await.expect("read");
            assert!(n > 0, "closed: {}", String::from_utf8_lossy(&received));
            received.extend_from_slice(buffer.get(..n).unwrap_or_default());
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())
                            .flatten()
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return text;
                }
            }
        }
    })
    .await
    .expect("a response in time")
}

#[tokio::test]
async fn a_half_sent_request_head_is_disconnected_after_the_header_timeout() {
    let running = serve(short(ConnectionLimits::default())).await;
    let mut stream = TcpStream::connect(running.address).await.expect("connect");
    stream
        .write_all(b"GET /v1/me HTTP/1.1\r\nhost: local")
        .await
        .expect("write");
    let received = read_until_closed(&mut stream).await;
    assert!(!received.contains(" 200 "), "{received}");
    // A client that sends nothing at all is closed too.
    let mut silent = TcpStream::connect(running.address).await.expect("connect");
    read_until_closed(&mut silent).await;
    running.server.abort();
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let running = serve(short(ConnectionLimits::default())).await;
    let mut stream = TcpStream::connect(running.address).await.expect("connect");
    let response = health_on(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // Kept alive after the response, then closed when no next request comes.
    let rest = read_until_closed(&mut stream).await;
    assert!(rest.is_empty(), "{rest}");
    running.server.abort();
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408_and_the_connection_closed() {
    let running = serve(short(ConnectionLimits::default())).await;
    let mut stream = TcpStream::connect(running.address).await.expect("connect");
    let head = format!(
        "POST /v1/session HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
         content-length: 200\r\n{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\n\
         {SCHEMA_HEADER}: {MIN_CLIENT_SCHEMA}\r\n\r\n{{\"organisation\":"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let received = read_until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("\"kind\":\"validation\""), "{received}");
    assert!(received.contains("\"field\":\"body\""), "{received}");
    running.server.abort();
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed_at_once_and_served_again_when_one_ends() {
    // Long timeouts: only the limit may close anything here.
    let running = serve(ConnectionLimits {
        max_connections: 2,
        ..ConnectionLimits::default()
    })
    .await;
    let mut first = TcpStream::connect(running.address).await.expect("connect");
    let mut second = TcpStream::connect(running.address).await.expect("connect");
    // Both are served (so both hold their place) and kept alive.
    assert!(health_on(&mut first).await.starts_with("HTTP/1.1 200"));
    assert!(health_on(&mut second).await.starts_with("HTTP/1.1 200"));
    let mut third = TcpStream::connect(running.address).await.expect("connect");
    let _ = third
        .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await;
    let refused = read_until_closed(&mut third).await;
    assert!(refused.is_empty(), "the third was served: {refused}");
    assert_eq!(running.metrics.connections_refused.get(), 1);
    // The first two still work.
    assert!(health_on(&mut first).await.starts_with("HTTP/1.1 200"));
    // When one ends, a new connection is served (once the server has seen it end).
    drop(first);
    let served = tokio::time::timeout(BOUND, async {
        loop {
            let mut next = TcpStream::connect(running.address).await.expect("connect");
            let _ = next
                .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
                .await;
            let response = read_until_closed(&mut next).await;
            if response.starts_with("HTTP/1.1 200") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(served.is_ok(), "no connection was served after one ended");
    running.server.abort();
}

#[tokio::test]
async fn a_client_that_stops_reading_fails_the_write_after_the_write_timeout() {
    let (client, server) = tokio::io::duplex(64);
    let mut deadlined = listen::WriteDeadline::new(server, Duration::from_millis(200));
    // Nobody reads `client`: the pipe fills and the write stalls.
    let result = tokio::time::timeout(BOUND, deadlined.write_all(&[0u8; 4096])).await;
    let error = result
        .expect("the write failed in time")
        .expect_err("timed out");
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    drop(client);
}

#[test]
fn serve_takes_the_limits_as_flags_with_the_documented_defaults() {
    use clap::Parser;
    let cli = crate::cli::Cli::try_parse_from(["holdfast-server", "serve"]).expect("parses");
    let crate::cli::Command::Serve { operate, .. } = cli.command else {
        panic!("serve");
    };
    assert_eq!(operate.limits(), ConnectionLimits::default());
    assert_eq!(operate.log_format, crate::observe::LogFormat::Text);
    let cli = crate::cli::Cli::try_parse_from([
        "holdfast-server",
        "serve",
        "--max-connections",
        "64",
        "--header-timeout",
        "5",
        "--request-timeout",
        "20",
        "--write-timeout",
        "15",
        "--log-format",
        "json",
        "--metrics-token-file",
        "/etc/holdfast/metrics-token",
    ])
    .expect("parses");
    let crate::cli::Command::Serve { operate, .. } = cli.command else {
        panic!("serve");
    };
    let limits = operate.limits();
    assert_eq!(limits.max_connections, 64);
    assert_eq!(limits.header_timeout, Duration::from_secs(5));
    assert_eq!(limits.request_timeout, Duration::from_secs(20));
    assert_eq!(limits.write_timeout, Duration::from_secs(15));
    assert_eq!(operate.log_format, crate::observe::LogFormat::Json);
    assert!(
        crate::cli::Cli::try_parse_from(["holdfast-server", "serve", "--header-timeout", "0"])
            .is_err()
    );
}

// ---- through the router ----

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn request_id(&self) -> String {
        self.headers
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .expect("an X-Request-Id")
            .to_owned()
    }
}

struct Send<'a> {
    method: Method,
    uri: &'a str,
    token: Option<&'a str>,
    body: Option<Value>,
    protocol_headers: bool,
    peer: [u8; 4],
    forwarded_for: Option<&'a str>,
}

fn send(method: Method, uri: &str) -> Send<'_> {
    Send {
        method,
        uri,
        token: None,
        body: None,
        protocol_headers: true,
        peer: [127, 0, 0, 1],
        forwarded_for: None,
    }
}

impl<'a> Send<'a> {
    fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }
    fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn bare(mut self) -> Self {
        self.protocol_headers = false;
        self
    }
    fn from(mut self, peer: [u8; 4]) -> Self {
        self.peer = peer;
        self
    }
    fn forwarded_for(mut self, value: &'a str) -> Self {
        self.forwarded_for = Some(value);
        self
    }

    async fn to(self, router: &Router) -> Reply {
        let mut builder = Request::builder().method(self.method).uri(self.uri);
        if self.protocol_headers {
            builder = builder
                .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                .header(SCHEMA_HEADER, MIN_CLIENT_SCHEMA.to_string());
        }
        if let Some(token) = self.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(forwarded) = self.forwarded_for {
            builder = builder.header("x-forwarded-for", forwarded);
        }
        let body = match self.body {
            Some(value) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body).expect("request");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((self.peer, 40_000))));
        let response = router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }
}

async fn sign_in(router: &Router, user: &str, password: &str) -> Reply {
    send(Method::POST, "/v1/session")
        .json(json!({"organisation": "Billsbee", "user": user, "password": password}))
        .to(router)
        .await
}

/// A writer the test reads back: every log line the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn lines(&self) -> Vec<Value> {
        let text = self
            .0
            .lock()
            .map(|buffer| String::from_utf8_lossy(&buffer).into_owned())
            .unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str(line).expect("a JSON log line"))
            .collect()
    }
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|buffer| String::from_utf8_lossy(&buffer).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn each_request_is_one_structured_log_line_without_secrets_or_customer_data() {
    use tracing::instrument::WithSubscriber;
    let (state, f) = state().await;
    let router = router(state);
    let captured = Captured::default();
    // Everything, at the most verbose level, as the JSON format writes it.
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .finish();
    let customer_name = "Quentin Privateperson";
    let customer_contact = "+1 555 0199 7788";
    let wrong_password = "a wrong password 91c2";
    let case_id = Uuid::now_v7();
    let (session, pushed, refreshed, refused) = async {
        let refused = sign_in(&router, "mia", wrong_password).await;
        let signed_in = sign_in(&router, "mia", PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
        let session: Session = serde_json::from_slice(&signed_in.body).expect("a session");
        let request = PushRequest {
            client_id: Uuid::now_v7(),
            commands: vec![case_command(
                1,
                case_id,
                0,
                CaseCommand::Receive {
                    case_id,
                    account_id: f.account_id,
                    channel: holdfast_core::case::RequestChannel::Phone,
                    requester_name: customer_name.into(),
                    requester_contact: customer_contact.into(),
                    received_at: None,
                },
            )],
        };
        let pushed = send(Method::POST, "/v1/push")
            .token(&session.access_token)
            .json(serde_json::to_value(&request).expect("json"))
            .to(&router)
            .await;
        let pulled = send(Method::GET, "/v1/pull?after=0&limit=50")
            .token(&session.access_token)
            .to(&router)
            .await;
        assert_eq!(pulled.status, StatusCode::OK);
        assert!(pulled.text().contains(customer_name), "the pull carries it");
        let refreshed = send(Method::POST, "/v1/session/refresh")
            .json(json!({"refresh_token": session.refresh_token}))
            .to(&router)
            .await;
        (session, pushed, refreshed, refused)
    }
    .with_subscriber(subscriber)
    .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    assert_eq!(pushed.json()["results"][0]["outcome"]["outcome"], "applied");
    assert_eq!(refreshed.status, StatusCode::OK);
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let renewed: Session = serde_json::from_slice(&refreshed.body).expect("a session");

    let text = captured.text();
    for secret in [
        PASSWORD,
        wrong_password,
        session.access_token.as_str(),
        session.refresh_token.as_str(),
        renewed.access_token.as_str(),
        renewed.refresh_token.as_str(),
        customer_name,
        customer_contact,
        "Quentin",
        "0199",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}:\n{text}");
    }

    let requests = captured
        .lines()
        .into_iter()
        .filter(|line| line["target"] == "holdfast_server::request")
        .collect::<Vec<_>>();
    assert_eq!(requests.len(), 5, "one line per request:\n{text}");
    let line_of = |reply: &Reply| {
        requests
            .iter()
            .find(|line| line["request_id"] == reply.request_id())
            .cloned()
            .unwrap_or_else(|| panic!("no line for {}:\n{text}", reply.request_id()))
    };
    let push_line = line_of(&pushed);
    assert_eq!(push_line["route"], "/v1/push");
    assert_eq!(push_line["method"], "POST");
    assert_eq!(push_line["status"], 200);
    assert!(push_line["latency_ms"].as_f64().is_some(), "{push_line}");
    assert_eq!(push_line["user_id"], f.mia.id.to_string());
    assert_eq!(push_line["organisation_id"], f.organisation.id.to_string());
    assert_eq!(push_line["level"], "INFO");
    let refused_line = line_of(&refused);
    assert_eq!(refused_line["route"], "/v1/session");
    assert_eq!(refused_line["status"], 401);
    assert!(refused_line.get("user_id").is_none(), "{refused_line}");
    // The route is the template: the query string (and any id in a path) is not logged.
    assert!(
        requests.iter().any(|line| line["route"] == "/v1/pull"),
        "{text}"
    );
    assert!(!text.contains("after=0"), "{text}");
    // Request ids differ.
    let mut ids = requests
        .iter()
        .map(|line| line["request_id"].to_string())
        .collect::<Vec<_>>();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn every_answer_carries_a_request_id_even_a_refusal() {
    let (state, _) = state().await;
    let router = router(state);
    let upgrade = send(Method::GET, "/v1/me").bare().to(&router).await;
    assert_eq!(upgrade.status, StatusCode::UPGRADE_REQUIRED);
    let unknown = send(Method::GET, "/v1/nothing-here").to(&router).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_ne!(upgrade.request_id(), unknown.request_id());
    assert!(Uuid::parse_str(&upgrade.request_id()).is_ok());
}

#[tokio::test]
async fn health_answers_without_protocol_headers_or_sign_in() {
    let (state, _) = state().await;
    let router = router(state);
    let reply = send(Method::GET, "/health").bare().to(&router).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json(), json!({"status": "ok"}));
    // From anywhere: a load balancer's health check is not on loopback.
    let reply = send(Method::GET, "/health")
        .bare()
        .from([10, 1, 2, 3])
        .to(&router)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[test]
fn health_is_503_when_the_database_fails_or_does_not_answer() {
    let failed = crate::observe::health_answer(Ok(Err(crate::ServerError::Database(
        "connection refused".into(),
    ))));
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    let slow = crate::observe::health_answer(Err(()));
    assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        crate::observe::health_answer(Ok(Ok(()))).status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_count_requests_pushes_and_sign_in_failures() {
    let (state, f) = state().await;
    let router = router(state);
    assert_eq!(
        sign_in(&router, "mia", "not the password at all")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let signed_in = sign_in(&router, "mia", PASSWORD).await;
    let session: Session = serde_json::from_slice(&signed_in.body).expect("a session");
    let case_id = Uuid::now_v7();
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![
            case_command(
                1,
                case_id,
                0,
                crate::store::suite::receive(case_id, f.account_id),
            ),
            // A case never received: rejected by the engine.
            case_command(2, Uuid::now_v7(), 0, acknowledge()),
        ],
    };
    let pushed = send(Method::POST, "/v1/push")
        .token(&session.access_token)
        .json(serde_json::to_value(&request).expect("json"))
        .to(&router)
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());

    let reply = send(Method::GET, "/metrics").bare().to(&router).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain; version=0.0.4")));
    let text = reply.text();
    for expected in [
        r#"holdfast_http_requests_total{method="POST",route="/v1/session",status="401"} 1"#,
        r#"holdfast_http_requests_total{method="POST",route="/v1/session",status="200"} 1"#,
        r#"holdfast_http_requests_total{method="POST",route="/v1/push",status="200"} 1"#,
        r#"holdfast_http_request_duration_seconds_count{route="/v1/push"} 1"#,
        r#"holdfast_http_request_duration_seconds_bucket{route="/v1/push",le="+Inf"} 1"#,
        r#"holdfast_push_commands_total{outcome="applied"} 1"#,
        r#"holdfast_push_commands_total{outcome="rejected"} 1"#,
        r#"holdfast_sign_in_failures_total{reason="unauthorized"} 1"#,
        "holdfast_connections_refused_total 0",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
    assert!(!text.contains(&session.access_token));
}

#[tokio::test]
async fn metrics_are_served_to_loopback_or_the_token_only() {
    let token = "a metrics token of some length";
    let (state, _) = state().await;
    let proxy = std::net::IpAddr::from([127, 0, 0, 2]);
    let router = router(
        state
            .with_trusted_proxies(vec![proxy])
            .with_metrics_access(MetricsAccess::with_token(token).expect("token")),
    );
    let ok = send(Method::GET, "/metrics").bare().to(&router).await;
    assert_eq!(ok.status, StatusCode::OK);
    let remote = send(Method::GET, "/metrics")
        .bare()
        .from([10, 0, 0, 5])
        .to(&router)
        .await;
    assert_eq!(remote.status, StatusCode::FORBIDDEN);
    assert_eq!(remote.json()["kind"], "forbidden");
    assert!(!remote.text().contains("holdfast_"));
    let wrong = send(Method::GET, "/metrics")
        .bare()
        .from([10, 0, 0, 5])
        .token("a metrics token of some lengtH")
        .to(&router)
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let with_token = send(Method::GET, "/metrics")
        .bare()
        .from([10, 0, 0, 5])
        .token(token)
        .to(&router)
        .await;
    assert_eq!(with_token.status, StatusCode::OK);
    assert!(with_token.text().contains("holdfast_http_requests_total"));
    // Through a proxy on the same host, loopback is not enough.
    let proxied = send(Method::GET, "/metrics")
        .bare()
        .from([127, 0, 0, 2])
        .forwarded_for("203.0.113.9")
        .to(&router)
        .await;
    assert_eq!(proxied.status, StatusCode::FORBIDDEN);
    let forwarded = send(Method::GET, "/metrics")
        .bare()
        .forwarded_for("203.0.113.9")
        .to(&router)
        .await;
    assert_eq!(forwarded.status, StatusCode::FORBIDDEN);
    // A short token is refused when the server starts.
    assert!(MetricsAccess::with_token("short").is_err());
}
