//! Reports: the figures of the Reports screen and the weekly reason report, as pure functions of
//! the cases. A case enters as a `ReportCase` (`report_case`, from its folded state, its
//! `CaseHistory`, the policy and the account's facts); `report` computes every figure in one
//! pass, each with the ids of the cases behind it; `weekly_reasons` is IntelliServe's weekly
//! reason report, and `weekly_reasons_csv` its file. Money stays per currency; rates are basis
//! points; weeks are ISO weeks in the policy's time zone.

mod calendar;
mod case;
mod figures;
mod filters;
mod history;
mod keeping;
mod offers;
mod outcomes;
mod refunds;
mod report;
mod response;
mod trend;
mod weekly_reasons;
mod win_back;

#[cfg(test)]
mod tests;

pub use calendar::{day_in, start_of, IsoWeek, Month};
pub use case::{
    case_facts, report_case, tier_as_spelled, ClosedAs, RefundApproval, ReportCase, ReportCheckIn,
    ReportOffer, ReportRefund,
};
pub use figures::{Change, CurrencyTotal, MoneyChange, Rate, Tally};
pub use filters::Filters;
pub use history::{CaseHistory, Closing, OfferRecorded};
pub use keeping::{Keeping, KEPT_AFTER_DAYS};
pub use offers::{KeepingFigures, OfferFigures, OfferFunnel, OfferGroup};
pub use outcomes::{route_key, route_label, Group, OutcomeFigures};
pub use refunds::{RefundApprovalGroup, RefundBand, RefundBandGroup, RefundFigures, RefundTotals};
pub use report::{report, MonthFigures, Report, WeekFigures};
pub use response::FirstResponseFigures;
pub use trend::{ReasonCancellations, Trend, TrendChange, TrendMonth, TREND_MONTHS};
pub use weekly_reasons::{
    weekly_reasons, weekly_reasons_csv, ReasonWeekRow, WeeklyReasonReport, WEEKLY_REASONS_COLUMNS,
};
pub use win_back::{CheckInGroup, WinBackFigures, WinBackOutcomes};
