//! The event log: appending decided events with their audit-chain link (in the caller's
//! transaction, beside the read-model rows they change), reading an aggregate's history, and
//! verifying the whole chain.

use holdfast_core::audit::{verify_chain, verify_links, BrokenLink, ChainHash, StoredLink};
use holdfast_core::record::stored_instant;
pub use holdfast_core::record::EventRecord;
use rusqlite::types::FromSql;
use rusqlite::{named_params, OptionalExtension, Transaction};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::collect_rows;
use crate::page::{from_millis, to_millis};
use crate::Database;

#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub seq: u64,
    /// As stored and read back: what its hash covers.
    pub event: EventRecord,
    pub hash: ChainHash,
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum AuditVerdict {
    Intact {
        #[ts(type = "number")]
        events: u64,
    },
    Broken {
        /// The first event that fails, when one can be named.
        #[ts(type = "number | null")]
        seq: Option<u64>,
        message: String,
        /// How many events the log holds, broken or not.
        #[ts(type = "number")]
        events: u64,
    },
}

/// Where the numbers of pending events start: far above any organisation's log, so a case's
/// history is one ordered query over both tables and a pending note's search row never meets a
/// confirmed one's.
pub const PENDING_SEQ_BASE: u64 = 1 << 48;

pub(crate) fn head(tx: &rusqlite::Connection) -> Result<Option<(u64, ChainHash)>> {
    let row: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    row.map(|(seq, hash)| {
        let hash = ChainHash::from_slice(&hash)
            .ok_or_else(|| StoreError::Corrupt("the audit head's hash is not 32 bytes".into()))?;
        Ok((seq as u64, hash))
    })
    .transpose()
}

/// A fresh random value for one batch of recorded events: their personal-data salts are derived
/// from it (`holdfast_core::personal`), and it is never stored.
pub(crate) fn fresh_secret() -> Result<[u8; 16]> {
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret)
        .map_err(|error| StoreError::Corrupt(format!("no randomness for a salt: {error}")))?;
    Ok(secret)
}

/// `event` as the log keeps it: its instant at the column's precision (milliseconds). Hashing this
/// form, not the one handed in, is what lets the chain verify from what is read back.
fn as_stored(event: &EventRecord) -> EventRecord {
    EventRecord {
        recorded_at: stored_instant(event.recorded_at),
        ..event.clone()
    }
}

/// Appends `event` to the log inside `tx`, chained to the current head, and moves the head.
pub(crate) fn append(tx: &Transaction<'_>, event: &EventRecord) -> Result<RecordedEvent> {
    let (previous_seq, previous_hash) = head(tx)?.unwrap_or((0, ChainHash::GENESIS));
    let seq = previous_seq + 1;
    let event = as_stored(event);
    let hash = ChainHash::link(&previous_hash, seq, &event);
    tx.execute(
        "INSERT INTO events (seq, id, aggregate_type, aggregate_id, aggregate_version, kind, actor,
            policy_version, recorded_at, payload, hash)
         VALUES (:seq, :id, :aggregate_type, :aggregate_id, :aggregate_version, :kind, :actor,
            :policy_version, :recorded_at, :payload, :hash)",
        named_params! {
            ":seq": seq as i64,
            ":id": event.id.to_string(),
            ":aggregate_type": event.aggregate_type,
            ":aggregate_id": event.aggregate_id.to_string(),
            ":aggregate_version": event.aggregate_version as i64,
            ":kind": event.kind,
            ":actor": event.actor,
            ":policy_version": event.policy_version,
            ":recorded_at": to_millis(event.recorded_at),
            ":payload": event.payload.to_string(),
            ":hash": hash.0.to_vec(),
        },
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        rusqlite::params![seq as i64, hash.0.to_vec()],
    )?;
    Ok(RecordedEvent { seq, event, hash })
}

pub(crate) const EVENT_COLUMNS: &str =
    "seq, id, aggregate_type, aggregate_id, aggregate_version, kind, actor,
    policy_version, recorded_at, payload, hash";

/// A column of an event row; a value of the wrong type or text that is not UTF-8 is damage, not
/// a database failure, so the verifier can name the event.
fn column<T: FromSql>(row: &rusqlite::Row<'_>, index: usize, what: &str) -> Result<T> {
    row.get(index).map_err(|error| match error {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..) => {
            StoreError::Corrupt(format!("event row: {what} ({error})"))
        }
        other => StoreError::Sqlite(other),
    })
}

pub(crate) fn read_event(row: &rusqlite::Row<'_>) -> Result<RecordedEvent> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("event row: {what}"));
    let seq: i64 = column(row, 0, "seq")?;
    let id: String = column(row, 1, "id")?;
    let aggregate_id: String = column(row, 3, "aggregate_id")?;
    let version: i64 = column(row, 4, "aggregate_version")?;
    let payload: String = column(row, 9, "payload")?;
    let hash: Vec<u8> = column(row, 10, "hash")?;
    Ok(RecordedEvent {
        seq: u64::try_from(seq).map_err(|_| corrupt("seq"))?,
        event: EventRecord {
            id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
            aggregate_type: column(row, 2, "aggregate_type")?,
            aggregate_id: Uuid::parse_str(&aggregate_id).map_err(|_| corrupt("aggregate_id"))?,
            aggregate_version: u64::try_from(version).map_err(|_| corrupt("aggregate_version"))?,
            kind: column(row, 5, "kind")?,
            actor: column(row, 6, "actor")?,
            policy_version: column(row, 7, "policy_version")?,
            recorded_at: from_millis(column(row, 8, "recorded_at")?)?,
            payload: serde_json::from_str(&payload).map_err(|_| corrupt("payload"))?,
        },
        hash: ChainHash::from_slice(&hash).ok_or_else(|| corrupt("hash"))?,
    })
}

/// An aggregate's history, oldest first: its confirmed events, then its pending ones.
pub(crate) fn history_of(
    conn: &rusqlite::Connection,
    aggregate_id: Uuid,
) -> Result<Vec<RecordedEvent>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE aggregate_id = ?1
         UNION ALL
         SELECT {EVENT_COLUMNS} FROM pending_events WHERE aggregate_id = ?1
         ORDER BY aggregate_version"
    ))?;
    let rows = statement.query_map([aggregate_id.to_string()], |row| Ok(read_event(row)))?;
    collect_rows(rows)
}

/// Every event of one aggregate type, in the order they were recorded, pending ones last.
pub(crate) fn all_of_type(
    conn: &rusqlite::Connection,
    aggregate_type: &str,
) -> Result<Vec<RecordedEvent>> {
    // A joined profile's pending events (numbered after every confirmed one) come last.
    let mut statement = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE aggregate_type = ?1
         UNION ALL
         SELECT {EVENT_COLUMNS} FROM pending_events WHERE aggregate_type = ?1
         ORDER BY seq"
    ))?;
    let rows = statement.query_map([aggregate_type], |row| Ok(read_event(row)))?;
    collect_rows(rows)
}

impl Database {
    /// Records events in one transaction, in order; returns them with their positions and hashes.
    pub fn record_events(&mut self, events: &[EventRecord]) -> Result<Vec<RecordedEvent>> {
        let tx = self.conn.transaction()?;
        let recorded = events
            .iter()
            .map(|event| append(&tx, event))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(recorded)
    }

    /// An aggregate's history, oldest first.
    /// In a profile joined to a team server, the events this device expects its pending
    /// commands to record follow the confirmed ones (numbered from `PENDING_SEQ_BASE`).
    pub fn events_of(&self, aggregate_id: Uuid) -> Result<Vec<RecordedEvent>> {
        history_of(&self.conn, aggregate_id)
    }

    /// Re-derives every link of the audit chain from the stored events and compares it with the
    /// stored hashes and the head. A row that cannot even be read counts as a broken link.
    pub fn verify_audit_chain(&self) -> Result<AuditVerdict> {
        // A row whose position is not a valid one is left out, so the verifier reports the gap
        // it leaves (or the cut-off end) at the event that is missing from its place.
        let mut statement = self.conn.prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq >= 1 ORDER BY seq"
        ))?;
        let events: i64 = self
            .conn
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))?;
        let events = events as u64;
        let mut links = Vec::new();
        let mut unreadable = None;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                read_event(row).and_then(|recorded| in_stored_form(row, recorded)),
            ))
        })?;
        for row in rows {
            let (seq, recorded) = row?;
            match recorded {
                Ok(recorded) => links.push(StoredLink {
                    seq: recorded.seq,
                    canonical: recorded.event.canonical_bytes(recorded.seq),
                    hash: recorded.hash,
                }),
                Err(StoreError::Corrupt(message)) => {
                    unreadable = Some((seq as u64, message));
                    break;
                }
                Err(other) => return Err(other),
            }
        }
        if let Some((seq, message)) = unreadable {
            // The first broken link is what counts: one before the unreadable row wins.
            return Ok(match verify_links(links) {
                Err(broken) => broken_verdict(broken, events),
                Ok(_) => AuditVerdict::Broken {
                    seq: Some(seq),
                    message,
                    events,
                },
            });
        }
        let head = match head(&self.conn) {
            Ok(head) => head,
            Err(StoreError::Corrupt(message)) => {
                return Ok(AuditVerdict::Broken {
                    seq: None,
                    message,
                    events,
                })
            }
            Err(other) => return Err(other),
        };
        Ok(match verify_chain(links, head) {
            Ok(events) => AuditVerdict::Intact { events },
            Err(broken) => broken_verdict(broken, events),
        })
    }
}

/// `recorded` if its row holds the exact text the store writes for it. Reading normalises (an
/// upper-case UUID parses to the same id, JSON to the same value), so without this an edit that
/// keeps the meaning but changes the stored bytes would pass unseen.
pub(crate) fn in_stored_form(
    row: &rusqlite::Row<'_>,
    recorded: RecordedEvent,
) -> Result<RecordedEvent> {
    let id: String = column(row, 1, "id")?;
    let aggregate_id: String = column(row, 3, "aggregate_id")?;
    let payload: String = column(row, 9, "payload")?;
    let differs = |what: &str| {
        Err(StoreError::Corrupt(format!(
            "event row: {what} is not as it was written"
        )))
    };
    if id != recorded.event.id.to_string() {
        return differs("id");
    }
    if aggregate_id != recorded.event.aggregate_id.to_string() {
        return differs("aggregate_id");
    }
    // Compared as text: a JSON value equals a string when it *is* that string.
    let written = recorded.event.payload.to_string();
    if payload != written {
        return differs("payload");
    }
    Ok(recorded)
}

fn broken_verdict(broken: BrokenLink, events: u64) -> AuditVerdict {
    AuditVerdict::Broken {
        events,
        seq: match broken {
            BrokenLink::HashMismatch { seq } => Some(seq),
            BrokenLink::Gap { expected, .. } => Some(expected),
            BrokenLink::Truncated { last, .. } => Some(last + 1),
            BrokenLink::HeadMismatch => None,
        },
        message: broken.to_string(),
    }
}

/// Links every event of the log again under the current hashed form and moves the head, inside
/// the caller's transaction. Run once, by the migration that fixed the hashed form: earlier
/// versions hashed each instant at nanosecond precision but kept only its milliseconds, so those
/// links could never be re-derived from what was stored. Returns how many links changed.
/// A row that cannot be read stops the re-sealing there, so the verifier still reports it.
pub(crate) fn reseal(tx: &Transaction<'_>) -> Result<(u64, Option<u64>)> {
    let mut events = Vec::new();
    {
        let mut statement =
            tx.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"))?;
        let rows = statement.query_map([], |row| Ok(read_event(row)))?;
        for row in rows {
            match row? {
                Ok(recorded) => events.push(recorded),
                Err(StoreError::Corrupt(_)) => break,
                Err(other) => return Err(other),
            }
        }
    }
    let mut previous = ChainHash::GENESIS;
    let mut changed = 0;
    let mut last = None;
    for recorded in &events {
        let hash = ChainHash::link(&previous, recorded.seq, &recorded.event);
        if hash != recorded.hash {
            tx.execute(
                "UPDATE events SET hash = ?1 WHERE seq = ?2",
                rusqlite::params![hash.0.to_vec(), recorded.seq as i64],
            )?;
            changed += 1;
        }
        previous = hash;
        last = Some((recorded.seq, hash));
    }
    if let Some((seq, hash)) = last {
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            rusqlite::params![seq as i64, hash.0.to_vec()],
        )?;
    }
    Ok((changed, last.map(|(seq, _)| seq)))
}

/// The migration step that re-seals a log written by an earlier version, and records it.
pub(crate) fn reseal_on_upgrade(tx: &Transaction<'_>, schema_version: i64) -> Result<()> {
    let (changed, through) = reseal(tx)?;
    let Some(through) = through else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO audit_reseals (resealed_at, schema_version, through_seq, links_changed, reason)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            jiff::Timestamp::now().as_millisecond(),
            schema_version,
            through as i64,
            changed as i64,
            "upgrade: instants are now hashed at the milliseconds they are stored at"
        ],
    )?;
    Ok(())
}

/// The number the next pending event takes.
pub(crate) fn next_pending_seq(tx: &Transaction<'_>) -> Result<u64> {
    let highest: Option<i64> =
        tx.query_row("SELECT max(seq) FROM pending_events", [], |row| row.get(0))?;
    Ok(highest.map_or(PENDING_SEQ_BASE, |highest| highest as u64 + 1))
}

/// Records one event a pending command is expected to record, at `seq` of the pending log (not
/// chained: the server's log is the record; these are rewritten at every rebase).
pub(crate) fn append_pending(
    tx: &Transaction<'_>,
    seq: u64,
    command_seq: u64,
    new_event: EventRecord,
) -> Result<RecordedEvent> {
    let new_event = as_stored(&new_event);
    let hash = ChainHash::GENESIS;
    tx.execute(
        "INSERT INTO pending_events (seq, id, aggregate_type, aggregate_id, aggregate_version,
            kind, actor, policy_version, recorded_at, payload, hash, command_seq)
         VALUES (:seq, :id, :aggregate_type, :aggregate_id, :aggregate_version, :kind, :actor,
            :policy_version, :recorded_at, :payload, :hash, :command_seq)",
        named_params! {
            ":seq": seq as i64,
            ":id": new_event.id.to_string(),
            ":aggregate_type": new_event.aggregate_type,
            ":aggregate_id": new_event.aggregate_id.to_string(),
            ":aggregate_version": new_event.aggregate_version as i64,
            ":kind": new_event.kind,
            ":actor": new_event.actor,
            ":policy_version": new_event.policy_version,
            ":recorded_at": to_millis(new_event.recorded_at),
            ":payload": new_event.payload.to_string(),
            ":hash": hash.0.to_vec(),
            ":command_seq": command_seq as i64,
        },
    )?;
    Ok(RecordedEvent {
        seq,
        event: new_event,
        hash,
    })
}
