//! Issue 12, crashes and restores, on the SQLite backend and the command line: every connection
//! synchronous=FULL, the data folder private, `backup` while pushes go on (the copy verifies and
//! restores), the signing key beside the data folder, and `u64::MAX` over HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use holdfast_sync::protocol::{
    CommandOutcome, Session, PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

use crate::auth::{hash_password, AuthConfig};
use crate::cli::{run, Cli};
use crate::http::{router, AppState, MIN_CLIENT_SCHEMA};
use crate::signing_key::{default_key_path, open_signer};
use crate::store::durable::backup_sqlite;
use crate::store::sqlite::{SqliteStore, DATABASE_FILE};
use crate::store::suite::{case_command, fixture, now, receive};
use crate::store::ServerStore;
use crate::verify::{verify_log_with_key, LogVerdict};

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn every_connection_the_server_opens_waits_for_the_disk() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let store = SqliteStore::open(&data).expect("opens");
    // PRAGMA synchronous: 2 = FULL (NORMAL, 1, may lose acknowledged pushes to a power cut).
    for (journal, synchronous) in store.durability().await.expect("pragmas") {
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "synchronous=FULL");
    }
    let copy = dir.path().join("copy.db");
    backup_sqlite(&data, &copy).expect("backed up");
    let opened = SqliteStore::open_file(&copy).expect("opens the copy");
    for (_, synchronous) in opened.durability().await.expect("pragmas") {
        assert_eq!(synchronous, 2, "a copy opened by the server is FULL too");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_its_files_are_the_owners_alone() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("nested").join("data");
    let store = SqliteStore::open(&data).expect("opens");
    let f = fixture(&store).await;
    let _ = f;
    assert_eq!(mode(&data), 0o700, "the data folder");
    let database = data.join(DATABASE_FILE);
    for suffix in ["", "-wal", "-shm"] {
        let file = Path::new(&format!("{}{suffix}", database.display())).to_owned();
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let key = default_key_path(&data);
    assert_eq!(key, dir.path().join("nested").join("data.signing-key"));
    open_signer(&store, &key, true).await.expect("a key");
    assert_eq!(mode(&key), 0o600, "the signing key");
    let backup = dir.path().join("backup.db");
    backup_sqlite(&data, &backup).expect("backed up");
    assert_eq!(mode(&backup), 0o600, "the backup");

    // A database an older server left readable is tightened when it opens.
    drop(store);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644))
            .expect("loosened");
    }
    let _store = SqliteStore::open(&data).expect("reopens");
    assert_eq!(mode(&database), 0o600);
}

/// Pushes case after case as a desk would until `stop`, returning how many were acknowledged.
async fn keep_pushing(store: Arc<SqliteStore>, stop: Arc<AtomicBool>) -> u64 {
    let f_user = store
        .organisation_by_name("Billsbee")
        .await
        .expect("org")
        .expect("Billsbee");
    let mia = store
        .user_by_name(f_user.id, "mia")
        .await
        .expect("read")
        .expect("mia");
    let account = holdfast_core::account::account_id("A-1");
    let client = Uuid::now_v7();
    let mut seq = 0;
    while !stop.load(Ordering::SeqCst) || seq < 20 {
        seq += 1;
        let case_id = Uuid::now_v7();
        let outcome = store
            .push_command(
                mia.id,
                client,
                &case_command(seq, case_id, 0, receive(case_id, account)),
                now(),
            )
            .await
            .expect("pushed");
        assert_eq!(outcome, CommandOutcome::Applied);
        tokio::task::yield_now().await;
    }
    seq
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_desks_push_is_consistent_verifies_and_restores() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let store = Arc::new(SqliteStore::open(&data).expect("opens"));
    let f = fixture(store.as_ref()).await;
    let key = default_key_path(&data);
    let (signer, _) = open_signer(store.as_ref(), &key, true).await.expect("key");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(keep_pushing(store.clone(), stop.clone()));
    // Let some pushes land, then back up while they go on.
    while store
        .head(f.organisation.id)
        .await
        .expect("head")
        .map_or(0, |head| head.0)
        < 5
    {
        tokio::task::yield_now().await;
    }
    let backup = dir.path().join("holdfast-2026-01-01.db");
    let (from, to) = (data.clone(), backup.clone());
    let report = tokio::task::spawn_blocking(move || backup_sqlite(&from, &to))
        .await
        .expect("joined")
        .expect("backed up");
    stop.store(true, Ordering::SeqCst);
    let pushed = writer.await.expect("the writer");
    let head = store
        .head(f.organisation.id)
        .await
        .expect("head")
        .expect("events")
        .0;
    assert_eq!(
        head,
        pushed + 1,
        "every push landed (the import is event 1)"
    );
    assert!(report.events >= 5 && report.events <= head, "{report:?}");
    assert_eq!(report.organisations, 1);
    // Writing the same backup again is refused: a backup never overwrites another.
    assert!(backup_sqlite(&data, &backup).is_err());

    // Restore: the backup becomes the data folder's database (server stopped).
    let restored_dir = dir.path().join("restored");
    std::fs::create_dir_all(&restored_dir).expect("dir");
    std::fs::copy(&backup, restored_dir.join(DATABASE_FILE)).expect("copied");
    let restored = SqliteStore::open(&restored_dir).expect("the restored database opens");
    let restored_head = restored
        .head(f.organisation.id)
        .await
        .expect("head")
        .expect("events")
        .0;
    assert_eq!(restored_head, report.events, "one consistent snapshot");
    assert_eq!(
        verify_log_with_key(&restored, &signer.public_key_hex(), f.organisation.id)
            .await
            .expect("verified"),
        LogVerdict::Intact {
            events: restored_head,
            checkpoints: 0
        }
    );
    // The restored server goes on from its own head.
    let more = restored
        .push_command(
            f.mia.id,
            Uuid::now_v7(),
            &case_command(1, Uuid::now_v7(), 0, receive(Uuid::now_v7(), f.account_id)),
            now(),
        )
        .await;
    assert!(more.is_ok(), "{more:?}");
}

#[tokio::test]
async fn the_backup_command_copies_the_data_folder_and_refuses_postgres() {
    use clap::Parser as _;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    {
        let store = SqliteStore::open(&data).expect("opens");
        fixture(&store).await;
    }
    let to = dir.path().join("copy.db");
    let args = |extra: &[&str]| {
        let mut args = vec![
            "holdfast-server",
            "backup",
            "--to",
            to.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        Cli::try_parse_from(args).expect("parses")
    };
    run(args(&["--data-dir", data.to_str().expect("utf-8")]))
        .await
        .expect("backed up");
    let copy = SqliteStore::open_file(&to).expect("opens");
    assert!(copy
        .organisation_by_name("Billsbee")
        .await
        .expect("read")
        .is_some());
    let refused = run(args(&["--database-url", "postgres://h/db"])).await;
    assert!(
        matches!(refused, Err(crate::ServerError::Config(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn verify_uses_the_key_file_beside_the_data_folder() {
    use clap::Parser as _;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let store = SqliteStore::open(&data).expect("opens");
    let f = fixture(&store).await;
    let (signer, _) = open_signer(&store, &default_key_path(&data), true)
        .await
        .expect("key");
    store
        .record_checkpoint(
            f.organisation.id,
            &signer.sign(
                1,
                &store
                    .events_after(f.organisation.id, 0, 1)
                    .await
                    .expect("read")
                    .events
                    .first()
                    .expect("event 1")
                    .chain_hash,
            ),
        )
        .await
        .expect("checkpoint");
    let verify = |key: Option<&Path>| {
        let mut args = vec![
            "holdfast-server".to_owned(),
            "verify".into(),
            "Billsbee".into(),
            "--data-dir".into(),
            data.display().to_string(),
        ];
        if let Some(key) = key {
            args.extend(["--signing-key".to_owned(), key.display().to_string()]);
        }
        Cli::try_parse_from(args).expect("parses")
    };
    run(verify(None)).await.expect("intact");
    // Another key (a file that does not belong to this database) does not verify its
    // checkpoints.
    let other = dir.path().join("other.key");
    std::fs::write(&other, format!("{}\n", hex::encode([9u8; 32]))).expect("written");
    assert!(run(verify(Some(&other))).await.is_err());
    // Without any key, the signed checkpoint cannot verify, and verify invents no key.
    let missing = dir.path().join("missing.key");
    assert!(run(verify(Some(&missing))).await.is_err());
    assert!(!missing.exists());
}

// ---- u64::MAX over HTTP ----

const PASSWORD: &str = "correct horse battery";

async fn send(
    router: &axum::Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header(SCHEMA_HEADER, MIN_CLIENT_SCHEMA.to_string())
        .header("content-type", "application/json");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let mut request = builder
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let response = router.clone().oneshot(request).await.expect("answered");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn sequence_numbers_at_the_top_of_u64_answer_typed_errors_over_http() {
    let auth = AuthConfig {
        argon2: (64, 1, 1),
        ..AuthConfig::default()
    };
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let f = fixture(store.as_ref()).await;
    let hash = hash_password(PASSWORD, &auth).expect("hash");
    store
        .set_password_hash(f.mia.id, &hash, now())
        .await
        .expect("password");
    let router = router(AppState::new(store.clone(), auth).await.expect("state"));
    let (status, session) = send(
        &router,
        Method::POST,
        "/v1/session",
        None,
        Some(json!({"organisation": "Billsbee", "user": "mia", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let session: Session = serde_json::from_value(session).expect("a session");
    let token = Some(session.access_token.as_str());
    let before = store.head(f.organisation.id).await.expect("head");
    let case_id = Uuid::now_v7();
    let command = |seq: u64| {
        let mut value = serde_json::to_value(case_command(
            seq,
            case_id,
            0,
            receive(case_id, f.account_id),
        ))
        .expect("json");
        value["seq"] = json!(seq);
        value
    };
    let client = Uuid::now_v7();
    for (commands, expected, kind) in [
        (
            vec![command(u64::MAX)],
            StatusCode::CONFLICT,
            "sequence_gap",
        ),
        (
            vec![command(u64::MAX), command(0)],
            StatusCode::BAD_REQUEST,
            "validation",
        ),
        (
            vec![command(i64::MAX as u64 + 1)],
            StatusCode::CONFLICT,
            "sequence_gap",
        ),
    ] {
        let (status, body) = send(
            &router,
            Method::POST,
            "/v1/push",
            token,
            Some(json!({"client_id": client, "commands": commands})),
        )
        .await;
        assert_eq!(status, expected, "{body}");
        assert_eq!(body["kind"], kind, "{body}");
    }
    for after in [
        u64::MAX.to_string(),
        (i64::MAX as u64 + 1).to_string(),
        "18446744073709551616".to_owned(),
    ] {
        let (status, body) = send(
            &router,
            Method::GET,
            &format!("/v1/pull?after={after}"),
            token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "after={after}: {body}");
        assert_eq!(body["kind"], "validation", "{body}");
    }
    assert_eq!(store.head(f.organisation.id).await.expect("head"), before);
}
