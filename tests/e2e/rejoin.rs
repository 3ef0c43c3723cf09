//! After a restore (issue 12): a real `holdfast-server` is backed up with `holdfast-server backup
//! --to` while Amy's desk is synced, Amy's acknowledgement reaches it after the backup, the server
//! goes down while she adds a note, and comes back restored from the backup (same key file). Her
//! desk stops syncing and says the server was restored; in Settings she exports her pending work
//! through the OS save dialog (driven on the X display with xdotool, as a keyboard would), the
//! file holds the note and the events the server lost, and "Join again" brings the desk back to
//! syncing: the server's history, and her note sent again on top of it.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;

use crate::desk::{acknowledge, open_case, show_case};
use crate::ensure;
use crate::file_dialog::{dialog_closed, dialog_window, keys_to_dialog};
use crate::harness::App;
use crate::import_and_cases::{import, write_csv, GOOD_CSV};
use crate::team_sync::{
    footer_until, join, pending, sync_now, synced, Server, ACCOUNT, AMY_PASSWORD, ORGANISATION,
};

const DIALOG: &str = "Export pending work";
const NOTE: &str = "Gil called back while the server was down: he wants the invoice first";

/// The server stopped, its database replaced by the backup, and started again, as the README's
/// "Restore" says; the key file beside the data folder stays.
async fn restore(server: &mut Server, backup: &Path) {
    server.stop();
    let database = server.data_dir.join("holdfast-server.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    std::fs::copy(backup, &database).expect("the backup is copied in");
    server.start().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_restore_the_desk_exports_its_pending_work_and_joins_again() {
    // Not a hidden folder: the file dialog takes a path typed into it.
    let workspace = tempfile::Builder::new()
        .prefix("holdfast-rejoin-")
        .tempdir()
        .expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let backup = workspace.path().join("server-backup.db");
    let exported = workspace.path().join("amy-pending-work.json");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/wootrecruit.toml");

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

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("rejoin", async |app: &App| {
            join(app, &address, "amy", AMY_PASSWORD).await?;
            footer_until(app, "Online", |line| line.starts_with("Online")).await?;
            import(app, &csv).await?;
            open_case(app, "quillfeather", ACCOUNT).await?;
            sync_now(app).await?;
            synced(app).await?;

            // The nightly backup, taken while the server runs.
            server.admin(&["backup", "--to", &backup.display().to_string()], "");
            // After it, the acknowledgement reaches the server.
            acknowledge(app).await?;
            sync_now(app).await?;
            synced(app).await?;

            // The server goes down; Amy's note waits on the desk.
            server.stop();
            app.field("New note").await?.send_keys(NOTE).await?;
            app.click("Add note").await?;
            app.list_item("Notes on this case", NOTE).await?;

            // It comes back restored from the backup: the acknowledgement is gone from it.
            restore(&mut server, &backup).await;
            sync_now(app).await?;
            let stopped = footer_until(app, "Stopped", |line| line.starts_with("Stopped")).await?;
            let waiting = pending(&stopped);
            ensure!(waiting >= 1, "the note waits on the desk: {stopped}");

            app.click("Settings").await?;
            app.heading("Team server").await?;
            app.role_with_text("alert", "the server was restored to an earlier point")
                .await?;
            app.text("Not exported yet.").await?;
            app.set_window_size(1024, 640).await?;
            let section = app.heading("Team server").await?;
            app.client
                .execute(
                    "arguments[0].scrollIntoView({block: 'start'});",
                    vec![serde_json::to_value(&section)?],
                )
                .await?;
            crate::review_screenshots::no_sideways_scroll(app).await?;
            app.screenshot("review-rejoin-stopped-1024x640").await;
            app.set_window_size(1280, 800).await?;

            // Export: the save dialog, a path typed into its name field, Return.
            app.click("Export pending work…").await?;
            let window = dialog_window(DIALOG).await?;
            let path = exported.display().to_string();
            keys_to_dialog(
                &window,
                &[&["key", "ctrl+a"], &["type", "--delay", "20", &path]],
            )?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            keys_to_dialog(&window, &[&["key", "Return"]])?;
            dialog_closed(DIALOG, "typing the path").await?;
            let plural = if waiting == 1 { "" } else { "s" };
            app.role_with_text(
                "status",
                &format!("Exported {waiting} pending command{plural} to {path}."),
            )
            .await?;
            let export: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(&exported).map_err(|e| format!("the export: {e}"))?,
            )
            .map_err(|e| format!("the export is not JSON: {e}"))?;
            let commands = export["pending"].as_array().cloned().unwrap_or_default();
            ensure!(
                commands.len() == waiting,
                "the file holds the {waiting} pending commands: {export}"
            );
            ensure!(
                commands
                    .iter()
                    .any(|command| command["command"]["command"]["text"] == NOTE),
                "the note is in the export: {export}"
            );
            let lost = export["events_the_server_lost"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            ensure!(
                lost.iter()
                    .any(|event| event["record"]["kind"] == "acknowledged"
                        || event["record"]["kind"] == "message_recorded"),
                "the acknowledgement the server lost is in the export: {lost:?}"
            );

            // Join again: the desk syncs with the restored server, the note sent again.
            app.click("Join again").await?;
            app.text(&format!("Joined {ORGANISATION} again")).await?;
            synced(app).await?;
            show_case(app, ACCOUNT).await?;
            app.list_item("Notes on this case", NOTE).await?;
            app.list_item("Timeline", "Note added").await?;
            // The acknowledgement the restored server lost is gone from the desk too (it is in
            // the export): the desk holds the server's history.
            let acknowledged = app
                .client
                .find_all(Locator::XPath(
                    "//ul[@aria-label='Timeline']/li[contains(normalize-space(.), 'Acknowledged')]",
                ))
                .await?;
            ensure!(
                acknowledged.is_empty(),
                "the desk shows an acknowledgement the server does not have"
            );
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("review-rejoin-synced").await;
    app.quit().await;
    server.stop();
}
