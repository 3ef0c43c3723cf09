//! The one error type of the core: every rule that refuses something says which field and why.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// A value given for `field` breaks a rule; `message` says which, in words a user can act on.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// An import file has rows that break the rules; nothing from it may be kept.
    #[error("{} invalid row(s) in the file", problems.len())]
    InvalidRows { problems: Vec<RowProblem> },
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One bad row of an import file: the 1-based line it starts on, the column, and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RowProblem {
    pub line: u64,
    /// The column at fault, by its header name; `None` when the row as a whole is malformed.
    pub column: Option<String>,
    pub message: String,
}
