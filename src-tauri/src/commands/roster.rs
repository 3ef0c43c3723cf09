//! The sales-rep roster: importing who still works here (`name,status`) and listing it. A rep the
//! roster says has left sends the save call to the policy's fallback person.

use holdfast_core::import::read_roster_csv;
use holdfast_store::roster::{RosterImportSummary, SalesRep};
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::commands::imports::import_path;
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// A roster is a line per rep; anything this large is not one.
const MAX_ROSTER_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Deserialize, TS)]
pub struct ImportRosterArgs {
    /// The CSV file (`name,status`, status `active` or `left`), as an absolute path.
    pub path: String,
}

#[tauri::command]
pub async fn import_sales_reps(
    state: State<'_, AppState>,
    Args(args): Args<ImportRosterArgs>,
) -> Result<RosterImportSummary, AppError> {
    let path = import_path(&args.path)?;
    let entries = tauri::async_runtime::spawn_blocking(move || {
        let cannot = |e: std::io::Error| {
            AppError::validation("path", format!("cannot read {}: {e}", path.display()))
        };
        let metadata = std::fs::metadata(&path).map_err(cannot)?;
        if !metadata.is_file() || metadata.len() > MAX_ROSTER_BYTES {
            return Err(AppError::validation(
                "path",
                format!("{} is not a roster file", path.display()),
            ));
        }
        let file = std::fs::File::open(&path).map_err(cannot)?;
        Ok(read_roster_csv(std::io::BufReader::new(file))?)
    })
    .await
    .map_err(|e| AppError::internal(format!("the roster import task failed: {e}")))??;
    state
        .with_database(move |database| {
            Ok(database.import_sales_reps(&entries, jiff::Timestamp::now())?)
        })
        .await
}

#[tauri::command]
pub async fn list_sales_reps(state: State<'_, AppState>) -> Result<Vec<SalesRep>, AppError> {
    state
        .with_database(|database| Ok(database.sales_reps()?))
        .await
}
