//! The reminder scheduler: one "look" reads what is due for the acting user, asks the planner
//! what to raise now, sends it through the `Notifier` and records what was sent; the loop then
//! sleeps until the next instant something may be raised, or until the data changes.
//!
//! - A look (`look`, a plain function of the database, the notifier and `now`): `due_items`, the
//!   person's reminder memory and settings, `reminders::plan`; each notice is sent, and only the
//!   item stages of notices that went out are marked shown (a notice the desktop refused is
//!   planned again at the next look); what concerns items no longer due is forgotten.
//! - The loop wakes at the plan's next wake-up, at most `MAX_SLEEP` later (its timer does not
//!   count a suspended laptop's sleep, and the wall clock may be changed), a minute later when a
//!   send failed, and at once when the data changes (`SharedDatabase::changes`: a command that
//!   wrote, an unlock, a sync round that brought or decided work). It never polls.
//! - At start the first look raises what fell due while the app was closed, grouped by the
//!   planner. Nothing is looked at while the profile is locked or nobody uses it.
//! - It keeps the number of items overdue now (`overdue`), for the tray's count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use holdfast_core::reminders::{plan, DueItem, Memory, Notice, Stage};
use holdfast_store::Database;
use jiff::Timestamp;
use tokio::sync::watch;

use crate::database::SharedDatabase;
use crate::error::AppError;
use crate::reminders::notifier::{Notification, Notifier, NotifyError};
use crate::reminders::words;

/// The longest the loop sleeps without looking: a suspended laptop's timers stop, and the system
/// clock may be set forward, so a due time is caught at most this late.
pub const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
/// How soon a look whose notices the desktop refused is tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);

/// What one look did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// Notifications sent.
    pub sent: usize,
    /// Notifications the desktop refused (planned again at the next look).
    pub failed: Vec<NotifyError>,
    /// The items overdue now: due, not done, not snoozed into the future.
    pub overdue: usize,
    /// When something may next be raised or become overdue.
    pub next_wake: Option<Timestamp>,
}

/// A look's reading of the database: what to send and what to record.
pub struct Pending {
    notices: Vec<(Notification, Vec<(String, Stage)>)>,
    overdue: usize,
    next_wake: Option<Timestamp>,
}

/// Reads what is due for the acting user at `now` and plans what to raise; `None` when nobody
/// uses the profile. What concerns items no longer due is forgotten first.
pub fn prepare(database: &mut Database, now: Timestamp) -> Result<Option<Pending>, AppError> {
    let Some(viewer) = database.queue_viewer()? else {
        return Ok(None);
    };
    let items = database.due_items(&viewer, now)?;
    database.prune_reminders(&items)?;
    let memory = database.reminder_memory()?;
    let settings = database.reminder_settings()?;
    let zone = settings.time_zone()?;
    let planned = plan(&items, &memory, &settings.planner()?, now);
    let (overdue, next_overdue) = overdue(&items, &memory, now);
    let next_wake = match (planned.next_wake, next_overdue) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(Some(Pending {
        notices: planned
            .notices
            .iter()
            .map(|notice| (words::notification(notice, now, &zone), raised(notice)))
            .collect(),
        overdue,
        next_wake,
    }))
}

/// The item stages a notice raises.
fn raised(notice: &Notice) -> Vec<(String, Stage)> {
    match notice {
        Notice::One { item, stage } => vec![(item.key.clone(), *stage)],
        Notice::Group { items } => items
            .iter()
            .map(|(item, stage)| (item.key.clone(), *stage))
            .collect(),
    }
}

/// How many of `items` are overdue at `now` (due, not done, not snoozed into the future, as the
/// Due view's overdue group), and the next instant another one becomes overdue.
pub fn overdue(items: &[DueItem], memory: &Memory, now: Timestamp) -> (usize, Option<Timestamp>) {
    let mut count = 0;
    let mut next: Option<Timestamp> = None;
    for item in items.iter().filter(|item| !memory.done.contains(&item.key)) {
        let at = memory
            .snoozed
            .get(&item.key)
            .copied()
            .filter(|until| *until > now)
            .unwrap_or(item.due_at);
        if at <= now {
            count += 1;
        } else {
            next = Some(next.map_or(at, |next: Timestamp| next.min(at)));
        }
    }
    (count, next)
}

/// Sends the pending notices; returns the item stages of those that went out, and why the others
/// did not.
pub fn send(
    notifier: &dyn Notifier,
    pending: &Pending,
) -> (Vec<(String, Stage)>, Vec<NotifyError>) {
    let mut shown = Vec::new();
    let mut failed = Vec::new();
    for (notification, raised) in &pending.notices {
        match notifier.send(notification) {
            Ok(()) => shown.extend(raised.iter().cloned()),
            Err(error) => failed.push(error),
        }
    }
    (shown, failed)
}

/// Records what was shown: never raised again, across restarts.
pub fn record(database: &mut Database, shown: &[(String, Stage)]) -> Result<(), AppError> {
    if !shown.is_empty() {
        database.mark_reminders_shown(shown)?;
    }
    Ok(())
}

impl Pending {
    fn outcome(&self, sent: usize, failed: Vec<NotifyError>) -> Look {
        Look {
            sent,
            failed,
            overdue: self.overdue,
            next_wake: self.next_wake,
        }
    }
}

/// One look at `now`: plan, send through `notifier`, record what went out. `None` when nobody
/// uses the profile.
pub fn look(
    database: &mut Database,
    notifier: &dyn Notifier,
    now: Timestamp,
) -> Result<Option<Look>, AppError> {
    let Some(pending) = prepare(database, now)? else {
        return Ok(None);
    };
    let (shown, failed) = send(notifier, &pending);
    record(database, &shown)?;
    let sent = pending.notices.len() - failed.len();
    Ok(Some(pending.outcome(sent, failed)))
}

/// The running scheduler, as the app holds it.
pub struct Scheduler {
    overdue: watch::Sender<usize>,
    looks: AtomicU64,
    wakeups: AtomicU64,
}

impl Scheduler {
    /// The number of items overdue now, updated at every look (the tray's count).
    pub fn overdue(&self) -> watch::Receiver<usize> {
        self.overdue.subscribe()
    }

    /// How many times the loop woke, and how many of those looked at what is due (it wakes
    /// without looking only when the profile is locked or nobody uses it).
    pub fn activity(&self) -> (u64, u64) {
        (
            self.wakeups.load(Ordering::Relaxed),
            self.looks.load(Ordering::Relaxed),
        )
    }

    /// Starts the loop on the app's runtime, over `database`, sending through `notifier`.
    pub fn spawn(database: SharedDatabase, notifier: Arc<dyn Notifier>) -> Arc<Scheduler> {
        let scheduler = Arc::new(Scheduler {
            overdue: watch::Sender::new(0),
            looks: AtomicU64::new(0),
            wakeups: AtomicU64::new(0),
        });
        let running = Arc::clone(&scheduler);
        tauri::async_runtime::spawn(async move { running.run(database, notifier).await });
        scheduler
    }

    async fn run(&self, database: SharedDatabase, notifier: Arc<dyn Notifier>) {
        database.started().await;
        let mut changes = database.changes();
        loop {
            self.wakeups.fetch_add(1, Ordering::Relaxed);
            // What changes from here on wakes the next sleep.
            changes.borrow_and_update();
            let wait = match self.look(&database, &notifier).await {
                Ok(Some(look)) => {
                    self.looks.fetch_add(1, Ordering::Relaxed);
                    self.overdue.send_replace(look.overdue);
                    for error in &look.failed {
                        let kind = match error {
                            NotifyError::Unavailable(_) => "no notification service",
                            NotifyError::Refused(_) => "refused by the desktop",
                        };
                        log::warn!("reminders: a reminder was not shown ({kind})");
                    }
                    let until = look.next_wake.map_or(MAX_SLEEP, |at| {
                        let left = at.duration_since(crate::clock::now());
                        Duration::try_from(left).unwrap_or(Duration::ZERO)
                    });
                    let until = if look.failed.is_empty() {
                        until
                    } else {
                        until.min(RETRY_AFTER)
                    };
                    until.min(MAX_SLEEP)
                }
                Ok(None) | Err(AppError::Locked { .. }) => {
                    self.overdue.send_replace(0);
                    MAX_SLEEP
                }
                Err(error) => {
                    log::warn!(
                        "reminders: could not be read ({})",
                        crate::logging::error_kind(&error)
                    );
                    MAX_SLEEP
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                changed = changes.changed() => {
                    if changed.is_err() {
                        // The database is gone: the app is shutting down.
                        return;
                    }
                }
            }
        }
    }

    /// A look over the shared database: planned and recorded under its lock, sent outside it (the
    /// desktop's answer must not hold up the window's commands).
    async fn look(
        &self,
        database: &SharedDatabase,
        notifier: &Arc<dyn Notifier>,
    ) -> Result<Option<Look>, AppError> {
        let now = crate::clock::now();
        let Some(pending) = database
            .with_database_unobserved(move |db| prepare(db, now))
            .await?
        else {
            return Ok(None);
        };
        let pending = Arc::new(pending);
        let (shown, failed) = {
            let notifier = Arc::clone(notifier);
            let pending = Arc::clone(&pending);
            tauri::async_runtime::spawn_blocking(move || send(notifier.as_ref(), &pending))
                .await
                .map_err(|e| AppError::internal(format!("sending reminders failed: {e}")))?
        };
        let sent = pending.notices.len() - failed.len();
        database
            .with_database_unobserved(move |db| record(db, &shown))
            .await?;
        Ok(Some(pending.outcome(sent, failed)))
    }
}
