//! The audit trail as a person checks it: after real commands at the real clock's instants and a
//! change of the user's own name and roles (recorded as `user_changed`, the same person by their
//! stable id), Settings says the chain is intact with the number of events; after someone edits
//! an event in the database behind the desk's back, "Verify now" shows the chain broken at that
//! event.

use crate::desk::{acknowledge, open_case, rename_self};
use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_with_roles, write_csv, GOOD_CSV};
use crate::store_check::{events_of, open_store, stored_events};

#[tokio::test(flavor = "multi_thread")]
async fn settings_verifies_the_audit_trail_and_shows_a_broken_one() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("audit-trail", async |app: &App| {
            set_up_profile_with_roles(app, &["Account manager"]).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "quillfeather", "Quillfeather Health").await?;
            acknowledge(app).await?;

            let trail = stored_events(&profile);
            let case: Vec<&str> = trail
                .iter()
                .filter(|e| e.kind != "user_changed")
                .map(|e| e.kind.as_str())
                .collect();
            ensure!(
                case == ["received", "message_sent", "acknowledged"],
                "the case received and acknowledged by its message (an import records no event \
                 on a local profile): {case:?}"
            );
            let setup = events_of(&trail, "user_changed");
            ensure!(
                setup.len() == 1,
                "the first start records who uses the desk: {setup:?}"
            );
            let amy = setup[0].actor_id.clone();

            // Amy corrects her name and takes the billing role: the same person, recorded.
            rename_self(app, "Amy Accountant", &["Account manager", "Billing"]).await?;
            let trail = stored_events(&profile);
            let changes = events_of(&trail, "user_changed");
            ensure!(changes.len() == 2, "the rename is recorded: {changes:?}");
            let renamed = changes[1];
            ensure!(
                renamed.actor_id == amy
                    && renamed.payload["user_id"] == amy.as_str()
                    && renamed.payload["before"]["name"] == "Amy Account"
                    && renamed.payload["after"]["name"] == "Amy Accountant"
                    && renamed.payload["before"]["roles"] == serde_json::json!(["account_manager"])
                    && renamed.payload["after"]["roles"]
                        .as_array()
                        .is_some_and(|roles| roles.len() == 2
                            && roles.contains(&serde_json::json!("billing"))),
                "the rename is recorded by Amy herself, before and after: {renamed:?}"
            );
            // What she did before is still hers: events name her stable id, not her old name.
            let acknowledged = trail
                .iter()
                .find(|e| e.kind == "acknowledged")
                .expect("acknowledged");
            ensure!(
                acknowledged.actor_id == amy && acknowledged.actor == "Amy Accountant",
                "the acknowledgement is still Amy's: {acknowledged:?}"
            );

            let events = trail.len();
            app.click("Verify now").await?;
            let started = std::time::Instant::now();
            let shown = loop {
                let shown = text_of(&app.test_id("audit-verdict").await?).await?;
                if shown.starts_with(&format!("Intact · {events} events · verified")) {
                    break shown;
                }
                ensure!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "Settings says the untouched trail of {events} events is intact: {shown}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            };
            ensure!(shown.contains("Intact"), "{shown}");
            app.screenshot("audit-trail-intact").await;

            // Someone with the key edits who acknowledged the case, outside Holdfast.
            let changed = open_store(&profile)
                .execute(
                    "UPDATE events SET actor = 'mallory' WHERE kind = 'acknowledged'",
                    [],
                )
                .expect("tampered");
            ensure!(changed == 1, "one event edited");
            let seq: i64 = open_store(&profile)
                .query_row(
                    "SELECT seq FROM events WHERE kind = 'acknowledged'",
                    [],
                    |row| row.get(0),
                )
                .expect("the edited event");
            app.click("Verify now").await?;
            let alert = app
                .role_with_text(
                    "alert",
                    &format!("The audit trail is broken at event {seq}."),
                )
                .await?;
            let shown = text_of(&alert).await?;
            ensure!(
                shown.contains(&format!("{events} events in the log")),
                "the broken verdict says how much the log holds: {shown}"
            );
            app.screenshot("audit-trail-broken").await;
            Ok(())
        })
        .await;
    if let Some(app) = app {
        app.quit().await;
    }
}
