//! What the app holds while it runs: the profile, its keyring entry, and the open database. Work
//! on the database runs on a blocking thread, never on the window's thread.

use std::sync::{Arc, Mutex, MutexGuard};

use holdfast_store::Database;

use crate::error::AppError;
use crate::profile::Profile;
use crate::secrets::{KeyringSecret, SecretError, SecretStore};
use crate::session::{Opened, SessionStatus};

pub struct AppState {
    profile: Result<Profile, AppError>,
    secrets: Result<KeyringSecret, SecretError>,
    database: Arc<Mutex<Option<Database>>>,
    status: Mutex<SessionStatus>,
}

impl AppState {
    /// Connects to the keyring and tries to open the profile's database; a profile that could
    /// not be resolved leaves the app showing why.
    pub fn start(profile: Result<Profile, AppError>) -> Self {
        let (secrets, opened) = match &profile {
            Ok(profile) => {
                let secrets =
                    KeyringSecret::new(crate::profile::KEYRING_SERVICE, &profile.keyring_user());
                let opened = crate::session::start(
                    profile,
                    secrets
                        .as_ref()
                        .map(|s| s as &dyn SecretStore)
                        .map_err(Clone::clone),
                );
                (secrets, opened)
            }
            Err(error) => (
                Err(SecretError::Unavailable(error.to_string())),
                Opened::failed(error.to_string()),
            ),
        };
        let state = AppState {
            profile,
            secrets,
            database: Arc::new(Mutex::new(None)),
            status: Mutex::new(SessionStatus::NeedsPassphrase),
        };
        state.install(opened);
        state
    }

    pub fn profile(&self) -> Result<Profile, AppError> {
        self.profile.clone()
    }

    pub fn install(&self, opened: Opened) {
        *lock(&self.database) = opened.database;
        *lock(&self.status) = opened.status;
    }

    pub fn status(&self) -> SessionStatus {
        lock(&self.status).clone()
    }

    pub fn keyring_available(&self) -> bool {
        self.secrets.is_ok()
    }

    /// Runs `work` against the open database on a blocking thread.
    pub async fn with_database<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, AppError> + Send + 'static,
    {
        let database = Arc::clone(&self.database);
        let temp_perf_t0 = std::time::Instant::now(); // TEMP-PERF
        tauri::async_runtime::spawn_blocking(move || {
            let temp_perf_t1 = std::time::Instant::now();
            let mut guard = lock(&database);
            let temp_perf_t2 = std::time::Instant::now();
            let temp_perf_name = std::any::type_name::<F>().replace("holdfast_app::commands::", "");
            match guard.as_mut() {
                Some(database) => {
                    let r = work(database);
                    eprintln!(
                        "TEMP-PERF db {} at {} spawn {:?} lockwait {:?} work {:?}",
                        temp_perf_name,
                        crate::temp_perf_ms(),
                        temp_perf_t1 - temp_perf_t0,
                        temp_perf_t2 - temp_perf_t1,
                        temp_perf_t2.elapsed()
                    );
                    r
                }
                None => Err(AppError::Locked {
                    message: "the database is locked; unlock it first".into(),
                }),
            }
        })
        .await
        .map_err(|e| AppError::internal(format!("the database task failed: {e}")))?
    }
}

/// A poisoned lock only means another command panicked mid-way; SQLite's transaction already
/// rolled back, so the data behind it is consistent and the app carries on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
