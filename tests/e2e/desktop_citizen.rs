//! A desktop citizen (issue 15), on the real app: one instance per profile (a second start hands
//! over to the running one and ends: the hidden window comes forward, and a `holdfast://case/<id>`
//! argument opens that case, while another profile runs beside it), the window's size and place
//! kept across a restart, "Copy diagnostics" read back from the X clipboard (`xclip`), and the log
//! file that names no customer.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{App, Failure, Outcome};
use crate::import_and_cases::{import, set_up_profile, write_csv, GOOD_CSV};
use crate::tray::{app_pid, ends, running, TrayHost};

const WAIT: Duration = Duration::from_secs(20);

/// Customer data from `GOOD_CSV` that the log and the diagnostics must never hold.
const CUSTOMER_DATA: [&str; 6] = [
    "Acme Corp",
    "Ana Silva",
    "ana@acme.io",
    "Beta Industries",
    "Bo Chen",
    "555 010",
];

/// Starts `holdfast` again, as a person (or a link) does, on `profile`.
fn start_again(profile: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_holdfast"))
        .arg("--profile")
        .arg(profile)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("holdfast did not start")
}

/// Waits for a second start to end by itself.
async fn exits(child: &mut Child) -> Result<ExitStatus, Failure> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(
                "the second start did not end: it opened a second app on the profile".into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts Holdfast again on `profile` with `extra` arguments and checks it handed over and ended.
async fn hand_over(profile: &Path, extra: &[&str]) -> Outcome {
    let mut second = start_again(profile, extra);
    let status = exits(&mut second).await?;
    ensure!(status.success(), "the second start ended with {status}");
    Ok(())
}

/// Waits until the process `pid` shows a window (the tray host knows none until it is made).
async fn window_appears(host: &mut TrayHost, pid: u32) -> Outcome {
    let started = Instant::now();
    while !host.shown(pid).unwrap_or(false) {
        ensure!(started.elapsed() < WAIT, "process {pid} shows no window");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The id of the inbox row of `account`'s case (its row is `case-<id>`).
async fn case_id(app: &App, account: &str) -> Result<String, Failure> {
    let row = app.row("Cases", account).await?;
    let id = row.attr("id").await?.ok_or("the case's row has no id")?;
    Ok(id
        .strip_prefix("case-")
        .ok_or("the row's id is not a case's")?
        .to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_start_on_the_profile_brings_its_window_forward_and_opens_a_linked_case() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let other = workspace.path().join("other-profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let mut host = TrayHost::start();
    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("second-start", async |app: &App| {
            set_up_profile(app).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "Acme", "Acme Corp").await?;
            let id = case_id(app, "Acme Corp").await?;
            let pid = app_pid(&profile).await?;

            // Closed to the tray, then started again: the running window comes back.
            host.icon().await?;
            host.close_window(pid)?;
            host.window_becomes(pid, false).await?;
            hand_over(&profile, &[]).await?;
            host.window_becomes(pid, true).await?;
            ensure!(running(pid), "the first app ended");

            // Started again with a link to the case: the first window opens it.
            app.click("Settings").await?;
            app.heading("Settings").await?;
            host.close_window(pid)?;
            host.window_becomes(pid, false).await?;
            hand_over(&profile, &[&format!("holdfast://case/{id}")]).await?;
            host.window_becomes(pid, true).await?;
            app.heading("Inbox").await?;
            app.heading("Acme Corp").await?;
            app.heading("Checklist").await?;

            // A link to a case this desk does not have, and one that is not a case's: said in
            // the desk, which stays as it was.
            hand_over(
                &profile,
                &["holdfast://case/0190f0c1-2b3c-7d4e-8f00-665544332211"],
            )
            .await?;
            app.role_with_text("alert", "The link names a case this desk does not have")
                .await?;
            app.heading("Acme Corp").await?;
            app.screenshot("link-unknown-case").await;
            app.click("Dismiss").await?;
            hand_over(&profile, &["holdfast://case/Acme%20Corp"]).await?;
            app.role_with_text("alert", "This case link's id is not a case id")
                .await?;
            app.click("Dismiss").await?;
            ensure!(running(pid), "a bad link ended the app");

            // Another profile is another app, beside this one.
            let mut beside = start_again(&other, &[]);
            let beside_pid = beside.id();
            let shown = window_appears(&mut host, beside_pid).await;
            let still = beside.try_wait()?.is_none();
            let _ = beside.kill();
            let _ = beside.wait();
            shown?;
            ensure!(
                still,
                "the app on another profile ended: it was taken for this one"
            );
            ensure!(running(pid), "the first app ended");
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}

/// The window's rectangle: x, y, width, height.
async fn window_rect(app: &App) -> Result<(u64, u64, u64, u64), Failure> {
    Ok(app.client.get_window_rect().await?)
}

/// What the X clipboard holds.
fn clipboard() -> Result<String, Failure> {
    let output = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .map_err(|error| format!("xclip did not run (cargo xtask test installs it): {error}"))?;
    ensure!(
        output.status.success(),
        "xclip could not read the clipboard: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}

/// The log files beside `log` (the current one and those rotated out of it).
fn log_files(log: &Path) -> Result<Vec<PathBuf>, Failure> {
    let dir = log.parent().ok_or("the log file has no folder")?;
    let stem = log
        .file_stem()
        .and_then(|stem| stem.to_str())
        .ok_or("the log file has no name")?;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with(stem))
        {
            files.push(path);
        }
    }
    Ok(files)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_keeps_its_place_diagnostics_are_copied_and_the_log_names_no_customer() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let wanted = (40, 30, 1100, 700);
    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("window-place", async |app: &App| {
            set_up_profile(app).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "Acme", "Acme Corp").await?;
            let pid = app_pid(&profile).await?;
            app.client
                .set_window_rect(wanted.0, wanted.1, wanted.2, wanted.3)
                .await?;
            let (x, y, width, height) = window_rect(app).await?;
            ensure!(
                (x, y, width, height)
                    == (
                        wanted.0 as u64,
                        wanted.1 as u64,
                        wanted.2 as u64,
                        wanted.3 as u64
                    ),
                "the window did not take the place asked for: {x},{y} {width}x{height}"
            );
            // Quit (Ctrl+Q): the place is written as the app ends.
            let _ = app.press_ctrl('q').await;
            ends(pid).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("window-place-again", async |app: &App| {
            app.heading("Inbox").await?;
            let (x, y, width, height) = window_rect(app).await?;
            ensure!(
                (x, y, width, height)
                    == (
                        wanted.0 as u64,
                        wanted.1 as u64,
                        wanted.2 as u64,
                        wanted.3 as u64
                    ),
                "the window came back at {x},{y} {width}x{height}, not where it was left"
            );

            // Settings › On this computer › Copy diagnostics: on the clipboard, no customer data.
            // At the smallest window the desk is laid out for.
            app.set_window_size(1024, 640).await?;
            app.click("Settings").await?;
            app.heading("Settings").await?;
            let button = app.button("Copy diagnostics").await?;
            app.client
                .execute(
                    "arguments[0].scrollIntoView({ block: 'center' })",
                    vec![serde_json::to_value(&button)?],
                )
                .await?;
            button.click().await?;
            app.role_with_text("status", "Diagnostics copied").await?;
            app.screenshot("settings-copy-diagnostics").await;
            let copied = clipboard()?;
            for expected in [
                "Holdfast 0.1.0",
                "OS: linux",
                "Profile: named with --profile, local, encrypted, key in the OS keyring",
                "Session: unlocked",
                "Sync: not joined to a team server",
            ] {
                ensure!(
                    copied.contains(expected),
                    "{expected:?} is not in the diagnostics:\n{copied}"
                );
            }
            for private in CUSTOMER_DATA
                .iter()
                .copied()
                .chain([profile.to_str().ok_or("profile path")?, "Amy Account"])
            {
                ensure!(
                    !copied.contains(private),
                    "the diagnostics name {private:?}:\n{copied}"
                );
            }

            // The log file the diagnostics name: the start-ups are in it, no customer is.
            let log = copied
                .lines()
                .find_map(|line| line.strip_prefix("Log file: "))
                .map(PathBuf::from)
                .ok_or("the diagnostics name no log file")?;
            let files = log_files(&log)?;
            ensure!(files.contains(&log), "no log file at {}", log.display());
            let mut text = String::new();
            for file in &files {
                text.push_str(&std::fs::read_to_string(file)?);
            }
            ensure!(
                text.matches("start: Holdfast").count() >= 2,
                "the log does not hold both start-ups:\n{text}"
            );
            ensure!(
                text.contains("diagnostics: copied"),
                "the copy is not logged:\n{text}"
            );
            for private in CUSTOMER_DATA.iter().copied().chain(["Amy Account"]) {
                ensure!(
                    !text.contains(private),
                    "the log names {private:?}:\n{text}"
                );
            }
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}
