//! Refunds by size band and by approval path, per currency, dated by when they were requested.
//!
//! The bands are in the refund's own currency's major units, upper bound included: up to 100,
//! over 100 up to 500, over 500 up to 1000, over 1000. 1000 is the 2017 procedure's line
//! between a refund billing processes and one that is reviewed; 500 is IntelliServe's largest
//! credit. A band never mixes currencies: each band lists a total per currency.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use super::case::{RefundApproval, ReportCase, ReportRefund};
use super::figures::{Amounts, CurrencyTotal};
use crate::money::Money;
use crate::workflow::RefundStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RefundBand {
    UpTo100,
    UpTo500,
    UpTo1000,
    Over1000,
}

impl RefundBand {
    /// The band of `amount`, in its currency's major units.
    pub fn of(amount: Money) -> RefundBand {
        let unit = 10_i64.saturating_pow(amount.currency.minor_digits());
        let within = |major: i64| amount.minor <= major.saturating_mul(unit);
        if within(100) {
            RefundBand::UpTo100
        } else if within(500) {
            RefundBand::UpTo500
        } else if within(1000) {
            RefundBand::UpTo1000
        } else {
            RefundBand::Over1000
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RefundBand::UpTo100 => "Up to 100",
            RefundBand::UpTo500 => "Over 100, up to 500",
            RefundBand::UpTo1000 => "Over 500, up to 1,000",
            RefundBand::Over1000 => "Over 1,000",
        }
    }
}

/// Refunds of one band or approval path, per currency and by where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct RefundTotals {
    /// Every refund requested, whatever became of it.
    pub requested: Vec<CurrencyTotal>,
    /// Issued by billing.
    pub issued: Vec<CurrencyTotal>,
    /// Waiting for a verification or for billing.
    pub open: Vec<CurrencyTotal>,
    pub denied: Vec<CurrencyTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RefundBandGroup {
    pub band: RefundBand,
    pub label: String,
    pub totals: RefundTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RefundApprovalGroup {
    pub approval: RefundApproval,
    pub label: String,
    pub totals: RefundTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct RefundFigures {
    pub all: RefundTotals,
    /// Only the bands that have refunds, smallest first.
    pub by_band: Vec<RefundBandGroup>,
    /// Only the paths that have refunds.
    pub by_approval: Vec<RefundApprovalGroup>,
}

#[derive(Debug, Default)]
struct TotalsCounter {
    requested: Amounts,
    issued: Amounts,
    open: Amounts,
    denied: Amounts,
}

impl TotalsCounter {
    fn add(&mut self, case: &ReportCase, refund: &ReportRefund) {
        self.requested.add(refund.amount, case.case_id);
        let by_status = match refund.status {
            RefundStatus::Completed => &mut self.issued,
            RefundStatus::Denied => &mut self.denied,
            RefundStatus::UnderReview | RefundStatus::BillingInProgress => &mut self.open,
        };
        by_status.add(refund.amount, case.case_id);
    }

    fn finish(self) -> RefundTotals {
        RefundTotals {
            requested: self.requested.finish(),
            issued: self.issued.finish(),
            open: self.open.finish(),
            denied: self.denied.finish(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct RefundCounter {
    all: TotalsCounter,
    by_band: BTreeMap<RefundBand, TotalsCounter>,
    by_approval: BTreeMap<RefundApproval, TotalsCounter>,
}

impl RefundCounter {
    pub(crate) fn add(&mut self, case: &ReportCase, in_range: impl Fn(jiff::Timestamp) -> bool) {
        for refund in case
            .refunds
            .iter()
            .filter(|refund| in_range(refund.requested_at))
        {
            self.all.add(case, refund);
            self.by_band
                .entry(RefundBand::of(refund.amount))
                .or_default()
                .add(case, refund);
            self.by_approval
                .entry(refund.approval)
                .or_default()
                .add(case, refund);
        }
    }

    pub(crate) fn finish(self) -> RefundFigures {
        RefundFigures {
            all: self.all.finish(),
            by_band: self
                .by_band
                .into_iter()
                .map(|(band, totals)| RefundBandGroup {
                    band,
                    label: band.label().to_owned(),
                    totals: totals.finish(),
                })
                .collect(),
            by_approval: self
                .by_approval
                .into_iter()
                .map(|(approval, totals)| RefundApprovalGroup {
                    approval,
                    label: approval.label().to_owned(),
                    totals: totals.finish(),
                })
                .collect(),
        }
    }
}
