//! Reminders in the running app (issue 13): the scheduler that looks at what is due for the
//! person at the desk and raises it as desktop notifications, the words of those notifications,
//! and the `Notifier` they go through (the desktop's, or a recording one in tests). What is due
//! and what was shown is the store's (`holdfast_store::due`); what to raise when is the core's
//! planner (`holdfast_core::reminders::plan`).

pub mod desktop;
pub mod notifier;
pub mod scheduler;
pub mod words;

#[cfg(test)]
mod tests;

pub use desktop::DesktopNotifier;
pub use notifier::{Notification, Notifier, NotifyError, RecordingNotifier, Target};
pub use scheduler::{look, Look, Scheduler};
