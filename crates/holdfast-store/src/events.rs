//! The event log: appending decided events with their audit-chain link (in the caller's
//! transaction, beside the read-model rows they change), reading an aggregate's history, and
//! verifying the whole chain.

use holdfast_core::audit::{verify_chain, BrokenLink, ChainHash, EventEnvelope, StoredLink};
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension, Transaction};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::collect_rows;
use crate::page::{from_millis, to_millis};
use crate::Database;

/// An event decided by the core, ready to be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: Uuid,
    /// The aggregate's version after this event: 1 for the event that creates it.
    pub aggregate_version: u64,
    pub kind: String,
    /// Who decided it (a user id).
    pub actor: String,
    /// The version of the policy it was decided under.
    pub policy_version: String,
    pub recorded_at: Timestamp,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub seq: u64,
    pub event: NewEvent,
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
    },
}

impl NewEvent {
    fn envelope(&self, seq: u64) -> EventEnvelope<'_> {
        EventEnvelope {
            seq,
            id: self.id,
            aggregate_type: &self.aggregate_type,
            aggregate_id: self.aggregate_id,
            aggregate_version: self.aggregate_version,
            kind: &self.kind,
            actor: &self.actor,
            policy_version: &self.policy_version,
            recorded_at: self.recorded_at,
            payload: &self.payload,
        }
    }
}

fn head(tx: &rusqlite::Connection) -> Result<Option<(u64, ChainHash)>> {
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

/// Appends `event` to the log inside `tx`, chained to the current head, and moves the head.
pub(crate) fn append(tx: &Transaction<'_>, event: &NewEvent) -> Result<RecordedEvent> {
    let (previous_seq, previous_hash) = head(tx)?.unwrap_or((0, ChainHash::GENESIS));
    let seq = previous_seq + 1;
    let hash = ChainHash::next(&previous_hash, &event.envelope(seq).canonical_bytes());
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
    Ok(RecordedEvent {
        seq,
        event: event.clone(),
        hash,
    })
}

pub(crate) const EVENT_COLUMNS: &str =
    "seq, id, aggregate_type, aggregate_id, aggregate_version, kind, actor,
    policy_version, recorded_at, payload, hash";

pub(crate) fn read_event(row: &rusqlite::Row<'_>) -> Result<RecordedEvent> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("event row: {what}"));
    let seq: i64 = row.get(0)?;
    let id: String = row.get(1)?;
    let aggregate_id: String = row.get(3)?;
    let version: i64 = row.get(4)?;
    let payload: String = row.get(9)?;
    let hash: Vec<u8> = row.get(10)?;
    Ok(RecordedEvent {
        seq: u64::try_from(seq).map_err(|_| corrupt("seq"))?,
        event: NewEvent {
            id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
            aggregate_type: row.get(2)?,
            aggregate_id: Uuid::parse_str(&aggregate_id).map_err(|_| corrupt("aggregate_id"))?,
            aggregate_version: u64::try_from(version).map_err(|_| corrupt("aggregate_version"))?,
            kind: row.get(5)?,
            actor: row.get(6)?,
            policy_version: row.get(7)?,
            recorded_at: from_millis(row.get(8)?)?,
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
    pub fn record_events(&mut self, events: &[NewEvent]) -> Result<Vec<RecordedEvent>> {
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
    /// commands to record follow the confirmed ones (numbered from `sync::PENDING_SEQ_BASE`).
    pub fn events_of(&self, aggregate_id: Uuid) -> Result<Vec<RecordedEvent>> {
        history_of(&self.conn, aggregate_id)
    }

    /// Re-derives every link of the audit chain from the stored events and compares it with the
    /// stored hashes and the head. A row that cannot even be read counts as a broken link.
    pub fn verify_audit_chain(&self) -> Result<AuditVerdict> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"))?;
        let mut links = Vec::new();
        let rows = statement.query_map([], |row| Ok(read_event(row)))?;
        for row in rows {
            match row? {
                Ok(recorded) => links.push(StoredLink {
                    seq: recorded.seq,
                    canonical: recorded.event.envelope(recorded.seq).canonical_bytes(),
                    hash: recorded.hash,
                }),
                Err(StoreError::Corrupt(message)) => {
                    return Ok(AuditVerdict::Broken {
                        seq: links.last().map(|link: &StoredLink| link.seq + 1),
                        message,
                    })
                }
                Err(other) => return Err(other),
            }
        }
        let head = match head(&self.conn) {
            Ok(head) => head,
            Err(StoreError::Corrupt(message)) => {
                return Ok(AuditVerdict::Broken { seq: None, message })
            }
            Err(other) => return Err(other),
        };
        Ok(match verify_chain(links, head) {
            Ok(events) => AuditVerdict::Intact { events },
            Err(broken) => AuditVerdict::Broken {
                seq: match broken {
                    BrokenLink::HashMismatch { seq } => Some(seq),
                    BrokenLink::Gap { expected, .. } => Some(expected),
                    BrokenLink::Truncated { last, .. } => Some(last + 1),
                    BrokenLink::HeadMismatch => None,
                },
                message: broken.to_string(),
            },
        })
    }
}
