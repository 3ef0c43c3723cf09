//! Everything this profile holds about one customer, for their access request (GDPR article 15,
//! CCPA's right to know): the account as imported, and each of its cases with every recorded
//! event (who did what, when, and what was said), as machine-readable JSON. The desk renders the
//! same data as a readable summary. Only the roles the policy lets handle a customer's data may
//! take it out (`holdfast_core::erasure::may_erase`).

use holdfast_core::account::Account;
use holdfast_core::personal::PERSONAL_KEY;
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use crate::cases::CaseSummary;
use crate::error::{Result, StoreError};
use crate::Database;

/// The JSON file's `format`.
pub const CUSTOMER_DATA_FORMAT: &str = "holdfast-customer-data";

/// What is held about one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerData {
    pub format: &'static str,
    pub version: u32,
    pub exported_at: Timestamp,
    /// Who took it out (the user's name).
    pub exported_by: String,
    /// The account's own personal data was erased.
    pub erased: bool,
    pub account: Account,
    pub cases: Vec<CustomerCase>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerCase {
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// Every recorded event of the case, oldest first.
    pub events: Vec<CustomerEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerEvent {
    pub recorded_at: Timestamp,
    pub kind: String,
    /// Who did it, by name.
    pub by: String,
    /// The event as recorded, without the log's sealing data.
    pub details: serde_json::Value,
}

impl Database {
    /// What this profile holds about the customer `account_id`, taken out by the acting user.
    pub fn customer_data(&self, account_id: Uuid, now: Timestamp) -> Result<CustomerData> {
        let actor = self.acting_user()?.ok_or_else(|| {
            StoreError::Rule(holdfast_core::CoreError::invalid(
                "actor",
                "choose who is at the desk before taking out a customer's data",
            ))
        })?;
        holdfast_core::erasure::may_erase(&actor, self.policy()?.as_ref())?;
        let account = self.account(account_id)?;
        let mut cases = Vec::new();
        for case_id in crate::erasure::cases_of(&self.conn, account_id)? {
            let summary = self.case(case_id)?;
            let events = self
                .timeline(case_id)?
                .into_iter()
                .map(|entry| {
                    let mut details = entry.event;
                    if let Some(map) = details.as_object_mut() {
                        map.remove(PERSONAL_KEY);
                        map.remove("kind");
                    }
                    CustomerEvent {
                        recorded_at: entry.recorded_at,
                        kind: entry.kind,
                        by: entry.actor_name,
                        details,
                    }
                })
                .collect();
            cases.push(CustomerCase { summary, events });
        }
        cases.sort_by_key(|case| case.summary.received_at);
        Ok(CustomerData {
            format: CUSTOMER_DATA_FORMAT,
            version: 1,
            exported_at: now,
            exported_by: self.display_name(&actor.user_id)?,
            erased: holdfast_core::erasure::is_erased(&account.draft),
            account,
            cases,
        })
    }
}
