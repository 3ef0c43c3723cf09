//! The client's sync engine (DESIGN §5), as pure, storage-agnostic logic: no IO, no async, no
//! clock. The desktop keeps a `Replica` in its store (`Replica::save`/`restore`) and a transport
//! carries its messages. One sync round is:
//!
//! 1. `next_push` → send the `PushRequest` → `on_push_response` with the answer (sending the same
//!    request again after a lost answer is safe: the server answers a command it has seen with
//!    its first outcome);
//! 2. pull after `cursor` → `apply_pull` with each page, while `more`.
//!
//! Between rounds the user works offline: `decide` (and `import_accounts`) decide locally with
//! `holdfast-core` against `view` (the confirmed log with the outbox's expected events laid over
//! it) and queue the command with the next sequence number and the case version it was decided
//! against. Every push answer and pulled page rebases the outbox: each pending command is decided
//! again, in order, exactly as the server will decide it (`judge`). Rejections and conflicts are
//! `notifications`; conflicts also reach the case, through the server's `conflict_recorded` event.

mod chain;
mod error;
mod judge;
mod replica;
#[cfg(test)]
mod tests;

pub use chain::expected_hash;
pub use error::{ClientError, Tampering};
pub use judge::{account_facts, Context, Expected, KnownUsers};
pub use replica::{
    Notification, PendingCommand, Problem, PullSummary, Replica, ACCOUNT, ACCOUNT_UPSERTED, CASE,
    CONFLICT_RECORDED,
};
