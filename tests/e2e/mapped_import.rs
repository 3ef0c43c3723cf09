//! Issue 16 through the window: a new user loads the sample data, walks it and removes it in one
//! step; then imports a Stripe customer export through the proposed mapping (correcting the tier
//! the export does not have), saves the mapping, and re-imports the next month's export as an XLSX
//! workbook, which the desk reads through the saved mapping and summarises as a sync.

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{xpath_literal, App, Found, Outcome};
use crate::import_and_cases::{set_up_profile, write_csv};

/// A Stripe Dashboard customer export (its own column labels), with an MRR column; it has no tier.
const STRIPE_CSV: &str = "\
id,Description,Email,Name,Created (UTC),Card ID,Currency,Balance,Delinquent,MRR
cus_Q1,VIP,ana@acme.io,Acme Corp,2024-03-05 14:01,card_1,usd,12.5,false,499
cus_Q2,,bo@beta.io,Beta GmbH,1709647260,card_2,eur,0,true,49
cus_Q3,,cy@gamma.io,Gamma Ltd,2023-11-20 09:30,card_3,usd,0,false,1200
";

/// Clicks the button named `name` after scrolling it to the middle of its scrolling column, as a
/// person scrolls down to a button below the fold before pressing it.
async fn click_in_view(app: &App, name: &str) -> Outcome {
    let button = app.button(name).await?;
    app.client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&button)?],
        )
        .await?;
    app.click(name).await
}

/// A select in the field group `group` of the mapping step, by its label's text.
async fn mapping_select(app: &App, group: &str, label: &str) -> Found {
    app.wait_for(&format!(
        "//*[@role='group' and @aria-label={g}]//label[normalize-space(text()[1])={l}]/select",
        g = xpath_literal(group),
        l = xpath_literal(label)
    ))
    .await
}

/// Chooses the option with `value` in that select, as a click on it does. The mapping's fields
/// scroll inside the panel: the select is brought into view first, as a person scrolls to it.
async fn choose(app: &App, group: &str, label: &str, value: &str) -> Outcome {
    let select = mapping_select(app, group, label).await?;
    app.client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&select)?],
        )
        .await?;
    app.wait_for(&format!(
        "//*[@role='group' and @aria-label={g}]//label[normalize-space(text()[1])={l}]/select/option[@value={v}]",
        g = xpath_literal(group),
        l = xpath_literal(label),
        v = xpath_literal(value)
    ))
    .await?
    .click()
    .await?;
    Ok(())
}

/// id, e-mail, name, created (year, month, day, hour, minute), currency, balance, delinquent, MRR.
type ExportRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    (u16, u8, u8, u8, u8),
    &'a str,
    f64,
    bool,
    f64,
);

fn stripe_workbook(path: &std::path::Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "id",
        "Description",
        "Email",
        "Name",
        "Created (UTC)",
        "Card ID",
        "Currency",
        "Balance",
        "Delinquent",
        "MRR",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    // Acme unchanged, Beta's balance now owed; Gamma is no longer in the export.
    let rows: [ExportRow; 2] = [
        (
            "cus_Q1",
            "ana@acme.io",
            "Acme Corp",
            (2024, 3, 5, 14, 1),
            "usd",
            12.5,
            false,
            499.0,
        ),
        (
            "cus_Q2",
            "bo@beta.io",
            "Beta GmbH",
            (2024, 3, 5, 14, 1),
            "eur",
            120.0,
            true,
            49.0,
        ),
    ];
    for (index, (id, email, name, (y, m, d, h, min), currency, balance, delinquent, mrr)) in
        rows.iter().enumerate()
    {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, *id).unwrap();
        sheet.write_string(row, 2, *email).unwrap();
        sheet.write_string(row, 3, *name).unwrap();
        let moment = ExcelDateTime::from_ymd(*y, *m, *d)
            .unwrap()
            .and_hms(u16::from(*h), *min, 0)
            .unwrap();
        sheet
            .write_datetime_with_format(row, 4, &moment, &date)
            .unwrap();
        sheet.write_string(row, 5, "card").unwrap();
        sheet.write_string(row, 6, *currency).unwrap();
        sheet.write_number(row, 7, *balance).unwrap();
        sheet.write_boolean(row, 8, *delinquent).unwrap();
        sheet.write_number(row, 9, *mrr).unwrap();
    }
    workbook.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_user_walks_sample_data_then_imports_a_stripe_export_and_re_imports_it_as_xlsx() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let csv = write_csv(workspace.path(), "stripe-customers.csv", STRIPE_CSV);
    let xlsx = workspace.path().join("stripe-customers-next-month.xlsx");
    stripe_workbook(&xlsx);
    let xlsx = xlsx.display().to_string();

    let app = App::launch(&profile).await;
    app.set_window_size(1024, 640).await.expect("window size");
    let app = app
        .run_scenario("mapped-import", async |app: &App| {
            set_up_profile(app).await?;
            app.click("Accounts").await?;
            app.heading("Accounts").await?;

            // The sample data: loaded in one step, marked, walked, removed in one step.
            app.click("Load sample accounts and cases").await?;
            app.role_with_text("region", "6 sample accounts and 4 cases").await?;
            app.row("Account list", "Alder & Finch Bakery (sample)").await?;
            app.screenshot("sample-data-loaded").await;
            app.click("Inbox").await?;
            app.heading("Inbox").await?;
            app.text("Cobalt Freight (sample)").await?;
            app.click("Accounts").await?;
            app.click("Remove the sample data").await?;
            app.role_with_text("status", "Sample data removed: 6 accounts and 4 cases.")
                .await?;
            app.text("No accounts yet.").await?;

            // A Stripe export: the desk proposes Stripe's preset; the tier is the person's.
            app.field("CSV or XLSX file").await?.send_keys(&csv).await?;
            app.click("Preview").await?;
            let read_as = app.field("Read the file as").await?;
            let proposed = read_as.prop("value").await?.unwrap_or_default();
            ensure!(proposed == "proposal", "the proposal is not chosen: {proposed}");
            app.text("Suggested: Stripe customers").await?;
            app.row("Rows that cannot be imported", "is required").await?;
            app.screenshot("mapped-import-proposed").await;
            choose(app, "Tier", "Tier *", "fixed").await?;
            let value = app
                .wait_for(
                    "//*[@role='group' and @aria-label='Tier']//label[normalize-space(text()[1])='Value for every row']/input",
                )
                .await?;
            value.send_keys("Standard").await?;
            // The value is taken when the field is left, as a person tabs on.
            app.press(fantoccini::key::Key::Tab).await?;
            app.role_with_text(
                "status",
                "The file has 3 accounts: 3 new, 0 updated, 0 unchanged.",
            )
            .await?;
            app.row("Accounts in the file", "Beta GmbH").await?;
            app.screenshot("mapped-import-preview").await;

            app.field("Save this mapping as")
                .await?
                .send_keys("Our Stripe export")
                .await?;
            click_in_view(app, "Save mapping").await?;
            app.role_with_text("status", "Saved as “Our Stripe export”").await?;
            click_in_view(app, "Import 3 accounts").await?;
            app.role_with_text("status", "Imported: 3 new, 0 updated, 0 unchanged.")
                .await?;
            app.rows_exactly("Account list", 3).await?;

            // Next month's export as a workbook: read through the saved mapping, a sync summary.
            let path = app.field("CSV or XLSX file").await?;
            path.clear().await?;
            path.send_keys(&xlsx).await?;
            app.click("Preview").await?;
            app.text("Suggested: your saved mapping “Our Stripe export”").await?;
            app.role_with_text(
                "status",
                "The file has 2 accounts: 0 new, 1 updated, 1 unchanged.",
            )
            .await?;
            app.text("1 account in Holdfast is not in this file").await?;
            click_in_view(app, "Import 1 account").await?;
            app.role_with_text(
                "status",
                "Imported: 0 new, 1 updated, 1 unchanged. 1 account in Holdfast is not in the file",
            )
            .await?;
            app.rows_exactly("Account list", 3).await?;

            // The saved mapping can be forgotten.
            path.clear().await?;
            path.send_keys(&xlsx).await?;
            app.click("Preview").await?;
            click_in_view(app, "Forget this mapping").await?;
            let started = std::time::Instant::now();
            loop {
                let options = app
                    .client
                    .find_all(Locator::XPath("//option[starts-with(., 'Saved: ')]"))
                    .await?;
                if options.is_empty() {
                    break;
                }
                ensure!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "the forgotten mapping is still offered"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            app.screenshot("mapped-import-1024x640").await;
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;
}
