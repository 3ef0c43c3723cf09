//! The messages of the sync protocol, as JSON over HTTP. Every request carries the protocol and
//! schema versions in headers; a server that cannot serve them answers `upgrade_required`.
//!
//! - `POST /v1/session` signs in (`SignIn` → `Session`); `POST /v1/session/refresh` turns a refresh
//!   token into a new pair (`Refresh` → `Session`, the old refresh token is revoked; presenting
//!   a used refresh token again revokes every token of its session); `DELETE /v1/session`
//!   revokes the refresh token it is given (and its session). Token answers carry
//!   `Cache-Control: no-store`.
//! - `GET /v1/me` is the signed-in user as the server knows them (`Me`).
//! - `GET /v1/policy` is the organisation's published policy (`PublishedPolicy`).
//! - `POST /v1/push` takes pending commands in order (`PushRequest` → `PushResponse`).
//! - `GET /v1/pull?after=N&limit=M` returns events after the cursor (`PullResponse`).
//! - `GET /v1/version` is what the server is and serves (`ServerVersion`). It is the one `/v1`
//!   route that needs neither a token nor the version headers, so a desk of any release can ask
//!   it, and an operator can `curl` it. A server from before it answers 404.
//!
//! Errors are `ErrorBody` with an HTTP status that matches its kind.

use holdfast_core::account::AccountDraft;
use holdfast_core::record::EventRecord;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Raised whenever a message changes shape or meaning.
pub const PROTOCOL_VERSION: u32 = 3;
/// The request header carrying `PROTOCOL_VERSION`.
pub const PROTOCOL_HEADER: &str = "holdfast-protocol";
/// The request header carrying the client's local schema version (holdfast-store's migrations).
pub const SCHEMA_HEADER: &str = "holdfast-schema";

/// The most commands one push may carry, and the most events one pull returns.
pub const MAX_BATCH: usize = 1000;

/// The most accounts one `ImportAccounts` command may carry, and the most accounts the import
/// commands of one push carry together as the desk sends them. A desk splits a larger import
/// into consecutive commands of at most this many accounts (after checking the whole file), and
/// the server rejects a bigger command without writing any of it and commits a push in
/// transactions that each carry at most this many imported accounts: one chunk holds the
/// server's writer for a short while, and other organisations' pushes go between chunks.
pub const MAX_IMPORT_ACCOUNTS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub organisation: String,
    pub user: String,
    pub password: String,
}

/// The longest organisation or user name a sign-in may carry, in bytes (UTF-8); longer is a
/// `validation` error and nothing is recorded.
pub const MAX_SIGN_IN_NAME_BYTES: usize = 256;

/// The longest password a sign-in may carry, in bytes (UTF-8).
pub const MAX_SIGN_IN_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refresh {
    pub refresh_token: String,
}

/// A signed-in session: a short-lived access token for requests, and a refresh token to get the
/// next one. The desktop keeps both in the OS keyring only; in memory, the tokens are wiped when
/// the session is dropped and never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: Timestamp,
    pub refresh_token: String,
    pub refresh_expires_at: Timestamp,
    pub me: Me,
}

impl Drop for Session {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_token);
        zeroize::Zeroize::zeroize(&mut self.refresh_token);
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &"…")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"…")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("me", &self.me)
            .finish()
    }
}

/// The user as the server's own records have them: what the desk caches for offline use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub organisation: String,
    pub user: String,
    pub roles: Vec<Role>,
    pub active: bool,
    /// The server's public key for checkpoint signatures (hex Ed25519), pinned by the client on
    /// first sign-in.
    pub checkpoint_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPolicy {
    pub version: u32,
    /// The policy file as published (TOML); clients parse it with `holdfast-core`.
    pub source: String,
    pub published_at: Timestamp,
}

/// Commands decided on one device, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The device's id: one per desktop profile, drawn once.
    pub client_id: Uuid,
    pub commands: Vec<PushedCommand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushedCommand {
    /// Per client, from 1, without gaps: a command seen before is acknowledged with its first
    /// outcome and not applied again; a gap is an error.
    pub seq: u64,
    pub command: SyncCommand,
    /// When the user gave it, on the device's clock (shown, never trusted for ordering).
    pub decided_at: Timestamp,
}

/// What a pushed command does. The actor is never part of it: the server acts as the signed-in
/// user, with the roles its own records give that user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "target", rename_all = "snake_case")]
pub enum SyncCommand {
    /// A step of the case workflow, decided on the device against `base_version` (the number of
    /// events the case had).
    Case {
        case_id: Uuid,
        base_version: u64,
        command: CaseCommand,
    },
    /// Accounts from an import file, upserted by external id.
    ImportAccounts { accounts: Vec<AccountDraft> },
    /// Erase everything personal held about one customer (issue 14): the account's name and
    /// contacts and all of its cases' personal fields, on the server and, by sync, every desk.
    ErasePersonalData { account_id: Uuid },
}

impl SyncCommand {
    /// How many accounts the command imports (0 for a case command).
    pub fn imported_accounts(&self) -> usize {
        match self {
            SyncCommand::Case { .. } | SyncCommand::ErasePersonalData { .. } => 0,
            SyncCommand::ImportAccounts { accounts } => accounts.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per pushed command, in the same order.
    pub results: Vec<CommandResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandResult {
    pub seq: u64,
    pub outcome: CommandOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommandOutcome {
    /// Decided and recorded; its events come back through pull, tagged with this command.
    Applied,
    /// The engine refused it against the server's state (a role the user does not hold, a gate
    /// not met, an invalid field). Nothing was recorded for it but the rejection.
    Rejected { rejection: Rejection },
    /// A guarded step (finalize, accept or approve an offer, approve a refund, write off) was
    /// decided against a case that has moved since: it was not applied, and the conflict is
    /// recorded on the case for both users to see.
    Conflict {
        base_version: u64,
        server_version: u64,
        message: String,
    },
}

/// Why the server's engine refused a command, in the words the desk shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The field at fault, when the refusal concerns one.
    pub field: Option<String>,
    pub message: String,
}

impl Rejection {
    /// The server's answer to an import command carrying more than `MAX_IMPORT_ACCOUNTS`
    /// accounts (`None` within the bound). Nothing of such a command is imported.
    pub fn import_too_large(accounts: usize) -> Option<Rejection> {
        (accounts > MAX_IMPORT_ACCOUNTS).then(|| Rejection {
            field: Some("accounts".into()),
            message: format!(
                "one import command may carry at most {MAX_IMPORT_ACCOUNTS} accounts and this \
                 one carried {accounts}: none of them was imported; import the file again from \
                 an up-to-date desk, which sends it in parts"
            ),
        })
    }
}

impl From<&holdfast_core::CoreError> for Rejection {
    fn from(error: &holdfast_core::CoreError) -> Self {
        match error {
            holdfast_core::CoreError::Invalid { field, message } => Rejection {
                field: Some(field.clone()),
                message: message.clone(),
            },
            other => Rejection {
                field: None,
                message: other.to_string(),
            },
        }
    }
}

/// One event of the organisation's log, in the server's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedEvent {
    /// The organisation's counter, advanced inside the writing transaction: pull cursors count it.
    pub seq: u64,
    /// The event itself: the one record every log keeps (`holdfast_core::record`).
    pub record: EventRecord,
    /// The pushed command that produced it, so its client can drop that command from its outbox.
    pub origin: Option<CommandOrigin>,
    /// The server's chain hash after this event (hex SHA-256 over the previous hash and the
    /// record's canonical bytes at `seq`, as in `holdfast_core::audit`).
    pub chain_hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOrigin {
    pub client_id: Uuid,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub events: Vec<SyncedEvent>,
    /// Pull again from here.
    pub after: u64,
    /// More events wait beyond this page.
    pub more: bool,
    /// The newest checkpoint at or before the last event returned.
    pub checkpoint: Option<Checkpoint>,
    /// The organisation's last event number when the page was read (issue 12): a device holding
    /// more events than this knows the server was restored to an earlier point. Absent from
    /// servers before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<u64>,
}

/// The server's signature over its chain at `seq`: a client that has seen the chain up to `seq`
/// and finds a different hash there knows history was rewritten, and stops syncing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub chain_hash: String,
    /// Hex Ed25519 signature over `checkpoint_message(seq, chain_hash)`.
    pub signature: String,
}

/// The bytes a checkpoint's signature covers.
/// Defined in the core, so the audit export (`holdfast_core::audit_export`) checks the same bytes.
pub fn checkpoint_message(seq: u64, chain_hash: &str) -> Vec<u8> {
    holdfast_core::audit_export::checkpoint_message(seq, chain_hash)
}

/// The path of `ServerVersion`, relative to the server's address.
pub const VERSION_PATH: &str = "v1/version";

/// `GET /v1/version`: the server's release, the sync protocol it speaks and the schema versions
/// it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerVersion {
    /// The server's release (its package version, e.g. "0.1.0").
    pub server: String,
    /// The one sync protocol the server speaks (`PROTOCOL_VERSION` of its build).
    pub protocol: u32,
    /// The oldest desk schema (holdfast-store's migrations) it serves; older desks are told to
    /// upgrade.
    pub min_client_schema: u32,
    /// The schema its own database is migrated to on start (SQLite and PostgreSQL alike).
    pub database_schema: u32,
}

/// Every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorBody {
    /// The client speaks an older (or newer) protocol or schema than the server serves.
    #[error("upgrade required: {message}")]
    UpgradeRequired { message: String },
    /// No valid access token, or a wrong user name or password.
    #[error("{message}")]
    Unauthorized { message: String },
    /// The user is deactivated, or may not do this.
    #[error("{message}")]
    Forbidden { message: String },
    /// Too many failed sign-ins for this account or address; try again after `retry_after_secs`.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// A field of the request is invalid.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The pushed sequence numbers skip one: the client must push from `expected`.
    #[error("sequence gap: expected {expected}, got {got}")]
    SequenceGap { expected: u64, got: u64 },
    #[error("{message}")]
    NotFound { message: String },
    #[error("the request is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: u64 },
    #[error("{message}")]
    Internal { message: String },
    /// The server is at a limit of concurrent work (password checks, requests): nothing was
    /// done; send the same request again after `retry_after_secs` (HTTP 503, `Retry-After`).
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_after_secs: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_outcomes_are_tagged_json() {
        let pushed = PushedCommand {
            seq: 3,
            command: SyncCommand::Case {
                case_id: Uuid::nil(),
                base_version: 2,
                command: CaseCommand::Acknowledge {
                    channel: holdfast_core::policy::AcknowledgeChannel::Call,
                    note: "Called back".into(),
                },
            },
            decided_at: "2026-11-21T10:00:00Z".parse().unwrap(),
        };
        let json = serde_json::to_value(&pushed).unwrap();
        assert_eq!(json["command"]["target"], "case");
        assert_eq!(json["command"]["command"]["command"], "acknowledge");
        let back: PushedCommand = serde_json::from_value(json).unwrap();
        assert_eq!(back, pushed);

        let conflict = CommandOutcome::Conflict {
            base_version: 4,
            server_version: 6,
            message: "the case moved".into(),
        };
        assert_eq!(
            serde_json::to_value(&conflict).unwrap()["outcome"],
            "conflict"
        );
    }

    #[test]
    fn an_unknown_command_is_an_error_not_a_default() {
        let bad = serde_json::json!({"seq": 1, "decided_at": "2026-11-21T10:00:00Z",
            "command": {"target": "case", "case_id": Uuid::nil(), "base_version": 0,
                        "command": {"command": "delete_everything"}}});
        assert!(serde_json::from_value::<PushedCommand>(bad).is_err());
    }

    #[test]
    fn a_session_never_prints_its_tokens() {
        let session = Session {
            access_token: "access-secret-123".into(),
            access_expires_at: "2026-11-21T10:00:00Z".parse().unwrap(),
            refresh_token: "refresh-secret-456".into(),
            refresh_expires_at: "2026-12-21T10:00:00Z".parse().unwrap(),
            me: Me {
                organisation: "Billsbee".into(),
                user: "ann".into(),
                roles: Vec::new(),
                active: true,
                checkpoint_key: String::new(),
            },
        };
        let printed = format!("{session:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("Billsbee"));
    }
}
