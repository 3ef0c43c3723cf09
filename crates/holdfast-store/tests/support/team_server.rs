//! A team server for the desk's sync tests: a real `holdfast-server` SQLite store in a temporary
//! folder with the organisation "WootRecruit" and a policy, driven in-process through the server's
//! own sync functions, as the HTTP layer drives them.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use holdfast_core::role::Role;
use holdfast_server::checkpoint::CheckpointSigner;
use holdfast_server::store::sqlite::SqliteStore;
use holdfast_server::store::{NewUser, ServerStore, UserRecord};
use holdfast_server::sync;
use holdfast_store::Database;
use holdfast_sync::protocol::{Me, PushRequest, PushResponse};
use uuid::Uuid;

use crate::common::now;

pub struct Server {
    pub runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    pub store: Arc<SqliteStore>,
    pub signer: CheckpointSigner,
    pub organisation: Uuid,
}

impl Server {
    /// A server whose organisation "WootRecruit" publishes `policy` (TOML) as version 1.
    pub fn start(policy: &str) -> Server {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("data")).unwrap());
        let (organisation, signer) = runtime.block_on(async {
            let organisation = store
                .create_organisation("WootRecruit", now())
                .await
                .unwrap();
            store
                .publish_policy(organisation.id, 1, policy, now())
                .await
                .unwrap();
            let signer = CheckpointSigner::load(store.as_ref()).await.unwrap();
            (organisation.id, signer)
        });
        Server {
            runtime,
            _dir: dir,
            store,
            signer,
            organisation,
        }
    }

    /// The server's data folder (its SQLite database and WAL).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("data")
    }

    pub fn add_user(&self, name: &str, roles: &[Role]) -> UserRecord {
        self.runtime
            .block_on(self.store.add_user(
                NewUser {
                    organisation_id: self.organisation,
                    name: name.into(),
                    roles: roles.to_vec(),
                    password_hash: "$argon2id$not-used-here".into(),
                },
                now(),
            ))
            .unwrap()
    }

    /// What `GET /v1/me` answers `user`.
    pub fn me(&self, user: &UserRecord) -> Me {
        Me {
            organisation: "WootRecruit".into(),
            user: user.name.clone(),
            roles: user.roles.clone(),
            active: user.active,
            checkpoint_key: self.signer.public_key_hex(),
        }
    }

    /// `user` as the server's records say now (roles may have changed since).
    pub fn record(&self, user: &UserRecord) -> UserRecord {
        self.runtime
            .block_on(self.store.user(user.id))
            .unwrap()
            .unwrap()
    }

    /// `POST /v1/push` as `user` (re-read from the server's records, as the HTTP layer does).
    pub fn push(&self, user: &UserRecord, request: &PushRequest) -> PushResponse {
        let user = self.record(user);
        self.runtime
            .block_on(sync::push(
                self.store.as_ref(),
                &user,
                request,
                &self.signer.one_time_code_key(user.organisation_id),
                now(),
            ))
            .unwrap()
    }

    /// Pulls to the end of the log into `db` as `user`, `page` events at a time.
    pub fn pull_all(&self, db: &mut Database, user: &UserRecord, page: usize) {
        let user = self.record(user);
        loop {
            let cursor = db.replica().unwrap().cursor();
            let answer = self
                .runtime
                .block_on(sync::pull(
                    self.store.as_ref(),
                    &self.signer,
                    &user,
                    cursor,
                    page,
                ))
                .unwrap();
            if !db.apply_pull(&answer, now()).unwrap().more {
                break;
            }
        }
    }
}
