//! The Due screen (issue 13) on real overdue work: two IntelliServe requests are received and
//! left unanswered, then the app is started again on the same profile a week later (the
//! test-only `HOLDFAST_E2E_DAYS_AHEAD` of an `e2e` build, src-tauri/src/clock.rs), when both
//! first responses are long overdue. The rail counts them; the Due screen lists them under
//! Overdue; one is snoozed to the policy's first choice and leaves Overdue, the other is marked
//! done and leaves the screen; the snoozed one opens its case in the inbox. A screenshot at
//! 1024x640 is kept for review.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};

const PROCEDURE: &str = "IntelliServe cancellation requests";
const DAYS_AHEAD_VAR: &str = "HOLDFAST_E2E_DAYS_AHEAD";
const ACME: &str = "First response due: Acme Corp";
const BETA: &str = "First response due: Beta Industries";

/// Waits until the list named `list` has no item containing `text` (or the list is gone).
async fn leaves(app: &App, list: &str, text: &str) -> Outcome {
    let xpath = format!("//ul[@aria-label='{list}']/li[contains(normalize-space(.), '{text}')]");
    let started = Instant::now();
    loop {
        if app
            .client
            .find_all(Locator::XPath(&xpath))
            .await?
            .is_empty()
        {
            return Ok(());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(20),
            "{text} is still listed under {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The Due button's badge in the rail, if it shows one.
async fn badge(app: &App) -> Result<Option<String>, crate::harness::Failure> {
    let found = app
        .client
        .find_all(Locator::XPath(
            "//nav[@aria-label='Screens']//button[@aria-label='Due']/span[contains(@class, 'badge')]",
        ))
        .await?;
    match found.first() {
        Some(badge) => Ok(Some(text_of(badge).await?)),
        None => Ok(None),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_due_view_snoozes_and_marks_done_real_overdue_first_responses_and_opens_a_case() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("due-received", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            open_case(app, "Acme", "Acme Corp").await?;
            open_case(app, "Beta", "Beta Industries").await?;
            // Not yet due: both are upcoming or due today, none overdue.
            app.click("Due").await?;
            app.heading("Due").await?;
            app.text("Nothing is overdue.").await?;
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;

    // A week later: the first responses are long overdue.
    std::env::set_var(DAYS_AHEAD_VAR, "7");
    let app = App::launch(&profile).await;
    std::env::remove_var(DAYS_AHEAD_VAR);
    let app = app
        .run_scenario("due-overdue", async |app: &App| {
            app.click("Due").await?;
            app.heading("Due").await?;
            app.list_item("Overdue", ACME).await?;
            app.list_item("Overdue", BETA).await?;
            let started = Instant::now();
            while badge(app).await?.as_deref() != Some("2") {
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "the rail's Due badge says {:?}, not 2",
                    badge(app).await?
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let row = text_of(&app.list_item("Overdue", ACME).await?).await?;
            ensure!(row.contains("overdue"), "the row says when: {row}");

            app.set_window_size(1024, 640).await?;
            crate::review_screenshots::wait_for_width(app, 1024).await?;
            crate::review_screenshots::no_sideways_scroll(app).await?;
            app.screenshot("review-due-1024x640").await;

            // Snoozed to the policy's first choice: out of Overdue, listed at that time.
            app.click(&format!("Snooze: {ACME}")).await?;
            app.named(&format!("Snooze {ACME}")).await?;
            let choice = app
                .client
                .wait()
                .for_element(Locator::XPath("//div[@role='menu']/button[1]"))
                .await?;
            choice.click().await?;
            leaves(app, "Overdue", ACME).await?;
            let later = app
                .client
                .find_all(Locator::XPath(&format!(
                    "//ul[@aria-label='Today' or @aria-label='Upcoming']/li[@aria-label='{ACME}']"
                )))
                .await?;
            ensure!(later.len() == 1, "the snoozed item is listed at its time");
            let line = text_of(&later[0]).await?;
            ensure!(line.contains("snoozed until"), "{line}");

            // Done: off the screen, and nothing is overdue any more.
            app.click(&format!("Done: {BETA}")).await?;
            leaves(app, "Overdue", BETA).await?;
            app.text("Nothing is overdue.").await?;
            ensure!(
                badge(app).await?.is_none(),
                "the rail's badge is gone with the last overdue item"
            );

            // The snoozed item opens its case.
            app.click(&format!("Open: {ACME}")).await?;
            app.heading("Inbox").await?;
            app.heading("Acme Corp").await?;
            app.heading("Checklist").await?;
            Ok(())
        })
        .await
        .expect("the scenario passed");

    // Done and snoozed are kept: after a restart Beta stays off the screen, Acme stays snoozed.
    app.quit().await;
    std::env::set_var(DAYS_AHEAD_VAR, "7");
    let app = App::launch(&profile).await;
    std::env::remove_var(DAYS_AHEAD_VAR);
    let app = app
        .run_scenario("due-after-restart", async |app: &App| {
            app.click("Due").await?;
            app.heading("Due").await?;
            app.text("Nothing is overdue.").await?;
            let beta = app
                .client
                .find_all(Locator::XPath(&format!("//li[@aria-label='{BETA}']")))
                .await?;
            ensure!(
                beta.is_empty(),
                "an item marked done stays done after a restart"
            );

            // Snoozed again to a time typed in (two weeks on, at 09:30 local), then the menu is
            // opened and cancelled.
            app.click(&format!("Snooze: {ACME}")).await?;
            app.named(&format!("Snooze {ACME}")).await?;
            let until = jiff::Zoned::now()
                .date()
                .checked_add(jiff::Span::new().days(14))?
                .to_string();
            app.client
                .execute(
                    "const field = document.querySelector('input[type=\"datetime-local\"]');
                     field.value = arguments[0] + 'T09:30';
                     field.dispatchEvent(new Event('input', { bubbles: true }));",
                    vec![serde_json::json!(until)],
                )
                .await?;
            app.click("Snooze until then").await?;
            let started = Instant::now();
            loop {
                let line = text_of(&app.named(ACME).await?).await?;
                let menus = app.client.find_all(Locator::Css("[role='dialog']")).await?;
                if line.contains("snoozed until") && menus.is_empty() {
                    break;
                }
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "not snoozed to the typed time: {line}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            app.click(&format!("Snooze: {ACME}")).await?;
            app.click("Cancel").await?;
            let started = Instant::now();
            while !app
                .client
                .find_all(Locator::Css("[role='dialog']"))
                .await?
                .is_empty()
            {
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "the snooze menu stays open"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }

            // Settings › Reminders: the person's zone, a quiet time added and one removed.
            app.click("Settings").await?;
            app.heading("Reminders").await?;
            let zone = app.field("Time zone").await?;
            zone.clear().await?;
            zone.send_keys("Europe/Berlin").await?;
            app.click("Add a quiet time").await?;
            app.click("Add a quiet time").await?;
            app.click("Remove quiet time 2").await?;
            app.click("Save reminder settings").await?;
            app.role_with_text("status", "Saved: reminders follow these hours.")
                .await?;
            let second = app
                .client
                .find_all(Locator::Css("[aria-label='Quiet time 2']"))
                .await?;
            ensure!(second.is_empty(), "one quiet time is kept");
            app.named("Quiet time 1").await?;
            app.click("Due").await?;
            app.text("Today in Europe/Berlin").await?;
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
}
