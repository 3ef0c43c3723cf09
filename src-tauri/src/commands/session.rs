//! Unlocking the profile: the start-up status, and the passphrase path for machines without a keyring.

use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::session::{self, SessionStatus};
use crate::state::AppState;

#[derive(Deserialize, TS)]
pub struct PassphraseArgs {
    pub passphrase: String,
}

/// The passphrase is wiped from memory once the command is done with it, and never printed.
impl Drop for PassphraseArgs {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.passphrase);
    }
}

impl std::fmt::Debug for PassphraseArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PassphraseArgs { passphrase: … }")
    }
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
    Args(args): Args<PassphraseArgs>,
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
        let opened = session::create_with_passphrase(&profile, &args.passphrase);
        drop(args);
        opened
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))??;
    state.install(opened);
    Ok(state.status())
}

#[tauri::command]
pub async fn unlock_with_passphrase(
    state: State<'_, AppState>,
    Args(args): Args<PassphraseArgs>,
) -> Result<SessionStatus, AppError> {
    state.started().await;
    let profile = state.profile()?;
    let opened = tauri::async_runtime::spawn_blocking(move || {
        let opened = session::unlock_with_passphrase(&profile, &args.passphrase);
        drop(args);
        opened
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))??;
    state.install(opened);
    Ok(state.status())
}

#[cfg(test)]
mod tests {
    use super::PassphraseArgs;

    #[test]
    fn a_passphrase_is_never_printed() {
        let args: PassphraseArgs =
            serde_json::from_str(r#"{"passphrase":"correct horse battery"}"#).unwrap();
        assert!(!format!("{args:?}").contains("correct horse"));
    }
}
