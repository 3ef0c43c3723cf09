//! The audit trail as a person checks it: after real commands at the real clock's instants,
//! Settings says the chain is intact with the number of events; after someone edits an event in
//! the database behind the desk's back, "Verify now" shows the chain broken at that event.

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_with_roles, write_csv, GOOD_CSV};
use crate::store_check::{open_store, stored_events};

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
            app.click("Acknowledge").await?;
            app.list_item("Timeline", "Acknowledged").await?;

            let events = stored_events(&profile).len();
            ensure!(
                events == 2,
                "the case received and acknowledged (an import records no event on a local \
                 profile): {events}"
            );
            app.click("Settings").await?;
            app.heading("Settings").await?;
            let verdict = app.test_id("audit-verdict").await?;
            let shown = text_of(&verdict).await?;
            ensure!(
                shown.starts_with(&format!("Intact · {events} events · verified")),
                "Settings says the untouched trail is intact: {shown}"
            );
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
