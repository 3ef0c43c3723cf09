//! Issue 12, "after a restore: export and join again": a desk holding newer history than a server
//! restored from a backup stops syncing, exports its pending work (with the events the server
//! lost), joins the organisation again on the same server as the same user, and ends with the
//! server's history and its pending work pushed on top of it, decided by the restored server.
//! Against a real `holdfast-server` SQLite store, backed up with the server's own backup and
//! restored by opening the copy, driven in-process through its sync functions.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{draft, now, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::checkpoint::CheckpointSigner;
use holdfast_server::store::durable::backup_sqlite;
use holdfast_server::store::sqlite::{SqliteStore, DATABASE_FILE};
use holdfast_server::store::{NewUser, ServerStore, UserRecord};
use holdfast_server::sync;
use holdfast_store::{Database, StoreError};
use holdfast_sync::client::{ClientError, Tampering};
use holdfast_sync::protocol::Me;
use uuid::Uuid;

const POLICY: &str = include_str!("../../../policies/wootrecruit.toml");

/// The server: its store over a data folder that can be backed up and replaced by a backup.
struct Server {
    runtime: tokio::runtime::Runtime,
    data_dir: PathBuf,
    store: Arc<SqliteStore>,
    signer: CheckpointSigner,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = Arc::new(SqliteStore::open(data_dir).unwrap());
        let signer = runtime
            .block_on(async {
                let organisation = store
                    .create_organisation("WootRecruit", now())
                    .await
                    .unwrap();
                store
                    .publish_policy(organisation.id, 1, POLICY, now())
                    .await
                    .unwrap();
                CheckpointSigner::load(store.as_ref()).await
            })
            .unwrap();
        Server {
            runtime,
            data_dir: data_dir.to_owned(),
            store,
            signer,
        }
    }

    /// Stopped, its database replaced by `backup`, started again (the key is the same: it is in
    /// the backup here; a real server keeps it in its key file).
    fn restore(self, backup: &Path) -> Server {
        let Server {
            runtime, data_dir, ..
        } = self;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(data_dir.join(format!("{DATABASE_FILE}{suffix}")));
        }
        std::fs::copy(backup, data_dir.join(DATABASE_FILE)).unwrap();
        let store = Arc::new(SqliteStore::open(&data_dir).unwrap());
        let signer = runtime
            .block_on(CheckpointSigner::load(store.as_ref()))
            .unwrap();
        Server {
            runtime,
            data_dir,
            store,
            signer,
        }
    }

    fn add_user(&self, name: &str, roles: &[Role]) -> UserRecord {
        let organisation = self
            .runtime
            .block_on(self.store.organisation_by_name("WootRecruit"))
            .unwrap()
            .unwrap();
        self.runtime
            .block_on(self.store.add_user(
                NewUser {
                    organisation_id: organisation.id,
                    name: name.into(),
                    roles: roles.to_vec(),
                    password_hash: "$argon2id$not-used-here".into(),
                },
                now(),
            ))
            .unwrap()
    }

    fn me(&self, user: &UserRecord) -> Me {
        Me {
            organisation: "WootRecruit".into(),
            user: user.name.clone(),
            roles: user.roles.clone(),
            active: user.active,
            checkpoint_key: self.signer.public_key_hex(),
        }
    }

    fn head(&self, user: &UserRecord) -> u64 {
        let page = self
            .runtime
            .block_on(sync::pull(self.store.as_ref(), &self.signer, user, 0, 1))
            .unwrap();
        page.head.expect("the server names its head")
    }

    /// One round as the desk runs it: push the outbox, then pull to the end. A push the server
    /// refuses (a sequence gap after a restore) is followed by a pull, which tells why.
    fn sync(&self, db: &mut Database, user: &UserRecord) -> Result<(), StoreError> {
        let user = self
            .runtime
            .block_on(self.store.user(user.id))
            .unwrap()
            .unwrap();
        let mut refused = None;
        while let Some(request) = db.next_push(2)? {
            match self.runtime.block_on(sync::push(
                self.store.as_ref(),
                &user,
                &request,
                &self.signer.one_time_code_key(user.organisation_id),
                now(),
            )) {
                Ok(response) => db.apply_push_response(&response, now())?,
                Err(error) => {
                    refused = Some(error);
                    break;
                }
            }
        }
        loop {
            let cursor = db.replica().unwrap().cursor();
            let page = self
                .runtime
                .block_on(sync::pull(
                    self.store.as_ref(),
                    &self.signer,
                    &user,
                    cursor,
                    3,
                ))
                .unwrap();
            if !db.apply_pull(&page, now())?.more {
                break;
            }
        }
        match refused {
            None => Ok(()),
            Some(error) => panic!("the push was refused and the pull found nothing: {error}"),
        }
    }
}

fn policy() -> Policy {
    parse_policy(POLICY).unwrap()
}

fn run(db: &mut Database, case_id: Uuid, command: CaseCommand) {
    let me = db
        .acting_user()
        .unwrap()
        .expect("a joined profile has a user");
    db.run_case_command(case_id, &command, &me, &policy(), now())
        .unwrap();
}

fn note(text: &str) -> CaseCommand {
    CaseCommand::AddNote { text: text.into() }
}

fn notes_of(db: &Database, case_id: Uuid) -> Vec<String> {
    db.timeline(case_id)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.kind == "note_added")
        .map(|entry| entry.event["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A desk joined as amy, with a case received on "A-1" and synced, and the server backed up
/// right then; then amy adds a note that reaches the server (after the backup) and one more that
/// waits on the desk. The server is then restored from the backup.
struct Restored {
    _dir: tempfile::TempDir,
    server: Server,
    amy: UserRecord,
    desk: Fixture,
    case_id: Uuid,
    /// A case received after the backup: the restored server does not have it.
    lost_case: Uuid,
}

fn restored() -> Restored {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let backup = dir.path().join("backup.db");
    let server = Server::start(&data_dir);
    let amy = server.add_user("amy", &[Role::AccountManager]);
    let mut desk = Fixture::new();
    desk.db
        .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(&amy))
        .unwrap();
    desk.db.set_policy(POLICY).unwrap();
    desk.db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let case_id = Uuid::now_v7();
    run(
        &mut desk.db,
        case_id,
        CaseCommand::Receive {
            case_id,
            account_id: holdfast_core::account::account_id("A-1"),
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
    );
    server.sync(&mut desk.db, &amy).unwrap();
    backup_sqlite(&data_dir, &backup).unwrap();
    let backed_up = server.head(&amy);

    run(&mut desk.db, case_id, note("applied after the backup"));
    let lost_case = Uuid::now_v7();
    run(
        &mut desk.db,
        lost_case,
        CaseCommand::Receive {
            case_id: lost_case,
            account_id: holdfast_core::account::account_id("A-1"),
            channel: RequestChannel::Phone,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
    );
    server.sync(&mut desk.db, &amy).unwrap();
    run(
        &mut desk.db,
        case_id,
        note("typed while the server was down"),
    );
    let desk_head = desk.db.replica().unwrap().cursor();
    assert!(desk_head > backed_up);

    let server = server.restore(&backup);
    assert_eq!(server.head(&amy), backed_up, "the server went back");
    Restored {
        _dir: dir,
        server,
        amy,
        desk,
        case_id,
        lost_case,
    }
}

/// The whole path: stopped with the restore named, the pending work and the lost events
/// exported, joined again, and the pending note pushed on top of the restored history.
#[test]
fn a_desk_ahead_of_a_restored_server_exports_its_work_and_joins_again() {
    let Restored {
        _dir,
        server,
        amy,
        mut desk,
        case_id,
        lost_case,
    } = restored();
    let device_head = desk.db.replica().unwrap().cursor();
    let server_head = server.head(&amy);

    let stopped = server.sync(&mut desk.db, &amy).expect_err("syncing stops");
    let reason = Tampering::ServerRestored {
        server_head,
        device_head,
    };
    assert!(
        matches!(&stopped, StoreError::Sync(ClientError::HistoryRewritten(found)) if *found == reason),
        "{stopped:?}"
    );
    // Stopped for good, and saved so: the app restarting does not resume.
    let mut desk = desk.reopen();
    assert_eq!(desk.db.replica().unwrap().halted(), Some(&reason));
    assert!(desk.db.next_push(10).is_err());

    // The export: the waiting note, and the note the server applied and then lost.
    let export: serde_json::Value =
        serde_json::from_str(&desk.db.export_pending_work().unwrap()).unwrap();
    assert_eq!(export["user"], "amy");
    assert_eq!(export["organisation"], "WootRecruit");
    assert!(export["stopped"]
        .as_str()
        .unwrap()
        .contains("the server was restored to an earlier point"));
    let pending = export["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(
        pending[0]["command"]["command"]["text"],
        "typed while the server was down"
    );
    let lost = export["events_the_server_lost"].as_array().unwrap();
    assert_eq!(lost.len() as u64, device_head - server_head);
    assert!(
        lost.iter()
            .any(|event| event["record"]["payload"]["text"] == "applied after the backup"),
        "{lost:?}"
    );

    assert!(
        lost.iter()
            .any(|event| event["record"]["aggregate_id"] == lost_case.to_string()),
        "{lost:?}"
    );

    // Joined again, with a new device id: the log is cleared to be pulled again, and the
    // pending note is queued again on top.
    let old_client = desk.db.replica().unwrap().client_id();
    let requeued = desk
        .db
        .rejoin_organisation(Uuid::now_v7(), &server.me(&amy), now())
        .unwrap();
    assert_eq!(requeued, 1);
    let replica = desk.db.replica().unwrap();
    assert_eq!(replica.halted(), None);
    assert_ne!(replica.client_id(), old_client);
    assert_eq!(replica.cursor(), 0);
    assert_eq!(replica.pending().len(), 1);
    assert_eq!(replica.pending()[0].seq, 1);

    server.sync(&mut desk.db, &amy).unwrap();
    let replica = desk.db.replica().unwrap();
    assert!(
        replica.pending().is_empty(),
        "the note was pushed and confirmed"
    );
    assert!(desk.db.sync_notifications().is_empty(), "and applied");
    assert_eq!(replica.cursor(), server.head(&amy));
    assert_eq!(replica.cursor(), server_head + 1);
    // The server's history, then the note typed during the outage; the lost one is in the export.
    assert_eq!(
        notes_of(&desk.db, case_id),
        vec!["typed while the server was down".to_owned()]
    );
    assert!(matches!(
        desk.db.verify_audit_chain().unwrap(),
        holdfast_store::events::AuditVerdict::Intact { .. }
    ));
    assert!(desk
        .db
        .account(holdfast_core::account::account_id("A-1"))
        .is_ok());
    assert!(
        desk.db.case(lost_case).is_err(),
        "the lost case is gone from the desk"
    );
    // And it keeps syncing, across a restart.
    let mut desk = desk.reopen();
    server.sync(&mut desk.db, &amy).unwrap();
    assert_eq!(desk.db.replica().unwrap().cursor(), server_head + 1);
}

/// A pending command the restored history no longer fits (a note on a case the server lost) is
/// not dropped: it reaches the restored server, which refuses it, and the refusal is shown.
#[test]
fn a_requeued_command_the_restored_history_does_not_fit_is_refused_by_the_server_and_shown() {
    let Restored {
        _dir,
        server,
        amy,
        mut desk,
        lost_case,
        ..
    } = restored();
    run(&mut desk.db, lost_case, note("on a case the server lost"));
    assert!(server.sync(&mut desk.db, &amy).is_err());
    let requeued = desk
        .db
        .rejoin_organisation(Uuid::now_v7(), &server.me(&amy), now())
        .unwrap();
    assert_eq!(requeued, 2);
    server.sync(&mut desk.db, &amy).unwrap();
    assert!(desk.db.replica().unwrap().pending().is_empty());
    let notices = desk.db.sync_notifications();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].case_id, Some(lost_case));
    assert!(notices[0].settled, "the server's answer");
    assert!(matches!(
        notices[0].problem,
        holdfast_sync::client::Problem::Rejected { .. }
    ));
    assert!(
        desk.db.case(lost_case).is_err(),
        "the lost case is not on the desk"
    );
}

/// Joining again is for a desk that stopped, on the server it pinned: refused otherwise, and
/// nothing changes.
#[test]
fn joining_again_is_refused_while_syncing_and_from_a_server_with_another_key() {
    let Restored {
        _dir,
        server,
        amy,
        mut desk,
        ..
    } = restored();
    let refused = desk
        .db
        .rejoin_organisation(Uuid::now_v7(), &server.me(&amy), now());
    assert!(
        matches!(&refused, Err(StoreError::Rule(error)) if error.to_string().contains("syncing has not stopped")),
        "{refused:?}"
    );
    let _ = server.sync(&mut desk.db, &amy);
    let before = desk.db.replica().unwrap().cursor();
    let mut other = server.me(&amy);
    other.checkpoint_key = CheckpointSigner::from_secret([7; 32]).public_key_hex();
    let refused = desk.db.rejoin_organisation(Uuid::now_v7(), &other, now());
    assert!(
        matches!(&refused, Err(StoreError::Rule(error)) if error.to_string().contains("another key")),
        "{refused:?}"
    );
    let mut someone = server.me(&amy);
    someone.user = "carla".into();
    assert!(desk
        .db
        .rejoin_organisation(Uuid::now_v7(), &someone, now())
        .is_err());
    let replica = desk.db.replica().unwrap();
    assert!(replica.halted().is_some(), "still stopped");
    assert_eq!(replica.cursor(), before, "nothing was cleared");
}
