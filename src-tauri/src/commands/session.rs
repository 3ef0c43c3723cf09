//! Unlocking the profile: the start-up status, and the passphrase path for machines without a keyring.

use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::session::{self, SessionStatus};
use crate::state::AppState;

#[derive(Debug, Deserialize, TS)]
pub struct PassphraseArgs {
    pub passphrase: String,
}

/// Waits for the start-up attempt to open the profile's database, which runs beside the window's
/// creation.
#[tauri::command]
pub async fn session_status(state: State<'_, AppState>) -> Result<SessionStatus, AppError> {
    state.started().await;
    Ok(state.status())
}

#[tauri::command]
pub async fn create_passphrase(
    state: State<'_, AppState>,
    args: PassphraseArgs,
) -> Result<SessionStatus, AppError> {
    state.started().await;
    if state.keyring_available()
        && !matches!(state.status(), SessionStatus::NeedsNewPassphrase { .. })
    {
        return Err(AppError::Conflict {
            message: "this profile keeps its key in the OS keyring".into(),
        });
    }
    let profile = state.profile()?;
    let opened = tauri::async_runtime::spawn_blocking(move || {
        session::create_with_passphrase(&profile, &args.passphrase)
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))??;
    state.install(opened);
    Ok(state.status())
}

#[tauri::command]
pub async fn unlock_with_passphrase(
    state: State<'_, AppState>,
    args: PassphraseArgs,
) -> Result<SessionStatus, AppError> {
    state.started().await;
    let profile = state.profile()?;
    let opened = tauri::async_runtime::spawn_blocking(move || {
        session::unlock_with_passphrase(&profile, &args.passphrase)
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))??;
    state.install(opened);
    Ok(state.status())
}
