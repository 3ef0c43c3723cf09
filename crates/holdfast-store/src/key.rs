//! The database key: 32 random bytes kept in the OS keyring, or derived from a passphrase with
//! Argon2id when no keyring is available. It lives in memory only and is wiped when dropped.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Result, StoreError};

pub const KEY_BYTES: usize = 32;
pub const SALT_BYTES: usize = 16;

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DatabaseKey([u8; KEY_BYTES]);

impl DatabaseKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        Ok(DatabaseKey(bytes))
    }

    /// The key as hex, the form in which it is kept in the keyring.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Result<Self> {
        let mut bytes = [0u8; KEY_BYTES];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| {
            StoreError::Corrupt("the stored database key is not 64 hex digits".into())
        })?;
        Ok(DatabaseKey(bytes))
    }

    /// Derives a key from a passphrase with Argon2id (the crate's default, OWASP-recommended
    /// parameters). The salt is not secret and is kept beside the database.
    pub fn derive(passphrase: &str, salt: &[u8]) -> Result<Self> {
        let mut bytes = [0u8; KEY_BYTES];
        argon2::Argon2::default()
            .hash_password_into(passphrase.as_bytes(), salt, &mut bytes)
            .map_err(|e| StoreError::KeyDerivation(e.to_string()))?;
        Ok(DatabaseKey(bytes))
    }

    pub fn generate_salt() -> Result<[u8; SALT_BYTES]> {
        let mut salt = [0u8; SALT_BYTES];
        getrandom::fill(&mut salt).map_err(|e| StoreError::Random(e.to_string()))?;
        Ok(salt)
    }

    /// The SQLCipher raw-key literal (`x'…'`), which skips SQLCipher's own key derivation since
    /// the key is already 256 random or Argon2id-derived bits.
    pub(crate) fn sqlcipher_literal(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_and_round_trip_through_hex() {
        let a = DatabaseKey::generate().unwrap();
        let b = DatabaseKey::generate().unwrap();
        assert_ne!(a.to_hex(), b.to_hex());
        assert_eq!(
            DatabaseKey::from_hex(&a.to_hex()).unwrap().to_hex(),
            a.to_hex()
        );
        assert!(DatabaseKey::from_hex("abc").is_err());
    }

    #[test]
    fn derivation_depends_on_passphrase_and_salt() {
        let salt = [7u8; SALT_BYTES];
        let one = DatabaseKey::derive("correct horse", &salt).unwrap();
        assert_eq!(
            one.to_hex(),
            DatabaseKey::derive("correct horse", &salt)
                .unwrap()
                .to_hex()
        );
        assert_ne!(
            one.to_hex(),
            DatabaseKey::derive("correct horsf", &salt)
                .unwrap()
                .to_hex()
        );
        assert_ne!(
            one.to_hex(),
            DatabaseKey::derive("correct horse", &[8u8; SALT_BYTES])
                .unwrap()
                .to_hex()
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = DatabaseKey::generate().unwrap();
        assert!(!format!("{key:?}").contains(&key.to_hex()));
    }
}
