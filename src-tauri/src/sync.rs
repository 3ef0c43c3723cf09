//! Team sync in the running app: the signed-in session (its tokens kept only in the OS keyring),
//! one sync round (refresh the token, the user's roles, the published policy, push the outbox,
//! pull the log), and the background loop that runs rounds while online and backs off while the
//! server cannot be reached. The engine and its tables are holdfast-store's (`Database::next_push`,
//! `apply_push_response`, `apply_pull`); this module only carries messages and keeps time. It
//! works on the shared database and its own runtime, never on the app's whole state, which holds
//! it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use holdfast_store::Database;
use holdfast_sync::protocol::{ErrorBody, Session, MAX_BATCH};
use holdfast_sync::transport::{SyncClient, TransportError};
use jiff::Timestamp;

use crate::database::{lock, SharedDatabase};
use crate::error::AppError;
use crate::secrets::{SecretError, SecretStore};

/// How often a connected desk syncs when nothing asks it to sooner.
const INTERVAL: Duration = Duration::from_secs(5);
/// The longest wait between attempts while the server cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the loop knows that the database does not: whether the last attempt reached the server,
/// and whether a round is running now.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    pub reachable: Option<bool>,
    pub syncing: bool,
}

/// The sync side of the app's state.
pub struct SyncRuntime {
    /// The keyring entry that holds the session's tokens.
    tokens: Result<Arc<dyn SecretStore>, SecretError>,
    /// The keyring's answer, once read: the status is asked for every few seconds, and a keyring
    /// read is a D-Bus round trip. Only this runtime writes the entry, so the copy stays true.
    cached: Mutex<Option<Option<Session>>>,
    connection: Mutex<Connection>,
    /// One round at a time: the background loop and "sync now" take turns.
    round: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
}

impl SyncRuntime {
    pub fn new(tokens: Result<Arc<dyn SecretStore>, SecretError>) -> Self {
        SyncRuntime {
            tokens,
            cached: Mutex::new(None),
            connection: Mutex::new(Connection::default()),
            round: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
        }
    }

    pub fn connection(&self) -> Connection {
        lock(&self.connection).clone()
    }

    fn set_connection(&self, change: impl FnOnce(&mut Connection)) {
        change(&mut lock(&self.connection));
    }

    /// Waits for the running round, if any, and keeps the next from starting while the guard
    /// lives: for changes to the sync state that must not interleave with a round (joining again).
    pub async fn between_rounds(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.round.lock().await
    }

    /// Asks the loop to run a round now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The session kept in the OS keyring, if signed in.
    pub fn session(&self) -> Result<Option<Session>, AppError> {
        if let Some(cached) = lock(&self.cached).as_ref() {
            return Ok(cached.clone());
        }
        let tokens = self.tokens.as_ref().map_err(keyring_error)?;
        let session = match tokens.read().map_err(|e| keyring_error(&e))? {
            None => None,
            Some(json) => Some(serde_json::from_str(&json).map_err(|_| AppError::Storage {
                message:
                    "the saved server session in the OS keyring is damaged; sign in again".into(),
            })?),
        };
        *lock(&self.cached) = Some(session.clone());
        Ok(session)
    }

    pub fn save_session(&self, session: &Session) -> Result<(), AppError> {
        let json = serde_json::to_string(session).map_err(|e| AppError::internal(e.to_string()))?;
        self.tokens
            .as_ref()
            .map_err(keyring_error)?
            .write(&json)
            .map_err(|e| keyring_error(&e))?;
        *lock(&self.cached) = Some(Some(session.clone()));
        Ok(())
    }

    pub fn forget_session(&self) -> Result<(), AppError> {
        self.tokens
            .as_ref()
            .map_err(keyring_error)?
            .delete()
            .map_err(|e| keyring_error(&e))?;
        *lock(&self.cached) = Some(None);
        Ok(())
    }
}

fn keyring_error(error: &SecretError) -> AppError {
    AppError::Storage {
        message: format!("the server session is kept in the OS keyring: {error}"),
    }
}

/// A client for the profile's server, sending this build's schema version.
pub fn client_for(address: &str) -> Result<SyncClient, TransportError> {
    let schema = u32::try_from(Database::schema_version()).unwrap_or(u32::MAX);
    SyncClient::new(address, schema)
}

/// Why a round stopped, for the status line and the loop's backoff.
#[derive(Debug)]
pub enum RoundError {
    /// The server cannot be reached: try again later.
    Offline(String),
    /// The server refused the session (signed out, revoked): sign in again.
    SignedOut(String),
    /// Anything else: an upgrade is required, the user was deactivated, a page did not verify.
    Failed(String),
}

impl RoundError {
    /// The kind, for the log: the message may quote the server's words about a command.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            RoundError::Offline(_) => "offline",
            RoundError::SignedOut(_) => "signed_out",
            RoundError::Failed(_) => "failed",
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            RoundError::Offline(message)
            | RoundError::SignedOut(message)
            | RoundError::Failed(message) => message,
        }
    }
}

impl From<TransportError> for RoundError {
    fn from(error: TransportError) -> Self {
        match &error {
            // A server shedding load (503 with Retry-After) is as good as unreachable for now:
            // the loop backs off and tries again, and nothing is shown as broken.
            TransportError::Unreachable(_)
            | TransportError::Server(ErrorBody::Unavailable { .. }) => {
                RoundError::Offline(error.to_string())
            }
            TransportError::Server(ErrorBody::Unauthorized { .. }) => {
                RoundError::SignedOut(error.to_string())
            }
            _ => RoundError::Failed(error.to_string()),
        }
    }
}

impl From<AppError> for RoundError {
    fn from(error: AppError) -> Self {
        RoundError::Failed(error.to_string())
    }
}

/// One round: a fresh access token, the user's roles and the policy as the server has them, then
/// the outbox pushed and the log pulled to its end. Does nothing for a profile that has not
/// joined a server or is signed out.
pub async fn run_round(database: &SharedDatabase, sync: &SyncRuntime) -> Result<bool, RoundError> {
    let _turn = sync.round.lock().await;
    let Some(server) = database
        .with_database(|db| Ok(db.sync_binding().map(|binding| binding.server.clone())))
        .await?
    else {
        return Ok(false);
    };
    let Some(session) = sync.session()? else {
        return Ok(false);
    };
    sync.set_connection(|c| c.syncing = true);
    let mut moved = Moved::default();
    let outcome = round(database, sync, &server, session, &mut moved).await;
    match &outcome {
        Ok(()) if moved.pushed + moved.pulled > 0 => log::info!(
            "sync: round pushed {} commands, pulled {} events",
            moved.pushed,
            moved.pulled
        ),
        Ok(()) => log::debug!("sync: round, nothing to move"),
        Err(error) => log::warn!(
            "sync: round {} (pushed {} commands, pulled {} events first)",
            error.kind(),
            moved.pushed,
            moved.pulled
        ),
    }
    let now = Timestamp::now();
    sync.set_connection(|c| {
        c.syncing = false;
        c.reachable = Some(!matches!(outcome, Err(RoundError::Offline(_))));
    });
    let error = outcome.as_ref().err().map(|e| e.message().to_owned());
    if let Err(RoundError::SignedOut(_)) = &outcome {
        // The server no longer knows this session: forget it so the desk asks for a sign-in.
        sync.forget_session()?;
    }
    // Bookkeeping: the reminder scheduler need not look again for it.
    database
        .with_database_unobserved(move |db| Ok(db.record_sync_round(now, error.as_deref())?))
        .await?;
    outcome.map(|()| true)
}

/// What a round moved, for the log.
#[derive(Debug, Default)]
struct Moved {
    pushed: usize,
    pulled: usize,
}

async fn round(
    database: &SharedDatabase,
    sync: &SyncRuntime,
    server: &str,
    session: Session,
    moved: &mut Moved,
) -> Result<(), RoundError> {
    let client = client_for(server)?;
    let session = fresh_session(sync, &client, session).await?;
    let token = session.access_token.as_str();

    let me = client.me(token).await?;
    database
        .with_database_unobserved(move |db| Ok(db.update_me(&me)?))
        .await?;
    if let Some(published) = client.policy(token).await? {
        database
            .with_database(move |db| {
                let current = db.policy_source()?;
                if current.as_deref() != Some(published.source.as_str()) {
                    db.set_policy(&published.source)?;
                    db.rebuild_read_models()?;
                }
                Ok(())
            })
            .await?;
    }

    loop {
        let request = database
            .with_database_unobserved(|db| Ok(db.next_push(MAX_BATCH)?))
            .await?;
        let Some(request) = request else { break };
        let commands = request.commands.len();
        let response = match client.push(token, &request).await {
            Ok(response) => response,
            // Issue 12: a server restored to an earlier point has forgotten the numbers this
            // device used since, so its outbox no longer follows on. The pull names the restore
            // (and stops syncing, for the person to export and join again); otherwise the gap
            // is the round's error.
            Err(gap @ TransportError::Server(ErrorBody::SequenceGap { .. })) => {
                pull_to_end(database, &client, token, moved).await?;
                return Err(gap.into());
            }
            Err(other) => return Err(other.into()),
        };
        database
            .with_database(move |db| Ok(db.apply_push_response(&response, Timestamp::now())?))
            .await?;
        moved.pushed += commands;
    }
    pull_to_end(database, &client, token, moved).await
}

/// Pulls the log from the device's cursor to the server's end, page by page.
async fn pull_to_end(
    database: &SharedDatabase,
    client: &SyncClient,
    token: &str,
    moved: &mut Moved,
) -> Result<(), RoundError> {
    loop {
        let cursor = database
            .with_database(|db| Ok(db.replica().map_or(0, |replica| replica.cursor())))
            .await?;
        let page = client.pull(token, cursor, MAX_BATCH).await?;
        // A page of the team's events may assign work, answer cases or decide this device's
        // commands: what is due may have changed. An empty page changes nothing worth a look.
        let brought = !page.events.is_empty();
        moved.pulled += page.events.len();
        let more = database
            .with_database_unobserved(move |db| Ok(db.apply_pull(&page, Timestamp::now())?.more))
            .await?;
        if brought {
            database.mark_changed();
        }
        if !more {
            return Ok(());
        }
    }
}

/// The session with an access token that is still good, refreshed (and saved) when it is not.
pub(crate) async fn fresh_session(
    sync: &SyncRuntime,
    client: &SyncClient,
    session: Session,
) -> Result<Session, RoundError> {
    let margin = jiff::SignedDuration::from_secs(30);
    if session.access_expires_at > Timestamp::now() + margin {
        return Ok(session);
    }
    let refreshed = client.refresh(&session.refresh_token).await?;
    sync.save_session(&refreshed)?;
    Ok(refreshed)
}

/// Runs rounds for as long as the app runs: every few seconds while online, backing off while the
/// server cannot be reached, at once when woken ("sync now", a command decided here).
pub fn spawn_loop(database: SharedDatabase, sync: Arc<SyncRuntime>) {
    tauri::async_runtime::spawn(async move {
        database.started().await;
        let mut backoff = INTERVAL;
        loop {
            let wait = match run_round(&database, &sync).await {
                Ok(_) => {
                    backoff = INTERVAL;
                    INTERVAL
                }
                Err(RoundError::Offline(_)) => {
                    let wait = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    wait
                }
                Err(_) => MAX_BACKOFF,
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = sync.wake.notified() => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use holdfast_sync::protocol::ErrorBody;
    use holdfast_sync::transport::TransportError;

    use super::RoundError;

    #[test]
    fn a_server_shedding_load_is_offline_for_now_not_a_failure() {
        let busy = TransportError::Server(ErrorBody::Unavailable {
            message: "too many sign-ins at once".into(),
            retry_after_secs: 1,
        });
        assert!(matches!(RoundError::from(busy), RoundError::Offline(_)));
        let refused = TransportError::Server(ErrorBody::Unauthorized {
            message: "signed out".into(),
        });
        assert!(matches!(
            RoundError::from(refused),
            RoundError::SignedOut(_)
        ));
    }
}
