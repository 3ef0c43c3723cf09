//! The one error type of the store.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database cannot be opened with this key (wrong key, or not a Holdfast database)")]
    WrongKey,
    #[error("this build of SQLite has no encryption (SQLCipher is missing); refusing to store customer data in clear")]
    EncryptionUnavailable,
    #[error("the database was written by a newer Holdfast (schema {found}, this version knows up to {supported}); update Holdfast to open it")]
    NewerSchema { found: i64, supported: i64 },
    #[error("migration {version} failed: {source}")]
    Migration {
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    #[error(transparent)]
    Rule(#[from] holdfast_core::CoreError),
    #[error("the key cannot be derived: {0}")]
    KeyDerivation(String),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    /// Only a profile without cases or accounts can join a team server's organisation.
    #[error("this profile already holds accounts or cases of its own; join the team server from a new profile")]
    ProfileNotEmpty,
    /// The sync engine refused (a page that does not fit, history rewritten under a checkpoint).
    #[error(transparent)]
    Sync(#[from] holdfast_sync::client::ClientError),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// An export (CSV or XLSX) could not be made.
    #[error("the export could not be made: {0}")]
    Export(String),
    /// Some of a customer's events were recorded before Holdfast sealed personal data: their
    /// personal fields are hashed as they are, so erasing them would break the audit chain.
    #[error("{events} of this customer's events were recorded before Holdfast sealed personal data; they cannot be erased without breaking the audit trail, so nothing was erased")]
    NotErasable { events: usize },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
