//! Moves a person makes on the desk in every procedure: opening a case from an account, switching
//! who uses the desk (Settings) to act as a second person, and coming back to a case in the inbox.

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{text_of, App, Failure, Outcome};

/// Every role the Settings screen offers, by the name it shows.
const ROLE_NAMES: [&str; 6] = [
    "Account manager",
    "Customer success manager",
    "Manager",
    "Billing",
    "Sales rep",
    "Administrator",
];

/// From the Accounts screen: finds the account by `search`, opens a case on it with the contact
/// on file as requester, and waits for the case's checklist.
pub async fn open_case(app: &App, search: &str, account: &str) -> Outcome {
    app.click("Accounts").await?;
    app.heading("Accounts").await?;
    let field = app.field("Search accounts").await?;
    field.clear().await?;
    field.send_keys(search).await?;
    let rows = app.rows_exactly("Account list", 1).await?;
    ensure!(
        text_of(&rows[0]).await?.contains(account),
        "the search for {search} found the wrong account"
    );
    rows[0].find(Locator::Css("td")).await?.click().await?;
    app.heading(account).await?;
    app.click("Open case").await?;
    app.heading("Inbox").await?;
    app.heading(account).await?;
    app.heading("Checklist").await?;
    Ok(())
}

/// In Settings, fills the person form named `form`: `name` in its `name_field`, exactly `roles`
/// ticked, then presses `button`.
async fn fill_person_form(
    app: &App,
    form: &str,
    name_field: &str,
    name: &str,
    roles: &[&str],
    button: &str,
) -> Outcome {
    app.click("Settings").await?;
    app.heading("Settings").await?;
    let field = app.field(name_field).await?;
    field.clear().await?;
    field.send_keys(name).await?;
    for role in ROLE_NAMES {
        let choice = app.choice_in(form, role).await?;
        if choice.is_selected().await? != roles.contains(&role) {
            choice.click().await?;
        }
    }
    app.button_in(form, button).await?.click().await?;
    Ok(())
}

/// Switches the desk to another person in Settings (`name` holding exactly `roles`: a person
/// the profile knows, or a new one), and waits for the desk to confirm it.
pub async fn switch_user(app: &App, name: &str, roles: &[&str]) -> Outcome {
    fill_person_form(
        app,
        "Switch to another person",
        "Their name",
        name,
        roles,
        "Switch user",
    )
    .await?;
    app.role_with_text("status", &format!("You are now acting as {name}"))
        .await?;
    Ok(())
}

/// Corrects the name and roles of the person using the desk ("Your name and roles" in Settings:
/// the same person, same id) and waits for the desk to confirm it.
pub async fn rename_self(app: &App, name: &str, roles: &[&str]) -> Outcome {
    fill_person_form(
        app,
        "Your name and roles",
        "Your name",
        name,
        roles,
        "Save name and roles",
    )
    .await?;
    app.role_with_text("status", &format!("Saved: you are {name}"))
        .await?;
    Ok(())
}

/// Back to the inbox with the case of `account` open beside the list.
pub async fn show_case(app: &App, account: &str) -> Outcome {
    app.click("Inbox").await?;
    app.heading("Inbox").await?;
    app.row("Cases", account)
        .await?
        .find(Locator::Css("td"))
        .await?
        .click()
        .await?;
    app.heading(account).await?;
    app.heading("Checklist").await?;
    Ok(())
}

/// The text of the inbox row of `account`'s case.
pub async fn case_row_text(app: &App, account: &str) -> Result<String, Failure> {
    Ok(text_of(&app.row("Cases", account).await?).await?)
}

/// Verifies the open case's requester against a contact on file, with the evidence the user
/// types, and waits for the timeline to record it.
pub async fn verify_identity(app: &App, contact: &str, evidence: &str) -> Outcome {
    app.field("Contact used").await?.send_keys(contact).await?;
    app.field("Evidence").await?.send_keys(evidence).await?;
    app.click("Verify identity").await?;
    app.list_item("Timeline", "Identity verified").await?;
    Ok(())
}

/// The first response: opens the acknowledgement message from the checklist, filled from the
/// case, and records it as sent, which acknowledges the request.
pub async fn acknowledge(app: &App) -> Outcome {
    app.click("Write acknowledgement").await?;
    let body = app.field("Message").await?.prop("value").await?;
    ensure!(
        body.is_some_and(|body| !body.trim().is_empty()),
        "the acknowledgement is drafted from the policy's template"
    );
    app.click("Copy and record as sent").await?;
    app.list_item("Timeline", "Acknowledged").await?;
    Ok(())
}

/// The first response by phone, where the policy accepts a call: what was said, logged, which
/// acknowledges the request.
pub async fn acknowledge_by_call(app: &App, said: &str) -> Outcome {
    app.field("What was said on the call")
        .await?
        .send_keys(said)
        .await?;
    app.click("Log a call").await?;
    app.list_item("Timeline", "Acknowledged").await?;
    Ok(())
}

/// Imports the sales-rep roster (`name,status`) from the file at `path` through Accounts →
/// "Sales reps…", and waits for the import's summary.
pub async fn import_roster(app: &App, path: &str) -> Outcome {
    app.click("Accounts").await?;
    app.heading("Accounts").await?;
    app.click("Sales reps…").await?;
    app.heading("Sales reps").await?;
    app.field("Roster CSV file").await?.send_keys(path).await?;
    app.click("Import roster").await?;
    app.role_with_text("status", "Roster imported:").await?;
    Ok(())
}
