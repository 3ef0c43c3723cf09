//! Cases: receiving a cancellation request through the case engine, and the inbox.

use holdfast_core::account::Account;
use holdfast_core::case::OpenCase;
use holdfast_core::workflow::{checklist_at, CaseCommand, CaseEvent, Checklist, OfferProposal};
use holdfast_store::case_commands::TimelineEntry;
use holdfast_store::cases::{CasePage, CaseSummary, InboxQuery};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::profile::{no_policy, no_user};
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn open_case(
    state: State<'_, AppState>,
    Args(args): Args<OpenCase>,
) -> Result<CaseSummary, AppError> {
    state
        .with_database(move |database| {
            let policy = database.policy()?.ok_or_else(no_policy)?;
            let actor = database.acting_user()?.ok_or_else(no_user)?;
            let case_id = Uuid::now_v7();
            let command = CaseCommand::Receive {
                case_id,
                account_id: args.account_id,
                channel: args.channel,
                requester_name: args.requester_name,
                requester_contact: args.requester_contact,
                received_at: args.received_at,
            };
            database.run_case_command(case_id, &command, &actor, &policy, crate::clock::now())?;
            Ok(database.case(case_id)?)
        })
        .await
}

/// A case with its checklist against the profile's policy and its timeline.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    /// The customer's account, for the case page's header.
    pub account: Account,
    pub checklist: Option<Checklist>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Deserialize, TS)]
pub struct CaseArgs {
    pub case_id: Uuid,
}

#[derive(Debug, Deserialize, TS)]
pub struct CaseCommandArgs {
    pub case_id: Uuid,
    pub command: CaseCommand,
}

pub(crate) fn detail(
    database: &holdfast_store::Database,
    case_id: Uuid,
) -> Result<CaseDetail, AppError> {
    let user = database.acting_user()?;
    let checklist = match (database.case_state(case_id)?, database.policy()?, user) {
        (Some(state), Some(policy), Some(user)) => {
            let facts = database.account_facts(state.account_id)?;
            // Built at the desk's time, so that what has fallen due leads (a refund's check).
            Some(checklist_at(
                &state,
                &policy,
                &facts,
                &user,
                crate::clock::now(),
            ))
        }
        _ => None,
    };
    let summary = database.case(case_id)?;
    Ok(CaseDetail {
        account: database.account(summary.account_id)?,
        summary,
        checklist,
        timeline: database.timeline(case_id)?,
    })
}

#[tauri::command]
pub async fn case_detail(
    state: State<'_, AppState>,
    Args(args): Args<CaseArgs>,
) -> Result<CaseDetail, AppError> {
    state
        .with_database(move |database| detail(database, args.case_id))
        .await
}

/// Any step of the workflow on an existing case, decided by the local user under the profile's
/// policy. Receiving a new request goes through `open_case`.
#[tauri::command]
pub async fn run_case_command(
    state: State<'_, AppState>,
    Args(args): Args<CaseCommandArgs>,
) -> Result<CaseDetail, AppError> {
    if matches!(args.command, CaseCommand::Receive { .. }) {
        return Err(AppError::validation(
            "command",
            "open a new case from its account",
        ));
    }
    // Codes are drawn by the shell, never chosen by the window.
    if matches!(
        args.command,
        CaseCommand::SendOneTimeCode { .. } | CaseCommand::EnterOneTimeCode { .. }
    ) {
        return Err(AppError::validation(
            "command",
            "one-time codes go through send_one_time_code and enter_one_time_code",
        ));
    }
    state
        .with_database(move |database| run_as_acting_user(database, args.case_id, &args.command))
        .await
}

/// Decides `command` on the case as the profile's acting user under its policy, commits it, and returns
/// the case as it now stands.
pub(crate) fn run_as_acting_user(
    database: &mut holdfast_store::Database,
    case_id: Uuid,
    command: &CaseCommand,
) -> Result<CaseDetail, AppError> {
    let policy = database.policy()?.ok_or_else(no_policy)?;
    let actor = database.acting_user()?.ok_or_else(no_user)?;
    database.run_case_command(case_id, command, &actor, &policy, crate::clock::now())?;
    detail(database, case_id)
}

#[derive(Debug, Deserialize, TS)]
pub struct OfferCheckArgs {
    pub case_id: Uuid,
    pub offer_id: String,
    pub terms: OfferProposal,
}

/// What proposing an offer would mean, decided by the engine without recording anything.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OfferCheck {
    /// Outside the policy's limits: it can be proposed, but not accepted before approval.
    pub needs_approval: bool,
}

#[tauri::command]
pub async fn check_offer(
    state: State<'_, AppState>,
    Args(args): Args<OfferCheckArgs>,
) -> Result<OfferCheck, AppError> {
    state
        .with_database(move |database| {
            let policy = database.policy()?.ok_or_else(no_policy)?;
            let actor = database.acting_user()?.ok_or_else(no_user)?;
            let command = CaseCommand::ProposeOffer {
                offer_id: args.offer_id,
                terms: args.terms,
            };
            let events = database.preview_case_command(
                args.case_id,
                &command,
                &actor,
                &policy,
                crate::clock::now(),
            )?;
            match events.first() {
                Some(CaseEvent::OfferProposed { needs_approval, .. }) => Ok(OfferCheck {
                    needs_approval: *needs_approval,
                }),
                _ => Err(AppError::internal("the engine did not propose the offer")),
            }
        })
        .await
}

/// One page of the inbox: filters, sort, search and the cursor of the previous page. A blank
/// filter value, a "due within" window out of range, a search text too long or a cursor from
/// another sort is `Validation` with that field; nothing is read then.
#[tauri::command]
pub async fn list_inbox(
    state: State<'_, AppState>,
    Args(args): Args<InboxQuery>,
) -> Result<CasePage, AppError> {
    state
        .with_database(move |database| Ok(database.inbox(&args)?))
        .await
}

/// What the inbox's Owner, Tier and Reason filters offer.
#[tauri::command]
pub async fn inbox_facets(
    state: State<'_, AppState>,
) -> Result<holdfast_store::cases::InboxFacets, AppError> {
    state
        .with_database(move |database| Ok(database.inbox_facets()?))
        .await
}
