//! The audit chain verifies from what the store keeps, at whatever instant a command ran: random
//! commands at random instants (sub-millisecond parts included) always leave a log that verifies
//! after the app is closed and opened again, and flipping any single byte of any stored event,
//! the first one included, is reported at that event.

mod common;

use common::{draft, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::events::AuditVerdict;
use holdfast_store::Database;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;

fn policy() -> Policy {
    parse_policy(include_str!("../../../policies/wootrecruit.toml")).unwrap()
}

fn amy() -> Actor {
    Actor {
        user_id: "amy".into(),
        roles: vec![Role::AccountManager, Role::Manager],
        active: true,
    }
}

/// One step a person might take; `Open` starts a new case, the others work the newest one.
#[derive(Debug, Clone)]
enum Step {
    Open,
    Acknowledge,
    Verify,
    Note(String),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Open),
        Just(Step::Acknowledge),
        Just(Step::Verify),
        "[a-zA-Z0-9 é€\"\\\\{}]{0,40}".prop_map(Step::Note),
    ]
}

/// Instants from 2026 on, to the nanosecond.
fn instant() -> impl Strategy<Value = Timestamp> {
    (0i64..400 * 86_400, 0i32..1_000_000_000).prop_map(|(seconds, nanos)| {
        "2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::new(seconds, nanos)
    })
}

/// Runs the steps (a refused one, e.g. acknowledging twice, records nothing) and returns the
/// number of events recorded.
fn run(db: &mut Database, steps: &[(Step, Timestamp)]) -> u64 {
    let policy = policy();
    let account_id = db.accounts(&AccountQuery::default()).unwrap().items[0].id;
    let mut case_id = None;
    let mut events = 0;
    for (step, at) in steps {
        let command = match (step, case_id) {
            (Step::Open, _) | (_, None) => {
                let id = Uuid::now_v7();
                case_id = Some(id);
                CaseCommand::Receive {
                    case_id: id,
                    account_id,
                    channel: RequestChannel::Email,
                    requester_name: "Ana Silva".into(),
                    requester_contact: "a-1@example.com".into(),
                    received_at: None,
                }
            }
            (Step::Acknowledge, Some(_)) => common::acknowledge(),
            (Step::Verify, Some(_)) => CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("a-1@example.com".into()),
                evidence: "Reply from the address on file".into(),
            },
            (Step::Note(text), Some(_)) => CaseCommand::AddNote { text: text.clone() },
        };
        let id = case_id.unwrap();
        if let Ok(decided) = db.run_case_command(id, &command, &amy(), &policy, *at) {
            events += decided.events.len() as u64;
        }
    }
    events
}

/// The event columns a byte can be flipped in, as stored.
const COLUMNS: [&str; 11] = [
    "seq",
    "id",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "kind",
    "actor",
    "policy_version",
    "recorded_at",
    "payload",
    "hash",
];

/// Flips one bit of one byte of one column of event `seq`, through a plain keyed connection, as
/// someone editing the file with the key would. Integers are flipped in their 8 bytes, text and
/// blobs in their stored bytes. Returns false when the edit is one SQLite refuses (a constraint).
fn flip(conn: &rusqlite::Connection, seq: i64, column: &str, byte: Index, bit: u8) -> bool {
    let integer = matches!(column, "seq" | "aggregate_version" | "recorded_at");
    let sql = if integer {
        let value: i64 = conn
            .query_row(
                &format!("SELECT {column} FROM events WHERE seq = ?1"),
                [seq],
                |r| r.get(0),
            )
            .unwrap();
        let mut bytes = value.to_be_bytes();
        bytes[byte.index(8)] ^= 1 << bit;
        return conn
            .execute(
                &format!("UPDATE events SET {column} = ?1 WHERE seq = ?2"),
                rusqlite::params![i64::from_be_bytes(bytes), seq],
            )
            .is_ok();
    } else {
        format!("SELECT CAST({column} AS BLOB) FROM events WHERE seq = ?1")
    };
    let mut bytes: Vec<u8> = conn.query_row(&sql, [seq], |r| r.get(0)).unwrap();
    if bytes.is_empty() {
        return false;
    }
    let at = byte.index(bytes.len());
    bytes[at] ^= 1 << bit;
    let value = if column == "hash" {
        "?1"
    } else {
        // Stored as text again, whatever the bytes now are (a flip may break UTF-8).
        "CAST(?1 AS TEXT)"
    };
    conn.execute(
        &format!("UPDATE events SET {column} = {value} WHERE seq = ?2"),
        rusqlite::params![bytes, seq],
    )
    .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn an_untouched_log_verifies_and_any_flipped_byte_names_its_event(
        steps in prop::collection::vec((step(), instant()), 1..10),
        victim in any::<Index>(),
        column in 0..COLUMNS.len(),
        byte in any::<Index>(),
        bit in 0u8..8,
    ) {
        let mut fixture = Fixture::new();
        fixture.db.import_accounts(&[draft("A-1", "Acme")], common::now()).unwrap();
        let events = run(&mut fixture.db, &steps);
        prop_assert!(events >= 1);
        let fixture = fixture.reopen();
        prop_assert_eq!(
            fixture.db.verify_audit_chain().unwrap(),
            AuditVerdict::Intact { events }
        );

        let seq = victim.index(events as usize) as i64 + 1;
        let path = fixture.path();
        drop(fixture.db);
        let flipped = {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", fixture.key.to_hex().as_str()))
                .unwrap();
            flip(&conn, seq, COLUMNS[column], byte, bit)
        };
        prop_assume!(flipped);
        let verdict = Database::open(&path, &fixture.key).unwrap().verify_audit_chain().unwrap();
        prop_assert!(
            matches!(verdict, AuditVerdict::Broken { seq: Some(at), .. } if at == seq as u64),
            "flipping {} of event {seq} gave {verdict:?}",
            COLUMNS[column]
        );
    }
}

/// The issue's own report: an event recorded at a sub-millisecond instant, read back and verified.
#[test]
fn an_event_recorded_at_a_sub_millisecond_instant_verifies() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], common::now())
        .unwrap();
    let at: Timestamp = "2026-11-21T10:00:00.123456789Z".parse().unwrap();
    let recorded = run(
        &mut fixture.db,
        &[(Step::Open, at), (Step::Acknowledge, at)],
    );
    // The acknowledgement message is recorded as sent and acknowledges the request: two events.
    assert_eq!(recorded, 3);
    assert_eq!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 3 }
    );
    let fixture = fixture.reopen();
    assert_eq!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 3 }
    );
}
