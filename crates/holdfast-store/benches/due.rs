//! What is due for one person (issue 13), over 100k cases and 300k tasks, printed beside the raw
//! SQL query for the same rows on the same database in the same run, with the ratio. Limit: 20 ms.
//!
//! The profile is the benches' shared desk (`support/fixture.rs`: 100k accounts and 100k cases
//! through the store's import and case engine, half of them acknowledged). A team of 50 then
//! holds them, and 300k tasks are theirs: both written into the read models directly, as the
//! projection would have left them (300k tasks through the engine would take most of an hour to
//! build): each unanswered case is held by one of the 50 (one in a hundred by nobody); each task
//! is for one of the 50 by name, or one in ten for a role only. Measured twice: with a third of
//! the tasks open (thousands due for one person), then with one in twenty open and the first
//! response out on all but one unanswered case in fifty (a year of work, most of it done: a few
//! hundred items).

// The shared fixture serves several benches; this one does not read all it gives.
#[allow(dead_code)]
#[path = "support/fixture.rs"]
mod fixture;
// Each bench uses the part of the shared printing it needs.
#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;

use measure::{median, print, Against};

use std::time::Instant;

use holdfast_core::role::Role;
use holdfast_store::due::group_due;
use holdfast_store::{Database, DatabaseKey};

const SAMPLES: usize = 31;
const TASKS: usize = 300_000;
const PEOPLE: usize = 50;
const LIMIT_MS: f64 = 20.0;

const KINDS: [&str; 8] = [
    "save_call",
    "csm_escalation",
    "refund_review",
    "refund_processing",
    "win_back",
    "hand_off",
    "billing_heads_up",
    "form_reminder",
];
const ROLES: [&str; 4] = ["account_manager", "csm", "billing", "manager"];

/// The team's share of the work, written into the read models.
fn share_out(
    raw: &rusqlite::Connection,
    me: &str,
    case_ids: &[uuid::Uuid],
    now: jiff::Timestamp,
) -> Result<(), Box<dyn std::error::Error>> {
    let person = |i: usize| {
        if i % PEOPLE == 0 {
            me.to_owned()
        } else {
            format!("person-{}", i % PEOPLE)
        }
    };
    let tx = raw.unchecked_transaction()?;
    {
        let mut hold = tx.prepare("UPDATE cases SET owner = ?1 WHERE id = ?2")?;
        for (i, case_id) in case_ids.iter().enumerate() {
            // The unanswered ones (odd) are held by someone, one in a hundred by nobody.
            if i % 2 == 1 && i % 200 != 1 {
                hold.execute(rusqlite::params![person(i / 2), case_id.to_string()])?;
            }
        }
        let mut task = tx.prepare(
            "INSERT INTO tasks (id, case_id, kind, subject, assignee, assignee_role, detail,
                due_at, open)
             VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let start = now.as_millisecond() - 30 * 24 * 3_600_000;
        for i in 0..TASKS {
            let case_id = case_ids[i % case_ids.len()].to_string();
            let kind = KINDS[i % KINDS.len()];
            let (assignee, role) = if i % 10 == 0 {
                (None, Some(ROLES[(i / 10) % ROLES.len()]))
            } else {
                (Some(person(i / 7)), None)
            };
            let open = i64::from(i % 3 == 0);
            // Due from a month ago to two months ahead.
            let due = start + (i as i64 % 90) * 24 * 3_600_000 + (i as i64 % 480) * 60_000;
            task.execute(rusqlite::params![
                format!("{case_id}/{kind}/{i}"),
                case_id,
                kind,
                assignee,
                role,
                format!("Call +1 555 {i:07} · Too expensive"),
                due,
                open
            ])?;
        }
    }
    tx.commit()?;
    raw.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

/// The same rows as `Database::due_items` for `names` and `roles`, by the same queries, read as
/// plain columns.
fn raw_due(
    raw: &rusqlite::Connection,
    names: &str,
    roles: &str,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut rows = 0;
    let mut first = raw.prepare_cached(
        "SELECT c.id, c.first_response_due, a.name FROM cases c
             INDEXED BY cases_first_response_by_owner JOIN accounts a ON a.id = c.account_id
         WHERE c.acknowledged_at IS NULL AND c.status IN ('received', 'in_progress')
           AND c.first_response_due IS NOT NULL
           AND c.owner IN (SELECT value FROM json_each(?1))
         UNION ALL
         SELECT c.id, c.first_response_due, a.name FROM cases c
             INDEXED BY cases_first_response_by_owner JOIN accounts a ON a.id = c.account_id
         WHERE c.acknowledged_at IS NULL AND c.status IN ('received', 'in_progress')
           AND c.first_response_due IS NOT NULL AND c.owner IS NULL",
    )?;
    let mut found = first.query([names])?;
    while let Some(row) = found.next()? {
        let _: (String, i64, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        rows += 1;
    }
    let mut tasks = raw.prepare_cached(
        "SELECT t.id, t.kind, t.detail, t.due_at, t.case_id, a.name FROM tasks t
         JOIN cases c ON c.id = t.case_id JOIN accounts a ON a.id = c.account_id
         WHERE t.rowid IN (
             SELECT rowid FROM tasks
             WHERE open = 1 AND assignee IN (SELECT value FROM json_each(?1))
             UNION ALL
             SELECT rowid FROM tasks
             WHERE open = 1 AND assignee IS NULL
               AND assignee_role IN (SELECT value FROM json_each(?2)))
           AND t.due_at IS NOT NULL",
    )?;
    let mut found = tasks.query([names, roles])?;
    while let Some(row) = found.next()? {
        let _: (String, String, Option<String>, i64, String, String) = (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        );
        rows += 1;
    }
    Ok(rows)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let key = DatabaseKey::generate()?;
    let mut db = Database::open(&path, &key)?;
    let built = fixture::build(&mut db)?;
    println!("{}", built.describe());

    let raw = rusqlite::Connection::open(&path)?;
    // The same page cache as the store's connection (`Database::open`).
    raw.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; PRAGMA cache_size = -65536;",
        key.to_hex().as_str()
    ))?;
    let me = built.actor.user_id.clone();
    let started = Instant::now();
    share_out(&raw, &me, &built.case_ids, built.now)?;
    println!(
        "the team's work: {PEOPLE} people hold the unanswered cases, {TASKS} tasks, written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let viewer = db.queue_viewer()?.ok_or("the fixture has a local user")?;
    assert_eq!(viewer.roles, [Role::AccountManager]);
    let now = built.now;

    // Two shares of the same 300k tasks: a third of them open (a heavy load: thousands due for
    // one person), then one in twenty open (a year of work, most of it done).
    for (share, open_one_in) in [
        ("a third of the tasks open", 3),
        ("one task in 20 open, 1 in 50 cases unanswered", 20),
    ] {
        if open_one_in != 3 {
            // Spread by a multiplicative hash, so the open ones fall on every person and role.
            raw.execute(
                "UPDATE tasks SET open = (((rowid * 2654435761) >> 7) % ?1 = 0)",
                [open_one_in],
            )?;
            // And the first responses went out, but for one case in fifty.
            raw.execute(
                "UPDATE cases SET acknowledged_at = received_at + 60000
                 WHERE acknowledged_at IS NULL AND ((rowid * 2654435761) >> 7) % 50 <> 0",
                [],
            )?;
        }
        measure(&mut db, &raw, &viewer, now, share)?;
    }
    Ok(())
}

/// Times `due_items` (and the Due view's whole work) for `viewer` beside the raw queries.
fn measure(
    db: &mut Database,
    raw: &rusqlite::Connection,
    viewer: &holdfast_store::queues::QueueViewer,
    now: jiff::Timestamp,
    share: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let names = serde_json::to_string(&viewer.names)?;
    let roles = serde_json::to_string(&viewer.roles)?;
    let items = db.due_items(viewer, now)?;
    let rows = raw_due(raw, &names, &roles)?;
    assert_eq!(items.len(), rows, "the raw query reads the same rows");
    db.prune_reminders(&items)?;
    println!(
        "{share}: due for {} ({:?}): {} items ({} first responses)",
        viewer.names.join(" / "),
        viewer.roles,
        items.len(),
        items
            .iter()
            .filter(|item| item.key.starts_with("first_response/"))
            .count()
    );

    // Memory for every item, as after a busy week: a tenth snoozed, a tenth done, all shown.
    let raised: Vec<(String, holdfast_core::reminders::Stage)> = items
        .iter()
        .map(|item| (item.key.clone(), holdfast_core::reminders::Stage::Due))
        .collect();
    db.mark_reminders_shown(&raised)?;
    for (i, item) in items.iter().enumerate() {
        if i % 10 == 0 {
            db.snooze_reminder(&item.key, now + jiff::SignedDuration::from_hours(2), now)?;
        } else if i % 10 == 1 {
            db.mark_reminder_done(&item.key, now)?;
        }
    }
    let zone = db.reminder_settings()?.time_zone()?;

    let mut ours = Vec::with_capacity(SAMPLES);
    let mut view = Vec::with_capacity(SAMPLES);
    let mut reference = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        let items = db.due_items(viewer, now)?;
        ours.push(start.elapsed());
        std::hint::black_box(&items);

        let start = Instant::now();
        let items = db.due_items(viewer, now)?;
        let memory = db.reminder_memory()?;
        let groups = group_due(items, &memory, now, &zone);
        view.push(start.elapsed());
        std::hint::black_box(&groups);

        let start = Instant::now();
        let rows = raw_due(raw, &names, &roles)?;
        reference.push(start.elapsed());
        std::hint::black_box(rows);
    }
    let reference = median(reference);
    print(
        "what is due for one person (due_items)",
        median(ours),
        reference,
        Against::Limit(LIMIT_MS),
    );
    print(
        "the Due view (items, memory, grouped)",
        median(view),
        reference,
        Against::Limit(LIMIT_MS),
    );
    Ok(())
}
