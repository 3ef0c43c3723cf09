//! How many sign-ins the server works on at once. An Argon2id check holds `argon2.0` KiB (19 MiB
//! by default) on a blocking thread; without a bound, a burst of sign-ins held hundreds of them
//! at once. The gate admits `max_sign_ins_in_flight` sign-ins (one more is answered 503
//! `unavailable` with `Retry-After`, before anything is read or recorded) and lets
//! `max_password_checks` of them check a password at a time; the others wait their turn.
//!
//! It also keeps the stand-in hash an unknown user's password is checked against, made with the
//! configured parameters, so an unknown user takes as long as a known one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::{hash_unchecked, new_token, verify_password, AuthConfig};
use crate::error::{Result, ServerError};

/// Seconds a sign-in turned away by a full gate is told to wait.
pub const BUSY_RETRY_SECS: u64 = 1;

/// Shared by every request of one server (clones share it).
#[derive(Debug, Clone)]
pub struct SignInGate {
    in_flight: Arc<Semaphore>,
    checks: Arc<Semaphore>,
    stand_in: Arc<str>,
    verifications: Arc<AtomicU64>,
}

/// A place in the gate, held for the whole sign-in.
#[derive(Debug)]
pub struct Admitted(#[allow(dead_code)] OwnedSemaphorePermit);

impl SignInGate {
    /// A gate sized by `config`, with a fresh stand-in hash (one Argon2id hash, on the blocking
    /// pool).
    pub async fn new(config: &AuthConfig) -> Result<SignInGate> {
        let config = config.clone();
        let (in_flight, checks) = (
            config.max_sign_ins_in_flight.max(1),
            config.max_password_checks.max(1),
        );
        let stand_in = tokio::task::spawn_blocking(move || {
            // A random password nobody knows, hashed like a real one.
            hash_unchecked(&new_token()?, &config)
        })
        .await
        .map_err(|error| ServerError::Task(error.to_string()))??;
        Ok(SignInGate {
            in_flight: Arc::new(Semaphore::new(in_flight)),
            checks: Arc::new(Semaphore::new(checks.min(in_flight))),
            stand_in: stand_in.into(),
            verifications: Arc::new(AtomicU64::new(0)),
        })
    }

    /// A place for one sign-in, or `Busy` when every place is taken.
    pub fn admit(&self) -> Result<Admitted> {
        self.in_flight
            .clone()
            .try_acquire_owned()
            .map(Admitted)
            .map_err(|_| ServerError::Busy {
                retry_after_secs: BUSY_RETRY_SECS,
            })
    }

    /// The hash an unknown user's password is checked against.
    pub fn stand_in_hash(&self) -> String {
        self.stand_in.to_string()
    }

    /// Checks a password against a hash on the blocking pool, when a check slot is free.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        let _slot = self
            .checks
            .clone()
            .acquire_owned()
            .await
            .map_err(|error| ServerError::Task(error.to_string()))?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|error| ServerError::Task(error.to_string()))?
    }

    /// How many passwords this gate has checked (the tests count them).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Takes every place in the gate, as a flood would (tests).
    #[cfg(test)]
    pub(crate) fn fill(&self) -> Vec<Admitted> {
        std::iter::from_fn(|| self.admit().ok()).collect()
    }
}
