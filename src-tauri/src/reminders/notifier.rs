//! What the scheduler sends a notification through: the `Notifier` trait (the desktop's in the
//! app, `DesktopNotifier`), what one notification says and where clicking it leads, and a
//! recording notifier that keeps what it was asked to send (for tests and the bench).

use std::sync::Mutex;

use serde::Serialize;
use uuid::Uuid;

use crate::database::lock;

/// Where clicking a notification takes the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "open", content = "case_id", rename_all = "snake_case")]
pub enum Target {
    /// The case the item is about.
    Case(Uuid),
    /// The Due view: a grouped notification, or an item about no case.
    DueView,
}

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    pub target: Target,
}

/// Why a notification was not shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// No notification service answered (none running, no session bus).
    #[error("the desktop's notification service cannot be reached: {0}")]
    Unavailable(String),
    /// The service answered with an error.
    #[error("the desktop refused the notification: {0}")]
    Refused(String),
}

/// Sends one notification. Called from a blocking thread: an implementation may wait for the
/// desktop's answer.
pub trait Notifier: Send + Sync {
    fn send(&self, notification: &Notification) -> Result<(), NotifyError>;
}

/// Keeps every notification it is asked to send, in order; told to, it refuses the next ones
/// (as a desktop without a notification service would).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notification>>,
    refusing: Mutex<bool>,
}

impl RecordingNotifier {
    /// What was sent so far, taken out (the next call returns only what came after).
    pub fn take(&self) -> Vec<Notification> {
        std::mem::take(&mut *lock(&self.sent))
    }

    /// From now on, refuses (`true`) or accepts (`false`) what it is asked to send.
    pub fn refuse(&self, refusing: bool) {
        *lock(&self.refusing) = refusing;
    }
}

impl Notifier for RecordingNotifier {
    fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        if *lock(&self.refusing) {
            return Err(NotifyError::Unavailable("no notification service".into()));
        }
        lock(&self.sent).push(notification.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload of `reminder-open`, as `ui/src/lib/reminderOpen.ts` reads it.
    #[test]
    fn a_target_is_sent_to_the_window_as_what_to_open() {
        let case = Uuid::from_u128(7);
        assert_eq!(
            serde_json::to_value(Target::Case(case)).unwrap(),
            serde_json::json!({ "open": "case", "case_id": case.to_string() })
        );
        assert_eq!(
            serde_json::to_value(Target::DueView).unwrap(),
            serde_json::json!({ "open": "due_view" })
        );
    }
}
