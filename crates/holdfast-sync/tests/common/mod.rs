//! The harness shared by the client engine's tests against a real sync server: a
//! `holdfast-server` SQLite store in a temporary data directory, driven in-process through its
//! sync functions (`holdfast_server::sync::push`/`pull`, what its HTTP handlers call), and devices
//! that each hold a `Replica` for one user.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use holdfast_core::account::{account_id, AccountDraft};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{evolve, Actor, CaseCommand, CaseEvent, CaseState, CodeKey};
use holdfast_server::checkpoint::CheckpointSigner;
use holdfast_server::store::sqlite::SqliteStore;
use holdfast_server::store::{NewUser, ServerStore, UserRecord};
use holdfast_server::{sync, ServerError};
use holdfast_sync::client::{ClientError, Context, KnownUsers, Replica, CASE};
use holdfast_sync::protocol::{
    CommandOutcome, PushRequest, PushResponse, PushedCommand, SyncCommand, SyncedEvent,
};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

pub const POLICY: &str = include_str!("../../../../policies/billsbee.toml");
pub const ORGANISATION: &str = "Billsbee";
/// The events per pull page: small, so that paging and checkpoints are exercised.
pub const PAGE: usize = 5;

pub fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("USD"))
}

/// An account as the server's storage suite makes them, named "Acme Dental".
pub fn draft(external_id: &str) -> AccountDraft {
    holdfast_server::store::suite::draft(external_id, "Acme Dental")
}

pub fn receive(case_id: Uuid) -> CaseCommand {
    CaseCommand::Receive {
        case_id,
        account_id: account_id("A-1"),
        channel: RequestChannel::Phone,
        requester_name: "Rae".into(),
        requester_contact: "+1 555 010 2030".into(),
        received_at: None,
    }
}

/// The first response: the acknowledgement message, which acknowledges the request.
pub fn acknowledge() -> CaseCommand {
    CaseCommand::RecordMessage {
        kind: holdfast_core::policy::MessageKind::Acknowledgement,
        channel: holdfast_core::account::PreferredChannel::Email,
        body: "We received your request".into(),
        email: None,
    }
}

pub fn finalize() -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: "2026-12-31".parse().expect("a date"),
        data_export_offered: true,
    }
}

/// The sync server, in-process, on SQLite in a data directory it can be restarted from.
pub struct Server {
    pub runtime: tokio::runtime::Runtime,
    pub dir: PathBuf,
    _temp: tempfile::TempDir,
    pub store: Arc<SqliteStore>,
    pub signer: CheckpointSigner,
    pub organisation: Uuid,
    /// The server's clock: every call advances it, so the events of one application share a time
    /// and a second application would show.
    pub clock: Timestamp,
}

impl Server {
    /// An organisation with the Billsbee policy and the account "A-1" (imported by an admin
    /// device).
    pub fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let temp = tempfile::tempdir().expect("a data directory");
        let dir = temp.path().join("data");
        let store = Arc::new(SqliteStore::open(&dir).expect("the store"));
        let clock: Timestamp = "2026-11-24T15:00:00Z".parse().expect("a time");
        let (organisation, signer) = runtime.block_on(async {
            let organisation = store
                .create_organisation(ORGANISATION, clock)
                .await
                .expect("organisation");
            store
                .publish_policy(organisation.id, 1, POLICY, clock)
                .await
                .expect("policy");
            let admin = store
                .add_user(new_user(organisation.id, "admin", &[Role::Admin]), clock)
                .await
                .expect("admin");
            let import = PushedCommand {
                seq: 1,
                command: SyncCommand::ImportAccounts {
                    accounts: vec![draft("A-1")],
                },
                decided_at: clock,
            };
            let outcome = store
                .push_command(admin.id, Uuid::from_u128(0xad), &import, clock)
                .await
                .expect("import");
            assert_eq!(outcome, CommandOutcome::Applied);
            let signer = CheckpointSigner::load(store.as_ref())
                .await
                .expect("signer");
            (organisation.id, signer)
        });
        Server {
            runtime,
            dir,
            _temp: temp,
            store,
            signer,
            organisation,
            clock,
        }
    }

    fn tick(&mut self) -> Timestamp {
        self.clock += SignedDuration::from_secs(1);
        self.clock
    }

    pub fn add_user(&mut self, name: &str, roles: &[Role]) -> UserRecord {
        let now = self.tick();
        let user = new_user(self.organisation, name, roles);
        self.runtime
            .block_on(self.store.add_user(user, now))
            .expect("a user")
    }

    pub fn set_active(&mut self, user_id: Uuid, active: bool) {
        self.runtime
            .block_on(self.store.set_user_active(user_id, active))
            .expect("set active");
    }

    /// Stops the server and starts it again on the same data directory.
    pub fn restart(&mut self) {
        let key = self.signer.public_key_hex();
        // Close the database (this struct holds the only handle) before opening it again.
        let running = std::mem::replace(
            &mut self.store,
            Arc::new(SqliteStore::open_in_memory().expect("a stand-in while stopped")),
        );
        drop(running);
        self.store = Arc::new(SqliteStore::open(&self.dir).expect("reopened"));
        self.signer = self
            .runtime
            .block_on(CheckpointSigner::load(self.store.as_ref()))
            .expect("signer");
        assert_eq!(
            self.signer.public_key_hex(),
            key,
            "the signing key lives in the database"
        );
    }

    fn user(&self, user_id: Uuid) -> UserRecord {
        self.runtime
            .block_on(self.store.user(user_id))
            .expect("read")
            .expect("a user")
    }

    /// `POST /v1/push` as the user (re-read from the server's records, as the HTTP layer does).
    pub fn push(
        &mut self,
        user_id: Uuid,
        request: &PushRequest,
    ) -> Result<PushResponse, ServerError> {
        let now = self.tick();
        let user = self.user(user_id);
        let codes = self.signer.one_time_code_key(user.organisation_id);
        self.runtime
            .block_on(sync::push(self.store.as_ref(), &user, request, &codes, now))
    }

    /// `GET /v1/pull?after=…&limit=PAGE`.
    pub fn pull(&mut self, user_id: Uuid, after: u64) -> holdfast_sync::protocol::PullResponse {
        let user = self.user(user_id);
        self.runtime
            .block_on(sync::pull(
                self.store.as_ref(),
                &self.signer,
                &user,
                after,
                PAGE,
            ))
            .expect("a page")
    }

    pub fn events(&self) -> Vec<SyncedEvent> {
        self.runtime
            .block_on(self.store.events_after(self.organisation, 0, 1_000_000))
            .expect("events")
            .events
    }

    /// Every case as the server's log folds it.
    pub fn cases(&self) -> BTreeMap<Uuid, CaseState> {
        let mut cases: BTreeMap<Uuid, Option<CaseState>> = BTreeMap::new();
        for event in self.events() {
            if event.record.aggregate_type != CASE {
                continue;
            }
            let case_event: CaseEvent =
                serde_json::from_value(event.record.payload.clone()).expect("a case event");
            let state = cases.remove(&event.record.aggregate_id).flatten();
            cases.insert(event.record.aggregate_id, evolve(state, &case_event));
        }
        cases
            .into_iter()
            .filter_map(|(id, state)| state.map(|state| (id, state)))
            .collect()
    }
}

fn new_user(organisation_id: Uuid, name: &str, roles: &[Role]) -> NewUser {
    NewUser {
        organisation_id,
        name: name.into(),
        roles: roles.to_vec(),
        password_hash: "$argon2id$not-used-here".into(),
    }
}

/// One desktop profile: a user's replica, the roles the device believes the user has (its cached
/// `Me`), and the policy it received.
pub struct Device {
    pub user_id: Uuid,
    pub actor: Actor,
    pub replica: Replica,
    pub policy: Policy,
    pub users: KnownUsers,
    /// The key this desk seals one-time codes with.
    pub code_key: CodeKey,
}

/// What a sync round does wrong on purpose.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// The push request is delivered twice.
    pub duplicate: bool,
    /// The server commits the push, and its answer is lost.
    pub lose_answer: bool,
}

impl Device {
    pub fn new(server: &Server, user: &UserRecord, claimed_roles: &[Role]) -> Device {
        Device {
            user_id: user.id,
            actor: Actor {
                user_id: user.name.clone(),
                roles: claimed_roles.to_vec(),
                active: true,
            },
            replica: Replica::new(Uuid::now_v7(), &server.signer.public_key_hex())
                .expect("a replica"),
            policy: parse_policy(POLICY).expect("the policy"),
            users: KnownUsers::new(),
            code_key: CodeKey::new("device", [9; 32]),
        }
    }

    pub fn context(&self, now: Timestamp) -> Context<'_> {
        Context {
            actor: &self.actor,
            policy: Some(&self.policy),
            users: &self.users,
            now,
            code_key: &self.code_key,
        }
    }

    /// The replica and the context it decides with, borrowed together.
    pub fn split(&mut self, now: Timestamp) -> (&mut Replica, Context<'_>) {
        let Device {
            replica,
            actor,
            policy,
            users,
            code_key,
            ..
        } = self;
        let context = Context {
            actor,
            policy: Some(policy),
            users,
            now,
            code_key,
        };
        (replica, context)
    }

    pub fn decide(
        &mut self,
        now: Timestamp,
        case_id: Uuid,
        command: CaseCommand,
    ) -> Result<u64, ClientError> {
        let (replica, context) = self.split(now);
        replica.decide(case_id, command, &context)
    }

    /// One push (if anything waits) and a pull to the end of the log. Every answer the server
    /// gave is handed to `answers`, delivered to the replica or not.
    pub fn sync(
        &mut self,
        server: &mut Server,
        faults: Faults,
        answers: &mut dyn FnMut(&PushRequest, &PushResponse),
    ) -> Result<(), SyncFailure> {
        let now = server.clock;
        if let Some(request) = self.replica.next_push(3)? {
            let response = server.push(self.user_id, &request)?;
            answers(&request, &response);
            let mut delivered = vec![response];
            if faults.duplicate {
                let again = server.push(self.user_id, &request)?;
                answers(&request, &again);
                delivered.push(again);
            }
            if !faults.lose_answer {
                for response in &delivered {
                    let (replica, context) = self.split(now);
                    replica.on_push_response(response, &context)?;
                }
            }
        }
        self.pull(server)
    }

    pub fn pull(&mut self, server: &mut Server) -> Result<(), SyncFailure> {
        let now = server.clock;
        loop {
            let page = server.pull(self.user_id, self.replica.cursor());
            let (replica, context) = self.split(now);
            let summary = replica.apply_pull(&page, &context)?;
            if !summary.more {
                return Ok(());
            }
        }
    }
}

#[derive(Debug)]
pub enum SyncFailure {
    Client(ClientError),
    Server(ServerError),
}

impl From<ClientError> for SyncFailure {
    fn from(error: ClientError) -> Self {
        SyncFailure::Client(error)
    }
}

impl From<ServerError> for SyncFailure {
    fn from(error: ServerError) -> Self {
        SyncFailure::Server(error)
    }
}
