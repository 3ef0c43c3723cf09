//! Sample accounts and cases for a first walk through the chosen procedure: whether they are
//! loaded, loading them, and removing them in one step.

use holdfast_store::sample_data::{SampleData, SampleRemoved};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn sample_data(state: State<'_, AppState>) -> Result<Option<SampleData>, AppError> {
    state
        .with_database(|database| Ok(database.sample_data()?))
        .await
}

#[tauri::command]
pub async fn load_sample_data(state: State<'_, AppState>) -> Result<SampleData, AppError> {
    state
        .with_database(|database| Ok(database.load_sample_data(jiff::Timestamp::now())?))
        .await
}

#[tauri::command]
pub async fn remove_sample_data(state: State<'_, AppState>) -> Result<SampleRemoved, AppError> {
    state
        .with_database(|database| Ok(database.remove_sample_data(jiff::Timestamp::now())?))
        .await
}
