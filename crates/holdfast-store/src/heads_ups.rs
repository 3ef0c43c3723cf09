//! Heads-ups on a profile of its own (issue 16): the outgoing-webhook subscriptions (profile
//! settings), the durable delivery queue and its log (`heads_up_deliveries`, migration 0019).
//! What matches, what is sent and when to retry are the core's (`holdfast_core::heads_up`); the
//! desk's background loop sends (`src-tauri/src/heads_ups.rs`). A profile joined to a team server
//! queues nothing: the server sends its heads-ups.
//!
//! Queueing reads the case events recorded after the settings' cursor and, in one transaction,
//! queues a delivery per subscription that takes each (its id derived from both, so nothing is
//! queued twice) and moves the cursor. A subscription only takes events recorded after it was
//! saved: a new endpoint is not sent the profile's history.

use holdfast_core::heads_up::{
    after_attempt, body, Attempt, Delivery, DeliveryStatus, EventContext, HeadsUp, Subscription,
};
use holdfast_core::record::CASE;
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::events::{read_event, EVENT_COLUMNS};
use crate::page::{from_millis, to_millis};
use crate::Database;

const SUBSCRIPTIONS: &str = "heads_up_subscriptions";
const CURSOR: &str = "heads_up_cursor";
/// How many events one call of `queue_heads_ups` reads.
const QUEUE_BATCH: i64 = 500;

/// A subscription as the profile keeps it: with the log position it was saved at.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    subscription: Subscription,
    /// Events at or before this position of the log are not sent to it.
    after_seq: u64,
}

/// A queued delivery due for an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueHeadsUp {
    pub id: Uuid,
    pub subscription: String,
    pub kind: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// After the log was re-linked (sample data removed: `sample_data.rs`), the positions the queue
/// keeps (its cursor, each subscription's start) are moved to the events' new numbers, inside the
/// caller's transaction: `renumber` maps an old position to the new one.
pub(crate) fn renumber_positions(
    tx: &rusqlite::Transaction<'_>,
    renumber: impl Fn(u64) -> u64,
) -> Result<()> {
    let read = |key: &str| -> Result<Option<String>> {
        Ok(tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    };
    let write = |key: &str, value: &str| -> Result<()> {
        tx.execute(
            "UPDATE settings SET value = ?2 WHERE key = ?1",
            [key, value],
        )?;
        Ok(())
    };
    if let Some(cursor) = read(CURSOR)?.and_then(|value| value.parse::<u64>().ok()) {
        write(CURSOR, &renumber(cursor).to_string())?;
    }
    if let Some(json) = read(SUBSCRIPTIONS)? {
        let mut stored: Vec<Stored> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("the stored heads-up subscriptions: {e}")))?;
        for subscription in &mut stored {
            subscription.after_seq = renumber(subscription.after_seq);
        }
        let json = serde_json::to_string(&stored)
            .map_err(|e| StoreError::Corrupt(format!("heads-up subscriptions: {e}")))?;
        write(SUBSCRIPTIONS, &json)?;
    }
    Ok(())
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("heads-up delivery row: {what}"))
}

impl Database {
    fn stored_subscriptions(&self) -> Result<Vec<Stored>> {
        self.setting(SUBSCRIPTIONS)?
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| {
                    StoreError::Corrupt(format!("the stored heads-up subscriptions: {e}"))
                })
            })
            .transpose()
            .map(Option::unwrap_or_default)
    }

    fn save_subscriptions(&self, stored: &[Stored]) -> Result<()> {
        let json = serde_json::to_string(stored)
            .map_err(|e| StoreError::Corrupt(format!("heads-up subscriptions: {e}")))?;
        self.set_setting(SUBSCRIPTIONS, &json)
    }

    fn last_seq(&self) -> Result<u64> {
        let seq: i64 =
            self.conn
                .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |row| {
                    row.get(0)
                })?;
        Ok(u64::try_from(seq).unwrap_or_default())
    }

    /// The profile's heads-up subscriptions, by name.
    pub fn heads_up_subscriptions(&self) -> Result<Vec<Subscription>> {
        let mut subscriptions: Vec<Subscription> = self
            .stored_subscriptions()?
            .into_iter()
            .map(|stored| stored.subscription)
            .collect();
        subscriptions.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(subscriptions)
    }

    /// Adds a subscription or changes the one of the same name (its URL, format, kinds). A new
    /// one takes events recorded from now on; a changed one keeps its place in the log. A bad
    /// subscription is refused and changes nothing.
    pub fn save_heads_up_subscription(&mut self, subscription: &Subscription) -> Result<()> {
        subscription.validate()?;
        let mut stored = self.stored_subscriptions()?;
        let now_at = self.last_seq()?;
        match stored
            .iter_mut()
            .find(|s| s.subscription.name == subscription.name)
        {
            Some(existing) => existing.subscription = subscription.clone(),
            None => stored.push(Stored {
                subscription: subscription.clone(),
                after_seq: now_at,
            }),
        }
        let tx = self.conn.transaction()?;
        let json = serde_json::to_string(&stored)
            .map_err(|e| StoreError::Corrupt(format!("heads-up subscriptions: {e}")))?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SUBSCRIPTIONS, &json],
        )?;
        // The first subscription starts the cursor here: nothing before it is looked at.
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            [CURSOR, &now_at.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a subscription; its pending deliveries fail when next tried. `false` when there
    /// was none of that name.
    pub fn remove_heads_up_subscription(&mut self, name: &str) -> Result<bool> {
        let mut stored = self.stored_subscriptions()?;
        let before = stored.len();
        stored.retain(|s| s.subscription.name != name);
        if stored.len() == before {
            return Ok(false);
        }
        self.save_subscriptions(&stored)?;
        Ok(true)
    }

    /// Queues the deliveries the case events recorded since the last call ask for; how many. A
    /// profile joined to a team queues nothing (its server sends), and neither does one without
    /// subscriptions.
    pub fn queue_heads_ups(&mut self, now: Timestamp) -> Result<usize> {
        if self.sync_binding().is_some() {
            return Ok(0);
        }
        let stored = self.stored_subscriptions()?;
        if stored.is_empty() {
            return Ok(0);
        }
        let local_user = self.local_user()?;
        let tx = self.conn.transaction()?;
        let cursor: u64 = tx
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [CURSOR],
                |row| row.get::<_, String>(0),
            )
            .optional()?
            .and_then(|value| value.parse().ok())
            .unwrap_or_default();
        let events = {
            let mut statement = tx.prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let rows = statement.query_map(
                rusqlite::params![i64::try_from(cursor).unwrap_or(i64::MAX), QUEUE_BATCH],
                |row| Ok(read_event(row)),
            )?;
            let mut events = Vec::new();
            for row in rows {
                events.push(row??);
            }
            events
        };
        let Some(last) = events.last().map(|event| event.seq) else {
            return Ok(0);
        };
        let mut queued = 0;
        for recorded in events
            .iter()
            .filter(|recorded| recorded.event.aggregate_type == CASE)
        {
            let event = &recorded.event;
            let takers: Vec<&Stored> = stored
                .iter()
                .filter(|s| recorded.seq > s.after_seq && s.subscription.takes(event))
                .collect();
            if takers.is_empty() {
                continue;
            }
            let account_external_id: Option<String> = tx
                .query_row(
                    "SELECT accounts.external_id FROM cases
                     JOIN accounts ON accounts.id = cases.account_id WHERE cases.id = ?1",
                    [event.aggregate_id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            // Sample data is for walking the procedure here: nothing of it leaves the desk.
            if account_external_id
                .as_deref()
                .is_some_and(holdfast_core::sample::is_sample)
            {
                continue;
            }
            let recorded_by = match &local_user {
                Some(user) if user.id == event.actor => user.name.clone(),
                _ => event.actor.clone(),
            };
            let context = EventContext {
                account_external_id,
                recorded_by,
            };
            for taker in takers {
                let subscription = &taker.subscription;
                let heads_up = HeadsUp::of(&subscription.name, event, &context)?;
                queued += tx.execute(
                    "INSERT INTO heads_up_deliveries (id, subscription, event_id, kind, case_id,
                        body, status, attempts, queued_at, next_attempt_at)
                     VALUES (:id, :subscription, :event_id, :kind, :case_id, :body, 'pending', 0,
                        :now, :now)
                     ON CONFLICT (id) DO NOTHING",
                    named_params! {
                        ":id": heads_up.delivery_id.to_string(),
                        ":subscription": subscription.name,
                        ":event_id": event.id.to_string(),
                        ":kind": event.kind,
                        ":case_id": event.aggregate_id.to_string(),
                        ":body": body(subscription.format, &heads_up),
                        ":now": to_millis(now),
                    },
                )?;
            }
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [CURSOR, &last.to_string()],
        )?;
        tx.commit()?;
        Ok(queued)
    }

    /// Up to `limit` pending deliveries whose next attempt is due at `now`, earliest due first,
    /// then in the order they were queued.
    pub fn due_heads_ups(&self, now: Timestamp, limit: usize) -> Result<Vec<DueHeadsUp>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, subscription, kind, body, attempts FROM heads_up_deliveries
             WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, rowid LIMIT ?2",
        )?;
        let rows = statement.query_map(
            rusqlite::params![to_millis(now), i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            },
        )?;
        let mut due = Vec::new();
        for row in rows {
            let (id, subscription, kind, body, attempts) = row?;
            due.push(DueHeadsUp {
                id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
                subscription,
                kind,
                body,
                attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
            });
        }
        Ok(due)
    }

    /// When the next pending delivery is due, if any is pending.
    pub fn next_heads_up_at(&self) -> Result<Option<Timestamp>> {
        let next: Option<i64> = self.conn.query_row(
            "SELECT min(next_attempt_at) FROM heads_up_deliveries WHERE status = 'pending'",
            [],
            |row| row.get(0),
        )?;
        next.map(from_millis).transpose()
    }

    /// Records an attempt at the delivery `id` made at `now`: delivered, to be tried again after
    /// the core's backoff, or failed. A delivery that is no longer pending is left as it is.
    pub fn record_heads_up_attempt(
        &mut self,
        id: Uuid,
        attempt: &Attempt,
        now: Timestamp,
    ) -> Result<DeliveryStatus> {
        let tx = self.conn.transaction()?;
        let attempts: Option<i64> = tx
            .query_row(
                "SELECT attempts FROM heads_up_deliveries WHERE id = ?1 AND status = 'pending'",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        let Some(attempts) = attempts else {
            return Err(StoreError::NotFound {
                entity: "pending heads-up delivery",
                id: id.to_string(),
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
                ":next": next.map(to_millis),
                ":error": error,
                ":delivered_at": (status == DeliveryStatus::Delivered).then(|| to_millis(now)),
                ":id": id.to_string(),
            },
        )?;
        tx.commit()?;
        Ok(status)
    }

    /// The delivery log, newest first: up to `limit` deliveries.
    pub fn heads_up_deliveries(&self, limit: usize) -> Result<Vec<Delivery>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, subscription, kind, case_id, status, attempts, last_error, queued_at,
                next_attempt_at, delivered_at
             FROM heads_up_deliveries ORDER BY queued_at DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = statement.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
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
        })?;
        let mut log = Vec::new();
        for row in rows {
            let (id, subscription, kind, case_id, status, attempts, last_error, queued, next, done) =
                row?;
            log.push(Delivery {
                id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
                subscription,
                kind,
                case_id: Uuid::parse_str(&case_id).map_err(|_| corrupt("case_id"))?,
                status: DeliveryStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
                attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
                last_error,
                queued_at: from_millis(queued)?,
                next_attempt_at: next.map(from_millis).transpose()?,
                delivered_at: done.map(from_millis).transpose()?,
            });
        }
        Ok(log)
    }
}
