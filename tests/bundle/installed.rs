//! The installed Holdfast updates itself (issue 15). The update server is this test's own, on the
//! port the package was built to ask (`HOLDFAST_UPDATE_PORT`), serving the files
//! `cargo xtask test bundle` prepared (`HOLDFAST_UPDATE_DIR`): a newer version's `.deb`, signed with
//! the key the installed app trusts, and a copy signed with another key. First the forged release
//! is offered: the desk shows it, refuses to install it and says why, and the installed version
//! stays. Then the genuine one: the desk installs it on the person's word and starts again as the
//! new version, with the same profile and its case. Last, removing the package leaves the profile
//! and its key in the keyring.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile, write_csv, GOOD_CSV};

const NEWER_VERSION: &str = "99.0.0";

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: these tests run against the installed package, from `cargo xtask test bundle`")
    })
}

/// Serves `dir` on `port`: `/latest.json` is whichever manifest `current` names, any other path the
/// file of that name. One request per connection, as the updater makes them.
fn serve(dir: PathBuf, port: u16, current: Arc<Mutex<String>>) {
    let listener =
        TcpListener::bind(("127.0.0.1", port)).expect("the update server's port is free");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(match stream.try_clone() {
                Ok(clone) => clone,
                Err(_) => continue,
            });
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // The rest of the request's head.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_owned();
            let name = if path.starts_with("/latest.json") {
                current.lock().expect("not poisoned").clone()
            } else {
                path.trim_start_matches('/').to_owned()
            };
            let body = if name.contains("..") {
                None
            } else {
                std::fs::read(dir.join(&name)).ok()
            };
            let response = match &body {
                Some(body) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
            };
            let _ = stream.write_all(response.as_bytes());
            if let Some(body) = body {
                let _ = stream.write_all(&body);
            }
        }
    });
}

/// The installed package's version, as dpkg knows it.
fn installed_version() -> Option<String> {
    let output = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Status} ${Version}", "holdfast"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.strip_prefix("install ok installed ")
        .map(str::to_owned)
}

/// Stops the Holdfast the update started again outside WebDriver (after checking it is there),
/// so the next launch is the test's.
fn stop_restarted(profile: &Path) -> Result<(), String> {
    let pattern = format!("holdfast --profile {}", profile.display());
    let started = Instant::now();
    loop {
        let found = std::process::Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .map_err(|error| error.to_string())?;
        if found.status.success() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("Holdfast did not start again after installing the update".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = std::process::Command::new("pkill")
        .args(["-f", &pattern])
        .status();
    let started = Instant::now();
    while std::process::Command::new("pgrep")
        .args(["-f", &pattern])
        .status()
        .is_ok_and(|status| status.success())
    {
        if started.elapsed() > Duration::from_secs(20) {
            return Err("the restarted Holdfast did not stop".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Opens Settings and returns what its Updates section says of the running version.
async fn version_shown(app: &App) -> Result<String, crate::harness::Failure> {
    app.click("Settings").await?;
    app.heading("Updates").await?;
    let started = Instant::now();
    loop {
        let shown = text_of(&app.test_id("app-version").await?).await?;
        if !shown.ends_with('…') || started.elapsed() > Duration::from_secs(20) {
            return Ok(shown);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_installed_app_installs_only_a_signed_update_and_keeps_its_profile() {
    let dir = PathBuf::from(required("HOLDFAST_UPDATE_DIR"));
    let port: u16 = required("HOLDFAST_UPDATE_PORT").parse().expect("a port");
    let before = installed_version().expect("the holdfast package is installed");
    let manifest = Arc::new(Mutex::new("latest-forged.json".to_owned()));
    serve(dir, port, Arc::clone(&manifest));

    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let forged_manifest = Arc::clone(&manifest);
    let expected = before.clone();
    let app = app
        .run_scenario("installed-update", async move |app: &App| {
            set_up_profile(app).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;

            // The check a few seconds after start finds the newer version and says so in the
            // corner; "Later" puts the notice away, and it stays away.
            app.named("Update available").await?;
            app.click("Later").await?;
            let shown = version_shown(app).await?;
            ensure!(
                app.client
                    .find_all(fantoccini::Locator::Css(
                        "aside[aria-label='Update available']"
                    ))
                    .await?
                    .is_empty(),
                "the notice stays away after Later"
            );
            ensure!(
                shown == format!("Holdfast {expected}"),
                "Settings shows the installed version: {shown}"
            );
            // The forged release is offered and refused.
            app.click("Check for updates").await?;
            app.text(&format!("Holdfast {NEWER_VERSION} is available."))
                .await?;
            app.click(&format!("Install {NEWER_VERSION} and restart"))
                .await?;
            let refused = text_of(&app.role_with_text("alert", "signature").await?).await?;
            ensure!(
                refused.contains("does not match Holdfast's release key")
                    && refused.contains("Nothing was installed"),
                "the desk says why: {refused}"
            );
            ensure!(
                installed_version().as_deref() == Some(expected.as_str()),
                "the forged package was not installed"
            );
            app.screenshot("installed-update-refused").await;

            // The genuine release, on the person's word.
            *forged_manifest.lock().expect("not poisoned") = "latest-good.json".to_owned();
            app.click("Check for updates").await?;
            app.click(&format!("Install {NEWER_VERSION} and restart"))
                .await?;
            Ok(())
        })
        .await;
    // The app downloads, verifies and installs the package, then ends to start again as the new
    // version: its driver is stopped only once dpkg has the new version.
    let started = Instant::now();
    while installed_version().as_deref() != Some(NEWER_VERSION) {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the update was not installed: dpkg says {:?}",
            installed_version()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    stop_restarted(&profile).expect("the new version started with the same profile");
    drop(app);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("installed-updated", async |app: &App| {
            let shown = version_shown(app).await?;
            ensure!(
                shown == format!("Holdfast {NEWER_VERSION}"),
                "Settings shows the new version: {shown}"
            );
            app.click("Accounts").await?;
            app.rows_exactly("Account list", 3).await?;
            Ok(())
        })
        .await
        .expect("the updated app opens the same profile");
    app.quit().await;

    // Removing the package leaves the person's profile and its key in the keyring.
    let removed = std::process::Command::new("apt-get")
        .args(["remove", "-y", "holdfast"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .expect("apt-get runs");
    assert!(removed.success(), "apt-get remove holdfast");
    assert!(
        !Path::new("/usr/bin/holdfast").exists(),
        "the binary is gone"
    );
    assert!(
        profile.join("holdfast.db").is_file(),
        "the profile's database is kept"
    );
    assert_eq!(
        crate::store_check::database_key(&profile).len(),
        64,
        "the profile's key is still in the keyring"
    );
}
