//! Any change to the stored event log — an edited, removed or reordered event, or a cut-off end —
//! is reported by `verify_audit_chain`, every time.

mod common;

use common::{now, Fixture};
use holdfast_store::events::{AuditVerdict, EventRecord};
use holdfast_store::Database;
use serde_json::json;
use uuid::Uuid;

const EVENTS: usize = 6;

fn recorded_log() -> Fixture {
    let mut fixture = Fixture::new();
    let cases = [Uuid::now_v7(), Uuid::now_v7()];
    let events: Vec<EventRecord> = (0..EVENTS)
        .map(|i| EventRecord {
            id: Uuid::now_v7(),
            aggregate_type: "case".into(),
            aggregate_id: cases[i % 2],
            aggregate_version: (i / 2 + 1) as u64,
            kind: ["case_received", "identity_verified", "offer_proposed"][i / 2].into(),
            actor: format!("user-{i}"),
            policy_version: "wootrecruit@1".into(),
            recorded_at: now() + jiff::SignedDuration::from_mins(i as i64),
            payload: json!({ "step": i, "amount": { "minor": 1000 * i, "currency": "USD" } }),
        })
        .collect();
    fixture.db.record_events(&events).unwrap();
    assert_eq!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact {
            events: EVENTS as u64
        }
    );
    assert_eq!(fixture.db.events_of(cases[0]).unwrap().len(), EVENTS / 2);
    fixture
}

/// Tampers with the closed database through a plain keyed connection, as someone holding the key
/// but bypassing Holdfast would, then reopens it and verifies.
fn tampered(tamper: impl FnOnce(&rusqlite::Connection)) -> AuditVerdict {
    let fixture = recorded_log();
    let path = fixture.path();
    drop(fixture.db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            fixture.key.to_hex().as_str()
        ))
        .unwrap();
        tamper(&conn);
    }
    Database::open(&path, &fixture.key)
        .unwrap()
        .verify_audit_chain()
        .unwrap()
}

fn is_broken_at(verdict: &AuditVerdict, expected: Option<u64>) -> bool {
    matches!(verdict, AuditVerdict::Broken { seq, .. } if *seq == expected)
}

#[test]
fn an_untouched_log_survives_reopening() {
    let fixture = recorded_log();
    let path = fixture.path();
    drop(fixture.db);
    let db = Database::open(&path, &fixture.key).unwrap();
    assert_eq!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact {
            events: EVENTS as u64
        }
    );
}

#[test]
fn every_changed_field_of_every_event_is_caught_at_that_event() {
    let edits = [
        "payload = json_set(payload, '$.step', 99)",
        "actor = 'someone-else'",
        "kind = 'offer_accepted'",
        "policy_version = 'wootrecruit@2'",
        "recorded_at = recorded_at + 1",
        "aggregate_version = aggregate_version + 10",
    ];
    for seq in 1..=EVENTS as i64 {
        for edit in edits {
            let verdict = tampered(|conn| {
                let changed = conn
                    .execute(&format!("UPDATE events SET {edit} WHERE seq = ?1"), [seq])
                    .unwrap();
                assert_eq!(changed, 1);
            });
            assert!(
                is_broken_at(&verdict, Some(seq as u64)),
                "{edit} on event {seq}: {verdict:?}"
            );
        }
    }
}

#[test]
fn every_removed_event_is_caught() {
    for seq in 1..=EVENTS as i64 {
        let verdict = tampered(|conn| {
            conn.execute("DELETE FROM events WHERE seq = ?1", [seq])
                .unwrap();
        });
        assert!(
            is_broken_at(&verdict, Some(seq as u64)),
            "removing {seq}: {verdict:?}"
        );
    }
}

#[test]
fn every_reordering_of_neighbours_is_caught() {
    for seq in 1..EVENTS as i64 {
        let verdict = tampered(|conn| {
            conn.execute_batch(&format!(
                "UPDATE events SET seq = -1 WHERE seq = {seq};
                 UPDATE events SET seq = {seq} WHERE seq = {next};
                 UPDATE events SET seq = {next} WHERE seq = -1;",
                next = seq + 1
            ))
            .unwrap();
        });
        assert!(
            is_broken_at(&verdict, Some(seq as u64)),
            "swapping {seq}: {verdict:?}"
        );
    }
}

#[test]
fn cutting_events_off_the_end_or_moving_the_head_is_caught() {
    let verdict = tampered(|conn| {
        conn.execute("DELETE FROM events WHERE seq >= 5", [])
            .unwrap();
    });
    assert!(is_broken_at(&verdict, Some(5)), "{verdict:?}");

    let verdict = tampered(|conn| {
        conn.execute("DELETE FROM events WHERE seq = 6", [])
            .unwrap();
        conn.execute(
            "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM events WHERE seq = 5)",
            [],
        )
        .unwrap();
    });
    // Rewinding the head along with the log is indistinguishable locally; the server's signed
    // checkpoints (sync) catch that. What must hold is that the rest still verifies.
    assert_eq!(verdict, AuditVerdict::Intact { events: 5 });

    let verdict = tampered(|conn| {
        conn.execute("UPDATE audit_head SET hash = zeroblob(32)", [])
            .unwrap();
    });
    assert!(is_broken_at(&verdict, None), "{verdict:?}");
}
