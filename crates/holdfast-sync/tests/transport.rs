//! The sync transport (`holdfast_sync::transport::SyncClient`) against the real sync server's
//! router, served in-process on a loopback port: over plain HTTP (axum::serve), and over HTTPS
//! with rustls and a certificate from a throwaway CA (axum-server, as `holdfast-server serve
//! --tls-cert` does). Also what it makes of a server that is not there, or not the protocol.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::{draft, receive, ORGANISATION, POLICY};
use holdfast_core::role::Role;
use holdfast_server::admin;
use holdfast_server::auth::AuthConfig;
use holdfast_server::http::{router, AppState, MIN_CLIENT_SCHEMA};
use holdfast_server::store::sqlite::SqliteStore;
use holdfast_server::store::ServerStore;
use holdfast_sync::protocol::{
    CommandOrigin, CommandOutcome, ErrorBody, PushRequest, PushedCommand, SignIn, SyncCommand,
    MAX_BATCH, PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER,
};
use holdfast_sync::transport::{SyncClient, TransportError};
use jiff::Timestamp;
use tokio::task::JoinHandle;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";
const SCHEMA: u32 = MIN_CLIENT_SCHEMA;

/// What went through the server: each request's path and headers as they arrived (before
/// decompression) and the answer's headers as they left (after compression).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, HeaderMap, HeaderMap)>>>);

impl Seen {
    fn of(&self, path: &str) -> Vec<(HeaderMap, HeaderMap)> {
        self.0
            .lock()
            .expect("not poisoned")
            .iter()
            .filter(|(seen, _, _)| seen == path)
            .map(|(_, request, response)| (request.clone(), response.clone()))
            .collect()
    }
}

async fn record(State(seen): State<Seen>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let response = next.run(request).await;
    seen.0
        .lock()
        .expect("not poisoned")
        .push((path, headers, response.headers().clone()));
    response
}

/// The sync server on SQLite (in memory): organisation Billsbee without a policy, and "ann", an
/// account manager with `PASSWORD`.
struct TestServer {
    store: Arc<dyn ServerStore>,
    app: Router,
    seen: Seen,
}

impl TestServer {
    async fn new() -> TestServer {
        let store: Arc<dyn ServerStore> = Arc::new(SqliteStore::open_in_memory().expect("a store"));
        let auth = AuthConfig {
            // Cheap hashes keep the tests quick; production uses the defaults.
            argon2: (64, 1, 1),
            ..AuthConfig::default()
        };
        admin::create_organisation(store.as_ref(), ORGANISATION)
            .await
            .expect("the organisation");
        admin::add_user(
            store.as_ref(),
            &auth,
            ORGANISATION,
            "ann",
            &[Role::AccountManager],
            PASSWORD.into(),
        )
        .await
        .expect("ann");
        let state = AppState::new(store.clone(), auth).await.expect("state");
        let seen = Seen::default();
        let app = router(state).layer(middleware::from_fn_with_state(seen.clone(), record));
        TestServer { store, app, seen }
    }

    async fn publish_policy(&self) {
        admin::publish_policy(self.store.as_ref(), ORGANISATION, POLICY)
            .await
            .expect("published");
    }
}

/// A server task, stopped when dropped.
struct Serving {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `app` over plain HTTP on 127.0.0.1 (a free port).
async fn serve_plain(app: Router) -> Serving {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("an address");
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, service).await {
            eprintln!("the test server stopped: {error}");
        }
    });
    Serving { address, task }
}

fn sign_in_as(user: &str, password: &str) -> SignIn {
    SignIn {
        organisation: ORGANISATION.into(),
        user: user.into(),
        password: password.into(),
    }
}

fn ann() -> SignIn {
    sign_in_as("ann", PASSWORD)
}

fn assert_unauthorized<T: std::fmt::Debug>(result: Result<T, TransportError>) {
    assert!(
        matches!(
            result,
            Err(TransportError::Server(ErrorBody::Unauthorized { .. }))
        ),
        "{result:?}"
    );
}

async fn plain() -> (TestServer, Serving, SyncClient) {
    let server = TestServer::new().await;
    let serving = serve_plain(server.app.clone()).await;
    // The trailing slash is tolerated.
    let client = SyncClient::new(
        &format!("http://127.0.0.1:{}/", serving.address.port()),
        SCHEMA,
    )
    .expect("a loopback address");
    assert_eq!(
        client.address(),
        format!("http://127.0.0.1:{}", serving.address.port())
    );
    (server, serving, client)
}

#[tokio::test]
async fn sign_in_and_me_and_a_wrong_password() {
    let (server, _serving, client) = plain().await;

    let session = client.sign_in(&ann()).await.expect("signed in");
    assert_eq!(session.me.organisation, ORGANISATION);
    assert_eq!(session.me.user, "ann");
    assert_eq!(session.me.roles, vec![Role::AccountManager]);
    assert!(session.me.active);
    assert!(session.access_expires_at > Timestamp::now());
    assert_eq!(
        client.me(&session.access_token).await.expect("me"),
        session.me
    );

    assert_unauthorized(client.sign_in(&sign_in_as("ann", "wrong password")).await);
    assert_unauthorized(client.sign_in(&sign_in_as("nobody", PASSWORD)).await);
    assert_unauthorized(client.me("not-a-token").await);
    // A token that cannot even be a header is refused the same way, without a request.
    let before = server.seen.of("/v1/me").len();
    assert_unauthorized(client.me("two\nlines").await);
    assert_eq!(server.seen.of("/v1/me").len(), before);

    // Every request named the protocol and the client's schema.
    for (request, _) in server.seen.of("/v1/session") {
        assert_eq!(
            request[PROTOCOL_HEADER],
            PROTOCOL_VERSION.to_string().as_str()
        );
        assert_eq!(request[SCHEMA_HEADER], SCHEMA.to_string().as_str());
    }
    let (me_request, _) = &server.seen.of("/v1/me")[0];
    assert_eq!(
        me_request[header::AUTHORIZATION],
        format!("Bearer {}", session.access_token).as_str()
    );
}

#[tokio::test]
async fn the_policy_is_none_until_one_is_published() {
    let (server, _serving, client) = plain().await;
    let session = client.sign_in(&ann()).await.expect("signed in");

    assert_eq!(client.policy(&session.access_token).await, Ok(None));
    server.publish_policy().await;
    let published = client
        .policy(&session.access_token)
        .await
        .expect("the policy")
        .expect("published");
    assert_eq!(published.version, 1);
    assert_eq!(published.source, POLICY);
    // Not signed in is still an error, not "no policy".
    assert_unauthorized(client.policy("not-a-token").await);
}

#[tokio::test]
async fn push_and_pull_round_trip_compressed() {
    let (server, _serving, client) = plain().await;
    server.publish_policy().await;
    let session = client.sign_in(&ann()).await.expect("signed in");
    let token = &session.access_token;

    let client_id = Uuid::now_v7();
    let case_id = Uuid::now_v7();
    let decided_at = Timestamp::now();
    let request = PushRequest {
        client_id,
        commands: vec![
            PushedCommand {
                seq: 1,
                command: SyncCommand::ImportAccounts {
                    accounts: vec![draft("A-1")],
                },
                decided_at,
            },
            PushedCommand {
                seq: 2,
                command: SyncCommand::Case {
                    case_id,
                    base_version: 0,
                    command: receive(case_id),
                },
                decided_at,
            },
        ],
    };
    let pushed = client.push(token, &request).await.expect("pushed");
    assert_eq!(pushed.results.len(), 2);
    for (result, seq) in pushed.results.iter().zip([1, 2]) {
        assert_eq!(result.seq, seq);
        assert_eq!(result.outcome, CommandOutcome::Applied, "{result:?}");
    }
    // Pushed again (the answer was lost): acknowledged, not applied twice.
    let again = client.push(token, &request).await.expect("pushed again");
    assert_eq!(again, pushed);

    let page = client.pull(token, 0, MAX_BATCH).await.expect("pulled");
    assert!(!page.more);
    assert_eq!(page.events.len(), 2, "{:?}", page.events);
    assert_eq!(page.after, page.events[1].seq);
    assert_eq!(page.events[0].record.aggregate_type, "account");
    assert_eq!(
        page.events[0].origin,
        Some(CommandOrigin { client_id, seq: 1 })
    );
    assert_eq!(page.events[1].record.aggregate_type, "case");
    assert_eq!(page.events[1].record.aggregate_id, case_id);
    assert_eq!(
        page.events[1].origin,
        Some(CommandOrigin { client_id, seq: 2 })
    );
    assert!(page.checkpoint.is_some());

    // Paging: one at a time, from the cursor.
    let first = client.pull(token, 0, 1).await.expect("first page");
    assert!(first.more);
    assert_eq!(first.events, page.events[..1]);
    let second = client
        .pull(token, first.after, 1)
        .await
        .expect("second page");
    assert_eq!(second.events, page.events[1..]);
    let empty = client
        .pull(token, page.after, 10)
        .await
        .expect("nothing new");
    assert!(empty.events.is_empty());

    // The push went gzip-compressed; answers come compressed the way the client asked.
    let pushes = server.seen.of("/v1/push");
    assert_eq!(pushes.len(), 2);
    for (request, _) in &pushes {
        assert_eq!(request[header::CONTENT_ENCODING], "gzip");
        assert_eq!(request[header::CONTENT_TYPE], "application/json");
    }
    let (pull_request, pull_response) = &server.seen.of("/v1/pull")[0];
    let accepted = pull_request[header::ACCEPT_ENCODING]
        .to_str()
        .expect("text");
    assert!(
        accepted.contains("gzip") && accepted.contains("zstd"),
        "{accepted}"
    );
    let encoding = pull_response[header::CONTENT_ENCODING]
        .to_str()
        .expect("text");
    assert!(["gzip", "zstd"].contains(&encoding), "{encoding}");
}

#[tokio::test]
async fn a_push_with_a_sequence_gap_is_a_typed_error() {
    let (_server, _serving, client) = plain().await;
    let session = client.sign_in(&ann()).await.expect("signed in");
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![PushedCommand {
            seq: 3,
            command: SyncCommand::ImportAccounts {
                accounts: vec![draft("A-1")],
            },
            decided_at: Timestamp::now(),
        }],
    };
    assert_eq!(
        client.push(&session.access_token, &request).await,
        Err(TransportError::Server(ErrorBody::SequenceGap {
            expected: 1,
            got: 3
        }))
    );
}

#[tokio::test]
async fn refresh_turns_a_refresh_token_into_a_new_pair_once() {
    let (_server, _serving, client) = plain().await;
    let session = client.sign_in(&ann()).await.expect("signed in");

    let next = client
        .refresh(&session.refresh_token)
        .await
        .expect("refreshed");
    assert_ne!(next.access_token, session.access_token);
    assert_ne!(next.refresh_token, session.refresh_token);
    assert_eq!(next.me, session.me);
    assert_eq!(client.me(&next.access_token).await.expect("me"), session.me);
    // The old refresh token was revoked by its use.
    assert_unauthorized(client.refresh(&session.refresh_token).await);
}

#[tokio::test]
async fn signing_out_revokes_the_tokens() {
    let (_server, _serving, client) = plain().await;

    // The access token only: the refresh token lives on.
    let session = client.sign_in(&ann()).await.expect("signed in");
    client
        .sign_out(&session.access_token)
        .await
        .expect("signed out");
    assert_unauthorized(client.me(&session.access_token).await);
    let next = client
        .refresh(&session.refresh_token)
        .await
        .expect("the refresh token still works");

    // The whole session: neither token works afterwards; twice is not an error.
    client
        .sign_out_session(&next.access_token, &next.refresh_token)
        .await
        .expect("signed out");
    assert_unauthorized(client.me(&next.access_token).await);
    assert_unauthorized(client.refresh(&next.refresh_token).await);
    client
        .sign_out_session(&next.access_token, &next.refresh_token)
        .await
        .expect("signed out again");
}

#[tokio::test]
async fn an_outdated_schema_is_told_to_upgrade() {
    let server = TestServer::new().await;
    let serving = serve_plain(server.app.clone()).await;
    let old = SyncClient::new(
        &format!("http://localhost:{}", serving.address.port()),
        MIN_CLIENT_SCHEMA - 1,
    )
    .expect("a loopback address");
    assert_eq!(old.schema_version(), MIN_CLIENT_SCHEMA - 1);
    let result = old.sign_in(&ann()).await;
    assert!(
        matches!(
            &result,
            Err(TransportError::Server(ErrorBody::UpgradeRequired { message }))
                if message.contains("update the app")
        ),
        "{result:?}"
    );
}

/// A desk speaking `protocol` (this build's, or one older or newer) to `serving`.
fn desk_speaking(serving: &Serving, protocol: u32) -> SyncClient {
    SyncClient::speaking_protocol(&format!("http://{}", serving.address), SCHEMA, protocol)
        .expect("a loopback address")
}

fn assert_server_outdated<T: std::fmt::Debug>(
    result: Result<T, TransportError>,
    server_protocol: Option<u32>,
) {
    match result {
        Err(error @ TransportError::ServerOutdated { .. }) => {
            assert_eq!(
                error,
                TransportError::ServerOutdated {
                    server_protocol,
                    client_protocol: PROTOCOL_VERSION + 1,
                }
            );
            // The words the desk shows (it shows the error's text).
            let words = error.to_string();
            assert!(
                words.starts_with("the team server runs an older version of Holdfast"),
                "{words}"
            );
            assert!(
                words.contains("ask whoever runs it to upgrade the server"),
                "{words}"
            );
        }
        other => panic!("expected ServerOutdated, got {other:?}"),
    }
}

#[tokio::test]
async fn the_server_says_which_versions_it_serves() {
    let (_server, _serving, client) = plain().await;
    let version = client.server_version().await.expect("the version");
    assert_eq!(version, holdfast_server::http::server_version());
    assert_eq!(version.protocol, PROTOCOL_VERSION);
    assert_eq!(version.min_client_schema, MIN_CLIENT_SCHEMA);
    assert_eq!(version.server, env!("CARGO_PKG_VERSION"));
}

/// A desk of a later release (one protocol ahead) talking to this server: every call fails as
/// `ServerOutdated` with the server's protocol, never as the desk's own fault or as offline.
#[tokio::test]
async fn a_newer_desk_is_told_the_server_runs_an_older_version() {
    let (_server, serving, current) = plain().await;
    let session = current.sign_in(&ann()).await.expect("signed in");
    let newer = desk_speaking(&serving, PROTOCOL_VERSION + 1);
    assert_server_outdated(newer.sign_in(&ann()).await, Some(PROTOCOL_VERSION));
    assert_server_outdated(
        newer.me(&session.access_token).await,
        Some(PROTOCOL_VERSION),
    );
    assert_server_outdated(
        newer.policy(&session.access_token).await,
        Some(PROTOCOL_VERSION),
    );
    assert_server_outdated(
        newer.pull(&session.access_token, 0, 10).await,
        Some(PROTOCOL_VERSION),
    );
    // The version itself answers a newer desk: it is how it tells.
    assert_eq!(
        newer.server_version().await.expect("the version").protocol,
        PROTOCOL_VERSION
    );
}

/// A desk of an earlier release (one protocol behind): the server's own "update the app" stands.
#[tokio::test]
async fn an_older_desk_is_told_to_update_the_app() {
    let (_server, serving, _current) = plain().await;
    let older = desk_speaking(&serving, PROTOCOL_VERSION - 1);
    let result = older.sign_in(&ann()).await;
    assert!(
        matches!(
            &result,
            Err(TransportError::Server(ErrorBody::UpgradeRequired { message }))
                if message.contains("update the app")
        ),
        "{result:?}"
    );
}

/// The real server as it was before `GET /v1/version`: the route is not there (its request is
/// sent on to a path the router does not know, so the answer is the router's own: 404 to a desk
/// of its protocol, upgrade_required to one of a newer protocol).
fn without_the_version_route(app: Router) -> Router {
    Router::new()
        .fallback_service(app)
        .layer(middleware::map_request(|mut request: Request| async move {
            if request.uri().path() == "/v1/version" {
                *request.uri_mut() = "/v1/version-of-a-later-release".parse().expect("a path");
            }
            request
        }))
}

#[tokio::test]
async fn a_server_from_before_the_version_route_is_outdated() {
    let server = TestServer::new().await;
    let serving = serve_plain(without_the_version_route(server.app.clone())).await;
    // A desk of its own protocol syncs as before; only the new route is missing, and that
    // 404 says the server is older, not that something was not found.
    let current = desk_speaking(&serving, PROTOCOL_VERSION);
    current.sign_in(&ann()).await.expect("signed in");
    let result = current.server_version().await;
    assert!(
        matches!(
            result,
            Err(TransportError::ServerOutdated {
                server_protocol: None,
                client_protocol: PROTOCOL_VERSION
            })
        ),
        "{result:?}"
    );
    // A newer desk: upgrade_required, and the version route missing too.
    let newer = desk_speaking(&serving, PROTOCOL_VERSION + 1);
    assert_server_outdated(newer.sign_in(&ann()).await, None);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("an address");
    drop(listener);
    let client = SyncClient::new(&format!("http://{address}"), SCHEMA).expect("a loopback address");
    let result = client.sign_in(&ann()).await;
    assert!(
        matches!(result, Err(TransportError::Unreachable(_))),
        "{result:?}"
    );
    let result = client.pull("token", 0, 10).await;
    assert!(
        matches!(result, Err(TransportError::Unreachable(_))),
        "{result:?}"
    );
}

#[test]
fn only_https_or_loopback_http_addresses() {
    for address in [
        "http://sync.example.com",
        "http://192.168.1.20:8080",
        "ws://localhost:7000",
        "sync.example.com",
        "",
        "https://ann:secret@sync.example.com",
    ] {
        let result = SyncClient::new(address, SCHEMA);
        assert!(
            matches!(result, Err(TransportError::InvalidAddress { .. })),
            "{address}: {result:?}"
        );
    }
    for address in [
        "https://sync.example.com",
        "https://sync.example.com:8443/holdfast/",
        "http://localhost:7000",
        "http://127.0.0.2:7000",
        "http://[::1]:7000",
    ] {
        assert!(SyncClient::new(address, SCHEMA).is_ok(), "{address}");
    }
}

/// A server that is something else: a proxy's error page, a 200 that is not JSON.
#[tokio::test]
async fn an_answer_that_is_not_the_protocol_is_unreadable() {
    let app = Router::new()
        .route("/v1/me", get(|| async { "<html>hello</html>" }))
        .route(
            "/v1/policy",
            get(|| async { (StatusCode::NOT_FOUND, "no such page").into_response() }),
        )
        .fallback(|| async { (StatusCode::BAD_GATEWAY, "<html>proxy error</html>") });
    let serving = serve_plain(app).await;
    let client = SyncClient::new(&format!("http://{}", serving.address), SCHEMA)
        .expect("a loopback address");
    for result in [
        client.me("token").await.map(|_| ()),
        client.policy("token").await.map(|_| ()),
        client.sign_in(&ann()).await.map(|_| ()),
        client.sign_out("token").await,
    ] {
        assert!(
            matches!(result, Err(TransportError::Unreadable(_))),
            "{result:?}"
        );
    }
}

/// A throwaway CA and a certificate it issued for localhost and 127.0.0.1: (CA PEM, server
/// certificate PEM, server key PEM).
fn certificates() -> (String, String, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Holdfast test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("a CA key"))
        .expect("the CA");
    let key = KeyPair::generate().expect("a server key");
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "holdfast-server");
    let certificate = params.signed_by(&key, &ca).expect("the server certificate");
    (ca.pem(), certificate.pem(), key.serialize_pem())
}

#[tokio::test]
async fn https_with_the_companys_ca() {
    // As `holdfast-server serve --tls-cert … --tls-key …` does: rustls on ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (ca_pem, certificate_pem, key_pem) = certificates();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        certificate_pem.into_bytes(),
        key_pem.into_bytes(),
    )
    .await
    .expect("a TLS config");
    let server = TestServer::new().await;
    let handle = axum_server::Handle::new();
    let serving_handle = handle.clone();
    let app = server.app.clone();
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum_server::bind_rustls(SocketAddr::from(([127, 0, 0, 1], 0)), config)
            .handle(serving_handle)
            .serve(service)
            .await
        {
            eprintln!("the TLS test server stopped: {error}");
        }
    });
    let address = handle.listening().await.expect("listening");
    let _serving = Serving { address, task };

    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{}", address.port());
        let trusting = SyncClient::with_root_certificate(&url, SCHEMA, ca_pem.as_bytes())
            .expect("a client trusting the CA");
        let session = trusting.sign_in(&ann()).await.expect("signed in over TLS");
        assert_eq!(
            trusting.me(&session.access_token).await.expect("me"),
            session.me
        );

        // Without the CA the certificate is not trusted: the server cannot be reached.
        let plain = SyncClient::new(&url, SCHEMA).expect("an https address");
        let result = plain.sign_in(&ann()).await;
        assert!(
            matches!(&result, Err(TransportError::Unreachable(message)) if message.contains("certificate")),
            "{result:?}"
        );
    }
    // Plain HTTP to the TLS port is no answer of the protocol either.
    let http = SyncClient::new(&format!("http://127.0.0.1:{}", address.port()), SCHEMA)
        .expect("a loopback address");
    assert!(http.sign_in(&ann()).await.is_err());
}

/// Issue 16: a manager reads the team's heads-up log; an account manager is refused.
#[tokio::test]
async fn a_manager_reads_the_heads_up_log_and_no_one_else() {
    let (server, _serving, client) = plain().await;
    let auth = AuthConfig {
        argon2: (64, 1, 1),
        ..AuthConfig::default()
    };
    admin::add_user(
        server.store.as_ref(),
        &auth,
        ORGANISATION,
        "mia",
        &[Role::Manager],
        PASSWORD.into(),
    )
    .await
    .expect("mia");
    let mia = client
        .sign_in(&sign_in_as("mia", PASSWORD))
        .await
        .expect("signed in");
    let log = client.heads_ups(&mia.access_token).await.expect("the log");
    assert!(log.subscriptions.is_empty() && log.deliveries.is_empty());
    let ann = client.sign_in(&ann()).await.expect("signed in");
    assert!(
        matches!(
            client.heads_ups(&ann.access_token).await,
            Err(TransportError::Server(ErrorBody::Forbidden { .. }))
        ),
        "an account manager is refused"
    );
    assert_unauthorized(client.heads_ups("not-a-token").await);
}
