//! The Tauri shell: resolves the profile, opens its encrypted database, and exposes the commands
//! the desk calls. Thin by design: rules live in holdfast-core, persistence in holdfast-store.

pub mod bindings;
pub mod clock;
pub mod commands;
pub mod database;
pub mod error;
#[cfg(test)]
mod ipc_tests;
pub mod presets;
pub mod profile;
pub mod reminders;
pub mod secrets;
pub mod session;
pub mod state;
pub mod sync;

use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use crate::commands::{for_each_command, handler};
use crate::error::AppError;
use crate::profile::Profile;
use crate::secrets::OsKeyring;
use crate::state::AppState;

/// The app's commands and plugins on `builder`, without the start-up (window, profile, sync
/// loop): generic over the runtime, so tests can start from `tauri::test::mock_builder` and manage
/// an `AppState` of their own.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(for_each_command!(handler))
}

/// The whole app: its commands, and a start-up that resolves the profile, opens the window, opens
/// the database with the key from the OS keyring and starts the sync loop.
pub fn builder<R: Runtime>() -> tauri::Builder<R> {
    with_commands(tauri::Builder::<R>::new()).setup(|app| {
        let profile = resolve_profile(app.handle());
        open_main_window(app.handle(), profile.as_ref().ok())?;
        let state = AppState::start(profile, &OsKeyring);
        sync::spawn_loop(state.database().clone(), state.sync().clone());
        let notifier = reminders::DesktopNotifier::new(on_reminder_clicked(app.handle()));
        let scheduler = reminders::Scheduler::spawn(state.database().clone(), Arc::new(notifier));
        app.manage(state);
        app.manage(scheduler);
        Ok(())
    })
}

/// The event the window navigates on when a reminder is clicked: `{ "open": "case", "case_id" }`
/// opens the case, `{ "open": "due_view" }` the Due view (`ui/src/lib/reminderOpen.ts`).
pub const REMINDER_OPEN_EVENT: &str = "reminder-open";

/// Clicking a reminder brings the desk's window forward (shown again if it was hidden) and tells
/// it what to open.
fn on_reminder_clicked<R: Runtime>(app: &tauri::AppHandle<R>) -> reminders::desktop::OnClick {
    let app = app.clone();
    Arc::new(move |target: reminders::Target| {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
            let _ = window.emit(REMINDER_OPEN_EVENT, &target);
        }
    })
}

/// The app's context (config, capabilities, the embedded `ui/dist`), for any runtime.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// The profile named on the command line, or the default one in the app's data folder.
fn resolve_profile<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<Profile, AppError> {
    let dir = match Profile::requested_dir(std::env::args().skip(1)) {
        Some(dir) => dir,
        None => app
            .path()
            .app_local_data_dir()
            .map_err(|e| AppError::Storage {
                message: format!("the app's data folder cannot be found: {e}"),
            })?
            .join("profiles")
            .join("default"),
    };
    Profile::open(&dir)
}

/// The desk's window. Its web storage (the last screen, drafts) lives inside the profile, so two
/// profiles on one machine never see each other's state.
fn open_main_window<R: Runtime>(
    app: &tauri::AppHandle<R>,
    profile: Option<&Profile>,
) -> tauri::Result<()> {
    let mut window = tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::default())
        .title("Holdfast")
        .inner_size(1280.0, 800.0)
        .min_inner_size(1024.0, 640.0);
    if let Some(profile) = profile {
        window = window.data_directory(profile.dir().join("webview"));
    }
    window.build().map(|_| ())
}

pub fn run() {
    if let Err(error) = builder::<tauri::Wry>().run(context()) {
        eprintln!("Holdfast could not start: {error}");
        std::process::exit(1);
    }
}
