//! Notes on cases: full-text search across every case's notes (notes are added through
//! `run_case_command`, like any other step).

use holdfast_store::notes::NoteHit;
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Deserialize, TS)]
pub struct NoteSearchArgs {
    pub text: String,
    pub limit: Option<u32>,
}

#[tauri::command]
pub async fn search_notes(
    state: State<'_, AppState>,
    Args(args): Args<NoteSearchArgs>,
) -> Result<Vec<NoteHit>, AppError> {
    if args.text.chars().count() > 200 {
        return Err(AppError::validation(
            "text",
            "search with at most 200 characters",
        ));
    }
    state
        .with_database(move |database| Ok(database.search_notes(&args.text, args.limit)?))
        .await
}
