//! Verifying the organisation's log as it is pulled: each event's chain hash must continue the
//! chain the device holds (`holdfast_core::audit`, with `seq` = the organisation's counter), and a
//! checkpoint must carry the pinned server key's Ed25519 signature.

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use holdfast_core::audit::ChainHash;

use crate::protocol::{checkpoint_message, Checkpoint, SyncedEvent};

/// The hash `event` must carry when it follows `previous`.
pub fn expected_hash(previous: &ChainHash, event: &SyncedEvent) -> ChainHash {
    ChainHash::link(previous, event.seq, &event.record)
}

/// A hex chain hash as the protocol carries it; `None` when it is not 32 hex bytes.
pub fn parse_hash(hex_hash: &str) -> Option<ChainHash> {
    hex::decode(hex_hash)
        .ok()
        .and_then(|bytes| ChainHash::from_slice(&bytes))
}

/// The pinned server key, parsed; `None` when it is not a hex Ed25519 public key.
pub fn parse_key(public_key_hex: &str) -> Option<VerifyingKey> {
    hex::decode(public_key_hex)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
}

/// Whether `checkpoint` carries `key`'s signature over its `(seq, chain_hash)`.
pub fn signed_by(key: &VerifyingKey, checkpoint: &Checkpoint) -> bool {
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
