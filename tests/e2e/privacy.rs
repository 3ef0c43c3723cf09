//! A customer's data on their request (issue 14), through the window as a manager would do it on a
//! Billsbee profile: on the account's page, everything held about the client is saved as JSON
//! through the OS save dialog (driven with xdotool, as in `file_dialog.rs`) and read back; the
//! erasure is refused until the external id is typed, then done; the page and the list show the
//! erased client; the readable summary saved afterwards names them nowhere; the database behind
//! the desk holds their name in no row; and Settings still finds the audit trail intact.

use std::time::Duration;

use crate::billsbee::{BILLSBEE_CSV, PROCEDURE};
use crate::desk::open_case;
use crate::ensure;
use crate::file_dialog::save_as;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_for, write_csv};
use crate::store_check::open_store;

const SAVE_DIALOG: &str = "Save this customer's data";
const CLIENT: &str = "Dana Bramble";

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_data_is_saved_then_erased_from_the_account_page() {
    let workspace = tempfile::Builder::new()
        .prefix("holdfast-privacy-")
        .tempdir()
        .expect("temp dir");
    let profile = workspace.path().join("profile");
    let accounts = write_csv(workspace.path(), "accounts.csv", BILLSBEE_CSV);
    let json = workspace.path().join("customer-B-1.json");
    let json_path = json.display().to_string();
    let html = workspace.path().join("customer-B-1.html");
    let html_path = html.display().to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("privacy", async |app: &App| {
            set_up_profile_for(app, &["Manager"], PROCEDURE).await?;
            import(app, &accounts).await?;
            open_case(app, "bramble", "Bramble Dental").await?;

            app.click("Accounts").await?;
            app.heading("Bramble Dental").await?;
            app.heading("Personal data").await?;
            save_as(
                app,
                "Save this customer's data as JSON…",
                SAVE_DIALOG,
                "Personal data",
                &json_path,
            )
            .await?;
            let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
            ensure!(
                saved["format"] == "holdfast-customer-data"
                    && saved["account"]["external_id"] == "B-1"
                    && saved["account"]["email"] == "dana@brambledental.com"
                    && saved["cases"]
                        .as_array()
                        .is_some_and(|cases| cases.len() == 1),
                "the JSON holds the client and their case: {saved}"
            );
            ensure!(
                saved["cases"][0]["events"][0]["kind"] == "received",
                "every recorded step is in it: {saved}"
            );

            app.click("Erase personal data…").await?;
            let confirm = app.field("Type B-1 to confirm").await?;
            let erase = app.button("Erase personal data").await?;
            ensure!(
                erase.attr("disabled").await?.is_some(),
                "the erasure waits for the external id"
            );
            confirm.send_keys("B-1").await?;
            app.click("Erase personal data").await?;
            let said = text_of(&app.role_with_text("status", "Erased:").await?).await?;
            ensure!(
                said.contains("1 case") && said.contains("audit trail are kept"),
                "the desk says what went and what stays: {said}"
            );
            app.heading("(erased)").await?;
            app.text("This customer's personal data was erased.")
                .await?;
            // The new-case form no longer offers the erased contact.
            let requester = app.field("Requester name").await?;
            let offered = requester.prop("value").await?.unwrap_or_default();
            ensure!(offered.is_empty(), "the form still offers {offered:?}");
            app.screenshot("privacy-erased").await;

            save_as(
                app,
                "Save a readable summary…",
                SAVE_DIALOG,
                "Personal data",
                &html_path,
            )
            .await?;
            let summary = std::fs::read_to_string(&html)?;
            ensure!(
                summary.contains("B-1") && summary.contains("(erased)"),
                "the summary still names the account by its id: {summary}"
            );
            for text in [CLIENT, "dana@brambledental.com", "010 4242"] {
                ensure!(!summary.contains(text), "{text} is still in the summary");
            }

            let store = open_store(&profile);
            let rows: i64 = store.query_row(
                "SELECT (SELECT count(*) FROM events WHERE payload LIKE '%Bramble%')
                      + (SELECT count(*) FROM accounts WHERE name LIKE '%Bramble%'
                            OR email IS NOT NULL OR phone IS NOT NULL)
                      + (SELECT count(*) FROM cases WHERE requester_name LIKE '%Bramble%')",
                [],
                |row| row.get(0),
            )?;
            ensure!(rows == 0, "{rows} row(s) still name the client");

            app.click("Settings").await?;
            app.click("Verify now").await?;
            let started = std::time::Instant::now();
            loop {
                let shown = text_of(&app.test_id("audit-verdict").await?).await?;
                if shown.starts_with("Intact") {
                    break;
                }
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "the trail verifies after the erasure: {shown}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(())
        })
        .await
        .expect("the scenario passed");
    app.quit().await;
}
