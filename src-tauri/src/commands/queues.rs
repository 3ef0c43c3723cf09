//! The work queues and their counts, for the local user.

use holdfast_store::queues::{Queue, QueueCounts, QueueItem};
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::commands::profile::no_user;
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Deserialize, TS)]
pub struct QueueArgs {
    pub queue: Queue,
}

#[tauri::command]
pub async fn list_queue(
    state: State<'_, AppState>,
    Args(args): Args<QueueArgs>,
) -> Result<Vec<QueueItem>, AppError> {
    state
        .with_database(move |database| {
            let me = database.queue_viewer()?.ok_or_else(no_user)?;
            Ok(database.queue(args.queue, &me)?)
        })
        .await
}

#[tauri::command]
pub async fn queue_counts(state: State<'_, AppState>) -> Result<QueueCounts, AppError> {
    state
        .with_database(|database| {
            let me = database.queue_viewer()?.ok_or_else(no_user)?;
            Ok(database.queue_counts(&me)?)
        })
        .await
}
