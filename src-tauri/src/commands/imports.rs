//! Importing accounts from a file: choosing it (CSV or XLSX), reading its header with the mapping
//! the desk proposes (and the presets and saved mappings that fit), previewing what importing it
//! through a mapping would change (every bad row, or the counts and first rows), importing it,
//! and saving or forgetting a mapping by name.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use holdfast_core::account::AccountDraft;
use holdfast_core::error::RowProblem;
use holdfast_core::import::mapping::{AccountField, ColumnMapping, FieldKind};
use holdfast_core::import::presets::{PresetInfo, PRESETS};
use holdfast_core::import::proposal::{file_date_order, propose, Proposal, SavedMapping};
use holdfast_core::import::table::Table;
use holdfast_core::CoreError;
use holdfast_store::accounts::{ImportSummary, NotInFile, RowChange};
use serde::{Deserialize, Serialize};
use tauri::{Runtime, State, WebviewWindow};
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// Largest file accepted; an account export of a few hundred thousand rows is well under it.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// How many rows of a good file the preview shows.
const PREVIEW_ROWS: usize = 20;

/// How many rows of the file the mapping step shows beside the columns.
const SHOWN_SAMPLE_ROWS: usize = 5;

#[derive(Debug, Deserialize, TS)]
pub struct ImportFileArgs {
    /// The CSV or XLSX file, as an absolute path.
    pub path: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct PreviewImportArgs {
    /// The CSV or XLSX file to preview, as an absolute path.
    pub path: String,
    /// How its columns become accounts; without one, the file must be Holdfast's own export
    /// (its 15 columns by name).
    #[serde(default)]
    #[ts(optional)]
    pub mapping: Option<ColumnMapping>,
}

#[derive(Debug, Deserialize, TS)]
pub struct ImportAccountsArgs {
    /// The file to import, as an absolute path.
    pub path: String,
    /// The fingerprint the preview showed: the import is refused if the file changed since.
    pub fingerprint: String,
    /// The mapping the preview used.
    #[serde(default)]
    #[ts(optional)]
    pub mapping: Option<ColumnMapping>,
}

#[derive(Debug, Deserialize, TS)]
pub struct SaveMappingArgs {
    pub name: String,
    pub mapping: ColumnMapping,
}

#[derive(Debug, Deserialize, TS)]
pub struct MappingNameArgs {
    pub name: String,
}

/// A field the mapping step offers, in the order it lists them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldInfo {
    pub field: AccountField,
    pub kind: FieldKind,
    pub required: bool,
    /// Only a column can fill it (one value for every row would make every account the same).
    pub per_account: bool,
}

/// A shipped mapping as it reads this file.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PresetForFile {
    pub preset: PresetInfo,
    pub mapping: ColumnMapping,
    /// How many of the preset's fields the file has; 0 when it lacks the preset's id column.
    pub matched: u32,
}

/// A file's header read, with everything the mapping step needs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum ImportFile {
    Read {
        /// "csv" or "xlsx".
        format: String,
        headers: Vec<String>,
        /// The first rows' cells, to show beside the columns.
        sample: Vec<Vec<String>>,
        rows: u32,
        proposal: Proposal,
        presets: Vec<PresetForFile>,
        saved: Vec<SavedMapping>,
        fields: Vec<FieldInfo>,
    },
    /// The file is not a table at all (no header row, a workbook that cannot be opened).
    Unreadable { problems: Vec<RowProblem> },
}

/// One row of a good file, with what importing it would do.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PreviewRow {
    pub change: RowChange,
    pub account: AccountDraft,
}

/// What importing a file would do, without writing anything.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum ImportPreview {
    /// Every row is good.
    Ready {
        /// Identifies the file's contents; the import passes it back.
        fingerprint: String,
        /// Accounts whose external id is not stored yet.
        created: u32,
        /// Stored accounts (by external id) that the file changes.
        updated: u32,
        /// Stored accounts the file repeats exactly; importing leaves them alone.
        unchanged: u32,
        /// Stored accounts the file does not name; importing leaves them as they are.
        not_in_file: NotInFile,
        /// The first rows of the file.
        rows: Vec<PreviewRow>,
    },
    /// Every bad row (line, column, reason); nothing can be imported from this file.
    Invalid { problems: Vec<RowProblem> },
}

/// Checks the path's shape; the file itself is read by `read_file`.
pub(crate) fn import_path(text: &str) -> Result<PathBuf, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation("path", "choose a file to import"));
    }
    let path = PathBuf::from(text);
    if !path.is_absolute() {
        return Err(AppError::validation("path", "give the file's full path"));
    }
    Ok(path)
}

/// A file read whole: its table (or why it is none) and a fingerprint of its bytes.
struct ReadFile {
    format: &'static str,
    table: Result<Table, Vec<RowProblem>>,
    fingerprint: String,
}

/// Reads the file off the async runtime's threads.
async fn read_in_background(path: PathBuf) -> Result<ReadFile, AppError> {
    tauri::async_runtime::spawn_blocking(move || read_file(&path))
        .await
        .map_err(|e| AppError::internal(format!("the import task failed: {e}")))?
}

/// The ZIP signature every XLSX file starts with.
const ZIP_SIGNATURE: &[u8] = b"PK\x03\x04";

fn read_file(path: &Path) -> Result<ReadFile, AppError> {
    let cannot = |what: &str, e: std::io::Error| {
        AppError::validation("path", format!("cannot {what} {}: {e}", path.display()))
    };
    let metadata = std::fs::metadata(path).map_err(|e| cannot("read", e))?;
    if !metadata.is_file() {
        return Err(AppError::validation(
            "path",
            format!("{} is not a file", path.display()),
        ));
    }
    if metadata.len() > MAX_IMPORT_BYTES {
        return Err(AppError::validation(
            "path",
            format!(
                "the file is larger than {} MiB",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| cannot("read", e))?;
    // The fingerprint only tells whether the file changed between a preview and an import in
    // this run of the app, so a fast non-cryptographic hash (the standard library's SipHash,
    // fixed keys) with the length is enough: whoever can change the file can change it before
    // the preview just as well.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hasher.write(&bytes);
    let fingerprint = format!("{:016x}-{}", hasher.finish(), bytes.len());
    // A workbook is known by its contents, whatever its name says.
    let (format, table) = if bytes.starts_with(ZIP_SIGNATURE) {
        ("xlsx", Table::from_xlsx(&bytes))
    } else {
        ("csv", Table::from_csv(bytes.as_slice()))
    };
    Ok(ReadFile {
        format,
        table,
        fingerprint,
    })
}

/// The file's accounts through `mapping` (Holdfast's own format without one), or every problem.
fn accounts_of(
    table: &Table,
    mapping: Option<&ColumnMapping>,
) -> Result<Vec<AccountDraft>, Vec<RowProblem>> {
    let own;
    let mapping = match mapping {
        Some(mapping) => mapping,
        None => {
            own = holdfast_core::import::own_format(&table.headers)?;
            &own
        }
    };
    match holdfast_core::import::read_accounts(table, mapping) {
        Ok(drafts) => Ok(drafts),
        Err(CoreError::InvalidRows { problems }) => Err(problems),
        Err(other) => Err(vec![RowProblem {
            line: 1,
            column: None,
            message: other.to_string(),
        }]),
    }
}

#[tauri::command]
pub async fn read_import_file(
    state: State<'_, AppState>,
    Args(args): Args<ImportFileArgs>,
) -> Result<ImportFile, AppError> {
    let path = import_path(&args.path)?;
    let file = read_in_background(path).await?;
    let table = match file.table {
        Ok(table) => table,
        Err(problems) => return Ok(ImportFile::Unreadable { problems }),
    };
    let format = file.format;
    state
        .with_database(move |database| {
            let saved = database.saved_mappings()?;
            let proposal = propose(&table, &saved);
            let order = file_date_order(&table);
            let presets = PRESETS
                .iter()
                .map(|preset| {
                    let (mapping, matched) = preset.mapping_for(&table, order);
                    PresetForFile {
                        preset: preset.info(),
                        mapping,
                        matched: matched as u32,
                    }
                })
                .collect();
            Ok(ImportFile::Read {
                format: format.into(),
                headers: table.headers.clone(),
                sample: table.sample(SHOWN_SAMPLE_ROWS),
                rows: table.rows.len() as u32,
                proposal,
                presets,
                saved,
                fields: AccountField::ALL
                    .into_iter()
                    .map(|field| FieldInfo {
                        field,
                        kind: field.kind(),
                        required: field.required(),
                        per_account: field.per_account(),
                    })
                    .collect(),
            })
        })
        .await
}

#[tauri::command]
pub async fn preview_accounts_import(
    state: State<'_, AppState>,
    Args(args): Args<PreviewImportArgs>,
) -> Result<ImportPreview, AppError> {
    let path = import_path(&args.path)?;
    let file = read_in_background(path).await?;
    let mapping = args.mapping;
    let checked = tauri::async_runtime::spawn_blocking(move || {
        file.table
            .and_then(|table| accounts_of(&table, mapping.as_ref()))
            .map(|drafts| (drafts, file.fingerprint))
    })
    .await
    .map_err(|e| AppError::internal(format!("the import task failed: {e}")))?;
    let (drafts, fingerprint) = match checked {
        Ok(found) => found,
        Err(problems) => return Ok(ImportPreview::Invalid { problems }),
    };
    state
        .with_database(move |database| {
            let changes = database.import_changes(&drafts)?;
            let not_in_file = database.not_in_file(&drafts)?;
            let count = |wanted: RowChange| {
                changes.iter().filter(|change| **change == wanted).count() as u32
            };
            Ok(ImportPreview::Ready {
                fingerprint,
                created: count(RowChange::New),
                updated: count(RowChange::Updated),
                unchanged: count(RowChange::Unchanged),
                not_in_file,
                rows: drafts
                    .into_iter()
                    .zip(changes.iter().copied())
                    .take(PREVIEW_ROWS)
                    .map(|(account, change)| PreviewRow { change, account })
                    .collect(),
            })
        })
        .await
}

/// Shows the OS file dialog; `None` when the user cancels. The dialog is rfd's asynchronous one:
/// it runs on the main thread's event loop (GTK's, which draws the window too) while this command
/// waits off it, so the window keeps drawing and answering. The blocking dialog, called from a
/// synchronous command on the main thread, left the window frozen for good.
#[tauri::command]
pub async fn choose_accounts_file<R: Runtime>(
    window: WebviewWindow<R>,
) -> Result<Option<String>, AppError> {
    let chosen = rfd::AsyncFileDialog::new()
        .set_title("Import accounts")
        .add_filter(
            "Account exports (CSV, XLSX)",
            &["csv", "CSV", "xlsx", "XLSX"],
        )
        .set_parent(&window)
        .pick_file()
        .await;
    Ok(chosen.map(|file| file.path().display().to_string()))
}

#[tauri::command]
pub async fn import_accounts(
    state: State<'_, AppState>,
    Args(args): Args<ImportAccountsArgs>,
) -> Result<ImportSummary, AppError> {
    let path = import_path(&args.path)?;
    // Read and check the file again before taking the database, so the desk stays usable
    // meanwhile: a file that went bad since its preview still imports nothing.
    let file = read_in_background(path).await?;
    if file.fingerprint != args.fingerprint {
        return Err(AppError::Conflict {
            message: "the file changed since it was previewed; preview it again".into(),
        });
    }
    let mapping = args.mapping;
    let drafts = tauri::async_runtime::spawn_blocking(move || {
        file.table
            .and_then(|table| accounts_of(&table, mapping.as_ref()))
    })
    .await
    .map_err(|e| AppError::internal(format!("the import task failed: {e}")))?
    .map_err(|problems| AppError::InvalidRows { rows: problems })?;
    state
        .with_database(move |database| {
            // Someone the policy lets import accounts: the store asks the engine with this user.
            database
                .acting_user()?
                .ok_or_else(super::profile::no_user)?;
            Ok(database.import_accounts(&drafts, jiff::Timestamp::now())?)
        })
        .await
}

#[tauri::command]
pub async fn save_import_mapping(
    state: State<'_, AppState>,
    Args(args): Args<SaveMappingArgs>,
) -> Result<Vec<SavedMapping>, AppError> {
    state
        .with_database(move |database| {
            database.save_mapping(&args.name, &args.mapping)?;
            Ok(database.saved_mappings()?)
        })
        .await
}

#[tauri::command]
pub async fn delete_import_mapping(
    state: State<'_, AppState>,
    Args(args): Args<MappingNameArgs>,
) -> Result<Vec<SavedMapping>, AppError> {
    state
        .with_database(move |database| {
            database.delete_mapping(&args.name)?;
            Ok(database.saved_mappings()?)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "external_id,name,contact_name,email,phone,preferred_channel,tier,hosting_server,plan,mrr,currency,customer_since,total_collected,accounts_receivable,original_sales_rep\n";

    fn write(dir: &Path, rows: &str) -> PathBuf {
        let path = dir.join("accounts.csv");
        std::fs::write(&path, format!("{HEADER}{rows}")).unwrap();
        path
    }

    fn drafts(path: &Path) -> Result<Vec<AccountDraft>, Vec<RowProblem>> {
        read_file(path)
            .unwrap()
            .table
            .and_then(|table| accounts_of(&table, None))
    }

    #[test]
    fn the_fingerprint_follows_the_file_s_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,\n");
        let first = read_file(&path).unwrap();
        assert_eq!(drafts(&path).unwrap().len(), 1);
        assert_eq!(read_file(&path).unwrap().fingerprint, first.fingerprint);

        // Same length, one character changed: another fingerprint.
        write(dir.path(), "A-1,Acme,,a@acme.io,,email,Pro,,,11,USD,,,,\n");
        let changed = read_file(&path).unwrap();
        assert!(drafts(&path).is_ok());
        assert_ne!(changed.fingerprint, first.fingerprint);
    }

    #[test]
    fn a_bad_file_yields_every_bad_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "A-1,Acme,,not-mail,,email,Pro,,,10,USD,,,,\nA-2,Beta,,b@beta.io,,email,Pro,,,1.234,USD,,,,\n",
        );
        let problems = drafts(&path).unwrap_err();
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn a_workbook_is_known_by_its_contents_whatever_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(1, 0, "cus_1").unwrap();
        let path = dir.path().join("export.csv");
        workbook.save(&path).unwrap();
        let file = read_file(&path).unwrap();
        assert_eq!(file.format, "xlsx");
        assert_eq!(file.table.unwrap().headers, ["id"]);
    }

    #[test]
    fn paths_must_be_absolute_and_name_a_file() {
        assert!(matches!(
            import_path("  "),
            Err(AppError::Validation { field, .. }) if field == "path"
        ));
        assert!(matches!(
            import_path("accounts.csv"),
            Err(AppError::Validation { field, .. }) if field == "path"
        ));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_file(dir.path()),
            Err(AppError::Validation { field, .. }) if field == "path"
        ));
    }
}
