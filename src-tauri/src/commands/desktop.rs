//! The app on the desktop: quitting it (closing the window only hides it to the tray, see
//! `tray.rs`), starting it at login, the `holdfast://` link that opened it (`links.rs`) and
//! "Copy diagnostics" (`diagnostics.rs`).

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::AutoLaunchManager;
use tauri_plugin_clipboard_manager::ClipboardExt;
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::links::{OpenedLink, OpenedLinks};
use crate::state::AppState;

/// Whether the app starts (in the tray) when the person logs in to their computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StartAtLogin {
    pub enabled: bool,
}

/// Where the login item lives: the OS's (an XDG autostart entry on Linux, a launch agent on
/// macOS, the Run key on Windows, through `tauri-plugin-autostart`), or a test's.
pub trait LoginItem: Send + Sync {
    fn is_enabled(&self) -> Result<bool, String>;
    fn set_enabled(&self, enabled: bool) -> Result<(), String>;
}

/// The app's login item, managed by the app when it starts (`lib.rs`).
pub struct LoginItems(pub Box<dyn LoginItem>);

/// The OS's login item, written by `tauri-plugin-autostart` (which must be registered).
pub struct OsLoginItem<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> OsLoginItem<R> {
    fn manager(&self) -> Result<tauri::State<'_, AutoLaunchManager>, String> {
        self.0
            .try_state::<AutoLaunchManager>()
            .ok_or_else(|| "the login item could not be set up".to_owned())
    }
}

impl<R: Runtime> LoginItem for OsLoginItem<R> {
    fn is_enabled(&self) -> Result<bool, String> {
        self.manager()?.is_enabled().map_err(|e| e.to_string())
    }

    fn set_enabled(&self, enabled: bool) -> Result<(), String> {
        let manager = self.manager()?;
        if enabled {
            manager.enable()
        } else {
            manager.disable()
        }
        .map_err(|e| e.to_string())
    }
}

fn login_items<R: Runtime>(app: &AppHandle<R>) -> Result<tauri::State<'_, LoginItems>, AppError> {
    app.try_state::<LoginItems>()
        .ok_or_else(|| AppError::internal("starting at login is not available on this computer"))
}

fn refused(error: String) -> AppError {
    AppError::internal(format!(
        "the login item could not be read or written: {error}"
    ))
}

/// Ends the app, as the tray's "Quit Holdfast" does: the one way from the window to stop the
/// reminders.
#[tauri::command]
pub async fn quit_app<R: Runtime>(app: AppHandle<R>) -> Result<(), AppError> {
    app.exit(0);
    Ok(())
}

/// Whether the app starts at login: read from the OS each time, so a login item removed by hand
/// shows as off.
#[tauri::command]
pub async fn start_at_login<R: Runtime>(app: AppHandle<R>) -> Result<StartAtLogin, AppError> {
    let enabled = login_items(&app)?.0.is_enabled().map_err(refused)?;
    Ok(StartAtLogin { enabled })
}

/// Turns starting at login on or off; answers with what the OS now says.
#[tauri::command]
pub async fn set_start_at_login<R: Runtime>(
    app: AppHandle<R>,
    Args(wanted): Args<StartAtLogin>,
) -> Result<StartAtLogin, AppError> {
    let items = login_items(&app)?;
    items.0.set_enabled(wanted.enabled).map_err(refused)?;
    let enabled = items.0.is_enabled().map_err(refused)?;
    Ok(StartAtLogin { enabled })
}

/// The `holdfast://` link that arrived last and the window has not taken yet (one that started
/// the app arrives before the window listens): taken once, then gone. The window asks when it
/// starts and whenever it is told a link arrived (`link-opened`).
#[tauri::command]
pub async fn take_opened_link<R: Runtime>(
    app: AppHandle<R>,
) -> Result<Option<OpenedLink>, AppError> {
    Ok(app
        .try_state::<OpenedLinks>()
        .and_then(|links| links.take()))
}

/// The diagnostics, as they were put on the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CopiedDiagnostics {
    pub text: String,
}

/// Puts the diagnostics (version, OS, profile kind, sync state, latest problems: no customer
/// data) on the clipboard for the person to paste into a message to support.
#[tauri::command]
pub async fn copy_diagnostics<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<CopiedDiagnostics, AppError> {
    let diagnostics =
        crate::diagnostics::collect(&app, &state, crate::logging::recent_problems()).await;
    let text = diagnostics.text();
    app.clipboard().write_text(text.clone()).map_err(|error| {
        log::warn!("diagnostics: not copied (clipboard)");
        AppError::internal(format!("the clipboard could not be written: {error}"))
    })?;
    log::info!("diagnostics: copied ({} lines)", text.lines().count());
    Ok(CopiedDiagnostics { text })
}

/// A login item in memory, for tests.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryLoginItem(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

#[cfg(test)]
impl LoginItem for MemoryLoginItem {
    fn is_enabled(&self) -> Result<bool, String> {
        Ok(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn set_enabled(&self, enabled: bool) -> Result<(), String> {
        self.0.store(enabled, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}
