//! The PostgreSQL backend: for several server instances behind a load balancer, all on one
//! database. tokio-postgres connections in a deadpool pool (one pool per instance); numbered
//! migrations (`migrations/postgres/`) applied under an advisory lock and recorded in
//! `holdfast_schema_migrations`.
//!
//! A push is ONE transaction that first locks the organisation's counter row
//! (`SELECT … FROM org_counters … FOR UPDATE`): the organisation's writers are serialised on every
//! instance, everything the decision reads is what the previous writer committed, a repeated
//! `(client_id, seq)` sent to two instances at once is decided once and answered from the stored
//! outcome the second time, and counter values are handed out in commit order — so a pull never
//! sees a gap that fills later. The counter row is written back (guarded by the value that was
//! locked) in the same transaction as the events. Nothing another instance needs is kept in
//! memory; the only cache is `PolicyCache` (parsed, immutable published policies).

use super::columns::{
    from_json, from_millis, hash_of, millis, parse_time, seq_i64, seq_u64, sorted_roles, to_json,
};

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use holdfast_core::account::AccountDraft;
use holdfast_core::audit::ChainHash;
use holdfast_core::record::EventRecord;
use holdfast_core::role::Role;
use holdfast_sync::protocol::{
    Checkpoint, CommandOrigin, CommandOutcome, PublishedPolicy, PushedCommand, SyncedEvent,
};
use jiff::Timestamp;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};
use uuid::Uuid;

use super::{
    AccountRecord, EventPage, FailureWindow, NewToken, NewUser, Organisation, ServerStore,
    TokenHash, TokenKind, TokenPair, UserRecord,
};
use crate::error::{Result, ServerError};

#[path = "postgres_batch.rs"]
mod batch;
#[path = "postgres_heads_ups.rs"]
mod heads_ups;
#[path = "postgres_signin.rs"]
mod signin;
#[path = "postgres_tls.rs"]
pub mod tls;
use super::{Admission, AttemptSubjects, SessionRecord, SignInLimits};
use crate::push::PolicyCache;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`; append, never edit or reorder.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_server.sql"),
    include_str!("../../migrations/postgres/0002_accepted_offers.sql"),
    include_str!("../../migrations/postgres/0003_signin_sessions.sql"),
    include_str!("../../migrations/postgres/0004_trust_client_owners.sql"),
    include_str!("../../migrations/postgres/0005_heads_ups.sql"),
];

/// The schema version this server writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The table that records applied migrations.
pub const MIGRATIONS_TABLE: &str = "holdfast_schema_migrations";

/// The advisory lock key instances take while migrating (so two starting at once do not race).
const MIGRATION_LOCK: i64 = 0x686f_6c64_6661_7374; // "holdfast"

/// Connections per instance when the caller does not say.
pub const DEFAULT_POOL_SIZE: usize = 16;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl From<tokio_postgres::Error> for ServerError {
    fn from(error: tokio_postgres::Error) -> Self {
        ServerError::Database(describe(&error))
    }
}

impl From<deadpool_postgres::PoolError> for ServerError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => ServerError::Database(format!("connection pool: {other}")),
        }
    }
}

/// The server's message and SQLSTATE for a database error; the driver's own text otherwise.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => {
            // The driver's text and its causes (a TLS handshake's says which check failed).
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

/// The PostgreSQL store. Cloning shares the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    policies: PolicyCache,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or a key=value
    /// connection string) with a pool of `DEFAULT_POOL_SIZE` connections, and migrates.
    ///
    /// TLS comes from the URL as libpq reads it: `sslmode=require` (encrypted) or
    /// `sslmode=verify-full&sslrootcert=/path/ca.pem` (encrypted to a server whose certificate
    /// chains to that CA and names the host); see `tls`.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let (config, tls) = tls::parse_database_url(url)?;
        PgStore::connect_config_tls(config, &tls, DEFAULT_POOL_SIZE).await
    }

    /// Connects as `connect_config` does, with TLS as `tls` says; an error connecting names the
    /// `sslmode` (a database that does not offer TLS is refused, never used in plain text).
    pub async fn connect_config_tls(
        config: tokio_postgres::Config,
        tls: &tls::PgTls,
        pool_size: usize,
    ) -> Result<PgStore> {
        let Some(connector) = tls::connector(tls)? else {
            return PgStore::connect_config(config, pool_size).await;
        };
        let manager = Manager::from_config(
            config,
            connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .build()
            .map_err(|error| ServerError::Config(format!("the connection pool: {error}")))?;
        let store = PgStore {
            pool,
            policies: PolicyCache::default(),
        };
        store.migrate().await.map_err(|error| match error {
            ServerError::Database(message) => ServerError::Database(format!(
                "connecting with sslmode={}: {message}",
                tls.mode_name()
            )),
            other => other,
        })?;
        Ok(store)
    }

    /// Connects with a parsed configuration and a pool of at most `pool_size` connections, and
    /// migrates.
    pub async fn connect_config(
        config: tokio_postgres::Config,
        pool_size: usize,
    ) -> Result<PgStore> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .build()
            .map_err(|error| ServerError::Config(format!("the connection pool: {error}")))?;
        let store = PgStore {
            pool,
            policies: PolicyCache::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations this database lacks, in one transaction under an advisory lock;
    /// refuses a database migrated by a newer server.
    async fn migrate(&self) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
             CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );"
        ))
        .await?;
        let found: i64 = tx
            .query_one(
                format!("SELECT COALESCE(MAX(version), 0)::bigint FROM {MIGRATIONS_TABLE}")
                    .as_str(),
                &[],
            )
            .await?
            .get(0);
        if found > SCHEMA_VERSION {
            return Err(ServerError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let version = index as i64 + 1;
            let failed = |error: tokio_postgres::Error| ServerError::Migration {
                version,
                message: describe(&error),
            };
            tx.batch_execute(sql).await.map_err(failed)?;
            tx.execute(
                format!("INSERT INTO {MIGRATIONS_TABLE} (version) VALUES ($1)").as_str(),
                &[&(version as i32)],
            )
            .await
            .map_err(failed)?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The schema version of the database.
    pub async fn schema_version(&self) -> Result<i64> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                format!("SELECT COALESCE(MAX(version), 0)::bigint FROM {MIGRATIONS_TABLE}")
                    .as_str(),
                &[],
            )
            .await?;
        Ok(row.get(0))
    }

    /// The pool's connection limit (what `connect_config` was given).
    pub fn pool_size(&self) -> usize {
        self.pool.status().max_size
    }
}

/// One row or none, through the connection's statement cache.
async fn query_opt<C: GenericClient>(
    client: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_opt(&statement, params).await?)
}

async fn query_one<C: GenericClient>(client: &C, sql: &str, params: Params<'_>) -> Result<Row> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_one(&statement, params).await?)
}

async fn query<C: GenericClient>(client: &C, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query(&statement, params).await?)
}

async fn execute<C: GenericClient>(client: &C, sql: &str, params: Params<'_>) -> Result<u64> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

fn organisation_from(row: &Row) -> Result<Organisation> {
    Ok(Organisation {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        created_at: from_millis(row.try_get(2)?)?,
    })
}

async fn organisation_by_id<C: GenericClient>(
    client: &C,
    id: Uuid,
) -> Result<Option<Organisation>> {
    query_opt(
        client,
        "SELECT id, name, created_at FROM organisations WHERE id = $1",
        &[&id],
    )
    .await?
    .as_ref()
    .map(organisation_from)
    .transpose()
}

const USER_COLUMNS: &str = "id, organisation_id, name, roles, active, password_hash";

fn user_from(row: &Row) -> Result<UserRecord> {
    let roles: String = row.try_get(3)?;
    Ok(UserRecord {
        id: row.try_get(0)?,
        organisation_id: row.try_get(1)?,
        name: row.try_get(2)?,
        roles: from_json(&roles, "user roles")?,
        active: row.try_get(4)?,
        password_hash: row.try_get(5)?,
    })
}

async fn user_by_id<C: GenericClient>(client: &C, id: Uuid) -> Result<Option<UserRecord>> {
    query_opt(
        client,
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
        &[&id],
    )
    .await?
    .as_ref()
    .map(user_from)
    .transpose()
}

fn no_user(id: Uuid) -> ServerError {
    ServerError::NotFound {
        entity: "user",
        name: id.to_string(),
    }
}

/// Runs an `UPDATE users … WHERE id = $n RETURNING <user columns>`: the changed user, or
/// `NotFound`.
async fn update_user<C: GenericClient>(
    client: &C,
    set: &str,
    params: Params<'_>,
    user_id: Uuid,
) -> Result<UserRecord> {
    let sql = format!(
        "UPDATE users SET {set} WHERE id = ${} RETURNING {USER_COLUMNS}",
        params.len()
    );
    match query_opt(client, &sql, params).await? {
        Some(row) => user_from(&row),
        None => Err(no_user(user_id)),
    }
}

fn policy_from(row: &Row) -> Result<PublishedPolicy> {
    let version: i64 = row.try_get(0)?;
    let published_at: String = row.try_get(2)?;
    Ok(PublishedPolicy {
        version: u32::try_from(version)
            .map_err(|_| ServerError::Corrupt(format!("policy version {version}")))?,
        source: row.try_get(1)?,
        published_at: parse_time(&published_at, "policy published_at")?,
    })
}

async fn read_policy<C: GenericClient>(
    client: &C,
    organisation_id: Uuid,
) -> Result<Option<PublishedPolicy>> {
    query_opt(
        client,
        "SELECT version, source, published_at FROM policies
         WHERE organisation_id = $1 ORDER BY version DESC LIMIT 1",
        &[&organisation_id],
    )
    .await?
    .as_ref()
    .map(policy_from)
    .transpose()
}

fn account_from(row: &Row) -> Result<AccountRecord> {
    let draft: String = row.try_get(1)?;
    Ok(AccountRecord {
        id: row.try_get(0)?,
        draft: from_json::<AccountDraft>(&draft, "account draft")?,
        version: seq_u64(row.try_get(2)?, "account version")?,
    })
}

async fn account_by_id<C: GenericClient>(
    client: &C,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Option<AccountRecord>> {
    query_opt(
        client,
        "SELECT id, draft, version FROM accounts WHERE organisation_id = $1 AND id = $2",
        &[&organisation_id, &id],
    )
    .await?
    .as_ref()
    .map(account_from)
    .transpose()
}

async fn account_by_external_id<C: GenericClient>(
    client: &C,
    organisation_id: Uuid,
    external_id: &str,
) -> Result<Option<AccountRecord>> {
    query_opt(
        client,
        "SELECT id, draft, version FROM accounts
         WHERE organisation_id = $1 AND external_id = $2",
        &[&organisation_id, &external_id],
    )
    .await?
    .as_ref()
    .map(account_from)
    .transpose()
}

async fn insert_pair<C: GenericClient>(
    client: &C,
    user_id: Uuid,
    pair: &TokenPair,
    now: Timestamp,
) -> Result<()> {
    let token = |token: &NewToken| {
        (
            token.hash.0.to_vec(),
            token.kind.as_str(),
            millis(token.expires_at),
        )
    };
    let (access_hash, access_kind, access_expires) = token(&pair.access);
    let (refresh_hash, refresh_kind, refresh_expires) = token(&pair.refresh);
    execute(
        client,
        "INSERT INTO tokens (hash, user_id, kind, issued_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, NULL), ($6, $2, $7, $4, $8, NULL)",
        &[
            &access_hash,
            &user_id,
            &access_kind,
            &millis(now),
            &access_expires,
            &refresh_hash,
            &refresh_kind,
            &refresh_expires,
        ],
    )
    .await?;
    Ok(())
}

fn synced_event_from(row: &Row) -> Result<SyncedEvent> {
    let recorded_at: String = row.try_get(8)?;
    let payload: String = row.try_get(9)?;
    let origin_client: Option<Uuid> = row.try_get(10)?;
    let origin_seq: Option<i64> = row.try_get(11)?;
    let origin = match (origin_client, origin_seq) {
        (Some(client_id), Some(seq)) => Some(CommandOrigin {
            client_id,
            seq: seq_u64(seq, "origin seq")?,
        }),
        _ => None,
    };
    Ok(SyncedEvent {
        seq: seq_u64(row.try_get(0)?, "event seq")?,
        record: EventRecord {
            id: row.try_get(1)?,
            aggregate_type: row.try_get(2)?,
            aggregate_id: row.try_get(3)?,
            aggregate_version: seq_u64(row.try_get(4)?, "aggregate version")?,
            kind: row.try_get(5)?,
            actor: row.try_get(6)?,
            policy_version: row.try_get(7)?,
            recorded_at: parse_time(&recorded_at, "recorded_at")?,
            payload: from_json(&payload, "event payload")?,
        },
        origin,
        chain_hash: hash_of(row.try_get(12)?, "event chain hash")?.to_hex(),
    })
}

#[async_trait]
impl ServerStore for PgStore {
    async fn create_organisation(&self, name: &str, now: Timestamp) -> Result<Organisation> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let organisation = Organisation {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            created_at: Timestamp::from_millisecond(millis(now)).unwrap_or(now),
        };
        let inserted = execute(
            &tx,
            "INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
            &[&organisation.id, &organisation.name, &millis(now)],
        )
        .await?;
        if inserted == 0 {
            return Err(ServerError::AlreadyExists {
                entity: "organisation",
                name: organisation.name,
            });
        }
        execute(
            &tx,
            "INSERT INTO org_counters (organisation_id, last_seq, chain_hash) VALUES ($1, 0, $2)",
            &[&organisation.id, &ChainHash::GENESIS.0.as_slice()],
        )
        .await?;
        tx.commit().await?;
        Ok(organisation)
    }

    async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>> {
        let client = self.pool.get().await?;
        query_opt(
            &client,
            "SELECT id, name, created_at FROM organisations WHERE name = $1",
            &[&name],
        )
        .await?
        .as_ref()
        .map(organisation_from)
        .transpose()
    }

    async fn organisation(&self, id: Uuid) -> Result<Option<Organisation>> {
        let client = self.pool.get().await?;
        organisation_by_id(&client, id).await
    }

    async fn add_user(&self, user: NewUser, now: Timestamp) -> Result<UserRecord> {
        let client = self.pool.get().await?;
        if organisation_by_id(&client, user.organisation_id)
            .await?
            .is_none()
        {
            return Err(ServerError::NotFound {
                entity: "organisation",
                name: user.organisation_id.to_string(),
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
        let inserted = execute(
            &client,
            "INSERT INTO users (id, organisation_id, name, roles, active, password_hash,
                created_at)
             VALUES ($1, $2, $3, $4, TRUE, $5, $6)
             ON CONFLICT (organisation_id, name) DO NOTHING",
            &[
                &record.id,
                &record.organisation_id,
                &record.name,
                &to_json(&record.roles)?,
                &record.password_hash,
                &millis(now),
            ],
        )
        .await?;
        if inserted == 0 {
            return Err(ServerError::AlreadyExists {
                entity: "user",
                name: record.name,
            });
        }
        Ok(record)
    }

    async fn user(&self, id: Uuid) -> Result<Option<UserRecord>> {
        let client = self.pool.get().await?;
        user_by_id(&client, id).await
    }

    async fn user_by_name(&self, organisation_id: Uuid, name: &str) -> Result<Option<UserRecord>> {
        let client = self.pool.get().await?;
        query_opt(
            &client,
            &format!("SELECT {USER_COLUMNS} FROM users WHERE organisation_id = $1 AND name = $2"),
            &[&organisation_id, &name],
        )
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    async fn set_user_active(&self, user_id: Uuid, active: bool) -> Result<UserRecord> {
        let client = self.pool.get().await?;
        update_user(&client, "active = $1", &[&active, &user_id], user_id).await
    }

    async fn set_user_roles(&self, user_id: Uuid, roles: &[Role]) -> Result<UserRecord> {
        let client = self.pool.get().await?;
        let roles = to_json(&sorted_roles(roles))?;
        update_user(&client, "roles = $1", &[&roles, &user_id], user_id).await
    }

    async fn set_password_hash(
        &self,
        user_id: Uuid,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<UserRecord> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let user = update_user(
            &tx,
            "password_hash = $1",
            &[&password_hash, &user_id],
            user_id,
        )
        .await?;
        execute(
            &tx,
            "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            &[&millis(now), &user_id],
        )
        .await?;
        execute(
            &tx,
            "UPDATE token_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            &[&millis(now), &user_id],
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn insert_tokens(&self, user_id: Uuid, pair: &TokenPair, now: Timestamp) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let family = signin::new_family(&tx, user_id, pair, now).await?;
        signin::insert_family_pair(&tx, user_id, pair, family, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn token_user(
        &self,
        hash: &TokenHash,
        kind: TokenKind,
        now: Timestamp,
    ) -> Result<Option<UserRecord>> {
        let client = self.pool.get().await?;
        query_opt(
            &client,
            "SELECT u.id, u.organisation_id, u.name, u.roles, u.active, u.password_hash
             FROM tokens t JOIN users u ON u.id = t.user_id
             WHERE t.hash = $1 AND t.kind = $2 AND t.revoked_at IS NULL AND t.expires_at > $3",
            &[&hash.0.as_slice(), &kind.as_str(), &millis(now)],
        )
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    async fn revoke_token(&self, hash: &TokenHash, now: Timestamp) -> Result<bool> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = execute(
            &tx,
            "UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL",
            &[&millis(now), &hash.0.as_slice()],
        )
        .await?;
        // A refresh token ends its whole session.
        if let Some((kind, Some(family), _)) = signin::token_family(&tx, hash).await? {
            if kind == TokenKind::Refresh.as_str() {
                signin::revoke_family(&tx, family, now).await?;
            }
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn rotate_refresh_token(
        &self,
        old: &TokenHash,
        new: &TokenPair,
        now: Timestamp,
    ) -> Result<Option<UserRecord>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The row lock of the UPDATE makes a concurrent second use wait, then find the token
        // revoked: one new pair, never two.
        let Some(row) = query_opt(
            &tx,
            "UPDATE tokens SET revoked_at = $1
             WHERE hash = $2 AND kind = 'refresh' AND revoked_at IS NULL AND expires_at > $1
             RETURNING user_id, family",
            &[&millis(now), &old.0.as_slice()],
        )
        .await?
        else {
            // A refresh token used or revoked before: it was copied. End its session.
            if let Some((kind, Some(family), Some(_))) = signin::token_family(&tx, old).await? {
                if kind == TokenKind::Refresh.as_str() {
                    signin::revoke_family(&tx, family, now).await?;
                    tx.commit().await?;
                }
            }
            return Ok(None);
        };
        let user_id: Uuid = row.try_get(0)?;
        let family: Option<Uuid> = row.try_get(1)?;
        let family = signin::continue_family(&tx, family, user_id, new, now).await?;
        signin::insert_family_pair(&tx, user_id, new, family, now).await?;
        let user = user_by_id(&tx, user_id)
            .await?
            .ok_or_else(|| no_user(user_id))?;
        tx.commit().await?;
        Ok(Some(user))
    }

    async fn record_sign_in_failure(&self, subjects: &[String], at: Timestamp) -> Result<()> {
        let client = self.pool.get().await?;
        execute(
            &client,
            "INSERT INTO sign_in_failures (subject, at) SELECT subject, $2 FROM unnest($1::text[]) AS subject",
            &[&subjects, &millis(at)],
        )
        .await?;
        Ok(())
    }

    async fn sign_in_failures(&self, subject: &str, since: Timestamp) -> Result<FailureWindow> {
        let client = self.pool.get().await?;
        let row = query_one(
            &client,
            "SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE subject = $1 AND at >= $2",
            &[&subject, &millis(since)],
        )
        .await?;
        let count: i64 = row.try_get(0)?;
        let oldest: Option<i64> = row.try_get(1)?;
        Ok(FailureWindow {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            oldest: oldest.map(from_millis).transpose()?,
        })
    }

    async fn clear_sign_in_failures(&self, subject: &str) -> Result<()> {
        let client = self.pool.get().await?;
        execute(
            &client,
            "DELETE FROM sign_in_failures WHERE subject = $1",
            &[&subject],
        )
        .await?;
        Ok(())
    }

    async fn prune_sign_in_failures(&self, before: Timestamp) -> Result<u64> {
        let client = self.pool.get().await?;
        execute(
            &client,
            "DELETE FROM sign_in_failures WHERE at < $1",
            &[&millis(before)],
        )
        .await
    }

    async fn reserve_sign_in_attempt(
        &self,
        subjects: &AttemptSubjects,
        limits: &SignInLimits,
        window: jiff::SignedDuration,
        now: Timestamp,
    ) -> Result<Admission> {
        signin::reserve(self, subjects, limits, window, now).await
    }

    async fn sign_in_attempt_succeeded(
        &self,
        subjects: &AttemptSubjects,
        attempt: Uuid,
    ) -> Result<()> {
        signin::succeeded(self, subjects, attempt).await
    }

    async fn user_sessions(&self, user_id: Uuid, now: Timestamp) -> Result<Vec<SessionRecord>> {
        signin::sessions(self, user_id, now).await
    }

    async fn revoke_sessions(
        &self,
        user_id: Uuid,
        session: Option<Uuid>,
        now: Timestamp,
    ) -> Result<u64> {
        signin::revoke_sessions(self, user_id, session, now).await
    }

    async fn publish_policy(
        &self,
        organisation_id: Uuid,
        version: u32,
        source: &str,
        now: Timestamp,
    ) -> Result<PublishedPolicy> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Publishers of one organisation take turns on its row (NO KEY UPDATE does not block
        // the key-share locks that pushes' foreign keys take).
        if query_opt(
            &tx,
            "SELECT id FROM organisations WHERE id = $1 FOR NO KEY UPDATE",
            &[&organisation_id],
        )
        .await?
        .is_none()
        {
            return Err(ServerError::NotFound {
                entity: "organisation",
                name: organisation_id.to_string(),
            });
        }
        if let Some(current) = read_policy(&tx, organisation_id).await? {
            if version <= current.version {
                return Err(ServerError::PolicyVersion {
                    given: version,
                    current: current.version,
                });
            }
        }
        let published = PublishedPolicy {
            version,
            source: source.to_owned(),
            published_at: now,
        };
        execute(
            &tx,
            "INSERT INTO policies (organisation_id, version, source, published_at)
             VALUES ($1, $2, $3, $4)",
            &[
                &organisation_id,
                &i64::from(version),
                &published.source,
                &now.to_string(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(published)
    }

    async fn current_policy(&self, organisation_id: Uuid) -> Result<Option<PublishedPolicy>> {
        let client = self.pool.get().await?;
        read_policy(&client, organisation_id).await
    }

    async fn push_command(
        &self,
        user_id: Uuid,
        client_id: Uuid,
        command: &PushedCommand,
        now: Timestamp,
    ) -> Result<CommandOutcome> {
        // One command is a push of one: the same code decides both.
        let outcomes = self
            .push_batch(user_id, client_id, std::slice::from_ref(command), now)
            .await?;
        outcomes
            .into_iter()
            .next()
            .ok_or_else(|| ServerError::Corrupt("a push of one command answered nothing".into()))
    }

    async fn push_batch(
        &self,
        user_id: Uuid,
        client_id: Uuid,
        commands: &[PushedCommand],
        now: Timestamp,
    ) -> Result<Vec<CommandOutcome>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // On an error the transaction is dropped, which rolls it back.
        let outcomes =
            batch::push_batch(&tx, &self.policies, user_id, client_id, commands, now).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn events_after(
        &self,
        organisation_id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<EventPage> {
        let after = seq_i64(after, "after")?;
        let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let client = self.pool.get().await?;
        let mut events = query(
            &client,
            "SELECT seq, id, aggregate_type, aggregate_id, aggregate_version, kind, actor,
                policy_version, recorded_at, payload, origin_client, origin_seq, chain_hash
             FROM events WHERE organisation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&organisation_id, &after, &fetch],
        )
        .await?
        .iter()
        .map(synced_event_from)
        .collect::<Result<Vec<_>>>()?;
        let more = events.len() > limit;
        events.truncate(limit);
        Ok(EventPage { events, more })
    }

    async fn head(&self, organisation_id: Uuid) -> Result<Option<(u64, [u8; 32])>> {
        let client = self.pool.get().await?;
        let Some(row) = query_opt(
            &client,
            "SELECT last_seq, chain_hash FROM org_counters WHERE organisation_id = $1",
            &[&organisation_id],
        )
        .await?
        else {
            return Ok(None);
        };
        let seq = seq_u64(row.try_get(0)?, "org counter")?;
        if seq == 0 {
            return Ok(None);
        }
        Ok(Some((seq, hash_of(row.try_get(1)?, "org counter hash")?.0)))
    }

    async fn account(
        &self,
        organisation_id: Uuid,
        account_id: Uuid,
    ) -> Result<Option<AccountRecord>> {
        let client = self.pool.get().await?;
        account_by_id(&client, organisation_id, account_id).await
    }

    async fn record_retention_erasure(
        &self,
        organisation_id: Uuid,
        erasure: &holdfast_core::erasure::Erasure,
        now: Timestamp,
    ) -> Result<bool> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let recorded =
            batch::record_retention_erasure(&tx, &self.policies, organisation_id, erasure, now)
                .await?;
        tx.commit().await?;
        Ok(recorded)
    }

    async fn heads_up_cursor(&self, organisation_id: Uuid) -> Result<Option<u64>> {
        let client = self.pool.get().await?;
        heads_ups::cursor(&client, organisation_id).await
    }

    async fn case_account_id(&self, organisation_id: Uuid, case_id: Uuid) -> Result<Option<Uuid>> {
        let client = self.pool.get().await?;
        heads_ups::case_account_id(&client, organisation_id, case_id).await
    }

    async fn queue_heads_ups(
        &self,
        organisation_id: Uuid,
        deliveries: &[super::QueuedHeadsUp],
        cursor: u64,
        now: Timestamp,
    ) -> Result<usize> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let queued = heads_ups::queue(&tx, organisation_id, deliveries, cursor, now).await?;
        tx.commit().await?;
        Ok(queued)
    }

    async fn claim_heads_ups(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: usize,
    ) -> Result<Vec<super::ClaimedHeadsUp>> {
        let client = self.pool.get().await?;
        heads_ups::claim(&client, now, lease, limit).await
    }

    async fn record_heads_up_attempt(
        &self,
        id: Uuid,
        attempt: &holdfast_core::heads_up::Attempt,
        now: Timestamp,
    ) -> Result<holdfast_core::heads_up::DeliveryStatus> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let status = heads_ups::record_attempt(&tx, id, attempt, now).await?;
        tx.commit().await?;
        Ok(status)
    }

    async fn heads_up_deliveries(
        &self,
        organisation_id: Uuid,
        limit: usize,
    ) -> Result<Vec<holdfast_core::heads_up::Delivery>> {
        let client = self.pool.get().await?;
        heads_ups::deliveries(&client, organisation_id, limit).await
    }

    async fn organisation_ids(&self) -> Result<Vec<Uuid>> {
        let client = self.pool.get().await?;
        query(&client, "SELECT id FROM organisations ORDER BY id", &[])
            .await?
            .iter()
            .map(|row| row.try_get(0).map_err(Into::into))
            .collect()
    }

    async fn record_checkpoint(
        &self,
        organisation_id: Uuid,
        checkpoint: &Checkpoint,
    ) -> Result<()> {
        let client = self.pool.get().await?;
        execute(
            &client,
            "INSERT INTO checkpoints (organisation_id, seq, chain_hash, signature)
             VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, seq) DO NOTHING",
            &[
                &organisation_id,
                &seq_i64(checkpoint.seq, "checkpoint seq")?,
                &checkpoint.chain_hash,
                &checkpoint.signature,
            ],
        )
        .await?;
        Ok(())
    }

    async fn checkpoints_after(
        &self,
        organisation_id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Checkpoint>> {
        let after = seq_i64(after, "after")?;
        let limit = seq_i64(limit as u64, "limit")?;
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT seq, chain_hash, signature FROM checkpoints
                 WHERE organisation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&organisation_id, &after, &limit],
            )
            .await?
            .iter()
            .map(|row| {
                Ok(Checkpoint {
                    seq: seq_u64(row.try_get(0)?, "checkpoint seq")?,
                    chain_hash: row.try_get(1)?,
                    signature: row.try_get(2)?,
                })
            })
            .collect()
    }

    async fn checkpoint_at_or_before(
        &self,
        organisation_id: Uuid,
        seq: u64,
    ) -> Result<Option<Checkpoint>> {
        let seq = seq_i64(seq, "seq")?;
        let client = self.pool.get().await?;
        let Some(row) = query_opt(
            &client,
            "SELECT seq, chain_hash, signature FROM checkpoints
             WHERE organisation_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1",
            &[&organisation_id, &seq],
        )
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Checkpoint {
            seq: seq_u64(row.try_get(0)?, "checkpoint seq")?,
            chain_hash: row.try_get(1)?,
            signature: row.try_get(2)?,
        }))
    }

    async fn signing_key_or_insert(&self, fresh: [u8; 32]) -> Result<[u8; 32]> {
        let client = self.pool.get().await?;
        execute(
            &client,
            "INSERT INTO signing_key (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&fresh.as_slice()],
        )
        .await?;
        let secret: Vec<u8> =
            query_one(&client, "SELECT secret FROM signing_key WHERE id = 1", &[])
                .await?
                .try_get(0)?;
        <[u8; 32]>::try_from(secret.as_slice())
            .map_err(|_| ServerError::Corrupt("the signing key is not 32 bytes".into()))
    }

    async fn ping(&self) -> Result<()> {
        let client = self.pool.get().await?;
        query_one(&client, "SELECT 1", &[]).await?;
        Ok(())
    }

    async fn legacy_signing_key(&self) -> Result<Option<[u8; 32]>> {
        let client = self.pool.get().await?;
        let Some(row) =
            query_opt(&client, "SELECT secret FROM signing_key WHERE id = 1", &[]).await?
        else {
            return Ok(None);
        };
        let secret: Vec<u8> = row.try_get(0)?;
        <[u8; 32]>::try_from(secret.as_slice())
            .map(Some)
            .map_err(|_| ServerError::Corrupt("the signing key is not 32 bytes".into()))
    }

    async fn forget_signing_key(&self, secret: [u8; 32]) -> Result<bool> {
        let client = self.pool.get().await?;
        let removed = execute(
            &client,
            "DELETE FROM signing_key WHERE id = 1 AND secret = $1",
            &[&secret.as_slice()],
        )
        .await?;
        Ok(removed > 0)
    }
}
