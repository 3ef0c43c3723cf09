//! Sign-in, tokens and passwords. Passwords are Argon2id hashes (PHC strings, parameters and salt
//! included). Tokens are 32 random bytes, hex; the store keeps only their SHA-256. Failed
//! sign-ins are counted in the store per account and per address, so the limit holds across
//! instances.

use std::net::IpAddr;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use holdfast_sync::protocol::{Me, Session, SignIn};
use jiff::{SignedDuration, Timestamp};

use crate::checkpoint::CheckpointSigner;
use crate::error::{Result, ServerError};
use crate::store::{
    NewToken, Organisation, ServerStore, TokenHash, TokenKind, TokenPair, UserRecord,
};

/// How sessions and sign-in limits behave.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub access_ttl: SignedDuration,
    pub refresh_ttl: SignedDuration,
    /// Failed sign-ins allowed per account inside `failure_window`.
    pub max_failures_per_user: u32,
    /// Failed sign-ins allowed per address inside `failure_window`.
    pub max_failures_per_address: u32,
    pub failure_window: SignedDuration,
    /// Argon2id memory (KiB), iterations and parallelism for new hashes.
    pub argon2: (u32, u32, u32),
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            access_ttl: SignedDuration::from_mins(15),
            refresh_ttl: SignedDuration::from_hours(24 * 30),
            max_failures_per_user: 5,
            max_failures_per_address: 20,
            failure_window: SignedDuration::from_mins(15),
            // The OWASP recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane.
            argon2: (19 * 1024, 2, 1),
        }
    }
}

impl AuthConfig {
    fn hasher(&self) -> Result<Argon2<'static>> {
        let (memory, iterations, lanes) = self.argon2;
        let params = Params::new(memory, iterations, lanes, None)
            .map_err(|error| ServerError::Password(error.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes a password with Argon2id and a fresh salt (CPU-heavy: call it off the async threads).
pub fn hash_password(password: &str, config: &AuthConfig) -> Result<String> {
    if password.chars().count() < 8 {
        return Err(ServerError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
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
fn subjects(request: &SignIn, address: Option<IpAddr>) -> (String, String) {
    (
        format!(
            "user:{}/{}",
            request.organisation.trim().to_lowercase(),
            request.user.trim()
        ),
        format!(
            "addr:{}",
            address.map_or_else(|| "unknown".to_owned(), |address| address.to_string())
        ),
    )
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

/// Refuses a subject that has reached its limit of failures inside the window.
async fn check_limit(
    store: &dyn ServerStore,
    subject: &str,
    max: u32,
    window: SignedDuration,
    now: Timestamp,
) -> Result<()> {
    let since = now
        .checked_sub(window)
        .map_err(|error| ServerError::Task(error.to_string()))?;
    let failures = store.sign_in_failures(subject, since).await?;
    if failures.count < max {
        return Ok(());
    }
    let lifts = failures
        .oldest
        .and_then(|oldest| oldest.checked_add(window).ok())
        .unwrap_or(now);
    let seconds = now.duration_until(lifts).as_secs_f64().ceil().max(1.0) as u64;
    Err(ServerError::RateLimited {
        retry_after_secs: seconds,
    })
}

/// Signs a user in: rate limits per account and per address, then the password (Argon2id), then
/// whether the user is active; issues an access and a refresh token.
pub async fn sign_in(
    store: &dyn ServerStore,
    signer: &CheckpointSigner,
    config: &AuthConfig,
    request: &SignIn,
    address: Option<IpAddr>,
    now: Timestamp,
) -> Result<Session> {
    let (user_subject, address_subject) = subjects(request, address);
    check_limit(
        store,
        &user_subject,
        config.max_failures_per_user,
        config.failure_window,
        now,
    )
    .await?;
    check_limit(
        store,
        &address_subject,
        config.max_failures_per_address,
        config.failure_window,
        now,
    )
    .await?;

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
    let matches = match &user {
        Some(user) => {
            let password = request.password.clone();
            let hash = user.password_hash.clone();
            blocking(move || verify_password(&password, &hash)).await?
        }
        None => false,
    };
    let (Some(organisation), Some(user), true) = (organisation, user, matches) else {
        store
            .record_sign_in_failure(&[user_subject, address_subject], now)
            .await?;
        if let Ok(horizon) = now.checked_sub(config.failure_window) {
            store.prune_sign_in_failures(horizon).await?;
        }
        return Err(ServerError::Unauthorized(
            "wrong organisation, user name or password".into(),
        ));
    };
    store.clear_sign_in_failures(&user_subject).await?;
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
    let user = store
        .token_user(&old, TokenKind::Refresh, now)
        .await?
        .ok_or_else(invalid)?;
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
