//! Heads-ups in Settings (issue 16): on a profile of its own, a manager configures which case
//! events are sent to which endpoint (Slack-compatible or signed JSON, the signing secret kept in
//! the OS keyring) and sees the delivery log; the background loop sends (`crate::heads_ups`). In
//! a team the server sends them, configured on the server; the desk shows the server's log
//! (`team_heads_up_deliveries`).

use holdfast_core::heads_up::{Delivery, HeadsUpFormat, Subscription, KINDS};
use holdfast_core::role::Role;
use holdfast_store::Database;
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::profile::no_user;
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// How many deliveries the log shows, newest first.
pub const LOG_LENGTH: usize = 100;
/// The shortest signing secret accepted.
pub const MIN_SECRET: usize = 16;

/// An event kind a heads-up can be sent for, with its words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HeadsUpKind {
    pub kind: String,
    pub label: String,
}

/// A subscription as Settings shows it: never its secret, only whether one is kept.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HeadsUpSubscriptionView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub subscription: Subscription,
    pub has_secret: bool,
}

/// The Heads-ups section of Settings.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HeadsUpSettings {
    /// A profile joined to a team: the server sends, and is configured on the server.
    pub team: bool,
    pub kinds: Vec<HeadsUpKind>,
    pub subscriptions: Vec<HeadsUpSubscriptionView>,
    /// The delivery log, newest first (a profile of its own).
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SaveHeadsUpArgs {
    pub subscription: Subscription,
    /// The signing secret for a signed subscription: required when none is kept, kept as it is
    /// when left out.
    #[serde(default)]
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RemoveHeadsUpArgs {
    pub name: String,
}

/// Only a manager (or an administrator) configures heads-ups and reads their log.
pub fn require_manager(database: &Database) -> Result<(), AppError> {
    let actor = database.acting_user()?.ok_or_else(no_user)?;
    if actor
        .roles
        .iter()
        .any(|role| matches!(role, Role::Manager | Role::Admin))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            message: "only a manager configures heads-ups and sees their deliveries".into(),
        })
    }
}

fn settings_of(
    database: &Database,
    has_secret: impl Fn(&str) -> bool,
) -> Result<HeadsUpSettings, AppError> {
    require_manager(database)?;
    let team = database.sync_binding().is_some();
    let kinds = KINDS
        .iter()
        .map(|(kind, label)| HeadsUpKind {
            kind: (*kind).to_owned(),
            label: (*label).to_owned(),
        })
        .collect();
    if team {
        return Ok(HeadsUpSettings {
            team,
            kinds,
            subscriptions: Vec::new(),
            deliveries: Vec::new(),
        });
    }
    let subscriptions = database
        .heads_up_subscriptions()?
        .into_iter()
        .map(|subscription| HeadsUpSubscriptionView {
            has_secret: has_secret(&subscription.name),
            subscription,
        })
        .collect();
    Ok(HeadsUpSettings {
        team,
        kinds,
        subscriptions,
        deliveries: database.heads_up_deliveries(LOG_LENGTH)?,
    })
}

async fn current(state: &AppState) -> Result<HeadsUpSettings, AppError> {
    let secrets = state.heads_up_secrets().clone();
    state
        .with_database(move |database| {
            settings_of(database, |name| matches!(secrets.get(name), Ok(Some(_))))
        })
        .await
}

#[tauri::command]
pub async fn heads_up_settings(state: State<'_, AppState>) -> Result<HeadsUpSettings, AppError> {
    current(&state).await
}

/// Adds a subscription or changes the one of the same name. A bad one (name, URL, kinds, a signed
/// one without a secret) is refused and changes nothing.
#[tauri::command]
pub async fn save_heads_up_subscription(
    state: State<'_, AppState>,
    Args(args): Args<SaveHeadsUpArgs>,
) -> Result<HeadsUpSettings, AppError> {
    let SaveHeadsUpArgs {
        subscription,
        secret,
    } = args;
    subscription.validate()?;
    let secret = secret.filter(|secret| !secret.is_empty());
    if let Some(secret) = &secret {
        if secret.chars().count() < MIN_SECRET || secret.chars().any(char::is_control) {
            return Err(AppError::validation(
                "secret",
                format!("must be at least {MIN_SECRET} characters, without control characters"),
            ));
        }
    }
    let secrets = state.heads_up_secrets().clone();
    state
        .with_database(move |database| {
            require_manager(database)?;
            if database.sync_binding().is_some() {
                return Err(AppError::Conflict {
                    message:
                        "in a team the server sends heads-ups; they are configured on the server"
                            .into(),
                });
            }
            match (subscription.format, &secret) {
                (HeadsUpFormat::Signed, Some(secret)) => secrets.set(&subscription.name, secret)?,
                (HeadsUpFormat::Signed, None) => {
                    if secrets.get(&subscription.name)?.is_none() {
                        return Err(AppError::validation(
                            "secret",
                            "a signed heads-up needs a signing secret",
                        ));
                    }
                }
                (HeadsUpFormat::Slack, _) => secrets.remove(&subscription.name)?,
            }
            database.save_heads_up_subscription(&subscription)?;
            Ok(())
        })
        .await?;
    current(&state).await
}

/// Removes a subscription and its secret; its pending deliveries fail when next tried.
#[tauri::command]
pub async fn remove_heads_up_subscription(
    state: State<'_, AppState>,
    Args(args): Args<RemoveHeadsUpArgs>,
) -> Result<HeadsUpSettings, AppError> {
    let secrets = state.heads_up_secrets().clone();
    state
        .with_database(move |database| {
            require_manager(database)?;
            if !database.remove_heads_up_subscription(&args.name)? {
                return Err(AppError::NotFound {
                    entity: "heads-up subscription".into(),
                    id: args.name,
                });
            }
            secrets.remove(&args.name)?;
            Ok(())
        })
        .await?;
    current(&state).await
}

/// The team's heads-ups, as the server keeps them: its subscriptions (names, formats, events;
/// never their URLs or secrets) and its delivery log. The server decides from its own records
/// that the person signed in is a manager.
#[tauri::command]
pub async fn team_heads_ups(
    state: State<'_, AppState>,
) -> Result<holdfast_core::heads_up::HeadsUpLog, AppError> {
    let server = state
        .with_database(|database| {
            Ok(database
                .sync_binding()
                .map(|binding| binding.server.clone()))
        })
        .await?
        .ok_or_else(|| AppError::Conflict {
            message: "this profile is not connected to a team server".into(),
        })?;
    let session = state.sync().session()?.ok_or_else(|| AppError::Conflict {
        message: "sign in to the team server to see its heads-ups".into(),
    })?;
    let unreachable = |message: String| AppError::Conflict {
        message: format!("the team server's heads-ups cannot be read now: {message}"),
    };
    let client = crate::sync::client_for(&server).map_err(|e| unreachable(e.to_string()))?;
    let session = crate::sync::fresh_session(state.sync(), &client, session)
        .await
        .map_err(|e| unreachable(e.message().to_owned()))?;
    client
        .heads_ups(&session.access_token)
        .await
        .map_err(|error| match error {
            holdfast_sync::transport::TransportError::Server(
                holdfast_sync::protocol::ErrorBody::Forbidden { message },
            ) => AppError::Forbidden { message },
            other => unreachable(other.to_string()),
        })
}
