//! Secrets in the OS keyring (Secret Service, Keychain, Credential Manager), behind a small trait
//! so the unlocking logic can be tested without a desktop. Refuses keyring's in-memory mock: a key
//! "stored" there is lost when the app quits, and with it every customer record.

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
