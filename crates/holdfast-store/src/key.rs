//! The database key: 32 random bytes kept in the OS keyring, or derived from a passphrase with
//! Argon2id when no keyring is available. It lives in memory only and is wiped when dropped.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Result, StoreError};

pub const KEY_BYTES: usize = 32;
pub const SALT_BYTES: usize = 16;

/// The Argon2id cost of deriving a key from a passphrase, kept with the profile so that a
/// profile made with older parameters still opens, and new ones get the current ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// For new profiles: 64 MiB, 3 passes, 1 lane (OWASP's Argon2id guidance for a key that
    /// guards a whole database, above the crate's interactive-login default).
    pub const CURRENT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// What profiles made before the parameters were recorded used: the argon2 crate's default
    /// (19 MiB, 2 passes, 1 lane).
    pub const BEFORE_RECORDED: KdfParams = KdfParams {
        memory_kib: argon2::Params::DEFAULT_M_COST,
        iterations: argon2::Params::DEFAULT_T_COST,
        parallelism: argon2::Params::DEFAULT_P_COST,
    };
}

// Issue 12's floor for the passphrase fallback: at least 64 MiB and 3 passes.
const _: () =
    assert!(KdfParams::CURRENT.memory_kib >= 64 * 1024 && KdfParams::CURRENT.iterations >= 3);

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DatabaseKey([u8; KEY_BYTES]);

impl DatabaseKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        Ok(DatabaseKey(bytes))
    }

    /// The key one-time codes are sealed with on this profile, derived from this key so that no
    /// other secret needs keeping (a code outlives no change of the database key: it lasts
    /// minutes).
    pub fn one_time_code_key(&self) -> holdfast_core::workflow::CodeKey {
        holdfast_core::workflow::CodeKey::derive("device", &self.0, b"one-time codes")
    }

    /// The key as hex, the form in which it is kept in the keyring; wiped when dropped.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    pub fn from_hex(text: &str) -> Result<Self> {
        let mut bytes = [0u8; KEY_BYTES];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| {
            StoreError::Corrupt("the stored database key is not 64 hex digits".into())
        })?;
        Ok(DatabaseKey(bytes))
    }

    /// Derives a key from a passphrase with Argon2id and `params` (the profile's). The salt is
    /// not secret and is kept beside the database.
    pub fn derive(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<Self> {
        let argon_params = argon2::Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(KEY_BYTES),
        )
        .map_err(|e| StoreError::KeyDerivation(e.to_string()))?;
        let mut bytes = [0u8; KEY_BYTES];
        argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon_params,
        )
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
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", self.to_hex().as_str()))
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
        let derive = |passphrase: &str, salt: &[u8], params: KdfParams| {
            DatabaseKey::derive(passphrase, salt, params)
                .unwrap()
                .to_hex()
        };
        let one = derive("correct horse", &salt, KdfParams::CURRENT);
        assert_eq!(one, derive("correct horse", &salt, KdfParams::CURRENT));
        assert_ne!(one, derive("correct horsf", &salt, KdfParams::CURRENT));
        assert_ne!(
            one,
            derive("correct horse", &[8u8; SALT_BYTES], KdfParams::CURRENT)
        );
        // The cost is part of the key: a profile opens only with the parameters it was made with.
        assert_ne!(
            one,
            derive("correct horse", &salt, KdfParams::BEFORE_RECORDED)
        );
    }

    #[test]
    fn new_profiles_use_at_least_64_mib_and_3_passes() {
        assert_eq!(
            KdfParams::CURRENT,
            KdfParams {
                memory_kib: 65_536,
                iterations: 3,
                parallelism: 1
            }
        );
        // Profiles made before the parameters were recorded keep opening with the old ones.
        assert_eq!(
            KdfParams::BEFORE_RECORDED,
            KdfParams {
                memory_kib: 19 * 1024,
                iterations: 2,
                parallelism: 1
            }
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = DatabaseKey::generate().unwrap();
        assert!(!format!("{key:?}").contains(key.to_hex().as_str()));
    }
}
