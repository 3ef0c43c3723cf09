//! Secrets in the OS keyring (Secret Service, Keychain, Credential Manager), behind small traits
//! (`SecretStore` for one secret, `SecretVault` for where they are kept) so the unlocking logic and
//! the app's state can be built in tests without a desktop. The app itself only ever uses
//! `OsKeyring`, which refuses keyring's in-memory mock: a key "stored" there is lost when the app
//! quits, and with it every customer record. `memory` (tests only) keeps secrets in a map.

use std::sync::Arc;

use keyring::credential::CredentialPersistence;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No keyring service answers (no Secret Service running, access refused).
    #[error("the OS keyring is not available: {0}")]
    Unavailable(String),
    /// This build would keep secrets in memory only.
    #[error("this build of Holdfast has no OS keyring backend; secrets would be lost on exit")]
    NoPersistentBackend,
    #[error("the OS keyring failed: {0}")]
    Failed(String),
}

/// One secret: read it, or store it.
pub trait SecretStore: Send + Sync {
    fn read(&self) -> Result<Option<String>, SecretError>;
    fn write(&self, secret: &str) -> Result<(), SecretError>;
    /// Removes the secret; removing one that is not there is not an error.
    fn delete(&self) -> Result<(), SecretError>;
}

/// Where the app keeps its secrets: one entry per account name (the database key of a profile,
/// its sync session). The running app passes `OsKeyring`; tests pass `memory::MemoryVault`.
pub trait SecretVault: Send + Sync {
    fn entry(&self, user: &str) -> Result<Arc<dyn SecretStore>, SecretError>;
}

/// The OS keyring, under the app's service name.
pub struct OsKeyring;

impl SecretVault for OsKeyring {
    fn entry(&self, user: &str) -> Result<Arc<dyn SecretStore>, SecretError> {
        let secret = KeyringSecret::new(crate::profile::KEYRING_SERVICE, user)?;
        Ok(Arc::new(secret))
    }
}

pub struct KeyringSecret {
    entry: keyring::Entry,
}

impl KeyringSecret {
    pub fn new(service: &str, user: &str) -> Result<Self, SecretError> {
        let persistence = keyring::default::default_credential_builder().persistence();
        if matches!(
            persistence,
            CredentialPersistence::EntryOnly | CredentialPersistence::ProcessOnly
        ) {
            return Err(SecretError::NoPersistentBackend);
        }
        let entry = keyring::Entry::new(service, user).map_err(classify)?;
        Ok(KeyringSecret { entry })
    }
}

impl SecretStore for KeyringSecret {
    fn read(&self) -> Result<Option<String>, SecretError> {
        match self.entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(classify(other)),
        }
    }

    fn write(&self, secret: &str) -> Result<(), SecretError> {
        self.entry.set_password(secret).map_err(classify)
    }

    fn delete(&self) -> Result<(), SecretError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(other) => Err(classify(other)),
        }
    }
}

fn classify(error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            SecretError::Unavailable(error.to_string())
        }
        other => SecretError::Failed(other.to_string()),
    }
}

/// Secrets in a map, for tests that build the app's state without a desktop keyring. Compiled
/// into test builds only, so the app cannot end up keeping a database key in memory.
#[cfg(test)]
pub mod memory {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use super::{SecretError, SecretStore, SecretVault};

    /// A vault whose entries live as long as it does; `unavailable` behaves like a machine with no
    /// Secret Service.
    #[derive(Default)]
    pub struct MemoryVault {
        unavailable: bool,
        entries: Mutex<HashMap<String, Arc<MemorySecret>>>,
    }

    impl MemoryVault {
        pub fn unavailable() -> Self {
            MemoryVault {
                unavailable: true,
                ..MemoryVault::default()
            }
        }
    }

    impl SecretVault for MemoryVault {
        fn entry(&self, user: &str) -> Result<Arc<dyn SecretStore>, SecretError> {
            if self.unavailable {
                return Err(SecretError::Unavailable("no Secret Service".into()));
            }
            let mut entries = self.entries.lock().unwrap();
            let entry = entries.entry(user.to_owned()).or_default();
            Ok(Arc::clone(entry) as Arc<dyn SecretStore>)
        }
    }

    #[derive(Default)]
    pub struct MemorySecret(Mutex<Option<String>>);

    impl SecretStore for MemorySecret {
        fn read(&self) -> Result<Option<String>, SecretError> {
            Ok(self.0.lock().unwrap().clone())
        }
        fn write(&self, secret: &str) -> Result<(), SecretError> {
            *self.0.lock().unwrap() = Some(secret.to_owned());
            Ok(())
        }
        fn delete(&self) -> Result<(), SecretError> {
            *self.0.lock().unwrap() = None;
            Ok(())
        }
    }
}
