//! Sign-in, tokens and passwords. Passwords are Argon2id hashes (PHC strings, parameters and salt
//! included). Tokens are 32 random bytes, hex; the store keeps only their SHA-256. Failed
//! sign-ins are counted in the store per account, per account and address, and per address, so
//! the limits hold across instances; each attempt is reserved in the store before its password
//! is checked (see `sign_in_refusal` for the rule), and password checks run through a
//! `SignInGate` that bounds how many run at once.

use std::net::IpAddr;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use holdfast_sync::protocol::{
    Me, Session, SignIn, MAX_SIGN_IN_NAME_BYTES, MAX_SIGN_IN_PASSWORD_BYTES,
};
use jiff::{SignedDuration, Timestamp};

use crate::checkpoint::CheckpointSigner;
use crate::error::{Result, ServerError};
use crate::store::{
    Admission, AttemptSubjects, AttemptWindows, FailureWindow, NewToken, Organisation, ServerStore,
    SignInLimits, TokenHash, TokenKind, TokenPair, UserRecord,
};

pub use crate::sign_in_gate::SignInGate;

/// How sessions and sign-in limits behave.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub access_ttl: SignedDuration,
    pub refresh_ttl: SignedDuration,
    /// Failed sign-ins of one account, from all addresses, inside `failure_window` after which
    /// only addresses with no failure for the account inside the window may try it (once each
    /// while it stays so).
    pub max_failures_per_user: u32,
    /// Failed sign-ins of one account from one address inside `failure_window`, after which that
    /// address may no longer try that account.
    pub max_failures_per_user_address: u32,
    /// Failed sign-ins of one account, from all addresses, inside `failure_window` after which
    /// nobody may try it until the window moves on (NIST SP 800-63B's ceiling of 100).
    pub max_failures_per_user_ceiling: u32,
    /// Failed sign-ins allowed per address inside `failure_window`.
    pub max_failures_per_address: u32,
    pub failure_window: SignedDuration,
    /// Argon2id memory (KiB), iterations and parallelism for new hashes.
    pub argon2: (u32, u32, u32),
    /// Password checks (Argon2id verifications, each holding `argon2.0` KiB) running at once.
    pub max_password_checks: usize,
    /// Sign-ins admitted at once: those checking a password and those waiting to; one more is
    /// answered 503 `unavailable` with `Retry-After` before anything is read or recorded.
    pub max_sign_ins_in_flight: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            access_ttl: SignedDuration::from_mins(15),
            refresh_ttl: SignedDuration::from_hours(24 * 30),
            max_failures_per_user: 5,
            max_failures_per_user_address: 5,
            max_failures_per_user_ceiling: 100,
            max_failures_per_address: 20,
            failure_window: SignedDuration::from_mins(15),
            // The OWASP recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane.
            argon2: (19 * 1024, 2, 1),
            max_password_checks: cores(),
            max_sign_ins_in_flight: cores() * 8,
        }
    }
}

/// The machine's cores (1 when it cannot tell).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

impl AuthConfig {
    /// The failure limits, as the store's reservation takes them.
    pub fn limits(&self) -> SignInLimits {
        SignInLimits {
            per_user_address: self.max_failures_per_user_address,
            per_address: self.max_failures_per_address,
            per_user: self.max_failures_per_user,
            per_user_ceiling: self.max_failures_per_user_ceiling,
        }
    }

    pub(crate) fn hasher(&self) -> Result<Argon2<'static>> {
        let (memory, iterations, lanes) = self.argon2;
        let params = Params::new(memory, iterations, lanes, None)
            .map_err(|error| ServerError::Password(error.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes a new password with Argon2id and a fresh salt (CPU-heavy: call it off the async
/// threads). The password must pass `password_policy::check_new_password` (12 characters or
/// more, not a common password).
pub fn hash_password(password: &str, config: &AuthConfig) -> Result<String> {
    crate::password_policy::check_new_password(password)?;
    hash_unchecked(password, config)
}

/// Hashes any password (the sign-in gate's stand-in hash for unknown users).
pub(crate) fn hash_unchecked(password: &str, config: &AuthConfig) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|error| ServerError::Password(format!("no randomness for a salt: {error}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|error| ServerError::Password(error.to_string()))?;
    Ok(config
        .hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| ServerError::Password(error.to_string()))?
        .to_string())
}

/// Whether `password` matches `hash` (a PHC string).
pub fn verify_password(password: &str, hash: &str) -> Result<bool> {
    let parsed = PasswordHash::new(hash)
        .map_err(|error| ServerError::Corrupt(format!("a password hash: {error}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ServerError::Task(error.to_string()))?
}

/// `hash_password` on the blocking pool.
pub async fn hash_password_async(password: String, config: AuthConfig) -> Result<String> {
    blocking(move || hash_password(&password, &config)).await
}

/// A fresh bearer token: 32 random bytes, hex.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| ServerError::Task(format!("no randomness for a token: {error}")))?;
    Ok(hex::encode(bytes))
}

/// The rate-limit subjects of a sign-in attempt.
fn subjects(request: &SignIn, address: Option<IpAddr>) -> AttemptSubjects {
    let user = format!(
        "{}/{}",
        request.organisation.trim().to_lowercase(),
        request.user.trim()
    );
    let address = address.map_or_else(|| "unknown".to_owned(), |address| address.to_string());
    AttemptSubjects {
        pair: format!("pair:{user}@{address}"),
        user: format!("user:{user}"),
        address: format!("addr:{address}"),
    }
}

/// Whether a sign-in attempt whose subjects have these failures inside the window is refused,
/// and about when the refusal lifts (`None`: it may go on). The rule, in order:
/// - an address with `per_address` failures (against any accounts) may not try at all;
/// - an address with `per_user_address` failures for this account may not try it;
/// - an account with `per_user_ceiling` failures (from anywhere) may not be tried by anyone;
/// - an account with `per_user` failures (from anywhere) may be tried only from addresses with
///   no failure for it inside the window: its own user, at an address where they have not just
///   mistyped, still gets in while an attacker elsewhere has used up the account's count.
///
/// Every check counts the attempts reserved and not yet finished as failures.
pub fn sign_in_refusal(
    windows: &AttemptWindows,
    limits: &SignInLimits,
    window: SignedDuration,
    now: Timestamp,
) -> Option<Timestamp> {
    let lifts = |failures: &FailureWindow| {
        failures
            .oldest
            .and_then(|oldest| oldest.checked_add(window).ok())
            .unwrap_or(now)
    };
    if windows.address.count >= limits.per_address {
        return Some(lifts(&windows.address));
    }
    if windows.pair.count >= limits.per_user_address {
        return Some(lifts(&windows.pair));
    }
    if windows.user.count >= limits.per_user_ceiling {
        return Some(lifts(&windows.user));
    }
    if windows.user.count >= limits.per_user && windows.pair.count > 0 {
        return Some(lifts(&windows.user).min(lifts(&windows.pair)));
    }
    None
}

/// Refuses a sign-in whose names or password are longer than any the server keeps: a typed
/// error before anything is looked up or recorded.
fn check_sign_in_sizes(request: &SignIn) -> Result<()> {
    for (field, value) in [
        ("organisation", &request.organisation),
        ("user", &request.user),
    ] {
        if value.len() > MAX_SIGN_IN_NAME_BYTES {
            return Err(ServerError::invalid(
                field,
                format!("must be at most {MAX_SIGN_IN_NAME_BYTES} bytes"),
            ));
        }
    }
    if request.password.len() > MAX_SIGN_IN_PASSWORD_BYTES {
        return Err(ServerError::invalid(
            "password",
            format!("must be at most {MAX_SIGN_IN_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn seconds_until(now: Timestamp, lifts: Timestamp) -> u64 {
    now.duration_until(lifts).as_secs_f64().ceil().max(1.0) as u64
}

fn me(organisation: &Organisation, user: &UserRecord, signer: &CheckpointSigner) -> Me {
    Me {
        organisation: organisation.name.clone(),
        user: user.name.clone(),
        roles: user.roles.clone(),
        active: user.active,
        checkpoint_key: signer.public_key_hex(),
    }
}

/// The user as the server knows them.
pub async fn me_of(
    store: &dyn ServerStore,
    signer: &CheckpointSigner,
    user: &UserRecord,
) -> Result<Me> {
    let organisation = store
        .organisation(user.organisation_id)
        .await?
        .ok_or_else(|| ServerError::Corrupt(format!("user {} has no organisation", user.name)))?;
    Ok(me(&organisation, user, signer))
}

fn new_pair(config: &AuthConfig, now: Timestamp) -> Result<(TokenPair, String, String)> {
    let access = new_token()?;
    let refresh = new_token()?;
    let pair = TokenPair {
        access: NewToken {
            hash: TokenHash::of(&access),
            kind: TokenKind::Access,
            expires_at: now
                .checked_add(config.access_ttl)
                .map_err(|error| ServerError::Task(error.to_string()))?,
        },
        refresh: NewToken {
            hash: TokenHash::of(&refresh),
            kind: TokenKind::Refresh,
            expires_at: now
                .checked_add(config.refresh_ttl)
                .map_err(|error| ServerError::Task(error.to_string()))?,
        },
    };
    Ok((pair, access, refresh))
}

fn session(pair: &TokenPair, access: String, refresh: String, me: Me) -> Session {
    Session {
        access_token: access,
        access_expires_at: pair.access.expires_at,
        refresh_token: refresh,
        refresh_expires_at: pair.refresh.expires_at,
        me,
    }
}

/// Signs a user in: bounded names, a place in the gate (503 `unavailable` when full), the
/// attempt reserved against the limits (429 `rate_limited` when refused), the password
/// (Argon2id; an unknown user is checked against the gate's stand-in hash, so both take as
/// long), then whether the user is active; issues an access and a refresh token (a new session).
pub async fn sign_in(
    store: &dyn ServerStore,
    signer: &CheckpointSigner,
    config: &AuthConfig,
    gate: &SignInGate,
    request: &SignIn,
    address: Option<IpAddr>,
    now: Timestamp,
) -> Result<Session> {
    check_sign_in_sizes(request)?;
    let _admitted = gate.admit()?;
    let subjects = subjects(request, address);
    let attempt = match store
        .reserve_sign_in_attempt(&subjects, &config.limits(), config.failure_window, now)
        .await?
    {
        Admission::Reserved(attempt) => attempt,
        Admission::Refused { lifts_at } => {
            return Err(ServerError::RateLimited {
                retry_after_secs: seconds_until(now, lifts_at),
            })
        }
    };

    let organisation = store
        .organisation_by_name(request.organisation.trim())
        .await?;
    let user = match &organisation {
        Some(organisation) => {
            store
                .user_by_name(organisation.id, request.user.trim())
                .await?
        }
        None => None,
    };
    let hash = user
        .as_ref()
        .map_or_else(|| gate.stand_in_hash(), |user| user.password_hash.clone());
    let matches = gate.verify(request.password.clone(), hash).await?;
    let (Some(organisation), Some(user), true) = (organisation, user, matches) else {
        // The reserved attempt stays recorded as a failure.
        if let Ok(horizon) = now.checked_sub(config.failure_window) {
            store.prune_sign_in_failures(horizon).await?;
        }
        return Err(ServerError::Unauthorized(
            "wrong organisation, user name or password".into(),
        ));
    };
    store.sign_in_attempt_succeeded(&subjects, attempt).await?;
    if !user.active {
        return Err(ServerError::Forbidden(format!(
            "{} is deactivated on the server",
            user.name
        )));
    }
    let (pair, access, refresh) = new_pair(config, now)?;
    store.insert_tokens(user.id, &pair, now).await?;
    Ok(session(
        &pair,
        access,
        refresh,
        me(&organisation, &user, signer),
    ))
}

/// Turns a live refresh token into a new pair and revokes it.
pub async fn refresh(
    store: &dyn ServerStore,
    signer: &CheckpointSigner,
    config: &AuthConfig,
    refresh_token: &str,
    now: Timestamp,
) -> Result<Session> {
    let old = TokenHash::of(refresh_token);
    let invalid = || ServerError::Unauthorized("the refresh token is not valid".into());
    let Some(user) = store.token_user(&old, TokenKind::Refresh, now).await? else {
        // Not live. If it was used or revoked before, it was copied: the rotation refuses it
        // and ends its whole session, so the chain the copy started stops working too.
        let (pair, _, _) = new_pair(config, now)?;
        store.rotate_refresh_token(&old, &pair, now).await?;
        return Err(invalid());
    };
    if !user.active {
        return Err(ServerError::Forbidden(format!(
            "{} is deactivated on the server",
            user.name
        )));
    }
    let (pair, access, refresh) = new_pair(config, now)?;
    let user = store
        .rotate_refresh_token(&old, &pair, now)
        .await?
        .ok_or_else(invalid)?;
    let me = me_of(store, signer, &user).await?;
    Ok(session(&pair, access, refresh, me))
}

/// The user an access token belongs to.
pub async fn authenticate(
    store: &dyn ServerStore,
    access_token: &str,
    now: Timestamp,
) -> Result<UserRecord> {
    store
        .token_user(&TokenHash::of(access_token), TokenKind::Access, now)
        .await?
        .ok_or_else(|| {
            ServerError::Unauthorized("sign in again: the access token is not valid".into())
        })
}
