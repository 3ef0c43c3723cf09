//! The crate's one error type. Storage, configuration and rule errors all end up here; the HTTP
//! layer turns each into the protocol's typed `ErrorBody` (see `http::ApiError`).

use holdfast_core::policy::PolicyError;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database refused or failed an operation (the backend's own message).
    #[error("database: {0}")]
    Database(String),
    /// Something read back from the database does not have the shape it was written with.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("migration {version} failed: {message}")]
    Migration { version: i64, message: String },
    #[error("the database has schema version {found}, newer than this server's {supported}")]
    NewerSchema { found: i64, supported: i64 },
    #[error("{entity} \"{name}\" already exists")]
    AlreadyExists { entity: &'static str, name: String },
    #[error("no {entity} \"{name}\"")]
    NotFound { entity: &'static str, name: String },
    /// A policy is published with a version that does not increase.
    #[error("policy version {given} must be greater than the published version {current}")]
    PolicyVersion { given: u32, current: u32 },
    /// A policy file that cannot be used; the message names its line and key.
    #[error("policy: {0}")]
    Policy(#[from] PolicyError),
    /// An input that breaks a rule.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A pushed sequence number skips one.
    #[error("sequence gap: expected {expected}, got {got}")]
    SequenceGap { expected: u64, got: u64 },
    /// The user is deactivated.
    #[error("{0} is deactivated")]
    Inactive(String),
    /// A push under a client id (a desk profile) that another user pushed with first.
    #[error("client {client_id} belongs to another user")]
    ClientOfAnotherUser { client_id: uuid::Uuid },
    /// No valid token, or a wrong organisation, user name or password.
    #[error("{0}")]
    Unauthorized(String),
    /// The user may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed sign-ins; the limit lifts after `retry_after_secs`.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The server is at a limit of concurrent work (password checks); nothing was done.
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    /// The server cannot start as configured (e.g. plain HTTP on a public address).
    #[error("{0}")]
    Config(String),
    #[error("password hashing: {0}")]
    Password(String),
    #[error("a background task failed: {0}")]
    Task(String),
}

impl ServerError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServerError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ServerError::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = ServerError> = std::result::Result<T, E>;
