//! The first slice through every layer: import accounts from a CSV through the window, open a
//! case, restart the app and find it again; and a bad file that imports nothing.

use std::path::Path;

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{text_of, App, Outcome};

pub const GOOD_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep
A-1,Acme Corp,Ana Silva,ana@acme.io,+1 555 010 2030,email,Professional,us-east-1,Pro,\"1,234.50\",USD,2021-03-04,\"45,000.00\",0,Rob Reyes
A-2,Beta Industries,Bo Chen,bo@beta.io,+1 555 010 9999,phone,Essentials,eu-west-1,Starter,49,EUR,2023-01-10,588,0,
A-3,Quillfeather Health,Gil Moreau,gil@quillfeather.io,,email,SMB,us-east-1,Enterprise,\"12,000\",USD,2019-06-01,\"420,000.00\",\"2,500.00\",Rita Ng
";

const BAD_CSV: &str = "\
external_id,name,contact_name,email,phone,preferred_channel,tier,hosting_server,plan,mrr,currency,customer_since,total_collected,accounts_receivable,original_sales_rep
B-1,Fine Account,,fine@example.com,,email,Pro,,,10,USD,,,,
B-2,Broken Mail,,not-an-email,,email,Pro,,,10,USD,,,,
B-3,Broken Money,,money@example.com,,email,Pro,,,12.345,USD,,,,
";

pub fn write_csv(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("cannot write the test CSV");
    path.display().to_string()
}

/// The first start of a profile: who uses it and which procedure it follows.
pub async fn set_up_profile(app: &App) -> Outcome {
    set_up_profile_with_roles(app, &["Account manager"]).await
}

pub async fn set_up_profile_with_roles(app: &App, roles: &[&str]) -> Outcome {
    set_up_profile_for(app, roles, "WootRecruit subscription cancellation").await
}

pub async fn set_up_profile_for(app: &App, roles: &[&str], procedure: &str) -> Outcome {
    app.heading("Set up this profile").await?;
    app.field("Your name")
        .await?
        .send_keys("Amy Account")
        .await?;
    for role in roles {
        app.choice(role).await?.click().await?;
    }
    app.choice(procedure).await?.click().await?;
    app.click("Start").await?;
    app.heading("Inbox").await?;
    Ok(())
}

/// Opens the Accounts screen and previews the file: nothing is written yet.
pub async fn preview(app: &App, path: &str) -> Outcome {
    app.click("Accounts").await?;
    app.heading("Accounts").await?;
    // With no accounts yet the import form is already open.
    app.field("CSV or XLSX file").await?.send_keys(path).await?;
    app.click("Preview").await?;
    Ok(())
}

/// Previews the file, then imports it with the preview's "Import N accounts".
pub async fn import(app: &App, path: &str) -> Outcome {
    preview(app, path).await?;
    app.client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//form[@aria-label='Import accounts']//button[starts-with(normalize-space(.), 'Import ')]",
        ))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_a_csv_opens_a_case_and_finds_it_after_a_restart() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("import-and-open-case", async |app: &App| {
            set_up_profile(app).await?;
            app.text("No cancellation requests yet.").await?;
            preview(app, &csv).await?;
            app.role_with_text(
                "status",
                "The file has 3 accounts: 3 new, 0 updated, 0 unchanged.",
            )
            .await?;
            app.rows_exactly("Accounts in the file", 3).await?;
            app.screenshot("import-preview").await;
            // The preview wrote nothing.
            app.text("No accounts yet.").await?;
            app.click("Import 3 accounts").await?;
            app.role_with_text("status", "Imported: 3 new, 0 updated, 0 unchanged.")
                .await?;
            app.rows_exactly("Account list", 3).await?;

            app.field("Search accounts")
                .await?
                .send_keys("quillfeather")
                .await?;
            // The list narrows to the one match before it is clicked, so the click hits a live row.
            let rows = app.rows_exactly("Account list", 1).await?;
            ensure!(
                text_of(&rows[0]).await?.contains("Quillfeather Health"),
                "the search found the wrong account"
            );
            // A row is chosen by clicking its first cell, as a person clicks the account's name.
            rows[0].find(Locator::Css("td")).await?.click().await?;
            app.heading("Quillfeather Health").await?;
            app.text("2,500.00").await?;
            let requester = app.field("Requester name").await?;
            ensure!(
                requester.prop("value").await?.as_deref() == Some("Gil Moreau"),
                "the requester should start as the contact on file"
            );
            app.click("Open case").await?;

            app.heading("Inbox").await?;
            let case = app.row("Cases", "Quillfeather Health").await?;
            let text = text_of(&case).await?;
            ensure!(
                text.contains("Gil Moreau"),
                "the case row shows the requester: {text}"
            );
            ensure!(
                text.to_lowercase().contains("received"),
                "the case row shows its status: {text}"
            );

            // The account's page lists the case in its history and opens it in the inbox.
            app.click("Accounts").await?;
            app.row("Account list", "Quillfeather Health")
                .await?
                .find(Locator::Css("td"))
                .await?
                .click()
                .await?;
            app.heading("Quillfeather Health").await?;
            let history = app
                .list_item("Cases of this account", "from Gil Moreau")
                .await?;
            let line = text_of(&history).await?;
            ensure!(line.starts_with("Received"), "history line: {line}");
            app.screenshot("account-page").await;
            history
                .find(Locator::XPath(
                    ".//button[normalize-space(.)='Show in inbox']",
                ))
                .await?
                .click()
                .await?;
            app.heading("Inbox").await?;
            app.heading("Quillfeather Health").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    // The database on disk holds no customer name in clear, and its key is in the Secret Service.
    // Every file of the profile, the webview's own storage included.
    let mut folders = vec![profile.clone()];
    let mut files_read = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("profile folder") {
            let path = entry.expect("profile entry").path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            // The app's last files (the WAL's shared memory, webview caches) may be removed
            // between listing and reading; a file that is gone holds nothing.
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => panic!("profile file {}: {error}", path.display()),
            };
            files_read += 1;
            assert!(
                !bytes
                    .windows(b"Quillfeather".len())
                    .any(|w| w == b"Quillfeather"),
                "{} holds a customer name in clear",
                path.display()
            );
        }
    }
    assert!(files_read >= 2, "the profile holds no files");
    let canonical = profile.canonicalize().expect("profile path");
    let lookup = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", "app.holdfast.desk"])
        .output()
        .expect("secret-tool (Debian package libsecret-tools) runs");
    let found = String::from_utf8_lossy(&lookup.stdout).to_string()
        + &String::from_utf8_lossy(&lookup.stderr);
    assert!(
        found.contains(&format!("database-key:{}", canonical.display())),
        "the profile's key is not in the Secret Service: {found}"
    );

    // The case was received through the case engine: its event is in the audit trail, under the
    // chosen policy and the local user. The key comes from the Secret Service, as the app's does.
    // Before it, only the first start's record of who uses the desk.
    let events = crate::store_check::stored_events(&profile);
    let first = events
        .iter()
        .find(|e| e.kind != "user_changed")
        .expect("the case's first event is recorded");
    assert_eq!(
        (
            first.kind.as_str(),
            first.actor.as_str(),
            first.policy_version.as_str()
        ),
        ("received", "Amy Account", "wootrecruit@1")
    );
    let setup = crate::store_check::only_event(&events, "user_changed");
    assert_eq!(setup.actor_id, first.actor_id, "the same person, by id");

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("case-survives-restart", async |app: &App| {
            app.heading("Inbox").await?;
            let case = app.row("Cases", "Quillfeather Health").await?;
            ensure!(
                text_of(&case).await?.contains("Gil Moreau"),
                "the case came back whole"
            );
            app.heading("Quillfeather Health").await?;
            // The timeline comes from the audit trail: who received it, under which policy.
            let received = app.list_item("Timeline", "by Amy Account").await?;
            let line = text_of(&received).await?;
            ensure!(
                line.starts_with("Received") && line.contains("policy wootrecruit@1"),
                "timeline line: {line}"
            );
            // The procedure chosen at first start, read back as sentences.
            app.click("Policy").await?;
            app.text("A cancellation is finalized only after").await?;
            app.text("the cancellation request form has been received")
                .await?;
            app.screenshot("policy").await;
            app.click("Inbox").await?;
            app.row("Cases", "Quillfeather Health").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("inbox-after-restart").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_with_bad_rows_imports_nothing_and_lists_every_bad_line() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "bad.csv", BAD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("bad-csv", async |app: &App| {
            set_up_profile(app).await?;
            preview(app, &csv).await?;
            app.role_with_text("alert", "2 rows cannot be imported; nothing was imported.")
                .await?;
            // A file with a bad row offers no import.
            ensure!(
                app.client
                    .find_all(Locator::XPath(
                        "//button[starts-with(normalize-space(.), 'Import ') and contains(., 'account') and not(contains(., '…'))]",
                    ))
                    .await?
                    .is_empty(),
                "a bad file offered an import button"
            );
            let problems = app.rows("Rows that cannot be imported").await?;
            ensure!(
                problems.len() == 2,
                "expected 2 bad rows, found {}",
                problems.len()
            );
            let first = text_of(&problems[0]).await?;
            let second = text_of(&problems[1]).await?;
            ensure!(
                first.starts_with('3') && first.contains("not-an-email"),
                "line 3 first: {first}"
            );
            ensure!(
                second.starts_with('4') && second.contains("12.345"),
                "line 4 second: {second}"
            );
            app.text("No accounts yet.").await?;
            // What was typed is still there to fix and retry.
            let path = app.field("CSV or XLSX file").await?.prop("value").await?;
            ensure!(
                path.as_deref() == Some(csv.as_str()),
                "the path was kept: {path:?}"
            );
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("bad-csv").await;
    app.quit().await;
}
