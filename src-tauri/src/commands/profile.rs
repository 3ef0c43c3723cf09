//! The profile's first start and settings: who uses it, and which procedure it follows.

use holdfast_core::policy::{parse_policy, render_policy, Policy};
use holdfast_core::queue::{queues_in_use, QueueUse};
use holdfast_store::case_commands::Person;
use holdfast_store::settings::{LocalUser, LocalUserChange};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::Args;
use crate::error::AppError;
use crate::presets::{preset, PRESETS};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PolicySummary {
    pub id: String,
    pub name: String,
    pub version: u32,
    /// Every work queue and, for those the procedure can never fill, why: the rail dims them.
    pub queues: Vec<QueueUse>,
}

impl From<Policy> for PolicySummary {
    fn from(policy: Policy) -> Self {
        PolicySummary {
            queues: queues_in_use(&policy),
            id: policy.id,
            name: policy.name,
            version: policy.version,
        }
    }
}

/// What the desk needs to know before it can take cases.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeskProfile {
    pub user: Option<LocalUser>,
    pub policy: Option<PolicySummary>,
}

#[derive(Debug, Deserialize, TS)]
pub struct ChoosePolicyArgs {
    pub preset_id: String,
}

#[tauri::command]
pub async fn desk_profile(state: State<'_, AppState>) -> Result<DeskProfile, AppError> {
    state
        .with_database(|database| {
            Ok(DeskProfile {
                user: database.local_user()?,
                policy: database.policy()?.map(PolicySummary::from),
            })
        })
        .await
}

/// The presets a profile can start from.
#[tauri::command]
pub fn list_policy_presets() -> Result<Vec<PolicySummary>, AppError> {
    PRESETS
        .iter()
        .map(|(_, source)| {
            parse_policy(source)
                .map(PolicySummary::from)
                .map_err(|e| AppError::internal(format!("a shipped preset does not parse: {e}")))
        })
        .collect()
}

#[tauri::command]
pub async fn choose_policy(
    state: State<'_, AppState>,
    Args(args): Args<ChoosePolicyArgs>,
) -> Result<PolicySummary, AppError> {
    let source = preset(&args.preset_id)
        .ok_or_else(|| AppError::validation("preset_id", "there is no such procedure"))?;
    state
        .with_database(move |database| {
            refuse_when_joined(database, "the procedure comes from the team server")?;
            Ok(database.set_policy(source)?.into())
        })
        .await
}

/// A profile joined to a team server takes its user, roles and policy from the server only.
fn refuse_when_joined(database: &holdfast_store::Database, what: &str) -> Result<(), AppError> {
    match database.sync_binding() {
        Some(binding) => Err(AppError::Forbidden {
            message: format!("{what} ({})", binding.server),
        }),
        None => Ok(()),
    }
}

#[tauri::command]
pub async fn set_local_user(
    state: State<'_, AppState>,
    Args(args): Args<LocalUserChange>,
) -> Result<LocalUser, AppError> {
    state
        .with_database(move |database| {
            refuse_when_joined(database, "the user and roles come from the team server")?;
            Ok(database.set_local_user(&args, jiff::Timestamp::now())?)
        })
        .await
}

/// Hands the profile to another person (the one of that name it knows, or someone new): unlike
/// `set_local_user`, which renames the same person, the desk then acts as someone else.
#[tauri::command]
pub async fn switch_local_user(
    state: State<'_, AppState>,
    Args(args): Args<LocalUserChange>,
) -> Result<LocalUser, AppError> {
    state
        .with_database(move |database| {
            refuse_when_joined(database, "the user and roles come from the team server")?;
            Ok(database.switch_local_user(&args, jiff::Timestamp::now())?)
        })
        .await
}

/// Everyone the profile knows by id, with the name to show: the desk shows names where the record
/// keeps ids (a timeline's actor, a refund's requester, a case's owner); an id not listed is
/// shown as it is.
#[tauri::command]
pub async fn list_people(state: State<'_, AppState>) -> Result<Vec<Person>, AppError> {
    state.with_database(|database| Ok(database.people()?)).await
}

/// The profile's policy as plain sentences, for the Policy screen.
#[tauri::command]
pub async fn policy_sentences(state: State<'_, AppState>) -> Result<Vec<String>, AppError> {
    state
        .with_database(|database| {
            let policy = database.policy()?.ok_or_else(no_policy)?;
            Ok(render_policy(&policy))
        })
        .await
}

pub fn no_policy() -> AppError {
    AppError::Conflict {
        message: "choose the procedure this profile follows first".into(),
    }
}

pub fn no_user() -> AppError {
    AppError::Conflict {
        message: "say who uses this profile first".into(),
    }
}
