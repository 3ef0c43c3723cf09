//! The Billsbee procedure (policies/billsbee.toml) walked through the window, retention first
//! and the cancellation sheet's row complete: a client with unpaid invoices asks to cancel; the
//! acknowledgement message goes out; the account manager verifies them by calling back, sees
//! that nothing can be finalized before a manager's retention attempt and the reason, records
//! the reason, routes the case to a manager's retention attempt, logs the request in the
//! cancellation sheet and writes off the unpaid invoices, but may neither record the retention
//! outcome, confirm the suspension nor finalize (only managers may; the desk says so); a manager
//! records the retention outcome, confirms the services are suspended in Billsbee and finalizes,
//! and the sheet's row has every column; the confirmation goes out by phone as the confirmation
//! message. Then the audit trail is read back from the encrypted database.

use fantoccini::Locator;

use crate::checklist_items::confirm_items;
use crate::desk::{acknowledge, case_row_text, open_case, show_case, switch_user, verify_identity};
use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv};
use crate::sop_2017::days_from_today;
use crate::store_check::{only_event, position_of, stored_events, user_name};

pub const PROCEDURE: &str = "Billsbee client cancellation requests";

/// The policy's own finalization checklist item, confirmed by the manager who did it.
const SERVICES_SUSPENDED: &str = "Services suspended in Billsbee";

/// One client with two unpaid invoices, in the accounts export's columns.
pub const BILLSBEE_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep,Unpaid invoices
B-1,Bramble Dental,Dana Bramble,dana@brambledental.com,+1 555 010 4242,phone,Standard,,Growth,450,USD,2022-05-01,\"10,800.00\",900.00,,2
";

/// Whether the open case's "Blocking finalization" list has a line containing `text`.
async fn blocked_by(app: &App, text: &str) -> Result<bool, crate::harness::Failure> {
    Ok(!app
        .client
        .find_all(Locator::XPath(&format!(
            "//*[@aria-label='Blocking finalization']/li[contains(., \"{text}\")]"
        )))
        .await?
        .is_empty())
}

/// Waits until the open case's blockers no longer name `text`.
async fn unblocked(app: &App, text: &str) -> Outcome {
    let started = std::time::Instant::now();
    while blocked_by(app, text).await? {
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "finalization is still blocked by {text:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_billsbee_cancellation_attempts_retention_first_and_completes_the_sheet_row() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", BILLSBEE_CSV);
    let effective_date = days_from_today(14);
    let effective = effective_date.to_string();
    let since: jiff::civil::Date = "2022-05-01".parse().expect("a date");
    let months = since
        .until((jiff::Unit::Month, effective_date))
        .expect("months between dates")
        .get_months();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("billsbee-path", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 1 new").await?;
            open_case(app, "bramble", "Bramble Dental").await?;

            acknowledge(app).await?;
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

            // Retention and the reason come first: they block the finalization from the start.
            app.list_item("Blocking finalization", "retention has not been attempted")
                .await?;
            app.list_item(
                "Blocking finalization",
                "the reason for leaving has not been recorded",
            )
            .await?;
            app.field("Reason")
                .await?
                .select_by_label("Closing or changing the business")
                .await?;
            app.field("Details")
                .await?
                .send_keys("Dana is retiring and closing the practice")
                .await?;
            app.click("Record reason").await?;
            app.list_item("Timeline", "Reason captured").await?;
            unblocked(app, "the reason for leaving").await?;

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
            unblocked(app, "unpaid invoices").await?;

            // Only the manager's retention attempt still blocks the cancellation, and only a
            // manager may confirm the suspension or finalize.
            ensure!(
                blocked_by(app, "retention has not been attempted").await?,
                "the cancellation is no longer waiting for the retention attempt"
            );
            ensure!(
                !app.button(&format!("Confirm: {SERVICES_SUSPENDED}"))
                    .await?
                    .is_enabled()
                    .await?,
                "an account manager can confirm the suspension"
            );
            app.field("Effective date")
                .await?
                .send_keys(&effective)
                .await?;
            app.text("only a manager may finalize the cancellation")
                .await?;
            ensure!(
                !app.button("Finalize cancellation")
                    .await?
                    .is_enabled()
                    .await?,
                "an account manager can finalize"
            );

            // A manager tries to keep the client, suspends the services, and finalizes.
            switch_user(app, "Mia Manager", &["Manager"]).await?;
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
            unblocked(app, "retention").await?;
            confirm_items(
                app,
                &[SERVICES_SUSPENDED],
                "Suspended in Billsbee admin",
                "Mia Manager",
            )
            .await?;
            let item = text_of(
                &app.list_item("Finalization checklist", SERVICES_SUSPENDED)
                    .await?,
            )
            .await?;
            ensure!(
                item.contains("Done by Mia Manager"),
                "the checklist names who suspended the services: {item}"
            );
            ensure!(
                app.client
                    .find_all(Locator::XPath("//*[@aria-label='Blocking finalization']"))
                    .await?
                    .is_empty(),
                "something still blocks finalization"
            );
            // Ready: it is in the managers' Finalizations queue.
            app.click("Finalizations").await?;
            app.row("Finalizations list", "Bramble Dental").await?;
            app.click("Open the case of Bramble Dental").await?;
            app.heading("Bramble Dental").await?;
            app.field("Effective date")
                .await?
                .send_keys(&effective)
                .await?;
            app.click("Finalize cancellation").await?;
            app.text(&format!("Cancellation finalized, effective {effective}"))
                .await?;
            let row = case_row_text(app, "Bramble Dental").await?;
            ensure!(
                row.to_lowercase().starts_with("cancelled"),
                "the case is cancelled: {row}"
            );

            // The sheet's row has every column: name, phone, date of cancellation (the effective
            // date), total collected, months in the program, reason.
            // The row's columns, one under the other in the case pane.
            app.row("Cancellation sheet row", "Dana Bramble").await?;
            let cells = app
                .named("Cancellation sheet row")
                .await?
                .find_all(Locator::Css("td"))
                .await?;
            let mut shown = Vec::new();
            for cell in &cells {
                shown.push(text_of(cell).await?);
            }
            ensure!(
                shown.len() == 6
                    && shown[0] == "Dana Bramble"
                    && shown[1] == "+1 555 010 4242"
                    && shown[2] == effective
                    && shown[3].contains("10,800.00")
                    && shown[3].contains("USD")
                    && shown[4] == months.to_string()
                    && shown[5] == "Closing or changing the business",
                "the sheet row is complete: {shown:?}"
            );
            ensure!(
                !shown.iter().any(|cell| cell.contains("Missing")),
                "a blank in the sheet row: {shown:?}"
            );

            // Confirmed by phone, as the client prefers, with the confirmation message.
            app.click("Confirm cancellation").await?;
            let channel = app.field("Sent by").await?;
            ensure!(
                channel.prop("value").await?.as_deref() == Some("phone"),
                "the confirmation is written for the preferred channel"
            );
            app.click("Copy and record as sent").await?;
            app.text("Cancellation confirmed to the customer by Phone")
                .await?;

            // For design review: the finalization checklist and the sheet row at the smallest
            // window the desk supports.
            app.set_window_size(1024, 640).await?;
            crate::review_screenshots::wait_for_width(app, 1024).await?;
            for (part, name) in [
                (
                    "Cancellation sheet row",
                    "review-billsbee-sheet-row-1024x640",
                ),
                (
                    "Finalization checklist",
                    "review-billsbee-checklist-1024x640",
                ),
            ] {
                let shown = app.named(part).await?;
                app.client
                    .execute(
                        "arguments[0].scrollIntoView({block: 'start'});",
                        vec![serde_json::to_value(&shown)?],
                    )
                    .await?;
                crate::review_screenshots::no_sideways_scroll(app).await?;
                app.screenshot(name).await;
            }
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("billsbee-finalized").await;
    app.quit().await;

    let events = stored_events(&profile);
    for event in events.iter().filter(|e| e.kind != "user_changed") {
        assert_eq!(event.policy_version, "billsbee@1", "{event:?}");
    }
    let verified = only_event(&events, "identity_verified");
    assert_eq!(
        verified.payload["method"], "callback_to_phone_on_file",
        "{verified:?}"
    );
    let reason = only_event(&events, "reason_captured");
    assert_eq!(
        reason.payload["reason_id"], "business_closing",
        "{reason:?}"
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
    // Who confirmed the suspension, by name: the manager who did it.
    let suspended = only_event(&events, "checklist_item_confirmed");
    assert_eq!(
        suspended.payload["item_id"], "services_suspended",
        "{suspended:?}"
    );
    assert_eq!(suspended.actor, "Mia Manager", "{suspended:?}");
    assert_eq!(
        user_name(&profile, suspended.payload["by"].as_str().expect("by")),
        "Mia Manager"
    );
    let finalized = only_event(&events, "finalized");
    assert_eq!(finalized.actor, "Mia Manager", "{finalized:?}");
    assert_eq!(
        finalized.payload["effective_date"],
        effective.as_str(),
        "{finalized:?}"
    );
    // Nothing is claimed that nobody did: no API access, no export offer on a Billsbee case.
    assert!(
        finalized.payload.get("api_access_revoked").is_none()
            && finalized.payload.get("data_export_offered").is_none(),
        "{finalized:?}"
    );
    let confirmed = only_event(&events, "cancellation_confirmed");
    assert_eq!(confirmed.payload["channel"], "phone", "{confirmed:?}");
    // The order the procedure asks for: the first response, the reason and the retention
    // attempt, the sheet and the write-off, the suspension, then the cancellation, then the
    // confirmation.
    let at = |kind: &str| position_of(&events, kind);
    assert!(
        at("received") < at("acknowledged")
            && at("reason_captured") < at("routed")
            && at("routed") < at("retention_outcome_recorded")
            && at("request_logged") < at("finalized")
            && at("invoices_written_off") < at("finalized")
            && at("retention_outcome_recorded") < at("checklist_item_confirmed")
            && at("checklist_item_confirmed") < at("finalized")
            && at("finalized") < at("cancellation_confirmed"),
        "the trail is out of order: {:?}",
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>()
    );
}
