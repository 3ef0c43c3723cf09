//! The profile's open database as the commands and the sync loop share it: the start-up attempt
//! to open it (which runs on a thread of its own, beside the window's creation), the session
//! status it left, and running work on it on a blocking thread, never on the window's thread.
//!
//! It also says when the data changed (`changes`): every command reaches the database through
//! `with_database`, which compares the connection's change count before and after the work, so
//! the reminder scheduler learns that what is due may have changed from this one place instead
//! of from each command. An unlock or a new database (`install`) counts as a change too.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use holdfast_store::Database;

use crate::error::AppError;
use crate::session::{Opened, SessionStatus};

/// Cheap to clone: every clone is the same database.
#[derive(Clone)]
pub struct SharedDatabase {
    database: Arc<Mutex<Option<Database>>>,
    status: Arc<Mutex<SessionStatus>>,
    opening: Arc<Opening>,
    /// Bumped whenever the data may have changed; readers wait on a receiver (`changes`).
    changed: Arc<tokio::sync::watch::Sender<u64>>,
}

impl SharedDatabase {
    /// Runs `open` (the start-up attempt) on a thread of its own; commands wait until it has
    /// finished.
    pub fn open_in_background<F>(open: F) -> Self
    where
        F: FnOnce() -> Opened + Send + 'static,
    {
        let shared = SharedDatabase {
            database: Arc::new(Mutex::new(None)),
            status: Arc::new(Mutex::new(SessionStatus::NeedsPassphrase)),
            opening: Arc::new(Opening::default()),
            changed: Arc::new(tokio::sync::watch::Sender::new(0)),
        };
        let slot = Arc::new(Mutex::new(Some(open)));
        let run = {
            let shared = shared.clone();
            let slot = Arc::clone(&slot);
            move || {
                let Some(open) = lock(&slot).take() else {
                    return;
                };
                // A panic must not leave the commands waiting for ever.
                let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(open))
                    .unwrap_or_else(|_| Opened::failed("Opening the profile failed unexpectedly."));
                shared.install(opened);
                shared.opening.finish();
            }
        };
        // Without a thread to spare, the window waits for the database instead.
        let spawned = std::thread::Builder::new()
            .name("open-profile".into())
            .spawn(run.clone());
        if spawned.is_err() {
            run();
        }
        shared
    }

    /// Waits until the start-up attempt to open the database has finished.
    pub async fn started(&self) {
        if self.opening.finished() {
            return;
        }
        let opening = Arc::clone(&self.opening);
        // A failed wait can only mean the runtime is shutting down.
        let _ = tauri::async_runtime::spawn_blocking(move || opening.wait()).await;
    }

    /// Replaces the database (and the status) with what an unlock produced.
    pub fn install(&self, opened: Opened) {
        *lock(&self.database) = opened.database;
        *lock(&self.status) = opened.status;
        self.mark_changed();
    }

    /// A receiver that sees a new value whenever the data may have changed: a command that wrote
    /// rows, an unlock, a sync round that brought or decided work (`mark_changed`).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Tells the readers of `changes` that the data may have changed.
    pub fn mark_changed(&self) {
        self.changed
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// Where the app stands; call after `started`, or it may still say the start-up default.
    pub fn status(&self) -> SessionStatus {
        lock(&self.status).clone()
    }

    /// Runs `work` against the open database on a blocking thread, once the start-up attempt to
    /// open it has finished. When the work wrote rows (whether it then succeeded or not), the
    /// readers of `changes` are told.
    pub async fn with_database<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, AppError> + Send + 'static,
    {
        let changed = Arc::clone(&self.changed);
        self.run(move |database| {
            let before = database.total_changes();
            let outcome = work(database);
            if database.total_changes() != before {
                changed.send_modify(|generation| *generation = generation.wrapping_add(1));
            }
            outcome
        })
        .await
    }

    /// `with_database` for work that keeps its own books and must not count as a change of what
    /// is due: the scheduler recording what it showed, the sync loop's round bookkeeping (which
    /// says itself when a round brought or decided work, `mark_changed`).
    pub async fn with_database_unobserved<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, AppError> + Send + 'static,
    {
        self.run(work).await
    }

    async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, AppError> + Send + 'static,
    {
        let database = Arc::clone(&self.database);
        let opening = Arc::clone(&self.opening);
        tauri::async_runtime::spawn_blocking(move || {
            opening.wait();
            let mut guard = lock(&database);
            match guard.as_mut() {
                Some(database) => work(database),
                None => Err(AppError::Locked {
                    message: "the database is locked; unlock it first".into(),
                }),
            }
        })
        .await
        .map_err(|e| AppError::internal(format!("the database task failed: {e}")))?
    }
}

/// Whether the start-up attempt to open the database has finished.
#[derive(Default)]
struct Opening {
    done: Mutex<bool>,
    changed: Condvar,
}

impl Opening {
    fn finish(&self) {
        *lock(&self.done) = true;
        self.changed.notify_all();
    }

    fn finished(&self) -> bool {
        *lock(&self.done)
    }

    fn wait(&self) {
        let mut done = lock(&self.done);
        while !*done {
            done = self
                .changed
                .wait(done)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// A poisoned lock only means another command panicked mid-way; SQLite's transaction already
/// rolled back, so the data behind it is consistent and the app carries on.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
