//! The tray, closing to the tray, quitting and starting at login (issue 13), on the real app:
//! a tray host of the test's own (`tray_host.py`: a StatusNotifierWatcher on the test's D-Bus
//! session that reads and clicks the icon's menu over com.canonical.dbusmenu, and asks the
//! window to close as a window manager's close button does) shows that closing the window hides
//! it and leaves the app running, that each of the tray's items does what it says, and that the
//! app ends only when quit: from the tray, from Settings, with Ctrl+Q, or when the WebDriver
//! session that started it ends. Settings' start at login writes and removes the XDG autostart
//! entry under the test's own HOME.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::ensure;
use crate::harness::{App, Failure, Outcome};
use crate::import_and_cases::set_up_profile;

const WAIT: Duration = Duration::from_secs(20);

/// The tray host (`tray_host.py`), answering one command at a time.
pub struct TrayHost {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl TrayHost {
    pub fn start() -> TrayHost {
        Self::spawn(&[])
    }

    /// Only the window manager's half: no tray on the session bus.
    fn without_tray() -> TrayHost {
        Self::spawn(&["--no-tray"])
    }

    fn spawn(args: &[&str]) -> TrayHost {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/tray_host.py");
        // The system's Python, which has the Debian packages (python3-dbus, python3-gi,
        // python3-xlib) that `cargo xtask test` installs.
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the tray host did not start: is /usr/bin/python3 installed?");
        let input = child.stdin.take().expect("piped");
        let output = BufReader::new(child.stdout.take().expect("piped"));
        let mut host = TrayHost {
            child,
            input,
            output,
        };
        let ready = host.read().expect("the tray host did not start");
        assert_eq!(ready, "ready", "the tray host said {ready}");
        host
    }

    fn read(&mut self) -> Result<Value, Failure> {
        let mut line = String::new();
        self.output.read_line(&mut line)?;
        ensure!(!line.is_empty(), "the tray host stopped");
        let value: Value = serde_json::from_str(&line)?;
        if let Some(error) = value.get("error") {
            return Err(format!("tray host: {error}").into());
        }
        Ok(value)
    }

    fn ask(&mut self, command: &str) -> Result<Value, Failure> {
        writeln!(self.input, "{command}")?;
        self.input.flush()?;
        self.read()
    }

    /// The labels of the icon's menu, in order (separators left out).
    fn menu(&mut self) -> Result<Vec<String>, Failure> {
        Ok(self
            .ask("menu")?
            .as_array()
            .ok_or("the menu is not a list")?
            .iter()
            .map(|item| item["label"].as_str().unwrap_or_default().to_owned())
            .collect())
    }

    fn click(&mut self, label: &str) -> Outcome {
        self.ask(&format!("click {label}"))?;
        Ok(())
    }

    pub fn close_window(&mut self, pid: u32) -> Outcome {
        self.ask(&format!("close {pid}"))?;
        Ok(())
    }

    pub fn shown(&mut self, pid: u32) -> Result<bool, Failure> {
        Ok(self.ask(&format!("shown {pid}"))? == Value::Bool(true))
    }

    /// Waits until the app's tray icon has registered.
    pub async fn icon(&mut self) -> Outcome {
        let started = Instant::now();
        while self.ask("items")?.as_array().is_none_or(Vec::is_empty) {
            ensure!(
                started.elapsed() < WAIT,
                "no tray icon registered with the tray host"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Waits until the window of `pid` is shown (`true`) or hidden (`false`).
    pub async fn window_becomes(&mut self, pid: u32, shown: bool) -> Outcome {
        let started = Instant::now();
        while self.shown(pid)? != shown {
            ensure!(
                started.elapsed() < WAIT,
                "the window is still {}",
                if shown { "hidden" } else { "shown" }
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

impl Drop for TrayHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The process of the app started on `profile` (tauri-driver starts it, through WebKitWebDriver).
pub async fn app_pid(profile: &Path) -> Result<u32, Failure> {
    let exe = env!("CARGO_BIN_EXE_holdfast");
    let profile = profile.display().to_string();
    let started = Instant::now();
    loop {
        for entry in std::fs::read_dir("/proc")?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let args: Vec<String> = cmdline
                .split(|&b| b == 0)
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            if args.first().is_some_and(|first| first == exe) && args.contains(&profile) {
                return Ok(pid);
            }
        }
        ensure!(started.elapsed() < WAIT, "no app process for {profile}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether `pid` is running (a process that ended but is not yet reaped is not).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next())
        })
        .is_some_and(|state| state != 'Z' && state != 'X')
}

/// Waits until the process `pid` has ended.
pub async fn ends(pid: u32) -> Outcome {
    let started = Instant::now();
    while running(pid) {
        ensure!(
            started.elapsed() < WAIT,
            "the app (process {pid}) is still running"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// A HOME of the test's own, with XDG_CONFIG_HOME inside it: where the autostart entry goes.
fn own_home(workspace: &Path) -> (PathBuf, PathBuf) {
    let home = workspace.join("home");
    let config = home.join(".config");
    std::fs::create_dir_all(&config).expect("the test's HOME");
    (home, config)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_hides_opens_and_quits_holdfast_and_settings_start_it_at_login() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let (home, config) = own_home(workspace.path());
    let autostart = config.join("autostart/Holdfast.desktop");
    let mut host = TrayHost::start();

    let app =
        App::launch_with_env(&profile, &[("HOME", &home), ("XDG_CONFIG_HOME", &config)]).await;
    let app = app
        .run_scenario("tray", async |app: &App| {
            set_up_profile(app).await?;
            let pid = app_pid(&profile).await?;
            host.icon().await?;

            // Nothing is overdue: no count beside the icon, and the menu says so.
            ensure!(host.ask("label")? == "", "a count beside the icon");
            let menu = host.menu()?;
            ensure!(
                menu == ["Open Holdfast", "Due (nothing overdue)", "Quit Holdfast"],
                "the tray's menu is {menu:?}"
            );

            // Closing the window hides it; the app keeps running.
            host.close_window(pid)?;
            host.window_becomes(pid, false).await?;
            ensure!(running(pid), "closing the window ended the app");

            // "Open Holdfast" brings it back where it was.
            host.click("Open Holdfast")?;
            host.window_becomes(pid, true).await?;
            app.heading("Inbox").await?;

            // "Due" brings it back on the Due view, from another screen.
            app.click("Settings").await?;
            app.heading("Settings").await?;
            host.close_window(pid)?;
            host.window_becomes(pid, false).await?;
            ensure!(running(pid), "closing the window ended the app");
            host.click("Due (nothing overdue)")?;
            host.window_becomes(pid, true).await?;
            app.heading("Due").await?;
            app.text("Nothing is overdue.").await?;

            // Start at login: on writes the autostart entry (starting this profile in the
            // tray), off removes it.
            app.click("Settings").await?;
            app.heading("Settings").await?;
            app.set_window_size(1024, 640).await?;
            ensure!(
                !autostart.exists(),
                "an autostart entry before it was asked for"
            );
            let toggle = app.choice("Start Holdfast when I log in").await?;
            toggle.click().await?;
            app.role_with_text("status", "Holdfast will start in the tray when you log in.")
                .await?;
            let entry = std::fs::read_to_string(&autostart)
                .map_err(|e| format!("no autostart entry at {}: {e}", autostart.display()))?;
            let exec = format!(
                "Exec={} --in-tray --profile {}",
                env!("CARGO_BIN_EXE_holdfast"),
                profile.display()
            );
            ensure!(
                entry.lines().any(|line| line == exec),
                "the entry is:\n{entry}"
            );
            ensure!(
                toggle.prop("checked").await?.as_deref() == Some("true"),
                "the box is not ticked"
            );
            app.client
                .execute(
                    "const pane = document.querySelector('section.settings'); \
                     const heading = document.getElementById('settings-desktop'); \
                     pane.scrollTop += heading.getBoundingClientRect().top \
                       - pane.getBoundingClientRect().top - 64; \
                     return pane.scrollTop;",
                    vec![],
                )
                .await?;
            app.screenshot("tray-settings-start-at-login").await;
            toggle.click().await?;
            app.role_with_text("status", "Holdfast will not start when you log in.")
                .await?;
            ensure!(!autostart.exists(), "the autostart entry is still there");

            // "Quit Holdfast" ends the app.
            host.click("Quit Holdfast")?;
            ends(pid).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn holdfast_ends_when_quit_from_the_window_or_when_its_webdriver_session_ends() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");

    // Without a tray host, closing the window does not hide it (nothing could show it again):
    // it is minimised, and the app keeps running. (The virtual display has no window manager to
    // minimise it, so it stays shown.) Settings' "Quit Holdfast" ends the app.
    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("quit-from-settings", async |app: &App| {
            set_up_profile(app).await?;
            let pid = app_pid(&profile).await?;
            let mut closer = TrayHost::without_tray();
            closer.close_window(pid)?;
            app.click("Settings").await?;
            app.heading("Settings").await?;
            ensure!(running(pid), "closing the window ended the app");
            ensure!(
                closer.shown(pid)?,
                "the window was hidden with no tray to show it again"
            );
            // The app may end before WebDriver answers the click (its page went away).
            let quit = app.button("Quit Holdfast").await?;
            let _ = quit.click().await;
            ends(pid).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    // Ctrl+Q ends it from any screen.
    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("quit-with-ctrl-q", async |app: &App| {
            app.heading("Settings").await?;
            let pid = app_pid(&profile).await?;
            // The app ends while the key is being pressed: WebDriver may answer the key press
            // with an error (its page went away), which is what is asked for here.
            let _ = app.press_ctrl('q').await;
            ends(pid).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    // Hidden in the tray, the app still ends with the WebDriver session that started it (as
    // every end-to-end test ends its app).
    let mut host = TrayHost::start();
    let app = App::launch(&profile).await;
    let mut pid = 0;
    let app = app
        .run_scenario("session-end-in-tray", async |app: &App| {
            app.heading("Settings").await?;
            pid = app_pid(&profile).await?;
            host.icon().await?;
            host.close_window(pid)?;
            host.window_becomes(pid, false).await?;
            ensure!(running(pid), "closing the window ended the app");
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
    ends(pid)
        .await
        .expect("the app outlived its WebDriver session");
}
