//! Signed checkpoints of an organisation's chain: the server signs `(seq, chain_hash)` with its
//! Ed25519 key (kept in the database, so every instance signs alike), and a client that later
//! finds a different hash at a signed `seq` knows history was rewritten.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use holdfast_core::workflow::CodeKey;
use holdfast_sync::protocol::{checkpoint_message, Checkpoint};

use crate::error::{Result, ServerError};
use crate::store::ServerStore;

/// The server's checkpoint signer.
#[derive(Clone)]
pub struct CheckpointSigner {
    key: SigningKey,
}

impl CheckpointSigner {
    /// The key the database holds, creating it on first use. Servers before issue 12 kept their
    /// key there; `holdfast-server serve` now keeps it in a key file outside the database
    /// (`crate::signing_key::open_signer`, which moves an old database's key out once). This
    /// stays for tests and embedders that run several in-process instances on one database.
    pub async fn load(store: &dyn ServerStore) -> Result<CheckpointSigner> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh)
            .map_err(|error| ServerError::Task(format!("no randomness for a key: {error}")))?;
        let secret = store.signing_key_or_insert(fresh).await?;
        Ok(CheckpointSigner {
            key: SigningKey::from_bytes(&secret),
        })
    }

    /// A signer with this secret key (from the key file: `crate::signing_key`).
    pub fn from_secret(secret: [u8; 32]) -> CheckpointSigner {
        CheckpointSigner {
            key: SigningKey::from_bytes(&secret),
        }
    }

    /// The key an organisation's one-time codes are sealed with, derived from this secret so it
    /// lives where the signing key lives, outside the database: a stolen database or backup
    /// holds digests nobody can test guesses against. Changing the signing key invalidates the
    /// codes outstanding (they last minutes; the person sends a new one).
    pub fn one_time_code_key(&self, organisation_id: uuid::Uuid) -> CodeKey {
        let secret = zeroize::Zeroizing::new(self.key.to_bytes());
        CodeKey::derive("server", secret.as_slice(), organisation_id.as_bytes())
    }

    /// The public key, hex: what `Me::checkpoint_key` carries and clients pin.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    pub fn sign(&self, seq: u64, chain_hash: &str) -> Checkpoint {
        let signature = self.key.sign(&checkpoint_message(seq, chain_hash));
        Checkpoint {
            seq,
            chain_hash: chain_hash.to_owned(),
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// Whether `checkpoint` was signed by the key `public_key_hex`.
pub fn verify_checkpoint(public_key_hex: &str, checkpoint: &Checkpoint) -> bool {
    let Some(key) = hex::decode(public_key_hex)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
    else {
        return false;
    };
    let Some(signature) = hex::decode(&checkpoint.signature)
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| Signature::from_bytes(&bytes))
    else {
        return false;
    };
    key.verify(
        &checkpoint_message(checkpoint.seq, &checkpoint.chain_hash),
        &signature,
    )
    .is_ok()
}
