//! The Tauri shell: resolves the profile, opens its encrypted database, and exposes the commands
//! the desk calls. Thin by design: rules live in holdfast-core, persistence in holdfast-store.

pub mod bindings;
pub mod commands;
pub mod error;
pub mod presets;
pub mod profile;
pub mod secrets;
pub mod session;
pub mod state;
pub mod sync;

use tauri::{Manager, Runtime};

use crate::error::AppError;
use crate::profile::Profile;
use crate::state::AppState;

/// The app's builder, generic over the runtime so commands can run under `tauri::test`.
pub fn builder<R: Runtime>() -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![
            commands::session::session_status,
            commands::session::create_passphrase,
            commands::session::unlock_with_passphrase,
            commands::accounts::choose_accounts_file,
            commands::accounts::import_accounts,
            commands::accounts::preview_accounts_import,
            commands::accounts::account_detail,
            commands::accounts::list_accounts,
            commands::cases::open_case,
            commands::cases::list_inbox,
            commands::cases::inbox_facets,
            commands::cases::case_detail,
            commands::cases::run_case_command,
            commands::cases::check_offer,
            commands::queues::list_queue,
            commands::queues::queue_counts,
            commands::profile::desk_profile,
            commands::profile::list_policy_presets,
            commands::profile::choose_policy,
            commands::profile::set_local_user,
            commands::profile::policy_sentences,
            commands::notes::search_notes,
            commands::messages::compose_case_message,
            commands::messages::send_case_message,
            commands::one_time_codes::send_one_time_code,
            commands::one_time_codes::enter_one_time_code,
            commands::sync::sync_status,
            commands::sync::connect_to_server,
            commands::sync::sign_out_of_server,
            commands::sync::sync_now,
            commands::sync::sync_notices,
            commands::sync::dismiss_sync_notice,
        ])
        .setup(|app| {
            let profile = resolve_profile(app.handle());
            open_main_window(app.handle(), profile.as_ref().ok())?;
            app.manage(AppState::start(profile));
            sync::spawn_loop(app.handle().clone());
            Ok(())
        })
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
    if let Err(error) = builder::<tauri::Wry>().run(tauri::generate_context!()) {
        eprintln!("Holdfast could not start: {error}");
        std::process::exit(1);
    }
}
