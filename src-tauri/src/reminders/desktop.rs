//! The desktop's notifications through `notify-rust`: the freedesktop notification service over
//! D-Bus on Linux (zbus), the platform's own on macOS and Windows. On Linux each notification
//! carries a default action; clicking it (or the daemon's "do action") calls the app back with
//! the notification's target, for the window to open the case or the Due view. Waiting for that
//! click is bounded: it ends when the notification is closed or expires, and after
//! `KEEP_CLICKABLE` the notification is withdrawn (the Due view still lists the item).

use std::sync::Arc;

use crate::reminders::notifier::{Notification, Notifier, NotifyError, Target};

/// What the app does when a notification is clicked.
pub type OnClick = Arc<dyn Fn(Target) + Send + Sync>;

/// The app's name on its notifications.
const APP_NAME: &str = "Holdfast";

/// The longest a shown notification waits for a click before it is withdrawn.
#[cfg(all(unix, not(target_os = "macos")))]
const KEEP_CLICKABLE: std::time::Duration = std::time::Duration::from_secs(12 * 60 * 60);

/// The action a click on the notification's body invokes (the freedesktop convention).
#[cfg(all(unix, not(target_os = "macos")))]
const DEFAULT_ACTION: &str = "default";

pub struct DesktopNotifier {
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    on_click: OnClick,
}

impl DesktopNotifier {
    pub fn new(on_click: OnClick) -> Self {
        DesktopNotifier { on_click }
    }
}

impl Notifier for DesktopNotifier {
    #[cfg(all(unix, not(target_os = "macos")))]
    fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        let handle = notify_rust::Notification::new()
            .appname(APP_NAME)
            .summary(&notification.title)
            .body(&notification.body)
            .action(DEFAULT_ACTION, "Open")
            .show()
            .map_err(desktop_error)?;
        let on_click = Arc::clone(&self.on_click);
        let target = notification.target.clone();
        tauri::async_runtime::spawn(async move {
            let waited = tokio::time::timeout(
                KEEP_CLICKABLE,
                handle.wait_for_action_async(|response| {
                    if matches!(
                        response,
                        notify_rust::ActionResponse::Custom(action) if *action == DEFAULT_ACTION
                    ) {
                        on_click(target);
                    }
                }),
            )
            .await;
            if waited.is_err() {
                handle.close_async().await;
            }
        });
        Ok(())
    }

    #[cfg(not(all(unix, not(target_os = "macos"))))]
    fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        notify_rust::Notification::new()
            .appname(APP_NAME)
            .summary(&notification.title)
            .body(&notification.body)
            .show()
            .map(|_| ())
            .map_err(desktop_error)
    }
}

fn desktop_error(error: notify_rust::error::Error) -> NotifyError {
    let message = error.to_string();
    if message.contains("ServiceUnknown") || message.contains("Address") {
        NotifyError::Unavailable(message)
    } else {
        NotifyError::Refused(message)
    }
}
