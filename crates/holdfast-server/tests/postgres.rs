//! The PostgreSQL backend against a real server: the whole storage suite (`store_suite!`), the
//! migrations, two server instances (each with its own pool and router) on one database, and the
//! `holdfast-server` binary serving and administering a PostgreSQL database.
//!
//! The server is named by `HOLDFAST_TEST_POSTGRES_URL` (a role that may `CREATE DATABASE`, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`); every test creates its own database
//! `holdfast_test_<uuid>` on it. Without the variable every test FAILS, saying so: these tests
//! are built only with the `postgres-tests` feature, which `cargo xtask test` turns on after
//! starting a throwaway cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use holdfast_core::audit::ChainHash;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::auth::{hash_password, AuthConfig};
use holdfast_server::checkpoint::verify_checkpoint;
use holdfast_server::http::{router, AppState, MIN_CLIENT_SCHEMA};
use holdfast_server::store::postgres::{PgStore, MIGRATIONS_TABLE, SCHEMA_VERSION};
use holdfast_server::store::suite::{
    case_command, finalize, fixture, receive, steps_before_finalization, Fixture,
};
use holdfast_server::store::ServerStore;
use holdfast_server::ServerError;
use holdfast_sync::protocol::{
    CommandOutcome, PullResponse, PushRequest, PushResponse, Session, SyncedEvent, PROTOCOL_HEADER,
    PROTOCOL_VERSION, SCHEMA_HEADER,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio_postgres::NoTls;
use tower::ServiceExt;
use uuid::Uuid;

const URL_VAR: &str = "HOLDFAST_TEST_POSTGRES_URL";
const PASSWORD: &str = "correct horse battery";

/// The server the tests may create databases on; a missing variable fails the test.
fn server_url() -> String {
    std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: the PostgreSQL tests need a running PostgreSQL server. \
             `cargo xtask test` starts a throwaway cluster and sets it; by hand, start one and \
             set {URL_VAR}=postgres://USER@HOST:PORT/postgres (a role that may CREATE DATABASE)"
        )
    })
}

/// `url` with its database replaced by `database` (the path; a query string is kept).
fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |index| authority_start + index);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Creates an empty database for one test and returns its URL.
async fn fresh_database() -> String {
    let url = server_url();
    let config: tokio_postgres::Config = url
        .parse()
        .unwrap_or_else(|error| panic!("{URL_VAR} is not a PostgreSQL URL: {error}"));
    let (client, connection) = config
        .connect(NoTls)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {URL_VAR} ({url}): {error}"));
    let connection = tokio::spawn(connection);
    let name = format!("holdfast_test_{}", Uuid::now_v7().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|error| panic!("cannot create database {name}: {error:?}"));
    drop(client);
    let _ = connection.await;
    url_with_database(&url, &name)
}

async fn connect(url: &str) -> PgStore {
    let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
    PgStore::connect_config(config, 4)
        .await
        .unwrap_or_else(|error| panic!("connecting to {url}: {error}"))
}

async fn fresh_store() -> PgStore {
    connect(&fresh_database().await).await
}

holdfast_server::store_suite!(fresh_store().await);
holdfast_server::store_suite_trust!(fresh_store().await);
holdfast_server::store_suite_heads_ups!(fresh_store().await);
holdfast_server::store_suite_authz!(fresh_store().await);

mod import_suite {
    use super::*;
    holdfast_server::store_suite_import!(fresh_store().await);
}

mod durable_suite {
    use super::*;
    holdfast_server::store_suite_durable!(fresh_store().await);
}

#[test]
fn database_urls_are_rewritten_for_each_test() {
    assert_eq!(
        url_with_database("postgres://u@h:5/postgres", "t1"),
        "postgres://u@h:5/t1"
    );
    assert_eq!(
        url_with_database("postgres://u@h:5", "t1"),
        "postgres://u@h:5/t1"
    );
    assert_eq!(
        url_with_database("postgresql://u:p@h/db?host=/tmp/x&sslmode=disable", "t1"),
        "postgresql://u:p@h/t1?host=/tmp/x&sslmode=disable"
    );
}

#[tokio::test]
async fn migrations_are_numbered_tracked_and_applied_once() {
    let url = fresh_database().await;
    // Two instances starting at once: the advisory lock lets one migrate, the other finds it done.
    let (first, second) = tokio::join!(connect(&url), connect(&url));
    assert_eq!(
        first.schema_version().await.expect("version"),
        SCHEMA_VERSION
    );
    assert_eq!(
        second.schema_version().await.expect("version"),
        SCHEMA_VERSION
    );

    let config: tokio_postgres::Config = url.parse().expect("url");
    let (client, connection) = config.connect(NoTls).await.expect("connect");
    tokio::spawn(connection);
    let applied: Vec<i32> = client
        .query(
            format!("SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version").as_str(),
            &[],
        )
        .await
        .expect("read")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(applied, (1..=SCHEMA_VERSION as i32).collect::<Vec<_>>());

    // The data survives a reconnect, which migrates nothing again.
    let org = first
        .create_organisation("Acme", jiff::Timestamp::now())
        .await
        .expect("org");
    drop((first, second));
    let again = connect(&url).await;
    assert_eq!(
        again.organisation_by_name("Acme").await.expect("read"),
        Some(org)
    );

    // A database migrated by a newer server is refused.
    client
        .execute(
            format!("INSERT INTO {MIGRATIONS_TABLE} (version) VALUES ($1)").as_str(),
            &[&(SCHEMA_VERSION as i32 + 1)],
        )
        .await
        .expect("insert");
    let refused = PgStore::connect(&url).await;
    assert!(
        matches!(refused, Err(ServerError::NewerSchema { .. })),
        "{:?}",
        refused.err()
    );
}

// ---- two instances on one database ----

fn fast_auth() -> AuthConfig {
    AuthConfig {
        // Cheap hashes keep the tests quick; production uses the defaults.
        argon2: (64, 1, 1),
        ..AuthConfig::default()
    }
}

async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header(SCHEMA_HEADER, MIN_CLIENT_SCHEMA.to_string());
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let mut request = builder.body(body).expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    (status, value)
}

async fn sign_in(router: &Router, user: &str) -> Session {
    let (status, body) = send(
        router,
        Method::POST,
        "/v1/session",
        None,
        Some(json!({"organisation": "Billsbee", "user": user, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("a session")
}

async fn push(router: &Router, token: &str, request: &PushRequest) -> Vec<CommandOutcome> {
    let (status, body) = send(
        router,
        Method::POST,
        "/v1/push",
        Some(token),
        Some(serde_json::to_value(request).expect("json")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let response: PushResponse = serde_json::from_value(body).expect("a push response");
    response
        .results
        .into_iter()
        .map(|result| result.outcome)
        .collect()
}

/// Pulls everything in pages of `page`, checking that each page continues exactly where the
/// previous one ended (no gap, no repeat).
async fn pull_all(router: &Router, token: &str, page: usize) -> (Vec<SyncedEvent>, PullResponse) {
    let mut events: Vec<SyncedEvent> = Vec::new();
    let mut after = 0;
    loop {
        let (status, body) = send(
            router,
            Method::GET,
            &format!("/v1/pull?after={after}&limit={page}"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let response: PullResponse = serde_json::from_value(body).expect("a pull");
        for (index, event) in response.events.iter().enumerate() {
            assert_eq!(event.seq, after + index as u64 + 1, "pulled without a gap");
        }
        events.extend(response.events.iter().cloned());
        after = response.after;
        if !response.more {
            return (events, response);
        }
    }
}

struct Instance {
    router: Router,
    checkpoint_key: String,
}

async fn instance(url: &str) -> Instance {
    let store: Arc<dyn ServerStore> = Arc::new(connect(url).await);
    let state = AppState::new(store, fast_auth()).await.expect("state");
    let checkpoint_key = state.signer.public_key_hex();
    Instance {
        router: router(state),
        checkpoint_key,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_apply_each_command_once_in_one_order() {
    let url = fresh_database().await;
    let setup = connect(&url).await;
    let Fixture {
        mia,
        max,
        ann,
        account_id,
        ..
    } = fixture(&setup).await;
    for user in [&mia, &max, &ann] {
        let hash = hash_password(PASSWORD, &fast_auth()).expect("hash");
        setup
            .set_password_hash(user.id, &hash, jiff::Timestamp::now())
            .await
            .expect("password");
    }
    let (a, b) = tokio::join!(instance(&url), instance(&url));
    assert_eq!(
        a.checkpoint_key, b.checkpoint_key,
        "one signing key per database"
    );
    let mut written: Vec<(Uuid, Uuid)> = Vec::new();

    // A session made on one instance works on the other.
    let mia_session = sign_in(&a.router, "mia").await;
    let max_session = sign_in(&b.router, "max").await;
    let ann_session = sign_in(&a.router, "ann").await;
    let (status, me) = send(
        &b.router,
        Method::GET,
        "/v1/me",
        Some(&mia_session.access_token),
        None,
    )
    .await;
    assert_eq!((status, me["user"].as_str()), (StatusCode::OK, Some("mia")));

    // Four clients work at once, each command pushed through one instance and — a lost
    // acknowledgement retried elsewhere — the same command through the other at the same time.
    // Meanwhile a reader pulls through instance B and must never see a gap.
    const CLIENTS: usize = 4;
    const NOTES: u64 = 6;
    let writers: Vec<_> = (0..CLIENTS)
        .map(|index| {
            let token = [&mia_session, &ann_session][index % 2].access_token.clone();
            let instances = [a.router.clone(), b.router.clone()];
            tokio::spawn(async move {
                let client_id = Uuid::now_v7();
                let case_id = Uuid::now_v7();
                let mut commands = vec![
                    case_command(1, case_id, 0, receive(case_id, account_id)),
                    case_command(2, case_id, 1, CaseCommand::LogRequest),
                ];
                for note in 0..NOTES {
                    commands.push(case_command(
                        3 + note,
                        case_id,
                        2 + note,
                        CaseCommand::AddNote {
                            text: format!("note {note} from client {index}"),
                        },
                    ));
                }
                for (turn, command) in commands.into_iter().enumerate() {
                    let request = PushRequest {
                        client_id,
                        commands: vec![command],
                    };
                    let first = &instances[(index + turn) % 2];
                    let second = &instances[(index + turn + 1) % 2];
                    let (one, other) = tokio::join!(
                        push(first, &token, &request),
                        push(second, &token, &request)
                    );
                    assert_eq!(
                        one,
                        vec![CommandOutcome::Applied],
                        "client {index} turn {turn}"
                    );
                    assert_eq!(other, one, "the retry gets the stored outcome");
                }
                (client_id, case_id)
            })
        })
        .collect();
    let reader = async {
        let mut seen = 0u64;
        for _ in 0..40 {
            let (status, body) = send(
                &b.router,
                Method::GET,
                &format!("/v1/pull?after={seen}&limit=3"),
                Some(&max_session.access_token),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let page: PullResponse = serde_json::from_value(body).expect("a pull");
            for event in &page.events {
                assert_eq!(event.seq, seen + 1, "a concurrent pull saw a gap");
                seen = event.seq;
            }
            tokio::task::yield_now().await;
        }
        seen
    };
    let (_, read) = tokio::join!(
        async {
            for writer in writers {
                written.push(writer.await.expect("a writer"));
            }
        },
        reader
    );
    assert!(read > 0, "the reader pulled while the writers pushed");

    // Two managers finalize one case at once through different instances: one applies, the
    // other is a conflict recorded on the case.
    let (_, contested) = written[0];
    // First what Billsbee waits for before a manager finalizes (reason, route, retention
    // attempt, services suspended), by mia.
    let before = steps_before_finalization();
    let walk = before.len();
    let ready = 2 + NOTES + walk as u64;
    let walked = push(
        &a.router,
        &mia_session.access_token,
        &PushRequest {
            client_id: Uuid::now_v7(),
            commands: (1..)
                .zip(before)
                .map(|(seq, command)| case_command(seq, contested, 2 + NOTES + seq - 1, command))
                .collect(),
        },
    )
    .await;
    assert_eq!(walked, vec![CommandOutcome::Applied; walk]);
    let finalize_from = |client: u128| PushRequest {
        client_id: Uuid::from_u128(client),
        commands: vec![case_command(1, contested, ready, finalize())],
    };
    let (from_mia, from_max) = (finalize_from(1), finalize_from(2));
    let (by_mia, by_max) = tokio::join!(
        push(&a.router, &mia_session.access_token, &from_mia),
        push(&b.router, &max_session.access_token, &from_max)
    );
    let mut outcomes = [by_mia[0].clone(), by_max[0].clone()]
        .map(|outcome| match outcome {
            CommandOutcome::Applied => "applied",
            CommandOutcome::Conflict { .. } => "conflict",
            CommandOutcome::Rejected { .. } => "rejected",
        })
        .to_vec();
    outcomes.sort();
    assert_eq!(outcomes, ["applied", "conflict"]);

    // Both instances serve the same log, in the same order, with the same chain and checkpoint.
    let (through_a, last_a) = pull_all(&a.router, &mia_session.access_token, 7).await;
    let (through_b, last_b) = pull_all(&b.router, &ann_session.access_token, 1000).await;
    assert_eq!(through_a, through_b);
    assert_eq!(last_a.checkpoint, last_b.checkpoint);
    let checkpoint = last_b.checkpoint.expect("a checkpoint");
    assert!(verify_checkpoint(&a.checkpoint_key, &checkpoint));
    let mut previous = ChainHash::GENESIS;
    for (index, event) in through_a.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        previous = holdfast_sync::client::expected_hash(&previous, event);
        assert_eq!(previous.to_hex(), event.chain_hash, "event {}", event.seq);
    }
    assert_eq!(checkpoint.chain_hash, previous.to_hex());

    // Nothing applied twice: 1 import + per client (received, logged, notes) + the contested
    // case's steps before finalization + finalized + conflict_recorded; every command's events
    // once, every case's versions 1..=n.
    let per_client = 2 + NOTES as usize;
    assert_eq!(through_a.len(), 1 + CLIENTS * per_client + walk + 2);
    let ids: BTreeSet<Uuid> = through_a.iter().map(|event| event.record.id).collect();
    assert_eq!(ids.len(), through_a.len());
    let mut origins: BTreeMap<(Uuid, u64), usize> = BTreeMap::new();
    for event in &through_a {
        let origin = event.origin.expect("every event comes from a command");
        *origins.entry((origin.client_id, origin.seq)).or_default() += 1;
    }
    for (client_id, case_id) in &written {
        for seq in 1..=per_client as u64 {
            assert_eq!(
                origins.get(&(*client_id, seq)),
                Some(&1),
                "client {client_id} seq {seq}"
            );
        }
        let versions: Vec<u64> = through_a
            .iter()
            .filter(|event| event.record.aggregate_id == *case_id)
            .map(|event| event.record.aggregate_version)
            .collect();
        let expected = if *case_id == contested {
            per_client + walk + 2
        } else {
            per_client
        };
        assert_eq!(versions, (1..=expected as u64).collect::<Vec<_>>());
    }
}

// ---- the binary on PostgreSQL ----

/// A `holdfast-server` child process, killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn holdfast_server(args: &[&str], url: &str, stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdfast-server"))
        .args(args)
        .args(["--database-url", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("holdfast-server starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    let output = child.wait_with_output().expect("holdfast-server ends");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "holdfast-server {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// One HTTP/1.1 exchange on a plain socket: the status code and the body.
fn http(address: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\
         {PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\n{SCHEMA_HEADER}: {MIN_CLIENT_SCHEMA}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_binary_serves_and_administers_a_postgresql_database() {
    let url = fresh_database().await;
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/billsbee.toml");
    let out = holdfast_server(&["org", "create", "Billsbee"], &url, None);
    assert!(out.contains("created organisation Billsbee"), "{out}");
    holdfast_server(
        &["user", "add", "Billsbee", "mia", "--role", "csm"],
        &url,
        Some(&format!("{PASSWORD}\n")),
    );
    holdfast_server(
        &[
            "user",
            "add",
            "Billsbee",
            "ann",
            "--role",
            "account_manager",
        ],
        &url,
        Some(&format!("{PASSWORD}\n")),
    );
    let out = holdfast_server(
        &["user", "roles", "Billsbee", "mia", "--role", "manager"],
        &url,
        None,
    );
    assert!(out.contains("Manager"), "{out}");
    holdfast_server(&["user", "deactivate", "Billsbee", "ann"], &url, None);
    let out = holdfast_server(&["policy", "publish", "Billsbee", policy], &url, None);
    assert!(out.contains("published policy version"), "{out}");
    let out = holdfast_server(&["verify", "Billsbee"], &url, None);
    assert!(
        out.contains("Billsbee: intact: 0 events, 0 signed checkpoints verified"),
        "{out}"
    );

    // What the commands did is in the database.
    let store = connect(&url).await;
    let org = store
        .organisation_by_name("Billsbee")
        .await
        .expect("read")
        .expect("created");
    let mia = store
        .user_by_name(org.id, "mia")
        .await
        .expect("read")
        .expect("added");
    assert_eq!(mia.roles, vec![holdfast_core::role::Role::Manager]);
    let ann = store
        .user_by_name(org.id, "ann")
        .await
        .expect("read")
        .expect("added");
    assert!(!ann.active);
    assert!(store.current_policy(org.id).await.expect("read").is_some());

    // `serve --database-url` answers sign-ins from that database.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listen = address.to_string();
    // The signing key file goes to a folder of the test's own (issue 12: it is kept outside the
    // database, by default beside the data folder).
    let key_dir = tempfile::tempdir().expect("a folder for the key");
    let key_file = key_dir.path().join("signing-key");
    let key_file = key_file.to_str().expect("utf-8");
    let mut served = Served(
        Command::new(env!("CARGO_BIN_EXE_holdfast-server"))
            .args(["serve", "--listen", &listen, "--database-url", &url])
            .args(["--signing-key", key_file])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(address).is_err() {
        if let Some(status) = served.0.try_wait().expect("child status") {
            panic!("holdfast-server serve exited: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "holdfast-server serve did not listen on {address}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sign_in = |user: &str| {
        json!({"organisation": "Billsbee", "user": user, "password": PASSWORD}).to_string()
    };
    let (status, body) =
        tokio::task::spawn_blocking(move || http(address, "POST", "/v1/session", &sign_in("mia")))
            .await
            .expect("request");
    assert_eq!(status, 200, "{body}");
    let session: Session = serde_json::from_str(&body).expect("a session");
    assert_eq!(session.me.roles, vec![holdfast_core::role::Role::Manager]);
    let (status, body) = tokio::task::spawn_blocking(move || {
        http(
            address,
            "POST",
            "/v1/session",
            &json!({"organisation": "Billsbee", "user": "ann", "password": PASSWORD}).to_string(),
        )
    })
    .await
    .expect("request");
    assert_eq!(status, 403, "a deactivated user: {body}");
    drop(served);
}

// ---- TLS to PostgreSQL (issue 12) ----

/// `url` with `sslmode` (and `sslrootcert`) added to its query string.
fn with_tls(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

/// The throwaway cluster serves no TLS: asking for it is refused with a message that names the
/// sslmode and TLS, never a quiet fall back to plain text.
#[tokio::test]
async fn a_tls_connection_to_a_database_without_tls_is_refused_clearly() {
    let url = fresh_database().await;
    let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-ca.pem");
    let ca = ca.to_str().expect("a UTF-8 path");
    for (query, mode) in [
        (
            format!("sslmode=verify-full&sslrootcert={ca}"),
            "verify-full",
        ),
        ("sslmode=require".to_owned(), "require"),
    ] {
        let refused = PgStore::connect(&with_tls(&url, &query)).await;
        let Err(ServerError::Database(message)) = refused else {
            panic!(
                "{query}: expected a database error, got {:?}",
                refused.err()
            );
        };
        assert!(message.contains(&format!("sslmode={mode}")), "{message}");
        assert!(message.contains("does not support TLS"), "{message}");
    }
    // prefer falls back to plain text against a server without TLS, as libpq does.
    let store = PgStore::connect(&with_tls(&url, "sslmode=prefer"))
        .await
        .expect("prefer connects without TLS");
    store.ping().await.expect("ping");
    // A verifying mode without a CA file is a configuration error before any connection.
    assert!(matches!(
        PgStore::connect(&with_tls(&url, "sslmode=verify-full")).await,
        Err(ServerError::Config(_))
    ));
}

#[tokio::test]
async fn health_is_200_on_postgresql() {
    let store: Arc<dyn ServerStore> = Arc::new(fresh_store().await);
    let state = AppState::new(store, AuthConfig::default())
        .await
        .expect("state");
    let mut request = Request::builder()
        .method(Method::GET)
        .uri("/health")
        .body(Body::empty())
        .expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let response = router(state).oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
}

/// Every row of every table of the database at `url`, as text.
async fn every_row(url: &str) -> String {
    let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
    let (client, connection) = config.connect(NoTls).await.expect("connected");
    let connection = tokio::spawn(connection);
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            &[],
        )
        .await
        .expect("tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(tables.iter().any(|table| table == "events"), "{tables:?}");
    let mut out = String::new();
    for table in tables {
        for row in client
            .query(&format!("SELECT t::text FROM \"{table}\" t"), &[])
            .await
            .expect("rows")
        {
            out.push_str(row.get::<_, &str>(0));
            out.push('\n');
        }
    }
    drop(client);
    let _ = connection.await;
    out
}

/// Issue 14: after an erasure the customer's name, e-mail and phone are in no row of any table of
/// the PostgreSQL database, and the log still verifies.
#[tokio::test]
async fn an_erased_customer_is_in_no_row_of_the_postgresql_database() {
    use holdfast_server::verify::{verify_log, LogVerdict};
    use holdfast_sync::protocol::{PushedCommand, SyncCommand};

    let url = fresh_database().await;
    let store = connect(&url).await;
    let f = fixture(&store).await;
    holdfast_server::store::suite::open_logged_case(&store, &f.mia, Uuid::now_v7(), f.account_id)
        .await;
    let personal = ["Acme Dental", "rae@example.com", "555 010 2030"];
    let before = every_row(&url).await;
    assert!(personal.iter().all(|text| before.contains(text)));

    let erase = PushedCommand {
        seq: 1,
        command: SyncCommand::ErasePersonalData {
            account_id: f.account_id,
        },
        decided_at: holdfast_server::store::suite::now(),
    };
    let outcome = store
        .push_batch(
            f.mia.id,
            Uuid::now_v7(),
            &[erase],
            holdfast_server::store::suite::now(),
        )
        .await
        .expect("pushed");
    assert_eq!(outcome, vec![CommandOutcome::Applied]);
    let after = every_row(&url).await;
    for text in personal {
        assert!(!after.contains(text), "{text} is still in a row");
    }
    assert!(matches!(
        verify_log(&store, f.organisation.id)
            .await
            .expect("verified"),
        LogVerdict::Intact { .. }
    ));
}
