//! Cases: opening one for an account, and the inbox.

use holdfast_core::case::OpenCase;
use holdfast_store::cases::{CasePage, CaseSummary, InboxQuery};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn open_case(
    state: State<'_, AppState>,
    args: OpenCase,
) -> Result<CaseSummary, AppError> {
    state
        .with_database(move |database| Ok(database.open_case(args, jiff::Timestamp::now())?))
        .await
}

#[tauri::command]
pub async fn list_inbox(
    state: State<'_, AppState>,
    args: InboxQuery,
) -> Result<CasePage, AppError> {
    state
        .with_database(move |database| Ok(database.inbox(&args)?))
        .await
}
