//! The Billsbee procedure (policies/billsbee.toml) walked through the window: a client with
//! unpaid invoices asks to cancel; the account manager verifies them by calling back, routes the
//! case to a manager's retention attempt, logs the request in the cancellation sheet and writes
//! off the unpaid invoices, but may not finalize (only managers may; the desk says so); a manager
//! records the retention outcome and finalizes. Then the audit trail is read back from the
//! encrypted database.

use fantoccini::Locator;

use crate::desk::{case_row_text, open_case, show_case, switch_user, verify_identity};
use crate::ensure;
use crate::harness::App;
use crate::import_and_cases::{import, set_up_profile_for, write_csv};
use crate::store_check::{only_event, stored_events};

const PROCEDURE: &str = "Billsbee client cancellation requests";

/// One client with two unpaid invoices, in the accounts export's columns.
const BILLSBEE_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep,Unpaid invoices
B-1,Bramble Dental,Dana Bramble,dana@brambledental.com,+1 555 010 4242,phone,Standard,,Growth,450,USD,2022-05-01,\"10,800.00\",900.00,,2
";

#[tokio::test(flavor = "multi_thread")]
async fn a_billsbee_cancellation_is_logged_written_off_and_finalized_by_a_manager() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", BILLSBEE_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("billsbee-path", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 1 new").await?;
            open_case(app, "bramble", "Bramble Dental").await?;

            app.click("Acknowledge").await?;
            app.list_item("Timeline", "Acknowledged").await?;
            // The only method this policy allows: a call back to the phone on file.
            let method = app.field("Method").await?;
            let methods = method.find_all(Locator::XPath("./option")).await?;
            ensure!(
                methods.len() == 1
                    && methods[0].prop("textContent").await?.as_deref()
                        == Some("Call back to the phone on file"),
                "the method list offers only the call back"
            );
            verify_identity(
                app,
                "+1 555 010 4242",
                "Called back; Dana confirmed the request",
            )
            .await?;

            // Retention is a manager's: the account manager routes the case and cannot record it.
            app.click("Route case").await?;
            app.text("Retention by a manager").await?;
            app.text("only a manager may record the outcome of the save call or retention attempt")
                .await?;
            ensure!(
                !app.button_in("Retention outcome", "Still cancelling")
                    .await?
                    .is_enabled()
                    .await?,
                "an account manager can record the retention outcome"
            );

            app.click("Log request in the cancellation sheet").await?;
            app.text("Logged in the cancellation sheet.").await?;

            // Billsbee cannot suspend a client with unpaid invoices: they are written off first.
            app.list_item(
                "Blocking finalization",
                "unpaid invoices must be written off first",
            )
            .await?;
            app.text("2 unpaid invoices on the account").await?;
            app.field("Invoices").await?.send_keys("2").await?;
            app.field("Amount written off (USD)")
                .await?
                .send_keys("900.00")
                .await?;
            app.click("Write off invoices").await?;
            app.text("2 unpaid invoices on the account, 2 written off")
                .await?;

            // Nothing blocks the cancellation any more, but only a manager may finalize it.
            app.field("Effective date")
                .await?
                .send_keys("2026-11-30")
                .await?;
            app.text("only a manager may finalize the cancellation")
                .await?;
            ensure!(
                app.client
                    .find_all(Locator::XPath("//*[@aria-label='Blocking finalization']"))
                    .await?
                    .is_empty(),
                "something still blocks finalization"
            );
            ensure!(
                !app.button("Finalize cancellation")
                    .await?
                    .is_enabled()
                    .await?,
                "an account manager can finalize"
            );

            // A manager finds it ready, tries to keep the client, and finalizes.
            switch_user(app, "Mia Manager", &["Manager"]).await?;
            app.click("Finalizations").await?;
            app.row("Finalizations list", "Bramble Dental").await?;
            show_case(app, "Bramble Dental").await?;
            app.field("Outcome note")
                .await?
                .send_keys("Offered a pause; Dana is closing the practice")
                .await?;
            app.button_in("Retention outcome", "Still cancelling")
                .await?
                .click()
                .await?;
            app.list_item("Timeline", "Retention outcome recorded")
                .await?;
            app.field("Effective date")
                .await?
                .send_keys("2026-11-30")
                .await?;
            app.click("Finalize cancellation").await?;
            app.text("Cancellation finalized, effective 2026-11-30")
                .await?;
            let row = case_row_text(app, "Bramble Dental").await?;
            ensure!(
                row.to_lowercase().starts_with("cancelled"),
                "the case is cancelled: {row}"
            );
            // Confirmed by phone, as the client prefers.
            let channel = app.field("Channel").await?;
            ensure!(
                channel.prop("value").await?.as_deref() == Some("phone"),
                "the confirmation starts on the preferred channel"
            );
            app.click("Confirm cancellation").await?;
            app.text("Cancellation confirmed to the customer by Phone")
                .await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("billsbee-finalized").await;
    app.quit().await;

    let events = stored_events(&profile);
    for event in &events {
        assert_eq!(event.policy_version, "billsbee@1", "{event:?}");
    }
    let verified = only_event(&events, "identity_verified");
    assert_eq!(
        verified.payload["method"], "callback_to_phone_on_file",
        "{verified:?}"
    );
    let routed = only_event(&events, "routed");
    assert_eq!(routed.payload["route"], "manager_retention", "{routed:?}");
    let logged = only_event(&events, "request_logged");
    assert_eq!(logged.actor, "Amy Account", "{logged:?}");
    let written_off = only_event(&events, "invoices_written_off");
    assert_eq!(written_off.actor, "Amy Account", "{written_off:?}");
    assert_eq!(written_off.payload["invoices"], 2, "{written_off:?}");
    assert_eq!(
        written_off.payload["amount"]["minor"], 90_000,
        "{written_off:?}"
    );
    assert_eq!(written_off.payload["amount"]["currency"], "USD");
    let outcome = only_event(&events, "retention_outcome_recorded");
    assert_eq!(outcome.actor, "Mia Manager", "{outcome:?}");
    assert_eq!(outcome.payload["retained"], false, "{outcome:?}");
    let finalized = only_event(&events, "finalized");
    assert_eq!(finalized.actor, "Mia Manager", "{finalized:?}");
    assert_eq!(
        finalized.payload["effective_date"], "2026-11-30",
        "{finalized:?}"
    );
    let confirmed = only_event(&events, "cancellation_confirmed");
    assert_eq!(confirmed.payload["channel"], "phone", "{confirmed:?}");
    // The sheet and the write-off came before the suspension, as the policy's gates require.
    let position = |kind: &str| events.iter().position(|e| e.kind == kind).unwrap();
    assert!(
        position("request_logged") < position("finalized")
            && position("invoices_written_off") < position("finalized"),
        "the trail is out of order"
    );
}
