//! Whether a save held: a saved customer who cancels within 90 days of being saved is not
//! counted as kept.
//!
//! Exactly: day 0 is the day of the save (the closing step that saved the case) in the policy's
//! time zone. The customer "cancels on day N" when another case of the same account, received
//! at or after the save, ended cancelled and was received on day N (the day the customer asked
//! again; how long the team then took to finalize does not move it). Day 1 to day 90 (inclusive)
//! is within 90 days: not kept. A first such cancellation on day 91 or later, or none, keeps the
//! save, but only once day 91 has begun; until then it is pending. So day 89 and day 90 are not
//! kept, day 91 is kept.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::calendar::{day_in, days_between};
use super::case::ReportCase;

/// The last day, counted from the save, on which a cancellation undoes it.
pub const KEPT_AFTER_DAYS: i64 = 90;

/// Whether a save held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "keeping")]
pub enum Keeping {
    /// 90 days have passed with no cancellation of the account.
    Kept,
    /// The customer cancelled on `day` after the save, in the case `cancelled_in`.
    NotKept { cancelled_in: Uuid, day: i64 },
    /// Fewer than 90 days have passed and the customer has not cancelled (yet).
    Pending,
}

/// The cancellations of every account, by the instant they were requested, to look up whether
/// a save held. Built from every case given to a report, before any filter, since the later
/// cancellation may belong to another member or reason than the save.
pub(crate) struct Cancellations {
    by_account: HashMap<Uuid, Vec<(Timestamp, Uuid)>>,
}

impl Cancellations {
    pub(crate) fn of(cases: &[ReportCase]) -> Cancellations {
        let mut by_account: HashMap<Uuid, Vec<(Timestamp, Uuid)>> = HashMap::new();
        for case in cases.iter().filter(|case| case.is_cancelled()) {
            by_account
                .entry(case.account_id)
                .or_default()
                .push((case.received_at, case.case_id));
        }
        for requests in by_account.values_mut() {
            requests.sort_unstable();
        }
        Cancellations { by_account }
    }

    /// Whether the save of `case` at `saved_at` held, as of `today` (in `zone`).
    pub(crate) fn keeping(
        &self,
        case: &ReportCase,
        saved_at: Timestamp,
        zone: &TimeZone,
        today: Date,
    ) -> Keeping {
        let saved_on = day_in(saved_at, zone);
        let later = self.by_account.get(&case.account_id).and_then(|requests| {
            let first = requests.partition_point(|(at, _)| *at < saved_at);
            requests
                .get(first..)
                .and_then(|rest| rest.iter().find(|(_, id)| *id != case.case_id))
        });
        if let Some((at, cancelled_in)) = later {
            let day = days_between(saved_on, day_in(*at, zone));
            if day <= KEPT_AFTER_DAYS {
                return Keeping::NotKept {
                    cancelled_in: *cancelled_in,
                    day,
                };
            }
            return Keeping::Kept;
        }
        if days_between(saved_on, today) > KEPT_AFTER_DAYS {
            Keeping::Kept
        } else {
            Keeping::Pending
        }
    }
}
