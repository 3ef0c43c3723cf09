//! The 2017 SOP's Essentials request: routing decides on a sympathetic reply with the exit
//! interview link of the server the account is hosted on, and the desk opens that reply drafted,
//! one action from sent; sending it is the first response.

use crate::desk::open_case;
use crate::ensure;
use crate::harness::App;
use crate::import_and_cases::{import, set_up_profile_for, write_csv};
use crate::store_check::{only_event, stored_events};

const PROCEDURE: &str = "Account Cancellation and Refunds (2017)";

const ESSENTIALS_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep
E-1,Elm Street Bakery,Eli Park,eli@elmbakery.com,+1 555 010 3131,email,Essentials,server-2,Starter,29,USD,2024-02-01,348,0,
";

#[tokio::test(flavor = "multi_thread")]
async fn an_essentials_request_is_answered_with_the_drafted_sympathetic_reply() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", ESSENTIALS_CSV);

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("sympathetic-reply", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 1 new").await?;
            open_case(app, "elm", "Elm Street Bakery").await?;
            app.text("server-2").await?;

            app.click("Route case").await?;
            app.text("Sympathetic reply with the exit survey").await?;
            // The reply opens drafted, with the link for the account's server.
            let started = std::time::Instant::now();
            let body = loop {
                let body = app
                    .field("Message")
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default();
                if !body.is_empty() {
                    break body;
                }
                ensure!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "no reply was drafted after routing"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            };
            ensure!(
                body.starts_with("Hi Eli Park, we're sorry to see you go.")
                    && body.contains("https://example.com/exit-interview/server-2"),
                "the sympathetic reply is drafted with the server's link: {body}"
            );
            app.click("Copy and record as sent").await?;
            app.list_item("Timeline", "Acknowledged").await?;
            app.text("Request acknowledged").await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.screenshot("sympathetic-reply-sent").await;
    app.quit().await;

    let events = stored_events(&profile);
    let routed = only_event(&events, "routed");
    assert_eq!(routed.payload["route"], "sympathetic_reply", "{routed:?}");
    assert_eq!(
        routed.payload["survey_link"], "https://example.com/exit-interview/server-2",
        "{routed:?}"
    );
    let sent = only_event(&events, "message_sent");
    assert_eq!(sent.payload["message"], "sympathetic_reply", "{sent:?}");
    assert_eq!(sent.actor, "Amy Account", "{sent:?}");
    // One action, one clock stop: the reply is the first response.
    only_event(&events, "acknowledged");
}
