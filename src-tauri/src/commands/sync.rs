//! The team-server commands: the sync status line, signing in (which joins an empty profile to
//! the organisation the first time), signing out, "sync now", the rejections and conflicts the
//! user has to see, and, once syncing stopped (a server restored to an earlier point), exporting
//! the pending work and joining again.

use holdfast_core::role::Role;
use holdfast_store::Database;
use holdfast_sync::client::{Notification, Problem};
use holdfast_sync::protocol::{ErrorBody, SignIn};
use holdfast_sync::transport::TransportError;
use serde::{Deserialize, Serialize};
use tauri::{Runtime, State, WebviewWindow};
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;
use crate::sync::{client_for, fresh_session, run_round, RoundError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// The profile works on its own; it has never joined a team server.
    LocalOnly,
    /// Joined, but no session: work is kept here until the user signs in again.
    SignedOut,
    /// The server could not be reached at the last attempt.
    Offline,
    Online,
    Syncing,
    /// History was rewritten under a signed checkpoint: syncing stopped for good.
    Halted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerUser {
    pub name: String,
    pub roles: Vec<Role>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncStatus {
    pub state: SyncState,
    pub server: Option<String>,
    pub organisation: Option<String>,
    pub user: Option<ServerUser>,
    /// Commands decided here that the server has not confirmed yet.
    pub pending: u32,
    /// RFC 3339, UTC.
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    /// Rejections and conflicts waiting for the user.
    pub attention: u32,
    pub halted: Option<String>,
    /// How many of the organisation's events this device holds: when it grows, a round brought
    /// the team's work, and the desk's lists reload.
    #[ts(type = "number")]
    pub synced_events: u64,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ServerSignIn {
    pub address: String,
    pub organisation: String,
    pub user: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeProblem {
    Rejected { message: String },
    Conflict { message: String },
}

/// A command the server refused or that conflicted, or one this device expects it to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncNotice {
    #[ts(type = "number")]
    pub seq: u64,
    pub case_id: Option<Uuid>,
    pub command: String,
    pub actor: String,
    pub decided_at: String,
    pub problem: NoticeProblem,
    /// The server answered (`true`), or the device expects this answer (`false`).
    pub settled: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct DismissNoticeArgs {
    #[ts(type = "number")]
    pub seq: u64,
}

fn notice(notification: Notification) -> SyncNotice {
    let problem = match notification.problem {
        Problem::Rejected { rejection } => NoticeProblem::Rejected {
            message: rejection.message,
        },
        Problem::Conflict { message, .. } => NoticeProblem::Conflict { message },
    };
    SyncNotice {
        seq: notification.seq,
        case_id: notification.case_id,
        command: notification.command,
        actor: notification.actor,
        decided_at: notification.decided_at.to_string(),
        problem,
        settled: notification.settled,
    }
}

pub(crate) async fn status_of(state: &AppState) -> Result<SyncStatus, AppError> {
    let joined = state
        .with_database(|db| Ok(db.sync_binding().is_some()))
        .await?;
    // A local profile has no session to look for in the keyring.
    let signed_in = joined && state.sync().session()?.is_some();
    let connection = state.sync().connection();
    state
        .with_database(move |db| {
            let Some(binding) = db.sync_binding() else {
                return Ok(SyncStatus {
                    state: SyncState::LocalOnly,
                    server: None,
                    organisation: None,
                    user: None,
                    pending: 0,
                    last_sync_at: None,
                    last_error: None,
                    attention: 0,
                    halted: None,
                    synced_events: 0,
                });
            };
            let replica = db.replica();
            let halted = replica
                .and_then(|replica| replica.halted())
                .map(|reason| reason.to_string());
            let sync_state = if halted.is_some() {
                SyncState::Halted
            } else if !signed_in {
                SyncState::SignedOut
            } else if connection.syncing {
                SyncState::Syncing
            } else if connection.reachable == Some(false) {
                SyncState::Offline
            } else {
                SyncState::Online
            };
            Ok(SyncStatus {
                state: sync_state,
                server: Some(binding.server.clone()),
                organisation: Some(binding.me.organisation.clone()),
                user: Some(ServerUser {
                    name: binding.me.user.clone(),
                    roles: binding.me.roles.clone(),
                    active: binding.me.active,
                }),
                pending: replica.map_or(0, |replica| replica.pending().len() as u32),
                last_sync_at: binding.last_sync_at.map(|at| at.to_string()),
                last_error: binding.last_error.clone(),
                attention: db.sync_notifications().len() as u32,
                halted,
                synced_events: replica.map_or(0, |replica| replica.cursor()),
            })
        })
        .await
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, AppError> {
    state.started().await;
    status_of(&state).await
}

/// A sign-in's failure, on the field it concerns.
fn sign_in_error(error: TransportError) -> AppError {
    match error {
        TransportError::InvalidAddress { reason, .. } => AppError::validation("address", reason),
        TransportError::Unreachable(message) => AppError::validation(
            "address",
            format!("the server cannot be reached: {message}"),
        ),
        TransportError::Server(ErrorBody::Unauthorized { message }) => {
            AppError::validation("password", message)
        }
        TransportError::Server(ErrorBody::Validation { field, message }) => {
            AppError::validation(field, message)
        }
        TransportError::Server(ErrorBody::Forbidden { message }) => AppError::Forbidden { message },
        other => AppError::Conflict {
            message: other.to_string(),
        },
    }
}

#[tauri::command]
pub async fn connect_to_server(
    state: State<'_, AppState>,
    Args(args): Args<ServerSignIn>,
) -> Result<SyncStatus, AppError> {
    state.started().await;
    let address = args.address.trim().trim_end_matches('/').to_owned();
    for (field, value) in [
        ("address", &address),
        ("organisation", &args.organisation),
        ("user", &args.user),
    ] {
        if value.trim().is_empty() {
            return Err(AppError::validation(field, "required"));
        }
    }
    if args.password.is_empty() {
        return Err(AppError::validation("password", "required"));
    }
    // A joined profile signs in again only to its own server, as its own user: its outbox holds
    // that user's work.
    let bound = state
        .with_database(|db| {
            Ok(db
                .sync_binding()
                .map(|binding| (binding.server.clone(), binding.me.clone())))
        })
        .await?;
    if let Some((server, me)) = &bound {
        if *server != address {
            return Err(AppError::validation(
                "address",
                format!("this profile belongs to {server}"),
            ));
        }
        if me.organisation != args.organisation.trim() || me.user != args.user.trim() {
            return Err(AppError::validation(
                "user",
                format!(
                    "this profile belongs to {} in {}; use a new profile for another user",
                    me.user, me.organisation
                ),
            ));
        }
    }
    let client = client_for(&address).map_err(sign_in_error)?;
    let session = client
        .sign_in(&SignIn {
            organisation: args.organisation.trim().to_owned(),
            user: args.user.trim().to_owned(),
            password: args.password,
        })
        .await
        .map_err(sign_in_error)?;
    let me = session.me.clone();
    let joined_address = address.clone();
    state
        .with_database(move |db| {
            if db.sync_binding().is_some() {
                db.update_me(&me)?;
            } else {
                db.join_organisation(&joined_address, Uuid::now_v7(), &me)?;
            }
            Ok(())
        })
        .await?;
    state.sync().save_session(&session)?;
    // The first round (roles, policy, outbox, log) runs now, so the desk shows the team's work;
    // if it fails, the status line says why and the loop tries again.
    let _ = run_round(state.database(), state.sync()).await;
    state.sync().wake();
    status_of(&state).await
}

#[tauri::command]
pub async fn sign_out_of_server(state: State<'_, AppState>) -> Result<SyncStatus, AppError> {
    state.started().await;
    if let Some(session) = state.sync().session()? {
        let server = state
            .with_database(|db| Ok(db.sync_binding().map(|binding| binding.server.clone())))
            .await?;
        if let Some(server) = server {
            // Revoking on the server is best effort: offline, the tokens still leave this device.
            if let Ok(client) = client_for(&server) {
                let _ = client
                    .sign_out_session(&session.access_token, &session.refresh_token)
                    .await;
            }
        }
    }
    state.sync().forget_session()?;
    status_of(&state).await
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncStatus, AppError> {
    state.started().await;
    let joined = state
        .with_database(|db| Ok(db.sync_binding().is_some()))
        .await?;
    if !joined {
        return Err(AppError::Conflict {
            message: "this profile is not connected to a team server".into(),
        });
    }
    // The round's outcome is on the status line (last error, offline).
    let _ = run_round(state.database(), state.sync()).await;
    status_of(&state).await
}

/// What "Export pending work…" wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PendingExport {
    pub path: String,
    /// Pending commands in the file.
    pub commands: u32,
}

/// Issue 12: "Export pending work…": the OS save dialog (rfd's asynchronous one, as "Browse…"
/// opens its dialog, so the window keeps drawing), then the store's export
/// (`Database::export_pending_work`: the pending commands, the refused ones, and the events a
/// restored server lost) written to the chosen file, readable by its owner only. `None` when the
/// person cancels.
#[tauri::command]
pub async fn export_pending_work<R: Runtime>(
    state: State<'_, AppState>,
    window: WebviewWindow<R>,
) -> Result<Option<PendingExport>, AppError> {
    state.started().await;
    let joined = state
        .with_database(|db| Ok(db.sync_binding().is_some()))
        .await?;
    if !joined {
        return Err(AppError::Conflict {
            message: "this profile is not connected to a team server".into(),
        });
    }
    let chosen = rfd::AsyncFileDialog::new()
        .set_title("Export pending work")
        .set_file_name("holdfast-pending-work.json")
        .add_filter("JSON files", &["json"])
        .set_parent(&window)
        .save_file()
        .await;
    let Some(file) = chosen else {
        return Ok(None);
    };
    let path = file.path().to_owned();
    // Read after the dialog closed: what is written is what the desk holds now.
    let (json, commands) = state
        .with_database(|db| {
            let json = db.export_pending_work()?;
            let commands = db.replica().map_or(0, |replica| replica.pending().len());
            Ok((json, u32::try_from(commands).unwrap_or(u32::MAX)))
        })
        .await?;
    let written = path.clone();
    tauri::async_runtime::spawn_blocking(move || write_private(&written, json.as_bytes()))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|e| AppError::Storage {
            message: format!("the export could not be written to {}: {e}", path.display()),
        })?;
    Ok(Some(PendingExport {
        path: path.display().to_string(),
        commands,
    }))
}

/// Writes `bytes` to `path` (replacing it: the save dialog asked before overwriting), `0600` on
/// Unix since the export holds customers' details, synced to disk.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RejoinArgs {
    /// Given when the session kept in the OS keyring is gone or the restored server no longer
    /// knows it; otherwise that session is used.
    pub password: Option<String>,
}

/// What "Join again" did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Rejoined {
    /// Pending commands queued again on top of the server's history.
    pub requeued: u32,
    pub status: SyncStatus,
}

/// Issue 12: "Join again", after syncing stopped (the server was restored to an earlier point, or
/// its history changed): the same server, organisation and user, with the session kept in the OS
/// keyring (or a fresh sign-in when the password is given); the store clears the log, queues the
/// pending commands again and pins a new device id (`Database::rejoin_organisation`); then a
/// round pushes them and pulls the server's history from the first event. A missing or refused
/// session is a `password` field error, so the window asks for it.
#[tauri::command]
pub async fn rejoin_server(
    state: State<'_, AppState>,
    Args(args): Args<RejoinArgs>,
) -> Result<Rejoined, AppError> {
    state.started().await;
    let bound = state
        .with_database(|db| {
            Ok(db.sync_binding().map(|binding| {
                let halted = db
                    .replica()
                    .is_some_and(|replica| replica.halted().is_some());
                (binding.server.clone(), binding.me.clone(), halted)
            }))
        })
        .await?;
    let Some((server, me, halted)) = bound else {
        return Err(AppError::Conflict {
            message: "this profile is not connected to a team server".into(),
        });
    };
    if !halted {
        return Err(AppError::Conflict {
            message: "syncing has not stopped: there is nothing to join again".into(),
        });
    }
    let client = client_for(&server).map_err(sign_in_error)?;
    let password = args.password.filter(|password| !password.is_empty());
    let session = match password {
        Some(password) => client
            .sign_in(&SignIn {
                organisation: me.organisation.clone(),
                user: me.user.clone(),
                password,
            })
            .await
            .map_err(sign_in_error)?,
        None => {
            let Some(session) = state.sync().session()? else {
                return Err(AppError::validation(
                    "password",
                    format!("sign in as {} to join again: enter your password", me.user),
                ));
            };
            match fresh_session(state.sync(), &client, session).await {
                Ok(session) => session,
                Err(RoundError::SignedOut(_)) => return Err(session_ended(state.sync(), &me)?),
                Err(other) => {
                    return Err(AppError::Conflict {
                        message: other.message().to_owned(),
                    })
                }
            }
        }
    };
    let me = match client.me(&session.access_token).await {
        Ok(me) => me,
        Err(TransportError::Server(ErrorBody::Unauthorized { .. })) => {
            return Err(session_ended(state.sync(), &me)?)
        }
        Err(other) => return Err(sign_in_error(other)),
    };
    let requeued = {
        let _between = state.sync().between_rounds().await;
        state
            .with_database(move |db| {
                Ok(db.rejoin_organisation(Uuid::now_v7(), &me, jiff::Timestamp::now())?)
            })
            .await?
    };
    state.sync().save_session(&session)?;
    // The first round pushes the requeued work and pulls the server's history; if it fails, the
    // status line says why and the loop tries again.
    let _ = run_round(state.database(), state.sync()).await;
    state.sync().wake();
    Ok(Rejoined {
        requeued,
        status: status_of(&state).await?,
    })
}

/// The restored server does not know the kept session (it was issued after the backup's point):
/// it is forgotten, and the person is asked for their password.
fn session_ended(
    sync: &crate::sync::SyncRuntime,
    me: &holdfast_sync::protocol::Me,
) -> Result<AppError, AppError> {
    sync.forget_session()?;
    Ok(AppError::validation(
        "password",
        format!(
            "the server no longer knows this desk's session; sign in as {} to join again: enter \
             your password",
            me.user
        ),
    ))
}

#[tauri::command]
pub async fn sync_notices(state: State<'_, AppState>) -> Result<Vec<SyncNotice>, AppError> {
    state.started().await;
    state.with_database(|db| Ok(notices(db))).await
}

#[tauri::command]
pub async fn dismiss_sync_notice(
    state: State<'_, AppState>,
    Args(args): Args<DismissNoticeArgs>,
) -> Result<Vec<SyncNotice>, AppError> {
    state.started().await;
    state
        .with_database(move |db| {
            db.dismiss_sync_notification(args.seq)?;
            Ok(notices(db))
        })
        .await
}

fn notices(db: &Database) -> Vec<SyncNotice> {
    db.sync_notifications().into_iter().map(notice).collect()
}

#[cfg(test)]
mod tests {
    use holdfast_sync::protocol::Rejection;

    use super::*;

    #[test]
    fn a_failed_sign_in_lands_on_the_field_it_concerns() {
        let field = |error: TransportError| match sign_in_error(error) {
            AppError::Validation { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        };
        assert_eq!(
            field(TransportError::InvalidAddress {
                address: "ftp://x".into(),
                reason: "use https://".into(),
            }),
            "address"
        );
        assert_eq!(
            field(TransportError::Unreachable("connection refused".into())),
            "address"
        );
        assert_eq!(
            field(TransportError::Server(ErrorBody::Unauthorized {
                message: "wrong user name or password".into(),
            })),
            "password"
        );
        assert!(matches!(
            sign_in_error(TransportError::Server(ErrorBody::Forbidden {
                message: "deactivated".into(),
            })),
            AppError::Forbidden { .. }
        ));
        assert!(matches!(
            sign_in_error(TransportError::Server(ErrorBody::UpgradeRequired {
                message: "update the app".into(),
            })),
            AppError::Conflict { message } if message.contains("upgrade required")
        ));
    }

    #[test]
    fn notices_carry_the_servers_words() {
        let rejected = notice(Notification {
            seq: 4,
            case_id: Some(Uuid::nil()),
            command: "finalize".into(),
            actor: "max".into(),
            decided_at: "2026-11-22T10:00:00Z".parse().unwrap(),
            problem: Problem::Rejected {
                rejection: Rejection::from(&holdfast_core::CoreError::invalid(
                    "actor",
                    "a user needs a role to work on cases",
                )),
            },
            settled: true,
        });
        assert_eq!(rejected.seq, 4);
        assert!(matches!(
            &rejected.problem,
            NoticeProblem::Rejected { message } if message.contains("a user needs a role")
        ));
        let json = serde_json::to_value(&rejected).unwrap();
        assert_eq!(json["problem"]["kind"], "rejected");
        assert_eq!(json["decided_at"], "2026-11-22T10:00:00Z");
    }
}
