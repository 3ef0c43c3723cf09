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
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            fixture.key.to_hex().as_str()
        ))
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
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        fixture.key.to_hex().as_str()
    ))
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
            // A note as every version has recorded it: its text and when it was added.
            payload: serde_json::json!({
                "kind": "note_added",
                "text": format!("note {version}"),
                "at": at,
            }),
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
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            fixture.key.to_hex().as_str()
        ))
        .unwrap();
        undo_migration_11(&conn);
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
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        fixture.key.to_hex().as_str()
    ))
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

/// Takes a database back to before migration 0011 (account terms, the roster, user ids).
fn undo_migration_11(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DROP TABLE sales_reps;
         ALTER TABLE accounts DROP COLUMN plan_price_minor;
         ALTER TABLE accounts DROP COLUMN billing_period_start;
         ALTER TABLE accounts DROP COLUMN billing_period_end;
         ALTER TABLE accounts DROP COLUMN account_manager;
         ALTER TABLE accounts DROP COLUMN accounts_receivable_known;
         PRAGMA user_version = 10;",
    )
    .unwrap();
}

/// A profile made before users had ids: its user keeps the name they had as their id, so the
/// events they recorded (whose actor is that name) still name them, and a rename keeps it.
#[test]
fn an_existing_local_user_keeps_their_name_as_their_id() {
    use holdfast_core::role::Role;
    use holdfast_store::settings::LocalUserChange;

    let fixture = Fixture::new();
    let path = fixture.path();
    drop(fixture.db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            fixture.key.to_hex().as_str()
        ))
        .unwrap();
        undo_migration_11(&conn);
        conn.execute_batch(
            r#"INSERT INTO settings (key, value)
                 VALUES ('local_user', '{"name":"amy","roles":["billing"]}');
               INSERT INTO users (id, name, roles, active)
                 VALUES ('0190a0b0-0000-7000-8000-000000000001', 'amy', '["billing"]', 1);"#,
        )
        .unwrap();
    }
    let mut db = Database::open(&path, &fixture.key).unwrap();
    let user = db.local_user().unwrap().unwrap();
    assert_eq!((user.id.as_str(), user.name.as_str()), ("amy", "amy"));
    assert_eq!(user.actor().user_id, "amy");
    assert_eq!(db.display_name("amy").unwrap(), "amy");

    let renamed = db
        .set_local_user(
            &LocalUserChange {
                name: "Amy Brooks".into(),
                roles: vec![Role::Billing],
            },
            common::now(),
        )
        .unwrap();
    assert_eq!(renamed.id, "amy");
    assert_eq!(db.display_name("amy").unwrap(), "Amy Brooks");
    let people = db.people().unwrap();
    assert_eq!(people.len(), 1, "{people:?}");
}
