//! Heads-ups that arrive (issue 16), on a profile of its own: a manager configures a signed
//! webhook for received requests in Settings by keyboard (typing, Tab between the controls, Space
//! to tick the event, Enter on "Save heads-up"), a request is received, and a real receiver on
//! loopback, started by this test with the same secret, gets the signed payload once (it refuses
//! a bad signature); Settings' delivery log shows it delivered. Then the endpoint is removed.

use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use holdfast_sync::heads_up_receiver::Receiver;

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_with_roles, write_csv, GOOD_CSV};

const SECRET: &str = "e2e-signing-secret-0123456789";

/// What the focused control is called: its aria-label, its label's text, or its own text.
async fn focused(app: &App) -> Result<String, fantoccini::error::CmdError> {
    let name = app
        .client
        .execute(
            "const el = document.activeElement;
             if (!el || el === document.body) return '';
             const own = el.getAttribute('aria-label');
             if (own) return own.trim();
             if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
             return (el.innerText || el.textContent || '').trim();",
            vec![],
        )
        .await?;
    Ok(name.as_str().unwrap_or_default().to_owned())
}

/// Presses Tab until the cursor is on the control called `name` (at most `most` times).
async fn tab_to(app: &App, name: &str, most: usize) -> Outcome {
    for _ in 0..most {
        if focused(app).await?.starts_with(name) {
            return Ok(());
        }
        app.press(Key::Tab).await?;
    }
    let now = focused(app).await?;
    ensure!(
        now.starts_with(name),
        "Tab never reached {name:?}; on {now:?}"
    );
    Ok(())
}

/// Types `text` where the cursor is, key by key.
async fn type_here(app: &App, text: &str) -> Outcome {
    let mut keys = KeyActions::new("keyboard".into());
    for c in text.chars() {
        keys = keys
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    app.client.perform_actions(keys).await.map_err(Into::into)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_configured_in_settings_by_keyboard_arrives_signed_and_is_logged() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let receiver = Receiver::start(Some(SECRET.as_bytes()))
        .await
        .expect("a receiver on loopback");
    let url = receiver.url();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("heads-ups", async |app: &App| {
            set_up_profile_with_roles(app, &["Account manager", "Manager"]).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;

            // Settings by its shortcut, then the form by keyboard alone.
            app.press(Key::Escape).await?;
            type_here(app, "gs").await?;
            app.heading("Heads-ups").await?;
            app.field("Name").await?.send_keys("crm").await?;
            app.press(Key::Tab).await?;
            ensure!(
                focused(app).await?.starts_with("Endpoint URL"),
                "Tab goes from the name to the URL"
            );
            type_here(app, &url).await?;
            // The format's radio group (signed, as it starts), then the secret.
            tab_to(app, "Signing secret", 3).await?;
            type_here(app, SECRET).await?;
            tab_to(app, "Cancellation request received", 3).await?;
            app.press(Key::Space).await?;
            tab_to(app, "Save heads-up", 12).await?;
            app.press(Key::Enter).await?;
            app.role_with_text("status", "Saved: crm is sent 1 kind of event.")
                .await?;
            app.list_item("Heads-up endpoints", "crm").await?;
            app.text("Nothing sent yet.").await?;

            // A request is received: the desk's loop sends the heads-up.
            open_case(app, "quillfeather", "Quillfeather Health").await?;
            let started = Instant::now();
            while receiver.received().is_empty() {
                ensure!(
                    started.elapsed() < Duration::from_secs(30),
                    "the receiver got nothing (attempts: {:?})",
                    receiver.attempts()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let received = receiver.received();
            ensure!(received.len() == 1, "one heads-up: {received:?}");
            ensure!(receiver.bad_signatures() == 0, "the signature verified");
            let body: serde_json::Value =
                serde_json::from_str(&received[0].body).map_err(|e| e.to_string())?;
            ensure!(
                body["kind"] == "received"
                    && body["account_external_id"] == "A-3"
                    && body["recorded_by"] == "Amy Account",
                "the payload: {body}"
            );
            ensure!(
                !received[0].body.contains("Gil Moreau")
                    && !received[0].body.contains("quillfeather.io"),
                "no personal data in the payload: {}",
                received[0].body
            );

            // The log shows it delivered, at the size the desk is used at.
            app.press(Key::Escape).await?;
            type_here(app, "gs").await?;
            app.heading("Heads-ups").await?;
            let started = Instant::now();
            loop {
                let shown = text_of(&app.row("Heads-up deliveries", "crm").await?).await?;
                if shown.contains("Delivered") {
                    ensure!(
                        shown.contains("Cancellation request received"),
                        "the row names the event: {shown}"
                    );
                    break;
                }
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "the log shows the delivery delivered: {shown}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            app.set_window_size(1024, 640).await?;
            crate::review_screenshots::wait_for_width(app, 1024).await?;
            app.client
                .execute(
                    "document.getElementById('settings-heads-ups').scrollIntoView()",
                    vec![],
                )
                .await?;
            app.screenshot("heads-ups-settings-1024").await;

            app.click("Remove crm").await?;
            app.role_with_text("status", "Removed crm.").await?;
            Ok(())
        })
        .await;
    if let Some(app) = app {
        app.quit().await;
    }
    assert_eq!(receiver.received().len(), 1, "delivered once");
}
