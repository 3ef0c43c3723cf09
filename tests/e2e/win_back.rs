//! Win-back check-ins as tasks worked from their queue (policies/intelliserve.toml, 11.1:
//! reactivation follow-ups 3, 6 and 12 months after the cancellation). An IntelliServe case is
//! walked to its cancellation as the policy requires (acknowledgement message, identity, reason
//! and route, the retention attempt, the finalization checklist confirmed item by item, the
//! confirmation message), its check-ins are scheduled and listed in the "Win-back" queue with
//! their due dates, and an outcome recorded before its date is refused beside the button. Then
//! the app is started again on the same profile with its clock 400 days ahead (the test-only
//! `HOLDFAST_E2E_DAYS_AHEAD` of an `e2e` build, src-tauri/src/clock.rs): each check-in is opened
//! from the queue and closed with its outcome (declined, no answer, reactivated), with who and
//! when. The audit trail is read back from the encrypted database.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use jiff::civil::Date;
use jiff::{ToSpan, Zoned};

use crate::checklist_items::confirm_items;
use crate::desk::{acknowledge, open_case, verify_identity};
use crate::ensure;
use crate::harness::{text_of, App, Failure};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};
use crate::store_check::{events_of, only_event, stored_events};

const PROCEDURE: &str = "IntelliServe cancellation requests";
/// What the shell reads, in an `e2e` build only, to see the clock this many days ahead.
const DAYS_AHEAD_VAR: &str = "HOLDFAST_E2E_DAYS_AHEAD";
const DAYS_AHEAD: i64 = 400;
const QUEUE: &str = "Win-back check-ins list";

/// The checklist items IntelliServe's agent confirms before finalizing (5.3-5.4).
const BEFORE: [&str; 4] = [
    "Data export options offered",
    "Data retention and deletion explained",
    "Final charges and prorated refund explained",
    "Billing cessation date confirmed",
];
/// The items confirmed by a person after the cancellation (5.5, 6.3, 6.4); the confirmation
/// email and the exit survey are ticked by their own steps.
const AFTER: [&str; 3] = [
    "API access and integrations revoked",
    "Reactivation process and win-back offers explained",
    "Account marked cancelled in the CRM, sales and marketing lists",
];

/// Today where IntelliServe's team works (the policy's zone), as the engine dates things.
fn today() -> Date {
    Zoned::now()
        .in_tz("America/New_York")
        .expect("the policy's zone is known")
        .date()
}

/// Starts the app on `profile` with its clock `days` ahead: the variable is set only while the
/// driver starts the app (the tests run one at a time), which inherits it.
async fn launch_days_ahead(profile: &Path, days: i64) -> App {
    std::env::set_var(DAYS_AHEAD_VAR, days.to_string());
    let app = App::launch(profile).await;
    std::env::remove_var(DAYS_AHEAD_VAR);
    app
}

/// The day a check-in set for `date` falls due: `date`, or the Monday after a weekend (the
/// preset's business days are Monday to Friday, with no holidays).
fn opening_day(date: Date) -> Date {
    match date.weekday() {
        jiff::civil::Weekday::Saturday => date.checked_add(2.days()).expect("a date"),
        jiff::civil::Weekday::Sunday => date.checked_add(1.days()).expect("a date"),
        _ => date,
    }
}

/// The days a "due in N days" cell says, if it says so.
fn days_in(row: &str) -> Option<i64> {
    let words: Vec<&str> = row.split_whitespace().collect();
    words
        .windows(4)
        .find(|w| w[0] == "due" && w[1] == "in" && w[3].starts_with("day"))
        .and_then(|w| w[2].parse().ok())
}

/// Waits until the check-in numbered `number` shows its outcome, and returns its line.
async fn outcome_line(app: &App, number: u32, outcome: &str) -> Result<String, Failure> {
    let started = Instant::now();
    loop {
        let item = app
            .list_item("Win-back check-ins", &format!("Check-in {number}"))
            .await?;
        let line = text_of(&item).await?;
        if line.contains(&format!("· {outcome} (by")) {
            return Ok(line);
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("check-in {number} never shows {outcome}: {line}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the most urgent check-in from the Win-back queue, records `outcome` with `note`, and
/// returns the check-in's line once it shows the outcome.
async fn close_from_queue(
    app: &App,
    number: u32,
    outcome: &str,
    note: &str,
) -> Result<String, Failure> {
    app.click("Win-back").await?;
    app.heading("Win-back check-ins").await?;
    let rows = app.rows(QUEUE).await?;
    let first = text_of(&rows[0]).await?;
    ensure!(
        first.contains("Acme Corp") && first.contains("Win-back check-in"),
        "the queue's first row is Acme Corp's check-in: {first}"
    );
    rows[0].find(Locator::Css("button")).await?.click().await?;
    app.heading("Acme Corp").await?;
    app.heading("Checklist").await?;
    let label = format!("Check-in {number}");
    app.named(&format!("{label}: note"))
        .await?
        .send_keys(note)
        .await?;
    app.click(&format!("{label}: {outcome}")).await?;
    outcome_line(app, number, outcome).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_win_back_check_in_is_refused_before_its_date_and_closed_from_its_queue() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let effective = today();
    let due: Vec<Date> = [3, 6, 12]
        .iter()
        .map(|months| effective.checked_add(months.months()).expect("a date"))
        .collect();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("win-back-scheduled", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "acme", "Acme Corp").await?;
            acknowledge(app).await?;
            verify_identity(app, "ana@acme.io", "Replied from the address on file").await?;
            app.field("Reason")
                .await?
                .select_by_label("Cost concerns")
                .await?;
            app.click("Record reason").await?;
            app.click("Route case").await?;
            app.text("Continue with the procedure").await?;

            // All retention options considered: a mitigation tried, and why no offer was made.
            app.choice_in(
                "Retention outcome",
                "Review current usage and suggest appropriate plan adjustments",
            )
            .await?
            .click()
            .await?;
            app.field("Outcome note")
                .await?
                .send_keys("A smaller plan does not fit: the budget line is gone")
                .await?;
            app.button_in("Retention outcome", "Still cancelling")
                .await?
                .click()
                .await?;
            app.list_item("Timeline", "Retention outcome recorded")
                .await?;

            // The policy's checklist before the cancellation, confirmed item by item by name.
            for item in BEFORE {
                app.list_item("Blocking finalization", item).await?;
            }
            confirm_items(app, &BEFORE, "Explained on the call", "Amy Account").await?;
            ensure!(
                app.client
                    .find_all(Locator::XPath(
                        "//ul[@aria-label='Blocking finalization']/li"
                    ))
                    .await?
                    .is_empty(),
                "something still blocks the finalization"
            );
            app.field("Effective date")
                .await?
                .send_keys(&effective.to_string())
                .await?;
            app.click("Finalize cancellation").await?;
            app.text(&format!("Cancellation finalized, effective {effective}"))
                .await?;

            // The confirmation message on the preferred channel confirms the cancellation.
            app.click("Confirm cancellation").await?;
            app.text("Recording it confirms the cancellation.").await?;
            app.click("Copy and record as sent").await?;
            app.text("Cancellation confirmed to the customer by E-mail")
                .await?;
            confirm_items(app, &AFTER, "Done in the admin tools", "Amy Account").await?;

            // The check-ins: scheduled, then listed in the Win-back queue with their due dates.
            app.click("Schedule win-back check-ins").await?;
            app.list_item("Win-back check-ins", "Check-in 3").await?;
            app.click("Win-back").await?;
            app.heading("Win-back check-ins").await?;
            let rows = app.rows_exactly(QUEUE, 3).await?;
            let today_utc = Zoned::now().in_tz("UTC")?.date();
            for (row, date) in rows.iter().zip(&due) {
                let text = text_of(row).await?;
                // Due when business opens on the day, or on the next business day (the preset
                // works Monday to Friday).
                let expected = (opening_day(*date) - today_utc).get_days() as i64;
                ensure!(
                    text.contains("Acme Corp")
                        && text.contains("Win-back check-in")
                        && text.contains("Amy Account")
                        && days_in(&text).is_some_and(|days| (days - expected).abs() <= 1),
                    "a check-in due on {date} (in about {expected} days): {text}"
                );
            }

            // Check-in 1 is three months away: its outcome is refused, beside its buttons.
            app.click("Open the case of Acme Corp").await?;
            app.heading("Acme Corp").await?;
            app.named("Check-in 1: note")
                .await?
                .send_keys("Called early")
                .await?;
            app.click("Check-in 1: No answer").await?;
            let refusal = format!("check-in 1 is not due until {}", due[0]);
            app.role_with_text("alert", &refusal).await?;
            let beside = app
                .client
                .find_all(Locator::XPath(&format!(
                    "//ul[@aria-label='Win-back check-ins']/li[contains(., 'Check-in 1')]//*[@role='alert'][contains(., '{refusal}')]"
                )))
                .await?;
            ensure!(!beside.is_empty(), "the refusal is not beside check-in 1");
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("win-back-refused-before-its-date").await;
    app.quit().await;
    let events = stored_events(&profile);
    assert!(
        events.iter().all(|e| e.kind != "win_back_outcome_recorded"),
        "an outcome before the check-in's date was recorded"
    );

    // 400 days later: every check-in is due.
    let app = launch_days_ahead(&profile, DAYS_AHEAD).await;
    let app = app
        .run_scenario("win-back-closed-from-the-queue", async |app: &App| {
            let line = close_from_queue(app, 1, "Declined", "Still no budget this year").await?;
            ensure!(
                line.contains("by Amy Account") && line.contains("Still no budget this year"),
                "who declined, with the note: {line}"
            );
            app.click("Win-back").await?;
            app.rows_exactly(QUEUE, 2).await?;
            let line = close_from_queue(app, 2, "No answer", "Voicemail twice").await?;
            ensure!(line.contains("by Amy Account"), "who called: {line}");
            app.click("Win-back").await?;
            app.rows_exactly(QUEUE, 1).await?;
            let line = close_from_queue(app, 3, "Reactivated", "Back on the Starter plan").await?;
            ensure!(line.contains("by Amy Account"), "who won them back: {line}");
            // When: the absolute time is on the relative one.
            let when = app
                .client
                .find_all(Locator::XPath(
                    "//ul[@aria-label='Win-back check-ins']/li[contains(., 'Check-in 3')]//span[@title]",
                ))
                .await?;
            ensure!(!when.is_empty(), "check-in 3's outcome has no time");
            app.click("Win-back").await?;
            app.text("No win-back check-in is waiting.").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("win-back-closed").await;
    app.quit().await;

    let events = stored_events(&profile);
    let scheduled = only_event(&events, "win_back_scheduled");
    let dates: Vec<String> = due.iter().map(Date::to_string).collect();
    assert_eq!(
        scheduled.payload["check_ins"],
        serde_json::json!(dates),
        "{scheduled:?}"
    );
    let outcomes = events_of(&events, "win_back_outcome_recorded");
    let recorded: Vec<(u64, &str, &str)> = outcomes
        .iter()
        .map(|e| {
            (
                e.payload["check_in"].as_u64().unwrap_or(0),
                e.payload["outcome"].as_str().unwrap_or(""),
                e.payload["note"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        recorded,
        [
            (1, "declined", "Still no budget this year"),
            (2, "no_answer", "Voicemail twice"),
            (3, "reactivated", "Back on the Starter plan"),
        ],
        "{outcomes:?}"
    );
    for (outcome, date) in outcomes.iter().zip(&due) {
        assert_eq!(outcome.actor, "Amy Account", "{outcome:?}");
        assert_eq!(
            outcome.payload["by"],
            outcome.actor_id.as_str(),
            "{outcome:?}"
        );
        // Recorded when the app's clock said, on or after the check-in's date.
        let at: jiff::Timestamp = outcome.payload["at"]
            .as_str()
            .and_then(|at| at.parse().ok())
            .expect("the outcome's time");
        let on = at
            .to_zoned(jiff::tz::TimeZone::get("America/New_York").expect("zone"))
            .date();
        assert!(
            on >= *date,
            "check-in recorded on {on}, before its date {date}"
        );
    }
    let items = events_of(&events, "checklist_item_confirmed");
    assert_eq!(items.len(), BEFORE.len() + AFTER.len(), "{items:?}");
    let finalized = only_event(&events, "finalized");
    let position = |kind: &str| events.iter().position(|e| e.kind == kind).unwrap();
    assert!(
        events[..position("finalized")]
            .iter()
            .filter(|e| e.kind == "checklist_item_confirmed")
            .count()
            == BEFORE.len()
            && position("retention_outcome_recorded") < position("finalized"),
        "the gates came before the finalization: {finalized:?}"
    );
}
