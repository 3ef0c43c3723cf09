//! Procedures walked through the window: WootRecruit (verify the requester, track the form,
//! escalate to a CSM, finalize once nothing blocks it) and Kodif (an order discount, checked
//! against the policy before it is proposed, accepted by the customer).

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{
    import, set_up_profile_for, set_up_profile_with_roles, write_csv, GOOD_CSV,
};

const FORM_FIELDS: [&str; 6] = [
    "Account name",
    "Requester name",
    "Requester email",
    "Reason for cancellation",
    "Requested cancellation date",
    "Preferred contact method",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_wootrecruit_case_is_verified_escalated_and_finalized_through_the_window() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("wootrecruit-path", async |app: &App| {
            set_up_profile_with_roles(
                app,
                &["Account manager", "Customer success manager", "Manager"],
            )
            .await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            app.field("Search accounts")
                .await?
                .send_keys("quillfeather")
                .await?;
            let rows = app.rows_exactly("Account list", 1).await?;
            rows[0].find(Locator::Css("td")).await?.click().await?;
            app.button("Open case").await?.click().await?;
            app.heading("Checklist").await?;

            app.button("Acknowledge").await?.click().await?;
            // Finalizing is blocked, and the desk says why, in the policy's words.
            let blockers = app
                .list_item("Blocking finalization", "identity has not been verified")
                .await?;
            ensure!(
                text_of(&blockers).await?.contains("identity"),
                "blocked by identity"
            );

            // The address the requester wrote from is not enough: it must be the one on file.
            app.field("Contact used")
                .await?
                .send_keys("someone@else.io")
                .await?;
            app.field("Evidence")
                .await?
                .send_keys("Reply from the address on file")
                .await?;
            app.button("Verify identity").await?.click().await?;
            app.role_with_text("alert", "must be the contact on file")
                .await?;
            let contact = app.field("Contact used").await?;
            contact.clear().await?;
            contact.send_keys("gil@quillfeather.io").await?;
            app.button("Verify identity").await?.click().await?;

            app.button("Send form").await?.click().await?;
            for field in FORM_FIELDS {
                app.field(field)
                    .await?
                    .send_keys("as filled by the customer")
                    .await?;
            }
            app.button("Record form received").await?.click().await?;

            app.field("CSM").await?.send_keys("Carla").await?;
            app.button("Escalate").await?.click().await?;
            // The CSM finds the case in the escalation queue and opens it from there.
            app.button("Still cancelling").await?;
            app.button("Escalations").await?.click().await?;
            app.row("Escalations list", "Quillfeather Health").await?;
            app.button("Open the case of Quillfeather Health")
                .await?
                .click()
                .await?;
            app.button("Still cancelling").await?.click().await?;
            // Nothing blocks it any more: it waits in the managers' finalization queue.
            app.button("Finalizations").await?.click().await?;
            app.row("Finalizations list", "Quillfeather Health").await?;
            app.button("Open the case of Quillfeather Health")
                .await?
                .click()
                .await?;

            app.field("Effective date")
                .await?
                .send_keys("2026-12-31")
                .await?;
            app.button("Finalize cancellation").await?.click().await?;
            let row = app.row("Cases", "cancelled").await?;
            ensure!(
                text_of(&row).await?.contains("Quillfeather Health"),
                "the case is cancelled"
            );
            app.list_item("Timeline", "Finalized").await?;
            app.list_item("Timeline", "Csm outcome recorded").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("case-finalized").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kodif_order_discount_within_the_limits_is_accepted_and_saves_the_order() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("kodif-path", async |app: &App| {
            set_up_profile_for(
                app,
                &["Account manager"],
                "Order cancellation with a retention step (Recharge and Gorgias)",
            )
            .await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            app.field("Search accounts")
                .await?
                .send_keys("acme")
                .await?;
            let rows = app.rows_exactly("Account list", 1).await?;
            rows[0].find(Locator::Css("td")).await?.click().await?;
            app.button("Open case").await?.click().await?;
            app.heading("Checklist").await?;

            app.field("Offer")
                .await?
                .select_by_label("Discount on the current order")
                .await?;
            app.text("Policy limits: 10% or 15%").await?;
            app.field("Percent").await?.send_keys("12").await?;
            app.role_with_text("status", "needs approval before the customer can accept")
                .await?;
            let percent = app.field("Percent").await?;
            percent.clear().await?;
            percent.send_keys("15").await?;
            app.role_with_text("status", "Within the policy's limits.")
                .await?;
            app.button("Propose offer").await?.click().await?;
            app.button("Customer accepted").await?.click().await?;
            let row = app.row("Cases", "saved").await?;
            ensure!(
                text_of(&row).await?.contains("Acme Corp"),
                "the order is saved"
            );
            app.list_item("Timeline", "Offer accepted").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("kodif-offer-accepted").await;
    app.quit().await;
}
