//! Updates (issue 15): the desk asks the release server whether a newer Holdfast is out (on start
//! and from Settings), shows its version and notes, and installs it only when the person says so.
//! `tauri-plugin-updater` fetches the release manifest, downloads the package of this install's
//! kind (a `.deb` or `.rpm` on Linux, the platforms' own installers elsewhere), verifies its
//! minisign signature against the public key in `tauri.conf.json`, installs it and the app starts
//! again as the new version. The profile's database (its cases and its sync outbox) is not part
//! of the package: it stays where it is, and the new version opens it.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use tauri_plugin_updater::UpdaterExt;
use ts_rs::TS;

use crate::error::AppError;

/// The event that tells the window a newer version was found at start.
pub const UPDATE_AVAILABLE_EVENT: &str = "holdfast://update-available";

/// This version, and a newer one when the release server has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdateCheck {
    /// The version running now.
    pub current: String,
    #[ts(optional = nullable)]
    pub available: Option<AvailableUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AvailableUpdate {
    pub version: String,
    /// What changed, as the release notes say it.
    #[ts(optional = nullable)]
    pub notes: Option<String>,
    /// When it was published (RFC 3339), when the release says.
    #[ts(optional = nullable)]
    pub date: Option<String>,
}

/// Present when the app registered the updater plugin (`lib.rs`'s `builder`); the commands' test
/// harness builds the app without it (the plugin needs the release configuration).
pub struct UpdaterReady;

fn ready<R: Runtime>(app: &AppHandle<R>) -> Result<(), AppError> {
    use tauri::Manager;
    match app.try_state::<UpdaterReady>() {
        Some(_) => Ok(()),
        None => Err(AppError::Update {
            message: "this build of Holdfast does not update itself".into(),
        }),
    }
}

/// What went wrong, in words the desk shows. A signature that does not verify is said as such:
/// the package is not Holdfast's, or was changed on the way, and nothing was installed.
pub fn update_error(error: tauri_plugin_updater::Error) -> AppError {
    use tauri_plugin_updater::Error;
    let message = match &error {
        Error::Minisign(_) | Error::Base64(_) | Error::SignatureUtf8(_) => {
            "the update's signature does not match Holdfast's release key: the package is not one Holdfast published, or it was changed on the way. Nothing was installed.".to_owned()
        }
        Error::Reqwest(_) | Error::Network(_) | Error::ReleaseNotFound => format!(
            "the release server could not be reached or did not answer with a release ({error})"
        ),
        Error::TargetNotFound(target) => {
            format!("the release has no package for this computer ({target})")
        }
        Error::PackageInstallFailed | Error::DebInstallFailed | Error::AuthenticationFailed => {
            "the new version was downloaded and verified, but installing it was refused (the system asks for an administrator's password to install packages)".to_owned()
        }
        other => format!("the update failed: {other}"),
    };
    AppError::Update { message }
}

/// Asks the release server for a newer version.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<UpdateCheck, AppError> {
    ready(app)?;
    let current = app.package_info().version.to_string();
    let updater = app.updater().map_err(update_error)?;
    let found = updater.check().await.map_err(update_error)?;
    Ok(UpdateCheck {
        current,
        available: found.map(|update| AvailableUpdate {
            version: update.version.clone(),
            notes: update.body.clone(),
            date: update.date.map(|date| date.to_string()),
        }),
    })
}

/// Downloads, verifies and installs the newer version, then starts the app again as it. Checks
/// again first: what the person saw announced is what is installed, or nothing is.
pub async fn install<R: Runtime>(app: &AppHandle<R>, version: &str) -> Result<(), AppError> {
    ready(app)?;
    let updater = app.updater().map_err(update_error)?;
    let Some(update) = updater.check().await.map_err(update_error)? else {
        return Err(AppError::Update {
            message: "there is no newer version to install any more".into(),
        });
    };
    if update.version != version {
        return Err(AppError::Update {
            message: format!(
                "the release server now offers {} instead of {version}: check again",
                update.version
            ),
        });
    }
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(update_error)?;
    app.restart()
}

/// Looks for a newer version a little after start and tells the window when there is one. A
/// release server that cannot be reached is not worth a word at start: Settings says it when the
/// person asks.
pub fn check_at_start<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        match check(&app).await {
            Ok(UpdateCheck {
                available: Some(available),
                ..
            }) => {
                log::info!("update: {} is available", available.version);
                if app.emit(UPDATE_AVAILABLE_EVENT, &available).is_err() {
                    log::warn!("update: the window was not told of the update");
                }
            }
            Ok(_) => log::info!("update: this is the latest version"),
            Err(error) => log::warn!(
                "update: no check at start ({})",
                crate::logging::error_kind(&error)
            ),
        }
    });
}
