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
