//! A customer's data on their request (issue 14): everything held about them saved as JSON or as
//! a readable summary (`save_customer_data`), and their personal data erased
//! (`erase_customer_data`). The store decides who may and what is erased; the shell asks for the
//! file and checks that the person typed the customer's external id to confirm an erasure, which
//! cannot be undone.

use holdfast_store::customer_data::{CustomerCase, CustomerData};
use holdfast_store::erasure::ErasureOutcome;
use serde::Deserialize;
use tauri::{Runtime, State, WebviewWindow};
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::reports::{escape, write_file, SavedReport};
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// The file a customer's data is saved as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CustomerDataFormat {
    /// Machine-readable: everything, as recorded.
    Json,
    /// A readable summary, self-contained, that prints.
    Html,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SaveCustomerDataArgs {
    pub account_id: Uuid,
    pub format: CustomerDataFormat,
}

/// Saves everything held about one customer through the save dialog; `None` when the person
/// closed it.
#[tauri::command]
pub async fn save_customer_data<R: Runtime>(
    state: State<'_, AppState>,
    window: WebviewWindow<R>,
    Args(args): Args<SaveCustomerDataArgs>,
) -> Result<Option<SavedReport>, AppError> {
    let account_id = args.account_id;
    let data = state
        .with_database(move |database| Ok(database.customer_data(account_id, crate::clock::now())?))
        .await?;
    let (contents, extension, kind) = match args.format {
        CustomerDataFormat::Json => (
            serde_json::to_vec_pretty(&data).map_err(|e| AppError::internal(e.to_string()))?,
            "json",
            "JSON files",
        ),
        CustomerDataFormat::Html => (
            customer_summary_html(&data).into_bytes(),
            "html",
            "Web pages",
        ),
    };
    let chosen = rfd::AsyncFileDialog::new()
        .set_title("Save this customer's data")
        .set_file_name(format!(
            "customer-{}.{extension}",
            file_safe(&data.account.draft.external_id)
        ))
        .add_filter(kind, &[extension])
        .set_parent(&window)
        .save_file()
        .await;
    let Some(file) = chosen else {
        return Ok(None);
    };
    write_file(file.path().to_owned(), contents, "the customer's data").await
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct EraseCustomerDataArgs {
    pub account_id: Uuid,
    /// The account's external id as the person typed it: an erasure cannot be undone, so it is
    /// confirmed by naming the customer, not by a click.
    pub confirm_external_id: String,
}

/// Erases the customer's personal data (in a team profile: asks the server, which erases its copy
/// and every desk's).
#[tauri::command]
pub async fn erase_customer_data(
    state: State<'_, AppState>,
    Args(args): Args<EraseCustomerDataArgs>,
) -> Result<ErasureOutcome, AppError> {
    state
        .with_database(move |database| {
            let account = database.account(args.account_id)?;
            if args.confirm_external_id.trim() != account.draft.external_id {
                return Err(AppError::validation(
                    "confirm_external_id",
                    format!(
                        "type the customer's external id ({}) to confirm the erasure",
                        account.draft.external_id
                    ),
                ));
            }
            Ok(database.erase_customer(args.account_id, crate::clock::now())?)
        })
        .await
}

/// A name a file system takes: letters, digits, `-` and `_` kept, anything else a `-`.
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Everything held about the customer as one self-contained page: the account, then each case
/// with every recorded step, who took it, when, and what was recorded.
pub fn customer_summary_html(data: &CustomerData) -> String {
    let account = &data.account.draft;
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str(&format!(
        "<title>Personal data held about {}</title>",
        escape(&account.name)
    ));
    out.push_str(
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111}\
         table{border-collapse:collapse;margin:.5rem 0 1.5rem}\
         th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}\
         th{background:#f0f0f0}dt{font-weight:600}dd{margin:0 0 .4rem}\
         @media print{body{margin:0}}</style></head><body>",
    );
    out.push_str(&format!(
        "<h1>Personal data held about {}</h1>",
        escape(&account.name)
    ));
    out.push_str(&format!(
        "<p>Customer {} · exported {} by {}{}</p>",
        escape(&account.external_id),
        escape(&data.exported_at.to_string()),
        escape(&data.exported_by),
        if data.erased {
            " · this customer's personal data was erased on request; what is shown is what is kept"
        } else {
            ""
        }
    ));
    out.push_str("<h2>Account</h2><dl>");
    let facts: [(&str, Option<String>); 9] = [
        ("Name", Some(account.name.clone())),
        ("Contact", account.contact_name.clone()),
        ("E-mail", account.email.clone()),
        ("Phone", account.phone.clone()),
        ("Tier", Some(account.tier.clone())),
        ("Plan", account.plan.clone()),
        (
            "Customer since",
            account.customer_since.map(|date| date.to_string()),
        ),
        ("Monthly recurring revenue", Some(account.mrr.to_string())),
        ("Total collected", Some(account.total_collected.to_string())),
    ];
    for (label, value) in facts {
        out.push_str(&format!(
            "<dt>{label}</dt><dd>{}</dd>",
            escape(value.as_deref().unwrap_or("—"))
        ));
    }
    out.push_str("</dl>");
    out.push_str(&format!(
        "<h2>Cancellation requests ({})</h2>",
        data.cases.len()
    ));
    if data.cases.is_empty() {
        out.push_str("<p>None.</p>");
    }
    for case in &data.cases {
        case_section(&mut out, case);
    }
    out.push_str("</body></html>\n");
    out
}

fn case_section(out: &mut String, case: &CustomerCase) {
    let summary = &case.summary;
    out.push_str(&format!(
        "<h3>Received {} from {} ({})</h3>",
        escape(&summary.received_at.to_string()),
        escape(&summary.requester_name),
        escape(&summary.requester_contact)
    ));
    out.push_str(&format!(
        "<p>Status: {} · channel: {}</p>",
        escape(summary.status.as_str()),
        escape(summary.channel.as_str())
    ));
    out.push_str("<table><thead><tr><th>When</th><th>What</th><th>By</th><th>Recorded</th></tr></thead><tbody>");
    for event in &case.events {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&event.recorded_at.to_string()),
            escape(&event.kind.replace('_', " ")),
            escape(&event.by),
            escape(&details(&event.details))
        ));
    }
    out.push_str("</tbody></table>");
}

/// An event's recorded fields as `name: value` lines.
fn details(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                format!("{}: {text}", key.replace('_', " "))
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_keeps_only_what_every_file_system_takes() {
        assert_eq!(file_safe("C-77"), "C-77");
        assert_eq!(file_safe("../a b/c"), "---a-b-c");
    }

    #[test]
    fn details_read_as_lines_without_empty_fields() {
        let value = serde_json::json!({"body": "Dear <Ada>", "channel": "email", "survey_link": null, "n": 2});
        assert_eq!(details(&value), "body: Dear <Ada>; channel: email; n: 2");
    }
}
