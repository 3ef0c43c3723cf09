//! The SQLite backend: one database file (`holdfast-server.db`) in the data directory, in WAL
//! mode, migrated with numbered scripts tracked by `PRAGMA user_version` (like the desktop's
//! store). SQLite has one writer, so the organisation's counter advances in commit order. Reads
//! (pulls, token and user lookups, the head, checkpoints) go through their own read-only
//! connections, which WAL lets run beside the writer: a long import does not hold up another
//! organisation's pull. Blocking work runs on tokio's blocking pool.

use super::columns::{
    from_json, from_millis, millis, parse_time, parse_uuid, seq_i64, seq_u64, sorted_roles, to_json,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use holdfast_core::account::AccountDraft;
use holdfast_core::audit::ChainHash;
use holdfast_core::policy::Policy;
use holdfast_core::record::EventRecord;
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseEvent, RepStatus};
use holdfast_sync::protocol::MAX_IMPORT_ACCOUNTS;
use holdfast_sync::protocol::{
    Checkpoint, CommandOrigin, CommandOutcome, PublishedPolicy, PushedCommand, SyncCommand,
    SyncedEvent,
};
use jiff::Timestamp;
use rusqlite::{named_params, params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use super::{
    AccountRecord, EventPage, FailureWindow, NewUser, Organisation, ServerStore, TokenHash,
    TokenKind, TokenPair, UserRecord,
};
use super::{Admission, AttemptSubjects, SessionRecord, SignInLimits};
use crate::error::{Result, ServerError};
use crate::push::{self, Decision, LoadedCase, PolicyCache, Sequence};

#[path = "sqlite_heads_ups.rs"]
mod heads_ups;
#[path = "sqlite_signin.rs"]
mod signin;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "holdfast-server.db";

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`; append, never edit or reorder.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_server.sql"),
    include_str!("../../migrations/0002_accepted_offers.sql"),
    include_str!("../../migrations/0003_signin_sessions.sql"),
    include_str!("../../migrations/0004_trust_client_owners.sql"),
    include_str!("../../migrations/0005_heads_ups.sql"),
];

/// The schema version this server writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl From<rusqlite::Error> for ServerError {
    fn from(error: rusqlite::Error) -> Self {
        ServerError::Database(error.to_string())
    }
}

/// Opens a connection to the database file at `path` the one way the server opens every
/// connection to it: WAL, `synchronous=FULL` (a push is acknowledged only after its commit is on
/// disk: WAL mode with NORMAL may lose the last commits to an OS crash or power cut, and a desk
/// that pulled them would then find history rewritten), and a busy timeout. Any connection the
/// server opens to its database goes through here.
pub fn open_durable(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(ServerError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let apply = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        apply(conn).map_err(|source| ServerError::Migration {
            version,
            message: source.to_string(),
        })?;
    }
    Ok(())
}

/// The SQLite store. Cloning shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Read-only connections to the same file; `None` for an in-memory database, which only
    /// its one connection can see.
    readers: Option<Arc<ReaderPool>>,
    policies: PolicyCache,
}

/// Idle read-only connections, opened when a read finds none free and kept up to `KEEP_IDLE`.
struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    /// How many idle readers are kept open; more are opened under load and closed after.
    const KEEP_IDLE: usize = 8;

    fn take(&self) -> Result<Connection> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| ServerError::Task("the reader pool was poisoned".into()))?
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                conn.set_prepared_statement_cache_capacity(64);
                Ok(conn)
            }
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < Self::KEEP_IDLE {
                idle.push(conn);
            }
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `holdfast-server.db` in `data_dir` and migrates it.
    pub fn open(data_dir: &Path) -> Result<SqliteStore> {
        let path = super::durable::prepare_data_dir(data_dir)?;
        let mut store = SqliteStore::with_connection(open_durable(&path)?)?;
        store.readers = Some(Arc::new(ReaderPool {
            path,
            idle: Mutex::new(Vec::new()),
        }));
        Ok(store)
    }

    /// A private in-memory database (tests).
    pub fn open_in_memory() -> Result<SqliteStore> {
        SqliteStore::with_connection(Connection::open_in_memory()?)
    }

    pub(super) fn with_connection(mut conn: Connection) -> Result<SqliteStore> {
        conn.pragma_update(None, "foreign_keys", true)?;
        // Every statement of a push is prepared once and kept (rusqlite keeps 16 by default).
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            readers: None,
            policies: PolicyCache::default(),
        })
    }

    /// The schema version of the open database.
    pub async fn schema_version(&self) -> Result<i64> {
        self.run(|conn| Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?))
            .await
    }

    /// `PRAGMA journal_mode` and `PRAGMA synchronous` (2 = FULL) of every connection the store
    /// holds: what a push's acknowledgement relies on.
    pub async fn durability(&self) -> Result<Vec<(String, i64)>> {
        self.run(|conn| {
            let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
            let synchronous: i64 =
                conn.pragma_query_value(None, "synchronous", |row| row.get(0))?;
            Ok(vec![(mode.to_lowercase(), synchronous)])
        })
        .await
    }

    /// Runs `work` with the connection on the blocking pool.
    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| ServerError::Task("the database connection was poisoned".into()))?;
            work(&mut conn)
        })
        .await
        .map_err(|error| ServerError::Task(error.to_string()))?
    }

    /// Runs the read-only `work` on a reader connection, beside the writer; on the writer's
    /// connection for an in-memory database. A read sees every transaction committed before it
    /// began, and one consistent snapshot for its statements.
    async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let Some(readers) = self.readers.clone() else {
            return self.run(move |conn| work(conn)).await;
        };
        tokio::task::spawn_blocking(move || {
            let mut conn = readers.take()?;
            let outcome = (|| {
                let snapshot = conn.transaction()?;
                let value = work(&snapshot)?;
                snapshot.commit()?;
                Ok(value)
            })();
            readers.give_back(conn);
            outcome
        })
        .await
        .map_err(|error| ServerError::Task(error.to_string()))?
    }
}

fn read_organisation(conn: &Connection, clause: &str, key: &str) -> Result<Option<Organisation>> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            &format!("SELECT id, name, created_at FROM organisations WHERE {clause} = ?1"),
            [key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    row.map(|(id, name, created_at)| {
        Ok(Organisation {
            id: parse_uuid(&id, "organisation id")?,
            name,
            created_at: from_millis(created_at)?,
        })
    })
    .transpose()
}

const USER_COLUMNS: &str = "id, organisation_id, name, roles, active, password_hash";

fn read_user(conn: &Connection, clause: &str, keys: &[&str]) -> Result<Option<UserRecord>> {
    let row: Option<(String, String, String, String, bool, String)> = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}"))?
        .query_row(rusqlite::params_from_iter(keys), |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })
        .optional()?;
    row.map(
        |(id, organisation_id, name, roles, active, password_hash)| {
            Ok(UserRecord {
                id: parse_uuid(&id, "user id")?,
                organisation_id: parse_uuid(&organisation_id, "user organisation")?,
                name,
                roles: from_json(&roles, "user roles")?,
                active,
                password_hash,
            })
        },
    )
    .transpose()
}

fn user_by_id(conn: &Connection, id: Uuid) -> Result<Option<UserRecord>> {
    read_user(conn, "id = ?1", &[&id.to_string()])
}

fn existing_user(conn: &Connection, id: Uuid) -> Result<UserRecord> {
    user_by_id(conn, id)?.ok_or_else(|| ServerError::NotFound {
        entity: "user",
        name: id.to_string(),
    })
}

fn insert_token(
    tx: &Transaction<'_>,
    user_id: Uuid,
    token: &super::NewToken,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO tokens (hash, user_id, kind, issued_at, expires_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
        params![
            token.hash.0.to_vec(),
            user_id.to_string(),
            token.kind.as_str(),
            millis(now),
            millis(token.expires_at)
        ],
    )?;
    Ok(())
}

fn live_token_user(
    conn: &Connection,
    hash: &TokenHash,
    kind: TokenKind,
    now: Timestamp,
) -> Result<Option<Uuid>> {
    let user: Option<String> = conn
        .query_row(
            "SELECT user_id FROM tokens
             WHERE hash = ?1 AND kind = ?2 AND revoked_at IS NULL AND expires_at > ?3",
            params![hash.0.to_vec(), kind.as_str(), millis(now)],
            |row| row.get(0),
        )
        .optional()?;
    user.map(|id| parse_uuid(&id, "token user")).transpose()
}

fn read_policy(conn: &Connection, organisation_id: Uuid) -> Result<Option<PublishedPolicy>> {
    let row: Option<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT version, source, published_at FROM policies
             WHERE organisation_id = ?1 ORDER BY version DESC LIMIT 1",
        )?
        .query_row([organisation_id.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    row.map(|(version, source, published_at)| {
        Ok(PublishedPolicy {
            version: u32::try_from(version)
                .map_err(|_| ServerError::Corrupt(format!("policy version {version}")))?,
            source,
            published_at: parse_time(&published_at, "policy published_at")?,
        })
    })
    .transpose()
}

fn read_head(conn: &Connection, organisation_id: Uuid) -> Result<Option<(u64, ChainHash)>> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT last_seq, chain_hash FROM org_counters WHERE organisation_id = ?1")?
        .query_row([organisation_id.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    row.map(|(seq, hash)| {
        Ok((
            seq_u64(seq, "org counter")?,
            ChainHash::from_slice(&hash)
                .ok_or_else(|| ServerError::Corrupt("org counter hash".into()))?,
        ))
    })
    .transpose()
}

/// After an erasure: the file rewritten (free pages and the free space inside pages kept earlier
/// versions of the erased rows) and the WAL emptied into it and truncated, so that no byte of the
/// database holds the erased text.
fn compact_after_erasure(conn: &mut Connection) -> Result<()> {
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Moves the organisation's head to `head`.
fn write_head(tx: &Transaction<'_>, organisation_id: Uuid, head: (u64, ChainHash)) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO org_counters (organisation_id, last_seq, chain_hash)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (organisation_id) DO UPDATE
         SET last_seq = excluded.last_seq, chain_hash = excluded.chain_hash",
    )?
    .execute(params![
        organisation_id.to_string(),
        seq_i64(head.0, "seq")?,
        head.1 .0.to_vec()
    ])?;
    Ok(())
}

/// The ids of an account's cases, in id order.
fn account_cases(conn: &Connection, organisation_id: Uuid, account_id: Uuid) -> Result<Vec<Uuid>> {
    let mut statement = conn.prepare_cached(
        "SELECT id FROM cases WHERE organisation_id = ?1 AND account_id = ?2 ORDER BY id",
    )?;
    let ids = statement
        .query_map(
            params![organisation_id.to_string(), account_id.to_string()],
            |row| row.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut ids = ids
        .iter()
        .map(|id| parse_uuid(id, "case id"))
        .collect::<Result<Vec<_>>>()?;
    ids.sort();
    Ok(ids)
}

/// Takes the personal data out of the stored events `erasure` covers (each keeps its hashed form,
/// so the chain and its checkpoints still verify).
fn erase_stored(
    tx: &Transaction<'_>,
    organisation_id: Uuid,
    erasure: &holdfast_core::erasure::Erasure,
) -> Result<()> {
    let org = organisation_id.to_string();
    let mut aggregates = vec![erasure.account_id];
    aggregates.extend(erasure.cases.iter().copied());
    let mut select = tx.prepare_cached(&format!(
        "SELECT {SYNCED_EVENT_COLUMNS} FROM events WHERE organisation_id = ?1 AND aggregate_id = ?2"
    ))?;
    let mut update =
        tx.prepare_cached("UPDATE events SET payload = ?1 WHERE organisation_id = ?2 AND id = ?3")?;
    for aggregate in aggregates {
        let events = select
            .query_map(params![org, aggregate.to_string()], |row| {
                Ok(read_synced_event(row))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for event in events {
            let event = event?;
            if let Some(payload) = push::erased_payload(erasure, &event.record) {
                update.execute(params![
                    payload.to_string(),
                    org,
                    event.record.id.to_string()
                ])?;
            }
        }
    }
    Ok(())
}

fn read_account(
    conn: &Connection,
    organisation_id: Uuid,
    clause: &str,
    key: &str,
) -> Result<Option<AccountRecord>> {
    let row: Option<(String, String, i64)> = conn
        .prepare_cached(&format!(
            "SELECT id, draft, version FROM accounts WHERE organisation_id = ?1 AND {clause} = ?2"
        ))?
        .query_row(params![organisation_id.to_string(), key], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    row.map(|(id, draft, version)| {
        Ok(AccountRecord {
            id: parse_uuid(&id, "account id")?,
            draft: from_json::<AccountDraft>(&draft, "account draft")?,
            version: seq_u64(version, "account version")?,
        })
    })
    .transpose()
}

/// Loads what `push::decide_case` needs, inside the push's transaction.
fn load_case(
    tx: &Transaction<'_>,
    policy: Option<Arc<Policy>>,
    organisation_id: Uuid,
    case_id: Uuid,
    command: &holdfast_core::workflow::CaseCommand,
) -> Result<LoadedCase> {
    let org = organisation_id.to_string();
    let mut history_query = tx.prepare_cached(
        "SELECT payload FROM events
         WHERE organisation_id = ?1 AND aggregate_type = 'case' AND aggregate_id = ?2
         ORDER BY aggregate_version",
    )?;
    let history = history_query
        .query_map(params![org, case_id.to_string()], |row| {
            row.get::<_, String>(0)
        })?
        .map(|payload| from_json::<CaseEvent>(&payload?, "case event payload"))
        .collect::<Result<Vec<_>>>()?;
    let state = push::fold(&history);
    let account = match push::account_to_load(state.as_ref(), command) {
        Some(account_id) => read_account(tx, organisation_id, "id", &account_id.to_string())?,
        None => None,
    };
    let sales_rep_status = RepStatus::from_directory(
        match account
            .as_ref()
            .and_then(|account| account.draft.original_sales_rep.as_deref())
        {
            Some(rep) => tx
                .prepare_cached(
                    "SELECT active FROM users WHERE organisation_id = ?1 AND name = ?2",
                )?
                .query_row(params![org, rep], |row| row.get::<_, bool>(0))
                .optional()?,
            None => None,
        },
    );
    let offers_granted = match &account {
        Some(account) => {
            let mut granted = tx.prepare_cached(
                "SELECT json_extract(e.payload, '$.offer_id') FROM events e
                 JOIN cases c ON c.organisation_id = e.organisation_id AND c.id = e.aggregate_id
                 WHERE e.organisation_id = ?1 AND c.account_id = ?2
                   AND e.kind = 'offer_accepted'",
            )?;
            let offers = granted
                .query_map(params![org, account.id.to_string()], |row| {
                    row.get::<_, String>(0)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            offers
        }
        None => Vec::new(),
    };
    Ok(LoadedCase {
        history,
        account,
        sales_rep_status,
        offers_granted,
        policy,
    })
}

/// Writes a decision: events chained onto the organisation's counter, read models, outcome.
fn write_decision(
    tx: &Transaction<'_>,
    organisation_id: Uuid,
    user_id: Uuid,
    head: &mut (u64, ChainHash),
    origin: CommandOrigin,
    decision: &Decision,
    now: Timestamp,
) -> Result<()> {
    write_recorded(tx, organisation_id, head, decision, now)?;
    let org = organisation_id.to_string();
    tx.prepare_cached(
        "INSERT INTO command_outcomes (organisation_id, client_id, seq, user_id, outcome, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        org,
        origin.client_id.to_string(),
        seq_i64(origin.seq, "seq")?,
        user_id.to_string(),
        to_json(&decision.outcome)?,
        millis(now)
    ])?;
    Ok(())
}

/// Writes what a decision recorded: its events chained from `head` (which moves), the erasure it
/// carries out, its case row and its accounts.
fn write_recorded(
    tx: &Transaction<'_>,
    organisation_id: Uuid,
    head: &mut (u64, ChainHash),
    decision: &Decision,
    now: Timestamp,
) -> Result<()> {
    let org = organisation_id.to_string();
    if !decision.events.is_empty() {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (organisation_id, seq, id, aggregate_type, aggregate_id,
                aggregate_version, kind, actor, policy_version, recorded_at, payload,
                origin_client, origin_seq, chain_hash)
             VALUES (:org, :seq, :id, :aggregate_type, :aggregate_id, :aggregate_version, :kind,
                :actor, :policy_version, :recorded_at, :payload, :origin_client, :origin_seq,
                :chain_hash)",
        )?;
        for event in &decision.events {
            *head = push::link(*head, event);
            insert.execute(named_params! {
                ":org": org,
                ":seq": seq_i64(head.0, "seq")?,
                ":id": event.record.id.to_string(),
                ":aggregate_type": event.record.aggregate_type,
                ":aggregate_id": event.record.aggregate_id.to_string(),
                ":aggregate_version": seq_i64(event.record.aggregate_version, "aggregate_version")?,
                ":kind": event.record.kind,
                ":actor": event.record.actor,
                ":policy_version": event.record.policy_version,
                ":recorded_at": event.record.recorded_at.to_string(),
                ":payload": event.record.payload.to_string(),
                ":origin_client": event.origin.map(|origin| origin.client_id.to_string()),
                ":origin_seq": event.origin.map(|origin| seq_i64(origin.seq, "origin seq")).transpose()?,
                ":chain_hash": head.1 .0.to_vec(),
            })?;
        }
    }
    if let Some(erasure) = &decision.erasure {
        erase_stored(tx, organisation_id, erasure)?;
    }
    if let Some(case) = decision.case {
        tx.prepare_cached(
            "INSERT INTO cases (organisation_id, id, account_id, version) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (organisation_id, id) DO UPDATE SET version = excluded.version",
        )?
        .execute(params![
            org,
            case.id.to_string(),
            case.account_id.to_string(),
            seq_i64(case.version, "case version")?
        ])?;
    }
    for account in &decision.accounts {
        tx.prepare_cached(
            "INSERT INTO accounts (organisation_id, id, external_id, draft, version, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (organisation_id, id) DO UPDATE SET
                draft = excluded.draft, version = excluded.version, updated_at = excluded.updated_at",
        )?
        .execute(params![
                org,
                account.id.to_string(),
                account.draft.external_id,
                to_json(&account.draft)?,
                seq_i64(account.version, "account version")?,
                millis(now)
            ])?;
    }
    Ok(())
}

/// What one push reads once and carries from command to command inside its transaction: the
/// user as the server's records have them now, the client's last sequence number, the
/// organisation's policy and its head, which moves as events are written.
struct PushContext {
    user_id: Uuid,
    organisation_id: Uuid,
    actor: Actor,
    client_id: Uuid,
    last_seq: u64,
    policy: Option<Arc<Policy>>,
    head: (u64, ChainHash),
    moved: bool,
    /// A command erased personal data: the file is compacted after the commit.
    erased: bool,
}

impl PushContext {
    fn load(
        tx: &Transaction<'_>,
        policies: &PolicyCache,
        user_id: Uuid,
        client_id: Uuid,
    ) -> Result<PushContext> {
        let user = existing_user(tx, user_id)?;
        let actor = push::actor_of(&user)?;
        let org = user.organisation_id;
        bind_client(tx, org, user_id, client_id)?;
        let last: Option<i64> = tx
            .prepare_cached(
                "SELECT MAX(seq) FROM command_outcomes WHERE organisation_id = ?1 AND client_id = ?2",
            )?
            .query_row(params![org.to_string(), client_id.to_string()], |row| {
                row.get(0)
            })?;
        let policy = read_policy(tx, org)?
            .map(|published| policies.get(org, &published))
            .transpose()?;
        Ok(PushContext {
            user_id,
            organisation_id: org,
            actor,
            client_id,
            last_seq: seq_u64(last.unwrap_or(0), "client seq")?,
            policy,
            head: read_head(tx, org)?.unwrap_or((0, ChainHash::GENESIS)),
            moved: false,
            erased: false,
        })
    }

    /// Writes the organisation's head once, after the push's last event.
    fn finish(self, tx: &Transaction<'_>) -> Result<()> {
        if self.moved {
            write_head(tx, self.organisation_id, self.head)?;
        }
        Ok(())
    }
}

/// Binds a new client id to the pushing user, or refuses a client id bound to someone else
/// (`push::check_client_owner`).
fn bind_client(tx: &Transaction<'_>, org: Uuid, user_id: Uuid, client_id: Uuid) -> Result<()> {
    let owner: Option<String> = tx
        .prepare_cached("SELECT user_id FROM client_owners WHERE client_id = ?1")?
        .query_row([client_id.to_string()], |row| row.get(0))
        .optional()?;
    let owner = owner
        .map(|owner| parse_uuid(&owner, "client owner"))
        .transpose()?;
    if push::check_client_owner(owner, user_id, client_id)? {
        tx.prepare_cached(
            "INSERT INTO client_owners (client_id, organisation_id, user_id, bound_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            client_id.to_string(),
            org.to_string(),
            user_id.to_string(),
            millis(Timestamp::now())
        ])?;
    }
    Ok(())
}

fn push_in(
    tx: &Transaction<'_>,
    context: &mut PushContext,
    pushed: &PushedCommand,
    now: Timestamp,
) -> Result<CommandOutcome> {
    let org = context.organisation_id;
    // Only a number at or below the client's last can have an outcome stored already.
    let stored = if pushed.seq <= context.last_seq {
        let stored: Option<String> = tx
            .prepare_cached(
                "SELECT outcome FROM command_outcomes
                 WHERE organisation_id = ?1 AND client_id = ?2 AND seq = ?3",
            )?
            .query_row(
                params![
                    org.to_string(),
                    context.client_id.to_string(),
                    seq_i64(pushed.seq, "seq")?
                ],
                |row| row.get(0),
            )
            .optional()?;
        stored
            .map(|text| from_json::<CommandOutcome>(&text, "stored outcome"))
            .transpose()?
    } else {
        None
    };
    if let Sequence::Duplicate(outcome) =
        push::check_sequence(stored, context.last_seq, pushed.seq)?
    {
        return Ok(outcome);
    }
    let origin = CommandOrigin {
        client_id: context.client_id,
        seq: pushed.seq,
    };
    let decision = match &pushed.command {
        SyncCommand::Case {
            case_id,
            base_version,
            command,
        } => {
            let loaded = load_case(tx, context.policy.clone(), org, *case_id, command)?;
            push::decide_case(
                &loaded,
                &context.actor,
                origin,
                *case_id,
                *base_version,
                command,
                now,
            )?
        }
        SyncCommand::ImportAccounts { accounts } => {
            // A command over the bound is rejected unread (`push::decide_import`).
            let unread = accounts.len() > MAX_IMPORT_ACCOUNTS;
            let existing = accounts
                .iter()
                .filter(|_| !unread)
                .map(|draft| read_account(tx, org, "external_id", draft.external_id.trim()))
                .collect::<Result<Vec<_>>>()?;
            push::decide_import(
                &context.actor,
                origin,
                accounts,
                &existing,
                context.policy.as_deref(),
                now,
            )?
        }
        SyncCommand::ErasePersonalData { account_id } => {
            let account = read_account(tx, org, "id", &account_id.to_string())?;
            let cases = account_cases(tx, org, *account_id)?;
            push::decide_erasure(
                &context.actor,
                origin,
                *account_id,
                account.as_ref(),
                cases,
                context.policy.as_deref(),
                now,
            )?
        }
    };
    context.erased |= decision.erasure.is_some();
    write_decision(
        tx,
        org,
        context.user_id,
        &mut context.head,
        origin,
        &decision,
        now,
    )?;
    context.moved |= !decision.events.is_empty();
    context.last_seq = pushed.seq;
    Ok(decision.outcome)
}

/// The columns `read_synced_event` reads, in its order.
const SYNCED_EVENT_COLUMNS: &str = "seq, id, aggregate_type, aggregate_id, aggregate_version, kind,
    actor, policy_version, recorded_at, payload, origin_client, origin_seq, chain_hash";

fn read_synced_event(row: &rusqlite::Row<'_>) -> Result<SyncedEvent> {
    let seq: i64 = row.get(0)?;
    let id: String = row.get(1)?;
    let aggregate_id: String = row.get(3)?;
    let version: i64 = row.get(4)?;
    let recorded_at: String = row.get(8)?;
    let payload: String = row.get(9)?;
    let origin_client: Option<String> = row.get(10)?;
    let origin_seq: Option<i64> = row.get(11)?;
    let hash: Vec<u8> = row.get(12)?;
    let origin = match (origin_client, origin_seq) {
        (Some(client), Some(seq)) => Some(CommandOrigin {
            client_id: parse_uuid(&client, "origin client")?,
            seq: seq_u64(seq, "origin seq")?,
        }),
        _ => None,
    };
    Ok(SyncedEvent {
        seq: seq_u64(seq, "event seq")?,
        record: EventRecord {
            id: parse_uuid(&id, "event id")?,
            aggregate_type: row.get(2)?,
            aggregate_id: parse_uuid(&aggregate_id, "aggregate id")?,
            aggregate_version: seq_u64(version, "aggregate version")?,
            kind: row.get(5)?,
            actor: row.get(6)?,
            policy_version: row.get(7)?,
            recorded_at: parse_time(&recorded_at, "recorded_at")?,
            payload: from_json(&payload, "event payload")?,
        },
        origin,
        chain_hash: ChainHash::from_slice(&hash)
            .ok_or_else(|| ServerError::Corrupt("event chain hash".into()))?
            .to_hex(),
    })
}

#[async_trait]
impl ServerStore for SqliteStore {
    async fn create_organisation(&self, name: &str, now: Timestamp) -> Result<Organisation> {
        let name = name.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            if read_organisation(&tx, "name", &name)?.is_some() {
                return Err(ServerError::AlreadyExists {
                    entity: "organisation",
                    name,
                });
            }
            let organisation = Organisation {
                id: Uuid::now_v7(),
                name,
                created_at: Timestamp::from_millisecond(millis(now)).unwrap_or(now),
            };
            tx.execute(
                "INSERT INTO organisations (id, name, created_at) VALUES (?1, ?2, ?3)",
                params![organisation.id.to_string(), organisation.name, millis(now)],
            )?;
            tx.commit()?;
            Ok(organisation)
        })
        .await
    }

    async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>> {
        let name = name.to_owned();
        self.read(move |conn| read_organisation(conn, "name", &name))
            .await
    }

    async fn organisation(&self, id: Uuid) -> Result<Option<Organisation>> {
        self.read(move |conn| read_organisation(conn, "id", &id.to_string()))
            .await
    }

    async fn add_user(&self, user: NewUser, now: Timestamp) -> Result<UserRecord> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let org = user.organisation_id.to_string();
            if read_organisation(&tx, "id", &org)?.is_none() {
                return Err(ServerError::NotFound {
                    entity: "organisation",
                    name: org,
                });
            }
            if read_user(&tx, "organisation_id = ?1 AND name = ?2", &[&org, &user.name])?
                .is_some()
            {
                return Err(ServerError::AlreadyExists {
                    entity: "user",
                    name: user.name,
                });
            }
            let record = UserRecord {
                id: Uuid::now_v7(),
                organisation_id: user.organisation_id,
                name: user.name,
                roles: sorted_roles(&user.roles),
                active: true,
                password_hash: user.password_hash,
            };
            tx.execute(
                "INSERT INTO users (id, organisation_id, name, roles, active, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
                params![
                    record.id.to_string(),
                    org,
                    record.name,
                    to_json(&record.roles)?,
                    record.password_hash,
                    millis(now)
                ],
            )?;
            tx.commit()?;
            Ok(record)
        })
        .await
    }

    async fn user(&self, id: Uuid) -> Result<Option<UserRecord>> {
        self.read(move |conn| user_by_id(conn, id)).await
    }

    async fn user_by_name(&self, organisation_id: Uuid, name: &str) -> Result<Option<UserRecord>> {
        let name = name.to_owned();
        self.read(move |conn| {
            read_user(
                conn,
                "organisation_id = ?1 AND name = ?2",
                &[&organisation_id.to_string(), &name],
            )
        })
        .await
    }

    async fn set_user_active(&self, user_id: Uuid, active: bool) -> Result<UserRecord> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            existing_user(&tx, user_id)?;
            tx.execute(
                "UPDATE users SET active = ?1 WHERE id = ?2",
                params![active, user_id.to_string()],
            )?;
            let user = existing_user(&tx, user_id)?;
            tx.commit()?;
            Ok(user)
        })
        .await
    }

    async fn set_user_roles(&self, user_id: Uuid, roles: &[Role]) -> Result<UserRecord> {
        let roles = sorted_roles(roles);
        self.run(move |conn| {
            let tx = conn.transaction()?;
            existing_user(&tx, user_id)?;
            tx.execute(
                "UPDATE users SET roles = ?1 WHERE id = ?2",
                params![to_json(&roles)?, user_id.to_string()],
            )?;
            let user = existing_user(&tx, user_id)?;
            tx.commit()?;
            Ok(user)
        })
        .await
    }

    async fn set_password_hash(
        &self,
        user_id: Uuid,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<UserRecord> {
        let password_hash = password_hash.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            existing_user(&tx, user_id)?;
            tx.execute(
                "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                params![password_hash, user_id.to_string()],
            )?;
            tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                params![millis(now), user_id.to_string()],
            )?;
            tx.execute(
                "UPDATE token_families SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                params![millis(now), user_id.to_string()],
            )?;
            let user = existing_user(&tx, user_id)?;
            tx.commit()?;
            Ok(user)
        })
        .await
    }

    async fn insert_tokens(&self, user_id: Uuid, pair: &TokenPair, now: Timestamp) -> Result<()> {
        let pair = pair.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let family = signin::new_family(&tx, user_id, &pair, now)?;
            signin::insert_pair(&tx, user_id, &pair, family, now)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn token_user(
        &self,
        hash: &TokenHash,
        kind: TokenKind,
        now: Timestamp,
    ) -> Result<Option<UserRecord>> {
        let hash = *hash;
        self.read(move |conn| match live_token_user(conn, &hash, kind, now)? {
            Some(user_id) => user_by_id(conn, user_id),
            None => Ok(None),
        })
        .await
    }

    async fn revoke_token(&self, hash: &TokenHash, now: Timestamp) -> Result<bool> {
        let hash = *hash;
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE hash = ?2 AND revoked_at IS NULL",
                params![millis(now), hash.0.to_vec()],
            )?;
            // A refresh token ends its whole session.
            if let Some((kind, Some(family))) = signin::token_family(&tx, &hash)? {
                if kind == TokenKind::Refresh.as_str() {
                    signin::revoke_family(&tx, &family, now)?;
                }
            }
            tx.commit()?;
            Ok(changed > 0)
        })
        .await
    }

    async fn rotate_refresh_token(
        &self,
        old: &TokenHash,
        new: &TokenPair,
        now: Timestamp,
    ) -> Result<Option<UserRecord>> {
        let old = *old;
        let new = new.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let stored = signin::token_family(&tx, &old)?;
            let Some(user_id) = live_token_user(&tx, &old, TokenKind::Refresh, now)? else {
                // A refresh token used or revoked before: it was copied. End its session.
                if let Some((kind, Some(family))) = stored {
                    if kind == TokenKind::Refresh.as_str() {
                        let revoked_at: Option<i64> = tx.query_row(
                            "SELECT revoked_at FROM tokens WHERE hash = ?1",
                            [old.0.to_vec()],
                            |row| row.get(0),
                        )?;
                        if revoked_at.is_some() {
                            signin::revoke_family(&tx, &family, now)?;
                            tx.commit()?;
                        }
                    }
                }
                return Ok(None);
            };
            tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE hash = ?2",
                params![millis(now), old.0.to_vec()],
            )?;
            let family = signin::continue_family(
                &tx,
                stored.and_then(|(_, family)| family),
                user_id,
                &new,
                now,
            )?;
            signin::insert_pair(&tx, user_id, &new, family, now)?;
            let user = existing_user(&tx, user_id)?;
            tx.commit()?;
            Ok(Some(user))
        })
        .await
    }

    async fn record_sign_in_failure(&self, subjects: &[String], at: Timestamp) -> Result<()> {
        let subjects = subjects.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            for subject in &subjects {
                tx.execute(
                    "INSERT INTO sign_in_failures (subject, at) VALUES (?1, ?2)",
                    params![subject, millis(at)],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sign_in_failures(&self, subject: &str, since: Timestamp) -> Result<FailureWindow> {
        let subject = subject.to_owned();
        self.run(move |conn| {
            let (count, oldest): (i64, Option<i64>) = conn.query_row(
                "SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE subject = ?1 AND at >= ?2",
                params![subject, millis(since)],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            Ok(FailureWindow {
                count: u32::try_from(count).unwrap_or(u32::MAX),
                oldest: oldest.map(from_millis).transpose()?,
            })
        })
        .await
    }

    async fn clear_sign_in_failures(&self, subject: &str) -> Result<()> {
        let subject = subject.to_owned();
        self.run(move |conn| {
            conn.execute("DELETE FROM sign_in_failures WHERE subject = ?1", [subject])?;
            Ok(())
        })
        .await
    }

    async fn prune_sign_in_failures(&self, before: Timestamp) -> Result<u64> {
        self.run(move |conn| {
            let removed = conn.execute(
                "DELETE FROM sign_in_failures WHERE at < ?1",
                [millis(before)],
            )?;
            Ok(removed as u64)
        })
        .await
    }

    async fn reserve_sign_in_attempt(
        &self,
        subjects: &AttemptSubjects,
        limits: &SignInLimits,
        window: jiff::SignedDuration,
        now: Timestamp,
    ) -> Result<Admission> {
        let (subjects, limits) = (subjects.clone(), *limits);
        self.run(move |conn| signin::reserve(conn, &subjects, &limits, window, now))
            .await
    }

    async fn sign_in_attempt_succeeded(
        &self,
        subjects: &AttemptSubjects,
        attempt: Uuid,
    ) -> Result<()> {
        let subjects = subjects.clone();
        self.run(move |conn| signin::succeeded(conn, &subjects, attempt))
            .await
    }

    async fn user_sessions(&self, user_id: Uuid, now: Timestamp) -> Result<Vec<SessionRecord>> {
        self.run(move |conn| signin::sessions(conn, user_id, now))
            .await
    }

    async fn revoke_sessions(
        &self,
        user_id: Uuid,
        session: Option<Uuid>,
        now: Timestamp,
    ) -> Result<u64> {
        self.run(move |conn| signin::revoke_sessions(conn, user_id, session, now))
            .await
    }

    async fn publish_policy(
        &self,
        organisation_id: Uuid,
        version: u32,
        source: &str,
        now: Timestamp,
    ) -> Result<PublishedPolicy> {
        let source = source.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            if read_organisation(&tx, "id", &organisation_id.to_string())?.is_none() {
                return Err(ServerError::NotFound {
                    entity: "organisation",
                    name: organisation_id.to_string(),
                });
            }
            if let Some(current) = read_policy(&tx, organisation_id)? {
                if version <= current.version {
                    return Err(ServerError::PolicyVersion {
                        given: version,
                        current: current.version,
                    });
                }
            }
            let published = PublishedPolicy {
                version,
                source,
                published_at: now,
            };
            tx.execute(
                "INSERT INTO policies (organisation_id, version, source, published_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    organisation_id.to_string(),
                    i64::from(version),
                    published.source,
                    now.to_string()
                ],
            )?;
            tx.commit()?;
            Ok(published)
        })
        .await
    }

    async fn current_policy(&self, organisation_id: Uuid) -> Result<Option<PublishedPolicy>> {
        self.read(move |conn| read_policy(conn, organisation_id))
            .await
    }

    async fn push_command(
        &self,
        user_id: Uuid,
        client_id: Uuid,
        command: &PushedCommand,
        now: Timestamp,
    ) -> Result<CommandOutcome> {
        let command = command.clone();
        let policies = self.policies.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut context = PushContext::load(&tx, &policies, user_id, client_id)?;
            let outcome = push_in(&tx, &mut context, &command, now)?;
            let erased = context.erased;
            context.finish(&tx)?;
            tx.commit()?;
            if erased {
                compact_after_erasure(conn)?;
            }
            Ok(outcome)
        })
        .await
    }

    async fn push_batch(
        &self,
        user_id: Uuid,
        client_id: Uuid,
        commands: &[PushedCommand],
        now: Timestamp,
    ) -> Result<Vec<CommandOutcome>> {
        let commands = commands.to_vec();
        let policies = self.policies.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut context = PushContext::load(&tx, &policies, user_id, client_id)?;
            let outcomes = commands
                .iter()
                .map(|command| push_in(&tx, &mut context, command, now))
                .collect::<Result<Vec<_>>>()?;
            let erased = context.erased;
            context.finish(&tx)?;
            tx.commit()?;
            if erased {
                compact_after_erasure(conn)?;
            }
            Ok(outcomes)
        })
        .await
    }

    async fn events_after(
        &self,
        organisation_id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<EventPage> {
        let after = seq_i64(after, "after")?;
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {SYNCED_EVENT_COLUMNS}
                     FROM events WHERE organisation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            ))?;
            let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
            let mut events = statement
                .query_map(params![organisation_id.to_string(), after, fetch], |row| {
                    Ok(read_synced_event(row))
                })?
                .map(|row| row?)
                .collect::<Result<Vec<_>>>()?;
            let more = events.len() > limit;
            events.truncate(limit);
            Ok(EventPage { events, more })
        })
        .await
    }

    async fn head(&self, organisation_id: Uuid) -> Result<Option<(u64, [u8; 32])>> {
        self.read(
            move |conn| Ok(read_head(conn, organisation_id)?.map(|(seq, hash)| (seq, hash.0))),
        )
        .await
    }

    async fn account(
        &self,
        organisation_id: Uuid,
        account_id: Uuid,
    ) -> Result<Option<AccountRecord>> {
        self.read(move |conn| read_account(conn, organisation_id, "id", &account_id.to_string()))
            .await
    }

    async fn record_retention_erasure(
        &self,
        organisation_id: Uuid,
        erasure: &holdfast_core::erasure::Erasure,
        now: Timestamp,
    ) -> Result<bool> {
        let erasure = erasure.clone();
        let policies = self.policies.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let Some(published) = read_policy(&tx, organisation_id)? else {
                return Ok(false);
            };
            let policy = policies.get(organisation_id, &published)?;
            let account =
                read_account(&tx, organisation_id, "id", &erasure.account_id.to_string())?;
            let Some(account) = account else {
                return Ok(false);
            };
            let decision = push::decide_retention(&erasure, &account, &policy, now)?;
            let mut head = read_head(&tx, organisation_id)?.unwrap_or((0, ChainHash::GENESIS));
            write_recorded(&tx, organisation_id, &mut head, &decision, now)?;
            write_head(&tx, organisation_id, head)?;
            tx.commit()?;
            compact_after_erasure(conn)?;
            Ok(true)
        })
        .await
    }

    async fn heads_up_cursor(&self, organisation_id: Uuid) -> Result<Option<u64>> {
        self.read(move |conn| heads_ups::cursor(conn, organisation_id))
            .await
    }

    async fn case_account_id(&self, organisation_id: Uuid, case_id: Uuid) -> Result<Option<Uuid>> {
        self.read(move |conn| heads_ups::case_account_id(conn, organisation_id, case_id))
            .await
    }

    async fn queue_heads_ups(
        &self,
        organisation_id: Uuid,
        deliveries: &[super::QueuedHeadsUp],
        cursor: u64,
        now: Timestamp,
    ) -> Result<usize> {
        let deliveries = deliveries.to_vec();
        self.run(move |conn| heads_ups::queue(conn, organisation_id, &deliveries, cursor, now))
            .await
    }

    async fn claim_heads_ups(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: usize,
    ) -> Result<Vec<super::ClaimedHeadsUp>> {
        self.run(move |conn| heads_ups::claim(conn, now, lease, limit))
            .await
    }

    async fn record_heads_up_attempt(
        &self,
        id: Uuid,
        attempt: &holdfast_core::heads_up::Attempt,
        now: Timestamp,
    ) -> Result<holdfast_core::heads_up::DeliveryStatus> {
        let attempt = attempt.clone();
        self.run(move |conn| heads_ups::record_attempt(conn, id, &attempt, now))
            .await
    }

    async fn heads_up_deliveries(
        &self,
        organisation_id: Uuid,
        limit: usize,
    ) -> Result<Vec<holdfast_core::heads_up::Delivery>> {
        self.read(move |conn| heads_ups::deliveries(conn, organisation_id, limit))
            .await
    }

    async fn organisation_ids(&self) -> Result<Vec<Uuid>> {
        self.read(|conn| {
            let ids = conn
                .prepare("SELECT id FROM organisations ORDER BY id")?
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ids.iter()
                .map(|id| parse_uuid(id, "organisation id"))
                .collect()
        })
        .await
    }

    async fn record_checkpoint(
        &self,
        organisation_id: Uuid,
        checkpoint: &Checkpoint,
    ) -> Result<()> {
        let checkpoint = checkpoint.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO checkpoints (organisation_id, seq, chain_hash, signature)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (organisation_id, seq) DO NOTHING",
                params![
                    organisation_id.to_string(),
                    seq_i64(checkpoint.seq, "checkpoint seq")?,
                    checkpoint.chain_hash,
                    checkpoint.signature
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn checkpoints_after(
        &self,
        organisation_id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Checkpoint>> {
        let after = seq_i64(after, "after")?;
        let limit = seq_i64(limit as u64, "limit")?;
        self.read(move |conn| {
            let mut statement = conn.prepare(
                "SELECT seq, chain_hash, signature FROM checkpoints
                 WHERE organisation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = statement
                .query_map(params![organisation_id.to_string(), after, limit], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<(i64, String, String)>>>()?;
            rows.into_iter()
                .map(|(seq, chain_hash, signature)| {
                    Ok(Checkpoint {
                        seq: seq_u64(seq, "checkpoint seq")?,
                        chain_hash,
                        signature,
                    })
                })
                .collect()
        })
        .await
    }

    async fn checkpoint_at_or_before(
        &self,
        organisation_id: Uuid,
        seq: u64,
    ) -> Result<Option<Checkpoint>> {
        let seq = seq_i64(seq, "seq")?;
        self.read(move |conn| {
            let row: Option<(i64, String, String)> = conn
                .query_row(
                    "SELECT seq, chain_hash, signature FROM checkpoints
                     WHERE organisation_id = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1",
                    params![organisation_id.to_string(), seq],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            row.map(|(seq, chain_hash, signature)| {
                Ok(Checkpoint {
                    seq: seq_u64(seq, "checkpoint seq")?,
                    chain_hash,
                    signature,
                })
            })
            .transpose()
        })
        .await
    }

    async fn signing_key_or_insert(&self, fresh: [u8; 32]) -> Result<[u8; 32]> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO signing_key (id, secret) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
                [fresh.to_vec()],
            )?;
            let secret: Vec<u8> =
                conn.query_row("SELECT secret FROM signing_key WHERE id = 1", [], |row| {
                    row.get(0)
                })?;
            <[u8; 32]>::try_from(secret.as_slice())
                .map_err(|_| ServerError::Corrupt("the signing key is not 32 bytes".into()))
        })
        .await
    }

    async fn ping(&self) -> Result<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }

    async fn legacy_signing_key(&self) -> Result<Option<[u8; 32]>> {
        self.run(move |conn| {
            let secret: Option<Vec<u8>> = conn
                .query_row("SELECT secret FROM signing_key WHERE id = 1", [], |row| {
                    row.get(0)
                })
                .optional()?;
            secret
                .map(|secret| {
                    <[u8; 32]>::try_from(secret.as_slice())
                        .map_err(|_| ServerError::Corrupt("the signing key is not 32 bytes".into()))
                })
                .transpose()
        })
        .await
    }

    async fn forget_signing_key(&self, secret: [u8; 32]) -> Result<bool> {
        self.run(move |conn| {
            let removed = conn.execute(
                "DELETE FROM signing_key WHERE id = 1 AND secret = ?1",
                [secret.to_vec()],
            )?;
            Ok(removed > 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::store_suite!(SqliteStore::open_in_memory().expect("an in-memory database"));
    crate::store_suite_trust!(SqliteStore::open_in_memory().expect("an in-memory database"));
    crate::store_suite_heads_ups!(SqliteStore::open_in_memory().expect("an in-memory database"));
    crate::store_suite_authz!(SqliteStore::open_in_memory().expect("an in-memory database"));

    /// The same suite on a database file, where reads go through the reader connections.
    mod on_a_file {
        use super::*;

        /// A store in a folder of the system's temporary directory, left there (each test's
        /// store lives as long as the test and the suite takes only the store).
        fn on_a_file() -> SqliteStore {
            let dir = tempfile::Builder::new()
                .prefix("holdfast-server-suite")
                .tempdir()
                .expect("a temporary directory")
                .keep();
            SqliteStore::open(&dir).expect("opens")
        }

        crate::store_suite!(on_a_file());
    }

    /// Issue 12's bounded imports, in memory and on a file.
    mod import_suite {
        use super::*;

        crate::store_suite_import!(SqliteStore::open_in_memory().expect("an in-memory database"));

        mod on_a_file {
            use super::*;

            fn on_a_file() -> SqliteStore {
                let dir = tempfile::Builder::new()
                    .prefix("holdfast-server-import")
                    .tempdir()
                    .expect("a temporary directory")
                    .keep();
                SqliteStore::open(&dir).expect("opens")
            }

            crate::store_suite_import!(on_a_file());
        }
    }

    #[tokio::test]
    async fn a_pull_does_not_wait_behind_a_write() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path()).expect("opens");
        let org = store
            .create_organisation("Acme", Timestamp::now())
            .await
            .expect("created");
        // A writer that holds the database (an import in progress) until it is told to stop.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, writing) = tokio::sync::oneshot::channel::<()>();
        let writer = store.clone();
        let import = tokio::spawn(async move {
            writer
                .run(move |conn| {
                    let tx = conn.transaction()?;
                    tx.execute(
                        "INSERT INTO organisations (id, name, created_at) VALUES (?1, 'Beta', 0)",
                        [Uuid::now_v7().to_string()],
                    )?;
                    let _ = started.send(());
                    let _ = held.recv();
                    tx.commit()?;
                    Ok(())
                })
                .await
        });
        writing.await.expect("the writer started");
        // Reads answer while the writer holds its transaction, with what was committed before.
        let page = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            store.events_after(org.id, 0, 10),
        )
        .await
        .expect("the pull did not wait for the writer")
        .expect("pulled");
        assert!(page.events.is_empty());
        let beta = store.organisation_by_name("Beta").await.expect("read");
        assert_eq!(beta, None, "an uncommitted write is not seen");
        release.send(()).expect("the writer waits");
        import.await.expect("joined").expect("committed");
        assert!(store
            .organisation_by_name("Beta")
            .await
            .expect("read")
            .is_some());
    }

    mod durable_suite {
        use super::*;
        crate::store_suite_durable!(SqliteStore::open_in_memory().expect("an in-memory database"));
    }

    #[tokio::test]
    async fn a_data_directory_holds_one_migrated_database_in_wal_mode() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path()).expect("opens");
        assert_eq!(
            store.schema_version().await.expect("version"),
            SCHEMA_VERSION
        );
        let mode: String = store
            .run(|conn| Ok(conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?))
            .await
            .expect("journal mode");
        assert_eq!(mode.to_lowercase(), "wal");
        let org = store
            .create_organisation("Acme", Timestamp::now())
            .await
            .expect("created");
        drop(store);
        // Reopening keeps the data and does not migrate twice.
        let store = SqliteStore::open(dir.path()).expect("reopens");
        assert_eq!(
            store.organisation_by_name("Acme").await.expect("read"),
            Some(org)
        );
        assert!(dir.path().join(DATABASE_FILE).exists());
    }

    #[tokio::test]
    async fn verify_names_the_first_changed_event() {
        use crate::store::suite::{fixture, open_logged_case};
        use crate::verify::{verify_log, LogVerdict};

        let store = SqliteStore::open_in_memory().expect("an in-memory database");
        let f = fixture(&store).await;
        open_logged_case(&store, &f.mia, Uuid::now_v7(), f.account_id).await;
        assert!(matches!(
            verify_log(&store, f.organisation.id)
                .await
                .expect("verified"),
            LogVerdict::Intact { events: 3, .. }
        ));
        store
            .run(|conn| {
                conn.execute("UPDATE events SET actor = 'someone-else' WHERE seq = 2", [])?;
                Ok(())
            })
            .await
            .expect("tampered");
        assert!(matches!(
            verify_log(&store, f.organisation.id)
                .await
                .expect("verified"),
            LogVerdict::Broken { seq: Some(2), .. }
        ));
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        {
            let conn = Connection::open(dir.path().join(DATABASE_FILE)).expect("opens");
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .expect("sets");
        }
        assert!(matches!(
            SqliteStore::open(dir.path()),
            Err(ServerError::NewerSchema { .. })
        ));
    }
}

#[cfg(test)]
mod trust_tests {
    use super::*;
    use crate::store::suite::{case_command, fixture, now, receive};

    /// A database from before client ids were bound: the upgrade binds each client id that
    /// pushed already to the user of its first command, so a colleague cannot take it over.
    #[tokio::test]
    async fn the_upgrade_binds_clients_that_pushed_before_to_their_first_user() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let f = {
            let store = SqliteStore::open(dir.path()).expect("opens");
            let f = fixture(&store).await;
            // Back to schema 3 (before 0004), as a server before this change left it.
            store
                .run(|conn| {
                    conn.execute_batch("DROP TABLE client_owners; PRAGMA user_version = 3;")?;
                    Ok(())
                })
                .await
                .expect("downgraded");
            f
        };
        let store = SqliteStore::open(dir.path()).expect("reopens and migrates");
        assert_eq!(
            store.schema_version().await.expect("version"),
            SCHEMA_VERSION
        );
        // ann imported the accounts from client 0xa11 in the fixture.
        let case_id = Uuid::now_v7();
        let taken = store
            .push_command(
                f.max.id,
                Uuid::from_u128(0xa11),
                &case_command(2, case_id, 0, receive(case_id, f.account_id)),
                now(),
            )
            .await;
        assert!(
            matches!(taken, Err(ServerError::ClientOfAnotherUser { .. })),
            "{taken:?}"
        );
        let own = store
            .push_command(
                f.ann.id,
                Uuid::from_u128(0xa11),
                &case_command(2, case_id, 0, receive(case_id, f.account_id)),
                now(),
            )
            .await
            .expect("ann pushes");
        assert_eq!(own, CommandOutcome::Applied);
    }
}
