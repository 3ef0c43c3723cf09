//! Settings → E-mail (issue 16): the outgoing mail server, its password (kept in the OS keyring,
//! never in the database, never sent back to the window), a test message, and a case's messages
//! waiting in the outbox.

use holdfast_store::mail::{MailSettings, OutboxEntry};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

/// The mail server as Settings shows it: never the password, only whether one is saved.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MailSetup {
    pub settings: Option<MailSettings>,
    pub password_saved: bool,
}

#[derive(Debug, Deserialize, TS)]
pub struct MailSetupChange {
    pub settings: MailSettings,
    /// A new password to keep in the keyring; absent keeps the saved one (or removes it when
    /// there is no user name any more), empty removes it.
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
pub struct TestMailArgs {
    /// Who gets the test message (the person's own address).
    pub to: String,
}

/// What the test message came to, in words when it failed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TestMailOutcome {
    pub sent: bool,
    pub message_id: Option<String>,
    pub server_reply: Option<String>,
    pub problem: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
pub struct CaseOutboxArgs {
    pub case_id: Uuid,
}

async fn setup(state: &AppState) -> Result<MailSetup, AppError> {
    let settings = state
        .with_database(|database| Ok(database.mail_settings()?))
        .await?;
    let password_saved = state.mail().password().ok().flatten().is_some();
    Ok(MailSetup {
        settings,
        password_saved,
    })
}

#[tauri::command]
pub async fn mail_setup(state: State<'_, AppState>) -> Result<MailSetup, AppError> {
    setup(&state).await
}

/// Saves the mail server (checked first: a refusal changes nothing, the password included), then
/// the password, and wakes the outbox.
#[tauri::command]
pub async fn set_mail_setup(
    state: State<'_, AppState>,
    Args(change): Args<MailSetupChange>,
) -> Result<MailSetup, AppError> {
    let settings = change.settings.validated()?;
    if settings.username.is_none() && change.password.as_deref().is_some_and(|p| !p.is_empty()) {
        return Err(AppError::validation(
            "username",
            "enter the user name the password belongs to",
        ));
    }
    let signs_in = settings.username.is_some();
    state
        .with_database(move |database| Ok(database.set_mail_settings(&settings)?))
        .await?;
    if let Some(password) = &change.password {
        state.mail().set_password(Some(password.as_str()))?;
    } else if !signs_in {
        // A server without a user name has no password: a saved one is removed.
        state.mail().set_password(None)?;
    }
    state.mail().wake();
    setup(&state).await
}

#[tauri::command]
pub async fn send_test_mail(
    state: State<'_, AppState>,
    Args(args): Args<TestMailArgs>,
) -> Result<TestMailOutcome, AppError> {
    let to = args.to.trim().to_owned();
    if !holdfast_store::mail::looks_like_address(&to) {
        return Err(AppError::validation("to", "enter an e-mail address"));
    }
    let settings = state
        .with_database(|database| Ok(database.mail_settings()?))
        .await?
        .ok_or_else(|| AppError::validation("settings", "save the mail server first"))?;
    let password = match settings.username {
        Some(_) => state.mail().password()?,
        None => None,
    };
    Ok(
        match crate::mail::send_test(&settings, password, &to).await {
            Ok(receipt) => TestMailOutcome {
                sent: true,
                message_id: Some(receipt.message_id),
                server_reply: Some(receipt.server_reply),
                problem: None,
            },
            Err(failure) => TestMailOutcome {
                sent: false,
                message_id: None,
                server_reply: None,
                problem: Some(failure.words),
            },
        },
    )
}

/// The case's messages not sent yet (waiting, failed, uncertain), oldest first.
#[tauri::command]
pub async fn case_outbox(
    state: State<'_, AppState>,
    Args(args): Args<CaseOutboxArgs>,
) -> Result<Vec<OutboxEntry>, AppError> {
    state
        .with_database(move |database| Ok(database.case_outbox(args.case_id)?))
        .await
}
