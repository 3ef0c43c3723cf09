//! The reminder scheduler's idle cost (issue 13): the real loop (`Scheduler::spawn`) over a desk
//! whose only case is not due for hours, run for a few seconds of wall time, beside a reference
//! loop that looks every second (the polling the scheduler avoids), measured in the same run.
//! Prints the wake-ups and looks of each and the CPU time the process spent during each, with the
//! ratio. Linux only (CPU time is read from /proc).

use std::sync::Arc;
use std::time::{Duration, Instant};

use holdfast_app::database::SharedDatabase;
use holdfast_app::reminders::scheduler::{prepare, record};
use holdfast_app::reminders::{RecordingNotifier, Scheduler};
use holdfast_app::session::{Opened, SessionStatus};
use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, DatabaseKey};
use jiff::Timestamp;
use uuid::Uuid;

const WALL: Duration = Duration::from_secs(5);

/// CPU time of every thread of this process so far (/proc/self/task/*/schedstat, nanoseconds).
fn cpu() -> Duration {
    let mut total = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
                total += stat
                    .split_whitespace()
                    .next()
                    .and_then(|ns| ns.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Duration::from_nanos(total)
}

/// A desk used by Sam, on IntelliServe, with one case received 26 hours from now (its first
/// response is due later still): nothing is due for hours.
fn desk(dir: &std::path::Path) -> Result<Database, Box<dyn std::error::Error>> {
    let key = DatabaseKey::generate()?;
    let mut db = Database::open(&dir.join("holdfast.db"), &key)?;
    let now = Timestamp::now();
    let usd = Currency::parse("USD")?;
    db.import_accounts(
        &[AccountDraft {
            external_id: "A-1".into(),
            name: "Acme".into(),
            contact_name: Some("Ana Silva".into()),
            email: Some("ana@acme.example".into()),
            phone: None,
            preferred_channel: PreferredChannel::Email,
            tier: "Professional".into(),
            hosting_server: None,
            plan: None,
            mrr: Money::new(31_000, usd),
            customer_since: None,
            total_collected: Money::new(0, usd),
            accounts_receivable: Some(Money::new(0, usd)),
            original_sales_rep: None,
            unpaid_invoices: 0,
            plan_price: None,
            billing_period_start: None,
            billing_period_end: None,
            account_manager: None,
        }],
        now,
    )?;
    let policy = db.set_policy(include_str!("../policies/intelliserve.toml"))?;
    db.set_local_user(
        &LocalUserChange {
            name: "sam".into(),
            roles: vec![Role::AccountManager],
        },
        now,
    )?;
    let me = db.acting_user()?.ok_or("sam uses the desk")?;
    let account_id = db
        .accounts(&holdfast_store::accounts::AccountQuery::default())?
        .items
        .first()
        .ok_or("the account")?
        .id;
    let case_id = Uuid::now_v7();
    let later = now + jiff::SignedDuration::from_hours(26);
    db.run_case_command(
        case_id,
        &CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "ana@acme.example".into(),
            received_at: None,
        },
        &me,
        &policy,
        later,
    )?;
    Ok(db)
}

fn shared(db: Database, dir: &std::path::Path) -> SharedDatabase {
    let profile_dir = dir.display().to_string();
    SharedDatabase::open_in_background(move || Opened {
        database: Some(db),
        status: SessionStatus::Unlocked { profile_dir },
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if !cfg!(target_os = "linux") {
        println!("the reminders bench reads CPU time from /proc: Linux only");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let database = shared(desk(dir.path())?, dir.path());
    tauri::async_runtime::block_on(database.started());

    // The scheduler: wakes at the next due time (capped at 15 minutes), not before.
    let before = cpu();
    let started = Instant::now();
    let notifier = Arc::new(RecordingNotifier::default());
    let scheduler = Scheduler::spawn(database.clone(), notifier.clone());
    std::thread::sleep(WALL);
    let scheduler_cpu = cpu().saturating_sub(before);
    let (wakeups, looks) = scheduler.activity();
    let wall = started.elapsed();

    // The reference: the same look, every second.
    let before = cpu();
    let started = Instant::now();
    let mut reference_looks = 0u32;
    tauri::async_runtime::block_on(async {
        while started.elapsed() < WALL {
            let now = Timestamp::now();
            let looked = database
                .with_database_unobserved(move |db| {
                    if let Some(pending) = prepare(db, now)? {
                        record(db, &[])?;
                        drop(pending);
                    }
                    Ok(())
                })
                .await;
            if looked.is_ok() {
                reference_looks += 1;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let reference_cpu = cpu().saturating_sub(before);
    let reference_wall = started.elapsed();

    assert!(notifier.take().is_empty(), "nothing was due");
    println!(
        "reminder scheduler, idle with nothing due for hours, {:.1} s: {wakeups} wake-up(s), {looks} look(s), {:.2} ms CPU",
        wall.as_secs_f64(),
        scheduler_cpu.as_secs_f64() * 1000.0
    );
    println!(
        "reference, a look every second, {:.1} s: {reference_looks} looks, {:.2} ms CPU",
        reference_wall.as_secs_f64(),
        reference_cpu.as_secs_f64() * 1000.0
    );
    println!(
        "ratio (scheduler / reference): looks {:.2}, CPU {:.3}",
        f64::from(u32::try_from(looks).unwrap_or(u32::MAX)) / f64::from(reference_looks.max(1)),
        scheduler_cpu.as_secs_f64() / reference_cpu.as_secs_f64().max(f64::EPSILON)
    );
    Ok(())
}
