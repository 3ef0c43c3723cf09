//! The SQLite data folder on disk: created private (folder 0700, database files 0600), and
//! copied while the server runs (`holdfast-server backup --to FILE`): a consistent snapshot taken
//! with SQLite's `VACUUM INTO` from a reader of its own, so pushes go on while it runs (WAL: a
//! reader never blocks the writer), then checked before it is called a backup.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::sqlite::{open_durable, SqliteStore, DATABASE_FILE};
use crate::error::{Result, ServerError};

/// Owner-only folders and files (Unix); elsewhere the platform's defaults.
pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates `data_dir` (0700) when missing and the database file in it (0600) before SQLite opens
/// it, so neither ever exists readable by others; tightens a database file (and its WAL and
/// shared-memory files) an older server left with wider modes. Returns the database's path.
pub fn prepare_data_dir(data_dir: &Path) -> Result<PathBuf> {
    if !data_dir.exists() {
        create_private_dir(data_dir)?;
    }
    let path = data_dir.join(DATABASE_FILE);
    create_private_file(&path, false)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            set_mode(&file, FILE_MODE)?;
        }
    }
    Ok(path)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder
        .create(dir)
        .map_err(|source| ServerError::io(format!("creating {}", dir.display()), source))
}

/// Creates `path` empty with mode 0600 (`new`: refusing one that exists), or opens the existing
/// one untouched.
pub(crate) fn create_private_file(path: &Path, new: bool) -> Result<std::fs::File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).append(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options
        .open(path)
        .map_err(|source| ServerError::io(format!("creating {}", path.display()), source))
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|source| ServerError::io(format!("securing {}", path.display()), source))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub organisations: u64,
    pub events: u64,
    pub bytes: u64,
}

/// Copies the SQLite database in `data_dir` to `to` while the server may be writing it: one
/// consistent snapshot (`VACUUM INTO`, taken inside one read transaction), written to a new
/// 0600 file (an existing `to` is refused, never overwritten), synced to disk, then opened and
/// checked (`PRAGMA integrity_check`). On any failure the partial copy is removed.
pub fn backup_sqlite(data_dir: &Path, to: &Path) -> Result<BackupReport> {
    let source = data_dir.join(DATABASE_FILE);
    if !source.exists() {
        return Err(ServerError::Config(format!(
            "no database at {}: nothing to back up",
            source.display()
        )));
    }
    // Reserve the name with the right mode first: VACUUM INTO writes into an empty file.
    drop(create_private_file(to, true)?);
    let result = copy_and_check(&source, to);
    if result.is_err() {
        let _ = std::fs::remove_file(to);
    }
    result
}

fn copy_and_check(source: &Path, to: &Path) -> Result<BackupReport> {
    let target = to
        .to_str()
        .ok_or_else(|| ServerError::invalid("to", "the backup's path must be UTF-8"))?;
    {
        let conn = open_durable(source)?;
        conn.execute("VACUUM INTO ?1", [target])?;
    }
    let file = OpenOptions::new()
        .read(true)
        .open(to)
        .map_err(|source| ServerError::io(format!("opening {}", to.display()), source))?;
    file.sync_all()
        .map_err(|source| ServerError::io(format!("syncing {}", to.display()), source))?;
    if let Some(parent) = to.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    set_mode(to, FILE_MODE)?;
    let bytes = file
        .metadata()
        .map_err(|source| ServerError::io(format!("reading {}", to.display()), source))?
        .len();
    let copy = Connection::open_with_flags(to, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(ServerError::Corrupt(format!(
            "the backup at {} does not pass SQLite's integrity check: {check}",
            to.display()
        )));
    }
    let (organisations, events): (i64, i64) = copy.query_row(
        "SELECT (SELECT count(*) FROM organisations), (SELECT count(*) FROM events)",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(BackupReport {
        organisations: u64::try_from(organisations).unwrap_or(0),
        events: u64::try_from(events).unwrap_or(0),
        bytes,
    })
}

impl SqliteStore {
    /// Opens a database file by its path (a backup, to check it), migrating it like `open`.
    pub fn open_file(path: &Path) -> Result<SqliteStore> {
        SqliteStore::with_connection(open_durable(path)?)
    }
}
