//! The app as one desktop program per profile: a second start with the same profile hands its
//! arguments to the running app and ends (`tauri-plugin-single-instance`), and the window's size
//! and place are kept across starts (`tauri-plugin-window-state`), in the profile folder.
//!
//! Both are keyed by the profile, so two profiles can run side by side, each with its own window
//! in its own place. The key is known once the profile folder is resolved (the default one comes
//! from the app's data folder), so the plugins are registered at the start of the app's setup,
//! the single-instance lock before anything else is opened: a second start ends there, before it
//! opens a window, the database or the tray.
//!
//! On Linux the lock is a D-Bus name of the profile's own (`app.holdfast.desk.p<key>`). On Windows
//! and macOS the plugin's lock is one per app (a named mutex, a socket named after the app's
//! identifier) and cannot be keyed: there it guards the default profile, the one the installed
//! app's shortcut starts, and a profile named with `--profile` runs without it.

use std::path::Path;

use sha2::{Digest, Sha256};
use tauri::{AppHandle, Manager, Runtime, WebviewWindow};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

use crate::tray;

/// The profile's key: the first 16 hex digits of the SHA-256 of its resolved folder. Names no
/// path, so the lock's name and the log file's name say nothing about where the profile is.
pub fn profile_key(profile_dir: &Path) -> String {
    let digest = Sha256::digest(profile_dir.to_string_lossy().as_bytes());
    hex::encode(&digest[..8])
}

/// The D-Bus name prefix of the profile's lock (the plugin adds `.SingleInstance`). A bus name's
/// elements may not start with a digit, hence the `p`.
pub fn dbus_id(identifier: &str, key: &str) -> String {
    format!("{identifier}.p{key}")
}

/// What the window state is kept in: a file in the profile folder, beside the window's own web
/// storage, so that each profile's window comes back where it was.
pub const WINDOW_STATE_FILE: &str = "window-state.json";

/// Size, place and maximised; not whether it is shown (the app decides that: in the tray at
/// login, shown otherwise) nor decorations or full screen.
fn window_state_flags() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// Registers the single-instance lock for the profile (a second start ends inside this call)
/// and the window-state keeper. Call first in the app's setup, before the window is built.
pub fn register<R: Runtime>(
    app: &AppHandle<R>,
    profile_dir: Option<&Path>,
    default_profile: bool,
) -> tauri::Result<()> {
    let key = profile_dir.map(profile_key);
    if let Some(plugin) = single_instance(app, key.as_deref(), default_profile) {
        app.plugin(plugin)?;
    }
    let mut window_state =
        tauri_plugin_window_state::Builder::new().with_state_flags(window_state_flags());
    if let Some(dir) = profile_dir {
        // The plugin joins this to the app's config folder; an absolute path replaces it.
        window_state =
            window_state.with_filename(dir.join(WINDOW_STATE_FILE).to_string_lossy().into_owned());
    }
    app.plugin(window_state.build())?;
    app.manage(WindowPlaceKept);
    Ok(())
}

/// Managed once the window-state plugin is registered (not in tests on the mock runtime).
struct WindowPlaceKept;

fn single_instance<R: Runtime>(
    app: &AppHandle<R>,
    key: Option<&str>,
    default_profile: bool,
) -> Option<tauri::plugin::TauriPlugin<R>> {
    let builder = tauri_plugin_single_instance::Builder::new().callback(on_second_start);
    if cfg!(target_os = "linux") {
        let id = match key {
            Some(key) => dbus_id(&app.config().identifier, key),
            None => app.config().identifier.clone(),
        };
        return Some(builder.dbus_id(id).build());
    }
    let _ = key;
    default_profile.then(|| builder.build())
}

/// Holdfast started again on this profile: the window comes forward (shown from the tray,
/// unminimised, focused) and a link among the arguments is opened. A second start at login
/// (`--in-tray`) leaves the window as it is.
fn on_second_start<R: Runtime>(app: &AppHandle<R>, args: Vec<String>, _cwd: String) {
    log::info!(
        "second start on this profile: handed over ({} arguments)",
        args.len().saturating_sub(1)
    );
    if let Some(link) = crate::links::in_args(args.iter().skip(1)) {
        crate::links::deliver(app, &link);
    } else if !tray::started_in_tray(args.iter().skip(1).cloned()) {
        tray::show_window(app);
    }
}

/// Keeps the window's place on disk now (the plugin otherwise writes it when the app ends): the
/// window was just hidden to the tray, and the session may end before the app is quit.
pub fn save_window_place<R: Runtime>(app: &AppHandle<R>) {
    if app.try_state::<WindowPlaceKept>().is_none() {
        return;
    }
    if let Err(error) = app.save_window_state(window_state_flags()) {
        log::warn!("window: its place was not saved ({})", io_kind(&error));
    }
}

fn io_kind(error: &tauri_plugin_window_state::Error) -> &'static str {
    match error {
        tauri_plugin_window_state::Error::Io(_) => "io",
        tauri_plugin_window_state::Error::Tauri(_) => "tauri",
        tauri_plugin_window_state::Error::SerdeJson(_) => "json",
    }
}

/// A rectangle on the desktop, in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// Where a window kept from a larger screen goes on this one: no larger than the screen's work
/// area (but never below the window's minimum, which wins on a screen smaller than it), and moved
/// so that it lies inside the work area (its top-left corner first, where the title bar is). A
/// window that fits stays exactly where it was.
pub fn fit(window: Rect, work_area: Rect, minimum: (u32, u32)) -> Rect {
    let width = window.width.min(work_area.width).max(minimum.0);
    let height = window.height.min(work_area.height).max(minimum.1);
    let clamp = |start: i32, size: u32, area_start: i32, area_size: u32| -> i32 {
        let last = area_start + area_size as i32 - size as i32;
        start.min(last).max(area_start)
    };
    Rect {
        x: clamp(window.x, width, work_area.x, work_area.width),
        y: clamp(window.y, height, work_area.y, work_area.height),
        width,
        height,
    }
}

/// After the window came back at its kept size and place: fitted to the screen it is on (or the
/// primary one, when the kept place is on a screen no longer there).
pub fn fit_to_screen<R: Runtime>(window: &WebviewWindow<R>, minimum: (f64, f64)) {
    let fitted = (|| -> tauri::Result<Option<(Rect, Rect)>> {
        let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) else {
            return Ok(None);
        };
        let area = monitor.work_area();
        let scale = monitor.scale_factor();
        let position = window.outer_position()?;
        let inner = window.inner_size()?;
        // Before the window is first shown the frame around it is not known yet (GTK answers
        // 0x0 for it): the page's size then stands for the window's.
        let outer = Some(window.outer_size()?)
            .filter(|outer| outer.width >= inner.width && outer.height >= inner.height)
            .unwrap_or(inner);
        if inner.width == 0 || inner.height == 0 {
            return Ok(None);
        }
        // The frame around the page (title bar, borders) stays as it is.
        let frame = (
            outer.width.saturating_sub(inner.width),
            outer.height.saturating_sub(inner.height),
        );
        let now = Rect {
            x: position.x,
            y: position.y,
            width: outer.width,
            height: outer.height,
        };
        let work_area = Rect {
            x: area.position.x,
            y: area.position.y,
            width: area.size.width,
            height: area.size.height,
        };
        let minimum = (
            (minimum.0 * scale) as u32 + frame.0,
            (minimum.1 * scale) as u32 + frame.1,
        );
        let fitted = fit(now, work_area, minimum);
        if fitted == now {
            return Ok(None);
        }
        window.set_size(tauri::PhysicalSize::new(
            fitted.width - frame.0,
            fitted.height - frame.1,
        ))?;
        window.set_position(tauri::PhysicalPosition::new(fitted.x, fitted.y))?;
        Ok(Some((now, fitted)))
    })();
    match fitted {
        Ok(Some((from, to))) => log::info!(
            "window: fitted to the screen ({}x{} at {},{} -> {}x{} at {},{})",
            from.width,
            from.height,
            from.x,
            from.y,
            to.width,
            to.height,
            to.x,
            to.y
        ),
        Ok(None) => {}
        Err(_) => log::warn!("window: could not be fitted to the screen"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = Rect {
        x: 0,
        y: 0,
        width: 1920,
        height: 1080,
    };
    const MIN: (u32, u32) = (1024, 640);

    #[test]
    fn a_window_that_fits_stays_where_it_was() {
        let window = Rect {
            x: 100,
            y: 50,
            width: 1280,
            height: 800,
        };
        assert_eq!(fit(window, SCREEN, MIN), window);
    }

    #[test]
    fn a_window_from_a_larger_screen_shrinks_and_moves_inside_this_one() {
        let laptop = Rect {
            x: 0,
            y: 27,
            width: 1366,
            height: 741,
        };
        let from_big_screen = Rect {
            x: 800,
            y: 300,
            width: 2400,
            height: 1300,
        };
        assert_eq!(
            fit(from_big_screen, laptop, MIN),
            Rect {
                x: 0,
                y: 27,
                width: 1366,
                height: 741
            }
        );
        // Partly off the right and bottom edges: moved in, size kept.
        let hanging = Rect {
            x: 1500,
            y: 900,
            width: 1280,
            height: 800,
        };
        assert_eq!(
            fit(hanging, SCREEN, MIN),
            Rect {
                x: 640,
                y: 280,
                width: 1280,
                height: 800
            }
        );
    }

    #[test]
    fn a_window_kept_on_a_screen_now_gone_comes_onto_this_one() {
        let second_screen = Rect {
            x: -1600,
            y: -200,
            width: 1280,
            height: 800,
        };
        assert_eq!(
            fit(second_screen, SCREEN, MIN),
            Rect {
                x: 0,
                y: 0,
                width: 1280,
                height: 800
            }
        );
    }

    #[test]
    fn on_a_screen_smaller_than_the_minimum_the_minimum_wins_at_the_top_left() {
        let tiny = Rect {
            x: 0,
            y: 0,
            width: 800,
            height: 600,
        };
        let window = Rect {
            x: 300,
            y: 200,
            width: 1280,
            height: 800,
        };
        assert_eq!(
            fit(window, tiny, MIN),
            Rect {
                x: 0,
                y: 0,
                width: 1024,
                height: 640
            }
        );
    }

    #[test]
    fn each_profile_has_its_own_lock_named_without_its_path() {
        let work = profile_key(Path::new("/home/amy/holdfast-work"));
        let home = profile_key(Path::new("/home/amy/holdfast-home"));
        assert_ne!(work, home);
        assert_eq!(work, profile_key(Path::new("/home/amy/holdfast-work")));
        assert_eq!(work.len(), 16);
        let id = dbus_id("app.holdfast.desk", &work);
        assert!(!id.contains("amy"), "{id}");
        // Each element of a D-Bus well-known name starts with a letter or underscore.
        assert!(id
            .split('.')
            .all(|element| element.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')));
    }
}
