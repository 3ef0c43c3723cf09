//! The tray icon, closing the window to the tray, and quitting.
//!
//! Reminders run in the app, not in the window: closing the window hides it (the tray icon stays,
//! with the count of overdue items), and only an explicit quit ends the app (the tray's "Quit
//! Holdfast", or the window's own Quit: `commands::desktop::quit_app`, Ctrl+Q). The tray's menu:
//! "Open Holdfast" shows and focuses the window, "Due (N overdue)" shows it on the Due view (the
//! window is told by the `OPEN_DUE_EVENT` event), "Quit Holdfast" ends the app.
//!
//! The count comes from a `watch::Receiver<usize>` (the reminder scheduler's count of overdue
//! items); `follow` rewrites the tray's words whenever it changes.

use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, RunEvent, Runtime, WindowEvent};
use tokio::sync::watch;

/// The window the tray opens and hides.
pub const MAIN_WINDOW: &str = "main";
/// The tray icon's id.
pub const TRAY_ID: &str = "holdfast";
/// Told to the window when the person asks for the Due view from the tray: it shows that view.
pub const OPEN_DUE_EVENT: &str = "holdfast://open-due";
/// Started with this argument (at login), the app starts in the tray with its window hidden.
pub const IN_TRAY_ARG: &str = "--in-tray";

/// What the tray says for a count of overdue items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayWords {
    /// Beside the icon (on Linux, the indicator's label; on macOS, the menu bar's text): the
    /// count, or nothing when nothing is overdue.
    pub title: Option<String>,
    /// On hovering the icon (Windows and macOS; Linux trays show no tooltip).
    pub tooltip: String,
    /// The menu's item that opens the Due view.
    pub due_item: String,
}

/// The tray's words for `overdue` items.
pub fn words(overdue: usize) -> TrayWords {
    match overdue {
        0 => TrayWords {
            title: None,
            tooltip: "Holdfast: nothing overdue".into(),
            due_item: "Due (nothing overdue)".into(),
        },
        n => TrayWords {
            title: Some(n.to_string()),
            tooltip: format!("Holdfast: {n} overdue"),
            due_item: format!("Due ({n} overdue)"),
        },
    }
}

/// The tray menu's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    Due,
    Quit,
}

impl TrayAction {
    const ALL: [TrayAction; 3] = [TrayAction::Open, TrayAction::Due, TrayAction::Quit];

    fn id(self) -> &'static str {
        match self {
            TrayAction::Open => "open",
            TrayAction::Due => "due",
            TrayAction::Quit => "quit",
        }
    }

    /// The menu item with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.id() == id)
    }
}

/// Shows the window, brought back from the tray (or from the taskbar) and focused.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    for result in [window.unminimize(), window.show(), window.set_focus()] {
        if let Err(error) = result {
            log::warn!(
                "window: could not be shown ({})",
                crate::tauri_error_kind(&error)
            );
        }
    }
}

/// Does what the tray's item asks.
pub fn perform<R: Runtime>(app: &AppHandle<R>, action: TrayAction) {
    match action {
        TrayAction::Open => show_window(app),
        TrayAction::Due => {
            show_window(app);
            if let Err(error) = app.emit_to(MAIN_WINDOW, OPEN_DUE_EVENT, ()) {
                log::warn!(
                    "tray: the Due view could not be opened ({})",
                    crate::tauri_error_kind(&error)
                );
            }
        }
        TrayAction::Quit => app.exit(0),
    }
}

/// What closing the window does instead of ending the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// Hidden: the tray icon brings it back.
    Hide,
    /// No tray host to show the icon (a GNOME desktop without the AppIndicator extension):
    /// hidden, the window could only come back by starting Holdfast again, so it is minimised to
    /// the taskbar instead.
    Minimize,
}

/// Closing the window keeps the app (and its reminders) running: the close is refused and the
/// window hidden to the tray, or minimised when there is no tray to come back from. For the app's
/// run loop (`App::run`), where every window's close request passes.
pub fn keep_running_on_close<R: Runtime>(app: &AppHandle<R>, event: &RunEvent) {
    let RunEvent::WindowEvent {
        label,
        event: WindowEvent::CloseRequested { api, .. },
        ..
    } = event
    else {
        return;
    };
    if label != MAIN_WINDOW {
        return;
    }
    api.prevent_close();
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    let done = match on_close(tray_host_present()) {
        OnClose::Hide => window.hide(),
        OnClose::Minimize => window.minimize(),
    };
    if let Err(error) = done {
        log::warn!(
            "window: could not be hidden ({})",
            crate::tauri_error_kind(&error)
        );
    }
    // The window's place is kept now: the session may end before the app is quit.
    crate::instance::save_window_place(app);
}

/// Hidden when a tray shows the icon, minimised when none does.
pub fn on_close(tray_host_present: bool) -> OnClose {
    if tray_host_present {
        OnClose::Hide
    } else {
        OnClose::Minimize
    }
}

/// Whether a tray host shows the icon. On Linux the icon is a StatusNotifierItem, shown only
/// when something owns `org.kde.StatusNotifierWatcher` on the session bus (KDE, Xfce, Cinnamon,
/// GNOME with the AppIndicator extension); Windows and macOS always have one.
#[cfg(target_os = "linux")]
pub fn tray_host_present() -> bool {
    use gio::glib::{Variant, VariantTy};
    use gio::prelude::*;
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return false;
    };
    bus.call_sync(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        Some(&("org.kde.StatusNotifierWatcher",).to_variant()),
        Some(VariantTy::new("(b)").unwrap_or(VariantTy::ANY)),
        gio::DBusCallFlags::NONE,
        1_000,
        gio::Cancellable::NONE,
    )
    .ok()
    .and_then(|answer: Variant| answer.get::<(bool,)>())
    .is_some_and(|(present,)| present)
}

#[cfg(not(target_os = "linux"))]
pub fn tray_host_present() -> bool {
    true
}

/// Where the tray's words go: the real icon and menu, or a test's record.
pub trait ShowsOverdue: Send + 'static {
    fn show(&self, words: &TrayWords);
}

/// The tray icon and its menu's Due item, whose words follow the count.
struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    due: MenuItem<R>,
}

impl<R: Runtime> ShowsOverdue for Tray<R> {
    fn show(&self, words: &TrayWords) {
        let results = [
            self.icon.set_title(words.title.as_deref()),
            self.icon.set_tooltip(Some(&words.tooltip)),
            self.due.set_text(&words.due_item),
        ];
        for result in results {
            if let Err(error) = result {
                log::warn!(
                    "tray: could not be updated ({})",
                    crate::tauri_error_kind(&error)
                );
            }
        }
    }
}

/// Shows the words for the current count, then again each time it changes, until the sender is
/// gone (the words for the last count stay).
pub async fn follow(mut overdue: watch::Receiver<usize>, shown: impl ShowsOverdue) {
    loop {
        let count = *overdue.borrow_and_update();
        shown.show(&words(count));
        if overdue.changed().await.is_err() {
            return;
        }
    }
}

/// Puts the tray icon up, with its menu, and keeps its count following `overdue`.
pub fn spawn<R: Runtime>(app: &AppHandle<R>, overdue: watch::Receiver<usize>) -> tauri::Result<()> {
    let first = words(*overdue.borrow());
    let open = MenuItem::with_id(
        app,
        TrayAction::Open.id(),
        "Open Holdfast",
        true,
        None::<&str>,
    )?;
    let due = MenuItem::with_id(
        app,
        TrayAction::Due.id(),
        &first.due_item,
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        app,
        TrayAction::Quit.id(),
        "Quit Holdfast",
        true,
        None::<&str>,
    )?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &due, &separator, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(&first.tooltip)
        .on_menu_event(|app: &AppHandle<R>, event: MenuEvent| {
            if let Some(action) = TrayAction::from_id(event.id().as_ref()) {
                perform(app, action);
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    if let Some(title) = &first.title {
        builder = builder.title(title);
    }
    let icon = builder.build(app)?;
    tauri::async_runtime::spawn(follow(overdue, Tray { icon, due }));
    Ok(())
}

/// Whether the app was started to sit in the tray (`IN_TRAY_ARG`, as start at login does).
pub fn started_in_tray(args: impl IntoIterator<Item = String>) -> bool {
    args.into_iter().any(|arg| arg == IN_TRAY_ARG)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tauri::test::{mock_builder, mock_context, noop_assets};
    use tauri::WebviewWindowBuilder;

    use super::*;

    #[test]
    fn the_tray_says_how_many_items_are_overdue() {
        assert_eq!(
            words(0),
            TrayWords {
                title: None,
                tooltip: "Holdfast: nothing overdue".into(),
                due_item: "Due (nothing overdue)".into(),
            }
        );
        assert_eq!(
            words(1),
            TrayWords {
                title: Some("1".into()),
                tooltip: "Holdfast: 1 overdue".into(),
                due_item: "Due (1 overdue)".into(),
            }
        );
        assert_eq!(
            words(27),
            TrayWords {
                title: Some("27".into()),
                tooltip: "Holdfast: 27 overdue".into(),
                due_item: "Due (27 overdue)".into(),
            }
        );
    }

    #[test]
    fn each_menu_item_is_found_by_its_id_and_nothing_else_is() {
        for action in TrayAction::ALL {
            assert_eq!(TrayAction::from_id(action.id()), Some(action));
        }
        assert_eq!(TrayAction::from_id("exit"), None);
        assert_eq!(TrayAction::from_id(""), None);
    }

    #[test]
    fn the_window_hides_to_a_tray_and_is_minimised_without_one() {
        assert_eq!(on_close(true), OnClose::Hide);
        assert_eq!(on_close(false), OnClose::Minimize);
    }

    #[test]
    fn only_the_in_tray_argument_starts_the_app_in_the_tray() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(started_in_tray(args(&["--profile", "/p", "--in-tray"])));
        assert!(!started_in_tray(args(&["--profile", "/p"])));
        assert!(!started_in_tray(args(&["--profile", "--in-tray-x"])));
    }

    /// Records the words it is shown, and hands each to the test as it comes.
    struct Recorder(tokio::sync::mpsc::UnboundedSender<TrayWords>);

    impl ShowsOverdue for Recorder {
        fn show(&self, words: &TrayWords) {
            let _ = self.0.send(words.clone());
        }
    }

    #[tokio::test]
    async fn the_tray_follows_the_count_as_it_changes() {
        let (count, overdue) = watch::channel(0_usize);
        let (shown, mut seen) = tokio::sync::mpsc::unbounded_channel();
        let following = tokio::spawn(follow(overdue, Recorder(shown)));
        assert_eq!(seen.recv().await, Some(words(0)));
        count.send(1).unwrap();
        assert_eq!(seen.recv().await.unwrap().due_item, "Due (1 overdue)");
        count.send(12).unwrap();
        assert_eq!(seen.recv().await.unwrap().title.as_deref(), Some("12"));
        count.send(0).unwrap();
        assert_eq!(seen.recv().await, Some(words(0)));
        // The scheduler gone, following ends; the last words stay.
        drop(count);
        following.await.unwrap();
        assert_eq!(seen.recv().await, None);
    }

    /// Closing the main window does not end the app: the close is refused (and the window
    /// hidden). Without the handler, closing the only window ends the mock app's loop at once.
    #[test]
    fn closing_the_window_keeps_the_app_running() {
        let app = mock_builder().build(mock_context(noop_assets())).unwrap();
        let window = WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
            .build()
            .unwrap();
        let survived = Arc::new(Mutex::new(None));
        let seen = survived.clone();
        let mut cleared = 0;
        app.run_return(move |app, event| {
            keep_running_on_close(app, &event);
            match event {
                tauri::RunEvent::Ready => window.close().unwrap(),
                // The loop has handled the close request: is the window still there? Then end
                // the test's app by destroying it (no close request).
                tauri::RunEvent::MainEventsCleared => {
                    cleared += 1;
                    if cleared == 1 {
                        let main = app.get_webview_window(MAIN_WINDOW);
                        *seen.lock().unwrap() = Some(main.is_some());
                        if let Some(main) = main {
                            main.destroy().unwrap();
                        }
                    }
                }
                _ => {}
            }
        });
        assert_eq!(*survived.lock().unwrap(), Some(true));
    }
}
