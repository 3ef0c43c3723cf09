//! The client engine's errors: a command the engine refuses on this device, a server answer that
//! does not fit what the device holds, and history that was rewritten (which stops syncing).

use holdfast_core::CoreError;
use serde::{Deserialize, Serialize};

/// Why a pulled page proves the server's history is not the one this device verified. Any of
/// these stops syncing for good: the replica keeps the reason (it is saved with it) and refuses
/// every further push and pull, so nobody builds on a history that changed under them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tampering {
    /// A signed checkpoint names a chain hash at an event this device already verified, and the
    /// hashes differ.
    #[error(
        "history was rewritten under a signed checkpoint: the server's checkpoint at event {seq} \
         does not match the chain this device verified"
    )]
    CheckpointMismatch { seq: u64 },
    /// An event this device already holds came back different.
    #[error(
        "history was rewritten under a signed checkpoint: event {seq} differs from the one this \
         device verified"
    )]
    EventChanged { seq: u64 },
    /// The next event does not continue the chain this device verified: the server's history
    /// before it is not the one this device holds.
    #[error(
        "history was rewritten under a signed checkpoint: event {seq} does not continue the chain \
         this device verified"
    )]
    ChainBroken { seq: u64 },
    /// A checkpoint not signed by the key pinned at first sign-in.
    #[error(
        "the checkpoint at event {seq} is not signed by the server key this device pinned: the \
         server is not the one this device first synced with"
    )]
    BadSignature { seq: u64 },
    /// The server's log ends before events this device already verified (issue 12): the server
    /// was restored to an earlier point (a backup), and what it acknowledged after that point is
    /// gone from it. Syncing stops so nothing is built on the shorter history; the person exports
    /// their pending work (`holdfast_store::Database::export_pending_work`) and joins again.
    #[error(
        "the server was restored to an earlier point: its log ends at event {server_head}, but \
         this device already holds events up to {device_head}. Export your pending work and join \
         the organisation again"
    )]
    ServerRestored { server_head: u64, device_head: u64 },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The engine refuses the command against this device's view of the case; nothing was queued.
    #[error("{0}")]
    Refused(CoreError),
    /// This device stopped syncing because the server's history changed (see `Tampering`).
    #[error("this device stopped syncing: {0}")]
    HistoryRewritten(Tampering),
    /// A server answer that does not fit what the device holds (a page that skips events, a
    /// checkpoint beyond the page); nothing of it was applied. Retrying the pull from
    /// `Replica::cursor` is safe.
    #[error("the server's answer does not fit this device's log: {0}")]
    Protocol(String),
    /// A pulled event this version of Holdfast cannot read; nothing of its page was applied. The
    /// app must be upgraded before it can sync further (events are never skipped or misread).
    #[error(
        "event {seq} cannot be read by this version of Holdfast ({message}); upgrade required"
    )]
    UnreadableEvent { seq: u64, message: String },
    /// The pinned checkpoint key is not a hex Ed25519 public key.
    #[error("the server's checkpoint key is not a valid Ed25519 public key")]
    InvalidCheckpointKey,
    /// A saved replica that cannot be restored (unreadable, or its log no longer verifies).
    #[error("the saved sync state cannot be restored: {0}")]
    Restore(String),
}
