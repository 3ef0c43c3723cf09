//! The Kodif order-cancellation procedure (policies/kodif-order-cancellation.toml) walked through
//! the window: an order discount, checked against the policy before it is proposed, accepted by
//! the customer; and a case whose reason is "Other concerns or issues", which the policy routes to
//! a human agent (the account-manager role), found by an agent in "My tasks" and handed on by name
//! to a colleague, in whose "My tasks" it then is. (WootRecruit's path is in wootrecruit.rs.)

use crate::desk::{acknowledge, open_case, switch_user};
use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};
use crate::store_check::{only_event, stored_events};

const KODIF: &str = "Order cancellation with a retention step (Recharge and Gorgias)";

/// The reason and the route, which the policy takes only in that order: it routes on the reason.
async fn record_reason_and_route(app: &App, reason: &str, details: &str) -> Outcome {
    ensure!(
        !app.button("Route case").await?.is_enabled().await?,
        "the case can be routed before its reason, which the policy routes on"
    );
    app.text("Record the reason first: this procedure routes on it")
        .await?;
    app.field("Reason").await?.select_by_label(reason).await?;
    app.field("Details").await?.send_keys(details).await?;
    app.click("Record reason").await?;
    app.list_item("Timeline", "Reason captured").await?;
    app.click("Route case").await?;
    app.list_item("Timeline", "Routed").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kodif_order_discount_within_the_limits_is_accepted_and_saves_the_order() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("kodif-path", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], KODIF).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "acme", "Acme Corp").await?;
            // The first response is the acknowledgement message.
            acknowledge(app).await?;
            record_reason_and_route(app, "Too expensive", "Three boxes a month is too much")
                .await?;
            app.text("Continue with the procedure").await?;

            app.field("Offer")
                .await?
                .select_by_label("Discount on the current order")
                .await?;
            app.text("Policy limits: 10% or 15%").await?;
            app.field("Percent").await?.send_keys("12").await?;
            // The policy names no one who may approve an offer outside its limits, so 12% cannot
            // even be proposed.
            app.role_with_text("status", "the policy names no one who may approve it")
                .await?;
            ensure!(
                !app.button("Propose offer").await?.is_enabled().await?,
                "an offer no one may approve can be proposed"
            );
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

    let events = stored_events(&profile);
    let accepted = only_event(&events, "offer_accepted");
    assert_eq!(
        accepted.payload["offer_id"], "order_discount",
        "{accepted:?}"
    );
    let proposed = only_event(&events, "offer_proposed");
    assert_eq!(proposed.payload["terms"]["percent"], 15, "{proposed:?}");
    assert_eq!(proposed.payload["needs_approval"], false, "{proposed:?}");
    assert!(
        events.iter().all(|e| e.kind != "finalized"),
        "a saved order was cancelled"
    );
}

const CONCERN: &str = "The last box arrived crushed and she wants to talk it through";
const HAND_OFF_REASON: &str = "Ben handles damaged deliveries with the warehouse";

/// The "My tasks" row of `account`, once it is listed.
async fn my_task_row(app: &App, account: &str) -> Result<String, crate::harness::Failure> {
    app.click("My tasks").await?;
    app.heading("My tasks").await?;
    Ok(text_of(&app.row("My tasks list", account).await?).await?)
}

/// "My tasks" says nothing is assigned to the person using the desk.
async fn no_tasks(app: &App) -> Outcome {
    app.click("My tasks").await?;
    app.heading("My tasks").await?;
    app.text("Nothing is assigned to you right now.").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kodif_case_with_other_concerns_reaches_an_agent_and_is_handed_on_by_name() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("kodif-hand-off", async |app: &App| {
            // Amy, a manager, takes the request; the procedure's agents hold the account-manager
            // role, which she does not.
            set_up_profile_for(app, &["Manager"], KODIF).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "acme", "Acme Corp").await?;
            acknowledge(app).await?;
            record_reason_and_route(app, "Other concerns or issues", CONCERN).await?;
            let routed = text_of(&app.text("Routed:").await?).await?;
            ensure!(
                routed.contains("Hand off to a person or team")
                    && routed.contains("assigned to Account manager"),
                "other concerns go to the agents: {routed}"
            );
            // Not hers: her own queue stays empty.
            no_tasks(app).await?;

            // An agent finds it in her queue, with why it came to her, and opens it from there.
            switch_user(app, "Ava Agent", &["Account manager"]).await?;
            let row = my_task_row(app, "Acme Corp").await?;
            ensure!(
                row.contains("Handed off")
                    && row.contains("Routed: Other concerns or issues")
                    && row.contains("Account manager"),
                "the agents' hand-off task, its reason and who it is for: {row}"
            );
            app.click("Open the case of Acme Corp").await?;
            app.heading("Inbox").await?;
            app.heading("Acme Corp").await?;
            app.heading("Checklist").await?;

            // She hands it on to Ben by name; the reason is required.
            app.text("Hand off to someone else…").await?.click().await?;
            app.field("To a person or team")
                .await?
                .send_keys("Ben Agent")
                .await?;
            ensure!(
                !app.button_in("Hand off", "Hand off")
                    .await?
                    .is_enabled()
                    .await?,
                "a hand-off without a reason can be sent"
            );
            app.field("Reason for the hand-off")
                .await?
                .send_keys(HAND_OFF_REASON)
                .await?;
            app.button_in("Hand off", "Hand off").await?.click().await?;
            app.list_item("Timeline", "Handed off").await?;
            // It left the agents' queue.
            no_tasks(app).await?;

            // Ben, who is not an agent (a CSM), finds it in his queue because it names him.
            switch_user(app, "Ben Agent", &["Customer success manager"]).await?;
            let row = my_task_row(app, "Acme Corp").await?;
            ensure!(
                row.contains("Handed off")
                    && row.contains(HAND_OFF_REASON)
                    && row.contains("Ben Agent"),
                "the hand-off reaches Ben with its reason: {row}"
            );
            app.click("Open the case of Acme Corp").await?;
            app.heading("Acme Corp").await?;
            let line = text_of(&app.list_item("Timeline", "Handed off").await?).await?;
            ensure!(
                line.contains("by Ava Agent"),
                "the timeline says who handed it off: {line}"
            );
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("kodif-handed-off").await;
    app.quit().await;

    let events = stored_events(&profile);
    let reason = only_event(&events, "reason_captured");
    assert_eq!(reason.payload["reason_id"], "other_concerns", "{reason:?}");
    let routed = only_event(&events, "routed");
    assert_eq!(routed.payload["route"], "hand_off", "{routed:?}");
    assert_eq!(
        routed.payload["assignee_role"], "account_manager",
        "{routed:?}"
    );
    assert_eq!(routed.actor, "Amy Account", "{routed:?}");
    let handed = only_event(&events, "handed_off");
    assert_eq!(handed.actor, "Ava Agent", "{handed:?}");
    assert_eq!(handed.payload["to"], "Ben Agent", "{handed:?}");
    assert_eq!(handed.payload["reason"], HAND_OFF_REASON, "{handed:?}");
    assert!(handed.payload["to_role"].is_null(), "{handed:?}");
}
