//! The WootRecruit procedure (policies/wootrecruit.toml) walked end to end through the window:
//! the acknowledgement sent from its template (which acknowledges the request), a note found again
//! by searching all notes, nothing else taken before the requester is verified against the contact
//! on file, the mandatory form sent and received, the reason, the CSM's last attempt with the CSM's
//! note, the policy's finalization checklist confirmed, finalization, the confirmation message on
//! the customer's preferred channel and their exit feedback; then the same path read back from the
//! encrypted database's audit trail.
//! The policy names no retention offers (its catalogue is empty), so this path has none.

use fantoccini::Locator;

use crate::checklist_items::confirm_items;
use crate::desk::open_case;
use crate::ensure;
use crate::harness::{text_of, App, Outcome};
use crate::import_and_cases::{import, set_up_profile_with_roles, write_csv, GOOD_CSV};
use crate::store_check::{events_of, only_event, stored_events};

const FORM_FIELDS: [&str; 6] = [
    "Account name",
    "Requester name",
    "Requester email",
    "Reason for cancellation",
    "Requested cancellation date",
    "Preferred contact method",
];

/// Sends the open case's mandatory form and records it received with every field the policy
/// lists, as the account manager does once the customer returns it.
pub async fn send_and_receive_form(app: &App) -> Outcome {
    app.click("Send form").await?;
    app.text("Cancellation request form sent, not returned")
        .await?;
    for field in FORM_FIELDS {
        app.field(field)
            .await?
            .send_keys("as filled by the customer")
            .await?;
    }
    app.click("Record form received").await?;
    app.text("Cancellation request form received").await?;
    Ok(())
}

/// Records the reason for leaving and routes the open case (WootRecruit routes every case on).
pub async fn record_reason_and_route(app: &App) -> Outcome {
    app.field("Reason")
        .await?
        .select_by_label("Hiring freeze or slowdown")
        .await?;
    app.field("Details")
        .await?
        .send_keys("Hiring freeze for the rest of the year")
        .await?;
    app.click("Record reason").await?;
    app.list_item("Timeline", "Reason captured").await?;
    app.click("Route case").await?;
    app.text("Continue with the procedure").await?;
    Ok(())
}

/// The CSM's outcome of the last attempt, which needs the CSM's note: "Still cancelling".
pub async fn csm_still_cancelling(app: &App, note: &str) -> Outcome {
    ensure!(
        !app.button_in("CSM outcome", "Still cancelling")
            .await?
            .is_enabled()
            .await?,
        "the CSM's outcome can be recorded without the CSM's note"
    );
    app.field("The CSM's note").await?.send_keys(note).await?;
    app.button_in("CSM outcome", "Still cancelling")
        .await?
        .click()
        .await?;
    app.list_item("Timeline", "CSM outcome recorded").await?;
    Ok(())
}

/// Escalates the open case to the CSM `csm` with a note, and waits for the checklist to say so.
pub async fn escalate_to(app: &App, csm: &str) -> Outcome {
    app.field("CSM").await?.send_keys(csm).await?;
    app.field("Note for the CSM")
        .await?
        .send_keys("Budget freeze; worth one more call")
        .await?;
    app.click("Escalate").await?;
    app.text(&format!("Customer success manager: {csm}"))
        .await?;
    Ok(())
}

const NOTE: &str = "Gil says the hiring freeze ends their use of WootRecruit this quarter";
const CSM_NOTE: &str = "Called Gil: the freeze is company-wide, no offer would change it";
const PROCESSED: &str = "Cancellation processed in the system";
const DOCUMENTED: &str = "Process documented in the customer's account (reason and feedback)";

#[tokio::test(flavor = "multi_thread")]
async fn a_wootrecruit_case_goes_from_acknowledgement_to_exit_feedback() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", GOOD_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("wootrecruit-full-path", async |app: &App| {
            set_up_profile_with_roles(
                app,
                &["Account manager", "Customer success manager", "Manager"],
            )
            .await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 3 new").await?;
            open_case(app, "quillfeather", "Quillfeather Health").await?;

            // The acknowledgement, filled from the case, copied and recorded as sent: that is
            // the first response.
            app.click("Write acknowledgement").await?;
            let message = app.field("Message").await?;
            let body = message.prop("value").await?.unwrap_or_default();
            ensure!(
                body.starts_with(
                    "Hi Gil Moreau, we received your request to cancel your WootRecruit subscription for Quillfeather Health."
                ),
                "the acknowledgement is filled from the case: {body}"
            );
            app.click("Copy and record as sent").await?;
            app.role_with_text(
                "status",
                "Copied to the clipboard and recorded on the case.",
            )
            .await?;
            app.text("Acknowledgement (sent)").await?;
            app.list_item("Timeline", "Message sent").await?;
            app.list_item("Timeline", "Acknowledged").await?;

            // A note, then found again from the search across every case's notes.
            app.field("New note").await?.send_keys(NOTE).await?;
            app.click("Add note").await?;
            app.list_item("Notes on this case", NOTE).await?;
            app.field("Search all notes")
                .await?
                .send_keys("hiring freeze")
                .await?;
            let hit = app.list_item("Notes found", "Quillfeather Health").await?;
            let hit = text_of(&hit).await?;
            ensure!(
                hit.contains("hiring freeze") && hit.contains("Amy Account"),
                "the search finds the note with its author: {hit}"
            );

            // Identity first: nothing else is taken before it, neither the form nor the reason.
            let blocker = app
                .list_item("Blocking finalization", "identity has not been verified")
                .await?;
            ensure!(
                text_of(&blocker).await?.contains("identity"),
                "blocked by identity"
            );
            // The desk shows them waiting, in the gate's words, before anyone fills them in.
            for step in ["Send form", "Record reason"] {
                ensure!(
                    !app.button(step).await?.is_enabled().await?,
                    "{step} is offered before the identity is verified"
                );
            }
            let waiting = app
                .client
                .find_all(Locator::XPath(
                    "//p[contains(@class, 'refused') and contains(., 'identity has not been verified')]",
                ))
                .await?;
            ensure!(
                waiting.len() >= 2,
                "the form and reason steps say they wait for the identity ({} say so)",
                waiting.len()
            );
            app.text("Cancellation request form not sent").await?;

            // The address the requester wrote from is not enough: it must be the one on file.
            app.field("Contact used")
                .await?
                .send_keys("someone@else.io")
                .await?;
            app.field("Evidence")
                .await?
                .send_keys("Reply from the address on file")
                .await?;
            app.click("Verify identity").await?;
            app.role_with_text("alert", "must be the contact on file")
                .await?;
            let contact = app.field("Contact used").await?;
            contact.clear().await?;
            contact.send_keys("gil@quillfeather.io").await?;
            app.click("Verify identity").await?;
            app.list_item("Timeline", "Identity verified").await?;

            // The mandatory form: sent, then received with every field the policy lists.
            send_and_receive_form(app).await?;
            record_reason_and_route(app).await?;

            // The CSM's last attempt, from the escalation queue, documented with the CSM's note.
            escalate_to(app, "Carla").await?;
            app.click("Escalations").await?;
            app.row("Escalations list", "Quillfeather Health").await?;
            app.click("Open the case of Quillfeather Health").await?;
            csm_still_cancelling(app, CSM_NOTE).await?;

            // The policy's checklist item before the cancellation, confirmed by who did it.
            confirm_items(
                app,
                &[PROCESSED],
                "Closed in the admin console",
                "Amy Account",
            )
            .await?;

            // Nothing blocks it any more: it waits in the managers' finalization queue.
            app.click("Finalizations").await?;
            app.row("Finalizations list", "Quillfeather Health").await?;
            app.click("Open the case of Quillfeather Health").await?;
            app.field("Effective date")
                .await?
                .send_keys("2026-12-31")
                .await?;
            app.click("Finalize cancellation").await?;
            app.text("Cancellation finalized, effective 2026-12-31")
                .await?;
            let row = app.row("Cases", "cancelled").await?;
            ensure!(
                text_of(&row).await?.contains("Quillfeather Health"),
                "the case is cancelled in the inbox"
            );
            // Nothing is claimed that this procedure does not do.
            ensure!(
                app.client
                    .find_all(Locator::XPath(
                        "//*[contains(normalize-space(.), 'API access revoked')]"
                    ))
                    .await?
                    .is_empty(),
                "the desk claims API access was revoked"
            );

            // Confirmed with the confirmation message, on the channel the account prefers, which
            // the message starts on.
            app.click("Confirm cancellation").await?;
            let body = app
                .field("Message")
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            ensure!(
                body.contains("Quillfeather Health") && body.contains("2026-12-31"),
                "the confirmation is filled from the case: {body}"
            );
            let channel = app.field("Sent by").await?;
            ensure!(
                channel.prop("value").await?.as_deref() == Some("email"),
                "the confirmation starts on the preferred channel"
            );
            app.text("Recording it confirms the cancellation.").await?;
            app.click("Copy and record as sent").await?;
            app.text("Cancellation confirmed to the customer by E-mail")
                .await?;
            app.field("What the customer said")
                .await?
                .send_keys("Good product; the hiring freeze made it unaffordable")
                .await?;
            app.click("Record feedback").await?;
            app.list_item("Timeline", "Feedback recorded").await?;
            confirm_items(
                app,
                &[DOCUMENTED],
                "Reason and feedback on the account",
                "Amy Account",
            )
            .await?;
            app.list_item("Timeline", "Finalized").await?;
            app.list_item("Timeline", "CSM outcome recorded").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("wootrecruit-feedback-recorded").await;
    app.quit().await;

    // The audit trail holds the whole path, by the local user, under the policy's version (the
    // desk's own setting up of Amy is recorded too, under no policy).
    let events = stored_events(&profile);
    let setup = only_event(&events, "user_changed");
    assert_eq!(setup.actor, "Amy Account", "{setup:?}");
    let events: Vec<_> = events
        .into_iter()
        .filter(|e| e.kind != "user_changed")
        .collect();
    for event in &events {
        assert_eq!(event.policy_version, "wootrecruit@1", "{event:?}");
        assert_eq!(event.actor, "Amy Account", "{event:?}");
    }
    let sent = events_of(&events, "message_sent");
    assert_eq!(
        sent.len(),
        2,
        "the acknowledgement and the confirmation: {sent:?}"
    );
    assert_eq!(sent[0].payload["message"], "acknowledgement", "{sent:?}");
    assert_eq!(sent[0].payload["channel"], "email", "{sent:?}");
    assert!(
        sent[0].payload["body"]
            .as_str()
            .is_some_and(|body| body.contains("Quillfeather Health")),
        "the message as sent is kept: {sent:?}"
    );
    assert_eq!(sent[1].payload["message"], "confirmation", "{sent:?}");
    assert_eq!(sent[1].payload["channel"], "email", "{sent:?}");
    let note = only_event(&events, "note_added");
    assert_eq!(note.payload["text"], NOTE, "{note:?}");
    let verified = only_event(&events, "identity_verified");
    assert_eq!(
        verified.payload["contact_used"], "gil@quillfeather.io",
        "{verified:?}"
    );
    let form = only_event(&events, "form_received");
    for field in FORM_FIELDS {
        assert_eq!(
            form.payload["fields"][field], "as filled by the customer",
            "{form:?}"
        );
    }
    let reason = only_event(&events, "reason_captured");
    assert_eq!(reason.payload["reason_id"], "hiring_freeze", "{reason:?}");
    let escalated = only_event(&events, "escalated");
    assert_eq!(escalated.payload["csm"], "Carla", "{escalated:?}");
    let outcome = only_event(&events, "csm_outcome_recorded");
    assert_eq!(outcome.payload["retained"], false, "{outcome:?}");
    assert_eq!(outcome.payload["note"], CSM_NOTE, "{outcome:?}");
    let finalized = only_event(&events, "finalized");
    assert_eq!(
        finalized.payload["effective_date"], "2026-12-31",
        "{finalized:?}"
    );
    for unclaimed in ["data_export_offered", "api_access_revoked"] {
        assert!(
            finalized.payload.get(unclaimed).is_none(),
            "the finalization claims {unclaimed}: {finalized:?}"
        );
    }
    let items = events_of(&events, "checklist_item_confirmed");
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|e| e.payload["item_id"].as_str())
        .collect();
    assert_eq!(ids, ["processed_in_system", "documented"], "{items:?}");
    let confirmed = only_event(&events, "cancellation_confirmed");
    assert_eq!(confirmed.payload["channel"], "email", "{confirmed:?}");
    let feedback = only_event(&events, "feedback_recorded");
    assert_eq!(
        feedback.payload["text"], "Good product; the hiring freeze made it unaffordable",
        "{feedback:?}"
    );
    // The steps were recorded in the procedure's order; nothing before the identity but the
    // acknowledgement and the note.
    let position = |kind: &str| events.iter().position(|e| e.kind == kind).unwrap();
    let before_identity: Vec<&str> = events[..position("identity_verified")]
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert!(
        before_identity.iter().all(|kind| [
            "received",
            "message_sent",
            "acknowledged",
            "note_added"
        ]
        .contains(kind)),
        "a step was taken before the identity was verified: {before_identity:?}"
    );
    assert!(
        position("identity_verified") < position("form_received")
            && position("form_received") < position("escalated")
            && position("csm_outcome_recorded") < position("finalized")
            && position("finalized") < position("cancellation_confirmed")
            && position("cancellation_confirmed") < position("feedback_recorded"),
        "the trail is out of order: {:?}",
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>()
    );
}
