//! The desk's lists saved as files (issue 14): the cases as the inbox selects them (its filters
//! and order; all cases when no query is given) and every task, as XLSX or CSV, through the OS
//! save dialog. The store reads the rows (`holdfast_store::desk_exports`) while holding the
//! database; the file is then made and written off it, so the rest of the desk answers while a
//! large export is written. Both parts report their progress to the window as
//! `EXPORT_PROGRESS_EVENT` events, every thousand rows, for its progress bar.

use holdfast_store::cases::InboxQuery;
use holdfast_store::desk_exports::{
    cases_csv, cases_xlsx, tasks_csv, tasks_xlsx, Progress, Stage as StoreStage,
};
use serde::{Deserialize, Serialize};
use tauri::{Emitter, Runtime, State, WebviewWindow};
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// The event the window listens to for an export's progress (`ExportProgress`).
pub const EXPORT_PROGRESS_EVENT: &str = "holdfast://export-progress";

/// The file a list is saved as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFileFormat {
    Xlsx,
    Csv,
}

impl ExportFileFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFileFormat::Xlsx => "xlsx",
            ExportFileFormat::Csv => "csv",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            ExportFileFormat::Xlsx => "Excel workbooks",
            ExportFileFormat::Csv => "CSV files",
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SaveCasesArgs {
    pub format: ExportFileFormat,
    /// The inbox's query: its filters and order are exported (every case, not a page). All
    /// cases, newest request first, when left out.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub query: Option<InboxQuery>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SaveTasksArgs {
    pub format: ExportFileFormat,
}

/// Which list an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportList {
    Cases,
    Tasks,
}

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportStage {
    /// Reading the rows from the profile.
    Reading,
    /// Writing them as the file's format.
    Writing,
}

/// One progress report of an export (`EXPORT_PROGRESS_EVENT`): `done` rows of `total` in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ExportProgress {
    pub list: ExportList,
    pub stage: ExportStage,
    pub done: u64,
    pub total: u64,
}

/// A list saved: where, and how many rows it holds (the header not counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SavedExport {
    pub path: String,
    pub rows: u64,
}

/// Sends each progress report of `list` to `window`. A window that is gone misses it; the export
/// goes on.
fn reporter<R: Runtime>(window: WebviewWindow<R>, list: ExportList) -> impl FnMut(Progress) {
    move |progress: Progress| {
        let stage = match progress.stage {
            StoreStage::Reading => ExportStage::Reading,
            StoreStage::Writing => ExportStage::Writing,
        };
        let _ = window.emit(
            EXPORT_PROGRESS_EVENT,
            ExportProgress {
                list,
                stage,
                done: progress.done,
                total: progress.total,
            },
        );
    }
}

/// Asks where to save, with `name` offered; `None` when the person cancels.
async fn ask_where<R: Runtime>(
    window: &WebviewWindow<R>,
    title: &str,
    name: &str,
    format: ExportFileFormat,
) -> Option<std::path::PathBuf> {
    let today = crate::clock::now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date();
    let extension = format.extension();
    rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(format!("{name}-{today}.{extension}"))
        .add_filter(format.kind(), &[extension])
        .set_parent(window)
        .save_file()
        .await
        .map(|file| file.path().to_owned())
}

/// Makes the file's bytes off the async runtime and writes them to `path`.
async fn make_and_write(
    path: std::path::PathBuf,
    rows: u64,
    what: &'static str,
    make: impl FnOnce() -> Result<Vec<u8>, AppError> + Send + 'static,
) -> Result<Option<SavedExport>, AppError> {
    let written = path.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let contents = make()?;
        std::fs::write(&written, contents).map_err(|e| AppError::Storage {
            message: format!("{what} could not be written to {}: {e}", written.display()),
        })
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))??;
    Ok(Some(SavedExport {
        path: path.display().to_string(),
        rows,
    }))
}

/// The title of the cases export's save dialog.
pub const CASES_DIALOG: &str = "Export cases";
/// The title of the tasks export's save dialog.
pub const TASKS_DIALOG: &str = "Export tasks";

/// The cases the inbox's `query` selects (every case when none is given), saved through the OS
/// save dialog as XLSX or CSV (`holdfast_store::desk_exports`). A query the inbox would refuse
/// is refused before any dialog opens. `None` when the person cancels.
#[tauri::command]
pub async fn save_cases_export<R: Runtime>(
    state: State<'_, AppState>,
    window: WebviewWindow<R>,
    Args(args): Args<SaveCasesArgs>,
) -> Result<Option<SavedExport>, AppError> {
    let format = args.format;
    let query = args.query.unwrap_or_default();
    let checked = InboxQuery {
        after: None,
        limit: Some(1),
        ..query.clone()
    };
    state
        .with_database(move |database| {
            database.inbox_at(&checked, crate::clock::now())?;
            Ok(())
        })
        .await?;
    let Some(path) = ask_where(&window, CASES_DIALOG, "holdfast-cases", format).await else {
        return Ok(None);
    };
    let reading = window.clone();
    let (zone, rows) = state
        .with_database(move |database| {
            let zone = database.export_zone()?;
            let mut report = reporter(reading, ExportList::Cases);
            let rows = database.case_export_rows(&query, crate::clock::now(), &mut report)?;
            Ok((zone, rows))
        })
        .await?;
    let count = rows.len() as u64;
    make_and_write(path, count, "the cases", move || {
        let mut report = reporter(window, ExportList::Cases);
        Ok(match format {
            ExportFileFormat::Xlsx => cases_xlsx(&rows, &zone, &mut report)?,
            ExportFileFormat::Csv => cases_csv(&rows, &zone, &mut report)?,
        })
    })
    .await
}

/// Every task (open ones first, by due time), saved through the OS save dialog as XLSX or CSV.
/// `None` when the person cancels.
#[tauri::command]
pub async fn save_tasks_export<R: Runtime>(
    state: State<'_, AppState>,
    window: WebviewWindow<R>,
    Args(args): Args<SaveTasksArgs>,
) -> Result<Option<SavedExport>, AppError> {
    let format = args.format;
    // A locked profile is refused before a dialog asks where to save nothing.
    state.with_database(|_| Ok(())).await?;
    let Some(path) = ask_where(&window, TASKS_DIALOG, "holdfast-tasks", format).await else {
        return Ok(None);
    };
    let reading = window.clone();
    let now = crate::clock::now();
    let (zone, rows) = state
        .with_database(move |database| {
            let zone = database.export_zone()?;
            let mut report = reporter(reading, ExportList::Tasks);
            let rows = database.task_export_rows(&mut report)?;
            Ok((zone, rows))
        })
        .await?;
    let count = rows.len() as u64;
    make_and_write(path, count, "the tasks", move || {
        let mut report = reporter(window, ExportList::Tasks);
        Ok(match format {
            ExportFileFormat::Xlsx => tasks_xlsx(&rows, &zone, now, &mut report)?,
            ExportFileFormat::Csv => tasks_csv(&rows, &zone, now, &mut report)?,
        })
    })
    .await
}
