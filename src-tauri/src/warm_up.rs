//! Work done once the profile is open, before a person asks for it: the reports' described cases
//! are read into memory (`Database::warm_reports`, the cost of a first report over every row, about
//! half a second at 100k cases), so that opening Reports answers from what is kept (issue 14's
//! bench: the report from kept cases is well under 200 ms; the first one after opening is not).
//! It waits a few seconds after the unlock, so the inbox and the due items the person opens
//! first are read before it.

use std::time::Duration;

use crate::database::SharedDatabase;
use crate::error::AppError;

/// How long after the profile opens the warm-up starts.
const AFTER: Duration = Duration::from_secs(3);

pub fn spawn(database: SharedDatabase) {
    tauri::async_runtime::spawn(async move {
        database.started().await;
        let mut changes = database.changes();
        loop {
            changes.borrow_and_update();
            tokio::time::sleep(AFTER).await;
            match database
                .with_database_unobserved(|database| Ok(database.warm_reports()?))
                .await
            {
                // Not unlocked yet: again once it opens (which is a change).
                Err(AppError::Locked { .. }) => {
                    if changes.changed().await.is_err() {
                        return;
                    }
                }
                Ok(()) => return,
                Err(error) => {
                    log::warn!(
                        "reports: could not be read ahead ({})",
                        crate::logging::error_kind(&error)
                    );
                    return;
                }
            }
        }
    });
}
