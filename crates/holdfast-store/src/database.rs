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
    /// The described cases the last report was made from, refreshed by the next report from
    /// what changed since (`reports.rs`).
    pub(crate) kept_reports: std::cell::RefCell<Option<crate::reports::KeptCases>>,
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
        // 64 MiB of decrypted pages (SQLite's default is 2 MiB): the Due view and the reminders
        // read a person's cases and tasks again every minute, scattered over the tables, and
        // every page not in this cache is read and decrypted again (issue 13's bench).
        conn.pragma_update(None, "cache_size", -65_536)?;
        migrations::migrate(&mut conn)?;
        let mut database = Database {
            conn,
            synced: None,
            parsed_policy: Default::default(),
            kept_reports: Default::default(),
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

    /// Re-encrypts the whole database under `key` (SQLCipher's `PRAGMA rekey`), then proves from
    /// a fresh connection that the file on disk opens with it: SQLCipher switches the connection
    /// to the new key even when its commit did not reach the disk, so only a new connection can
    /// tell. `WrongKey` (or another error) if it does not.
    ///
    /// The rekey is one transaction that rewrites every page. It runs in rollback-journal mode,
    /// where SQLCipher writes the journal with the old key: a crash in the middle rolls the file
    /// back to the old key whole on the next open with it, and the journal's deletion is the
    /// moment the new key takes over. In WAL mode the new pages would sit in the log while the
    /// main file kept the old ones (SQLite3MultipleCiphers refuses it after reports of corrupted
    /// databases; SQLCipher supports it only from 5.0); so the log is checkpointed and emptied
    /// first, and WAL is turned back on after.
    pub fn rekey(&mut self, key: &DatabaseKey) -> Result<()> {
        let path = self
            .conn
            .path()
            .map(std::path::PathBuf::from)
            .ok_or_else(|| {
                StoreError::Corrupt("an in-memory database has no file to re-encrypt".into())
            })?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        set_journal_mode(&self.conn, "delete")?;
        let statement = zeroize::Zeroizing::new(format!(
            "PRAGMA rekey = \"{}\";",
            key.sqlcipher_literal().as_str()
        ));
        let rekeyed = self.conn.execute_batch(&statement);
        // Back to WAL whatever happened: the connection stays usable either way.
        set_journal_mode(&self.conn, "wal")?;
        rekeyed?;
        Database::check_key(&path, key)?;
        // Codes sealed from now on use the new key, as they will after the next open.
        self.code_key = key.one_time_code_key();
        Ok(())
    }

    /// Whether the database at `path` opens with `key`: `WrongKey` if not. Reads only.
    pub fn check_key(path: &Path, key: &DatabaseKey) -> Result<()> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        apply_key(&conn, key)
    }

    /// The schema version this build writes.
    pub fn schema_version() -> i64 {
        migrations::SCHEMA_VERSION
    }

    /// How many rows this connection has inserted, updated or deleted since it was opened: the
    /// shell compares it before and after a command to learn whether the command changed anything
    /// (and so whether what is due may have changed) without each command saying so.
    pub fn total_changes(&self) -> u64 {
        self.conn.total_changes()
    }
}

fn set_journal_mode(conn: &Connection, mode: &str) -> Result<()> {
    let now: String = conn.pragma_update_and_check(None, "journal_mode", mode, |row| row.get(0))?;
    if now.eq_ignore_ascii_case(mode) {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "the journal mode stayed {now} instead of {mode}"
        )))
    }
}

/// A fixed scratch key for the readiness probe below: it keys an empty in-memory database and
/// protects nothing.
const PROBE_KEY: &str =
    "PRAGMA key = \"x'0000000000000000000000000000000000000000000000000000000000000000'\";";

/// Waits until SQLCipher can key a connection in this process. SQLite runs SQLCipher's
/// initialisation (`SQLITE_EXTRA_INIT`) after it has marked itself initialised and released its
/// init mutex, so while the first connection of the process is being opened on one thread,
/// another thread's `PRAGMA key` is refused ("An error occurred with PRAGMA key or rekey"): a CI
/// run failed on it (`tests/first_open.rs`). The first keyed open probes an in-memory
/// connection until a key takes, and every other thread waits for that probe.
fn wait_for_sqlcipher() -> Result<()> {
    static READY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ready = *READY.get_or_init(|| {
        // A second at most: initialising takes microseconds, and a build without SQLCipher
        // never gets there (`EncryptionUnavailable`).
        for _ in 0..200 {
            let keyed = Connection::open_in_memory()
                .and_then(|conn| conn.execute_batch(PROBE_KEY))
                .is_ok();
            if keyed {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        false
    });
    if ready {
        Ok(())
    } else {
        Err(StoreError::EncryptionUnavailable)
    }
}

fn apply_key(conn: &Connection, key: &DatabaseKey) -> Result<()> {
    wait_for_sqlcipher()?;
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
