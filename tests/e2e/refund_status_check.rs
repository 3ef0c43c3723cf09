//! IntelliServe's refund follow-up through the window (refund guide, section 7): Amy asks for a
//! refund, billing issues it, and the case page says when its status check is due; the check is in
//! Amy's tasks, and she records from there, before it is due, that the customer received it. A
//! "not received" answer waits for a note. Then the log is read back.

use fantoccini::Locator;

use crate::desk::{acknowledge, open_case, show_case, switch_user, verify_identity};
use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};
use crate::sop_2017::days_from_today;
use crate::store_check::{only_event, stored_events};

const PROCEDURE: &str = "IntelliServe cancellation requests";

#[tokio::test(flavor = "multi_thread")]
async fn an_issued_intelliserve_refund_is_checked_with_the_customer_by_its_requester() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let charged_on = days_from_today(-10).to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("refund-status-check", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "acme", "Acme Corp").await?;
            acknowledge(app).await?;
            verify_identity(app, "ana@acme.io", "Replied from the address on file").await?;

            // Amy asks for 120.00, within the threshold: straight to billing.
            app.field("Refund amount (USD)")
                .await?
                .send_keys("120.00")
                .await?;
            app.field("Justification")
                .await?
                .send_keys("Charged twice this month")
                .await?;
            app.field("Charge date")
                .await?
                .send_keys(&charged_on)
                .await?;
            app.click("Request refund").await?;
            app.list_item("Refunds", "with billing").await?;

            // Billing issues it; the case page says when the customer is to be asked.
            switch_user(app, "Bill Billing", &["Billing"]).await?;
            show_case(app, "Acme Corp").await?;
            app.click("Mark refund completed").await?;
            let line = text_of(
                &app.list_item("Refunds", "ask the customer whether the refund arrived")
                    .await?,
            )
            .await?;
            ensure!(
                line.contains("completed") && line.contains("Status check due in"),
                "the issued refund says when its check is due: {line}"
            );
            // The smallest window the desk supports: the refund and its check fit it.
            app.set_window_size(1024, 640).await?;
            let refunds = app.named("Refunds").await?;
            app.client
                .execute(
                    "arguments[0].scrollIntoView({block: 'start'});",
                    vec![serde_json::to_value(&refunds)?],
                )
                .await?;
            crate::review_screenshots::no_sideways_scroll(app).await?;
            app.screenshot("refund-status-check-due-1024x640").await;

            // The check is Amy's, the requester's: it is in her tasks.
            switch_user(app, "Amy Account", &["Account manager"]).await?;
            app.click("My tasks").await?;
            app.heading("My tasks").await?;
            let task = text_of(&app.row("My tasks list", "Refund status check").await?).await?;
            ensure!(
                task.contains("Acme Corp") && task.contains("Refund of 120.00 USD issued on"),
                "the check in Amy's tasks says what it is about: {task}"
            );
            app.click("Open the case of Acme Corp").await?;
            app.heading("Acme Corp").await?;

            // "Not received" needs a note; then she changes the answer: the customer has it.
            let form = app.named("Refund status check").await?;
            app.field("Did the customer receive it?")
                .await?
                .select_by_label("Not received")
                .await?;
            let record = app
                .button_in("Refund status check", "Record status check")
                .await?;
            ensure!(
                !record.is_enabled().await?,
                "a refund not received can be recorded without a note"
            );
            app.field("Did the customer receive it?")
                .await?
                .select_by_label("Received")
                .await?;
            form.find(Locator::XPath(".//input"))
                .await?
                .send_keys("Arrived on the card on Monday")
                .await?;
            app.click("Record status check").await?;
            let line = text_of(&app.list_item("Refunds", "Status checked by").await?).await?;
            ensure!(
                line.contains("Status checked by Amy Account")
                    && line.contains("the customer confirmed receipt")
                    && line.contains("Arrived on the card on Monday"),
                "the refund says who checked and what they heard: {line}"
            );
            ensure!(
                app.client
                    .find_all(Locator::XPath("//form[@aria-label='Refund status check']"))
                    .await?
                    .is_empty(),
                "the check's form is still offered after it was recorded"
            );
            app.list_item("Timeline", "Refund status checked").await?;
            let refunds = app.named("Refunds").await?;
            app.client
                .execute(
                    "arguments[0].scrollIntoView({block: 'start'});",
                    vec![serde_json::to_value(&refunds)?],
                )
                .await?;
            app.screenshot("refund-status-checked-1024x640").await;

            // Her tasks no longer hold it (she had nothing else).
            app.click("My tasks").await?;
            app.heading("My tasks").await?;
            app.text("Nothing is assigned to you right now.").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    let events = stored_events(&profile);
    let requested = only_event(&events, "refund_requested");
    let completed = only_event(&events, "refund_completed");
    assert!(
        completed.payload["status_check_due"].is_string(),
        "the completion plans the check: {completed:?}"
    );
    let checked = only_event(&events, "refund_status_checked");
    assert_eq!(checked.payload["received"], true, "{checked:?}");
    assert_eq!(
        checked.payload["note"], "Arrived on the card on Monday",
        "{checked:?}"
    );
    // The requester recorded it, by the stable id the events record.
    assert_eq!(checked.actor_id, requested.actor_id, "{checked:?}");
    assert_eq!(checked.payload["by"], requested.actor_id, "{checked:?}");
}
