//! Cases: receiving a cancellation request through the case engine, and the inbox.

use holdfast_core::case::OpenCase;
use holdfast_core::workflow::CaseCommand;
use holdfast_store::cases::{CasePage, CaseSummary, InboxQuery};
use tauri::State;
use uuid::Uuid;

use crate::commands::profile::{no_policy, no_user};
use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn open_case(
    state: State<'_, AppState>,
    args: OpenCase,
) -> Result<CaseSummary, AppError> {
    state
        .with_database(move |database| {
            let policy = database.policy()?.ok_or_else(no_policy)?;
            let actor = database.local_user()?.ok_or_else(no_user)?.actor();
            let case_id = Uuid::now_v7();
            let command = CaseCommand::Receive {
                case_id,
                account_id: args.account_id,
                channel: args.channel,
                requester_name: args.requester_name,
                requester_contact: args.requester_contact,
                received_at: args.received_at,
            };
            database.run_case_command(
                case_id,
                &command,
                &actor,
                &policy,
                jiff::Timestamp::now(),
            )?;
            Ok(database.case(case_id)?)
        })
        .await
}

#[tauri::command]
pub async fn list_inbox(
    state: State<'_, AppState>,
    args: InboxQuery,
) -> Result<CasePage, AppError> {
    state
        .with_database(move |database| Ok(database.inbox(&args)?))
        .await
}
