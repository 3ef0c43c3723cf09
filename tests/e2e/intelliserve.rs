//! The IntelliServe procedure (policies/intelliserve.toml) walked through the window: the
//! requester verified with a one-time code sent to the e-mail on file and read back (a wrong code
//! first), the reason taken from the policy's taxonomy with its suggested mitigations, and the
//! account freeze proposed beyond the policy's six months, so it waits for a manager's approval;
//! the customer's acceptance is refused until a manager approves, and then saves the account.
//! Then the audit trail is read back from the encrypted database.

use fantoccini::Locator;

use crate::desk::{acknowledge, case_row_text, open_case, switch_user};
use crate::ensure;
use crate::harness::{text_of, App};
use crate::import_and_cases::{import, set_up_profile_for, write_csv, GOOD_CSV};
use crate::store_check::{only_event, stored_events};

const PROCEDURE: &str = "IntelliServe cancellation requests";
const REASON: &str = "Company changes (e.g., downsizing, shifting priorities)";

#[tokio::test(flavor = "multi_thread")]
async fn an_intelliserve_freeze_beyond_the_limits_is_approved_by_a_manager_and_saves_the_account() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);
    let mut code_shown = String::new();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("intelliserve-path", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "acme", "Acme Corp").await?;
            // The first response is the acknowledgement message, one action from sent.
            acknowledge(app).await?;

            // A one-time code to the e-mail on file, read back by the customer.
            app.field("Send a code to")
                .await?
                .send_keys("ana@acme.io")
                .await?;
            app.click("Send one-time code").await?;
            let code = text_of(&app.named("One-time code").await?).await?;
            ensure!(
                code.len() >= 4 && code.chars().all(|c| c.is_ascii_digit()),
                "the code to send is shown: {code:?}"
            );
            let tries = tries_left(&text_of(&app.text("Code sent to ana@acme.io").await?).await?)?;
            // A wrong code is refused and costs a try.
            let wrong: String = code
                .chars()
                .map(|c| if c == '1' { '2' } else { '1' })
                .collect();
            app.field("Code read back").await?.send_keys(&wrong).await?;
            app.click("Check code").await?;
            app.list_item("Timeline", "One-time code rejected").await?;
            let after = tries_left(&text_of(&app.text("Code sent to ana@acme.io").await?).await?)?;
            ensure!(
                after + 1 == tries,
                "a wrong code costs one try: {tries} then {after}"
            );
            ensure!(
                app.client
                    .find_all(Locator::XPath(
                        "//ol[@aria-label='Timeline']/li[contains(., 'Identity verified')]"
                    ))
                    .await?
                    .is_empty(),
                "a wrong code verified the requester"
            );
            let typed = app.field("Code read back").await?;
            typed.clear().await?;
            typed.send_keys(&code).await?;
            app.click("Check code").await?;
            app.list_item("Timeline", "Identity verified").await?;
            code_shown = code;

            // The reason, with what the procedure suggests for it; the policy routes on it
            // (technical issues go to technical support), so routing waits for it.
            ensure!(
                !app.button("Route case").await?.is_enabled().await?,
                "the case can be routed before its reason"
            );
            app.text("Record the reason first: this procedure routes on it")
                .await?;
            app.field("Reason").await?.select_by_label(REASON).await?;
            app.list_item(
                "Suggested by the procedure",
                "Propose account \"freezing\" for up to 6 months",
            )
            .await?;
            app.field("Details")
                .await?
                .send_keys("Hiring freeze, team halved")
                .await?;
            app.field("Pain points")
                .await?
                .send_keys("budget, fewer users")
                .await?;
            app.click("Record reason").await?;
            app.click("Route case").await?;
            app.text("Continue with the procedure").await?;

            // The freeze for 8 months, beyond the policy's 6: it needs approval.
            app.field("Offer")
                .await?
                .select_by_label("Account freeze")
                .await?;
            app.text("Policy limits: for up to 6 months").await?;
            app.field("Months").await?.send_keys("8").await?;
            app.role_with_text("status", "needs approval before the customer can accept")
                .await?;
            app.field("Note to the customer")
                .await?
                .send_keys("Pause everything until the team grows again")
                .await?;
            app.click("Propose offer").await?;
            app.text("Account freeze proposed, waiting for approval")
                .await?;
            app.text("only a manager may approve an offer outside the limits")
                .await?;
            ensure!(
                !app.button("Approve offer").await?.is_enabled().await?,
                "an account manager can approve an offer outside the limits"
            );
            // The customer says yes, but an unapproved offer cannot be accepted yet.
            app.click("Customer accepted").await?;
            app.role_with_text("alert", "needs approval").await?;
            let row = case_row_text(app, "Acme Corp").await?;
            ensure!(
                row.to_lowercase().starts_with("in progress"),
                "saved before approval: {row}"
            );

            // A manager approves it from the offer approvals queue; the acceptance saves the account.
            switch_user(app, "Mia Manager", &["Manager"]).await?;
            app.click("Offer approvals").await?;
            app.row("Offer approvals list", "Acme Corp").await?;
            app.click("Open the case of Acme Corp").await?;
            app.heading("Acme Corp").await?;
            app.click("Approve offer").await?;
            app.text("Account freeze proposed, approved").await?;
            app.click("Customer accepted").await?;
            let row = app.row("Cases", "saved").await?;
            ensure!(
                text_of(&row).await?.contains("Acme Corp"),
                "the account is saved"
            );
            app.text("not needed: the customer stays").await?;
            app.list_item("Timeline", "Offer accepted").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("intelliserve-offer-accepted").await;
    app.quit().await;

    let events = stored_events(&profile);
    for event in &events {
        // Who uses the desk (set up, switched) is recorded under no policy.
        if event.kind.starts_with("user_") {
            continue;
        }
        assert_eq!(event.policy_version, "intelliserve@1", "{event:?}");
        // The code itself is never recorded, nor its plain hash: only a digest under the
        // profile's key, which a six-digit search cannot reverse without it.
        let plain_hash = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(code_shown.as_bytes()))
        };
        assert!(
            !event.payload.to_string().contains(&code_shown)
                && !event.payload.to_string().contains(&plain_hash),
            "the one-time code can be read from the log: {event:?}"
        );
    }
    let sent = only_event(&events, "one_time_code_sent");
    assert_eq!(sent.payload["contact"], "ana@acme.io", "{sent:?}");
    assert!(
        sent.payload["key"]
            .as_str()
            .is_some_and(|key| key.starts_with("device:")),
        "sealed with the profile's key: {sent:?}"
    );
    let rejected = only_event(&events, "one_time_code_rejected");
    assert_eq!(rejected.payload["attempt"], 1, "{rejected:?}");
    let verified = only_event(&events, "identity_verified");
    assert_eq!(verified.payload["method"], "one_time_code", "{verified:?}");
    let reason = only_event(&events, "reason_captured");
    assert_eq!(reason.payload["reason_id"], "company_changes", "{reason:?}");
    assert_eq!(
        reason.payload["pain_points"],
        serde_json::json!(["budget", "fewer users"]),
        "{reason:?}"
    );
    let proposed = only_event(&events, "offer_proposed");
    assert_eq!(proposed.actor, "Amy Account", "{proposed:?}");
    assert_eq!(proposed.payload["offer_id"], "freeze", "{proposed:?}");
    assert_eq!(proposed.payload["terms"]["months"], 8, "{proposed:?}");
    assert_eq!(proposed.payload["needs_approval"], true, "{proposed:?}");
    let approved = only_event(&events, "offer_approved");
    assert_eq!(approved.actor, "Mia Manager", "{approved:?}");
    // Another person, by the stable id the events record, not by name.
    assert_ne!(approved.actor_id, proposed.actor_id, "{approved:?}");
    assert_eq!(
        proposed.payload["proposed_by"], proposed.actor_id,
        "{proposed:?}"
    );
    // The acknowledgement message was the first response.
    let acknowledgement = only_event(&events, "message_sent");
    assert_eq!(
        acknowledgement.payload["message"], "acknowledgement",
        "{acknowledgement:?}"
    );
    assert!(
        events.iter().position(|e| e.kind == "message_sent")
            < events.iter().position(|e| e.kind == "acknowledged"),
        "the message acknowledged the request"
    );
    // Amy's refused acceptance recorded nothing: the one acceptance came after the approval.
    let accepted = only_event(&events, "offer_accepted");
    assert_eq!(accepted.payload["offer_id"], "freeze", "{accepted:?}");
    let position = |kind: &str| events.iter().position(|e| e.kind == kind).unwrap();
    assert!(
        position("identity_verified") < position("offer_proposed")
            && position("offer_approved") < position("offer_accepted"),
        "the trail is out of order"
    );
    assert!(
        events.iter().all(|e| e.kind != "finalized"),
        "a saved account was finalized"
    );
}

/// The number of tries the one-time code line says are left ("…; 5 tries left.").
fn tries_left(line: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    line.split(';')
        .next_back()
        .and_then(|tail| tail.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no tries left count in {line:?}").into())
}
