//! The error every command returns: the core's and the store's errors mapped to the kinds the UI
//! branches on, serialised as a tagged enum (`{ "kind": "validation", "field": …, … }`).

use holdfast_core::error::RowProblem;
use holdfast_core::CoreError;
use holdfast_store::StoreError;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// A value breaks a rule; the UI shows `message` next to the control for `field`.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The window sent a command arguments that do not read as that command's arguments: a
    /// missing or misspelt field, a value of the wrong type or out of range. `field` is the path
    /// inside the arguments (`command.terms.amount`), absent when the arguments as a whole are
    /// wrong; `message` says what was wanted and never repeats what was sent. The command did not
    /// run.
    #[error("{command}: {}{message}", field.as_ref().map(|field| format!("{field}: ")).unwrap_or_default())]
    InvalidArguments {
        command: String,
        field: Option<String>,
        message: String,
    },
    /// An import file has bad rows; nothing from it was written.
    #[error("{} invalid row(s); nothing was imported", rows.len())]
    InvalidRows { rows: Vec<RowProblem> },
    #[error("{entity} {id} was not found")]
    NotFound { entity: String, id: String },
    #[error("{message}")]
    Forbidden { message: String },
    #[error("{message}")]
    Conflict { message: String },
    /// The database is not open yet: the key has to come from a passphrase first.
    #[error("{message}")]
    Locked { message: String },
    #[error("{message}")]
    Storage { message: String },
    #[error("{message}")]
    Internal { message: String },
    /// Checking for, downloading, verifying or installing an update failed (`updates.rs`).
    #[error("{message}")]
    Update { message: String },
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal {
            message: message.into(),
        }
    }
}

impl From<CoreError> for AppError {
    fn from(error: CoreError) -> Self {
        match error.clone() {
            CoreError::Invalid { field, message } => AppError::Validation { field, message },
            CoreError::InvalidRows { problems } => AppError::InvalidRows { rows: problems },
            CoreError::RoleRequired { .. } | CoreError::InactiveUser { .. } => {
                AppError::Forbidden {
                    message: error.to_string(),
                }
            }
            CoreError::OfferLimitExceeded { .. } => AppError::Validation {
                field: "offer_id".into(),
                message: error.to_string(),
            },
            CoreError::GateNotMet { .. }
            | CoreError::ChecklistItemOpen { .. }
            | CoreError::InvalidTransition { .. } => AppError::Conflict {
                message: error.to_string(),
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => rule.into(),
            StoreError::NotFound { entity, id } => AppError::NotFound {
                entity: entity.into(),
                id,
            },
            StoreError::WrongKey => AppError::Locked {
                message: error.to_string(),
            },
            StoreError::NotErasable { .. } => AppError::Conflict {
                message: error.to_string(),
            },
            other => AppError::Storage {
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_a_tagged_enum_the_ui_can_branch_on() {
        let error: AppError =
            CoreError::invalid("requester_name", "say who asked to cancel").into();
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({
                "kind": "validation",
                "field": "requester_name",
                "message": "say who asked to cancel"
            })
        );
        let rows: AppError = CoreError::InvalidRows {
            problems: vec![RowProblem {
                line: 3,
                column: Some("mrr".into()),
                message: "is required".into(),
            }],
        }
        .into();
        assert_eq!(
            serde_json::to_value(&rows).unwrap(),
            serde_json::json!({
                "kind": "invalid_rows",
                "rows": [{ "line": 3, "column": "mrr", "message": "is required" }]
            })
        );
    }
}
