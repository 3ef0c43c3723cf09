//! The Reports screen (issue 14) on a profile with cases: two IntelliServe requests are received,
//! then Reports opens from the rail; the range is changed (the quick "Last 30 days", then a range typed
//! backwards, which the screen refuses in words, then back); a week's "Requests" figure in the
//! per-week table drills down to its two cases, one of which opens in the inbox; and the weekly
//! reason report is saved as CSV through the OS save dialog (driven with xdotool, as in
//! `file_dialog.rs`) and read back. Screenshots at 1024x640, light and dark, are kept for review.
//!
//! Then, on a Billsbee profile whose one request is logged in the cancellation sheet, the sheet
//! is exported as XLSX through the dialog and read back with calamine (the header row exactly the
//! sheet's columns, the row the client's), and as CSV, read back with the csv crate.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::billsbee::BILLSBEE_CSV;
use crate::desk::{acknowledge, open_case, verify_identity};
use crate::ensure;
use crate::file_dialog::{dialog_closed, dialog_window, keys_to_dialog, save_as};
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};

const PROCEDURE: &str = "IntelliServe cancellation requests";
const SAVE_DIALOG: &str = "Save the weekly reason report";

/// Sets an `<input>` found by its label to `value` as typing would (date inputs take no keys
/// reliably through WebDriver).
async fn set_input(app: &App, label: &str, value: &str) -> Outcome {
    let field = app.field(label).await?;
    app.client
        .execute(
            "const field = arguments[0];
             field.value = arguments[1];
             field.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::to_value(&field)?, serde_json::json!(value)],
        )
        .await?;
    Ok(())
}

/// The first button in the per-week table whose name starts with `prefix`.
async fn week_figure(
    app: &App,
    prefix: &str,
) -> Result<fantoccini::elements::Element, crate::harness::Failure> {
    Ok(app
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&format!(
            "//table[@aria-label='Per week']//button[starts-with(@aria-label, '{prefix}')]"
        )))
        .await?)
}

/// Turns the page to the dark theme's colours (the app's own `prefers-color-scheme: dark`
/// variables, read from its stylesheet), as a desktop in dark mode would.
async fn dark_theme(app: &App) -> Outcome {
    app.client
        .execute(
            "for (const sheet of document.styleSheets) {
               for (const rule of sheet.cssRules) {
                 if (rule.conditionText && rule.conditionText.includes('dark')) {
                   for (const inner of rule.cssRules) {
                     if (inner.selectorText === ':root') {
                       for (const name of inner.style) {
                         document.documentElement.style.setProperty(name, inner.style.getPropertyValue(name));
                       }
                     }
                   }
                 }
               }
             }
             document.documentElement.style.colorScheme = 'dark';",
            vec![],
        )
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_change_range_drill_into_a_figure_open_a_case_and_save_the_weekly_csv() {
    // Not a hidden folder: a file dialog may decline to list one while a path is typed.
    let workspace = tempfile::Builder::new()
        .prefix("holdfast-reports-")
        .tempdir()
        .expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let saved = workspace.path().join("reasons.csv");
    let saved_path = saved.display().to_string();
    let saved_html = workspace.path().join("reasons.html");
    let saved_html_path = saved_html.display().to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("reports", async |app: &App| {
            set_up_profile_for(app, &["Account manager", "Manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            open_case(app, "Acme", "Acme Corp").await?;
            open_case(app, "Beta", "Beta Industries").await?;

            app.click("Reports").await?;
            app.heading("Reports").await?;
            app.named("Requests: 2").await?;

            // The range: the last 30 days still holds both requests.
            app.field("Range").await?.select_by_value("30").await?;
            let from = app.field("From").await?;
            let started = Instant::now();
            while from.prop("value").await?.unwrap_or_default().is_empty() {
                ensure!(started.elapsed() < Duration::from_secs(20), "30 days set no range");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            app.named("Requests: 2").await?;
            let weeks = app.rows("Per week").await?;
            ensure!(
                (4..=6).contains(&weeks.len()),
                "30 days are 4 to 6 ISO weeks, the table shows {}",
                weeks.len()
            );
            // A range typed backwards is refused in words; a good one counts again.
            let today = jiff::Zoned::now().date();
            set_input(app, "To", &today.checked_sub(jiff::Span::new().days(40))?.to_string()).await?;
            app.role_with_text("alert", "The range ends before it starts").await?;
            set_input(app, "To", &today.to_string()).await?;
            app.named("Requests: 2").await?;

            app.set_window_size(1024, 640).await?;
            crate::review_screenshots::wait_for_width(app, 1024).await?;
            crate::review_screenshots::no_sideways_scroll(app).await?;
            app.screenshot("review-reports-1024x640").await;

            // Drill into this week's requests: the two cases are listed; one opens.
            let figure = week_figure(app, "Requests · ").await?;
            let name = figure.attr("aria-label").await?.unwrap_or_default();
            ensure!(name.ends_with(": 2"), "the week's requests: {name}");
            figure.click().await?;
            app.list_item("Cases behind the figure", "Acme Corp").await?;
            app.list_item("Cases behind the figure", "Beta Industries").await?;
            crate::review_screenshots::no_sideways_scroll(app).await?;
            app.screenshot("review-reports-drill-1024x640").await;
            app.click("Open Beta Industries").await?;
            app.heading("Inbox").await?;
            app.heading("Beta Industries").await?;
            app.heading("Checklist").await?;

            // Back on Reports (the range is kept for the session), the weekly reason report.
            app.click("Reports").await?;
            app.heading("Weekly reason report").await?;
            app.row("Reasons this week", "No reason captured yet").await?;
            // A reason's requests this week drill down to the same two cases.
            app.click("No reason captured yet, this week: 2").await?;
            app.list_item("Cases behind the figure", "Acme Corp").await?;
            app.list_item("Cases behind the figure", "Beta Industries").await?;
            app.press(fantoccini::key::Key::Escape).await?;
            dark_theme(app).await?;
            // Redrawn in the dark colours (the charts read the theme when drawn).
            for period in ["Month", "Week"] {
                app.client
                    .find(Locator::XPath(&format!("//label[normalize-space(.)='{period}']")))
                    .await?
                    .click()
                    .await?;
            }
            app.heading("Cancellations and saves per week").await?;
            app.screenshot("review-reports-dark-1024x640").await;

            app.click("Save the weekly reason report as CSV…").await?;
            let window = dialog_window(SAVE_DIALOG).await?;
            // The window keeps answering while the dialog is open.
            app.heading("Reports").await?;
            keys_to_dialog(
                &window,
                &[&["key", "ctrl+a"], &["type", "--delay", "20", &saved_path]],
            )?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            keys_to_dialog(&window, &[&["key", "Return"]])?;
            dialog_closed(SAVE_DIALOG, "typing the path").await?;
            let status = app.role_with_text("status", "Saved to").await?;
            let said = text_of(&status).await?;
            ensure!(said.contains(&saved_path), "the desk says where: {said}");

            let written = std::fs::read_to_string(&saved)?;
            let mut lines = written.lines();
            ensure!(
                lines.next()
                    == Some("week,reason_id,reason,requests,share_percent,requests_week_before,share_percent_week_before,change,share_change_points"),
                "the CSV's header: {written}"
            );
            let rows: Vec<&str> = lines.collect();
            ensure!(
                rows.iter().any(|row| row.contains(",No reason captured yet,2,100.00,")),
                "the two requests without a reason yet: {written}"
            );
            ensure!(
                rows.last().is_some_and(|row| row.contains(",Total,2,100.00,")),
                "the total line: {written}"
            );

            // The same week as a page to share: one self-contained HTML file.
            app.click("Save the weekly reason report as HTML…").await?;
            let window = dialog_window(SAVE_DIALOG).await?;
            keys_to_dialog(
                &window,
                &[&["key", "ctrl+a"], &["type", "--delay", "20", &saved_html_path]],
            )?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            keys_to_dialog(&window, &[&["key", "Return"]])?;
            dialog_closed(SAVE_DIALOG, "typing the HTML file's path").await?;
            app.role_with_text("status", &saved_html_path).await?;
            let page = std::fs::read_to_string(&saved_html)?;
            ensure!(
                page.contains("No reason captured yet")
                    && page.contains("Total")
                    && !page.contains("<script")
                    && !page.contains("<link"),
                "the page names the reasons and the total, with nothing fetched: {page}"
            );
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
}

const SHEET_DIALOG: &str = "Save the cancellation sheet";

/// The sheet's columns, in Billsbee's order (the store's `CANCELLATION_SHEET_COLUMNS`).
const SHEET_COLUMNS: [&str; 6] = [
    "Name",
    "Phone",
    "Date of cancellation",
    "Total amount collected",
    "Months in the program",
    "Reason for cancellation",
];

#[tokio::test(flavor = "multi_thread")]
async fn reports_export_the_cancellation_sheet_as_xlsx_and_csv() {
    use calamine::{open_workbook, Data, Reader, Xlsx};

    let workspace = tempfile::Builder::new()
        .prefix("holdfast-sheet-")
        .tempdir()
        .expect("temp dir");
    let profile = workspace.path().join("profile");
    let accounts = write_csv(workspace.path(), "accounts.csv", BILLSBEE_CSV);
    let xlsx = workspace.path().join("sheet.xlsx");
    let xlsx_path = xlsx.display().to_string();
    let csv_file = workspace.path().join("sheet.csv");
    let csv_path = csv_file.display().to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("reports-sheet", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], crate::billsbee::PROCEDURE).await?;
            import(app, &accounts).await?;
            open_case(app, "bramble", "Bramble Dental").await?;
            acknowledge(app).await?;
            verify_identity(app, "+1 555 010 4242", "Called back; Dana confirmed").await?;
            app.click("Log request in the cancellation sheet").await?;
            app.text("Logged in the cancellation sheet.").await?;

            app.click("Reports").await?;
            app.heading("Export the cancellation sheet").await?;
            save_as(
                app,
                "Save the cancellation sheet as XLSX…",
                SHEET_DIALOG,
                "Reports",
                &xlsx_path,
            )
            .await?;
            let mut workbook: Xlsx<_> = open_workbook(&xlsx)?;
            let range = workbook.worksheet_range("Cancellation sheet")?;
            let mut rows = range.rows();
            let header: Vec<String> = rows
                .next()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .unwrap_or_default();
            ensure!(header == SHEET_COLUMNS, "the XLSX header row: {header:?}");
            let row = rows.next().map(<[Data]>::to_vec).unwrap_or_default();
            ensure!(
                rows.next().is_none(),
                "the sheet has one logged request: {range:?}"
            );
            ensure!(
                row.len() == 6
                    && row[0] == Data::String("Dana Bramble".into())
                    && row[1] == Data::String("+1 555 010 4242".into())
                    && matches!(row[2], Data::DateTime(_))
                    && row[3] == Data::Float(10_800.0),
                "the client's row: {row:?}"
            );

            save_as(
                app,
                "Save the cancellation sheet as CSV…",
                SHEET_DIALOG,
                "Reports",
                &csv_path,
            )
            .await?;
            let mut reader = csv::Reader::from_path(&csv_file)?;
            let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
            ensure!(header == SHEET_COLUMNS, "the CSV header row: {header:?}");
            let lines: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
            ensure!(
                lines.len() == 1
                    && &lines[0][0] == "Dana Bramble"
                    && &lines[0][3] == "10800.00 USD",
                "the CSV's row: {lines:?}"
            );
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
}
