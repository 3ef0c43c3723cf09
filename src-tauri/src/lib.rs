//! The Tauri shell: resolves the profile, opens its encrypted database, and exposes the commands
//! the desk calls. Thin by design: rules live in holdfast-core, persistence in holdfast-store.

pub mod bindings;
pub mod clock;
pub mod commands;
pub mod database;
pub mod diagnostics;
pub mod error;
pub mod heads_ups;
#[cfg(test)]
mod heads_ups_tests;
pub mod instance;
#[cfg(test)]
mod ipc_tests;
pub mod links;
pub mod logging;
pub mod mail;
pub mod presets;
pub mod profile;
pub mod reminders;
pub mod retention;
pub mod secrets;
pub mod session;
pub mod state;
pub mod sync;
pub mod tray;
pub mod updates;
pub mod warm_up;

use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use crate::commands::desktop::{LoginItems, OsLoginItem};
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
        .manage(links::OpenedLinks::default())
        .invoke_handler(for_each_command!(handler))
}

/// The whole app: its commands, and a start-up that resolves the profile, opens the window, opens
/// the database with the key from the OS keyring, starts the sync loop and puts up the tray icon.
/// Closing the window hides it to the tray; only an explicit quit ends the app (`tray.rs`).
pub fn builder<R: Runtime>() -> tauri::Builder<R> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let in_tray = tray::started_in_tray(args.iter().cloned());
    with_commands(tauri::Builder::<R>::new())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .args(login_args(&args))
                .build(),
        )
        .plugin(tauri_plugin_updater::Builder::new().build())
        // `holdfast://` links: the scheme from tauri.conf.json; on macOS links come as events.
        .plugin(tauri_plugin_deep_link::init())
        .setup(move |app| {
            let default_dir = default_profile_dir(app.handle());
            let profile = resolve_profile(default_dir.as_ref());
            let default_profile = match (&profile, &default_dir) {
                (Ok(profile), Ok(default_dir)) => default_dir
                    .canonicalize()
                    .is_ok_and(|default_dir| default_dir == profile.dir()),
                _ => Profile::requested_dir(std::env::args().skip(1)).is_none(),
            };
            let profile_dir = profile
                .as_ref()
                .ok()
                .map(|profile| profile.dir().to_owned());
            // First: a second start on this profile hands its arguments over and ends here.
            instance::register(app.handle(), profile_dir.as_deref(), default_profile)?;
            let log_name = logging::file_name(
                profile_dir
                    .as_deref()
                    .filter(|_| !default_profile)
                    .map(instance::profile_key)
                    .as_deref(),
            );
            let log_file = app
                .path()
                .app_log_dir()
                .ok()
                .map(|dir| dir.join(format!("{log_name}.log")));
            app.handle().plugin(logging::plugin(log_name))?;
            log::info!(
                "start: Holdfast {} on {}, {} profile{}",
                app.package_info().version,
                std::env::consts::OS,
                if default_profile {
                    "the default"
                } else {
                    "a named"
                },
                if in_tray { ", in the tray" } else { "" }
            );
            if let Err(error) = &profile {
                log::error!(
                    "start: the profile cannot be opened ({})",
                    logging::error_kind(error)
                );
            }
            app.manage(diagnostics::AppFacts {
                default_profile,
                log_file,
            });
            app.manage(updates::UpdaterReady);
            updates::check_at_start(app.handle().clone());
            open_main_window(app.handle(), profile.as_ref().ok(), !in_tray)?;
            let state = AppState::start(profile, &OsKeyring);
            sync::spawn_loop(state.database().clone(), state.sync().clone());
            retention::spawn(state.database().clone());
            mail::spawn_loop(state.database().clone(), state.mail().clone());
            warm_up::spawn(state.database().clone());
            heads_ups::spawn(state.database().clone(), state.heads_up_secrets().clone());
            let notifier = reminders::DesktopNotifier::new(on_reminder_clicked(app.handle()));
            let scheduler =
                reminders::Scheduler::spawn(state.database().clone(), Arc::new(notifier));
            // The tray shows the person's overdue count as the scheduler keeps it.
            let overdue = scheduler.overdue();
            app.manage(state);
            app.manage(scheduler);
            app.manage(LoginItems(Box::new(OsLoginItem(app.handle().clone()))));
            if let Err(error) = tray::spawn(app.handle(), overdue) {
                log::warn!("tray: no tray icon ({})", tauri_error_kind(&error));
            }
            // A link the app was started with waits for the window to take it.
            if let Some(link) = links::in_args(std::env::args().skip(1)) {
                links::deliver(app.handle(), &link);
            } else if in_tray {
                show_unless_unlocked(app.handle().clone());
            }
            listen_for_links(app.handle());
            Ok(())
        })
}

/// What kind of Tauri error this is, for the log (its text may name a path).
pub(crate) fn tauri_error_kind(error: &tauri::Error) -> &'static str {
    match error {
        tauri::Error::WebviewNotFound | tauri::Error::WindowNotFound => "no window",
        tauri::Error::Io(_) => "io",
        _ => "tauri",
    }
}

/// On macOS a link comes as the OS's "open URL" event, which the deep-link plugin passes on. On
/// Linux a link started from the desktop (a browser, a mail client) runs Holdfast with the link
/// as its argument: outside a package (a development build, where no installed desktop entry
/// names the scheme) the app registers itself as the scheme's handler, as the plugin documents.
/// The end-to-end build leaves the desktop's handlers alone.
fn listen_for_links<R: Runtime>(app: &tauri::AppHandle<R>) {
    #[cfg(target_os = "macos")]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let handle = app.clone();
        app.deep_link().on_open_url(move |event| {
            for url in event.urls() {
                links::deliver(&handle, url.as_str());
            }
        });
    }
    #[cfg(all(target_os = "linux", not(feature = "e2e")))]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let packaged = std::env::current_exe().is_ok_and(|exe| exe.starts_with("/usr"));
        if !packaged {
            let handle = app.clone();
            std::thread::spawn(move || match handle.deep_link().register_all() {
                Ok(()) => log::info!("links: registered as the holdfast:// handler"),
                Err(_) => log::warn!("links: not registered as the holdfast:// handler"),
            });
        }
    }
    let _ = app;
}

/// Started in the tray (at login), the window still opens when the profile cannot be opened
/// without the person (a passphrase to type, a problem to read): nothing would run in the tray.
fn show_unless_unlocked<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        state.started().await;
        if !matches!(state.status(), session::SessionStatus::Unlocked { .. }) {
            tray::show_window(&app);
        }
    });
}

/// What the app is started with at login: in the tray, on the profile it was started with.
fn login_args(args: &[String]) -> Vec<String> {
    let mut login = vec![tray::IN_TRAY_ARG.to_owned()];
    if let Some(dir) = Profile::requested_dir(args.iter().cloned()) {
        login.push("--profile".to_owned());
        login.push(launch_arg(&dir.display().to_string()));
    }
    login
}

/// `arg` as one argument of the login item's command line. On Linux that is a desktop entry's
/// `Exec` line, which the plugin writes unquoted: an argument with a space or a reserved
/// character is quoted by the rules of the Desktop Entry Specification (then escaped once more
/// for the file's string syntax). Windows' Run key reads a quoted argument; a macOS launch agent
/// lists arguments one by one.
fn launch_arg(arg: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    if !arg.contains(RESERVED) || cfg!(target_os = "macos") {
        return arg.to_owned();
    }
    if cfg!(windows) {
        return format!("\"{arg}\"");
    }
    let mut quoted = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' => {
                quoted.push_str("\\\\");
                quoted.push(c);
            }
            '\\' => quoted.push_str("\\\\\\\\"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
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

/// The default profile's folder, in the app's data folder.
fn default_profile_dir<R: Runtime>(
    app: &tauri::AppHandle<R>,
) -> Result<std::path::PathBuf, AppError> {
    Ok(app
        .path()
        .app_local_data_dir()
        .map_err(|e| AppError::Storage {
            message: format!("the app's data folder cannot be found: {e}"),
        })?
        .join("profiles")
        .join("default"))
}

/// The profile named on the command line, or the default one in the app's data folder.
fn resolve_profile(
    default_dir: Result<&std::path::PathBuf, &AppError>,
) -> Result<Profile, AppError> {
    let dir = match Profile::requested_dir(std::env::args().skip(1)) {
        Some(dir) => dir,
        None => default_dir.map_err(Clone::clone)?.clone(),
    };
    Profile::open(&dir)
}

/// The desk's window. Its web storage (the last screen, drafts) lives inside the profile, so two
/// profiles on one machine never see each other's state.
fn open_main_window<R: Runtime>(
    app: &tauri::AppHandle<R>,
    profile: Option<&Profile>,
    visible: bool,
) -> tauri::Result<()> {
    let mut window =
        tauri::WebviewWindowBuilder::new(app, tray::MAIN_WINDOW, tauri::WebviewUrl::default())
            .title("Holdfast")
            .visible(visible)
            .inner_size(1280.0, 800.0)
            .min_inner_size(MIN_WINDOW.0, MIN_WINDOW.1);
    if let Some(profile) = profile {
        window = window.data_directory(profile.dir().join("webview"));
    }
    // Built at its kept size and place (the window-state plugin restores them as the window is
    // made), then fitted to the screen it is on, which may be smaller than the one it was kept on.
    let window = window.build()?;
    instance::fit_to_screen(&window, MIN_WINDOW);
    Ok(())
}

/// The smallest the desk's window gets: every screen is laid out for it.
const MIN_WINDOW: (f64, f64) = (1024.0, 640.0);

pub fn run() {
    match builder::<tauri::Wry>().build(context()) {
        // Closing the window hides it to the tray; the app ends on an explicit quit.
        Ok(app) => app.run(|app, event| tray::keep_running_on_close(app, &event)),
        Err(error) => {
            // Before the logger: the log file is written once the app has started.
            eprintln!("Holdfast could not start: {error}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_login_item_starts_the_same_profile_in_the_tray() {
        assert_eq!(
            login_args(&strings(&["--profile", "/home/amy/desk"])),
            strings(&["--in-tray", "--profile", "/home/amy/desk"])
        );
        assert_eq!(
            login_args(&strings(&["--profile=/home/amy/desk"])),
            strings(&["--in-tray", "--profile", "/home/amy/desk"])
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_profile_folder_with_spaces_or_quotes_is_one_exec_argument() {
        assert_eq!(launch_arg("/home/amy/desk"), "/home/amy/desk");
        assert_eq!(launch_arg("/home/amy/my desk"), "\"/home/amy/my desk\"");
        // In the file: \\" and \\$, read as \" and \$ inside the quotes, which are " and $.
        assert_eq!(
            launch_arg("/tmp/a \"b\" $c"),
            "\"/tmp/a \\\\\"b\\\\\" \\\\$c\""
        );
        assert_eq!(launch_arg("/tmp/a\\b"), "\"/tmp/a\\\\\\\\b\"");
    }
}
