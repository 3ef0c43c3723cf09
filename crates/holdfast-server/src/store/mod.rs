//! Everything the server keeps, behind one storage trait (`ServerStore`) that each backend
//! implements: SQLite (`sqlite`, the default, one file in a data directory) and PostgreSQL
//! (`postgres`, for several instances behind a load balancer). The server holds nothing in memory
//! that another instance needs, so several instances can share one database.
//!
//! The trait is backend-neutral: no driver types appear in it. The rules for a pushed command
//! live in `crate::push` as pure functions over loaded data; a backend loads that data, calls
//! them and writes their `Decision` inside ONE transaction per command, so every backend decides
//! identically. The schema a backend must provide is described by `migrations/0001_server.sql`
//! (SQLite dialect); `migrations/postgres/` mirrors its tables and constraints.
//!
//! Times are UTC `Timestamp`s. Token values never reach the store, only their SHA-256
//! (`TokenHash`).

mod columns;
pub mod durable;
pub mod postgres;
pub mod sqlite;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite_authz;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite_durable;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite_heads_ups;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite_import;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite_signin;
#[cfg(any(test, feature = "test-suite"))]
pub mod suite_trust;

use async_trait::async_trait;
use holdfast_core::account::AccountDraft;
use holdfast_core::role::Role;
use holdfast_sync::protocol::{
    Checkpoint, CommandOutcome, PublishedPolicy, PushedCommand, SyncedEvent,
};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::Result;

/// A heads-up delivery to queue (issue 16): built by `crate::heads_ups` from an event of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedHeadsUp {
    /// `holdfast_core::heads_up::delivery_id` of the subscription and the event.
    pub id: Uuid,
    pub subscription: String,
    pub event_id: Uuid,
    /// The event's place in the organisation's log (deliveries due together go in this order).
    pub event_seq: u64,
    pub kind: String,
    pub case_id: Uuid,
    pub body: String,
}

/// A queued delivery claimed for an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedHeadsUp {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub subscription: String,
    pub kind: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// An organisation: the unit that shares one event log, one policy and one set of users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: Uuid,
    /// Unique; what users type at sign-in.
    pub name: String,
    pub created_at: Timestamp,
}

/// A user as the server's own records have them. The roles and the active flag decide what the
/// user's pushed commands may do; nothing the client says overrides them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// Unique within the organisation; the actor name events record.
    pub name: String,
    /// Sorted, without duplicates.
    pub roles: Vec<Role>,
    pub active: bool,
    /// Argon2id, in the PHC string format (it carries its own parameters and salt).
    pub password_hash: String,
}

/// A new user, as an admin adds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub organisation_id: Uuid,
    pub name: String,
    pub roles: Vec<Role>,
    pub password_hash: String,
}

/// SHA-256 of a bearer token: what the store keeps instead of the token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenHash({}…)", &hex::encode(self.0)[..8])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Short-lived; authorises requests.
    Access,
    /// Long-lived; turned into a new pair once, then revoked.
    Refresh,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

/// A token to store for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub hash: TokenHash,
    pub kind: TokenKind,
    pub expires_at: Timestamp,
}

/// An access token and a refresh token issued together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access: NewToken,
    pub refresh: NewToken,
}

/// Failed sign-ins of one subject inside a time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    pub count: u32,
    /// The oldest failure inside the window: the limit lifts when it leaves the window.
    pub oldest: Option<Timestamp>,
}

/// The three subjects one sign-in attempt is counted against (see `auth::sign_in_refusal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptSubjects {
    /// `user:<org>/<name>`: the account, from every address.
    pub user: String,
    /// `pair:<org>/<name>@<address>`: the account from this address.
    pub pair: String,
    /// `addr:<address>`: this address, against every account.
    pub address: String,
}

/// How many failures inside the window each subject may have (`AuthConfig` holds the numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures of one account from one address: that address may no longer try that account.
    pub per_user_address: u32,
    /// Failures from one address against any account: that address may no longer try at all.
    pub per_address: u32,
    /// Failures of one account from everywhere: from then on only addresses with no failure
    /// for the account inside the window may try it.
    pub per_user: u32,
    /// Failures of one account from everywhere: from then on nobody may try it until the window
    /// moves on (the NIST SP 800-63B ceiling of 100 by default).
    pub per_user_ceiling: u32,
}

/// The failures of an attempt's three subjects inside the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptWindows {
    pub user: FailureWindow,
    pub pair: FailureWindow,
    pub address: FailureWindow,
}

/// What `reserve_sign_in_attempt` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The attempt is recorded as a failure of each subject (under this id) until
    /// `sign_in_attempt_succeeded` removes it: the password may be checked.
    Reserved(Uuid),
    /// A limit is reached; nothing was recorded. It lifts at about `lifts_at`.
    Refused { lifts_at: Timestamp },
}

/// A session: the token family one sign-in started, with every pair rotated from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub created_at: Timestamp,
    /// The sign-in, or the last refresh.
    pub last_used_at: Timestamp,
    /// When its newest refresh token expires.
    pub expires_at: Timestamp,
}

/// A page of the organisation's log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    /// In the order of the organisation's counter.
    pub events: Vec<SyncedEvent>,
    /// More events follow the last one returned.
    pub more: bool,
}

/// An account as the server keeps it: its id derives from the external id
/// (`holdfast_core::account::account_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: Uuid,
    pub draft: AccountDraft,
    /// The account aggregate's version: how many events it has (imports and erasures).
    pub version: u64,
}

/// What the server keeps. Every method is one transaction. Errors are `ServerError`s; a backend
/// maps its driver's errors to `ServerError::Database` and unreadable rows to `Corrupt`.
#[async_trait]
pub trait ServerStore: Send + Sync + 'static {
    // ---- organisations ----

    /// Creates an organisation; `AlreadyExists` when the name is taken.
    async fn create_organisation(&self, name: &str, now: Timestamp) -> Result<Organisation>;
    async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>>;
    async fn organisation(&self, id: Uuid) -> Result<Option<Organisation>>;

    // ---- users ----

    /// Adds an active user; `AlreadyExists` when the organisation has one by that name.
    async fn add_user(&self, user: NewUser, now: Timestamp) -> Result<UserRecord>;
    async fn user(&self, id: Uuid) -> Result<Option<UserRecord>>;
    async fn user_by_name(&self, organisation_id: Uuid, name: &str) -> Result<Option<UserRecord>>;
    /// Activates or deactivates a user (`NotFound` for an unknown one). A deactivated user keeps
    /// their tokens, but every push is refused and no new session is issued.
    async fn set_user_active(&self, user_id: Uuid, active: bool) -> Result<UserRecord>;
    /// Replaces the user's roles (`NotFound` for an unknown user).
    async fn set_user_roles(&self, user_id: Uuid, roles: &[Role]) -> Result<UserRecord>;
    /// Replaces the password hash and revokes every token and session of the user, in one
    /// transaction.
    async fn set_password_hash(
        &self,
        user_id: Uuid,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<UserRecord>;

    // ---- tokens ----

    /// Stores a freshly issued pair for the user, as a new session (token family).
    async fn insert_tokens(&self, user_id: Uuid, pair: &TokenPair, now: Timestamp) -> Result<()>;
    /// The user a token of `kind` belongs to, when it is neither expired nor revoked at `now`.
    async fn token_user(
        &self,
        hash: &TokenHash,
        kind: TokenKind,
        now: Timestamp,
    ) -> Result<Option<UserRecord>>;
    /// Revokes a token; false when it was unknown or already revoked. Revoking a refresh token
    /// ends its whole session (every token of its family); an access token goes alone.
    async fn revoke_token(&self, hash: &TokenHash, now: Timestamp) -> Result<bool>;
    /// In one transaction: when `old` is a live refresh token, revokes it, stores `new` for its
    /// user and returns the user; otherwise changes nothing and returns `None`. Two concurrent
    /// uses of one refresh token give one new pair, never two. The new pair joins the old one's
    /// session. A refresh token that was already used or revoked revokes its whole session
    /// (reuse means it was copied: the thief's chain and the user's stop alike) and returns
    /// `None`.
    async fn rotate_refresh_token(
        &self,
        old: &TokenHash,
        new: &TokenPair,
        now: Timestamp,
    ) -> Result<Option<UserRecord>>;

    // ---- failed sign-ins (rate limiting across instances) ----

    /// Records one failed sign-in for each subject (e.g. `user:<org>/<name>`, `addr:<ip>`).
    async fn record_sign_in_failure(&self, subjects: &[String], at: Timestamp) -> Result<()>;
    /// The failures of `subject` at or after `since`.
    async fn sign_in_failures(&self, subject: &str, since: Timestamp) -> Result<FailureWindow>;
    /// Forgets a subject's failures (after a successful sign-in).
    async fn clear_sign_in_failures(&self, subject: &str) -> Result<()>;
    /// Forgets failures older than `before` (housekeeping).
    async fn prune_sign_in_failures(&self, before: Timestamp) -> Result<u64>;

    // ---- sign-in attempts and sessions (issue 12) ----

    /// In ONE transaction (serialised against concurrent attempts on the same subjects): reads
    /// the failures of the three subjects at or after `now - window`, asks
    /// `auth::sign_in_refusal` whether the limits allow one more attempt, and if so records one
    /// failure row per subject under a fresh attempt id BEFORE the password is checked. N parallel
    /// attempts against a limit of L get at most L reservations.
    async fn reserve_sign_in_attempt(
        &self,
        subjects: &AttemptSubjects,
        limits: &SignInLimits,
        window: jiff::SignedDuration,
        now: Timestamp,
    ) -> Result<Admission>;
    /// The password was right: forgets the attempt's rows, and the earlier failures of the same
    /// account from the same address (its `pair` and `user` rows). The address's other failures
    /// and the account's failures from other addresses stay.
    async fn sign_in_attempt_succeeded(
        &self,
        subjects: &AttemptSubjects,
        attempt: Uuid,
    ) -> Result<()>;
    /// The user's live sessions (neither revoked nor expired at `now`), oldest first.
    async fn user_sessions(&self, user_id: Uuid, now: Timestamp) -> Result<Vec<SessionRecord>>;
    /// Revokes one session of the user (`Some(id)`) or all of them (`None`), with every token in
    /// them; the number of sessions revoked (0 for an unknown or already revoked one).
    async fn revoke_sessions(
        &self,
        user_id: Uuid,
        session: Option<Uuid>,
        now: Timestamp,
    ) -> Result<u64>;

    // ---- policies ----

    /// Publishes a policy (already parsed and validated by the caller) with its version; a
    /// version not greater than the current one is `PolicyVersion`.
    async fn publish_policy(
        &self,
        organisation_id: Uuid,
        version: u32,
        source: &str,
        now: Timestamp,
    ) -> Result<PublishedPolicy>;
    /// The organisation's newest published policy.
    async fn current_policy(&self, organisation_id: Uuid) -> Result<Option<PublishedPolicy>>;

    // ---- push ----

    /// Decides and records one pushed command, in ONE transaction: re-reads the user
    /// (`Inactive` when deactivated), answers the stored outcome of a `(client_id, seq)` seen
    /// before without applying anything, refuses a gap (`SequenceGap`), loads what
    /// `crate::push` needs, calls it, and writes its `Decision`: the events (each with the next
    /// value of the organisation's counter and chain hash), the read models and the outcome.
    async fn push_command(
        &self,
        user_id: Uuid,
        client_id: Uuid,
        command: &PushedCommand,
        now: Timestamp,
    ) -> Result<CommandOutcome>;

    /// A whole push, in order, in ONE transaction: each command exactly as `push_command` decides
    /// it, against the state the commands before it left. One commit (and, on PostgreSQL, one
    /// hold of the counter's row lock) per push instead of per command; an error rolls the whole
    /// push back, and the client sends it again.
    async fn push_batch(
        &self,
        user_id: Uuid,
        client_id: Uuid,
        commands: &[PushedCommand],
        now: Timestamp,
    ) -> Result<Vec<CommandOutcome>>;

    // ---- pull ----

    /// Up to `limit` events with `seq > after`, in counter order.
    async fn events_after(
        &self,
        organisation_id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<EventPage>;
    /// The organisation's head: last counter value and its chain hash (`None` while empty).
    async fn head(&self, organisation_id: Uuid) -> Result<Option<(u64, [u8; 32])>>;
    /// An account as the server knows it (the read model `AccountFacts` is built from).
    async fn account(
        &self,
        organisation_id: Uuid,
        account_id: Uuid,
    ) -> Result<Option<AccountRecord>>;
    /// Records and carries out the server's own erasure (the policy's retention period,
    /// `crate::retention`), in one transaction: the event chained at the head, the events it
    /// covers erased, the account's row erased when it is covered. False (nothing written) when
    /// the organisation has no published policy or no such account.
    async fn record_retention_erasure(
        &self,
        organisation_id: Uuid,
        erasure: &holdfast_core::erasure::Erasure,
        now: Timestamp,
    ) -> Result<bool>;
    /// Every organisation's id, for the work the server does on its own (retention).
    async fn organisation_ids(&self) -> Result<Vec<Uuid>>;

    // ---- heads-ups (issue 16) ----

    /// Where the organisation's heads-ups have read its log up to (`None` before the first
    /// round).
    async fn heads_up_cursor(&self, organisation_id: Uuid) -> Result<Option<u64>>;
    /// The account a case belongs to (the read model), for a heads-up's account external id.
    async fn case_account_id(&self, organisation_id: Uuid, case_id: Uuid) -> Result<Option<Uuid>>;
    /// In ONE transaction: queues `deliveries` (one already queued under the same id is left as
    /// it is) and moves the organisation's cursor to `cursor` (never back); how many were new.
    async fn queue_heads_ups(
        &self,
        organisation_id: Uuid,
        deliveries: &[QueuedHeadsUp],
        cursor: u64,
        now: Timestamp,
    ) -> Result<usize>;
    /// Claims up to `limit` pending deliveries due at `now`, every organisation's, earliest due
    /// first then in log order: each is leased until `now + lease` (no other instance claims it
    /// meanwhile; one whose attempt is never recorded is claimed again after the lease).
    async fn claim_heads_ups(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: usize,
    ) -> Result<Vec<ClaimedHeadsUp>>;
    /// Records an attempt at a pending delivery made at `now`: delivered, to be tried again after
    /// the core's backoff, or failed (`holdfast_core::heads_up::after_attempt`). `NotFound`
    /// when no pending delivery has that id.
    async fn record_heads_up_attempt(
        &self,
        id: Uuid,
        attempt: &holdfast_core::heads_up::Attempt,
        now: Timestamp,
    ) -> Result<holdfast_core::heads_up::DeliveryStatus>;
    /// The organisation's delivery log, newest first: up to `limit` deliveries.
    async fn heads_up_deliveries(
        &self,
        organisation_id: Uuid,
        limit: usize,
    ) -> Result<Vec<holdfast_core::heads_up::Delivery>>;

    // ---- checkpoints and the signing key ----

    /// Keeps a signed checkpoint; storing the same `(organisation, seq)` twice keeps the first.
    async fn record_checkpoint(&self, organisation_id: Uuid, checkpoint: &Checkpoint)
        -> Result<()>;
    /// The newest checkpoint at or before `seq`.
    async fn checkpoint_at_or_before(
        &self,
        organisation_id: Uuid,
        seq: u64,
    ) -> Result<Option<Checkpoint>>;
    /// Up to `limit` checkpoints with `seq > after`, in order (for `holdfast-server verify`).
    async fn checkpoints_after(
        &self,
        organisation_id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Checkpoint>>;
    /// The server's Ed25519 secret key: the stored one, or `fresh` stored now when there is
    /// none yet (so every instance on one database signs with the same key).
    async fn signing_key_or_insert(&self, fresh: [u8; 32]) -> Result<[u8; 32]>;

    // ---- operating it ----

    /// Answers when the database does (`SELECT 1`), for `GET /health`.
    async fn ping(&self) -> Result<()>;
    /// The secret key a server before issue 12 kept in the database, if it is still there (read
    /// once, to move it into the key file; `holdfast_server::signing_key`).
    async fn legacy_signing_key(&self) -> Result<Option<[u8; 32]>>;
    /// Removes the database's copy of the secret key when it is `secret` (after the key file
    /// holding it is on disk); false when the database held no key or another one.
    async fn forget_signing_key(&self, secret: [u8; 32]) -> Result<bool>;
}
