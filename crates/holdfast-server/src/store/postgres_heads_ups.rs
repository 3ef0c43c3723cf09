//! The PostgreSQL backend's heads-up queue (issue 16), as `sqlite_heads_ups.rs` does it on
//! SQLite: the same tables (migration 0005), the same order. Claiming takes the due rows with
//! `FOR UPDATE SKIP LOCKED`, so two instances on one database never claim the same delivery.

use deadpool_postgres::GenericClient;
use holdfast_core::heads_up::{after_attempt, Attempt, Delivery, DeliveryStatus};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::{execute, query, query_opt};
use crate::error::{Result, ServerError};
use crate::store::columns::{from_millis, millis, seq_i64, seq_u64};
use crate::store::{ClaimedHeadsUp, QueuedHeadsUp};

fn corrupt(what: &str) -> ServerError {
    ServerError::Corrupt(format!("heads-up delivery: {what}"))
}

pub(super) async fn cursor<C: GenericClient>(
    client: &C,
    organisation_id: Uuid,
) -> Result<Option<u64>> {
    query_opt(
        client,
        "SELECT after_seq FROM heads_up_cursors WHERE organisation_id = $1",
        &[&organisation_id],
    )
    .await?
    .map(|row| seq_u64(row.try_get(0)?, "heads-up cursor"))
    .transpose()
}

pub(super) async fn case_account_id<C: GenericClient>(
    client: &C,
    organisation_id: Uuid,
    case_id: Uuid,
) -> Result<Option<Uuid>> {
    query_opt(
        client,
        "SELECT account_id FROM cases WHERE organisation_id = $1 AND id = $2",
        &[&organisation_id, &case_id],
    )
    .await?
    .map(|row| row.try_get(0).map_err(Into::into))
    .transpose()
}

pub(super) async fn queue<C: GenericClient>(
    tx: &C,
    organisation_id: Uuid,
    deliveries: &[QueuedHeadsUp],
    cursor: u64,
    now: Timestamp,
) -> Result<usize> {
    let mut queued = 0;
    for delivery in deliveries {
        queued += execute(
            tx,
            "INSERT INTO heads_up_deliveries (id, organisation_id, subscription, event_id,
                event_seq, kind, case_id, body, status, attempts, queued_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9)
             ON CONFLICT (id) DO NOTHING",
            &[
                &delivery.id,
                &organisation_id,
                &delivery.subscription,
                &delivery.event_id,
                &seq_i64(delivery.event_seq, "event seq")?,
                &delivery.kind,
                &delivery.case_id,
                &delivery.body,
                &millis(now),
            ],
        )
        .await?;
    }
    execute(
        tx,
        "INSERT INTO heads_up_cursors (organisation_id, after_seq) VALUES ($1, $2)
         ON CONFLICT (organisation_id)
         DO UPDATE SET after_seq = GREATEST(heads_up_cursors.after_seq, excluded.after_seq)",
        &[&organisation_id, &seq_i64(cursor, "heads-up cursor")?],
    )
    .await?;
    usize::try_from(queued).map_err(|_| corrupt("count"))
}

pub(super) async fn claim<C: GenericClient>(
    client: &C,
    now: Timestamp,
    lease: SignedDuration,
    limit: usize,
) -> Result<Vec<ClaimedHeadsUp>> {
    let until = now
        .checked_add(lease)
        .map_err(|_| ServerError::invalid("lease", "is out of range"))?;
    let rows = query(
        client,
        "WITH due AS (
             SELECT id, next_attempt_at AS due_at FROM heads_up_deliveries
             WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, organisation_id, event_seq, subscription
             LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE heads_up_deliveries d SET next_attempt_at = $3 FROM due WHERE d.id = due.id
         RETURNING d.id, d.organisation_id, d.subscription, d.kind, d.body, d.attempts,
             due.due_at, d.event_seq",
        &[
            &millis(now),
            &i64::try_from(limit).unwrap_or(i64::MAX),
            &millis(until),
        ],
    )
    .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts: i32 = row.try_get(5)?;
        let due_at: i64 = row.try_get(6)?;
        let event_seq: i64 = row.try_get(7)?;
        let delivery = ClaimedHeadsUp {
            id: row.try_get(0)?,
            organisation_id: row.try_get(1)?,
            subscription: row.try_get(2)?,
            kind: row.try_get(3)?,
            body: row.try_get(4)?,
            attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
        };
        claimed.push(((due_at, delivery.organisation_id, event_seq), delivery));
    }
    // RETURNING keeps no order: the claim's own.
    claimed.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.subscription.cmp(&y.subscription)));
    Ok(claimed.into_iter().map(|(_, delivery)| delivery).collect())
}

pub(super) async fn record_attempt<C: GenericClient>(
    tx: &C,
    id: Uuid,
    attempt: &Attempt,
    now: Timestamp,
) -> Result<DeliveryStatus> {
    let Some(row) = query_opt(
        tx,
        "SELECT attempts FROM heads_up_deliveries WHERE id = $1 AND status = 'pending'
         FOR UPDATE",
        &[&id],
    )
    .await?
    else {
        return Err(ServerError::NotFound {
            entity: "pending heads-up delivery",
            name: id.to_string(),
        });
    };
    let attempts: i32 = row.try_get(0)?;
    let attempts = u32::try_from(attempts).map_err(|_| corrupt("attempts"))? + 1;
    let (status, next, error) = after_attempt(attempt, attempts, now);
    let attempts_column = i32::try_from(attempts).map_err(|_| corrupt("attempts"))?;
    execute(
        tx,
        "UPDATE heads_up_deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
            last_error = coalesce($4, last_error), delivered_at = $5
         WHERE id = $6",
        &[
            &status.as_str(),
            &attempts_column,
            &next.map(millis),
            &error,
            &(status == DeliveryStatus::Delivered).then(|| millis(now)),
            &id,
        ],
    )
    .await?;
    Ok(status)
}

pub(super) async fn deliveries<C: GenericClient>(
    client: &C,
    organisation_id: Uuid,
    limit: usize,
) -> Result<Vec<Delivery>> {
    let rows = query(
        client,
        "SELECT id, subscription, kind, case_id, status, attempts, last_error, queued_at,
            next_attempt_at, delivered_at
         FROM heads_up_deliveries WHERE organisation_id = $1
         ORDER BY queued_at DESC, event_seq DESC, subscription DESC LIMIT $2",
        &[&organisation_id, &i64::try_from(limit).unwrap_or(i64::MAX)],
    )
    .await?;
    let mut log = Vec::with_capacity(rows.len());
    for row in rows {
        let status: String = row.try_get(4)?;
        let status = DeliveryStatus::parse(&status).ok_or_else(|| corrupt("status"))?;
        let attempts: i32 = row.try_get(5)?;
        let next: Option<i64> = row.try_get(8)?;
        let done: Option<i64> = row.try_get(9)?;
        log.push(Delivery {
            id: row.try_get(0)?,
            subscription: row.try_get(1)?,
            kind: row.try_get(2)?,
            case_id: row.try_get(3)?,
            status,
            attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
            last_error: row.try_get(6)?,
            queued_at: from_millis(row.try_get(7)?)?,
            next_attempt_at: next
                .filter(|_| status == DeliveryStatus::Pending)
                .map(from_millis)
                .transpose()?,
            delivered_at: done.map(from_millis).transpose()?,
        });
    }
    Ok(log)
}
