//! Reminders through a real notification daemon (issue 13): dunst on the test's D-Bus session
//! (started by xtask's e2e session). An IntelliServe request is received and left unanswered;
//! the app is started again a week later (`HOLDFAST_E2E_DAYS_AHEAD`), when its first response is
//! long overdue, and its scheduler's first look sends the notification. The test reads what the
//! app asked the daemon to show from the session bus (`dbus-monitor` on
//! `org.freedesktop.Notifications.Notify`; dunst keeps no history of a notification whose action
//! was invoked), invokes its action through the daemon (`dunstctl action`), as a click does, and
//! checks that the window opened that case.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{App, Failure};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};

const PROCEDURE: &str = "IntelliServe cancellation requests";
const DAYS_AHEAD_VAR: &str = "HOLDFAST_E2E_DAYS_AHEAD";
const ACME: &str = "First response due: Acme Corp";

/// `dunstctl` with `args`, its output as text.
fn dunstctl(args: &[&str]) -> Result<String, Failure> {
    let output = Command::new("dunstctl")
        .args(args)
        .output()
        .map_err(|error| Failure::from(format!("dunstctl {args:?} did not run: {error}")))?;
    if !output.status.success() {
        return Err(Failure::from(format!(
            "dunstctl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overdue_first_response_is_a_desktop_notification_that_opens_its_case() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("reminder-received", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            open_case(app, "Acme", "Acme Corp").await?;
            // Left on another screen, so that opening the case is the click's doing.
            app.click("Due").await?;
            app.heading("Due").await?;
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
    // Whatever earlier tests left with the daemon is not this test's.
    dunstctl(&["close-all"]).expect("dunst runs in the test session");
    let monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor runs in the test session");

    // A week later: the first response is long overdue, and the first look raises it.
    std::env::set_var(DAYS_AHEAD_VAR, "7");
    let app = App::launch(&profile).await;
    std::env::remove_var(DAYS_AHEAD_VAR);
    let app = app
        .run_scenario("reminder-clicked", async |app: &App| {
            app.heading("Due").await?;
            let started = Instant::now();
            while dunstctl(&["count", "displayed"])?.trim() == "0" {
                ensure!(
                    started.elapsed() < Duration::from_secs(30),
                    "no notification reached dunst"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // The click: the daemon invokes the notification's default action.
            dunstctl(&["action", "0"])?;
            app.heading("Inbox").await?;
            app.heading("Acme Corp").await?;
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
    // What the app sent: exactly the one notification, in its words.
    let mut monitor = monitor;
    let _ = monitor.kill();
    let sent = monitor.wait_with_output().expect("dbus-monitor's output");
    let sent = String::from_utf8_lossy(&sent.stdout);
    assert_eq!(sent.matches(ACME).count(), 1, "one notification: {sent}");
    assert!(
        sent.contains("string \"Overdue by "),
        "the body says how overdue: {sent}"
    );
    assert!(sent.contains("\"Holdfast\""), "sent as Holdfast: {sent}");
}
