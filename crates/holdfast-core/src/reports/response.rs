//! The first response: how long customers waited for it (median and 90th percentile) and how
//! often the promise (the SLA's due instant) was broken. Dated by when the request was received.

use serde::Serialize;
use ts_rs::TS;

use super::case::ReportCase;
use super::figures::{nearest_rank, Rate, Tally};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct FirstResponseFigures {
    pub received: Tally,
    /// Acknowledged (whenever, as of now).
    pub answered: Tally,
    /// Wall-clock seconds from receipt to acknowledgement, nearest-rank median and 90th
    /// percentile over the answered requests; `None` when none was answered.
    #[ts(type = "number | null")]
    pub median_seconds: Option<i64>,
    #[ts(type = "number | null")]
    pub p90_seconds: Option<i64>,
    /// Answered at or before the due instant.
    pub on_time: Tally,
    /// Answered after the due instant.
    pub answered_late: Tally,
    /// Not answered, and the due instant has passed.
    pub overdue: Tally,
    /// Late and overdue together: the SLA breaches.
    pub breaches: Tally,
    /// Breaches out of the requests whose SLA outcome is known (answered, or overdue).
    pub breach_rate: Rate,
}

#[derive(Debug, Default)]
pub(crate) struct ResponseCounter {
    figures: FirstResponseFigures,
    waits: Vec<i64>,
}

impl ResponseCounter {
    pub(crate) fn add(&mut self, case: &ReportCase, now: jiff::Timestamp) {
        let id = case.case_id;
        let figures = &mut self.figures;
        figures.received.add(id);
        if let Some(wait) = case.time_to_first_response() {
            figures.answered.add(id);
            self.waits.push(wait.as_secs());
        }
        if case.first_response_breached(now) {
            figures.breaches.add(id);
            if case.acknowledged_at.is_some() {
                figures.answered_late.add(id);
            } else {
                figures.overdue.add(id);
            }
        } else if case.acknowledged_at.is_some() {
            figures.on_time.add(id);
        }
    }

    pub(crate) fn finish(mut self) -> FirstResponseFigures {
        self.waits.sort_unstable();
        let mut figures = self.figures;
        figures.median_seconds = nearest_rank(&self.waits, 50);
        figures.p90_seconds = nearest_rank(&self.waits, 90);
        figures.breach_rate = Rate::of(
            figures.breaches.count,
            figures.answered.count.saturating_add(figures.overdue.count),
        );
        figures
    }
}
