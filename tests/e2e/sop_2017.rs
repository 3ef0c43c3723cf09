//! The 2017 Account Cancellation and Refunds SOP (policies/account-cancellation-2017.toml) walked
//! through the window by three people: an SMB account whose original sales rep is not on the desk
//! (they left) gets its save call routed to the fallback assignee, Spencer, who finds it in his
//! tasks and records the outcome; a refund above $1000 is requested by the account manager, cannot
//! be verified by the same person even with the billing role, and is verified and completed by
//! someone in billing. Then the audit trail is read back from the encrypted database.

use fantoccini::Locator;

use crate::desk::{case_row_text, open_case, show_case, switch_user, verify_identity};
use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};
use crate::store_check::{only_event, stored_events};

const PROCEDURE: &str = "Account Cancellation and Refunds (2017)";

#[tokio::test(flavor = "multi_thread")]
async fn a_2017_save_call_goes_to_the_fallback_and_a_large_refund_needs_a_second_verifier() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("sop-2017-path", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "quillfeather", "Quillfeather Health").await?;
            app.click("Acknowledge").await?;
            app.list_item("Timeline", "Acknowledged").await?;
            verify_identity(app, "gil@quillfeather.io", "Request came from the address on file").await?;

            // A refund above $1000: under review until someone else verifies it.
            app.field("Refund amount (USD)")
                .await?
                .send_keys("1500.00")
                .await?;
            app.text("it goes under review and someone other than you must verify it")
                .await?;
            app.field("Justification")
                .await?
                .send_keys("Charged twice for June; bank statement attached to the ticket")
                .await?;
            app.click("Request refund").await?;
            let refund = app.list_item("Refunds", "requested by Amy Account").await?;
            let line = text_of(&refund).await?;
            ensure!(
                line.contains("1,500.00") && line.contains("under review"),
                "the refund is listed under review: {line}"
            );
            // Only billing approves refunds: the account manager sees why the step is disabled.
            app.text("only billing staff may approve a refund").await?;
            let verify = app.button_in("Refunds", "Verify refund").await?;
            ensure!(
                !verify.is_enabled().await?,
                "an account manager can verify a refund"
            );

            // Even with the billing role, the person who requested it may not verify it.
            switch_user(app, "Amy Account", &["Account manager", "Billing"]).await?;
            show_case(app, "Quillfeather Health").await?;
            app.list_item("Refunds", "requested by Amy Account").await?;
            app.button_in("Refunds", "Verify refund")
                .await?
                .click()
                .await?;
            app.role_with_text(
                "alert",
                "must be verified by someone other than the person who requested it",
            )
            .await?;
            let line = text_of(&app.list_item("Refunds", "requested by Amy Account").await?).await?;
            ensure!(
                line.contains("under review") && !line.contains("verified by"),
                "the refused verification changed the refund: {line}"
            );

            // Heather in billing verifies the refund from the approvals queue, then completes it.
            switch_user(app, "Heather Billing", &["Billing"]).await?;
            app.click("Refund approvals").await?;
            app.row("Refund approvals list", "Quillfeather Health")
                .await?;
            app.click("Open the case of Quillfeather Health").await?;
            app.heading("Quillfeather Health").await?;
            app.button_in("Refunds", "Verify refund")
                .await?
                .click()
                .await?;
            let line = text_of(
                &app.list_item("Refunds", "verified by Heather Billing")
                    .await?,
            )
            .await?;
            ensure!(
                line.contains("requested by Amy Account") && line.contains("with billing"),
                "verified and with billing: {line}"
            );
            app.button_in("Refunds", "Mark refund completed")
                .await?
                .click()
                .await?;
            let line = text_of(&app.list_item("Refunds", "completed").await?).await?;
            ensure!(
                line.contains("1,500.00") && line.contains("verified by Heather Billing"),
                "the refund is completed: {line}"
            );
            ensure!(
                app.client
                    .find_all(Locator::XPath(
                        "//*[@aria-label='Refunds']//button[normalize-space(.)='Mark refund completed' or normalize-space(.)='Verify refund']",
                    ))
                    .await?
                    .is_empty(),
                "a completed refund still offers a step"
            );

            // The account manager routes the case: SMB, above Professional 2A, so a save call by
            // the original sales rep, Rita Ng, whom the desk does not know (she has left).
            switch_user(app, "Amy Account", &["Account manager"]).await?;
            show_case(app, "Quillfeather Health").await?;
            app.click("Route case").await?;
            app.text("Routed:").await?;
            app.text("Save call by the sales rep").await?;
            let row = case_row_text(app, "Quillfeather Health").await?;
            ensure!(
                row.contains("Spencer"),
                "the save call is Spencer's, the fallback assignee: {row}"
            );
            ensure!(
                !row.contains("Rita Ng"),
                "the rep who left got the save call: {row}"
            );

            // Spencer finds the save call in his tasks and records that the customer still leaves.
            switch_user(app, "Spencer", &["Sales rep"]).await?;
            app.click("My tasks").await?;
            app.heading("My tasks").await?;
            app.row("My tasks list", "Quillfeather Health").await?;
            app.click("Open the case of Quillfeather Health").await?;
            app.heading("Quillfeather Health").await?;
            app.field("Outcome note")
                .await?
                .send_keys("Called Gil; the budget is gone, still cancelling")
                .await?;
            app.button_in("Retention outcome", "Still cancelling")
                .await?
                .click()
                .await?;
            app.list_item("Timeline", "Retention outcome recorded")
                .await?;
            app.click("My tasks").await?;
            app.text("Nothing is assigned to you right now.").await?;

            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("sop-2017-refund-completed").await;
    app.quit().await;

    let events = stored_events(&profile);
    for event in &events {
        assert_eq!(
            event.policy_version, "account-cancellation-2017@1",
            "{event:?}"
        );
    }
    let routed = only_event(&events, "routed");
    assert_eq!(routed.payload["route"], "save_call", "{routed:?}");
    assert_eq!(routed.payload["assignee"], "Spencer", "{routed:?}");
    let outcome = only_event(&events, "retention_outcome_recorded");
    assert_eq!(outcome.actor, "Spencer", "{outcome:?}");
    assert_eq!(outcome.payload["retained"], false, "{outcome:?}");

    let requested = only_event(&events, "refund_requested");
    assert_eq!(requested.actor, "Amy Account", "{requested:?}");
    assert_eq!(requested.payload["requested_by"], "Amy Account");
    assert_eq!(
        requested.payload["amount"]["minor"], 150_000,
        "{requested:?}"
    );
    assert_eq!(requested.payload["under_review"], true, "{requested:?}");
    assert_eq!(requested.payload["billing_heads_up"], true, "{requested:?}");
    assert_eq!(
        requested.payload["customer_notice"], "under_review",
        "{requested:?}"
    );
    let refund_id = &requested.payload["refund_id"];
    // Amy's refused attempt recorded nothing: the one verification is Heather's.
    let verified = only_event(&events, "refund_verified");
    assert_eq!(verified.actor, "Heather Billing", "{verified:?}");
    assert_eq!(verified.payload["verified_by"], "Heather Billing");
    assert_ne!(
        verified.payload["verified_by"], requested.payload["requested_by"],
        "the verifier is not the requester"
    );
    assert_eq!(&verified.payload["refund_id"], refund_id, "{verified:?}");
    let completed = only_event(&events, "refund_completed");
    assert_eq!(&completed.payload["refund_id"], refund_id, "{completed:?}");
    assert_eq!(
        completed.payload["amount"]["minor"], 150_000,
        "{completed:?}"
    );
    assert_eq!(completed.payload["completed_by"], "Heather Billing");
}
