//! The 2017 Account Cancellation and Refunds SOP (policies/account-cancellation-2017.toml) walked
//! through the window by four people. The first response is a logged call. A refund above $1000
//! is requested by the account manager, cannot be verified by the same person even with the
//! billing role, reaches billing (Heather) as a heads-up in her tasks, and is verified and
//! completed by her; a second refund of exactly $1000 goes straight to billing, as the threshold
//! applies per request. The original sales rep left (the roster says so), so the save call is a
//! task of the fallback person, Spencer, who records its outcome from his tasks. The case is
//! finalized only once the requester's identity is verified and the retention outcome is in, and
//! the confirmation goes out as the confirmation message. Then the audit trail is read back from
//! the encrypted database. A second walk: an account whose A/R is unknown is not routed as $0;
//! the desk asks for it.

use fantoccini::Locator;

use crate::checklist_items::confirm_items;
use crate::desk::{
    acknowledge_by_call, case_row_text, import_roster, open_case, show_case, switch_user,
    verify_identity,
};
use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};
use crate::store_check::{events_of, only_event, position_of, stored_events, user_name};

const PROCEDURE: &str = "Account Cancellation and Refunds (2017)";

/// The company's sales reps: Quillfeather's rep, Rita Ng, has left; Acme's is still here.
const ROSTER_CSV: &str = "name,status\nRita Ng,left\nRob Reyes,active\n";

/// The two refunds' lines in the Refunds list, told apart by their amounts.
const LARGE: &str = "1,500.00 requested";
const AT_THRESHOLD: &str = "1,000.00 requested";

/// The 2017 policy's own finalization checklist item (the confirmation is the message's step).
const ACCOUNT_CLOSED: &str = "Account closed in the billing system (no further charges)";

/// The effective date `days` after today in the policy's zone (it may not be in the past).
pub fn days_from_today(days: i64) -> jiff::civil::Date {
    jiff::Zoned::now()
        .in_tz("America/New_York")
        .expect("the policy's zone is known")
        .date()
        .checked_add(jiff::Span::new().days(days))
        .expect("a date in range")
}

/// Waits until the open case shows no blocker containing `text` any more.
pub async fn blocker_gone(app: &App, text: &str) -> Outcome {
    let xpath = format!("//*[@aria-label='Blocking finalization']/li[contains(., \"{text}\")]");
    let started = std::time::Instant::now();
    while !app
        .client
        .find_all(Locator::XPath(&xpath))
        .await?
        .is_empty()
    {
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "finalization is still blocked by {text:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The line of the refund whose text contains `refund`, once it also contains `state`.
async fn refund_line_once(
    app: &App,
    refund: &str,
    state: &str,
) -> Result<String, crate::harness::Failure> {
    let started = std::time::Instant::now();
    loop {
        let line = text_of(&app.list_item("Refunds", refund).await?).await?;
        if line.contains(state) {
            return Ok(line);
        }
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the refund never shows {state:?}: {line}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Clicks the button `name` on the refund of the Refunds list whose line contains `amount`.
async fn refund_button(app: &App, amount: &str, name: &str) -> Outcome {
    app.list_item("Refunds", amount)
        .await?
        .find(Locator::XPath(&format!(
            ".//button[normalize-space(.)='{name}' and not(@disabled)]"
        )))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2017_save_call_goes_to_the_fallback_and_a_large_refund_needs_a_second_verifier() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let roster = write_csv(workspace.path(), "sales-reps.csv", ROSTER_CSV);
    let effective = days_from_today(14).to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("sop-2017-path", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            // The roster says Rita Ng left: only that sends her save calls to the fallback.
            import_roster(app, &roster).await?;
            let rita = text_of(&app.row("Sales rep list", "Rita Ng").await?).await?;
            ensure!(rita.contains("Left"), "the roster shows Rita Ng as left: {rita}");
            let rob = text_of(&app.row("Sales rep list", "Rob Reyes").await?).await?;
            ensure!(rob.contains("Active"), "the roster shows Rob Reyes as active: {rob}");
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "quillfeather", "Quillfeather Health").await?;

            // The 2017 SOP has no acknowledgement template: the first response is a call.
            acknowledge_by_call(app, "Called Gil back; the cancellation is in hand").await?;

            // The Policy screen lists identity verification as required, and it is enforced.
            app.list_item(
                "Blocking finalization",
                "the requester's identity has not been verified",
            )
            .await?;
            verify_identity(app, "gil@quillfeather.io", "Request came from the address on file").await?;
            blocker_gone(app, "identity").await?;

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
            let refund = app.list_item("Refunds", LARGE).await?;
            let line = text_of(&refund).await?;
            ensure!(
                line.contains("requested by Amy Account")
                    && line.contains("under review")
                    && line.contains("Billing had a heads-up"),
                "the refund is listed under review, billing told: {line}"
            );
            // Only billing approves refunds: the account manager sees why the step is disabled.
            app.text("only billing staff may approve a refund").await?;
            let verify = app.button_in("Refunds", "Verify refund").await?;
            ensure!(
                !verify.is_enabled().await?,
                "an account manager can verify a refund"
            );

            // The threshold applies per request: exactly $1000 goes straight to billing, however
            // much the case has asked for before.
            app.field("Refund amount (USD)")
                .await?
                .send_keys("1000.00")
                .await?;
            app.field("Justification")
                .await?
                .send_keys("Unused seats for July")
                .await?;
            app.click("Request refund").await?;
            let line = text_of(&app.list_item("Refunds", AT_THRESHOLD).await?).await?;
            ensure!(
                line.contains("with billing") && !line.contains("under review"),
                "a refund at the threshold goes straight to billing: {line}"
            );

            // Even with the billing role, the person who requested it may not verify it.
            switch_user(app, "Amy Account", &["Account manager", "Billing"]).await?;
            show_case(app, "Quillfeather Health").await?;
            refund_button(app, LARGE, "Verify refund").await?;
            app.role_with_text(
                "alert",
                "must be verified by someone other than the person who requested it",
            )
            .await?;
            let line = text_of(&app.list_item("Refunds", LARGE).await?).await?;
            ensure!(
                line.contains("under review") && !line.contains(", verified by"),
                "the refused verification changed the refund: {line}"
            );

            // Heather, the policy's billing person, has the heads-up in her tasks, verifies the
            // refund from the approvals queue, then completes both refunds.
            switch_user(app, "Heather", &["Billing"]).await?;
            app.click("My tasks").await?;
            app.heading("My tasks").await?;
            let heads_up = text_of(&app.row("My tasks list", "Billing heads-up").await?).await?;
            ensure!(
                heads_up.contains("Quillfeather Health")
                    && heads_up.contains("1500.00 USD")
                    && heads_up.contains("requested by Amy Account"),
                "the heads-up names the account, the amount and who asked: {heads_up}"
            );
            app.click("Refund approvals").await?;
            app.row("Refund approvals list", "Quillfeather Health")
                .await?;
            app.click("Open the case of Quillfeather Health").await?;
            app.heading("Quillfeather Health").await?;
            refund_button(app, LARGE, "Verify refund").await?;
            let line = text_of(&app.list_item("Refunds", "verified by Heather").await?).await?;
            ensure!(
                line.contains(LARGE)
                    && line.contains("requested by Amy Account")
                    && line.contains("with billing"),
                "verified and with billing: {line}"
            );
            refund_button(app, LARGE, "Mark refund completed").await?;
            let line = refund_line_once(app, LARGE, "— completed").await?;
            ensure!(
                line.contains("verified by Heather"),
                "the refund is completed: {line}"
            );
            refund_button(app, AT_THRESHOLD, "Mark refund completed").await?;
            let started = std::time::Instant::now();
            while !app
                .client
                .find_all(Locator::XPath(
                    "//*[@aria-label='Refunds']//button[normalize-space(.)='Mark refund completed' or normalize-space(.)='Verify refund']",
                ))
                .await?
                .is_empty()
            {
                ensure!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "a completed refund still offers a step"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            // The heads-up closed with the refund: nothing is left for billing.
            app.click("My tasks").await?;
            app.text("Nothing is assigned to you right now.").await?;

            // The account manager routes the case: SMB, above Professional 2A, so a save call by
            // the original sales rep, Rita Ng, who left: the fallback, Spencer, makes it.
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
            // Retention comes first: the case cannot be finalized before the save call's outcome.
            app.list_item("Blocking finalization", "retention has not been attempted")
                .await?;

            // Spencer finds the save call in his tasks and records that the customer still leaves.
            switch_user(app, "Spencer", &["Sales rep"]).await?;
            app.click("My tasks").await?;
            app.heading("My tasks").await?;
            let task = text_of(&app.row("My tasks list", "Quillfeather Health").await?).await?;
            ensure!(
                task.contains("Save call") && task.contains("Spencer"),
                "the save call is a task for Spencer: {task}"
            );
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

            // The account manager closes the account in billing, finalizes, and confirms it to
            // the customer with the confirmation message.
            switch_user(app, "Amy Account", &["Account manager"]).await?;
            show_case(app, "Quillfeather Health").await?;
            blocker_gone(app, "retention").await?;
            confirm_items(app, &[ACCOUNT_CLOSED], "Closed in billing, no further charges", "Amy Account").await?;
            app.field("Effective date")
                .await?
                .send_keys(&effective)
                .await?;
            app.click("Finalize cancellation").await?;
            app.text(&format!("Cancellation finalized, effective {effective}"))
                .await?;
            app.click("Confirm cancellation").await?;
            app.click("Copy and record as sent").await?;
            app.text("Cancellation confirmed to the customer by E-mail")
                .await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("sop-2017-refund-completed").await;
    app.quit().await;

    let events = stored_events(&profile);
    for event in events.iter().filter(|e| e.kind != "user_changed") {
        assert_eq!(
            event.policy_version, "account-cancellation-2017@1",
            "{event:?}"
        );
    }
    let acknowledged = only_event(&events, "acknowledged");
    assert_eq!(acknowledged.payload["channel"], "call", "{acknowledged:?}");
    let routed = only_event(&events, "routed");
    assert_eq!(routed.payload["route"], "save_call", "{routed:?}");
    assert_eq!(routed.payload["assignee"], "Spencer", "{routed:?}");
    let outcome = only_event(&events, "retention_outcome_recorded");
    assert_eq!(outcome.actor, "Spencer", "{outcome:?}");
    assert_eq!(outcome.payload["retained"], false, "{outcome:?}");

    let requests = events_of(&events, "refund_requested");
    assert_eq!(requests.len(), 2, "{requests:?}");
    let (large, at_threshold) = (requests[0], requests[1]);
    assert_eq!(large.actor, "Amy Account", "{large:?}");
    assert_eq!(
        user_name(&profile, large.payload["requested_by"].as_str().unwrap()),
        "Amy Account"
    );
    assert_eq!(large.payload["amount"]["minor"], 150_000, "{large:?}");
    assert_eq!(large.payload["under_review"], true, "{large:?}");
    assert_eq!(large.payload["billing_heads_up"], true, "{large:?}");
    assert_eq!(
        large.payload["customer_notice"], "under_review",
        "{large:?}"
    );
    assert_eq!(
        at_threshold.payload["amount"]["minor"], 100_000,
        "{at_threshold:?}"
    );
    assert_eq!(
        at_threshold.payload["under_review"], false,
        "{at_threshold:?}"
    );
    let refund_id = &large.payload["refund_id"];
    // Amy's refused attempt recorded nothing: the one verification is Heather's.
    let verified = only_event(&events, "refund_verified");
    assert_eq!(verified.actor, "Heather", "{verified:?}");
    assert_eq!(
        verified.actor_id, verified.payload["verified_by"],
        "{verified:?}"
    );
    assert_ne!(
        verified.payload["verified_by"], large.payload["requested_by"],
        "the verifier is not the requester"
    );
    assert_eq!(&verified.payload["refund_id"], refund_id, "{verified:?}");
    let completed = events_of(&events, "refund_completed");
    assert_eq!(completed.len(), 2, "{completed:?}");
    let large_completed = completed
        .iter()
        .find(|e| &e.payload["refund_id"] == refund_id)
        .expect("the large refund is completed");
    assert_eq!(large_completed.payload["amount"]["minor"], 150_000);
    for done in &completed {
        assert_eq!(done.actor, "Heather", "billing completes refunds: {done:?}");
        assert_eq!(
            user_name(&profile, done.payload["completed_by"].as_str().unwrap()),
            "Heather"
        );
    }
    // Identity and retention came before the finalization, the confirmation after it.
    let finalized = position_of(&events, "finalized");
    assert!(
        position_of(&events, "identity_verified") < finalized
            && position_of(&events, "retention_outcome_recorded") < finalized
            && position_of(&events, "checklist_item_confirmed") < finalized
            && finalized < position_of(&events, "cancellation_confirmed"),
        "the trail is out of order: {:?}",
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>()
    );
    let item = only_event(&events, "checklist_item_confirmed");
    assert_eq!(item.payload["item_id"], "account_closed", "{item:?}");
    assert_eq!(item.actor, "Amy Account", "{item:?}");
    assert_eq!(
        only_event(&events, "cancellation_confirmed").payload["channel"],
        "email"
    );
}

/// One Professional account whose A/R the billing export left empty.
const UNKNOWN_RECEIVABLE_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep
D-1,Dunmore Labs,Dee Dunmore,dee@dunmore.io,+1 555 010 7777,email,Professional,us-east-1,Pro,800,USD,2022-02-01,\"19,200.00\",,Rob Reyes
";

#[tokio::test(flavor = "multi_thread")]
async fn a_2017_case_with_unknown_receivable_asks_for_it_before_routing() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", UNKNOWN_RECEIVABLE_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("sop-2017-unknown-receivable", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 1 new").await?;
            open_case(app, "dunmore", "Dunmore Labs").await?;
            acknowledge_by_call(app, "Called Dee back").await?;
            // Unknown is not zero: a Professional account routes on its A/R, so the desk asks.
            app.text("The account's A/R is unknown and this procedure routes on it")
                .await?;
            ensure!(
                !app.button("Route case").await?.is_enabled().await?,
                "the case can be routed with its A/R unknown"
            );
            app.field("Accounts receivable (USD)")
                .await?
                .send_keys("1500.00")
                .await?;
            app.click("Enter receivable").await?;
            app.text("Accounts receivable entered:").await?;
            app.click("Route case").await?;
            // Above $1000 on a Professional account: a save call by the rep, still with the company
            // (no roster says otherwise, and an unknown rep is not taken for gone).
            app.text("Save call by the sales rep").await?;
            let row = case_row_text(app, "Dunmore Labs").await?;
            ensure!(
                row.contains("Rob Reyes"),
                "the save call is the rep's: {row}"
            );
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    let events = stored_events(&profile);
    let entered = only_event(&events, "receivable_entered");
    assert_eq!(entered.payload["amount"]["minor"], 150_000, "{entered:?}");
    assert_eq!(entered.actor, "Amy Account", "{entered:?}");
    let routed = only_event(&events, "routed");
    assert_eq!(routed.payload["route"], "save_call", "{routed:?}");
    assert_eq!(routed.payload["assignee"], "Rob Reyes", "{routed:?}");
    assert!(
        position_of(&events, "receivable_entered") < position_of(&events, "routed"),
        "routing came before the A/R was known"
    );
}
