//! The Kodif order-cancellation procedure walked through the window: an order discount, checked
//! against the policy before it is proposed, accepted by the customer. (WootRecruit's path is in
//! wootrecruit.rs.)

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};

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
            app.click("Open case").await?;
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
            app.click("Propose offer").await?;
            app.click("Customer accepted").await?;
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
