//! Heads-ups on a profile of its own (issue 16): the background loop that queues the deliveries
//! the recorded case events ask for and sends what is due, and the signing secrets in the OS
//! keyring. What matches, the payload, the signature and the backoff are the core's
//! (`holdfast_core::heads_up`); the queue is the store's (`holdfast_store::heads_ups`); one
//! attempt is `holdfast_sync::heads_up::HeadsUpSender`. A profile joined to a team queues
//! nothing: its server sends the team's heads-ups.
//!
//! The loop wakes when the data changes (a command recorded an event) or when the next queued
//! delivery is due, whichever is first. Attempts are made outside the database lock, one at a
//! time; an acknowledged delivery is recorded as delivered before the next is tried, so a restart
//! repeats at most the attempt in flight, with the same idempotency key.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use holdfast_core::heads_up::{Attempt, HeadsUpFormat, Subscription};
use holdfast_sync::heads_up::{HeadsUpRequest, HeadsUpSender};
use jiff::Timestamp;

use crate::database::SharedDatabase;
use crate::error::AppError;
use crate::profile::Profile;
use crate::secrets::{SecretError, SecretStore, SecretVault};

/// How many due deliveries one round sends before looking again.
const ROUND: usize = 50;
/// The longest the loop sleeps with nothing due: it also looks after a restart of the clock.
const IDLE: Duration = Duration::from_secs(15 * 60);

/// The profile's signing secrets, by subscription name, as one JSON map in one keyring entry
/// (`heads-ups:` and the profile's keyring name).
#[derive(Clone)]
pub struct HeadsUpSecrets {
    entry: Result<Arc<dyn SecretStore>, SecretError>,
}

impl HeadsUpSecrets {
    pub fn open(profile: Result<&Profile, &AppError>, vault: &dyn SecretVault) -> Self {
        let entry = match profile {
            Ok(profile) => vault.entry(&format!("heads-ups:{}", profile.keyring_user())),
            Err(error) => Err(SecretError::Unavailable(error.to_string())),
        };
        HeadsUpSecrets { entry }
    }

    fn keyring_error(error: SecretError) -> AppError {
        AppError::Storage {
            message: format!("the heads-up signing secret cannot be kept: {error}"),
        }
    }

    fn all(&self) -> Result<BTreeMap<String, String>, AppError> {
        let entry = self
            .entry
            .as_ref()
            .map_err(|e| Self::keyring_error(e.clone()))?;
        match entry.read().map_err(Self::keyring_error)? {
            None => Ok(BTreeMap::new()),
            Some(json) => serde_json::from_str(&json).map_err(|_| AppError::Storage {
                message: "the heads-up signing secrets in the keyring are damaged".into(),
            }),
        }
    }

    fn save(&self, all: &BTreeMap<String, String>) -> Result<(), AppError> {
        let entry = self
            .entry
            .as_ref()
            .map_err(|e| Self::keyring_error(e.clone()))?;
        if all.is_empty() {
            return entry.delete().map_err(Self::keyring_error);
        }
        let json = serde_json::to_string(all).map_err(|e| AppError::internal(e.to_string()))?;
        entry.write(&json).map_err(Self::keyring_error)
    }

    /// The secret of the subscription `name`, if one is kept.
    pub fn get(&self, name: &str) -> Result<Option<String>, AppError> {
        Ok(self.all()?.remove(name))
    }

    pub fn set(&self, name: &str, secret: &str) -> Result<(), AppError> {
        let mut all = self.all()?;
        all.insert(name.to_owned(), secret.to_owned());
        self.save(&all)
    }

    pub fn remove(&self, name: &str) -> Result<(), AppError> {
        let mut all = self.all()?;
        if all.remove(name).is_some() {
            self.save(&all)?;
        }
        Ok(())
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub queued: usize,
    pub attempted: usize,
    pub delivered: usize,
}

/// Queues what the events recorded since the last round ask for, then makes one attempt at each
/// delivery due at `now` (up to `ROUND` of them).
pub async fn run_once(
    database: &SharedDatabase,
    sender: &HeadsUpSender,
    secrets: &HeadsUpSecrets,
    now: Timestamp,
) -> Result<Round, AppError> {
    let (queued, due, subscriptions) = database
        .with_database(move |database| {
            let queued = database.queue_heads_ups(now)?;
            let due = database.due_heads_ups(now, ROUND)?;
            let subscriptions = if due.is_empty() {
                Vec::new()
            } else {
                database.heads_up_subscriptions()?
            };
            Ok((queued, due, subscriptions))
        })
        .await?;
    let mut round = Round {
        queued,
        ..Round::default()
    };
    let secrets_by_name = if subscriptions
        .iter()
        .any(|s| s.format == HeadsUpFormat::Signed)
    {
        // A keyring that cannot be read leaves signed deliveries to be tried again.
        secrets.all().unwrap_or_default()
    } else {
        BTreeMap::new()
    };
    for delivery in due {
        let subscription: Option<&Subscription> = subscriptions
            .iter()
            .find(|s| s.name == delivery.subscription);
        let attempt = match subscription {
            None => Attempt::Refused("its subscription was removed".into()),
            Some(subscription) => {
                let secret = secrets_by_name
                    .get(&subscription.name)
                    .map(String::as_bytes);
                sender
                    .attempt(
                        &HeadsUpRequest {
                            url: &subscription.url,
                            format: subscription.format,
                            delivery_id: delivery.id,
                            kind: &delivery.kind,
                            body: &delivery.body,
                            secret,
                        },
                        // Signed at the real time: the receiver compares it with its clock.
                        Timestamp::now(),
                    )
                    .await
            }
        };
        round.attempted += 1;
        if attempt == Attempt::Accepted {
            round.delivered += 1;
        }
        let id = delivery.id;
        database
            .with_database(move |database| {
                database.record_heads_up_attempt(id, &attempt, now)?;
                Ok(())
            })
            .await?;
    }
    Ok(round)
}

/// Runs rounds for as long as the app runs: after every change to the data, and when the next
/// queued delivery is due.
pub fn spawn(database: SharedDatabase, secrets: HeadsUpSecrets) {
    tauri::async_runtime::spawn(async move {
        let sender = match HeadsUpSender::new() {
            Ok(sender) => sender,
            Err(error) => {
                log::warn!("heads-ups: cannot send any ({error})");
                return;
            }
        };
        database.started().await;
        let mut changes = database.changes();
        loop {
            changes.borrow_and_update();
            let wait = match run_once(&database, &sender, &secrets, crate::clock::now()).await {
                Ok(round) => {
                    if round.attempted > 0 {
                        log::info!(
                            "heads-ups: {} attempted, {} delivered",
                            round.attempted,
                            round.delivered
                        );
                    }
                    if round.attempted == ROUND {
                        Duration::ZERO
                    } else {
                        until_next(&database).await
                    }
                }
                Err(AppError::Locked { .. }) => IDLE,
                Err(error) => {
                    log::warn!(
                        "heads-ups: a round failed ({})",
                        crate::logging::error_kind(&error)
                    );
                    IDLE
                }
            };
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// How long until the next queued delivery is due (`IDLE` when none is).
async fn until_next(database: &SharedDatabase) -> Duration {
    let next = database
        .with_database(|database| Ok(database.next_heads_up_at()?))
        .await
        .ok()
        .flatten();
    match next {
        None => IDLE,
        Some(next) => {
            let millis = next.as_millisecond() - crate::clock::now().as_millisecond();
            Duration::from_millis(u64::try_from(millis).unwrap_or(0)).min(IDLE)
        }
    }
}
