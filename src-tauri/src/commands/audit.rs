//! The audit trail's check for the Settings screen: the store re-derives the hash chain over every
//! event and says whether it is intact; this only stamps when it looked. And the audit export
//! (issue 14): the trail saved as the file `holdfast_core::audit_export` defines, through the OS
//! save dialog (`save_audit_export`), and such a file checked, chosen through the OS open dialog
//! (`check_audit_export`): verified, or the first broken line named.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use holdfast_core::audit_export::ExportLine;
use holdfast_store::audit_export::{verify_audit_export, AuditExportError};
use holdfast_store::events::AuditVerdict;
use holdfast_store::Database;
use jiff::Timestamp;
use serde::Serialize;
use tauri::{Runtime, State, WebviewWindow};
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

/// One verification of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditCheck {
    /// Intact (with the number of events checked) or broken (the first event that fails, when
    /// one can be named, and why).
    pub verdict: AuditVerdict,
    /// When the check finished, as a UTC instant (RFC 3339).
    pub verified_at: Timestamp,
}

#[tauri::command]
pub async fn verify_audit_chain(state: State<'_, AppState>) -> Result<AuditCheck, AppError> {
    state.started().await;
    state
        .with_database(|database| {
            let verdict = database.verify_audit_chain()?;
            Ok(AuditCheck {
                verdict,
                verified_at: Timestamp::now(),
            })
        })
        .await
}

/// The audit export saved (`save_audit_export`): where, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditExportSaved {
    pub path: String,
    pub events: u64,
    pub checkpoints: u64,
}

/// What a check of an audit export found: the file verifies, or the first line that does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum ExportVerdict {
    Verified {
        events: u64,
        checkpoints: u64,
        /// The last event's chain hash (hex); `None` for an empty log.
        #[ts(optional = nullable)]
        head: Option<String>,
        /// The server key the checkpoints were checked with (hex): compare it with the key of
        /// the server you trust. `None` when no server signed the log (a local profile).
        #[ts(optional = nullable)]
        checkpoint_key: Option<String>,
        /// `local` or `team`, as the file's header says.
        profile_kind: String,
        #[ts(optional = nullable)]
        organisation: Option<String>,
        #[ts(optional = nullable)]
        user: Option<String>,
    },
    Broken {
        /// The first line that fails (1-based; one past the last line when the file ends too
        /// soon).
        line: u64,
        reason: String,
    },
}

/// One check of an audit export file (`check_audit_export`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditExportCheck {
    pub path: String,
    pub verdict: ExportVerdict,
    /// When the check finished, as a UTC instant (RFC 3339).
    pub checked_at: Timestamp,
}

/// The file an audit export is written to first, beside the one chosen, renamed over it once
/// complete: a failed export never leaves half a file under the chosen name.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// Writes the profile's audit export to `path` (through a partial file renamed into place).
pub fn write_audit_export_file(
    database: &Database,
    path: &Path,
) -> Result<AuditExportSaved, AppError> {
    let partial = partial_path(path);
    let storage = |error: &dyn std::fmt::Display| AppError::Storage {
        message: format!(
            "the audit export could not be written to {}: {error}",
            path.display()
        ),
    };
    let written = File::create(&partial)
        .map_err(|error| storage(&error))
        .and_then(|file| {
            database
                .write_audit_export(file)
                .map_err(|error| match error {
                    AuditExportError::Store(error) => AppError::from(error),
                    AuditExportError::Write(error) => storage(&error),
                })
        })
        .and_then(|summary| {
            std::fs::rename(&partial, path)
                .map_err(|error| storage(&error))
                .map(|()| summary)
        });
    match written {
        Ok(summary) => Ok(AuditExportSaved {
            path: path.display().to_string(),
            events: summary.events,
            checkpoints: summary.checkpoints,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

/// The longest first line read to decide whether a file is an audit export at all: a header is
/// well under a kilobyte plus its re-seals.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Checks the audit export at `path` (the core's `verify_export`). A file that is not an audit
/// export at all (no header of the format on its first line: another file chosen by mistake) is
/// a `file` validation error rather than a verdict; a file that starts as one is verified and its
/// first broken line named.
pub fn check_audit_export_file(path: &Path) -> Result<AuditExportCheck, AppError> {
    let unreadable = |error: std::io::Error| AppError::Storage {
        message: format!("{} could not be read: {error}", path.display()),
    };
    let mut first = Vec::new();
    BufReader::new(File::open(path).map_err(unreadable)?.take(MAX_HEADER_BYTES))
        .read_until(b'\n', &mut first)
        .map_err(unreadable)?;
    let is_header = std::str::from_utf8(&first)
        .ok()
        .and_then(|line| serde_json::from_str::<ExportLine>(line.trim_end()).ok())
        .is_some_and(|line| matches!(line, ExportLine::Header(_)));
    if !is_header {
        return Err(AppError::validation(
            "file",
            format!(
                "{} is not a Holdfast audit export: its first line is not an export's header",
                path.display()
            ),
        ));
    }
    let reader = BufReader::new(File::open(path).map_err(unreadable)?);
    let verdict = match verify_audit_export(reader) {
        Ok(verified) => ExportVerdict::Verified {
            events: verified.events,
            checkpoints: verified.checkpoints,
            head: verified.head.map(|head| head.to_hex()),
            checkpoint_key: verified.checkpoint_key,
            profile_kind: verified.profile.kind,
            organisation: verified.profile.organisation,
            user: verified.profile.user,
        },
        Err(broken) => ExportVerdict::Broken {
            line: broken.line,
            reason: broken.reason,
        },
    };
    Ok(AuditExportCheck {
        path: path.display().to_string(),
        verdict,
        checked_at: Timestamp::now(),
    })
}

/// The profile's audit trail saved as an audit export (JSON Lines: the events with their chain
/// hashes and, in a team profile, the server's signed checkpoints) through the OS save dialog
/// (rfd's asynchronous one, so the window keeps drawing). `None` when the person cancels.
#[tauri::command]
pub async fn save_audit_export<R: Runtime>(
    state: State<'_, AppState>,
    window: WebviewWindow<R>,
) -> Result<Option<AuditExportSaved>, AppError> {
    state.started().await;
    // A locked or absent profile is refused before a dialog asks where to save nothing.
    state.with_database(|_| Ok(())).await?;
    let today = crate::clock::now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date();
    let chosen = rfd::AsyncFileDialog::new()
        .set_title(EXPORT_DIALOG)
        .set_file_name(format!("holdfast-audit-{today}.jsonl"))
        .add_filter("Audit exports (JSON Lines)", &["jsonl"])
        .set_parent(&window)
        .save_file()
        .await;
    let Some(file) = chosen else {
        return Ok(None);
    };
    let path = file.path().to_owned();
    state
        .with_database(move |database| write_audit_export_file(database, &path))
        .await
        .map(Some)
}

/// An audit export chosen through the OS open dialog, checked (`check_audit_export_file`) off
/// the async runtime. `None` when the person cancels.
#[tauri::command]
pub async fn check_audit_export<R: Runtime>(
    window: WebviewWindow<R>,
) -> Result<Option<AuditExportCheck>, AppError> {
    let chosen = rfd::AsyncFileDialog::new()
        .set_title(CHECK_DIALOG)
        .add_filter("Audit exports (JSON Lines)", &["jsonl", "JSONL"])
        .add_filter("All files", &["*"])
        .set_parent(&window)
        .pick_file()
        .await;
    let Some(file) = chosen else {
        return Ok(None);
    };
    let path = file.path().to_owned();
    tauri::async_runtime::spawn_blocking(move || check_audit_export_file(&path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map(Some)
}

/// The save dialog's title.
pub const EXPORT_DIALOG: &str = "Export the audit trail";
/// The open dialog's title.
pub const CHECK_DIALOG: &str = "Check an audit export";

#[cfg(test)]
mod tests {
    use holdfast_core::role::Role;
    use holdfast_store::settings::LocalUserChange;
    use holdfast_store::DatabaseKey;

    use super::*;

    /// A local profile whose log holds three events (who uses the desk, renamed twice).
    fn profile(dir: &Path) -> Database {
        let key = DatabaseKey::generate().unwrap();
        let mut db = Database::open(&dir.join("holdfast.db"), &key).unwrap();
        for name in ["Ana", "Ana Ruiz", "Ana Ruiz-Soto"] {
            db.set_local_user(
                &LocalUserChange {
                    name: name.into(),
                    roles: vec![Role::AccountManager],
                },
                Timestamp::now(),
            )
            .unwrap();
        }
        db
    }

    #[test]
    fn an_export_written_to_a_file_checks_as_verified() {
        let dir = tempfile::tempdir().unwrap();
        let db = profile(dir.path());
        let path = dir.path().join("trail.jsonl");
        let saved = write_audit_export_file(&db, &path).unwrap();
        assert_eq!(saved.events, 3);
        assert_eq!(saved.checkpoints, 0);
        assert_eq!(saved.path, path.display().to_string());
        assert!(
            !partial_path(&path).exists(),
            "the partial file is renamed into place"
        );
        let check = check_audit_export_file(&path).unwrap();
        let ExportVerdict::Verified {
            events,
            checkpoints,
            head,
            checkpoint_key,
            profile_kind,
            ..
        } = check.verdict
        else {
            panic!("not verified: {check:?}");
        };
        assert_eq!((events, checkpoints), (3, 0));
        assert_eq!(head.map(|h| h.len()), Some(64), "a SHA-256 in hex");
        assert_eq!(checkpoint_key, None, "no server signs a local log");
        assert_eq!(profile_kind, "local");
    }

    #[test]
    fn a_tampered_export_names_its_first_broken_line() {
        let dir = tempfile::tempdir().unwrap();
        let db = profile(dir.path());
        let path = dir.path().join("trail.jsonl");
        write_audit_export_file(&db, &path).unwrap();
        // The third line is event 2 (the header is line 1): one character of its hashed text
        // changed.
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        assert!(lines[2].contains("Ana Ruiz"), "{}", lines[2]);
        lines[2] = lines[2].replacen("Ana Ruiz", "Ana Ruiq", 1);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let check = check_audit_export_file(&path).unwrap();
        match check.verdict {
            ExportVerdict::Broken { line, reason } => {
                assert_eq!(line, 3);
                assert!(reason.contains("event 2"), "{reason}");
            }
            other => panic!("a tampered file verified: {other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_not_an_export_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        for (name, contents) in [
            ("accounts.csv", b"external_id,name\nA-1,Acme\n".to_vec()),
            ("empty.jsonl", Vec::new()),
            ("binary.jsonl", vec![0xff, 0xfe, 0x00, 0x01, b'\n']),
            ("event.jsonl", br#"{"type":"event","seq":1}"#.to_vec()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, contents).unwrap();
            let error = check_audit_export_file(&path).unwrap_err();
            assert!(
                matches!(&error, AppError::Validation { field, message }
                    if field == "file" && message.contains("is not a Holdfast audit export")),
                "{name}: {error:?}"
            );
        }
        let missing = check_audit_export_file(&dir.path().join("gone.jsonl")).unwrap_err();
        assert!(matches!(missing, AppError::Storage { .. }), "{missing:?}");
    }

    #[test]
    fn a_failed_export_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let db = profile(dir.path());
        let path = dir.path().join("no-such-folder").join("trail.jsonl");
        let error = write_audit_export_file(&db, &path).unwrap_err();
        assert!(
            matches!(&error, AppError::Storage { message } if message.contains("trail.jsonl")),
            "{error:?}"
        );
        assert!(!path.exists() && !partial_path(&path).exists());
    }
}
