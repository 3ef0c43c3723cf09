//! Opening a profile's database: the key comes from the OS keyring when there is one, from a
//! passphrase (Argon2id) when there is not. This decides which, and never writes the key to disk.

use holdfast_store::key::{KdfParams, SALT_BYTES};
use holdfast_store::{Database, DatabaseKey, StoreError};
use serde::Serialize;
use ts_rs::TS;

use crate::error::AppError;
use crate::profile::{KeySource, PassphraseKey, Profile};
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
        rekeying_to: None,
    })?;
    Ok(Opened::unlocked(database, profile))
}

/// Opens a passphrase profile; a wrong passphrase is a validation error on the passphrase field.
/// A profile whose key was derived with older Argon2id parameters is then re-encrypted under a key
/// from the current ones (`upgrade_kdf`); if that fails, the profile opens as it was and the next
/// unlock tries again.
pub fn unlock_with_passphrase(profile: &Profile, passphrase: &str) -> Result<Opened, AppError> {
    let (database, kdf) = open_with_passphrase(profile, passphrase)?;
    if kdf == KdfParams::CURRENT {
        return Ok(Opened::unlocked(database, profile));
    }
    let database = match upgrade_kdf(profile, database, passphrase, &mut |_| Ok(())) {
        Ok(database) => database,
        // The database was closed on the way out; it opens with whichever key it now has.
        Err(_) => open_with_passphrase(profile, passphrase)?.0,
    };
    Ok(Opened::unlocked(database, profile))
}

/// Opens the database with the key `passphrase` derives under the profile's record, or, while a
/// re-encryption is recorded as under way, with the key it was moving to, and then records that
/// one as the profile's. Returns the database and the parameters of the key that opened it.
fn open_with_passphrase(
    profile: &Profile,
    passphrase: &str,
) -> Result<(Database, KdfParams), AppError> {
    let Some(KeySource::Passphrase {
        salt,
        kdf,
        rekeying_to,
    }) = profile.key_source()?
    else {
        return Err(AppError::Conflict {
            message: "this profile does not use a passphrase".into(),
        });
    };
    // The recorded key first: a re-encryption that did not commit rolls back to it when the
    // database is opened with it.
    if let Some(database) = open_derived(profile, passphrase, &salt, kdf)? {
        return Ok((database, kdf));
    }
    if let Some(next) = rekeying_to {
        if let Some(database) = open_derived(profile, passphrase, &next.salt, next.kdf)? {
            profile.set_key_source(&KeySource::Passphrase {
                salt: next.salt,
                kdf: next.kdf,
                rekeying_to: None,
            })?;
            return Ok((database, next.kdf));
        }
    }
    Err(AppError::validation(
        "passphrase",
        "this passphrase does not open the profile's database",
    ))
}

/// The database opened with the key derived from `passphrase`, `salt` (hex) and `kdf`; `None` if
/// that key does not open it. The key is wiped when this returns.
fn open_derived(
    profile: &Profile,
    passphrase: &str,
    salt: &str,
    kdf: KdfParams,
) -> Result<Option<Database>, AppError> {
    let salt = hex::decode(salt).map_err(|_| AppError::Storage {
        message: "the profile's key record is damaged (salt)".into(),
    })?;
    let key = DatabaseKey::derive(passphrase, &salt, kdf)?;
    match Database::open(&profile.database_path(), &key) {
        Ok(database) => Ok(Some(database)),
        Err(StoreError::WrongKey) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The points between the steps of `upgrade_kdf`, where a test stops it as a crash would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpgradeStep {
    /// The new salt and parameters are recorded beside the old ones; the database is unchanged.
    Recorded,
    /// The database is re-encrypted under the new key; the record still names both.
    Rekeyed,
}

/// Moves a passphrase profile opened with older Argon2id parameters to `KdfParams::CURRENT`
/// (issue 12). In this order, so that a crash anywhere leaves a profile the passphrase opens
/// (docs/decisions.md, "Old passphrase profiles are re-keyed"):
///
/// 1. derive the new key from a fresh salt and the current parameters;
/// 2. record the new salt and parameters beside the old ones (`rekeying_to`), durably: from now
///    on an unlock tries the old key and then the new one;
/// 3. re-encrypt the database under the new key (one SQLite transaction; a crash inside it rolls
///    back to the old key) and check from a fresh connection that the file opens with it;
/// 4. record the new salt and parameters alone.
///
/// `stop` is called between the steps; an error from it (a test's crash) or from a step ends the
/// upgrade there, closing the database.
pub(crate) fn upgrade_kdf(
    profile: &Profile,
    mut database: Database,
    passphrase: &str,
    stop: &mut dyn FnMut(UpgradeStep) -> Result<(), AppError>,
) -> Result<Database, AppError> {
    let Some(KeySource::Passphrase { salt, kdf, .. }) = profile.key_source()? else {
        return Err(AppError::Conflict {
            message: "this profile does not use a passphrase".into(),
        });
    };
    let new_salt = DatabaseKey::generate_salt()?;
    let key = DatabaseKey::derive(passphrase, &new_salt, KdfParams::CURRENT)?;
    let new = PassphraseKey {
        salt: hex::encode(new_salt),
        kdf: KdfParams::CURRENT,
    };
    profile.set_key_source(&KeySource::Passphrase {
        salt,
        kdf,
        rekeying_to: Some(new.clone()),
    })?;
    stop(UpgradeStep::Recorded)?;
    database.rekey(&key)?;
    drop(key);
    stop(UpgradeStep::Rekeyed)?;
    profile.set_key_source(&KeySource::Passphrase {
        salt: new.salt,
        kdf: new.kdf,
        rekeying_to: None,
    })?;
    Ok(database)
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

    const OLD_PASSPHRASE: &str = "a passphrase from before";

    /// A profile made before the parameters were raised: its key derived with the old ones, its
    /// record naming no parameters (as such profiles' records do), and someone at the desk.
    fn old_profile() -> (
        tempfile::TempDir,
        Profile,
        holdfast_store::settings::LocalUser,
    ) {
        let (dir, profile) = profile();
        let salt = [5u8; SALT_BYTES];
        let key = DatabaseKey::derive(OLD_PASSPHRASE, &salt, KdfParams::BEFORE_RECORDED).unwrap();
        let mut database = Database::open(&profile.database_path(), &key).unwrap();
        let user = database
            .set_local_user(
                &holdfast_store::settings::LocalUserChange {
                    name: "Ana".into(),
                    roles: vec![holdfast_core::role::Role::Manager],
                },
                crate::clock::now(),
            )
            .unwrap();
        drop(database);
        std::fs::write(
            profile.dir().join("key-source.json"),
            format!(
                r#"{{"source":"passphrase","salt":"{}"}}"#,
                hex::encode(salt)
            ),
        )
        .unwrap();
        assert!(matches!(
            profile.key_source().unwrap(),
            Some(KeySource::Passphrase { kdf, .. }) if kdf == KdfParams::BEFORE_RECORDED
        ));
        (dir, profile, user)
    }

    fn old_key() -> DatabaseKey {
        DatabaseKey::derive(
            OLD_PASSPHRASE,
            &[5u8; SALT_BYTES],
            KdfParams::BEFORE_RECORDED,
        )
        .unwrap()
    }

    /// The profile's record names the current parameters alone, the passphrase opens it, and the
    /// person at the desk is still there.
    fn assert_upgraded(profile: &Profile, user: &holdfast_store::settings::LocalUser) {
        let Some(KeySource::Passphrase {
            salt,
            kdf,
            rekeying_to,
        }) = profile.key_source().unwrap()
        else {
            panic!("not a passphrase profile");
        };
        assert_eq!(kdf, KdfParams::CURRENT);
        assert_eq!(rekeying_to, None);
        assert_ne!(salt, hex::encode([5u8; SALT_BYTES]), "the salt is fresh");
        // The old key no longer opens the file.
        assert!(matches!(
            Database::check_key(&profile.database_path(), &old_key()),
            Err(StoreError::WrongKey)
        ));
        let opened = unlock_with_passphrase(profile, OLD_PASSPHRASE).unwrap();
        let database = opened.database.unwrap();
        assert_eq!(database.local_user().unwrap().as_ref(), Some(user));
    }

    #[test]
    fn an_old_passphrase_profile_is_re_keyed_with_the_current_parameters_on_unlock() {
        let (_dir, profile, user) = old_profile();
        let opened = unlock_with_passphrase(&profile, OLD_PASSPHRASE).unwrap();
        assert!(matches!(opened.status, SessionStatus::Unlocked { .. }));
        // The open database goes on working under its new key.
        let database = opened.database.unwrap();
        assert_eq!(database.local_user().unwrap().as_ref(), Some(&user));
        drop(database);
        assert_upgraded(&profile, &user);
    }

    #[test]
    fn an_upgrade_stopped_between_its_steps_leaves_a_profile_the_passphrase_opens() {
        for step in [UpgradeStep::Recorded, UpgradeStep::Rekeyed] {
            let (_dir, profile, user) = old_profile();
            let (database, kdf) = open_with_passphrase(&profile, OLD_PASSPHRASE).unwrap();
            assert_eq!(kdf, KdfParams::BEFORE_RECORDED);
            // The process dies at `step`: the upgrade goes no further and the database closes.
            let crashed = upgrade_kdf(&profile, database, OLD_PASSPHRASE, &mut |at| {
                if at == step {
                    Err(AppError::internal("killed"))
                } else {
                    Ok(())
                }
            });
            assert!(crashed.is_err(), "{step:?}");
            // The record names the old key and the new one; the file has one of them.
            assert!(
                matches!(
                    profile.key_source().unwrap(),
                    Some(KeySource::Passphrase { kdf, rekeying_to: Some(next), .. })
                        if kdf == KdfParams::BEFORE_RECORDED && next.kdf == KdfParams::CURRENT
                ),
                "{step:?}"
            );
            let old_opens = Database::check_key(&profile.database_path(), &old_key()).is_ok();
            assert_eq!(old_opens, step == UpgradeStep::Recorded, "{step:?}");
            // A wrong passphrase is still refused, and changes nothing.
            let before = profile.key_source().unwrap();
            assert!(matches!(
                unlock_with_passphrase(&profile, "not the passphrase at all"),
                Err(AppError::Validation { field, .. }) if field == "passphrase"
            ));
            assert_eq!(profile.key_source().unwrap(), before);
            // The next start: the passphrase opens it, and the upgrade is finished.
            let opened = unlock_with_passphrase(&profile, OLD_PASSPHRASE).unwrap();
            assert_eq!(
                opened.database.unwrap().local_user().unwrap().as_ref(),
                Some(&user),
                "{step:?}"
            );
            assert_upgraded(&profile, &user);
        }
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
