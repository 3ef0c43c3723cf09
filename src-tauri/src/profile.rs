//! A profile: the folder that holds one user's encrypted database and the record of where its key
//! comes from. `--profile <dir>` (or `HOLDFAST_PROFILE`) picks one, so people and tests can keep
//! several apart; each profile has its own keyring entry.

use std::path::{Path, PathBuf};

use holdfast_store::key::KdfParams;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const KEYRING_SERVICE: &str = "app.holdfast.desk";
const DATABASE_FILE: &str = "holdfast.db";
const KEY_SOURCE_FILE: &str = "key-source.json";

#[derive(Debug, Clone)]
pub struct Profile {
    dir: PathBuf,
}

/// Where the database key of a profile comes from. Not secret: it names no key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum KeySource {
    /// The key is in the OS keyring under this profile's entry.
    Keyring,
    /// The key is derived from a passphrase with Argon2id, this salt (hex) and these
    /// parameters; a profile recorded before they were kept used the argon2 crate's defaults.
    Passphrase {
        salt: String,
        #[serde(default = "kdf_before_recorded")]
        kdf: KdfParams,
        /// Set while the database is being re-encrypted under a key from a fresh salt and the
        /// current parameters (`session::upgrade_kdf`): the database opens with the key above or,
        /// once the re-encryption committed, with this one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rekeying_to: Option<PassphraseKey>,
    },
}

/// A salt (hex) and the Argon2id parameters a passphrase key is derived with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassphraseKey {
    pub salt: String,
    pub kdf: KdfParams,
}

fn kdf_before_recorded() -> KdfParams {
    KdfParams::BEFORE_RECORDED
}

impl Profile {
    /// Creates the folder if needed and returns the profile rooted there.
    pub fn open(dir: &Path) -> Result<Self, AppError> {
        std::fs::create_dir_all(dir).map_err(|e| AppError::Storage {
            message: format!(
                "the profile folder {} cannot be created: {e}",
                dir.display()
            ),
        })?;
        let dir = dir.canonicalize().map_err(|e| AppError::Storage {
            message: format!(
                "the profile folder {} cannot be resolved: {e}",
                dir.display()
            ),
        })?;
        Ok(Profile { dir })
    }

    /// The profile folder named on the command line (`--profile <dir>`), or in `HOLDFAST_PROFILE`.
    pub fn requested_dir(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--profile" {
                return args.next().map(PathBuf::from);
            }
            if let Some(dir) = arg.strip_prefix("--profile=") {
                return Some(PathBuf::from(dir));
            }
        }
        std::env::var_os("HOLDFAST_PROFILE").map(PathBuf::from)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn database_path(&self) -> PathBuf {
        self.dir.join(DATABASE_FILE)
    }

    /// The keyring account name for this profile's database key.
    pub fn keyring_user(&self) -> String {
        format!("database-key:{}", self.dir.display())
    }

    pub fn key_source(&self) -> Result<Option<KeySource>, AppError> {
        let path = self.dir.join(KEY_SOURCE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(AppError::Storage {
                    message: format!("{} cannot be read: {e}", path.display()),
                })
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| AppError::Storage {
                message: format!("{} is damaged: {e}", path.display()),
            })
    }

    /// Records the key source, atomically and durably: a crash or a power cut leaves the old
    /// record or the new one, and once this returns the new one is on disk.
    pub fn set_key_source(&self, source: &KeySource) -> Result<(), AppError> {
        let path = self.dir.join(KEY_SOURCE_FILE);
        let temporary = self.dir.join(format!("{KEY_SOURCE_FILE}.tmp"));
        let text =
            serde_json::to_string_pretty(source).map_err(|e| AppError::internal(e.to_string()))?;
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temporary)?;
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)?;
            // The rename itself is durable once the folder is synced (Unix; Windows cannot
            // open a folder as a file and makes the rename durable on its own).
            #[cfg(unix)]
            std::fs::File::open(&self.dir)?.sync_all()?;
            Ok(())
        };
        write().map_err(|e| AppError::Storage {
            message: format!("{} cannot be written: {e}", path.display()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_comes_from_the_command_line() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Profile::requested_dir(args(&["holdfast", "--profile", "/tmp/p1"])),
            Some(PathBuf::from("/tmp/p1"))
        );
        assert_eq!(
            Profile::requested_dir(args(&["holdfast", "--profile=/tmp/p2"])),
            Some(PathBuf::from("/tmp/p2"))
        );
    }

    #[test]
    fn the_key_source_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open(dir.path()).unwrap();
        assert_eq!(profile.key_source().unwrap(), None);
        let source = KeySource::Passphrase {
            salt: "00ff".into(),
            kdf: KdfParams::CURRENT,
            rekeying_to: None,
        };
        profile.set_key_source(&source).unwrap();
        assert_eq!(profile.key_source().unwrap(), Some(source));
        let source = KeySource::Passphrase {
            salt: "00ff".into(),
            kdf: KdfParams::BEFORE_RECORDED,
            rekeying_to: Some(PassphraseKey {
                salt: "11ee".into(),
                kdf: KdfParams::CURRENT,
            }),
        };
        profile.set_key_source(&source).unwrap();
        assert_eq!(profile.key_source().unwrap(), Some(source));
    }

    #[test]
    fn a_passphrase_profile_recorded_without_its_parameters_keeps_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open(dir.path()).unwrap();
        std::fs::write(
            dir.path().join(KEY_SOURCE_FILE),
            r#"{"source":"passphrase","salt":"00ff"}"#,
        )
        .unwrap();
        assert_eq!(
            profile.key_source().unwrap(),
            Some(KeySource::Passphrase {
                salt: "00ff".into(),
                kdf: KdfParams::BEFORE_RECORDED,
                rekeying_to: None,
            })
        );
    }
}
