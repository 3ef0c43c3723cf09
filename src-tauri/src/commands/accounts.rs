//! Accounts: choosing and importing a CSV export, and the searchable account list.

use std::path::PathBuf;

use holdfast_store::accounts::{AccountPage, AccountQuery, ImportSummary};
use serde::Deserialize;
use tauri::{Runtime, State, WebviewWindow};
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

/// Largest file accepted; an account export of a few hundred thousand rows is well under it.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Deserialize, TS)]
pub struct ImportAccountsArgs {
    /// The CSV file to import, as an absolute path.
    pub path: String,
}

/// Shows the OS file dialog; `None` when the user cancels. Synchronous on purpose: Tauri runs
/// synchronous commands on the main thread, where the GTK dialog must live.
#[tauri::command]
pub fn choose_accounts_file<R: Runtime>(window: WebviewWindow<R>) -> Option<String> {
    rfd::FileDialog::new()
        .set_title("Import accounts from CSV")
        .add_filter("CSV files", &["csv", "CSV"])
        .set_parent(&window)
        .pick_file()
        .map(|path| path.display().to_string())
}

#[tauri::command]
pub async fn import_accounts(
    state: State<'_, AppState>,
    args: ImportAccountsArgs,
) -> Result<ImportSummary, AppError> {
    let path = PathBuf::from(args.path.trim());
    if args.path.trim().is_empty() {
        return Err(AppError::validation("path", "choose a CSV file to import"));
    }
    if !path.is_absolute() {
        return Err(AppError::validation("path", "give the file's full path"));
    }
    // Read and check the file before taking the database, so the desk stays usable meanwhile.
    let drafts = tauri::async_runtime::spawn_blocking(move || read_export(&path))
        .await
        .map_err(|e| AppError::internal(format!("the import task failed: {e}")))??;
    state
        .with_database(move |database| {
            Ok(database.import_accounts(&drafts, jiff::Timestamp::now())?)
        })
        .await
}

fn read_export(
    path: &std::path::Path,
) -> Result<Vec<holdfast_core::account::AccountDraft>, AppError> {
    let cannot = |what: &str, e: std::io::Error| {
        AppError::validation("path", format!("cannot {what} {}: {e}", path.display()))
    };
    let metadata = std::fs::metadata(path).map_err(|e| cannot("read", e))?;
    if !metadata.is_file() {
        return Err(AppError::validation(
            "path",
            format!("{} is not a file", path.display()),
        ));
    }
    if metadata.len() > MAX_IMPORT_BYTES {
        return Err(AppError::validation(
            "path",
            format!(
                "the file is larger than {} MiB",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| cannot("open", e))?;
    Ok(holdfast_core::import::read_accounts_csv(
        std::io::BufReader::new(file),
    )?)
}

#[tauri::command]
pub async fn list_accounts(
    state: State<'_, AppState>,
    args: AccountQuery,
) -> Result<AccountPage, AppError> {
    state
        .with_database(move |database| Ok(database.accounts(&args)?))
        .await
}
