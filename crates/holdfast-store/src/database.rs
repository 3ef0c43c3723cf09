//! Opening the encrypted database: key it, prove the key is right and that SQLCipher is really
//! there, set durable journaling, and bring the schema up to date.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Result, StoreError};
use crate::key::DatabaseKey;
use crate::migrations;

pub struct Database {
    pub(crate) conn: Connection,
    /// The sync engine of a profile joined to a team server.
    pub(crate) synced: Option<crate::sync::Synced>,
    /// The profile's policy as last parsed, with the text it was parsed from: every command
    /// reads the policy, and parsing its TOML each time cost more than the rest of a read.
    pub(crate) parsed_policy: std::cell::RefCell<Option<(String, holdfast_core::policy::Policy)>>,
    /// Seals one-time codes decided here (`holdfast_core::workflow::CodeKey`).
    pub(crate) code_key: holdfast_core::workflow::CodeKey,
}

impl Database {
    /// Opens (creating if needed) the database at `path` with `key`.
    pub fn open(path: &Path, key: &DatabaseKey) -> Result<Self> {
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        apply_key(&conn, key)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit here records customer data or an audit fact; losing one to a power cut
        // costs more than the fsync.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&mut conn)?;
        let mut database = Database {
            conn,
            synced: None,
            parsed_policy: Default::default(),
            code_key: key.one_time_code_key(),
        };
        database.load_sync()?;
        Ok(database)
    }

    /// Turns fsync-per-commit off for a bulk load (generating benchmark fixtures, a first import)
    /// and back on. Off, a power cut can lose the last commits, never corrupt the database.
    pub fn set_bulk_loading(&self, bulk: bool) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", if bulk { "OFF" } else { "FULL" })?;
        Ok(())
    }

    /// The schema version this build writes.
    pub fn schema_version() -> i64 {
        migrations::SCHEMA_VERSION
    }
}

fn apply_key(conn: &Connection, key: &DatabaseKey) -> Result<()> {
    let cipher: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |row| row.get(0))
        .ok();
    if cipher.is_none_or(|version| version.is_empty()) {
        return Err(StoreError::EncryptionUnavailable);
    }
    // The literal is hex produced by DatabaseKey itself, so formatting it into the statement is safe.
    // The statement holds the key as text: wiped once run, like the key itself.
    let statement = zeroize::Zeroizing::new(format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ));
    conn.execute_batch(&statement)?;
    // SQLCipher only tries the key on first read: a wrong key shows up as "not a database".
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(error, _)) if error.code == ErrorCode::NotADatabase => {
            Err(StoreError::WrongKey)
        }
        Err(other) => Err(other.into()),
    }
}
