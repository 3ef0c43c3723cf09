//! Screenshots kept for design review (not only on failure), each taken once what it shows is on
//! screen: the inbox with several cases, a case page part-way through its checklist, the command
//! palette opened with Ctrl+K, and at the smallest window the desk supports (1024x640), which
//! must not scroll sideways: the case page, the Win-back queue, the Sales reps panel and
//! Settings (the Billsbee walk keeps the finalization checklist and the sheet row). Saved in
//! target/e2e-screenshots/ as review-*.png.

use fantoccini::key::Key;
use fantoccini::Locator;

use crate::desk::{acknowledge, open_case, show_case, verify_identity};
use crate::ensure;
use crate::harness::{App, Outcome};

/// Waits until the window is at most `width` pixels wide (a resize is not immediate).
pub async fn wait_for_width(app: &App, width: u64) -> Outcome {
    let started = std::time::Instant::now();
    loop {
        let now = app
            .client
            .execute("return window.innerWidth;", vec![])
            .await?
            .as_u64()
            .unwrap_or(0);
        if now <= width {
            return Ok(());
        }
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the window did not shrink: {now}px wide"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Fails when the page scrolls sideways: nothing may spill out of its pane.
pub async fn no_sideways_scroll(app: &App) -> Outcome {
    let overflow = app
        .client
        .execute(
            "const root = document.documentElement; return root.scrollWidth - root.clientWidth;",
            vec![],
        )
        .await?
        .as_i64()
        .unwrap_or(i64::MAX);
    ensure!(overflow <= 0, "the page scrolls sideways by {overflow}px");
    Ok(())
}
use crate::import_and_cases::{import, set_up_profile_with_roles, write_csv, GOOD_CSV};

#[tokio::test(flavor = "multi_thread")]
async fn review_screenshots_of_the_inbox_a_case_and_the_palette() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("review-screenshots", async |app: &App| {
            set_up_profile_with_roles(app, &["Account manager", "Manager"]).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "beta", "Beta Industries").await?;
            open_case(app, "acme", "Acme Corp").await?;
            acknowledge(app).await?;
            open_case(app, "quillfeather", "Quillfeather Health").await?;
            acknowledge(app).await?;
            verify_identity(app, "gil@quillfeather.io", "Reply from the address on file").await?;
            app.click("Send form").await?;
            app.button("Record form received").await?;
            app.field("New note")
                .await?
                .send_keys("Asked about a cheaper plan before deciding")
                .await?;
            app.click("Add note").await?;
            app.list_item("Notes on this case", "cheaper plan").await?;
            show_case(app, "Acme Corp").await?;
            app.rows_exactly("Cases", 3).await?;
            app.screenshot("review-inbox").await;

            show_case(app, "Quillfeather Health").await?;
            app.list_item("Notes on this case", "cheaper plan").await?;
            app.screenshot("review-case-page").await;

            // Ctrl+K opens the palette with the cursor in its input; Esc closes it.
            app.press_ctrl('k').await?;
            app.named("Command palette").await?;
            let input = app.named("Command").await?;
            let focused = app.client.active_element().await?;
            ensure!(
                focused.attr("aria-label").await?.as_deref() == Some("Command"),
                "the palette's input has the focus"
            );
            // What is typed finds commands, accounts and cases alike.
            input.send_keys("quill").await?;
            app.named("Quillfeather Health — Gil Moreau").await?;
            app.screenshot("review-command-palette").await;
            app.press(Key::Escape).await?;
            let started = std::time::Instant::now();
            while !app
                .client
                .find_all(Locator::XPath("//*[@aria-label='Command palette']"))
                .await?
                .is_empty()
            {
                ensure!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "Esc did not close the palette"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }

            // The smallest supported window: the case page fits without sideways scrolling.
            app.set_window_size(1024, 640).await?;
            wait_for_width(app, 1024).await?;
            app.heading("Quillfeather Health").await?;
            app.heading("Checklist").await?;
            no_sideways_scroll(app).await?;
            app.screenshot("review-case-page-1024x640").await;

            // The Win-back queue (WootRecruit schedules no check-ins: the page says so), the Sales
            // reps panel and Settings, at the same size.
            app.click("Win-back").await?;
            app.heading("Win-back check-ins").await?;
            app.text("This procedure schedules no win-back check-ins.")
                .await?;
            no_sideways_scroll(app).await?;
            app.screenshot("review-win-back-1024x640").await;
            app.click("Accounts").await?;
            app.heading("Accounts").await?;
            app.click("Sales reps…").await?;
            app.heading("Sales reps").await?;
            app.field("Roster CSV file").await?;
            no_sideways_scroll(app).await?;
            app.screenshot("review-sales-reps-1024x640").await;
            app.click("Settings").await?;
            app.heading("Settings").await?;
            app.test_id("audit-verdict").await?;
            no_sideways_scroll(app).await?;
            app.screenshot("review-settings-1024x640").await;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}
