//! Opening a profile's database: the key comes from the OS keyring when there is one, from a
//! passphrase (Argon2id) when there is not. This decides which, and never writes the key to disk.

use holdfast_store::key::{KdfParams, SALT_BYTES};
use holdfast_store::{Database, DatabaseKey, StoreError};
use serde::Serialize;
use ts_rs::TS;

use crate::error::AppError;
use crate::profile::{KeySource, Profile};
use crate::secrets::{SecretError, SecretStore};

/// Shortest passphrase accepted when no keyring is available.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Where the app stands with the profile's database, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionStatus {
    /// The database is open.
    Unlocked { profile_dir: String },
    /// A new profile and no keyring: the user chooses a passphrase.
    NeedsNewPassphrase { reason: String },
    /// The profile's key comes from a passphrase: the user types it.
    NeedsPassphrase,
    /// The app cannot open the profile; `message` says why and what to do.
    Failed { message: String },
}

/// The result of a start-up attempt: the open database, if any, and the status to show.
pub struct Opened {
    pub database: Option<Database>,
    pub status: SessionStatus,
}

impl Opened {
    fn unlocked(database: Database, profile: &Profile) -> Self {
        Opened {
            database: Some(database),
            status: SessionStatus::Unlocked {
                profile_dir: profile.dir().display().to_string(),
            },
        }
    }

    fn status(status: SessionStatus) -> Self {
        Opened {
            database: None,
            status,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Opened::status(SessionStatus::Failed {
            message: message.into(),
        })
    }
}

/// Opens the profile at start-up with the key from the keyring, or says what is needed instead.
pub fn start(profile: &Profile, secrets: Result<&dyn SecretStore, SecretError>) -> Opened {
    let secrets = match secrets {
        Ok(secrets) => secrets,
        Err(SecretError::NoPersistentBackend) => {
            return Opened::failed(SecretError::NoPersistentBackend.to_string())
        }
        Err(SecretError::Unavailable(reason) | SecretError::Failed(reason)) => {
            return without_keyring(profile, reason)
        }
    };
    match profile.key_source() {
        Err(error) => Opened::failed(error.to_string()),
        Ok(Some(KeySource::Passphrase { .. })) => Opened::status(SessionStatus::NeedsPassphrase),
        Ok(Some(KeySource::Keyring)) => match secrets.read() {
            Ok(Some(hex)) => match DatabaseKey::from_hex(&hex) {
                Ok(key) => open_with(profile, &key),
                Err(error) => Opened::failed(error.to_string()),
            },
            Ok(None) => Opened::failed(format!(
                "The key for this profile's database is missing from the OS keyring (entry \"{}\"). \
                 Without it the database cannot be read.",
                profile.keyring_user()
            )),
            Err(error) => Opened::failed(format!(
                "This profile's key is kept in the OS keyring, which cannot be reached: {error}"
            )),
        },
        Ok(None) => {
            if profile.database_path().exists() {
                return Opened::failed(format!(
                    "{} has a database but no record of its key; it cannot be opened",
                    profile.dir().display()
                ));
            }
            let key = match DatabaseKey::generate() {
                Ok(key) => key,
                Err(error) => return Opened::failed(error.to_string()),
            };
            match secrets.write(&key.to_hex()) {
                Ok(()) => {}
                Err(SecretError::Unavailable(reason)) => return without_keyring(profile, reason),
                Err(other) => return Opened::failed(other.to_string()),
            }
            let opened = open_with(profile, &key);
            if opened.database.is_some() {
                if let Err(error) = profile.set_key_source(&KeySource::Keyring) {
                    return Opened::failed(error.to_string());
                }
            }
            opened
        }
    }
}

/// No keyring: a profile that already uses a passphrase asks for it; a new one asks for a new one.
fn without_keyring(profile: &Profile, reason: String) -> Opened {
    match profile.key_source() {
        Ok(Some(KeySource::Passphrase { .. })) => Opened::status(SessionStatus::NeedsPassphrase),
        Ok(Some(KeySource::Keyring)) => Opened::failed(format!(
            "This profile's key is kept in the OS keyring, which is not available: {reason}"
        )),
        Ok(None) if profile.database_path().exists() => Opened::failed(format!(
            "{} has a database but no record of its key; it cannot be opened",
            profile.dir().display()
        )),
        Ok(None) => Opened::status(SessionStatus::NeedsNewPassphrase { reason }),
        Err(error) => Opened::failed(error.to_string()),
    }
}

fn open_with(profile: &Profile, key: &DatabaseKey) -> Opened {
    match Database::open(&profile.database_path(), key) {
        Ok(database) => Opened::unlocked(database, profile),
        Err(error) => Opened::failed(error.to_string()),
    }
}

/// Sets up a new profile whose key is derived from `passphrase`.
pub fn create_with_passphrase(profile: &Profile, passphrase: &str) -> Result<Opened, AppError> {
    if profile.key_source()?.is_some() || profile.database_path().exists() {
        return Err(AppError::Conflict {
            message: "this profile already has a database".into(),
        });
    }
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(AppError::validation(
            "passphrase",
            format!("use at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    let salt: [u8; SALT_BYTES] = DatabaseKey::generate_salt()?;
    let key = DatabaseKey::derive(passphrase, &salt, KdfParams::CURRENT)?;
    let database = Database::open(&profile.database_path(), &key)?;
    profile.set_key_source(&KeySource::Passphrase {
        salt: hex::encode(salt),
        kdf: KdfParams::CURRENT,
    })?;
    Ok(Opened::unlocked(database, profile))
}

/// Opens a passphrase profile; a wrong passphrase is a validation error on the passphrase field.
pub fn unlock_with_passphrase(profile: &Profile, passphrase: &str) -> Result<Opened, AppError> {
    let Some(KeySource::Passphrase { salt, kdf }) = profile.key_source()? else {
        return Err(AppError::Conflict {
            message: "this profile does not use a passphrase".into(),
        });
    };
    let salt = hex::decode(&salt).map_err(|_| AppError::Storage {
        message: "the profile's key record is damaged (salt)".into(),
    })?;
    let key = DatabaseKey::derive(passphrase, &salt, kdf)?;
    match Database::open(&profile.database_path(), &key) {
        Ok(database) => Ok(Opened::unlocked(database, profile)),
        Err(StoreError::WrongKey) => Err(AppError::validation(
            "passphrase",
            "this passphrase does not open the profile's database",
        )),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A keyring stand-in: `None` behaves as an unavailable keyring.
    struct FakeKeyring(Option<Mutex<Option<String>>>);

    impl SecretStore for FakeKeyring {
        fn read(&self) -> Result<Option<String>, SecretError> {
            match &self.0 {
                Some(slot) => Ok(slot.lock().unwrap().clone()),
                None => Err(SecretError::Unavailable("no Secret Service".into())),
            }
        }
        fn write(&self, secret: &str) -> Result<(), SecretError> {
            match &self.0 {
                Some(slot) => {
                    *slot.lock().unwrap() = Some(secret.into());
                    Ok(())
                }
                None => Err(SecretError::Unavailable("no Secret Service".into())),
            }
        }
        fn delete(&self) -> Result<(), SecretError> {
            match &self.0 {
                Some(slot) => {
                    *slot.lock().unwrap() = None;
                    Ok(())
                }
                None => Err(SecretError::Unavailable("no Secret Service".into())),
            }
        }
    }

    fn profile() -> (tempfile::TempDir, Profile) {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open(dir.path()).unwrap();
        (dir, profile)
    }

    #[test]
    fn a_new_profile_keeps_its_key_in_the_keyring_and_reopens() {
        let (_dir, profile) = profile();
        let keyring = FakeKeyring(Some(Mutex::new(None)));
        let first = start(&profile, Ok(&keyring));
        assert!(matches!(first.status, SessionStatus::Unlocked { .. }));
        drop(first);
        assert!(keyring.read().unwrap().is_some());
        assert_eq!(profile.key_source().unwrap(), Some(KeySource::Keyring));
        let key_hex = keyring.read().unwrap().unwrap();
        for entry in std::fs::read_dir(profile.dir()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(&key_hex), "the key was written to disk");
        }
        let again = start(&profile, Ok(&keyring));
        assert!(again.database.is_some());
    }

    #[test]
    fn a_lost_keyring_entry_is_a_clear_failure() {
        let (_dir, profile) = profile();
        let keyring = FakeKeyring(Some(Mutex::new(None)));
        drop(start(&profile, Ok(&keyring)));
        let empty = FakeKeyring(Some(Mutex::new(None)));
        assert!(matches!(
            start(&profile, Ok(&empty)).status,
            SessionStatus::Failed { message } if message.contains("missing from the OS keyring")
        ));
    }

    #[test]
    fn without_a_keyring_a_passphrase_protects_the_profile() {
        let (_dir, profile) = profile();
        let none = FakeKeyring(None);
        assert!(matches!(
            start(&profile, Ok(&none)).status,
            SessionStatus::NeedsNewPassphrase { .. }
        ));
        assert!(matches!(
            create_with_passphrase(&profile, "short"),
            Err(AppError::Validation { field, .. }) if field == "passphrase"
        ));
        let created = create_with_passphrase(&profile, "a long enough passphrase").unwrap();
        assert!(created.database.is_some());
        drop(created);
        assert!(matches!(
            start(&profile, Ok(&none)).status,
            SessionStatus::NeedsPassphrase
        ));
        assert!(matches!(
            unlock_with_passphrase(&profile, "the wrong passphrase!"),
            Err(AppError::Validation { field, .. }) if field == "passphrase"
        ));
        assert!(unlock_with_passphrase(&profile, "a long enough passphrase")
            .unwrap()
            .database
            .is_some());
        // The key's cost is recorded with the profile: 64 MiB and 3 passes for a new one.
        assert!(matches!(
            profile.key_source().unwrap(),
            Some(KeySource::Passphrase { kdf, .. }) if kdf == KdfParams::CURRENT
        ));
    }

    #[test]
    fn an_in_memory_keyring_is_a_startup_error() {
        let (_dir, profile) = profile();
        assert!(matches!(
            start(&profile, Err(SecretError::NoPersistentBackend)).status,
            SessionStatus::Failed { .. }
        ));
        assert!(!profile.database_path().exists());
    }

    #[test]
    fn this_build_has_a_persistent_keyring_backend() {
        // Constructing an entry touches no service; it only checks which backend was compiled in.
        assert!(!matches!(
            crate::secrets::KeyringSecret::new("app.holdfast.desk.test", "probe"),
            Err(SecretError::NoPersistentBackend)
        ));
    }
}
