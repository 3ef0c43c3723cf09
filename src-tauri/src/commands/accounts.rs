//! Accounts: the searchable account list, and one account's page with its history (importing them
//! is `imports.rs`).

use holdfast_store::account_history::AccountDetail;
use holdfast_store::accounts::{AccountPage, AccountQuery};
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_accounts(
    state: State<'_, AppState>,
    Args(args): Args<AccountQuery>,
) -> Result<AccountPage, AppError> {
    state
        .with_database(move |database| Ok(database.accounts(&args)?))
        .await
}

#[derive(Debug, Deserialize, TS)]
pub struct AccountArgs {
    pub account_id: Uuid,
}

/// The account's page: the account, its cases, and the offers and refunds on them.
#[tauri::command]
pub async fn account_detail(
    state: State<'_, AppState>,
    Args(args): Args<AccountArgs>,
) -> Result<AccountDetail, AppError> {
    state
        .with_database(move |database| Ok(database.account_detail(args.account_id)?))
        .await
}
