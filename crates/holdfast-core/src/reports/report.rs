//! `report`: every figure of the Reports screen from the cases, in one pass over them (plus a
//! sort per account for the 90-day rule and one of the first-response waits), so 100k cases stay
//! well inside the screen's budget.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use ts_rs::TS;

use jiff::civil::Date;

use super::calendar::{day_in, days_between, just_before, start_of, IsoWeek, Month};
use super::case::ReportCase;
use super::filters::Filters;
use super::keeping::Cancellations;
use super::offers::{KeepingCounter, KeepingFigures, OfferCounter, OfferFigures};
use super::outcomes::{Breakdowns, Group, OutcomeCounter, OutcomeFigures};
use super::refunds::{RefundCounter, RefundFigures};
use super::response::{FirstResponseFigures, ResponseCounter};
use super::trend::{Trend, TrendCounter};
use super::win_back::{WinBackCounter, WinBackFigures};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WeekFigures {
    pub week: IsoWeek,
    pub figures: OutcomeFigures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MonthFigures {
    pub month: Month,
    pub figures: OutcomeFigures,
}

/// Every figure of the Reports screen. Each carries the ids of the cases behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Report {
    /// The range covered: the filters' own, or from the earliest request admitted to `now`
    /// (half-open: `to` is excluded).
    pub from: Timestamp,
    pub to: Timestamp,
    /// The range as a whole.
    pub totals: OutcomeFigures,
    /// Every ISO week the range touches, empty ones included, oldest first (the first and last
    /// may be partly outside the range; only what is inside is counted).
    pub weekly: Vec<WeekFigures>,
    /// Every month the range touches, likewise.
    pub monthly: Vec<MonthFigures>,
    pub by_reason: Vec<Group>,
    pub by_tier: Vec<Group>,
    pub by_owner: Vec<Group>,
    pub by_route: Vec<Group>,
    /// Requests by the version they were received under; outcomes by the version of the step
    /// that closed them.
    pub by_policy_version: Vec<Group>,
    /// Whether the saves in the range held (90 days without a cancellation).
    pub saves_kept: KeepingFigures,
    pub offers: OfferFigures,
    pub first_response: FirstResponseFigures,
    pub refunds: RefundFigures,
    pub win_back: WinBackFigures,
    pub trend: Trend,
}

/// The report of `cases` under `filters`, with weeks and months in `zone` (the policy's:
/// `policy.sla.calendar.zone`), as of `now`.
///
/// Give it every case, not only those of the range: whether a save was kept depends on the
/// account's later cases, whoever holds them, and the trend covers its own twelve months.
pub fn report(cases: &[ReportCase], filters: &Filters, zone: &TimeZone, now: Timestamp) -> Report {
    let cancellations = Cancellations::of(cases);
    let admitted = || cases.iter().filter(|case| filters.admits(case));
    let to = filters.to.unwrap_or_else(|| {
        now.checked_add(SignedDuration::from_nanos(1))
            .unwrap_or(now)
    });
    let from = filters.from.unwrap_or_else(|| {
        admitted()
            .map(|case| case.received_at)
            .min()
            .unwrap_or(now)
            .min(now)
    });
    let in_range = |at: Timestamp| from <= at && at < to;
    let day_in_range = |day: Date| in_range(start_of(day, zone));
    let today = day_in(now, zone);

    let (weeks, months) = if from < to {
        let last = just_before(to);
        let first_week = IsoWeek::of(from, zone);
        let last_week = IsoWeek::of(last, zone);
        let mut weeks = vec![first_week];
        while let Some(week) = weeks.last().copied().filter(|week| *week < last_week) {
            weeks.push(week.next());
        }
        let first_month = Month::of(from, zone);
        let last_month = Month::of(last, zone);
        let mut months = vec![first_month];
        while let Some(month) = months.last().copied().filter(|month| *month < last_month) {
            months.push(month.next());
        }
        (weeks, months)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut weekly: Vec<OutcomeCounter> = weeks.iter().map(|_| OutcomeCounter::default()).collect();
    let mut monthly: Vec<OutcomeCounter> =
        months.iter().map(|_| OutcomeCounter::default()).collect();
    // Each instant is turned into its day in the zone once; weeks and months are counted from
    // the day.
    let week_of = |day: Date| {
        let first = weeks.first()?;
        usize::try_from(days_between(first.starts_on, day).div_euclid(7)).ok()
    };
    let month_of = |day: Date| {
        let first = months.first()?;
        usize::try_from(Month::containing(day).index_from(*first)).ok()
    };

    let mut totals = OutcomeCounter::default();
    let mut breakdowns = Breakdowns::default();
    let mut saves_kept = KeepingCounter::default();
    let mut offers = OfferCounter::default();
    let mut first_response = ResponseCounter::default();
    let mut refunds = RefundCounter::default();
    let mut win_back = WinBackCounter::default();
    let mut trend = TrendCounter::new(now, zone);

    for case in admitted() {
        let received_on = day_in(case.received_at, zone);
        let closed_on = case
            .closing
            .as_ref()
            .map(|closing| day_in(closing.at, zone));
        trend.add(case, received_on, closed_on);
        if in_range(case.received_at) {
            totals.receive(case);
            breakdowns.receive(case);
            first_response.add(case, now);
            if let Some(week) = week_of(received_on).and_then(|i| weekly.get_mut(i)) {
                week.receive(case);
            }
            if let Some(month) = month_of(received_on).and_then(|i| monthly.get_mut(i)) {
                month.receive(case);
            }
        }
        let keeping = case
            .closing
            .as_ref()
            .filter(|closing| closing.how.is_saved())
            .map(|closing| cancellations.keeping(case, closing.at, zone, today));
        if let Some(closing) = case.closing.as_ref().filter(|closing| in_range(closing.at)) {
            totals.close(case, closing.how);
            breakdowns.close(case, closing.how, &closing.policy_version);
            if let Some(keeping) = keeping {
                saves_kept.add(case, keeping);
            }
            if let Some(week) = closed_on.and_then(week_of).and_then(|i| weekly.get_mut(i)) {
                week.close(case, closing.how);
            }
            if let Some(month) = closed_on
                .and_then(month_of)
                .and_then(|i| monthly.get_mut(i))
            {
                month.close(case, closing.how);
            }
        }
        offers.add(case, keeping, in_range);
        refunds.add(case, in_range);
        win_back.add(case, in_range, day_in_range, today);
    }

    Report {
        from,
        to,
        totals: totals.finish(),
        weekly: weeks
            .into_iter()
            .zip(weekly)
            .map(|(week, counter)| WeekFigures {
                week,
                figures: counter.finish(),
            })
            .collect(),
        monthly: months
            .into_iter()
            .zip(monthly)
            .map(|(month, counter)| MonthFigures {
                month,
                figures: counter.finish(),
            })
            .collect(),
        by_reason: breakdowns.reason.finish(),
        by_tier: breakdowns.tier.finish(),
        by_owner: breakdowns.owner.finish(),
        by_route: breakdowns.route.finish(),
        by_policy_version: breakdowns.policy_version.finish(),
        saves_kept: saves_kept.finish(),
        offers: offers.finish(),
        first_response: first_response.finish(),
        refunds: refunds.finish(),
        win_back: win_back.finish(),
        trend: trend.finish(),
    }
}
