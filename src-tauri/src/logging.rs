//! The app's log: a rotating file in the app's log folder (`tauri-plugin-log`), the same lines
//! on stderr, and the last warnings and errors kept in memory for "Copy diagnostics".
//!
//! The rule: a log line names ids (a case's, an account's), counts, and the kind of an error
//! (`AppError`'s kind and field, a sync round's `offline`/`signed_out`/`failed`), never a value a
//! person typed or imported: no customer's name, contact, e-mail, note or message, no secret,
//! key, token, passphrase or one-time code, no server address or file path. An error's text is
//! not logged, since it may quote what it refused; `error_kind` says what happened instead.
//! Other crates log warnings and errors only (their messages name no customer data: the app
//! hands them none but ids).
//!
//! The file: `holdfast.log` for the default profile, `holdfast-<profile key>.log` for a profile
//! named with `--profile` (the key of `instance.rs`), so two profiles running side by side never
//! rotate each other's file. 1 MB a file, the five latest kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use tauri::plugin::TauriPlugin;
use tauri::Runtime;
use tauri_plugin_log::{fern, RotationStrategy, Target, TargetKind};

use crate::error::AppError;

/// The size at which the log file is rotated.
pub const MAX_FILE_BYTES: u128 = 1024 * 1024;
/// How many rotated files are kept beside the current one.
pub const KEPT_FILES: usize = 5;
/// How many of the latest warnings and errors the diagnostics carry.
pub const RECENT_PROBLEMS: usize = 10;

static RECENT: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// The log file's name, without `.log`: see the module's doc.
pub fn file_name(profile_key: Option<&str>) -> String {
    match profile_key {
        Some(key) => format!("holdfast-{key}"),
        None => "holdfast".to_owned(),
    }
}

/// The logger, writing to `<app log folder>/<file_name>.log` and to stderr.
pub fn plugin<R: Runtime>(file_name: String) -> TauriPlugin<R> {
    let recent = fern::Dispatch::new()
        .level(log::LevelFilter::Warn)
        .chain(fern::Output::call(|record| {
            remember(record.args().to_string())
        }));
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::Stderr),
            Target::new(TargetKind::LogDir {
                file_name: Some(file_name),
            }),
            Target::new(TargetKind::Dispatch(recent)),
        ])
        .level(log::LevelFilter::Warn)
        .level_for("holdfast_app", log::LevelFilter::Info)
        .max_file_size(MAX_FILE_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(KEPT_FILES))
        .build()
}

fn remember(line: String) {
    let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    if recent.len() == RECENT_PROBLEMS {
        recent.pop_front();
    }
    recent.push_back(line);
}

/// The latest warnings and errors, oldest first.
pub fn recent_problems() -> Vec<String> {
    RECENT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .cloned()
        .collect()
}

/// What kind of error this is, for a log line: the kind, and the entity or field it concerns,
/// never the message (which may quote a customer's data).
pub fn error_kind(error: &AppError) -> String {
    match error {
        AppError::Validation { field, .. } => format!("validation of {}", safe_word(field)),
        AppError::InvalidArguments { command, .. } => {
            format!("invalid arguments to {}", safe_word(command))
        }
        AppError::InvalidRows { rows } => format!("{} invalid rows", rows.len()),
        AppError::NotFound { entity, .. } => format!("{} not found", safe_word(entity)),
        AppError::Forbidden { .. } => "forbidden".to_owned(),
        AppError::Conflict { .. } => "conflict".to_owned(),
        AppError::Locked { .. } => "locked".to_owned(),
        AppError::Storage { .. } => "storage".to_owned(),
        AppError::Internal { .. } => "internal".to_owned(),
        AppError::Update { .. } => "update".to_owned(),
    }
}

/// A field, entity or command name as the code spells it (`requester_name`, `case`): kept when
/// it is one, replaced when it is anything else.
fn safe_word(word: &str) -> &str {
    let code_like = !word.is_empty()
        && word.len() <= 64
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.'));
    if code_like {
        word
    } else {
        "a value"
    }
}

#[cfg(test)]
mod tests {
    use holdfast_core::error::RowProblem;

    use super::*;

    /// Errors as they really come, carrying a customer's data in their messages.
    fn errors_quoting_a_customer() -> Vec<AppError> {
        vec![
            AppError::validation("requester_name", "Ana Diaz is not the account's contact"),
            AppError::validation("Ana Diaz", "a field named by what was typed"),
            AppError::InvalidArguments {
                command: "open_case".into(),
                field: Some("requester_contact".into()),
                message: "ana@acme.example is not an e-mail".into(),
            },
            AppError::InvalidRows {
                rows: vec![RowProblem {
                    line: 2,
                    column: Some("name".into()),
                    message: "Acme Ltd appears twice".into(),
                }],
            },
            AppError::NotFound {
                entity: "account".into(),
                id: "Acme Ltd".into(),
            },
            AppError::Forbidden {
                message: "Ana Diaz's refund needs a second verifier".into(),
            },
            AppError::Conflict {
                message: "Acme Ltd's case is closed".into(),
            },
            AppError::Locked {
                message: "passphrase hunter2 is wrong".into(),
            },
            AppError::Storage {
                message: "/home/amy/Acme Ltd/holdfast.db cannot be read".into(),
            },
            AppError::internal("code 482913 for ana@acme.example"),
        ]
    }

    #[test]
    fn an_error_is_logged_by_its_kind_never_its_message() {
        for error in errors_quoting_a_customer() {
            let line = error_kind(&error);
            for private in ["Ana", "Diaz", "acme", "Acme", "hunter2", "482913", "/home"] {
                assert!(!line.contains(private), "{line:?} from {error:?}");
            }
            assert!(!line.is_empty());
        }
        assert_eq!(
            error_kind(&AppError::validation("requester_name", "Ana Diaz")),
            "validation of requester_name"
        );
        assert_eq!(
            error_kind(&AppError::NotFound {
                entity: "case".into(),
                id: "x".into()
            }),
            "case not found"
        );
    }

    fn forget_recent() {
        RECENT.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    #[test]
    fn the_latest_problems_are_kept_up_to_a_limit() {
        forget_recent();
        for n in 0..(RECENT_PROBLEMS + 3) {
            remember(format!("problem {n}"));
        }
        let recent = recent_problems();
        assert_eq!(recent.len(), RECENT_PROBLEMS);
        assert_eq!(recent.first().map(String::as_str), Some("problem 3"));
        assert_eq!(
            recent.last().map(String::as_str),
            Some(format!("problem {}", RECENT_PROBLEMS + 2).as_str())
        );
        forget_recent();
    }

    #[test]
    fn each_profile_logs_to_its_own_file() {
        assert_eq!(file_name(None), "holdfast");
        assert_eq!(
            file_name(Some("0123456789abcdef")),
            "holdfast-0123456789abcdef"
        );
    }
}
