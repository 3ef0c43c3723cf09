//! Accounts: choosing a CSV export, previewing what importing it would change, importing it, the
//! searchable account list, and one account's page with its history.

use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};

use holdfast_core::account::AccountDraft;
use holdfast_core::error::RowProblem;
use holdfast_core::CoreError;
use holdfast_store::account_history::AccountDetail;
use holdfast_store::accounts::{AccountPage, AccountQuery, ImportSummary, RowChange};
use serde::{Deserialize, Serialize};
use tauri::{Runtime, State, WebviewWindow};
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// Largest file accepted; an account export of a few hundred thousand rows is well under it.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// How many rows of a good file the preview shows.
const PREVIEW_ROWS: usize = 20;

#[derive(Debug, Deserialize, TS)]
pub struct PreviewImportArgs {
    /// The CSV file to preview, as an absolute path.
    pub path: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct ImportAccountsArgs {
    /// The CSV file to import, as an absolute path.
    pub path: String,
    /// The fingerprint the preview showed: the import is refused if the file changed since.
    pub fingerprint: String,
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
        /// The first rows of the file.
        rows: Vec<PreviewRow>,
    },
    /// Every bad row (line, column, reason); nothing can be imported from this file.
    Invalid { problems: Vec<RowProblem> },
}

/// Checks the path's shape; the file itself is read by `read_export`.
pub(crate) fn import_path(text: &str) -> Result<PathBuf, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation("path", "choose a CSV file to import"));
    }
    let path = PathBuf::from(text);
    if !path.is_absolute() {
        return Err(AppError::validation("path", "give the file's full path"));
    }
    Ok(path)
}

/// Reads and checks the file off the async runtime's threads.
async fn read_in_background(path: PathBuf) -> Result<Export, AppError> {
    tauri::async_runtime::spawn_blocking(move || read_export(&path))
        .await
        .map_err(|e| AppError::internal(format!("the import task failed: {e}")))?
}

#[tauri::command]
pub async fn preview_accounts_import(
    state: State<'_, AppState>,
    Args(args): Args<PreviewImportArgs>,
) -> Result<ImportPreview, AppError> {
    let path = import_path(&args.path)?;
    let export = read_in_background(path).await?;
    let drafts = match export.drafts {
        Ok(drafts) => drafts,
        Err(problems) => return Ok(ImportPreview::Invalid { problems }),
    };
    let fingerprint = export.fingerprint;
    state
        .with_database(move |database| {
            let changes = database.import_changes(&drafts)?;
            let count = |wanted: RowChange| {
                changes.iter().filter(|change| **change == wanted).count() as u32
            };
            Ok(ImportPreview::Ready {
                fingerprint,
                created: count(RowChange::New),
                updated: count(RowChange::Updated),
                unchanged: count(RowChange::Unchanged),
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
        .set_title("Import accounts from CSV")
        .add_filter("CSV files", &["csv", "CSV"])
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
    let export = read_in_background(path).await?;
    let drafts = export
        .drafts
        .map_err(|problems| AppError::InvalidRows { rows: problems })?;
    if export.fingerprint != args.fingerprint {
        return Err(AppError::Conflict {
            message: "the file changed since it was previewed; preview it again".into(),
        });
    }
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

/// A file read and checked: its accounts, or every bad row; and a fingerprint of
/// the bytes read.
struct Export {
    drafts: Result<Vec<AccountDraft>, Vec<RowProblem>>,
    fingerprint: String,
}

/// Passes the file through while hashing it. The fingerprint only tells whether the file changed
/// between a preview and an import in this run of the app, so a fast non-cryptographic hash (the
/// standard library's SipHash, fixed keys) with the length is enough: anyone who can change
/// the file can change it before the preview just as well.
struct Fingerprinting<R> {
    inner: R,
    hasher: std::collections::hash_map::DefaultHasher,
    length: u64,
}

impl<R: Read> Read for Fingerprinting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.hasher.write(&buf[..read]);
        self.length += read as u64;
        Ok(read)
    }
}

fn read_export(path: &Path) -> Result<Export, AppError> {
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
    let file = std::fs::File::open(path).map_err(|e| cannot("open", e))?;
    let mut reader = Fingerprinting {
        inner: std::io::BufReader::new(file),
        hasher: Default::default(),
        length: 0,
    };
    let drafts = match holdfast_core::import::read_accounts_csv(&mut reader) {
        Ok(drafts) => Ok(drafts),
        Err(CoreError::InvalidRows { problems }) => Err(problems),
        Err(other) => return Err(other.into()),
    };
    // The reader stops early only on a bad header; read the rest so the fingerprint covers it all.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| cannot("read", e))?;
    let fingerprint = format!("{:016x}-{}", reader.hasher.finish(), reader.length);
    Ok(Export {
        drafts,
        fingerprint,
    })
}

#[tauri::command]
pub async fn list_accounts(
    state: State<'_, AppState>,
    Args(args): Args<AccountQuery>,
) -> Result<AccountPage, AppError> {
    state
        .with_database(move |database| Ok(database.accounts(&args)?))
        .await
}

#[derive(Debug, Deserialize, TS)]
pub struct AccountArgs {
    pub account_id: Uuid,
}

/// The account's page: the account, its cases, and the offers and refunds on them.
#[tauri::command]
pub async fn account_detail(
    state: State<'_, AppState>,
    Args(args): Args<AccountArgs>,
) -> Result<AccountDetail, AppError> {
    state
        .with_database(move |database| Ok(database.account_detail(args.account_id)?))
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

    #[test]
    fn the_fingerprint_follows_the_file_s_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,\n");
        let first = read_export(&path).unwrap();
        assert_eq!(first.drafts.as_ref().unwrap().len(), 1);
        assert_eq!(read_export(&path).unwrap().fingerprint, first.fingerprint);

        // Same length, one character changed: another fingerprint.
        write(dir.path(), "A-1,Acme,,a@acme.io,,email,Pro,,,11,USD,,,,\n");
        let changed = read_export(&path).unwrap();
        assert!(changed.drafts.is_ok());
        assert_ne!(changed.fingerprint, first.fingerprint);
    }

    #[test]
    fn a_bad_file_yields_every_bad_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "A-1,Acme,,not-mail,,email,Pro,,,10,USD,,,,\nA-2,Beta,,b@beta.io,,email,Pro,,,1.234,USD,,,,\n",
        );
        let problems = read_export(&path).unwrap().drafts.unwrap_err();
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3]);
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
            read_export(dir.path()),
            Err(AppError::Validation { field, .. }) if field == "path"
        ));
    }
}
