//! A database written by a newer Holdfast is refused with a clear message, and reopening an
//! up-to-date one changes nothing.

mod common;

use common::Fixture;
use holdfast_store::{Database, StoreError};

#[test]
fn a_newer_schema_is_refused() {
    let fixture = Fixture::new();
    let path = fixture.path();
    drop(fixture.db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", fixture.key.to_hex()))
            .unwrap();
        conn.pragma_update(None, "user_version", Database::schema_version() + 1)
            .unwrap();
    }
    match Database::open(&path, &fixture.key) {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!(found, Database::schema_version() + 1);
            assert_eq!(supported, Database::schema_version());
        }
        other => panic!("expected NewerSchema, got {:?}", other.err()),
    }
}

#[test]
fn reopening_keeps_the_schema_version() {
    let fixture = Fixture::new();
    let path = fixture.path();
    drop(fixture.db);
    Database::open(&path, &fixture.key).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", fixture.key.to_hex()))
        .unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, Database::schema_version());
}

/// A profile written before the hashed form was fixed: its links were computed over instants at
/// nanosecond precision that the log kept only to the millisecond, so it could never verify.
/// Opening it re-seals the chain once, says so in `audit_reseals`, and from then on it verifies.
#[test]
fn a_log_written_before_the_hashed_form_was_fixed_is_resealed_on_upgrade() {
    use holdfast_core::audit::ChainHash;
    use holdfast_store::events::{AuditVerdict, EventRecord};

    let mut fixture = Fixture::new();
    let at: jiff::Timestamp = "2026-11-21T10:00:00.123456789Z".parse().unwrap();
    let events: Vec<EventRecord> = (1..=3)
        .map(|version| EventRecord {
            id: uuid::Uuid::now_v7(),
            aggregate_type: "case".into(),
            aggregate_id: uuid::Uuid::from_u128(7),
            aggregate_version: version,
            kind: "note_added".into(),
            actor: "amy".into(),
            policy_version: "wootrecruit@1".into(),
            recorded_at: at,
            payload: serde_json::json!({"kind": "note_added", "text": format!("note {version}")}),
        })
        .collect();
    fixture.db.record_events(&events).unwrap();
    let path = fixture.path();
    drop(fixture.db);
    {
        // Back to schema 9 as the earlier version left it: the outbox table, the triggers that
        // stamped the first-response clock, no reseal record, and each link hashed over the
        // full-precision instant.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", fixture.key.to_hex()))
            .unwrap();
        conn.execute_batch(
            "DROP TABLE audit_reseals;
             CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, command_id TEXT NOT NULL UNIQUE,
                aggregate_id TEXT NOT NULL, base_version INTEGER NOT NULL, command TEXT NOT NULL,
                actor TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT;
             ALTER TABLE cases DROP COLUMN state;
             DROP INDEX events_offer_accepted;
             DROP TABLE case_search;
             DROP TABLE account_search;
             CREATE TRIGGER cases_acknowledged_by_event AFTER INSERT ON events BEGIN SELECT 1; END;
             CREATE TRIGGER cases_acknowledged_on_insert AFTER INSERT ON cases BEGIN SELECT 1; END;
             PRAGMA user_version = 9;",
        )
        .unwrap();
        let mut previous = ChainHash::GENESIS;
        for (index, event) in events.iter().enumerate() {
            let seq = index as u64 + 1;
            previous = ChainHash::link(&previous, seq, event);
            conn.execute(
                "UPDATE events SET hash = ?1 WHERE seq = ?2",
                rusqlite::params![previous.0.to_vec(), seq as i64],
            )
            .unwrap();
        }
        conn.execute(
            "UPDATE audit_head SET hash = ?1",
            rusqlite::params![previous.0.to_vec()],
        )
        .unwrap();
    }

    let db = Database::open(&path, &fixture.key).unwrap();
    assert_eq!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 3 }
    );
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", fixture.key.to_hex()))
        .unwrap();
    let (through, changed): (i64, i64) = conn
        .query_row(
            "SELECT through_seq, links_changed FROM audit_reseals",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((through, changed), (3, 3));
    let outbox: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(outbox, 0, "the unread outbox is gone");
    let triggers: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 0, "no read model is kept by SQL triggers");
}
