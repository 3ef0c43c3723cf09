//! The last twelve months as a trend: each month's outcomes and cancellations by reason, with the
//! change against the month before, and the twelve months together against the twelve before.
//! The twelfth month is the one `now` falls in (so far: `complete` is false). The trend follows
//! the member, tier and reason filters but not the date range, which it replaces.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;

use super::calendar::Month;
use super::case::{ClosedAs, ReportCase};
use super::figures::{money_changes, rate_points, Change, MoneyChange, Tally};
use super::outcomes::{OutcomeCounter, OutcomeFigures};

/// How many months the trend shows.
pub const TREND_MONTHS: usize = 12;

/// One period's outcomes against the period before.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct TrendChange {
    pub received: Change,
    pub cancelled: Change,
    pub saved: Change,
    /// The save rate's difference in basis points (+250 is 2.5 points up).
    #[ts(type = "number | null")]
    pub save_rate_points: Option<i64>,
    pub revenue_saved: Vec<MoneyChange>,
    pub revenue_lost: Vec<MoneyChange>,
}

impl TrendChange {
    pub fn between(current: &OutcomeFigures, previous: &OutcomeFigures) -> TrendChange {
        let count = |tally: &Tally| i64::from(tally.count);
        TrendChange {
            received: Change::between(count(&current.received), count(&previous.received)),
            cancelled: Change::between(count(&current.cancelled), count(&previous.cancelled)),
            saved: Change::between(count(&current.saved), count(&previous.saved)),
            save_rate_points: rate_points(current.save_rate, previous.save_rate),
            revenue_saved: money_changes(&current.revenue_saved, &previous.revenue_saved),
            revenue_lost: money_changes(&current.revenue_lost, &previous.revenue_lost),
        }
    }
}

/// Cancellations of one reason in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReasonCancellations {
    pub reason_id: Option<String>,
    pub label: String,
    pub cancelled: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TrendMonth {
    pub month: Month,
    /// False for the month `now` is in.
    pub complete: bool,
    pub figures: OutcomeFigures,
    /// In reason id order, requests with no reason first.
    pub cancelled_by_reason: Vec<ReasonCancellations>,
    /// Against the month before.
    pub change: TrendChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct Trend {
    /// Oldest first, twelve of them.
    pub months: Vec<TrendMonth>,
    pub last_twelve_months: OutcomeFigures,
    pub previous_twelve_months: OutcomeFigures,
    pub change: TrendChange,
}

type ReasonTallies<'a> = BTreeMap<Option<&'a str>, (String, Tally)>;

pub(crate) struct TrendCounter<'a> {
    /// The first of the 24 months counted (twelve shown, twelve before them).
    first: Month,
    current: Month,
    months: Vec<(OutcomeCounter, ReasonTallies<'a>)>,
    last: OutcomeCounter,
    previous: OutcomeCounter,
}

impl<'a> TrendCounter<'a> {
    pub(crate) fn new(now: Timestamp, zone: &TimeZone) -> TrendCounter<'a> {
        let current = Month::of(now, zone);
        let span = 2 * TREND_MONTHS;
        TrendCounter {
            first: current.plus(1 - span as i64),
            current,
            months: (0..span).map(|_| Default::default()).collect(),
            last: OutcomeCounter::default(),
            previous: OutcomeCounter::default(),
        }
    }

    /// The month of `day` among the 24, and whether it is one of the last twelve.
    fn slot(
        &mut self,
        day: Date,
    ) -> Option<(
        &mut (OutcomeCounter, ReasonTallies<'a>),
        &mut OutcomeCounter,
    )> {
        let index = usize::try_from(Month::containing(day).index_from(self.first)).ok()?;
        let month = self.months.get_mut(index)?;
        let total = if index >= TREND_MONTHS {
            &mut self.last
        } else {
            &mut self.previous
        };
        Some((month, total))
    }

    /// Counts `case`, received on `received_on` and closed on `closed_on` (days in the zone).
    pub(crate) fn add(&mut self, case: &'a ReportCase, received_on: Date, closed_on: Option<Date>) {
        if let Some(((month, _), total)) = self.slot(received_on) {
            month.receive(case);
            total.receive(case);
        }
        if let (Some(closing), Some(closed_on)) = (&case.closing, closed_on) {
            if let Some(((month, reasons), total)) = self.slot(closed_on) {
                month.close(case, closing.how);
                total.close(case, closing.how);
                if closing.how == ClosedAs::Cancelled {
                    reasons
                        .entry(case.reason_id.as_deref())
                        .or_insert_with(|| {
                            let label = case.reason_label.clone();
                            (
                                label.unwrap_or_else(|| "No reason captured".to_owned()),
                                Tally::default(),
                            )
                        })
                        .1
                        .add(case.case_id);
                }
            }
        }
    }

    pub(crate) fn finish(self) -> Trend {
        let mut previous: Option<OutcomeFigures> = None;
        let mut months = Vec::with_capacity(TREND_MONTHS);
        for (index, (counter, reasons)) in self.months.into_iter().enumerate() {
            let figures = counter.finish();
            if index >= TREND_MONTHS {
                let month = self.first.plus(index as i64);
                months.push(TrendMonth {
                    month,
                    complete: month != self.current,
                    change: match &previous {
                        Some(before) => TrendChange::between(&figures, before),
                        None => TrendChange::between(&figures, &OutcomeFigures::default()),
                    },
                    cancelled_by_reason: reasons
                        .into_iter()
                        .map(|(reason_id, (label, cancelled))| ReasonCancellations {
                            reason_id: reason_id.map(str::to_owned),
                            label,
                            cancelled,
                        })
                        .collect(),
                    figures: figures.clone(),
                });
            }
            previous = Some(figures);
        }
        let last = self.last.finish();
        let before = self.previous.finish();
        Trend {
            months,
            change: TrendChange::between(&last, &before),
            last_twelve_months: last,
            previous_twelve_months: before,
        }
    }
}
