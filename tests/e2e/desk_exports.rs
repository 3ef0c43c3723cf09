//! The desk's exports (issue 14) through the OS dialogs, driven with xdotool as in
//! `file_dialog.rs`. In Settings → Audit trail, the trail is exported through the save dialog and
//! the file checked through the open dialog (verified); then one character of an event's hashed
//! text is changed in the file, and the check names that line. On Reports, all cases and all
//! tasks are saved as XLSX and as CSV and read back (calamine, csv) against the profile's own
//! rows. Then the Inbox, searched for one account, saves the list from "Export…" as XLSX and
//! CSV: that account's case only. All at 1024x640, with screenshots of each outcome.

use std::time::Duration;

use fantoccini::Locator;

use crate::desk::{acknowledge, open_case, verify_identity};
use crate::ensure;
use crate::file_dialog::{dialog_closed, dialog_window, keys_to_dialog, save_as};
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile, write_csv, GOOD_CSV};
use crate::store_check::open_store;

const EXPORT_DIALOG: &str = "Export the audit trail";
const CHECK_DIALOG: &str = "Check an audit export";
const CASES_DIALOG: &str = "Export cases";
const TASKS_DIALOG: &str = "Export tasks";

/// Clicks "Check an audit export…" and chooses `path` in the open dialog (Ctrl+L, the path).
async fn check(app: &App, path: &str) -> Outcome {
    app.click("Check an audit export…").await?;
    let window = dialog_window(CHECK_DIALOG).await?;
    app.heading("Audit trail").await?;
    keys_to_dialog(
        &window,
        &[
            &["key", "ctrl+l"],
            &["key", "ctrl+a"],
            &["type", "--delay", "20", path],
        ],
    )?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    keys_to_dialog(&window, &[&["key", "Return"]])?;
    dialog_closed(CHECK_DIALOG, "typing the path").await?;
    Ok(())
}

/// `line` (an event line of an audit export) with one character of its hashed text changed: the
/// first letter of the first string value after the `kind`.
fn tampered(line: &str) -> Result<String, crate::harness::Failure> {
    let mut event: serde_json::Value = serde_json::from_str(line)?;
    let canonical = event["canonical"]
        .as_str()
        .ok_or("an event line without its canonical text")?
        .to_owned();
    let start = canonical.find("\"kind\":\"").ok_or("no kind in the text")? + 8;
    let (offset, letter) = canonical[start..]
        .char_indices()
        .find(|(_, c)| c.is_ascii_lowercase())
        .ok_or("no letter to change")?;
    let changed = if letter == 'x' { 'y' } else { 'x' };
    let mut edited = canonical.clone();
    edited.replace_range(start + offset..start + offset + 1, &changed.to_string());
    event["canonical"] = serde_json::Value::String(edited);
    Ok(serde_json::to_string(&event)?)
}

#[tokio::test(flavor = "multi_thread")]
async fn desk_exports_the_audit_trail_checks_it_and_saves_cases_and_tasks() {
    use calamine::{open_workbook, Data, Reader, Xlsx};

    let workspace = tempfile::Builder::new()
        .prefix("holdfast-exports-")
        .tempdir()
        .expect("temp dir");
    let profile = workspace.path().join("profile");
    let accounts = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let trail = workspace.path().join("trail.jsonl");
    let trail_path = trail.display().to_string();
    let cases_xlsx = workspace.path().join("cases.xlsx");
    let cases_csv = workspace.path().join("cases.csv");
    let tasks_xlsx = workspace.path().join("tasks.xlsx");
    let tasks_csv = workspace.path().join("tasks.csv");
    let listed_xlsx = workspace.path().join("listed.xlsx");
    let listed_csv = workspace.path().join("listed.csv");

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("desk-exports", async |app: &App| {
            set_up_profile(app).await?;
            // The smallest window the desk is made for: the outcomes must be in view there.
            app.set_window_size(1024, 640).await?;
            import(app, &accounts).await?;
            open_case(app, "quillfeather", "Quillfeather Health").await?;
            acknowledge(app).await?;
            open_case(app, "beta", "Beta Industries").await?;
            // Verified and handed on to Ben: a task for the tasks export.
            verify_identity(app, "bo@beta.io", "Request came from the address on file").await?;
            app.text("Hand off to someone else…").await?.click().await?;
            app.field("To a person or team")
                .await?
                .send_keys("Ben Agent")
                .await?;
            app.field("Reason for the hand-off")
                .await?
                .send_keys("Ben looks after Beta")
                .await?;
            app.button_in("Hand off", "Hand off").await?.click().await?;
            app.list_item("Timeline", "Handed off").await?;
            let events: i64 =
                open_store(&profile)
                    .query_row("SELECT count(*) FROM events", [], |row| row.get(0))?;

            // The audit trail saved, then checked: verified.
            app.click("Settings").await?;
            app.heading("Audit trail").await?;
            // Settings checks for updates as it opens, and its answer (here, that the release
            // server cannot be reached) moves the sections below it: the buttons are pressed once
            // the page has settled, as a person reads it before clicking.
            app.wait_for("//button[normalize-space(.)='Check for updates' and not(@disabled)]")
                .await?;
            save_as(
                app,
                "Export the audit trail…",
                EXPORT_DIALOG,
                "Audit trail",
                &trail_path,
            )
            .await?;
            app.role_with_text("status", &format!("Saved {events} events to"))
                .await?;
            check(app, &trail_path).await?;
            let verdict = app
                .role_with_text("status", &format!("Verified: {trail_path}"))
                .await?;
            let shown = text_of(&verdict).await?;
            ensure!(
                shown.contains(&format!("{events} events, 0 signed checkpoints")),
                "the verdict counts the events: {shown}"
            );
            app.screenshot("desk-exports-verified").await;

            // One character of event 2's hashed text changed, outside Holdfast: line 3.
            let text = std::fs::read_to_string(&trail)?;
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            ensure!(lines.len() > 3, "the export holds events: {text}");
            lines[2] = tampered(&lines[2])?;
            std::fs::write(&trail, lines.join("\n") + "\n")?;
            check(app, &trail_path).await?;
            let alert = app
                .role_with_text("alert", &format!("Broken at line 3: {trail_path}"))
                .await?;
            let shown = text_of(&alert).await?;
            ensure!(
                shown.contains("event 2 does not match its chain hash"),
                "the check says why: {shown}"
            );
            app.screenshot("desk-exports-broken").await;

            // All cases and all tasks, as XLSX and CSV, read back against the profile's rows.
            app.click("Reports").await?;
            app.heading("Export cases").await?;
            app.heading("Export tasks").await?;
            let store = open_store(&profile);
            let cases: Vec<(String, String)> = store
                .prepare(
                    "SELECT c.id, a.name FROM cases c JOIN accounts a ON a.id = c.account_id
                     ORDER BY c.received_at DESC, c.id DESC",
                )?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            ensure!(cases.len() == 2, "the profile has two cases: {cases:?}");
            let tasks: i64 = store.query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))?;

            save_as(
                app,
                "Save all cases as XLSX…",
                CASES_DIALOG,
                "Reports",
                &cases_xlsx.display().to_string(),
            )
            .await?;
            let mut workbook: Xlsx<_> = open_workbook(&cases_xlsx)?;
            let range = workbook.worksheet_range("Cases")?;
            let mut rows = range.rows();
            let header: Vec<String> = rows
                .next()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .unwrap_or_default();
            ensure!(
                header.len() == 19
                    && header[0] == "Case id"
                    && header[1] == "Account"
                    && header[11].starts_with("Received (")
                    && header[17] == "MRR",
                "the cases' header row: {header:?}"
            );
            let read: Vec<(String, String)> = rows
                .map(|row| (row[0].to_string(), row[1].to_string()))
                .collect();
            ensure!(
                read == cases,
                "the cases, newest first: {read:?} vs {cases:?}"
            );
            let first = range
                .rows()
                .nth(1)
                .map(<[Data]>::to_vec)
                .unwrap_or_default();
            ensure!(
                matches!(first[11], Data::DateTime(_)) && matches!(first[17], Data::Float(_)),
                "received is a date-time cell and MRR a number: {first:?}"
            );

            save_as(
                app,
                "Save all cases as CSV…",
                CASES_DIALOG,
                "Reports",
                &cases_csv.display().to_string(),
            )
            .await?;
            let mut reader = csv::Reader::from_path(&cases_csv)?;
            ensure!(
                reader.headers()?.len() == 19,
                "the CSV's header: {:?}",
                reader.headers()?
            );
            let lines: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
            let read: Vec<(String, String)> = lines
                .iter()
                .map(|line| (line[0].to_owned(), line[1].to_owned()))
                .collect();
            ensure!(read == cases, "the CSV's cases: {read:?}");

            save_as(
                app,
                "Save all tasks as XLSX…",
                TASKS_DIALOG,
                "Reports",
                &tasks_xlsx.display().to_string(),
            )
            .await?;
            let mut workbook: Xlsx<_> = open_workbook(&tasks_xlsx)?;
            let range = workbook.worksheet_range("Tasks")?;
            let header: Vec<String> = range
                .rows()
                .next()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .unwrap_or_default();
            ensure!(
                header.first().map(String::as_str) == Some("Task") && header.len() == 10,
                "the tasks' header row: {header:?}"
            );
            ensure!(
                tasks == 1 && range.rows().count() == 2,
                "a row for Ben's hand-off: {range:?}"
            );
            let task = range
                .rows()
                .nth(1)
                .map(<[Data]>::to_vec)
                .unwrap_or_default();
            ensure!(
                task[0] == Data::String("Case handed off".into())
                    && task[1] == Data::String("Ben looks after Beta".into())
                    && task[3] == Data::String("Beta Industries".into())
                    && task[4] == Data::String("Ben Agent".into())
                    && matches!(task[6], Data::DateTime(_))
                    && task[7] == Data::Bool(false),
                "Ben's hand-off, open: {task:?}"
            );

            save_as(
                app,
                "Save all tasks as CSV…",
                TASKS_DIALOG,
                "Reports",
                &tasks_csv.display().to_string(),
            )
            .await?;
            let mut reader = csv::Reader::from_path(&tasks_csv)?;
            ensure!(reader.headers()?.len() == 10, "the tasks CSV's header");
            let lines: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
            ensure!(
                lines.len() == 1
                    && &lines[0][3] == "Beta Industries"
                    && &lines[0][4] == "Ben Agent"
                    && &lines[0][7] == "No",
                "the CSV's task: {lines:?}"
            );
            app.screenshot("desk-exports-reports").await;

            // The Inbox's list, searched for Beta, saved from "Export…": Beta's case only.
            app.click("Inbox").await?;
            app.heading("Inbox").await?;
            app.client
                .find(Locator::Css("input[type='search']"))
                .await?
                .send_keys("beta")
                .await?;
            app.rows_exactly("Cases", 1).await?;
            app.click("Export the listed cases").await?;
            save_as(
                app,
                "Save the listed cases as XLSX…",
                CASES_DIALOG,
                "Inbox",
                &listed_xlsx.display().to_string(),
            )
            .await?;
            app.role_with_text("status", "Saved 1 case to").await?;
            let mut workbook: Xlsx<_> = open_workbook(&listed_xlsx)?;
            let range = workbook.worksheet_range("Cases")?;
            let listed: Vec<String> = range.rows().skip(1).map(|row| row[1].to_string()).collect();
            ensure!(
                listed == ["Beta Industries"],
                "the listed cases: {listed:?}"
            );
            app.screenshot("desk-exports-inbox").await;
            app.click("Export the listed cases").await?;
            save_as(
                app,
                "Save the listed cases as CSV…",
                CASES_DIALOG,
                "Inbox",
                &listed_csv.display().to_string(),
            )
            .await?;
            let mut reader = csv::Reader::from_path(&listed_csv)?;
            let listed: Vec<String> = reader
                .records()
                .map(|line| line.map(|line| line[1].to_owned()))
                .collect::<Result<_, _>>()?;
            ensure!(
                listed == ["Beta Industries"],
                "the listed cases in CSV: {listed:?}"
            );
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
}
