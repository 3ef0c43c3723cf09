//! The Due view (issue 13): what is due for the person at the desk, grouped overdue, today (in
//! their zone) and upcoming, with the times a reminder may be snoozed to; snooze and done on an
//! item; the person's reminder settings. The store gathers and keeps everything
//! (`holdfast_store::due`, `settings`); the core's planner decides what to raise.

use holdfast_core::reminders::{snooze_choices, SnoozeChoice};
use holdfast_store::due::{group_due, DueGroups};
use holdfast_store::settings::ReminderSettings;
use holdfast_store::Database;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::profile::no_user;
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// The Due view: the person's items in groups, and the times "Snooze" offers (counted in the
/// policy's business hours from now).
#[derive(Debug, Clone, Serialize, TS)]
pub struct DueView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub groups: DueGroups,
    pub snooze_choices: Vec<SnoozeChoice>,
    /// The zone "today" is counted in (the person's reminder settings).
    pub zone: String,
    pub now: Timestamp,
}

#[derive(Debug, Deserialize, TS)]
pub struct SnoozeArgs {
    pub key: String,
    pub until: Timestamp,
}

#[derive(Debug, Deserialize, TS)]
pub struct ReminderKeyArgs {
    pub key: String,
}

/// What is due for the acting user now. What the person did with items no longer due is
/// forgotten on the way (`prune_reminders`).
fn due_view(database: &mut Database, now: Timestamp) -> Result<DueView, AppError> {
    let me = database.queue_viewer()?.ok_or_else(no_user)?;
    let items = database.due_items(&me, now)?;
    database.prune_reminders(&items)?;
    let memory = database.reminder_memory()?;
    let settings = database.reminder_settings()?;
    let zone = settings.time_zone()?;
    let choices = database
        .policy()?
        .map(|policy| snooze_choices(&policy.sla.calendar, now))
        .unwrap_or_default();
    Ok(DueView {
        groups: group_due(items, &memory, now, &zone),
        snooze_choices: choices,
        zone: settings.zone,
        now,
    })
}

/// Refuses a key that is not one of the person's due items now: nothing to snooze or mark done.
fn known(database: &Database, key: &str, now: Timestamp) -> Result<(), AppError> {
    let me = database.queue_viewer()?.ok_or_else(no_user)?;
    if database
        .due_items(&me, now)?
        .iter()
        .any(|item| item.key == key)
    {
        Ok(())
    } else {
        Err(AppError::NotFound {
            entity: "due item".into(),
            id: key.to_owned(),
        })
    }
}

#[tauri::command]
pub async fn due_items(state: State<'_, AppState>) -> Result<DueView, AppError> {
    state
        .with_database(|database| due_view(database, crate::clock::now()))
        .await
}

/// Puts an item off until `until` (in the future; the view offers its snooze choices).
#[tauri::command]
pub async fn snooze_reminder(
    state: State<'_, AppState>,
    Args(args): Args<SnoozeArgs>,
) -> Result<DueView, AppError> {
    state
        .with_database(move |database| {
            let now = crate::clock::now();
            known(database, &args.key, now)?;
            database.snooze_reminder(&args.key, args.until, now)?;
            due_view(database, now)
        })
        .await
}

/// The person dealt with an item: it leaves the Due view and is never raised again.
#[tauri::command]
pub async fn mark_reminder_done(
    state: State<'_, AppState>,
    Args(args): Args<ReminderKeyArgs>,
) -> Result<DueView, AppError> {
    state
        .with_database(move |database| {
            let now = crate::clock::now();
            known(database, &args.key, now)?;
            database.mark_reminder_done(&args.key, now)?;
            due_view(database, now)
        })
        .await
}

#[tauri::command]
pub async fn reminder_settings(state: State<'_, AppState>) -> Result<ReminderSettings, AppError> {
    state
        .with_database(|database| {
            database.queue_viewer()?.ok_or_else(no_user)?;
            Ok(database.reminder_settings()?)
        })
        .await
}

#[tauri::command]
pub async fn set_reminder_settings(
    state: State<'_, AppState>,
    Args(settings): Args<ReminderSettings>,
) -> Result<ReminderSettings, AppError> {
    state
        .with_database(move |database| {
            database.queue_viewer()?.ok_or_else(no_user)?;
            Ok(database.set_reminder_settings(&settings)?)
        })
        .await
}
