//! What the app holds while it runs: the profile, its keyring entry, and the open database. The
//! database is opened at start-up on a thread of its own, beside the window's creation, and work
//! on it runs on a blocking thread, never on the window's thread.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use holdfast_store::Database;

use crate::error::AppError;
use crate::profile::Profile;
use crate::secrets::{KeyringSecret, SecretError, SecretStore};
use crate::session::{Opened, SessionStatus};

pub struct AppState {
    profile: Result<Profile, AppError>,
    secrets: Arc<Result<KeyringSecret, SecretError>>,
    database: Arc<Mutex<Option<Database>>>,
    status: Arc<Mutex<SessionStatus>>,
    opening: Arc<Opening>,
    sync: crate::sync::SharedSync,
}

impl AppState {
    /// Connects to the keyring and starts opening the profile's database (the keyring read over
    /// D-Bus and SQLCipher's open take tens of milliseconds, which the window's start need not
    /// wait for); a profile that could not be resolved leaves the app showing why. Commands wait
    /// until the attempt has finished.
    pub fn start(profile: Result<Profile, AppError>) -> Self {
        let secrets = Arc::new(match &profile {
            Ok(profile) => {
                KeyringSecret::new(crate::profile::KEYRING_SERVICE, &profile.keyring_user())
            }
            Err(error) => Err(SecretError::Unavailable(error.to_string())),
        });
        let sync = Arc::new(crate::sync::SyncRuntime::new(
            &profile
                .as_ref()
                .map(Profile::keyring_user)
                .unwrap_or_default(),
        ));
        let state = AppState {
            sync,
            profile,
            secrets,
            database: Arc::new(Mutex::new(None)),
            status: Arc::new(Mutex::new(SessionStatus::NeedsPassphrase)),
            opening: Arc::new(Opening::default()),
        };
        let profile = state.profile.clone();
        let secrets = Arc::clone(&state.secrets);
        let database = Arc::clone(&state.database);
        let status = Arc::clone(&state.status);
        let opening = Arc::clone(&state.opening);
        let open = move || {
            let opened = match &profile {
                // A panic must not leave the commands waiting for ever.
                Ok(profile) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    crate::session::start(
                        profile,
                        secrets
                            .as_ref()
                            .as_ref()
                            .map(|s| s as &dyn SecretStore)
                            .map_err(Clone::clone),
                    )
                }))
                .unwrap_or_else(|_| Opened::failed("Opening the profile failed unexpectedly.")),
                Err(error) => Opened::failed(error.to_string()),
            };
            *lock(&database) = opened.database;
            *lock(&status) = opened.status;
            opening.finish();
        };
        // Without a thread to spare, the window waits for the database instead.
        let spawned = std::thread::Builder::new()
            .name("open-profile".into())
            .spawn({
                let open = open.clone();
                move || open()
            });
        if spawned.is_err() {
            open();
        }
        state
    }

    /// Team sync: the session and the background loop's view of the connection.
    pub fn sync(&self) -> &crate::sync::SyncRuntime {
        &self.sync
    }

    pub fn profile(&self) -> Result<Profile, AppError> {
        self.profile.clone()
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

    pub fn install(&self, opened: Opened) {
        *lock(&self.database) = opened.database;
        *lock(&self.status) = opened.status;
    }

    /// Where the app stands; call after `started`, or it may still say the start-up default.
    pub fn status(&self) -> SessionStatus {
        lock(&self.status).clone()
    }

    pub fn keyring_available(&self) -> bool {
        self.secrets.is_ok()
    }

    /// Runs `work` against the open database on a blocking thread, once the start-up attempt to
    /// open it has finished.
    pub async fn with_database<T, F>(&self, work: F) -> Result<T, AppError>
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
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
