//! Heads-ups for a team (issue 16): the server sends the outgoing webhooks its configuration asks
//! for, once per event whichever desk recorded it. A background task (`spawn`, started by
//! `serve`) runs rounds: for each organisation it reads the log after its cursor (events are only
//! there once the push that recorded them is committed), queues a delivery per subscription that
//! takes each event and moves the cursor, in one transaction (`ServerStore::queue_heads_ups`);
//! then it claims the deliveries that are due and makes one attempt at each
//! (`holdfast_sync::heads_up::HeadsUpSender`), recording the outcome. The queue is in the
//! database, so a restart neither loses nor repeats an acknowledged delivery; an attempt that was
//! in flight is made again after its lease, with the same idempotency key.
//!
//! The subscriptions are the server's configuration (`serve --heads-ups FILE`, TOML), secrets
//! included; they never reach a desk. An organisation's heads-ups start at its log's head the
//! first time the server looks at it with no cursor, or while it has no subscription: events
//! recorded while nothing subscribed are never sent later.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use holdfast_core::heads_up::{
    Attempt, EventContext, HeadsUp, HeadsUpFormat, Subscription, SubscriptionSummary,
};
use holdfast_core::record::CASE;
use holdfast_sync::heads_up::{HeadsUpRequest, HeadsUpSender};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::store::{QueuedHeadsUp, ServerStore};

/// How often the task looks at the logs and the queue.
pub const EVERY: Duration = Duration::from_secs(2);
/// How long a claimed delivery is left to its instance before another may claim it.
pub const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// Deliveries attempted per round.
const ROUND: usize = 100;
/// Events read per page of a log.
const PAGE: usize = 500;
/// The shortest signing secret accepted.
pub const MIN_SECRET: usize = 16;

/// One subscription as the configuration file writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// The organisation's name (as `org create` was given it).
    organisation: String,
    name: String,
    url: String,
    format: HeadsUpFormat,
    kinds: Vec<String>,
    /// The signing secret of a signed subscription.
    #[serde(default)]
    secret: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "heads_up")]
    heads_ups: Vec<Entry>,
}

/// A subscription of one organisation, with its secret.
#[derive(Clone)]
pub struct Configured {
    pub organisation: String,
    pub subscription: Subscription,
    secret: Option<String>,
}

impl std::fmt::Debug for Configured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configured")
            .field("organisation", &self.organisation)
            .field("name", &self.subscription.name)
            .field("secret", &self.secret.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// The server's heads-up subscriptions (empty: none are sent).
#[derive(Debug, Clone, Default)]
pub struct HeadsUpConfig {
    entries: Vec<Configured>,
}

impl HeadsUpConfig {
    /// Reads the configuration file; a bad one is refused with the subscription and field.
    pub fn load(path: &Path) -> Result<HeadsUpConfig> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            ServerError::io(format!("reading the heads-ups {}", path.display()), source)
        })?;
        HeadsUpConfig::parse(&text)
    }

    /// The configuration in `text` (TOML, `[[heads_up]]` tables).
    pub fn parse(text: &str) -> Result<HeadsUpConfig> {
        let file: File = toml::from_str(text)
            .map_err(|error| ServerError::Config(format!("the heads-ups file: {error}")))?;
        let mut entries: Vec<Configured> = Vec::with_capacity(file.heads_ups.len());
        for entry in file.heads_ups {
            let subscription = Subscription {
                name: entry.name,
                url: entry.url,
                format: entry.format,
                kinds: entry.kinds,
            };
            let named = |what: String| {
                ServerError::Config(format!(
                    "heads-up {:?} of {:?}: {what}",
                    subscription.name, entry.organisation
                ))
            };
            subscription
                .validate()
                .map_err(|error| named(error.to_string()))?;
            let secret = entry.secret.filter(|secret| !secret.is_empty());
            match (subscription.format, &secret) {
                (HeadsUpFormat::Signed, None) => {
                    return Err(named("a signed heads-up needs a secret".into()))
                }
                (HeadsUpFormat::Signed, Some(secret)) if secret.chars().count() < MIN_SECRET => {
                    return Err(named(format!(
                        "its secret must be at least {MIN_SECRET} characters"
                    )))
                }
                _ => {}
            }
            if entries.iter().any(|e| {
                e.organisation == entry.organisation && e.subscription.name == subscription.name
            }) {
                return Err(named("is configured twice".into()));
            }
            entries.push(Configured {
                organisation: entry.organisation,
                subscription,
                secret,
            });
        }
        Ok(HeadsUpConfig { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The organisation's subscriptions.
    pub fn of(&self, organisation: &str) -> Vec<&Configured> {
        self.entries
            .iter()
            .filter(|entry| entry.organisation == organisation)
            .collect()
    }

    /// The organisation's subscriptions as a manager sees them.
    pub fn summaries(&self, organisation: &str) -> Vec<SubscriptionSummary> {
        self.of(organisation)
            .into_iter()
            .map(|entry| SubscriptionSummary {
                name: entry.subscription.name.clone(),
                format: entry.subscription.format,
                kinds: entry.subscription.kinds.clone(),
            })
            .collect()
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub queued: usize,
    pub attempted: usize,
    pub delivered: usize,
}

/// Queues what every organisation's log asks for since its cursor.
pub async fn queue_all(
    store: &dyn ServerStore,
    config: &HeadsUpConfig,
    now: Timestamp,
) -> Result<usize> {
    let mut queued = 0;
    for organisation_id in store.organisation_ids().await? {
        let Some(organisation) = store.organisation(organisation_id).await? else {
            continue;
        };
        let subscriptions = config.of(&organisation.name);
        let cursor = store.heads_up_cursor(organisation_id).await?;
        let head = store.head(organisation_id).await?.map_or(0, |(seq, _)| seq);
        let Some(mut cursor) = cursor.filter(|_| !subscriptions.is_empty()) else {
            // Nothing subscribes (or nothing has been looked at yet): start at the head.
            if cursor != Some(head) {
                store
                    .queue_heads_ups(organisation_id, &[], head, now)
                    .await?;
            }
            continue;
        };
        while cursor < head {
            let page = store.events_after(organisation_id, cursor, PAGE).await?;
            let Some(last) = page.events.last().map(|event| event.seq) else {
                break;
            };
            let mut deliveries = Vec::new();
            for synced in &page.events {
                let record = &synced.record;
                if record.aggregate_type != CASE {
                    continue;
                }
                let takers: Vec<&&Configured> = subscriptions
                    .iter()
                    .filter(|entry| entry.subscription.takes(record))
                    .collect();
                if takers.is_empty() {
                    continue;
                }
                let account_external_id = match store
                    .case_account_id(organisation_id, record.aggregate_id)
                    .await?
                {
                    Some(account_id) => store
                        .account(organisation_id, account_id)
                        .await?
                        .map(|account| account.draft.external_id),
                    None => None,
                };
                let context = EventContext {
                    account_external_id,
                    // On the server an event's actor is the user's name.
                    recorded_by: record.actor.clone(),
                };
                for entry in takers {
                    let subscription = &entry.subscription;
                    let heads_up = HeadsUp::of(&subscription.name, record, &context)
                        .map_err(|error| ServerError::Corrupt(format!("a case event: {error}")))?;
                    deliveries.push(QueuedHeadsUp {
                        id: heads_up.delivery_id,
                        subscription: subscription.name.clone(),
                        event_id: record.id,
                        event_seq: synced.seq,
                        kind: record.kind.clone(),
                        case_id: record.aggregate_id,
                        body: holdfast_core::heads_up::body(subscription.format, &heads_up),
                    });
                }
            }
            queued += store
                .queue_heads_ups(organisation_id, &deliveries, last, now)
                .await?;
            cursor = last;
            if !page.more {
                break;
            }
        }
    }
    Ok(queued)
}

/// Claims the deliveries due at `now` and makes one attempt at each, recording what it came to.
pub async fn send_due(
    store: &dyn ServerStore,
    config: &HeadsUpConfig,
    sender: &HeadsUpSender,
    now: Timestamp,
) -> Result<Round> {
    let mut round = Round::default();
    let claimed = store.claim_heads_ups(now, LEASE, ROUND).await?;
    let mut names: Vec<(Uuid, String)> = Vec::new();
    for delivery in claimed {
        let organisation = match names.iter().find(|(id, _)| *id == delivery.organisation_id) {
            Some((_, name)) => name.clone(),
            None => {
                let name = store
                    .organisation(delivery.organisation_id)
                    .await?
                    .map(|organisation| organisation.name)
                    .unwrap_or_default();
                names.push((delivery.organisation_id, name.clone()));
                name
            }
        };
        let entry = config
            .of(&organisation)
            .into_iter()
            .find(|entry| entry.subscription.name == delivery.subscription);
        let attempt = match entry {
            None => Attempt::Refused("its subscription was removed".into()),
            Some(entry) => {
                sender
                    .attempt(
                        &HeadsUpRequest {
                            url: &entry.subscription.url,
                            format: entry.subscription.format,
                            delivery_id: delivery.id,
                            kind: &delivery.kind,
                            body: &delivery.body,
                            secret: entry.secret.as_deref().map(str::as_bytes),
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
        store
            .record_heads_up_attempt(delivery.id, &attempt, now)
            .await?;
    }
    Ok(round)
}

/// One round: queue, then send what is due.
pub async fn run_once(
    store: &dyn ServerStore,
    config: &HeadsUpConfig,
    sender: &HeadsUpSender,
    now: Timestamp,
) -> Result<Round> {
    let queued = queue_all(store, config, now).await?;
    let mut round = send_due(store, config, sender, now).await?;
    round.queued = queued;
    Ok(round)
}

/// Runs a round every `EVERY` for as long as the server runs. A failed round is logged and the
/// next one tries again.
pub fn spawn(store: Arc<dyn ServerStore>, config: Arc<HeadsUpConfig>) -> Result<()> {
    let sender = HeadsUpSender::new().map_err(ServerError::Config)?;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match run_once(store.as_ref(), &config, &sender, Timestamp::now()).await {
                Ok(round) if round.attempted > 0 => tracing::info!(
                    queued = round.queued,
                    attempted = round.attempted,
                    delivered = round.delivered,
                    "heads-ups sent"
                ),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "heads-ups: a round failed"),
            }
        }
    });
    Ok(())
}
