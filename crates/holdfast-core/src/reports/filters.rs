//! What a report is narrowed to: a date range of UTC instants, a team member, a tier, a reason.

use jiff::Timestamp;
use serde::Deserialize;

use super::case::ReportCase;

/// A report's filters. Every one left `None` lets everything through.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, ts_rs::TS)]
pub struct Filters {
    /// The range's first instant (included). Each figure is placed in time by its own instant
    /// (a request by when it was received, a cancellation by when it was finalized, an offer by
    /// when it was proposed...), and counts when that instant is in the range.
    pub from: Option<Timestamp>,
    /// The instant the range ends (excluded).
    pub to: Option<Timestamp>,
    /// The person holding the case (its owner), by name as the case records it.
    pub member: Option<String>,
    /// The account's tier (any case).
    pub tier: Option<String>,
    /// The reason's id.
    pub reason: Option<String>,
}

impl Filters {
    /// Whether the case's member, tier and reason pass (the date range is checked per figure).
    pub fn admits(&self, case: &ReportCase) -> bool {
        let member = self
            .member
            .as_deref()
            .is_none_or(|member| case.owner.as_deref() == Some(member));
        let tier = self
            .tier
            .as_deref()
            .is_none_or(|tier| case.tier.eq_ignore_ascii_case(tier));
        let reason = self
            .reason
            .as_deref()
            .is_none_or(|reason| case.reason_id.as_deref() == Some(reason));
        member && tier && reason
    }
}
