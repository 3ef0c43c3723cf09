//! The cancellation sheet's row for a case (Billsbee: "name, phone number, date of cancellation,
//! total amount collected, number of months in the program, and reason for cancellation"), derived
//! from the case and its account, and which of its columns are still unknown. A policy that logs
//! requests in the sheet (`logged_before_finalization`) finalizes no case whose row has a blank
//! (`Gate::CancellationSheetComplete`), so every cancelled case of such a procedure has its whole
//! row.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;

use super::{AccountFacts, CaseState};
use crate::money::Money;
use crate::policy::Policy;

/// One row of the cancellation sheet, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CancellationSheetRow {
    /// The client: the account's contact, or the account when it names no contact.
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The date the cancellation takes effect once finalized; until then the date it was
    /// requested.
    pub date_of_cancellation: Date,
    pub total_collected: Option<Money>,
    /// Whole months from the customer's start to the date of cancellation.
    pub months_in_program: Option<i32>,
    /// The reason's label in the policy's words.
    pub reason: Option<String>,
}

impl CancellationSheetRow {
    /// The sheet's columns still unknown, by their name in the sheet.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            (self.name.is_none(), "name"),
            (self.phone.is_none(), "phone number"),
            (self.total_collected.is_none(), "total amount collected"),
            (self.months_in_program.is_none(), "months in the program"),
            (self.reason.is_none(), "reason for cancellation"),
        ]
        .into_iter()
        .filter_map(|(unknown, column)| unknown.then_some(column))
        .collect()
    }
}

/// The row of `state` in the cancellation sheet.
pub fn cancellation_sheet_row(
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
) -> CancellationSheetRow {
    sheet_row_of(
        state.received_at,
        state.finalization.as_ref().map(|done| done.effective_date),
        state.reason_id.as_deref(),
        policy,
        account,
    )
}

/// The sheet's row from the facts it is made of: when the request was received, the effective
/// date once finalized, the reason's id, the policy (its zone and the reason's words) and the
/// account. `cancellation_sheet_row` from a case's state; a store that keeps those facts in its
/// own columns makes the same row without the state.
pub fn sheet_row_of(
    received_at: Timestamp,
    effective_date: Option<Date>,
    reason_id: Option<&str>,
    policy: &Policy,
    account: &AccountFacts,
) -> CancellationSheetRow {
    let requested_on = received_at
        .to_zoned(policy.sla.calendar.zone.clone())
        .date();
    let date_of_cancellation = effective_date.unwrap_or(requested_on);
    let blank = |text: &Option<String>| text.clone().filter(|text| !text.trim().is_empty());
    CancellationSheetRow {
        name: blank(&account.contact_name).or_else(|| blank(&account.account_name)),
        phone: blank(&account.phone),
        date_of_cancellation,
        total_collected: account.total_collected,
        months_in_program: account
            .customer_since
            .filter(|since| *since <= date_of_cancellation)
            .and_then(|since| since.until((jiff::Unit::Month, date_of_cancellation)).ok())
            .map(|span| span.get_months()),
        reason: reason_id.map(|id| {
            policy
                .reason_label(id)
                .map_or_else(|| id.to_owned(), str::to_owned)
        }),
    }
}
