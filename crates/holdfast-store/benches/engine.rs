//! The case engine's speed on a realistic profile: 100k accounts and 100k cases. Each figure is
//! printed beside the same work done as raw SQL on the same database in the same run, and the
//! ratio, so a slow or noisy machine does not hide a regression.
//!
//! Limits (issue 3): deciding and committing one command ≤ 1 ms median; loading a case with its
//! timeline ≤ 2 ms; the inbox's first page filtered by status and sorted by SLA due ≤ 5 ms.

#[path = "support/fixture.rs"]
mod fixture;
// Each bench uses the part of the shared printing it needs.
#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;

use measure::{median, ms, print, Against};

use std::time::{Duration, Instant};

use fixture::CASES;
use holdfast_core::case::CaseStatus;
use holdfast_core::workflow::CaseCommand;
use holdfast_store::{Database, DatabaseKey};
use uuid::Uuid;

const SAMPLES: usize = 500;

/// The reference for a command: one event row and the case's row updated, as raw SQL in one
/// transaction with the same durability; returns how long it took.
fn raw_commit(
    raw: &rusqlite::Connection,
    case_id: Uuid,
    kind: &str,
    payload: &str,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let case_id = case_id.to_string();
    let start = Instant::now();
    let tx = raw.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO events (seq, id, aggregate_type, aggregate_id, aggregate_version, kind, actor,
            policy_version, recorded_at, payload, hash)
         VALUES ((SELECT max(seq) + 1 FROM events), ?1, 'case', ?2, 2, ?3, 'amy',
            'raw', 0, ?4, zeroblob(32))",
        rusqlite::params![Uuid::now_v7().to_string(), case_id, kind, payload],
    )?;
    tx.execute(
        "UPDATE cases SET version = 2, status = 'in_progress' WHERE id = ?1",
        [&case_id],
    )?;
    tx.commit()?;
    Ok(start.elapsed())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let key = DatabaseKey::generate()?;
    let mut db = Database::open(&path, &key)?;
    let built = fixture::build(&mut db)?;
    println!("{}", built.describe());
    let (policy, am, now, case_ids) = (built.policy, built.actor, built.now, built.case_ids);

    // The same database through plain SQL, for the reference figures.
    let raw = rusqlite::Connection::open(&path)?;
    raw.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; PRAGMA synchronous = FULL;",
        key.to_hex().as_str()
    ))?;

    // 1. Decide and commit one command (the acknowledgement message on a received case), fsync included.
    let mut ours = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let case_id = case_ids[2 * i + 1];
        let start = Instant::now();
        db.run_case_command(case_id, &fixture::acknowledge(), &am, &policy, now)?;
        ours.push(start.elapsed());
    }
    // 1b. The same decision on a long case costs what it costs on a short one: a note added to
    // cases with 5 events and to cases with 500 (their states are kept with their rows, so
    // neither folds its history). Both kinds are built first and the log checkpointed, then
    // measured in turns, so neither pays for the other's writes; each case takes one sample.
    const LONG_SAMPLES: usize = 20;
    let account_id = db.case(case_ids[0])?.account_id;
    let lengths = [5usize, 500];
    let mut built_cases: Vec<Vec<Uuid>> = vec![Vec::new(); lengths.len()];
    db.set_bulk_loading(true)?;
    for (events, cases) in lengths.iter().zip(&mut built_cases) {
        for _ in 0..LONG_SAMPLES {
            let case_id = Uuid::now_v7();
            db.run_case_command(
                case_id,
                &CaseCommand::Receive {
                    case_id,
                    account_id,
                    channel: holdfast_core::case::RequestChannel::Email,
                    requester_name: "Long Case".into(),
                    requester_contact: "long@example.com".into(),
                    received_at: None,
                },
                &am,
                &policy,
                now,
            )?;
            for note in 1..*events {
                let text = format!("call {note}: the customer still wants to cancel");
                db.run_case_command(case_id, &CaseCommand::AddNote { text }, &am, &policy, now)?;
            }
            cases.push(case_id);
        }
    }
    db.set_bulk_loading(false)?;
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(LONG_SAMPLES); lengths.len()];
    for i in 0..LONG_SAMPLES {
        for (cases, taken) in built_cases.iter().zip(&mut samples) {
            let text = "one more call".to_owned();
            let start = Instant::now();
            db.run_case_command(cases[i], &CaseCommand::AddNote { text }, &am, &policy, now)?;
            taken.push(start.elapsed());
        }
    }
    let by_length: Vec<Duration> = samples.into_iter().map(median).collect();
    // The raw references write events past the store's audit head, so they run after every
    // command the store decides.
    let mut reference = Vec::with_capacity(SAMPLES);
    let payload = r#"{"kind":"acknowledged","at":"2026-11-24T15:00:00Z"}"#;
    for i in 0..SAMPLES {
        let case_id = case_ids[2 * (SAMPLES + i) + 1];
        reference.push(raw_commit(&raw, case_id, "acknowledged", payload)?);
    }
    print(
        "decide + commit one command",
        median(ours),
        median(reference),
        Against::Limit(1.0),
    );

    let mut reference = Vec::with_capacity(LONG_SAMPLES);
    let note = r#"{"kind":"note_added","text":"one more call"}"#;
    for i in 0..LONG_SAMPLES {
        let case_id = case_ids[2 * (2 * SAMPLES + i) + 1];
        reference.push(raw_commit(&raw, case_id, "note_added", note)?);
    }
    let reference = median(reference);
    print(
        "add a note, case with 5 events",
        by_length[0],
        reference,
        Against::Limit(1.0),
    );
    print(
        "add a note, case with 500 events",
        by_length[1],
        reference,
        Against::Limit(1.0),
    );
    println!(
        "{:<44} 500 events / 5 events = {:.2}x",
        "  decision cost against history length",
        by_length[1].as_secs_f64() / by_length[0].as_secs_f64().max(1e-9)
    );

    // 2. Load a case with its timeline.
    let mut ours = Vec::with_capacity(SAMPLES);
    let mut reference = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let case_id = case_ids[(i * 7919) % CASES];
        let start = Instant::now();
        let summary = db.case(case_id)?;
        let timeline = db.events_of(case_id)?;
        ours.push(start.elapsed());
        assert!(!timeline.is_empty() && summary.id == case_id);

        let start = Instant::now();
        let id = case_id.to_string();
        let mut case_row = raw.prepare_cached(
            "SELECT c.id, c.account_id, a.name, a.tier, c.status, c.channel, c.requester_name,
                c.requester_contact, c.received_at, c.opened_at
             FROM cases c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?1",
        )?;
        let _row: (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
        ) = case_row.query_row([&id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
                row.get(9)?,
            ))
        })?;
        let mut events = raw.prepare_cached(
            "SELECT seq, id, aggregate_type, aggregate_id, aggregate_version, kind, actor,
                policy_version, recorded_at, payload, hash
             FROM events WHERE aggregate_id = ?1 ORDER BY aggregate_version",
        )?;
        let count = events
            .query_map([&id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, i64>(8)?,
                    row.get::<_, String>(9)?,
                    row.get::<_, Vec<u8>>(10)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .len();
        reference.push(start.elapsed());
        assert!(count > 0);
    }
    print(
        "load a case with its timeline",
        median(ours),
        median(reference),
        Against::Limit(2.0),
    );

    // 3. The inbox's first page: in-progress cases, soonest SLA first.
    let mut ours = Vec::with_capacity(SAMPLES);
    let mut reference = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        let page = db.cases_by_due(CaseStatus::InProgress, None, Some(50))?;
        ours.push(start.elapsed());
        assert_eq!(page.len(), 50);

        let start = Instant::now();
        let mut statement = raw.prepare_cached(
            "SELECT c.id, c.account_id, a.name, a.tier, c.status, c.channel, c.requester_name,
                c.requester_contact, c.received_at, c.opened_at
             FROM cases c JOIN accounts a ON a.id = c.account_id
             WHERE c.status = 'in_progress' AND c.first_response_due IS NOT NULL
             ORDER BY c.first_response_due, c.id LIMIT 50",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, i64>(8)?,
                    row.get::<_, i64>(9)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        reference.push(start.elapsed());
        assert_eq!(rows.len(), 50);
    }
    print(
        "inbox first page (status, by SLA due)",
        median(ours),
        median(reference),
        Against::Limit(5.0),
    );

    // 4. An inbox search that matches nothing, over every case: the trigram indexes answer it
    // without reading the cases. Beside the same lookup as raw SQL, and the row-by-row scan the
    // search used to be.
    const NO_MATCH: &str = "zzqx-no-such-customer";
    let query = holdfast_store::cases::InboxQuery {
        search: Some(NO_MATCH.into()),
        ..Default::default()
    };
    let mut ours = Vec::with_capacity(SAMPLES);
    let mut reference = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        let page = db.inbox(&query)?;
        ours.push(start.elapsed());
        assert!(page.items.is_empty());

        let start = Instant::now();
        let mut statement = raw.prepare_cached(
            "SELECT c.id FROM cases c WHERE c.rowid IN (
                SELECT rowid FROM case_search WHERE case_search MATCH ?1
                UNION
                SELECT c2.rowid FROM cases c2 WHERE c2.account_id IN (
                    SELECT a2.id FROM accounts a2 WHERE a2.rowid IN (
                        SELECT rowid FROM account_search WHERE account_search MATCH ?1)))
             ORDER BY c.received_at DESC, c.id DESC LIMIT 50",
        )?;
        let found = statement
            .query_map([format!("\"{NO_MATCH}\"")], |row| row.get::<_, String>(0))?
            .count();
        reference.push(start.elapsed());
        assert_eq!(found, 0);
    }
    print(
        "inbox search, no match, 100k cases",
        median(ours),
        median(reference),
        Against::Limit(50.0),
    );
    let mut scans = Vec::with_capacity(20);
    for _ in 0..20 {
        let start = Instant::now();
        let found: i64 = raw.query_row(
            "SELECT count(*) FROM cases c JOIN accounts a ON a.id = c.account_id
             WHERE a.name_key LIKE ?1 OR c.requester_name LIKE ?1 OR c.requester_contact LIKE ?1",
            [format!("%{NO_MATCH}%")],
            |row| row.get(0),
        )?;
        scans.push(start.elapsed());
        assert_eq!(found, 0);
    }
    println!(
        "{:<44} the row-by-row LIKE scan it replaces: {}",
        "",
        ms(median(scans))
    );
    Ok(())
}
