//! Team sync end to end (issue 5): a real `holdfast-server` on loopback and two app instances on
//! two profiles. Amy (account manager) joins from the first-start screen, imports the accounts,
//! loses the server, works a WootRecruit case offline up to the CSM escalation (acknowledgement
//! message, identity, form, reason, the checklist item before the cancellation), and sends it all
//! once the server is back; Carla (CSM) joins from a second profile while Amy's desk still runs,
//! finds the case in her Escalations queue with Amy's escalation in its timeline, and records her
//! outcome with her note, which reaches Amy's desk. Everything is done through the windows; the
//! rail's footer (Online / Offline, "N pending") and the palette's "Sync now" are what a person
//! would use.
//! Then B's encrypted database is read back: the escalation Amy made offline is stored there.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::checklist_items::confirm_items;
use crate::desk::{acknowledge, open_case, verify_identity};
use crate::ensure;
use crate::harness::{text_of, App, Failure, Outcome};
use crate::import_and_cases::{import, write_csv, GOOD_CSV};
use crate::store_check::{only_event, stored_events};
use crate::wootrecruit::{
    csm_still_cancelling, escalate_to, record_reason_and_route, send_and_receive_form,
};

pub(crate) const ORGANISATION: &str = "WootRecruit";
pub(crate) const AMY_PASSWORD: &str = "amy's long passphrase";
const CARLA_PASSWORD: &str = "carla's long passphrase";
pub(crate) const ACCOUNT: &str = "Quillfeather Health";
const CARLA_NOTE: &str = "Spoke to Gil: the hiring freeze stands, nothing to offer";

/// How long the footer may take to show a sync state (a round, plus the window's 2 s poll).
const SYNC_WAIT: Duration = Duration::from_secs(45);

/// The sync server as a child process on a fixed loopback port and data directory, so it can be
/// stopped and started again as the same server. Killed when dropped, a failed test included.
pub(crate) struct Server {
    binary: PathBuf,
    pub(crate) data_dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    /// Builds `holdfast-server` next to the app under test (same target dir and profile).
    fn build() -> PathBuf {
        let app = Path::new(env!("CARGO_BIN_EXE_holdfast"));
        let dir = app.parent().expect("the app binary's folder");
        let mut build = Command::new(env!("CARGO"));
        build.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "build",
            "-p",
            "holdfast-server",
            "--bin",
            "holdfast-server",
        ]);
        if dir.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building holdfast-server failed");
        let binary = dir.join(format!("holdfast-server{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.is_file(), "no {} after the build", binary.display());
        binary
    }

    pub(crate) fn new(data_dir: PathBuf) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("no free port on loopback");
        Server {
            binary: Server::build(),
            data_dir,
            port,
            child: None,
        }
    }

    pub(crate) fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One admin command on the server's data directory, with `stdin` as its input.
    pub(crate) fn admin(&self, args: &[&str], stdin: &str) {
        use std::io::Write;
        let mut child = Command::new(&self.binary)
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("holdfast-server runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin written");
        let output = child.wait_with_output().expect("holdfast-server ends");
        assert!(
            output.status.success(),
            "holdfast-server {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Serves on the port and waits until it accepts connections.
    pub(crate) async fn start(&mut self) {
        assert!(self.child.is_none(), "the server already runs");
        let listen = format!("127.0.0.1:{}", self.port);
        let child = Command::new(&self.binary)
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(&self.data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("holdfast-server serve runs");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("holdfast-server serve exited: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "holdfast-server did not listen on {listen}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the server: to the desks it is simply gone, as when the network drops.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The sync line at the foot of the rail ("Online · 2 pending").
const FOOTER: &str = "//nav[@aria-label='Screens']//footer//*[@role='status']";

/// Waits until the rail's sync line satisfies `wanted` (described as `what`), and returns it.
pub(crate) async fn footer_until(
    app: &App,
    what: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<String, Failure> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        if let Some(line) = app.client.find_all(Locator::XPath(FOOTER)).await?.first() {
            last = text_of(line).await?;
            if wanted(&last) {
                return Ok(last);
            }
        }
        if started.elapsed() > SYNC_WAIT {
            return Err(format!("the sync line never shows {what}; it shows {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The number of changes the sync line says are waiting for the server (0 when it names none).
pub(crate) fn pending(line: &str) -> usize {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .find(|pair| pair[1] == "pending")
        .and_then(|pair| pair[0].parse().ok())
        .unwrap_or(0)
}

/// Online with nothing waiting: everything done here has been accepted by the server.
pub(crate) async fn synced(app: &App) -> Result<String, Failure> {
    footer_until(app, "Online with nothing pending", |line| {
        line.starts_with("Online") && !line.contains("pending")
    })
    .await
}

/// "Sync now" from the command palette (Ctrl+K), as a person forces a round.
pub(crate) async fn sync_now(app: &App) -> Outcome {
    app.press_ctrl('k').await?;
    app.named("Command palette").await?;
    app.named("Command").await?.send_keys("Sync now").await?;
    app.client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//*[@role='dialog'][@aria-label='Command palette']//*[@role='option'][@aria-label='Sync now' and not(@aria-disabled='true')]",
        ))
        .await?
        .click()
        .await?;
    Ok(())
}

/// The first-start screen's "Join your team's server": signs in and waits for the desk.
pub(crate) async fn join(app: &App, server: &str, user: &str, password: &str) -> Outcome {
    app.heading("Set up this profile").await?;
    app.named("Join your team's server").await?;
    app.field("Server address").await?.send_keys(server).await?;
    app.field("Organisation")
        .await?
        .send_keys(ORGANISATION)
        .await?;
    app.field("User name").await?.send_keys(user).await?;
    app.field("Password").await?.send_keys(password).await?;
    app.click("Sign in").await?;
    app.heading("Inbox").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_escalation_made_offline_reaches_the_csm_on_another_desk() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile_a = workspace.path().join("profile-amy");
    let profile_b = workspace.path().join("profile-carla");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/wootrecruit.toml");

    // The team's server: the organisation, its two people, and the procedure it follows.
    let mut server = Server::new(workspace.path().join("server-data"));
    server.admin(&["org", "create", ORGANISATION], "");
    server.admin(
        &[
            "user",
            "add",
            ORGANISATION,
            "amy",
            "--role",
            "account_manager",
        ],
        &format!("{AMY_PASSWORD}\n"),
    );
    server.admin(
        &["user", "add", ORGANISATION, "carla", "--role", "csm"],
        &format!("{CARLA_PASSWORD}\n"),
    );
    server.admin(
        &[
            "policy",
            "publish",
            ORGANISATION,
            &policy.display().to_string(),
        ],
        "",
    );
    server.start().await;
    let address = server.address();

    let amy = App::launch(&profile_a).await;
    let amy = amy
        .run_scenario("team-sync-amy", async |app: &App| {
            join(app, &address, "amy", AMY_PASSWORD).await?;
            // The desk's procedure is the one the server published.
            app.click("Policy").await?;
            app.text("A cancellation is finalized only after the reason for leaving is recorded, the cancellation request form has been received")
                .await?;
            app.text("The requester's identity is verified first").await?;
            footer_until(app, "Online", |line| line.starts_with("Online")).await?;

            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            sync_now(app).await?;
            synced(app).await?;

            // The server goes away; Amy keeps working.
            server.stop();
            open_case(app, "quillfeather", ACCOUNT).await?;
            acknowledge(app).await?;
            // The acknowledgement waits for the server, but the first response went out: the
            // inbox's SLA clock stops now, not when the server confirms it.
            let started = Instant::now();
            loop {
                let row = text_of(&app.row("Cases", ACCOUNT).await?).await?;
                if row.ends_with(" met") {
                    break;
                }
                ensure!(
                    started.elapsed() < Duration::from_secs(10),
                    "the first response is met while offline: {row}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            verify_identity(app, "gil@quillfeather.io", "Reply from the address on file").await?;
            send_and_receive_form(app).await?;
            record_reason_and_route(app).await?;
            escalate_to(app, "carla").await?;
            app.list_item("Timeline", "Escalated").await?;
            // The procedure's checklist item before the cancellation; the CSM's outcome is all
            // that will be missing.
            confirm_items(
                app,
                &["Cancellation processed in the system"],
                "Closed in the admin console",
                "amy",
            )
            .await?;
            app.list_item("Blocking finalization", "customer success manager")
                .await?;
            let blockers = app
                .client
                .find_all(Locator::XPath(
                    "//ul[@aria-label='Blocking finalization']/li",
                ))
                .await?;
            ensure!(
                blockers.len() == 1,
                "only the CSM's outcome blocks the finalization: {} blockers",
                blockers.len()
            );

            // The next attempt finds no server: the work waits on this desk.
            sync_now(app).await?;
            let offline = footer_until(app, "Offline with changes pending", |line| {
                line.starts_with("Offline") && pending(line) > 0
            })
            .await?;
            ensure!(
                pending(&offline) >= 5,
                "the case, its acknowledgement, verification, form and escalation wait: {offline}"
            );
            app.screenshot("review-team-sync-amy-offline").await;

            // The server is back (same data, same address): the waiting work goes out.
            server.start().await;
            sync_now(app).await?;
            synced(app).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");

    // A second desk, on a second profile, while Amy's still runs.
    let carla = App::launch(&profile_b).await;
    let carla = carla
        .run_scenario("team-sync-carla", async |app: &App| {
            join(app, &address, "carla", CARLA_PASSWORD).await?;
            synced(app).await?;
            app.click("Escalations").await?;
            app.heading("Escalations").await?;
            app.row("Escalations list", ACCOUNT).await?;
            app.click(&format!("Open the case of {ACCOUNT}")).await?;
            app.heading(ACCOUNT).await?;
            app.text("Customer success manager: carla").await?;
            let escalated = app.list_item("Timeline", "Escalated").await?;
            let line = text_of(&escalated).await?;
            ensure!(
                line.contains("by amy") && line.contains("policy wootrecruit@1"),
                "the escalation is Amy's, under the published policy: {line}"
            );
            app.screenshot("review-team-sync-carla-escalation").await;

            // Carla's last attempt fails; her outcome, with her note, goes back to the team.
            csm_still_cancelling(app, CARLA_NOTE).await?;
            sync_now(app).await?;
            synced(app).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");

    let amy = amy
        .run_scenario("team-sync-amy-sees-the-outcome", async |app: &App| {
            sync_now(app).await?;
            synced(app).await?;
            // Nothing blocks finalization any more: the case is in the finalization queue,
            // and its timeline (read again as the inbox is shown) has Carla's outcome.
            app.click("Finalizations").await?;
            app.heading("Finalizations").await?;
            app.row("Finalizations list", ACCOUNT).await?;
            app.click(&format!("Open the case of {ACCOUNT}")).await?;
            app.heading("Inbox").await?;
            app.heading(ACCOUNT).await?;
            let outcome = app.list_item("Timeline", "CSM outcome recorded").await?;
            let line = text_of(&outcome).await?;
            ensure!(
                line.contains("by carla"),
                "Carla's outcome on Amy's desk: {line}"
            );
            Ok(())
        })
        .await
        .expect("scenario passed");
    amy.screenshot("review-team-sync-amy").await;
    carla.screenshot("review-team-sync-carla").await;
    carla.quit().await;
    amy.quit().await;
    server.stop();

    // Carla's encrypted database holds Amy's escalation as the server ordered it.
    let events = stored_events(&profile_b);
    let escalated = only_event(&events, "escalated");
    assert_eq!(escalated.payload["csm"], "carla", "{escalated:?}");
    assert_eq!(escalated.actor, "amy", "{escalated:?}");
    assert_eq!(escalated.policy_version, "wootrecruit@1", "{escalated:?}");
    let outcome = only_event(&events, "csm_outcome_recorded");
    assert_eq!(outcome.actor, "carla", "{outcome:?}");
    assert_eq!(outcome.payload["retained"], false, "{outcome:?}");
    assert_eq!(outcome.payload["note"], CARLA_NOTE, "{outcome:?}");
    // And Amy's holds Carla's outcome.
    let events = stored_events(&profile_a);
    let outcome = only_event(&events, "csm_outcome_recorded");
    assert_eq!(outcome.actor, "carla", "{outcome:?}");
}
