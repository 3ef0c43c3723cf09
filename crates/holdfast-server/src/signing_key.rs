//! The server's checkpoint signing key, kept in a file outside the database it signs: whoever can
//! write the database (a stolen backup, a compromised database account, a shared PostgreSQL)
//! can rewrite events, but cannot sign a checkpoint over the rewritten chain, so every desk that
//! pinned the key notices.
//!
//! The file holds the 32-byte Ed25519 secret as 64 hex digits and a newline, mode 0600. By
//! default it lies next to the data folder (`<data-dir>.signing-key`); `--signing-key FILE`
//! names another place (every instance on one PostgreSQL database needs a copy of the same
//! file). It is created on first start; a database written by a server before issue 12 still
//! holds its key, which is moved into the file once (written and synced first, then removed from
//! the database), so desks that pinned it keep syncing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::checkpoint::CheckpointSigner;
use crate::error::{Result, ServerError};
use crate::store::durable::{create_private_file, set_mode, FILE_MODE};
use crate::store::ServerStore;

/// Where the key lives when `--signing-key` is not given: beside the data folder, outside it.
pub fn default_key_path(data_dir: &Path) -> PathBuf {
    match data_dir.file_name() {
        Some(name) => {
            let mut file = name.to_os_string();
            file.push(".signing-key");
            data_dir.with_file_name(file)
        }
        None => data_dir.join("holdfast-server.signing-key"),
    }
}

/// Where the key the server signs with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Read from the key file.
    File,
    /// Drawn now and written to a new key file (a new server).
    Created,
    /// Moved out of the database (a server before issue 12) into a new key file.
    MovedFromDatabase,
    /// Read from the database without moving it (`create` false: `verify` reads, never writes).
    Database,
}

/// The signer of the key file at `path`. When the file is missing and `create` is true, the key
/// is the old database's one (moved out) or a fresh one, written to a new 0600 file. When both
/// the file and a database copy exist, they must be the same key (the copy is then removed):
/// a different one means the file does not belong to this database, and the server refuses to
/// start rather than sign with a key the desks did not pin.
pub async fn open_signer(
    store: &dyn ServerStore,
    path: &Path,
    create: bool,
) -> Result<(CheckpointSigner, KeyOrigin)> {
    let legacy = store.legacy_signing_key().await?;
    if path.exists() {
        let secret = read_key_file(path)?;
        if let Some(legacy) = legacy {
            if legacy != secret {
                return Err(ServerError::Config(format!(
                    "the signing key in {} is not the key this database was signed with (the \
                     database still holds its own): give the key file that belongs to this \
                     database with --signing-key",
                    path.display()
                )));
            }
            if create {
                store.forget_signing_key(legacy).await?;
            }
        }
        return Ok((CheckpointSigner::from_secret(secret), KeyOrigin::File));
    }
    if !create {
        return match legacy {
            Some(legacy) => Ok((CheckpointSigner::from_secret(legacy), KeyOrigin::Database)),
            None => Err(ServerError::Config(format!(
                "no signing key at {}: give the server's key file with --signing-key",
                path.display()
            ))),
        };
    }
    let (secret, origin) = match legacy {
        Some(legacy) => (legacy, KeyOrigin::MovedFromDatabase),
        None => {
            let mut fresh = [0u8; 32];
            getrandom::fill(&mut fresh)
                .map_err(|error| ServerError::Task(format!("no randomness for a key: {error}")))?;
            (fresh, KeyOrigin::Created)
        }
    };
    write_key_file(path, &secret)?;
    if let Some(legacy) = legacy {
        store.forget_signing_key(legacy).await?;
    }
    Ok((CheckpointSigner::from_secret(secret), origin))
}

fn read_key_file(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ServerError::io(format!("reading {}", path.display()), source))?;
    hex::decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            ServerError::Config(format!(
                "{} is not a signing key file (64 hex digits)",
                path.display()
            ))
        })
}

/// Writes the key to a new 0600 file beside `path`, syncs it, then renames it into place and
/// syncs the folder: a crash leaves either no key file or a whole one.
fn write_key_file(path: &Path, secret: &[u8; 32]) -> Result<()> {
    let mut partial = path.as_os_str().to_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let mut file = create_private_file(&partial, true)?;
    let write = |file: &mut std::fs::File| -> std::io::Result<()> {
        file.write_all(format!("{}\n", hex::encode(secret)).as_bytes())?;
        file.sync_all()
    };
    write(&mut file)
        .map_err(|source| ServerError::io(format!("writing {}", partial.display()), source))?;
    drop(file);
    set_mode(&partial, FILE_MODE)?;
    std::fs::rename(&partial, path)
        .map_err(|source| ServerError::io(format!("writing {}", path.display()), source))?;
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}
