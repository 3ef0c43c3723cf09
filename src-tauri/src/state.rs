//! What the app holds while it runs: the profile, its secrets (taken from whichever `SecretVault`
//! the app was started with: the OS keyring in the app, an in-memory one in tests), the shared
//! database and the team-sync runtime.

use std::sync::Arc;

use holdfast_store::Database;

use crate::database::SharedDatabase;
use crate::error::AppError;
use crate::profile::Profile;
use crate::secrets::{SecretError, SecretStore, SecretVault};
use crate::session::{Opened, SessionStatus};
use crate::sync::SyncRuntime;

pub struct AppState {
    profile: Result<Profile, AppError>,
    /// The profile's database key entry, or why there is none (no keyring on this machine).
    secrets: Result<Arc<dyn SecretStore>, SecretError>,
    database: SharedDatabase,
    sync: Arc<SyncRuntime>,
    /// The keyring entry of the profile's heads-up signing secrets (issue 16).
    heads_up_secrets: crate::heads_ups::HeadsUpSecrets,
    /// E-mail sent over SMTP: the server's password in the keyring, the outbox loop's wake-up.
    mail: Arc<crate::mail::MailRuntime>,
}

impl AppState {
    /// Opens the profile's keyring entries in `vault` and starts opening its database (the
    /// keyring read over D-Bus and SQLCipher's open take tens of milliseconds, which the window's
    /// start need not wait for); a profile that could not be resolved leaves the app showing why.
    /// Commands wait until the attempt has finished.
    pub fn start(profile: Result<Profile, AppError>, vault: &dyn SecretVault) -> Self {
        let (secrets, tokens, mail_password) = match &profile {
            Ok(profile) => (
                vault.entry(&profile.keyring_user()),
                vault.entry(&format!("sync-session:{}", profile.keyring_user())),
                vault.entry(&format!("mail-password:{}", profile.keyring_user())),
            ),
            Err(error) => {
                let unavailable = SecretError::Unavailable(error.to_string());
                (
                    Err(unavailable.clone()),
                    Err(unavailable.clone()),
                    Err(unavailable),
                )
            }
        };
        let database = {
            let profile = profile.clone();
            let secrets = secrets.clone();
            SharedDatabase::open_in_background(move || match &profile {
                Ok(profile) => crate::session::start(
                    profile,
                    secrets
                        .as_ref()
                        .map(|s| s.as_ref() as &dyn SecretStore)
                        .map_err(Clone::clone),
                ),
                Err(error) => Opened::failed(error.to_string()),
            })
        };
        let heads_up_secrets = crate::heads_ups::HeadsUpSecrets::open(profile.as_ref(), vault);
        AppState {
            profile,
            secrets,
            database,
            sync: Arc::new(SyncRuntime::new(tokens)),
            heads_up_secrets,
            mail: Arc::new(crate::mail::MailRuntime::new(mail_password)),
        }
    }

    /// E-mail over SMTP: the password entry and the outbox loop's wake-up.
    pub fn mail(&self) -> &Arc<crate::mail::MailRuntime> {
        &self.mail
    }

    /// Team sync: the session and the background loop's view of the connection.
    pub fn sync(&self) -> &Arc<SyncRuntime> {
        &self.sync
    }

    /// The profile's heads-up signing secrets (the OS keyring).
    pub fn heads_up_secrets(&self) -> &crate::heads_ups::HeadsUpSecrets {
        &self.heads_up_secrets
    }

    /// The database the commands and the sync loop share.
    pub fn database(&self) -> &SharedDatabase {
        &self.database
    }

    pub fn profile(&self) -> Result<Profile, AppError> {
        self.profile.clone()
    }

    /// Waits until the start-up attempt to open the database has finished.
    pub async fn started(&self) {
        self.database.started().await;
    }

    pub fn install(&self, opened: Opened) {
        self.database.install(opened);
    }

    /// Where the app stands; call after `started`, or it may still say the start-up default.
    pub fn status(&self) -> SessionStatus {
        self.database.status()
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
        self.database.with_database(work).await
    }
}
