//! The SQLite backend's heads-up queue (issue 16): `heads_up_cursors` and `heads_up_deliveries`
//! (migration 0005). The trait's methods (`ServerStore`) call these inside the store's
//! connection; the rules (what is queued, the backoff) are `crate::heads_ups` and the core's.

use holdfast_core::heads_up::{after_attempt, Attempt, Delivery, DeliveryStatus};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{named_params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::store::columns::{from_millis, millis, parse_uuid, seq_i64, seq_u64};
use crate::store::{ClaimedHeadsUp, QueuedHeadsUp};

fn corrupt(what: &str) -> ServerError {
    ServerError::Corrupt(format!("heads-up delivery: {what}"))
}

pub(super) fn cursor(conn: &Connection, organisation_id: Uuid) -> Result<Option<u64>> {
    conn.query_row(
        "SELECT after_seq FROM heads_up_cursors WHERE organisation_id = ?1",
        [organisation_id.to_string()],
        |row| row.get::<_, i64>(0),
    )
    .optional()?
    .map(|seq| seq_u64(seq, "heads-up cursor"))
    .transpose()
}

pub(super) fn case_account_id(
    conn: &Connection,
    organisation_id: Uuid,
    case_id: Uuid,
) -> Result<Option<Uuid>> {
    conn.query_row(
        "SELECT account_id FROM cases WHERE organisation_id = ?1 AND id = ?2",
        [organisation_id.to_string(), case_id.to_string()],
        |row| row.get::<_, String>(0),
    )
    .optional()?
    .map(|id| parse_uuid(&id, "case account id"))
    .transpose()
}

pub(super) fn queue(
    conn: &mut Connection,
    organisation_id: Uuid,
    deliveries: &[QueuedHeadsUp],
    cursor: u64,
    now: Timestamp,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut queued = 0;
    for delivery in deliveries {
        queued += tx.execute(
            "INSERT INTO heads_up_deliveries (id, organisation_id, subscription, event_id,
                event_seq, kind, case_id, body, status, attempts, queued_at, next_attempt_at)
             VALUES (:id, :organisation_id, :subscription, :event_id, :event_seq, :kind,
                :case_id, :body, 'pending', 0, :now, :now)
             ON CONFLICT (id) DO NOTHING",
            named_params! {
                ":id": delivery.id.to_string(),
                ":organisation_id": organisation_id.to_string(),
                ":subscription": delivery.subscription,
                ":event_id": delivery.event_id.to_string(),
                ":event_seq": seq_i64(delivery.event_seq, "event seq")?,
                ":kind": delivery.kind,
                ":case_id": delivery.case_id.to_string(),
                ":body": delivery.body,
                ":now": millis(now),
            },
        )?;
    }
    tx.execute(
        "INSERT INTO heads_up_cursors (organisation_id, after_seq) VALUES (?1, ?2)
         ON CONFLICT (organisation_id) DO UPDATE SET after_seq = max(after_seq, excluded.after_seq)",
        rusqlite::params![organisation_id.to_string(), seq_i64(cursor, "heads-up cursor")?],
    )?;
    tx.commit()?;
    Ok(queued)
}

pub(super) fn claim(
    conn: &mut Connection,
    now: Timestamp,
    lease: SignedDuration,
    limit: usize,
) -> Result<Vec<ClaimedHeadsUp>> {
    let until = now
        .checked_add(lease)
        .map_err(|_| ServerError::invalid("lease", "is out of range"))?;
    let tx = conn.transaction()?;
    let claimed = {
        let mut statement = tx.prepare(
            "SELECT id, organisation_id, subscription, kind, body, attempts
             FROM heads_up_deliveries
             WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, organisation_id, event_seq, subscription LIMIT ?2",
        )?;
        let rows = statement.query_map(
            rusqlite::params![millis(now), i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?,
                ))
            },
        )?;
        let mut claimed = Vec::new();
        for row in rows {
            let (id, organisation_id, subscription, kind, body, attempts) = row?;
            claimed.push(ClaimedHeadsUp {
                id: parse_uuid(&id, "heads-up delivery id")?,
                organisation_id: parse_uuid(&organisation_id, "heads-up organisation")?,
                subscription,
                kind,
                body,
                attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
            });
        }
        claimed
    };
    for delivery in &claimed {
        tx.execute(
            "UPDATE heads_up_deliveries SET next_attempt_at = ?1 WHERE id = ?2",
            rusqlite::params![millis(until), delivery.id.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(claimed)
}

pub(super) fn record_attempt(
    conn: &mut Connection,
    id: Uuid,
    attempt: &Attempt,
    now: Timestamp,
) -> Result<DeliveryStatus> {
    let tx = conn.transaction()?;
    let attempts: Option<i64> = tx
        .query_row(
            "SELECT attempts FROM heads_up_deliveries WHERE id = ?1 AND status = 'pending'",
            [id.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    let Some(attempts) = attempts else {
        return Err(ServerError::NotFound {
            entity: "pending heads-up delivery",
            name: id.to_string(),
        });
    };
    let attempts = u32::try_from(attempts).map_err(|_| corrupt("attempts"))? + 1;
    let (status, next, error) = after_attempt(attempt, attempts, now);
    tx.execute(
        "UPDATE heads_up_deliveries SET status = :status, attempts = :attempts,
            next_attempt_at = :next, last_error = coalesce(:error, last_error),
            delivered_at = :delivered_at
         WHERE id = :id",
        named_params! {
            ":status": status.as_str(),
            ":attempts": attempts,
            ":next": next.map(millis),
            ":error": error,
            ":delivered_at": (status == DeliveryStatus::Delivered).then(|| millis(now)),
            ":id": id.to_string(),
        },
    )?;
    tx.commit()?;
    Ok(status)
}

pub(super) fn deliveries(
    conn: &Connection,
    organisation_id: Uuid,
    limit: usize,
) -> Result<Vec<Delivery>> {
    let mut statement = conn.prepare(
        "SELECT id, subscription, kind, case_id, status, attempts, last_error, queued_at,
            next_attempt_at, delivered_at
         FROM heads_up_deliveries WHERE organisation_id = ?1
         ORDER BY queued_at DESC, event_seq DESC, subscription DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(
        rusqlite::params![
            organisation_id.to_string(),
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, i64>(5)?,
                row.get::<_, Option<String>>(6)?,
                row.get::<_, i64>(7)?,
                row.get::<_, Option<i64>>(8)?,
                row.get::<_, Option<i64>>(9)?,
            ))
        },
    )?;
    let mut log = Vec::new();
    for row in rows {
        let (id, subscription, kind, case_id, status, attempts, last_error, queued, next, done) =
            row?;
        let status = DeliveryStatus::parse(&status).ok_or_else(|| corrupt("status"))?;
        log.push(Delivery {
            id: parse_uuid(&id, "heads-up delivery id")?,
            subscription,
            kind,
            case_id: parse_uuid(&case_id, "heads-up case id")?,
            status,
            attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
            last_error,
            queued_at: from_millis(queued)?,
            // A claimed delivery's lease is not a time to show.
            next_attempt_at: next
                .filter(|_| status == DeliveryStatus::Pending)
                .map(from_millis)
                .transpose()?,
            delivered_at: done.map(from_millis).transpose()?,
        });
    }
    Ok(log)
}
