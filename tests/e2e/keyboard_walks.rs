//! Three 2017 requests worked by keyboard alone, from the inbox, as an account manager would with
//! a customer waiting: an Essentials request answered with the sympathetic reply the route drafts,
//! a Professional account owing more than $1000 routed to its sales rep for a save call, and a
//! refund over $1000 requested by one person and verified by another (billing). Every key pressed
//! is counted and printed; the Essentials request must take 20 keystrokes or fewer. Nothing is
//! clicked once a walk starts: where the cursor goes after each step is what is tested.

use std::cell::Cell;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv};
use crate::store_check::{events_of, stored_events};

const PROCEDURE: &str = "Account Cancellation and Refunds (2017)";

const HEADER: &str = "External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep";

/// A realistic book of 30 accounts: the three the walks work on, and 27 others around them.
fn thirty_accounts() -> String {
    let mut csv = format!("{HEADER}\n");
    csv.push_str("E-1,Elm Street Bakery,Eli Park,eli@elmbakery.com,+1 555 010 3131,email,Essentials,server-2,Starter,29,USD,2024-02-01,348,0,\n");
    csv.push_str("P-1,Pinecrest Logistics,Pia Lund,pia@pinecrest.io,+1 555 010 4242,phone,Professional,server-1,Pro,420,USD,2021-06-01,20160,1500,Rob Reyes\n");
    csv.push_str("O-1,Oakridge Dental,Omar Diaz,omar@oakridge.dental,+1 555 010 5353,email,SMB,server-3,Business,2400,USD,2019-09-01,172800,0,Rita Ng\n");
    let tiers = [
        "Essentials",
        "Professional",
        "Professional 2A",
        "SMB",
        "Enterprise",
    ];
    for n in 1..=27 {
        let tier = tiers[n % tiers.len()];
        csv.push_str(&format!(
            "F-{n},Filler Company {n:02},Contact {n},contact{n}@filler{n}.com,+1 555 020 {n:04},email,{tier},server-{s},Plan,{mrr},USD,2022-01-{d:02},{total},{ar},Rob Reyes\n",
            s = n % 3 + 1,
            mrr = 50 + n * 10,
            d = n % 28 + 1,
            total = 1000 + n * 100,
            ar = (n % 4) * 400,
        ));
    }
    csv
}

/// The keys pressed in a walk, counted. A key with a modifier (Ctrl+K) is one keystroke, as it is
/// one press for the person.
struct Keyboard<'a> {
    app: &'a App,
    pressed: Cell<usize>,
}

impl<'a> Keyboard<'a> {
    fn new(app: &'a App) -> Self {
        Keyboard {
            app,
            pressed: Cell::new(0),
        }
    }

    fn keystrokes(&self) -> usize {
        self.pressed.get()
    }

    async fn key(&self, key: Key) -> Outcome {
        self.app.press(key).await?;
        self.pressed.set(self.pressed.get() + 1);
        Ok(())
    }

    async fn ctrl(&self, key: char) -> Outcome {
        self.app.press_ctrl(key).await?;
        self.pressed.set(self.pressed.get() + 1);
        Ok(())
    }

    async fn shift_tab(&self) -> Outcome {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Shift.into(),
            })
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Shift.into(),
            });
        self.app.client.perform_actions(keys).await?;
        self.pressed.set(self.pressed.get() + 1);
        Ok(())
    }

    /// Types `text` where the cursor is, one keystroke per character.
    async fn text(&self, text: &str) -> Outcome {
        let mut keys = KeyActions::new("keyboard".into());
        for c in text.chars() {
            keys = keys
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.app.client.perform_actions(keys).await?;
        self.pressed.set(self.pressed.get() + text.chars().count());
        Ok(())
    }
}

/// What the focused element is called: its aria-label, its label's text, or its own text.
async fn focused(app: &App) -> Result<String, fantoccini::error::CmdError> {
    let name = app
        .client
        .execute(
            "const el = document.activeElement;
             if (!el || el === document.body) return '';
             const own = el.getAttribute('aria-label');
             if (own) return own.trim();
             if (el.labels && el.labels.length) {
               const label = el.labels[0].cloneNode(true);
               label.querySelectorAll('select, option, datalist').forEach((n) => n.remove());
               return label.textContent.trim();
             }
             return (el.innerText || el.textContent || '').trim();",
            vec![],
        )
        .await?;
    Ok(name.as_str().unwrap_or_default().to_owned())
}

/// Waits until the cursor is on the control called `name` (it moves after a step is answered).
async fn wait_for_focus(app: &App, name: &str) -> Outcome {
    let started = std::time::Instant::now();
    loop {
        let now = focused(app).await?;
        if now.starts_with(name) {
            return Ok(());
        }
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the cursor is on {now:?}, not on {name:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// From anywhere on the desk: Esc out of the field the cursor is in, to the inbox, search for
/// `search`, down into the one row it finds, and Enter to work on that case. 6 keystrokes and the
/// search.
async fn find_in_inbox(keys: &Keyboard<'_>, search: &str, account: &str) -> Outcome {
    let app = keys.app;
    keys.key(Key::Escape).await?;
    keys.text("gi").await?;
    app.heading("Inbox").await?;
    keys.text("/").await?;
    wait_for_focus(app, "Search").await?;
    keys.text(search).await?;
    app.rows_exactly("Cases", 1).await?;
    keys.key(Key::Down).await?;
    app.heading(account).await?;
    keys.key(Key::Enter).await?;
    Ok(())
}

/// Printed in every run, passing or not: written to stderr itself, which the test harness does
/// not capture (println! would be shown only for a failure).
fn report(walk: &str, keys: &Keyboard<'_>) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "keyboard walk: {walk}: {} keystrokes",
        keys.keystrokes()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn three_2017_requests_are_worked_by_keyboard_alone() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", &thirty_accounts());

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("keyboard-walks", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 30 new").await?;
            // The requests arrive (opened from their accounts, as the setup of the walks).
            open_case(app, "oakridge", "Oakridge Dental").await?;
            open_case(app, "pinecrest", "Pinecrest Logistics").await?;
            open_case(app, "elm", "Elm Street Bakery").await?;
            app.set_window_size(1024, 640).await?;
            crate::review_screenshots::wait_for_width(app, 1024).await?;

            // 1. Essentials: the route drafts the sympathetic reply; Ctrl+Enter sends it.
            let keys = Keyboard::new(app);
            find_in_inbox(&keys, "elm", "Elm Street Bakery").await?;
            wait_for_focus(app, "Route case").await?;
            keys.key(Key::Enter).await?;
            wait_for_focus(app, "Message").await?;
            let body = app
                .field("Message")
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            ensure!(
                body.contains("https://example.com/exit-interview/server-2"),
                "the reply is drafted with the exit-interview link of the account's server: {body}"
            );
            keys.ctrl(Key::Enter.into()).await?;
            app.list_item("Timeline", "Acknowledged").await?;
            // The reply was the step: the cursor goes on to verifying the identity.
            wait_for_focus(app, "Contact used").await?;
            report(
                "Essentials request answered with the sympathetic reply",
                &keys,
            );
            ensure!(
                keys.keystrokes() <= 20,
                "the Essentials request took {} keystrokes (aim: 20 or fewer)",
                keys.keystrokes()
            );
            app.screenshot("keyboard-essentials-replied").await;

            // 2. Professional owing $1,500: routed to its rep for a save call, the call noted.
            let keys = Keyboard::new(app);
            find_in_inbox(&keys, "pine", "Pinecrest Logistics").await?;
            wait_for_focus(app, "Route case").await?;
            keys.key(Key::Enter).await?;
            app.text("Save call by the sales rep").await?;
            app.text("assigned to Rob Reyes").await?;
            // The rep's task carries the account's phone, and the case page shows it too.
            app.list_item("Open tasks", "+1 555 010 4242").await?;
            // A save call sends no reply: the request's first response is next, by a call.
            wait_for_focus(app, "What was said on the call").await?;
            keys.text("Told Pia that Rob will call her today").await?;
            keys.key(Key::Enter).await?;
            app.list_item("Timeline", "Acknowledged").await?;
            wait_for_focus(app, "Contact used").await?;
            report("Professional account routed to its sales rep", &keys);
            app.screenshot("keyboard-save-call-routed").await;

            // 3. A refund over $1000: Amy asks for it from the palette...
            let keys = Keyboard::new(app);
            find_in_inbox(&keys, "oak", "Oakridge Dental").await?;
            wait_for_focus(app, "Route case").await?;
            keys.ctrl('k').await?;
            wait_for_focus(app, "Command").await?;
            keys.text("request refund").await?;
            app.named("Request refund").await?;
            keys.key(Key::Enter).await?;
            wait_for_focus(app, "Refund amount").await?;
            keys.text("1500").await?;
            keys.key(Key::Tab).await?;
            keys.text("Charged twice in November").await?;
            keys.key(Key::Tab).await?;
            keys.text("2026-11-02").await?;
            keys.key(Key::Enter).await?;
            app.text("under review, needs a second verifier").await?;
            // The form that succeeded is empty again: nothing invites a second request.
            let amount = app
                .field("Refund amount (USD)")
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            ensure!(amount.is_empty(), "the refund form kept {amount:?}");
            let requested = keys.keystrokes();

            // ...Heather in billing takes the desk, finds it in her queue and verifies it.
            keys.ctrl('k').await?;
            wait_for_focus(app, "Command").await?;
            keys.text("switch").await?;
            app.named("Switch to another person").await?;
            keys.key(Key::Enter).await?;
            wait_for_focus(app, "Their name").await?;
            keys.text("Heather").await?;
            let mut tabs = 0;
            while focused(app).await? != "Billing" {
                ensure!(tabs < 12, "Tab never reached the Billing role");
                keys.key(Key::Tab).await?;
                tabs += 1;
            }
            keys.key(Key::Space).await?;
            keys.shift_tab().await?;
            while focused(app).await? != "Their name" {
                ensure!(tabs < 24, "Shift+Tab never came back to the name");
                keys.shift_tab().await?;
                tabs += 1;
            }
            keys.key(Key::Enter).await?;
            app.role_with_text("status", "You are now acting as Heather")
                .await?;
            keys.key(Key::Escape).await?;
            keys.text("gr").await?;
            app.heading("Refund approvals").await?;
            app.rows_exactly("Refund approvals list", 1).await?;
            keys.key(Key::Enter).await?;
            app.heading("Oakridge Dental").await?;
            // The verifier sees why it is due and the account's history on the same screen.
            app.text("“Charged twice in November”").await?;
            app.text("No other refund for this account.").await?;
            wait_for_focus(app, "Verify refund").await?;
            keys.key(Key::Enter).await?;
            app.text("with billing, verified by Heather").await?;
            report(
                &format!(
                    "refund over $1000 requested ({requested}) and verified by another person ({})",
                    keys.keystrokes() - requested
                ),
                &keys,
            );
            app.screenshot("keyboard-refund-verified").await;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    let events = stored_events(&profile);
    let routes: Vec<&str> = events_of(&events, "routed")
        .iter()
        .filter_map(|event| event.payload["route"].as_str())
        .collect();
    assert!(
        routes.contains(&"sympathetic_reply") && routes.contains(&"save_call"),
        "{routes:?}"
    );
    let requested = events_of(&events, "refund_requested");
    assert_eq!(requested.len(), 1, "{requested:?}");
    assert_eq!(requested[0].actor, "Amy Account");
    assert_eq!(
        requested[0].payload["justification"],
        "Charged twice in November"
    );
    let verified = events_of(&events, "refund_verified");
    assert_eq!(verified.len(), 1, "{verified:?}");
    assert_eq!(verified[0].actor, "Heather");
}
