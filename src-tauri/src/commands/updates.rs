//! Updates from the desk (issue 15): "Check for updates" in Settings and "Install and restart"
//! once the person has seen the version and its notes. The work is `crate::updates`'.

use serde::Deserialize;
use tauri::{AppHandle, Runtime};
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::updates::UpdateCheck;

/// Asks the release server whether a newer Holdfast is out.
#[tauri::command]
pub async fn check_for_update<R: Runtime>(app: AppHandle<R>) -> Result<UpdateCheck, AppError> {
    crate::updates::check(&app).await
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct InstallUpdateArgs {
    /// The version the person chose to install, as the check announced it.
    pub version: String,
}

/// Downloads, verifies and installs the version the person chose, then starts Holdfast again as
/// it; an answer comes back only when that failed.
#[tauri::command]
pub async fn install_update<R: Runtime>(
    app: AppHandle<R>,
    Args(args): Args<InstallUpdateArgs>,
) -> Result<(), AppError> {
    crate::updates::install(&app, &args.version).await
}
