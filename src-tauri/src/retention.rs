//! The policy's retention period on a profile of its own (issue 14): once the profile is open and
//! then every few hours, the personal data of closed cases whose period has run out is erased
//! (`Database::erase_expired`, which decides what is due). A team profile's erasures come from its
//! server by sync, so it does nothing there.

use std::time::Duration;

use crate::database::SharedDatabase;
use crate::error::AppError;

/// How often to look again: erasure is due by the day, and a laptop left open for a week should
/// not keep data a day longer than the policy allows.
const EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// Runs the retention rule now and then every `EVERY`, for as long as the app runs.
pub fn spawn(database: SharedDatabase) {
    tauri::async_runtime::spawn(async move {
        database.started().await;
        let mut changes = database.changes();
        loop {
            changes.borrow_and_update();
            match run_once(&database).await {
                // Not unlocked yet: look again once the profile opens (which is a change).
                Err(AppError::Locked { .. }) => {
                    if changes.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
                Ok(0) => {}
                Ok(erased) => log::info!(
                    "retention: the policy's retention period erased the personal data of {erased} customer(s)"
                ),
                Err(error) => log::warn!(
                    "retention: could not be applied ({})",
                    crate::logging::error_kind(&error)
                ),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// Applies the retention rule once; how many accounts had data erased.
pub async fn run_once(database: &SharedDatabase) -> Result<usize, AppError> {
    database
        .with_database(|database| Ok(database.erase_expired(crate::clock::now())?.len()))
        .await
}
