//! The Reports screen's figures (issue 14) over 100k cases and 12 months, printed beside a raw SQL
//! aggregate over the same rows on the same database in the same run (requests by reason and ISO
//! week, outcomes by month with the accounts' MRR summed), with the ratio. Limit: 200 ms.
//!
//! The profile is the benches' shared desk (`support/fixture.rs`: 100k accounts and 100k cases
//! through the store's import and case engine). Those cases were all received in the fixture's
//! last fortnight and none has closed, so their report rows are then rewritten directly, as the
//! projection would have left them after a year of work (100k cases walked to their ends through
//! the engine would take most of an hour to build): received over the 12 months before `now`,
//! reasons, owners and routes spread over the policy's, four in ten cancelled, two saved by an
//! offer, one by the CSM, one withdrawn, two open; offers, refunds and win-back check-ins on the
//! cases they belong to.
//!
//! `Database::report` keeps the described cases in memory from one report to the next, so it is
//! printed as the screen meets it: asked again with nothing written since, asked after one write
//! (an account re-imported), and the first report after the profile is opened (every row read).
//!
//! Then the cancellation sheet with every one of the 100k requests logged in it, exported as XLSX
//! (`Database::cancellation_sheet_xlsx`) and as CSV, each within 5 s, beside a raw SQL dump of the same
//! rows (the sheet's query, every column read into memory).
//!
//! Then the cases export (`holdfast_store::desk_exports`): the 100k cases as the inbox's default
//! query selects them, read and written as XLSX and as CSV, each within 5 s, beside a raw SQL
//! dump of the same rows and columns.

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

use holdfast_core::money::{Currency, Money};
use holdfast_core::reports::{Filters, RefundApproval, ReportCheckIn, ReportOffer, ReportRefund};
use holdfast_core::workflow::{RefundStatus, WinBackOutcome};
use holdfast_store::cases::InboxQuery;
use holdfast_store::desk_exports::{cases_csv, cases_xlsx};
use holdfast_store::{Database, DatabaseKey};
use jiff::{SignedDuration, Timestamp};

const SAMPLES: usize = 11;
const LIMIT_MS: f64 = 200.0;
const YEAR_SECONDS: i64 = 365 * 24 * 3600;

/// A year of work written into the report rows of the fixture's cases.
fn a_year_of_work(
    raw: &rusqlite::Connection,
    built: &fixture::Fixture,
) -> Result<(), Box<dyn std::error::Error>> {
    let policy = &built.policy;
    let tag = policy.version_tag();
    let reasons: Vec<&str> = policy.reasons.iter().map(|r| r.id.as_str()).collect();
    let offers: Vec<&str> = policy.offers.iter().map(|o| o.id.as_str()).collect();
    let routes = [
        "save_call",
        "escalate_to_csm",
        "continue",
        "sympathetic_reply",
    ];
    let usd = Currency::parse("USD")?;
    let millis = |at: Timestamp| at.as_millisecond();
    let count = built.case_ids.len() as i64;
    let tx = raw.unchecked_transaction()?;
    {
        let mut update = tx.prepare(
            "UPDATE case_reports SET received_at = ?2, first_response_due = ?3,
                acknowledged_at = ?4, closed_as = ?5, closed_at = ?6, closed_under = ?7,
                reason_id = ?8, owner = ?9, route = ?10, details = ?11
             WHERE case_id = ?1",
        )?;
        for (i, case_id) in built.case_ids.iter().enumerate() {
            let n = i as i64;
            let received = built.now - SignedDuration::from_secs(n * YEAR_SECONDS / count + 60);
            let due = received + SignedDuration::from_hours(1);
            let acknowledged =
                (i % 10 != 0).then(|| received + SignedDuration::from_mins((n % 7) * 15));
            let closed = received + SignedDuration::from_hours(72);
            let how = match i % 10 {
                0..=3 => Some("cancelled"),
                4 | 5 => Some("saved_by_offer"),
                6 => Some("saved_by_csm"),
                7 => Some("withdrawn"),
                _ => None,
            }
            .filter(|_| closed < built.now);
            let mut details = serde_json::Map::new();
            if matches!(i % 10, 3..=5) && !offers.is_empty() {
                let offer = ReportOffer {
                    offer_id: offers[i % offers.len()].to_owned(),
                    label: String::new(),
                    proposed_at: received + SignedDuration::from_hours(24),
                    needed_approval: i % 30 == 4,
                    accepted: how == Some("saved_by_offer"),
                };
                details.insert("offers".into(), serde_json::to_value([offer])?);
            }
            if how == Some("cancelled") {
                if i % 3 == 0 {
                    let refund = ReportRefund {
                        refund_id: uuid::Uuid::from_u128(n as u128 + 1),
                        amount: Money::new(5_000 + (n % 40) * 4_000, usd),
                        requested_at: received + SignedDuration::from_hours(48),
                        approval: if n % 40 > 30 {
                            RefundApproval::AboveThreshold
                        } else {
                            RefundApproval::Direct
                        },
                        status: if i % 2 == 0 {
                            RefundStatus::Completed
                        } else {
                            RefundStatus::BillingInProgress
                        },
                    };
                    details.insert("refunds".into(), serde_json::to_value([refund])?);
                }
                let zone = &policy.sla.calendar.zone;
                let day = closed.to_zoned(zone.clone()).date();
                let check_ins: Vec<ReportCheckIn> = [3, 6, 12]
                    .into_iter()
                    .zip(1..)
                    .map(|(months, number)| {
                        let due_on = day
                            .checked_add(jiff::Span::new().months(months))
                            .unwrap_or(day);
                        let made = number == 1 && i % 4 == 0;
                        ReportCheckIn {
                            number,
                            due_on,
                            outcome: made.then_some(if i % 8 == 0 {
                                WinBackOutcome::Reactivated
                            } else {
                                WinBackOutcome::Declined
                            }),
                            recorded_at: made
                                .then_some(closed + SignedDuration::from_hours(24 * 91)),
                        }
                    })
                    .collect();
                details.insert("check_ins".into(), serde_json::to_value(check_ins)?);
            }
            let details =
                (!details.is_empty()).then(|| serde_json::Value::Object(details).to_string());
            update.execute(rusqlite::params![
                case_id.to_string(),
                millis(received),
                millis(due),
                acknowledged.map(millis),
                how,
                how.map(|_| millis(closed)),
                how.map(|_| tag.as_str()),
                (i % 7 != 6).then(|| reasons[i % reasons.len()]),
                (i % 100 != 0).then(|| format!("person-{}", i % 50)),
                routes[i % routes.len()],
                details,
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The first account of the fixture (`ACC-000000`) as its import says, with another MRR each
/// time.
fn first_account(
    built: &fixture::Fixture,
    sample: i64,
) -> Result<holdfast_core::account::AccountDraft, Box<dyn std::error::Error>> {
    let usd = Currency::parse("USD")?;
    Ok(holdfast_core::account::AccountDraft {
        external_id: "ACC-000000".into(),
        name: "Customer 000000".into(),
        contact_name: Some("Contact 0".into()),
        email: Some("c0@example.com".into()),
        phone: Some(format!("+1 555 {:07}", 0)),
        preferred_channel: holdfast_core::account::PreferredChannel::Email,
        tier: built.policy.tiers[0].clone(),
        hosting_server: None,
        plan: Some("Pro".into()),
        mrr: Money::new(20_000 + sample * 100, usd),
        customer_since: None,
        total_collected: Money::new(1_000_000, usd),
        accounts_receivable: Some(Money::new(0, usd)),
        original_sales_rep: None,
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    })
}

/// The raw SQL reference: requests by reason and week, outcomes by month with the MRR of their
/// accounts summed, over the same rows; every row of the answer read.
fn raw_aggregate(raw: &rusqlite::Connection, from: i64, to: i64) -> rusqlite::Result<u64> {
    let mut rows_read = 0;
    let mut by_week = raw.prepare_cached(
        "SELECT reason_id, (received_at - ?1) / 604800000 AS week, count(*)
         FROM case_reports WHERE received_at >= ?1 AND received_at < ?2
         GROUP BY reason_id, week",
    )?;
    let mut rows = by_week.query([from, to])?;
    while let Some(row) = rows.next()? {
        let _: (Option<String>, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        rows_read += 1;
    }
    let mut by_month = raw.prepare_cached(
        "SELECT r.closed_as, strftime('%Y-%m', r.closed_at / 1000, 'unixepoch') AS month,
            a.currency, count(*), sum(a.mrr_minor)
         FROM case_reports r JOIN accounts a ON a.id = r.account_id
         WHERE r.closed_at >= ?1 AND r.closed_at < ?2
         GROUP BY r.closed_as, month, a.currency",
    )?;
    let mut rows = by_month.query([from, to])?;
    while let Some(row) = rows.next()? {
        let _: (String, String, String, i64, i64) = (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        );
        rows_read += 1;
    }
    Ok(rows_read)
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
    let started = Instant::now();
    a_year_of_work(&raw, &built)?;
    println!(
        "a year of work: the 100k cases' report rows spread over 12 months, written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let now = built.now;
    let from = now - SignedDuration::from_secs(YEAR_SECONDS);
    let filters = Filters {
        from: Some(from),
        to: Some(now),
        ..Filters::default()
    };
    let report = db.report(&filters, now)?;
    println!(
        "the report: {} requests, {} cancelled, {} saved, {} weeks, {} months, {} offers proposed, {} trend months",
        report.totals.received.count,
        report.totals.cancelled.count,
        report.totals.saved.count,
        report.weekly.len(),
        report.monthly.len(),
        report.offers.all.proposed.count,
        report.trend.months.len(),
    );
    let rows = raw_aggregate(&raw, from.as_millisecond(), now.as_millisecond())?;
    println!("the raw SQL aggregate: {rows} rows");

    // The report as the screen asks for it again: the cases kept in memory since the first
    // report, nothing written since; then after one write (an account re-imported with another
    // MRR, which moves the figures of its case); its two parts; and the raw SQL reference.
    let mut ours = Vec::new();
    let mut after_write = Vec::new();
    let mut load = Vec::new();
    let mut figures = Vec::new();
    let mut reference = Vec::new();
    let zone = built.policy.sla.calendar.zone.clone();
    for sample in 0..SAMPLES {
        let started = Instant::now();
        std::hint::black_box(db.report(&filters, now)?);
        ours.push(started.elapsed());

        db.import_accounts(&[first_account(&built, sample as i64)?], now)?;
        let started = Instant::now();
        let moved = db.report(&filters, now)?;
        after_write.push(started.elapsed());
        std::hint::black_box(moved);

        let started = Instant::now();
        let cases = db.report_cases()?;
        load.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(holdfast_core::reports::report(&cases, &filters, &zone, now));
        figures.push(started.elapsed());

        let started = Instant::now();
        std::hint::black_box(raw_aggregate(
            &raw,
            from.as_millisecond(),
            now.as_millisecond(),
        )?);
        reference.push(started.elapsed());
    }
    // The first report after the profile is opened: every row read. The desk reads them ahead
    // in the background once the profile opens (`Database::warm_reports`), so the first report
    // a person asks for is the kept one: both are measured.
    let mut first = Vec::new();
    let mut warm_up = Vec::new();
    let mut after_warm_up = Vec::new();
    for _ in 0..SAMPLES {
        let opened = Database::open(&path, &key)?;
        let started = Instant::now();
        std::hint::black_box(opened.report(&filters, now)?);
        first.push(started.elapsed());

        let opened = Database::open(&path, &key)?;
        let started = Instant::now();
        opened.warm_reports()?;
        warm_up.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(opened.report(&filters, now)?);
        after_warm_up.push(started.elapsed());
    }
    let reference = median(reference);
    print(
        "report: 100k cases, 12 months (kept cases)",
        median(ours),
        reference,
        Against::Limit(LIMIT_MS),
    );
    print(
        "  the same after one account re-imported",
        median(after_write),
        reference,
        Against::Limit(LIMIT_MS),
    );
    print(
        "  the first report after opening",
        median(first),
        reference,
        Against::Limit(LIMIT_MS),
    );
    print(
        "  the same after the desk read ahead",
        median(after_warm_up),
        reference,
        Against::Limit(LIMIT_MS),
    );
    print(
        "  reading ahead, in the background",
        median(warm_up),
        reference,
        Against::PartOf("opening the profile"),
    );
    print(
        "  reading the 100k report rows",
        median(load),
        reference,
        Against::PartOf("a report"),
    );
    print(
        "  the core's figures over them",
        median(figures),
        reference,
        Against::PartOf("a report"),
    );

    // The cancellation sheet: every request logged in it.
    raw.execute("UPDATE case_reports SET logged = 1", [])?;
    let rows = db.cancellation_sheet()?.len();
    println!("the cancellation sheet: {rows} rows");
    let dump = || -> rusqlite::Result<usize> {
        let mut statement = raw.prepare(
            "SELECT r.case_id, r.received_at, r.effective_date, r.reason_id, a.name,
                a.contact_name, a.phone, a.currency, a.total_collected_minor, a.customer_since
             FROM case_reports r LEFT JOIN accounts a ON a.id = r.account_id
             WHERE r.logged = 1
             ORDER BY r.received_at DESC, r.case_id DESC",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<String>>(6)?,
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<i64>>(8)?,
                row.get::<_, Option<String>>(9)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.len())
    };
    let (mut xlsx, mut csv, mut dumped) = (Vec::new(), Vec::new(), Vec::new());
    let mut size = (0, 0);
    for _ in 0..3 {
        let started = Instant::now();
        size.0 = std::hint::black_box(db.cancellation_sheet_xlsx()?).len();
        xlsx.push(started.elapsed());
        let started = Instant::now();
        size.1 = std::hint::black_box(db.cancellation_sheet_csv()?).len();
        csv.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(dump()?);
        dumped.push(started.elapsed());
    }
    println!(
        "the sheet's files: XLSX {} KiB, CSV {} KiB",
        size.0 / 1024,
        size.1 / 1024
    );
    let dumped = median(dumped);
    print(
        "cancellation sheet as XLSX: 100k rows",
        median(xlsx),
        dumped,
        Against::Limit(5_000.0),
    );
    print(
        "cancellation sheet as CSV: 100k rows",
        median(csv),
        dumped,
        Against::Limit(5_000.0),
    );

    // The cases export: every case as the inbox's default query selects it (newest first), read
    // by the store and written as XLSX and CSV, beside a raw SQL dump of the same rows and
    // columns (the same join, every column read into memory).
    let query = InboxQuery::default();
    let zone = db.export_zone()?;
    let rows = db.case_export_rows(&query, now, &mut |_| {})?.len();
    println!("the cases export: {rows} rows");
    let dump = || -> rusqlite::Result<usize> {
        let mut statement = raw.prepare(
            "SELECT c.id, a.name, a.external_id, a.tier, c.status, r.closed_as, r.route,
                    c.reason_id, c.requester_name, c.requester_contact, c.channel, c.received_at,
                    c.first_response_due, c.acknowledged_at, c.owner, r.closed_at,
                    r.effective_date, a.mrr_minor, a.currency
             FROM cases c JOIN accounts a ON a.id = c.account_id
             LEFT JOIN case_reports r ON r.case_id = c.id
             ORDER BY c.received_at DESC, c.id DESC",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                (
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, String>(9)?,
                ),
                (
                    row.get::<_, String>(10)?,
                    row.get::<_, i64>(11)?,
                    row.get::<_, Option<i64>>(12)?,
                    row.get::<_, Option<i64>>(13)?,
                    row.get::<_, Option<String>>(14)?,
                    row.get::<_, Option<i64>>(15)?,
                    row.get::<_, Option<String>>(16)?,
                    row.get::<_, i64>(17)?,
                    row.get::<_, String>(18)?,
                ),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.len())
    };
    let (mut xlsx, mut csv, mut read, mut dumped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut size = (0, 0);
    for _ in 0..3 {
        let started = Instant::now();
        let cases = db.case_export_rows(&query, now, &mut |_| {})?;
        read.push(started.elapsed());
        size.0 = std::hint::black_box(cases_xlsx(&cases, &zone, &mut |_| {})?).len();
        xlsx.push(started.elapsed());
        let started = Instant::now();
        let cases = db.case_export_rows(&query, now, &mut |_| {})?;
        size.1 = std::hint::black_box(cases_csv(&cases, &zone, &mut |_| {})?).len();
        csv.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(dump()?);
        dumped.push(started.elapsed());
    }
    println!(
        "the cases' files: XLSX {} KiB, CSV {} KiB",
        size.0 / 1024,
        size.1 / 1024
    );
    let dumped = median(dumped);
    print(
        "cases as XLSX: 100k cases",
        median(xlsx),
        dumped,
        Against::Limit(5_000.0),
    );
    print(
        "cases as CSV: 100k cases",
        median(csv),
        dumped,
        Against::Limit(5_000.0),
    );
    print(
        "  reading the 100k cases' rows",
        median(read),
        dumped,
        Against::PartOf("an export"),
    );
    Ok(())
}
