//! The weekly cancellation-reason report (IntelliServe 7.1, "compile weekly cancellation reason
//! reports; share insights with product, sales and marketing"): the reasons of the requests
//! received in one ISO week of the policy's zone, each with its count and share, beside the week
//! before; and its CSV rendering, for the store or shell to write as a file.
//!
//! It counts requests by when they were received (why customers asked to leave that week,
//! whatever became of them since), so a week's report changes only as reasons are captured for
//! its requests. Requests whose reason is not captured yet are a row of their own.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use serde::Serialize;
use ts_rs::TS;

use super::calendar::IsoWeek;
use super::case::ReportCase;
use super::figures::{rate_points, Change, Rate, Tally};
use super::filters::Filters;
use crate::CoreError;

/// One reason's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReasonWeekRow {
    /// `None`: requests whose reason is not captured yet.
    pub reason_id: Option<String>,
    pub label: String,
    pub this_week: Tally,
    /// Of all requests received this week.
    pub share: Rate,
    pub week_before: Tally,
    pub share_week_before: Rate,
    pub change: Change,
    /// The share's difference in basis points.
    #[ts(type = "number | null")]
    pub share_change_points: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WeeklyReasonReport {
    pub week: IsoWeek,
    pub week_before: IsoWeek,
    pub total: Tally,
    pub total_week_before: Tally,
    /// Most requests this week first (then most the week before, then by label); a reason with
    /// none this week but some the week before is listed too.
    pub reasons: Vec<ReasonWeekRow>,
}

/// The reason report of `week` in `zone`, for the cases `filters` admit by member, tier and
/// reason (its date range is ignored: the week is the range).
pub fn weekly_reasons(
    cases: &[ReportCase],
    filters: &Filters,
    week: IsoWeek,
    zone: &TimeZone,
) -> WeeklyReasonReport {
    let week_before = week.previous();
    let (start, end) = week.bounds(zone);
    let (before_start, _) = week_before.bounds(zone);
    let mut total = Tally::default();
    let mut total_before = Tally::default();
    let mut rows: BTreeMap<Option<&str>, (String, Tally, Tally)> = BTreeMap::new();
    for case in cases.iter().filter(|case| filters.admits(case)) {
        let at = case.received_at;
        let this = start <= at && at < end;
        let before = before_start <= at && at < start;
        if !this && !before {
            continue;
        }
        let row = rows.entry(case.reason_id.as_deref()).or_insert_with(|| {
            let label = case
                .reason_label
                .clone()
                .unwrap_or_else(|| "No reason captured yet".to_owned());
            (label, Tally::default(), Tally::default())
        });
        if this {
            row.1.add(case.case_id);
            total.add(case.case_id);
        } else {
            row.2.add(case.case_id);
            total_before.add(case.case_id);
        }
    }
    let mut reasons: Vec<ReasonWeekRow> = rows
        .into_iter()
        .map(|(reason_id, (label, this_week, week_before))| {
            let share = Rate::of(this_week.count, total.count);
            let share_week_before = Rate::of(week_before.count, total_before.count);
            ReasonWeekRow {
                reason_id: reason_id.map(str::to_owned),
                label,
                change: Change::between(i64::from(this_week.count), i64::from(week_before.count)),
                share_change_points: rate_points(share, share_week_before),
                share,
                share_week_before,
                this_week,
                week_before,
            }
        })
        .collect();
    reasons.sort_by(|a, b| {
        b.this_week
            .count
            .cmp(&a.this_week.count)
            .then(b.week_before.count.cmp(&a.week_before.count))
            .then_with(|| a.label.cmp(&b.label))
    });
    WeeklyReasonReport {
        week,
        week_before,
        total,
        total_week_before: total_before,
        reasons,
    }
}

/// Basis points as a percentage with two decimals ("12.50"); empty for no rate.
fn percent(rate: Rate) -> String {
    rate.basis_points
        .map(|points| format!("{}.{:02}", points / 100, points % 100))
        .unwrap_or_default()
}

/// A signed difference of basis points as percentage points ("+2.50", "-0.75"); empty for none.
fn points(difference: Option<i64>) -> String {
    difference
        .map(|points| {
            let sign = if points < 0 { "-" } else { "+" };
            let magnitude = points.unsigned_abs();
            format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
        })
        .unwrap_or_default()
}

/// The CSV header of the weekly reason report.
pub const WEEKLY_REASONS_COLUMNS: [&str; 9] = [
    "week",
    "reason_id",
    "reason",
    "requests",
    "share_percent",
    "requests_week_before",
    "share_percent_week_before",
    "change",
    "share_change_points",
];

/// The report as CSV (RFC 4180, a header line, one line per reason, then a "Total" line).
pub fn weekly_reasons_csv(report: &WeeklyReasonReport) -> Result<String, CoreError> {
    let failed = |error: csv::Error| CoreError::invalid("csv", error.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(WEEKLY_REASONS_COLUMNS)
        .map_err(failed)?;
    let week = report.week.label();
    for row in &report.reasons {
        writer
            .write_record([
                week.as_str(),
                row.reason_id.as_deref().unwrap_or(""),
                row.label.as_str(),
                &row.this_week.count.to_string(),
                &percent(row.share),
                &row.week_before.count.to_string(),
                &percent(row.share_week_before),
                &format!("{:+}", row.change.difference),
                &points(row.share_change_points),
            ])
            .map_err(failed)?;
    }
    let total = Change::between(
        i64::from(report.total.count),
        i64::from(report.total_week_before.count),
    );
    let whole = |count: u32| percent(Rate::of(count, count));
    writer
        .write_record([
            week.as_str(),
            "",
            "Total",
            &report.total.count.to_string(),
            &whole(report.total.count),
            &report.total_week_before.count.to_string(),
            &whole(report.total_week_before.count),
            &format!("{:+}", total.difference),
            "",
        ])
        .map_err(failed)?;
    let bytes = writer
        .into_inner()
        .map_err(|error| CoreError::invalid("csv", error.to_string()))?;
    String::from_utf8(bytes).map_err(|error| CoreError::invalid("csv", error.to_string()))
}
