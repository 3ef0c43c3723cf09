//! Win-back check-ins: how they went (dated by when the outcome was recorded), by outcome and by
//! check-in (the first at 3 months, and so on, as the policy scheduled them), and those due but
//! not made.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;
use ts_rs::TS;

use super::case::ReportCase;
use super::figures::{Rate, Tally};
use crate::workflow::WinBackOutcome;

/// The outcomes of some check-ins.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct WinBackOutcomes {
    pub made: Tally,
    pub reactivated: Tally,
    pub declined: Tally,
    pub no_answer: Tally,
    /// Reactivated out of made.
    pub reactivation_rate: Rate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CheckInGroup {
    /// 1-based, in the order of the schedule.
    pub number: u32,
    pub outcomes: WinBackOutcomes,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct WinBackFigures {
    pub all: WinBackOutcomes,
    pub by_check_in: Vec<CheckInGroup>,
    /// Check-ins due on a day in the range and before today, not made, and not made pointless by
    /// an earlier check-in at which the customer came back.
    pub overdue: Tally,
}

#[derive(Debug, Default)]
struct OutcomeCounter {
    made: Tally,
    reactivated: Tally,
    declined: Tally,
    no_answer: Tally,
}

impl OutcomeCounter {
    fn add(&mut self, case: &ReportCase, outcome: WinBackOutcome) {
        self.made.add(case.case_id);
        match outcome {
            WinBackOutcome::Reactivated => self.reactivated.add(case.case_id),
            WinBackOutcome::Declined => self.declined.add(case.case_id),
            WinBackOutcome::NoAnswer => self.no_answer.add(case.case_id),
        }
    }

    fn finish(self) -> WinBackOutcomes {
        WinBackOutcomes {
            reactivation_rate: Rate::of(self.reactivated.count, self.made.count),
            made: self.made,
            reactivated: self.reactivated,
            declined: self.declined,
            no_answer: self.no_answer,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct WinBackCounter {
    all: OutcomeCounter,
    by_check_in: BTreeMap<u32, OutcomeCounter>,
    overdue: Tally,
}

impl WinBackCounter {
    /// `in_range` tells an instant in the range; `day_in_range` a day; `today` is today in the
    /// policy's zone.
    pub(crate) fn add(
        &mut self,
        case: &ReportCase,
        in_range: impl Fn(jiff::Timestamp) -> bool,
        day_in_range: impl Fn(Date) -> bool,
        today: Date,
    ) {
        let mut came_back = false;
        for check_in in &case.check_ins {
            match (check_in.outcome, check_in.recorded_at) {
                (Some(outcome), Some(at)) => {
                    if in_range(at) {
                        self.all.add(case, outcome);
                        self.by_check_in
                            .entry(check_in.number)
                            .or_default()
                            .add(case, outcome);
                    }
                    came_back |= outcome == WinBackOutcome::Reactivated;
                }
                _ => {
                    if !came_back && check_in.due_on < today && day_in_range(check_in.due_on) {
                        self.overdue.add(case.case_id);
                    }
                }
            }
        }
    }

    pub(crate) fn finish(self) -> WinBackFigures {
        WinBackFigures {
            all: self.all.finish(),
            by_check_in: self
                .by_check_in
                .into_iter()
                .map(|(number, outcomes)| CheckInGroup {
                    number,
                    outcomes: outcomes.finish(),
                })
                .collect(),
            overdue: self.overdue,
        }
    }
}
