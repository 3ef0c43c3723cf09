//! The PostgreSQL half of issue 12's sign-in hardening: attempts reserved before the password is
//! checked, and sessions (token families). A reservation takes transaction-scoped advisory
//! locks on its account and its address (in a fixed order), so concurrent attempts on any
//! instance count and reserve one after another.

use deadpool_postgres::GenericClient;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::columns::{from_millis, millis};
use super::super::{
    Admission, AttemptSubjects, AttemptWindows, FailureWindow, SessionRecord, SignInLimits,
    TokenHash, TokenPair,
};
use super::{execute, insert_pair, query, query_one, query_opt, PgStore};
use crate::error::{Result, ServerError};

/// The advisory lock key of a rate-limit subject: the first 8 bytes of its SHA-256.
fn lock_key(subject: &str) -> i64 {
    let digest = Sha256::digest(format!("holdfast-sign-in:{subject}").as_bytes());
    let mut bytes = [0u8; 8];
    for (byte, digested) in bytes.iter_mut().zip(digest.iter()) {
        *byte = *digested;
    }
    i64::from_be_bytes(bytes)
}

async fn failures<C: GenericClient>(
    client: &C,
    subject: &str,
    since: Timestamp,
) -> Result<FailureWindow> {
    let row = query_one(
        client,
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

pub(super) async fn reserve(
    store: &PgStore,
    subjects: &AttemptSubjects,
    limits: &SignInLimits,
    window: SignedDuration,
    now: Timestamp,
) -> Result<Admission> {
    let since = now
        .checked_sub(window)
        .map_err(|error| ServerError::Task(error.to_string()))?;
    let mut client = store.pool.get().await?;
    let tx = client.transaction().await?;
    // The account's lock covers its `user` and `pair` counts, the address's its own.
    let mut keys = [lock_key(&subjects.user), lock_key(&subjects.address)];
    keys.sort_unstable();
    for key in keys {
        execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&key]).await?;
    }
    let windows = AttemptWindows {
        user: failures(&tx, &subjects.user, since).await?,
        pair: failures(&tx, &subjects.pair, since).await?,
        address: failures(&tx, &subjects.address, since).await?,
    };
    if let Some(lifts_at) = crate::auth::sign_in_refusal(&windows, limits, window, now) {
        return Ok(Admission::Refused { lifts_at });
    }
    let attempt = Uuid::now_v7();
    let rows = vec![
        subjects.user.clone(),
        subjects.pair.clone(),
        subjects.address.clone(),
    ];
    execute(
        &tx,
        "INSERT INTO sign_in_failures (subject, at, attempt)
         SELECT subject, $2, $3 FROM unnest($1::text[]) AS subject",
        &[&rows, &millis(now), &attempt],
    )
    .await?;
    tx.commit().await?;
    Ok(Admission::Reserved(attempt))
}

pub(super) async fn succeeded(
    store: &PgStore,
    subjects: &AttemptSubjects,
    attempt: Uuid,
) -> Result<()> {
    let mut client = store.pool.get().await?;
    let tx = client.transaction().await?;
    execute(
        &tx,
        "DELETE FROM sign_in_failures
         WHERE subject IN ($1, $2)
           AND attempt IN (SELECT attempt FROM sign_in_failures
                           WHERE subject = $2 AND attempt IS NOT NULL)",
        &[&subjects.user, &subjects.pair],
    )
    .await?;
    execute(
        &tx,
        "DELETE FROM sign_in_failures WHERE attempt = $1",
        &[&attempt],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a session for a freshly issued pair.
pub(super) async fn new_family<C: GenericClient>(
    client: &C,
    user_id: Uuid,
    pair: &TokenPair,
    now: Timestamp,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    execute(
        client,
        "INSERT INTO token_families (id, user_id, created_at, last_used_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $3, $4, NULL)",
        &[
            &id,
            &user_id,
            &millis(now),
            &millis(pair.refresh.expires_at),
        ],
    )
    .await?;
    Ok(id)
}

/// Stores a pair in a session.
pub(super) async fn insert_family_pair<C: GenericClient>(
    client: &C,
    user_id: Uuid,
    pair: &TokenPair,
    family: Uuid,
    now: Timestamp,
) -> Result<()> {
    insert_pair(client, user_id, pair, now).await?;
    execute(
        client,
        "UPDATE tokens SET family = $1 WHERE hash IN ($2, $3)",
        &[
            &family,
            &pair.access.hash.0.as_slice(),
            &pair.refresh.hash.0.as_slice(),
        ],
    )
    .await?;
    Ok(())
}

/// Revokes a session and every token in it; whether it was live.
pub(super) async fn revoke_family<C: GenericClient>(
    client: &C,
    family: Uuid,
    now: Timestamp,
) -> Result<bool> {
    let changed = execute(
        client,
        "UPDATE token_families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[&millis(now), &family],
    )
    .await?;
    execute(
        client,
        "UPDATE tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
        &[&millis(now), &family],
    )
    .await?;
    Ok(changed > 0)
}

/// The kind, session and revocation time of a stored token.
pub(super) async fn token_family<C: GenericClient>(
    client: &C,
    hash: &TokenHash,
) -> Result<Option<(String, Option<Uuid>, Option<i64>)>> {
    query_opt(
        client,
        "SELECT kind, family, revoked_at FROM tokens WHERE hash = $1",
        &[&hash.0.as_slice()],
    )
    .await?
    .map(|row| -> Result<_> { Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)) })
    .transpose()
}

/// After a rotation: the old refresh token's session (a new one for a token from before
/// sessions existed), marked used now and expiring with the new refresh token.
pub(super) async fn continue_family<C: GenericClient>(
    client: &C,
    family: Option<Uuid>,
    user_id: Uuid,
    new: &TokenPair,
    now: Timestamp,
) -> Result<Uuid> {
    match family {
        Some(family) => {
            execute(
                client,
                "UPDATE token_families SET last_used_at = $1, expires_at = $2 WHERE id = $3",
                &[&millis(now), &millis(new.refresh.expires_at), &family],
            )
            .await?;
            Ok(family)
        }
        None => new_family(client, user_id, new, now).await,
    }
}

pub(super) async fn sessions(
    store: &PgStore,
    user_id: Uuid,
    now: Timestamp,
) -> Result<Vec<SessionRecord>> {
    let client = store.pool.get().await?;
    query(
        &client,
        "SELECT id, created_at, last_used_at, expires_at FROM token_families
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
         ORDER BY created_at, id",
        &[&user_id, &millis(now)],
    )
    .await?
    .iter()
    .map(|row| {
        Ok(SessionRecord {
            id: row.try_get(0)?,
            created_at: from_millis(row.try_get(1)?)?,
            last_used_at: from_millis(row.try_get(2)?)?,
            expires_at: from_millis(row.try_get(3)?)?,
        })
    })
    .collect()
}

pub(super) async fn revoke_sessions(
    store: &PgStore,
    user_id: Uuid,
    session: Option<Uuid>,
    now: Timestamp,
) -> Result<u64> {
    let mut client = store.pool.get().await?;
    let tx = client.transaction().await?;
    let families = query(
        &tx,
        "SELECT id FROM token_families
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id = $2)
         FOR UPDATE",
        &[&user_id, &session],
    )
    .await?;
    let mut revoked = 0;
    for row in &families {
        if revoke_family(&tx, row.try_get(0)?, now).await? {
            revoked += 1;
        }
    }
    tx.commit().await?;
    Ok(revoked)
}
