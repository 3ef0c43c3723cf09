//! The SQLite half of issue 12's sign-in hardening: attempts reserved before the password is
//! checked, and sessions (token families). SQLite has one connection behind a mutex, so each
//! transaction here is serialised against every other.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use super::super::columns::{from_millis, millis, parse_uuid};
use super::super::{
    Admission, AttemptSubjects, AttemptWindows, FailureWindow, SessionRecord, SignInLimits,
    TokenHash, TokenPair,
};
use super::insert_token;
use crate::error::{Result, ServerError};

fn failures(conn: &Connection, subject: &str, since: Timestamp) -> Result<FailureWindow> {
    let (count, oldest): (i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE subject = ?1 AND at >= ?2",
        params![subject, millis(since)],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(FailureWindow {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        oldest: oldest.map(from_millis).transpose()?,
    })
}

pub(super) fn reserve(
    conn: &mut Connection,
    subjects: &AttemptSubjects,
    limits: &SignInLimits,
    window: SignedDuration,
    now: Timestamp,
) -> Result<Admission> {
    let since = now
        .checked_sub(window)
        .map_err(|error| ServerError::Task(error.to_string()))?;
    let tx = conn.transaction()?;
    let windows = AttemptWindows {
        user: failures(&tx, &subjects.user, since)?,
        pair: failures(&tx, &subjects.pair, since)?,
        address: failures(&tx, &subjects.address, since)?,
    };
    if let Some(lifts_at) = crate::auth::sign_in_refusal(&windows, limits, window, now) {
        return Ok(Admission::Refused { lifts_at });
    }
    let attempt = Uuid::now_v7();
    for subject in [&subjects.user, &subjects.pair, &subjects.address] {
        tx.execute(
            "INSERT INTO sign_in_failures (subject, at, attempt) VALUES (?1, ?2, ?3)",
            params![subject, millis(now), attempt.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(Admission::Reserved(attempt))
}

pub(super) fn succeeded(
    conn: &mut Connection,
    subjects: &AttemptSubjects,
    attempt: Uuid,
) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM sign_in_failures
         WHERE subject IN (?1, ?2)
           AND attempt IN (SELECT attempt FROM sign_in_failures
                           WHERE subject = ?2 AND attempt IS NOT NULL)",
        params![subjects.user, subjects.pair],
    )?;
    tx.execute(
        "DELETE FROM sign_in_failures WHERE attempt = ?1",
        [attempt.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

/// Starts a session for a freshly issued pair.
pub(super) fn new_family(
    tx: &Transaction<'_>,
    user_id: Uuid,
    pair: &TokenPair,
    now: Timestamp,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    tx.execute(
        "INSERT INTO token_families (id, user_id, created_at, last_used_at, expires_at, revoked_at)
         VALUES (?1, ?2, ?3, ?3, ?4, NULL)",
        params![
            id.to_string(),
            user_id.to_string(),
            millis(now),
            millis(pair.refresh.expires_at)
        ],
    )?;
    Ok(id)
}

/// Stores a pair in a session.
pub(super) fn insert_pair(
    tx: &Transaction<'_>,
    user_id: Uuid,
    pair: &TokenPair,
    family: Uuid,
    now: Timestamp,
) -> Result<()> {
    insert_token(tx, user_id, &pair.access, now)?;
    insert_token(tx, user_id, &pair.refresh, now)?;
    tx.execute(
        "UPDATE tokens SET family = ?1 WHERE hash IN (?2, ?3)",
        params![
            family.to_string(),
            pair.access.hash.0.to_vec(),
            pair.refresh.hash.0.to_vec()
        ],
    )?;
    Ok(())
}

/// Revokes a session and every token in it; whether it was live.
pub(super) fn revoke_family(conn: &Connection, family: &str, now: Timestamp) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE token_families SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        params![millis(now), family],
    )?;
    conn.execute(
        "UPDATE tokens SET revoked_at = ?1 WHERE family = ?2 AND revoked_at IS NULL",
        params![millis(now), family],
    )?;
    Ok(changed > 0)
}

/// The kind and session of a stored token.
pub(super) fn token_family(
    conn: &Connection,
    hash: &TokenHash,
) -> Result<Option<(String, Option<String>)>> {
    Ok(conn
        .query_row(
            "SELECT kind, family FROM tokens WHERE hash = ?1",
            [hash.0.to_vec()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// After a rotation: the session the old refresh token belonged to (a new one for a token from
/// before sessions existed), marked used now and expiring with the new refresh token.
pub(super) fn continue_family(
    tx: &Transaction<'_>,
    family: Option<String>,
    user_id: Uuid,
    new: &TokenPair,
    now: Timestamp,
) -> Result<Uuid> {
    match family {
        Some(family) => {
            tx.execute(
                "UPDATE token_families SET last_used_at = ?1, expires_at = ?2 WHERE id = ?3",
                params![millis(now), millis(new.refresh.expires_at), family],
            )?;
            parse_uuid(&family, "token family")
        }
        None => new_family(tx, user_id, new, now),
    }
}

pub(super) fn sessions(
    conn: &Connection,
    user_id: Uuid,
    now: Timestamp,
) -> Result<Vec<SessionRecord>> {
    let mut statement = conn.prepare(
        "SELECT id, created_at, last_used_at, expires_at FROM token_families
         WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2
         ORDER BY created_at, id",
    )?;
    let rows = statement
        .query_map(params![user_id.to_string(), millis(now)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, created, used, expires)| {
            Ok(SessionRecord {
                id: parse_uuid(&id, "token family")?,
                created_at: from_millis(created)?,
                last_used_at: from_millis(used)?,
                expires_at: from_millis(expires)?,
            })
        })
        .collect()
}

pub(super) fn revoke_sessions(
    conn: &mut Connection,
    user_id: Uuid,
    session: Option<Uuid>,
    now: Timestamp,
) -> Result<u64> {
    let tx = conn.transaction()?;
    let families = {
        let mut statement = tx.prepare(
            "SELECT id FROM token_families
             WHERE user_id = ?1 AND revoked_at IS NULL AND (?2 IS NULL OR id = ?2)",
        )?;
        let rows = statement
            .query_map(
                params![user_id.to_string(), session.map(|id| id.to_string())],
                |row| row.get::<_, String>(0),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let mut revoked = 0;
    for family in &families {
        if revoke_family(&tx, family, now)? {
            revoked += 1;
        }
    }
    tx.commit()?;
    Ok(revoked)
}
