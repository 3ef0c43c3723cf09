//! The import screen's "Browse…": the OS file dialog opens without freezing the window, and a
//! person cancels it or chooses a file in it. The dialog is not part of the web page, so the test
//! finds its window on the X display and types into it with xdotool, as a keyboard would.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::ensure;
use crate::harness::{App, Failure, Outcome};
use crate::import_and_cases::{set_up_profile, write_csv, GOOD_CSV};

const DIALOG: &str = "Import accounts";

pub(crate) fn xdotool(args: &[&str]) -> Result<String, Failure> {
    let output = Command::new("xdotool")
        .args(args)
        .output()
        .map_err(|error| format!("xdotool (Debian package xdotool) did not run: {error}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The X window of the file dialog titled `title`, once it is shown.
pub(crate) async fn dialog_window(title: &str) -> Result<String, Failure> {
    let started = Instant::now();
    loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")])?;
        if let Some(id) = found.lines().next().filter(|id| !id.is_empty()) {
            return Ok(id.to_owned());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(20),
            "no file dialog titled {title:?} appeared on the display"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the dialog titled `title` is gone (`what` says what was to close it).
pub(crate) async fn dialog_closed(title: &str, what: &str) -> Result<(), Failure> {
    let started = Instant::now();
    loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")])?;
        if found.is_empty() {
            return Ok(());
        }
        let focused = xdotool(&["getwindowfocus"])?;
        ensure!(
            started.elapsed() < Duration::from_secs(10),
            "the file dialog did not close after {what} (dialog {found}, focus on {focused})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Keys typed into the dialog: it gets the keyboard focus first (there is no window manager on
/// the test display to give it), then the keys go through the XTEST extension as real ones.
pub(crate) fn keys_to_dialog(window: &str, keys: &[&[&str]]) -> Result<(), Failure> {
    xdotool(&["windowfocus", "--sync", window])?;
    for key in keys {
        xdotool(key)?;
    }
    Ok(())
}

/// Clicks `button`, types `path` into the save dialog titled `dialog` and waits for the desk to
/// say where it saved (on the screen whose heading is `heading`, which stays answering while the
/// dialog is open).
pub(crate) async fn save_as(
    app: &App,
    button: &str,
    dialog: &str,
    heading: &str,
    path: &str,
) -> Outcome {
    app.click(button).await?;
    let window = dialog_window(dialog).await?;
    app.heading(heading).await?;
    keys_to_dialog(
        &window,
        &[&["key", "ctrl+a"], &["type", "--delay", "20", path]],
    )?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    keys_to_dialog(&window, &[&["key", "Return"]])?;
    dialog_closed(dialog, "typing the path").await?;
    app.role_with_text("status", path).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn browse_opens_the_file_dialog_without_freezing_the_window() {
    // Not a hidden folder (tempfile's default starts with a dot), which a file dialog may decline
    // to list while the path is typed.
    let workspace = tempfile::Builder::new()
        .prefix("holdfast-file-dialog-")
        .tempdir()
        .expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("file-dialog", async |app: &App| {
            set_up_profile(app).await?;
            app.click("Accounts").await?;
            app.heading("Accounts").await?;

            // Opened, the dialog leaves the window answering; Escape cancels it and nothing is
            // chosen.
            app.click("Browse…").await?;
            let window = dialog_window(DIALOG).await?;
            app.heading("Import accounts").await?;
            let path = app.field("CSV or XLSX file").await?;
            ensure!(
                path.prop("value").await?.unwrap_or_default().is_empty(),
                "a path is filled in before anything was chosen"
            );
            keys_to_dialog(&window, &[&["key", "Escape"]])?;
            dialog_closed(DIALOG, "Escape").await?;
            ensure!(
                path.prop("value").await?.unwrap_or_default().is_empty(),
                "a cancelled dialog filled in a path"
            );

            // Opened again, a file is chosen by typing its path, as a person can in any GTK file
            // dialog (Ctrl+L opens the location field).
            app.click("Browse…").await?;
            let window = dialog_window(DIALOG).await?;
            keys_to_dialog(
                &window,
                &[
                    &["key", "ctrl+l"],
                    &["key", "ctrl+a"],
                    &["type", "--delay", "20", &csv],
                ],
            )?;
            // The location field completes as it is typed; Return once it has settled.
            tokio::time::sleep(Duration::from_millis(500)).await;
            keys_to_dialog(&window, &[&["key", "Return"]])?;
            dialog_closed(DIALOG, "typing the path").await?;
            let started = Instant::now();
            loop {
                let chosen = path.prop("value").await?.unwrap_or_default();
                if chosen == csv {
                    break;
                }
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "the chosen file is not in the path field: {chosen:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // And the import goes on from it.
            app.click("Preview").await?;
            app.text("The file has 3 accounts: 3 new, 0 updated, 0 unchanged.")
                .await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("file-dialog-chosen").await;
    app.quit().await;
}
