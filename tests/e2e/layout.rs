//! A layout that holds, at 1280x800 and at the smallest window the desk supports (1024x640):
//! every screen a person works in is checked by the layout rules (nothing spills out of its pane,
//! no text cut outside an ellipsis, a rail label on one line, page headings stay put while the
//! lists scroll) and kept as a screenshot for review: the import preview, the inbox with more
//! cases than fit, a case at each step (received, identity verified, routed, finalized), each
//! queue, Accounts, Policy, Settings and the command palette. At 1024x640 at least ten inbox rows
//! are whole on screen with their names and tiers readable, the filters sit in one row behind a
//! "Filters" button, and another case chosen opens at its top.
//!
//! The rules are ui/src/lib/testing/overflow.js, the file the UI's unit tests check, run here in
//! the app's window through WebDriver; the app itself does not carry it.

use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::json;

use crate::checklist_items::confirm_items;
use crate::desk::{acknowledge_by_call, open_case, show_case, verify_identity};
use crate::ensure;
use crate::harness::{App, Outcome};
use crate::import_and_cases::{preview, set_up_profile_for, write_csv};
use crate::sop_2017::{blocker_gone, days_from_today};

const PROCEDURE: &str = "Account Cancellation and Refunds (2017)";

/// The rules, made a script: the module's `export`s dropped, then the checks called.
fn layout_script(call: &str) -> String {
    let rules = include_str!("../../ui/src/lib/testing/overflow.js")
        .replace("export function ", "function ");
    format!("{rules}\n{call}")
}

/// Fourteen accounts, a realistic mix of the 2017 procedure's tiers (with the longest,
/// "Professional 2A"), names as long as a CRM gives them, and the fields routing reads.
const ACCOUNTS_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep
L-01,Elm Street Bakery,Eli Park,eli@elmbakery.com,+1 555 010 3131,email,Essentials,server-2,Starter,29,USD,2024-02-01,348,0,
L-02,Quillfeather Health,Gil Moreau,gil@quillfeather.io,+1 555 010 4141,email,SMB,server-1,Enterprise,\"12,000\",USD,2019-06-01,\"420,000.00\",\"2,500.00\",Rita Ng
L-03,Harborview Dental,Hana Ito,hana@harborview.com,+1 555 010 5151,phone,Professional,server-3,Pro,450,USD,2021-09-15,\"16,200\",\"1,250.00\",Rob Reyes
L-04,Brightline Logistics,Ben Ortiz,ben@brightline.io,+1 555 010 6161,email,Professional 2A,server-1,Pro Plus,980,USD,2020-04-01,\"47,040\",0,Rob Reyes
L-05,Copperleaf Studios,Cora Lin,cora@copperleaf.co,+1 555 010 7171,email,Essentials,server-2,Starter,39,USD,2023-05-20,624,0,
L-06,Northwind Outfitters,Nia Cole,nia@northwind.shop,+1 555 010 8181,email,Enterprise,server-3,Enterprise,\"4,800\",USD,2018-01-08,\"340,000\",0,Rita Ng
L-07,Maple & Oak Realty,Max Ruiz,max@mapleoak.com,+1 555 010 9191,phone,Professional,server-1,Pro,420,USD,2022-02-14,\"9,240\",0,Rob Reyes
L-08,Silverpine Clinics,Sia Park,sia@silverpine.health,+1 555 011 0101,email,SMB,server-2,Business,\"1,900\",USD,2020-11-30,\"98,800\",300,Rita Ng
L-09,Tidewater Marine,Tom Hale,tom@tidewater.net,+1 555 011 1111,email,Essentials,server-3,Starter,29,USD,2024-07-01,174,0,
L-10,Redwood Analytics,Rae Kim,rae@redwood.ai,+1 555 011 2121,email,Professional 2A,server-1,Pro Plus,990,USD,2021-03-03,\"42,570\",0,Rob Reyes
L-11,Lakeside Fitness,Lia Moss,lia@lakeside.fit,+1 555 011 3131,phone,Essentials,server-2,Starter,49,USD,2023-10-10,980,0,
L-12,Granite Peak Legal,Gus Barr,gus@granitepeak.law,+1 555 011 4141,email,Professional,server-3,Pro,460,USD,2019-12-12,\"27,600\",0,Rob Reyes
L-13,Bluebird Bookkeeping,Bea Wolf,bea@bluebird.tax,+1 555 011 5151,email,SMB,server-1,Business,\"2,100\",USD,2018-08-08,\"151,200\",0,Rita Ng
L-14,Orchard Hill Farms,Oli Dunn,oli@orchardhill.farm,+1 555 011 6161,email,Essentials,server-2,Starter,29,USD,2024-03-15,348,0,
";

/// The accounts whose cases fill the inbox (all but two), by search text and name.
const CASES: [(&str, &str); 12] = [
    ("brightline", "Brightline Logistics"),
    ("copperleaf", "Copperleaf Studios"),
    ("northwind", "Northwind Outfitters"),
    ("maple", "Maple & Oak Realty"),
    ("silverpine", "Silverpine Clinics"),
    ("tidewater", "Tidewater Marine"),
    ("redwood", "Redwood Analytics"),
    ("lakeside", "Lakeside Fitness"),
    ("granite", "Granite Peak Legal"),
    ("harborview", "Harborview Dental"),
    ("quillfeather", "Quillfeather Health"),
    ("elm", "Elm Street Bakery"),
];

/// The queues of the rail, by the name it shows.
const QUEUES: [&str; 7] = [
    "My tasks",
    "Escalations",
    "Refund approvals",
    "Refunds to process",
    "Offer approvals",
    "Finalizations",
    "Win-back",
];

const SIZES: [(u32, u32); 2] = [(1280, 800), (1024, 640)];

/// Resizes the window and waits until the page has the new width and has been laid out again.
async fn resize(app: &App, width: u32, height: u32) -> Outcome {
    app.set_window_size(width, height).await?;
    let started = std::time::Instant::now();
    loop {
        let now = app
            .client
            .execute("return window.innerWidth;", vec![])
            .await?
            .as_u64()
            .unwrap_or(0);
        // The window manager may take a few pixels for borders.
        if now <= u64::from(width) && now + 40 >= u64::from(width) {
            break;
        }
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the window is {now}px wide, not {width}px"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Two frames, so container queries and the virtualized list have followed.
    app.client
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            vec![],
        )
        .await?;
    Ok(())
}

/// Runs the layout rules on the window as it is: nothing spills out of its pane, no text is cut
/// outside an ellipsis, the rail's labels keep to one line, the inbox's names and tiers are whole,
/// and no page heading moves when the panes under it scroll.
async fn check_layout(app: &App, what: &str) -> Outcome {
    let expectations = json!({
        "oneLine": ["nav[aria-label=\"Screens\"] li button"],
        "whole": [
            "table[aria-label=\"Cases\"] td.tier",
            "table[aria-label=\"Cases\"] td.account .name",
        ],
    });
    let ignore = json!([
        "section[aria-label=\"Case\"] h1",
        "section[aria-label=\"Account details\"] h1",
    ]);
    let verdict = app
        .client
        .execute(
            &layout_script(
                "return { problems: checkLayout(document.body, arguments[0]), moved: headingsThatScroll(document.body, arguments[1]) };",
            ),
            vec![expectations, ignore],
        )
        .await?;
    let problems: Vec<String> = serde_json::from_value(verdict["problems"].clone())?;
    let moved: Vec<String> = serde_json::from_value(verdict["moved"].clone())?;
    ensure!(
        problems.is_empty(),
        "{what}: the layout breaks its rules:\n{}",
        problems.join("\n")
    );
    ensure!(
        moved.is_empty(),
        "{what}: these headings scroll away with their pane: {}",
        moved.join(", ")
    );
    Ok(())
}

/// How many inbox rows are whole on screen, below the list's header.
async fn inbox_rows_visible(app: &App) -> Result<u64, crate::harness::Failure> {
    Ok(app
        .client
        .execute(&layout_script("return rowsFullyVisible('Cases');"), vec![])
        .await?
        .as_u64()
        .unwrap_or(0))
}

/// Checks what is on screen at both sizes and keeps a screenshot of each, named
/// `review-<name>-<width>x<height>`; leaves the window at the smallest size.
async fn review(app: &App, name: &str) -> Outcome {
    for (width, height) in SIZES {
        resize(app, width, height).await?;
        let shot = format!("review-{name}-{width}x{height}");
        app.screenshot(&shot).await;
        check_layout(app, &shot).await?;
    }
    Ok(())
}

/// The scroll offset of the case pane beside the inbox.
async fn case_pane_scroll(app: &App) -> Result<i64, crate::harness::Failure> {
    Ok(app
        .client
        .execute(
            "return Math.round(document.querySelector('section[aria-label=\"Case\"]').scrollTop);",
            vec![],
        )
        .await?
        .as_i64()
        .unwrap_or(-1))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_layout_holds_at_1280x800_and_1024x640() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "accounts.csv", ACCOUNTS_CSV);
    let effective = days_from_today(14).to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("layout", async |app: &App| {
            resize(app, 1280, 800).await?;
            set_up_profile_for(app, &["Account manager", "Billing"], PROCEDURE).await?;

            // The import preview: the routing fields in view, the wide table inside its pane.
            preview(app, &csv).await?;
            app.role_with_text("status", "The file has 14 accounts").await?;
            app.row("Accounts in the file", "Professional 2A").await?;
            review(app, "import-preview").await?;
            app.click("Import 14 accounts").await?;
            app.role_with_text("status", "Imported: 14 new").await?;
            resize(app, 1280, 800).await?;

            for (search, account) in CASES {
                open_case(app, search, account).await?;
            }
            // A case as it arrives.
            review(app, "case-received").await?;

            // Quillfeather: acknowledged by a call and its requester verified; a refund above
            // $1000 waits for a second verifier (the Refund approvals queue).
            show_case(app, "Quillfeather Health").await?;
            acknowledge_by_call(app, "Called Gil back; the cancellation is in hand").await?;
            verify_identity(app, "gil@quillfeather.io", "Request came from the address on file")
                .await?;
            blocker_gone(app, "identity").await?;
            review(app, "case-identity-verified").await?;
            app.field("Refund amount (USD)")
                .await?
                .send_keys("1500.00")
                .await?;
            app.field("Justification")
                .await?
                .send_keys("Charged twice for June; bank statement attached to the ticket")
                .await?;
            app.click("Request refund").await?;
            app.list_item("Refunds", "1,500.00 requested").await?;

            // Elm Street Bakery: routed to the sympathetic reply, then answered, verified and
            // finalized.
            show_case(app, "Elm Street Bakery").await?;
            app.click("Route case").await?;
            app.text("Sympathetic reply with the exit survey").await?;
            review(app, "case-routed").await?;
            app.click("Copy and record as sent").await?;
            app.list_item("Timeline", "Acknowledged").await?;
            verify_identity(app, "eli@elmbakery.com", "Request came from the address on file")
                .await?;
            blocker_gone(app, "identity").await?;
            confirm_items(
                app,
                &["Account closed in the billing system (no further charges)"],
                "Closed in billing, no further charges",
                "Amy Account",
            )
            .await?;
            app.field("Effective date")
                .await?
                .send_keys(&effective)
                .await?;
            app.click("Finalize cancellation").await?;
            app.text(&format!("Cancellation finalized, effective {effective}"))
                .await?;
            review(app, "case-finalized").await?;

            // The inbox with more cases than a small window shows: ten rows at least are whole
            // on screen at 1024x640.
            review(app, "inbox").await?;
            app.rows_exactly("Cases", 12).await?;
            let visible = inbox_rows_visible(app).await?;
            ensure!(
                visible >= 10,
                "only {visible} inbox rows are whole on screen at 1024x640"
            );

            // The filters fold into one row; the button opens them over the list, by keyboard,
            // and Esc closes them with the focus back on the button.
            let toggle = app.button("Filters").await?;
            toggle.click().await?;
            app.field("Status").await?.select_by_label("In progress").await?;
            app.button("Filters, 1 on").await?;
            review(app, "inbox-filters-open").await?;
            app.press(Key::Escape).await?;
            let focused = app.client.active_element().await?;
            ensure!(
                focused.attr("aria-expanded").await?.as_deref() == Some("false")
                    && focused.attr("aria-label").await?.as_deref() == Some("Filters, 1 on"),
                "Esc closes the filters with the focus back on their button"
            );
            focused.click().await?;
            app.field("Status").await?.select_by_label("All statuses").await?;
            app.click("Done").await?;
            app.button("Filters").await?;
            app.rows_exactly("Cases", 12).await?;

            // Another case opens at its top, wherever the previous one was scrolled to.
            show_case(app, "Quillfeather Health").await?;
            app.client
                .execute(
                    "const pane = document.querySelector('section[aria-label=\"Case\"]'); pane.scrollTop = pane.scrollHeight;",
                    vec![],
                )
                .await?;
            ensure!(
                case_pane_scroll(app).await? > 0,
                "the Quillfeather case is longer than the pane at 1024x640"
            );
            show_case(app, "Harborview Dental").await?;
            let offset = case_pane_scroll(app).await?;
            ensure!(offset == 0, "the next case opened {offset}px down, not at its top");

            // Each queue of the rail the procedure shows.
            for queue in QUEUES {
                let xpath = format!("//nav[@aria-label='Screens']//button[@aria-label='{queue}']");
                if app.client.find_all(Locator::XPath(&xpath)).await?.is_empty() {
                    eprintln!("layout: the rail shows no {queue} under this procedure");
                    continue;
                }
                app.click(queue).await?;
                app.named(if queue == "Win-back" { "Win-back check-ins" } else { queue })
                    .await?;
                let slug = queue.to_lowercase().replace(' ', "-");
                review(app, &format!("queue-{slug}")).await?;
            }

            // Accounts with an account open, the Policy and Settings.
            app.click("Accounts").await?;
            app.heading("Accounts").await?;
            app.row("Account list", "Harborview Dental")
                .await?
                .find(Locator::Css("td"))
                .await?
                .click()
                .await?;
            app.heading("Harborview Dental").await?;
            review(app, "accounts").await?;
            app.click("Policy").await?;
            app.heading("Policy").await?;
            review(app, "policy").await?;
            app.click("Settings").await?;
            app.heading("Settings").await?;
            review(app, "settings").await?;

            // The palette over the inbox.
            app.click("Inbox").await?;
            app.heading("Inbox").await?;
            app.press_ctrl('k').await?;
            app.named("Command").await?.send_keys("quill").await?;
            app.named("Quillfeather Health — Gil Moreau").await?;
            review(app, "palette").await?;
            app.press(Key::Escape).await?;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}
