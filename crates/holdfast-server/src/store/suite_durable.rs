//! The storage suite's part for issue 12's crashes and restores, run against every backend like
//! `suite` (`store_suite_durable!(expr)`): the signing key kept outside the database (the store
//! methods `legacy_signing_key` and `forget_signing_key`), and sequence numbers at `u64::MAX`
//! answered with typed errors that change nothing.
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use holdfast_sync::protocol::{PushRequest, PushedCommand, SyncCommand};
use uuid::Uuid;

use super::suite::{acknowledge, case_command, fixture, now, open_logged_case};
use super::ServerStore;
use crate::checkpoint::CheckpointSigner;
use crate::error::ServerError;
use crate::signing_key::{open_signer, KeyOrigin};
use crate::verify::{verify_log_with_key, LogVerdict};

/// Expands to one test per function of this suite, each on a fresh store built by `$make`.
#[macro_export]
macro_rules! store_suite_durable {
    ($make:expr) => {
        $crate::store_suite_durable!(@tests $make;
            a_new_servers_signing_key_is_never_in_the_database,
            an_old_databases_signing_key_moves_into_the_key_file_once,
            sequence_numbers_at_the_top_of_u64_are_typed_errors,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::suite_durable::$name(&store).await;
            }
        )*
    };
}

/// A key file path in a fresh temporary folder (the suite is built without dev-dependencies).
struct KeyDir(PathBuf);

impl KeyDir {
    fn new() -> KeyDir {
        let dir = std::env::temp_dir().join(format!("holdfast-key-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        KeyDir(dir)
    }
    fn key(&self) -> PathBuf {
        self.0.join("data.signing-key")
    }
}

impl Drop for KeyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Someone who can write the database cannot re-sign history: the key is not in it, and a
/// checkpoint they sign with a key of their own does not verify against the server's.
pub async fn a_new_servers_signing_key_is_never_in_the_database(store: &dyn ServerStore) {
    let dir = KeyDir::new();
    let (signer, origin) = open_signer(store, &dir.key(), true).await.expect("signer");
    assert_eq!(origin, KeyOrigin::Created);
    assert_eq!(
        store.legacy_signing_key().await.expect("read"),
        None,
        "the database holds no signing key"
    );
    #[cfg(unix)]
    assert_eq!(mode(&dir.key()), 0o600, "the key file is the owner's alone");
    let text = std::fs::read_to_string(dir.key()).expect("the key file");
    assert_eq!(text.trim().len(), 64, "64 hex digits");

    let f = fixture(store).await;
    open_logged_case(store, &f.mia, Uuid::now_v7(), f.account_id).await;
    let head = store
        .head(f.organisation.id)
        .await
        .expect("head")
        .expect("events");
    // Whoever writes the database signs the chain with a key of their own.
    let forger = CheckpointSigner::from_secret([7; 32]);
    store
        .record_checkpoint(
            f.organisation.id,
            &forger.sign(head.0, &holdfast_core::audit::ChainHash(head.1).to_hex()),
        )
        .await
        .expect("written");
    assert!(matches!(
        verify_log_with_key(store, &signer.public_key_hex(), f.organisation.id)
            .await
            .expect("verified"),
        LogVerdict::Broken { seq: Some(seq), .. } if seq == head.0
    ));

    // Planting a key in the database does not change the one the server signs with: the server
    // refuses to start beside a database key that is not its own.
    store.signing_key_or_insert([7; 32]).await.expect("planted");
    assert!(matches!(
        open_signer(store, &dir.key(), true).await,
        Err(ServerError::Config(_))
    ));
    assert_eq!(
        std::fs::read_to_string(dir.key()).expect("the key file"),
        text,
        "the key file is untouched"
    );
}

/// A database written before issue 12 holds its key: the first start writes it to the key file,
/// then removes it from the database; the public key desks pinned does not change.
pub async fn an_old_databases_signing_key_moves_into_the_key_file_once(store: &dyn ServerStore) {
    let old = CheckpointSigner::load(store).await.expect("the old key");
    assert!(store.legacy_signing_key().await.expect("read").is_some());
    let dir = KeyDir::new();
    // `verify` reads the old key where it is and moves nothing.
    let (read, origin) = open_signer(store, &dir.key(), false).await.expect("read");
    assert_eq!(origin, KeyOrigin::Database);
    assert_eq!(read.public_key_hex(), old.public_key_hex());
    assert!(!dir.key().exists());

    let (moved, origin) = open_signer(store, &dir.key(), true).await.expect("moved");
    assert_eq!(origin, KeyOrigin::MovedFromDatabase);
    assert_eq!(
        moved.public_key_hex(),
        old.public_key_hex(),
        "the pinned key"
    );
    assert_eq!(store.legacy_signing_key().await.expect("read"), None);
    let (again, origin) = open_signer(store, &dir.key(), true).await.expect("again");
    assert_eq!(origin, KeyOrigin::File);
    assert_eq!(again.public_key_hex(), old.public_key_hex());
}

/// `u64::MAX` (and anything above `i64::MAX`, which no backend stores) as a pushed sequence
/// number or a pull cursor is a typed error, never a panic, and writes nothing.
pub async fn sequence_numbers_at_the_top_of_u64_are_typed_errors(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = Uuid::now_v7();
    let before = store.head(f.organisation.id).await.expect("head");
    let top = case_command(u64::MAX, case_id, 0, acknowledge());
    fn typed<T>(result: &Result<T, ServerError>) -> bool {
        matches!(
            result,
            Err(ServerError::SequenceGap { .. } | ServerError::Invalid { .. })
        )
    }
    let one = store.push_command(f.mia.id, client, &top, now()).await;
    assert!(typed(&one), "{one:?}");
    let batch = store
        .push_batch(f.mia.id, client, std::slice::from_ref(&top), now())
        .await;
    assert!(typed(&batch), "{batch:?}");
    let beyond = case_command(i64::MAX as u64 + 1, case_id, 0, acknowledge());
    let beyond = store.push_command(f.mia.id, client, &beyond, now()).await;
    assert!(typed(&beyond), "{beyond:?}");
    // Through the request rules: a batch whose numbers would have to wrap around.
    let wrapping = PushRequest {
        client_id: client,
        commands: vec![
            top.clone(),
            PushedCommand {
                seq: 0,
                command: SyncCommand::ImportAccounts {
                    accounts: Vec::new(),
                },
                decided_at: now(),
            },
        ],
    };
    let codes = holdfast_core::workflow::CodeKey::new("server", [3; 32]);
    let wrapped = crate::sync::push(store, &f.mia, &wrapping, &codes, now()).await;
    assert!(
        matches!(wrapped, Err(ServerError::Invalid { .. })),
        "{wrapped:?}"
    );
    for after in [u64::MAX, i64::MAX as u64 + 1] {
        let page = store.events_after(f.organisation.id, after, 10).await;
        assert!(matches!(page, Err(ServerError::Invalid { .. })), "{page:?}");
        let checkpoints = store.checkpoints_after(f.organisation.id, after, 10).await;
        assert!(
            matches!(checkpoints, Err(ServerError::Invalid { .. })),
            "{checkpoints:?}"
        );
        let at = store
            .checkpoint_at_or_before(f.organisation.id, after)
            .await;
        assert!(matches!(at, Err(ServerError::Invalid { .. })), "{at:?}");
    }
    assert_eq!(
        store.head(f.organisation.id).await.expect("head"),
        before,
        "nothing was written"
    );
    // The client can still push from 1.
    let outcome = store
        .push_command(
            f.mia.id,
            client,
            &case_command(1, case_id, 0, super::suite::receive(case_id, f.account_id)),
            now(),
        )
        .await
        .expect("pushed");
    assert_eq!(outcome, holdfast_sync::protocol::CommandOutcome::Applied);
}
