//! The command palette opens exactly what was chosen: an account chosen among others (by mouse
//! and by keyboard) is the account shown, never the first one of the list.

use fantoccini::key::Key;
use fantoccini::Locator;

use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile, write_csv, GOOD_CSV};

/// The account the Accounts screen shows beside its list.
async fn shown_account(app: &App, name: &str) -> Outcome {
    let details = app.named("Account details").await?;
    let heading = details
        .find(Locator::XPath(&format!(
            ".//h1[normalize-space(.)='{name}']"
        )))
        .await?;
    ensure!(
        text_of(&heading).await? == name,
        "the account shown is not {name}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_palette_opens_the_account_chosen_not_the_first_one() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("palette-account", async |app: &App| {
            set_up_profile(app).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            app.click("Inbox").await?;
            app.heading("Inbox").await?;

            // By mouse: Beta Industries, the second of three accounts.
            app.press_ctrl('k').await?;
            app.named("Command").await?.send_keys("Beta").await?;
            app.named("Beta Industries").await?.click().await?;
            app.heading("Accounts").await?;
            shown_account(app, "Beta Industries").await?;

            // By keyboard from another screen: Quillfeather Health, the last one.
            app.click("Inbox").await?;
            app.heading("Inbox").await?;
            app.press_ctrl('k').await?;
            app.named("Command")
                .await?
                .send_keys("Quillfeather")
                .await?;
            app.named("Quillfeather Health").await?;
            app.press(Key::Enter).await?;
            app.heading("Accounts").await?;
            shown_account(app, "Quillfeather Health").await?;
            app.screenshot("palette-account-chosen").await;

            // The rail's Accounts opens the list as usual afterwards.
            app.click("Inbox").await?;
            app.click("Accounts").await?;
            shown_account(app, "Acme Corp").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}
