//! The building blocks every report figure is made of, and their arithmetic: a count with the
//! cases behind it (`Tally`), money per currency (`CurrencyTotal`, never summed across
//! currencies), a rate in basis points (`Rate`), a change against the previous period (`Change`,
//! `MoneyChange`) and the nearest-rank percentile. Integers only; every rounding is here.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::money::{Currency, Money};

/// A count, and the cases behind it (each case once, in the order first counted), so that every
/// figure drills down. `count` may exceed `case_ids.len()` when a case contributes several items
/// (two offers proposed on one case count two).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct Tally {
    pub count: u32,
    pub case_ids: Vec<Uuid>,
}

impl Tally {
    /// Counts one item of `case`. A case's items are counted one after the other, so checking the
    /// last id is enough to list each case once.
    pub(crate) fn add(&mut self, case: Uuid) {
        self.count = self.count.saturating_add(1);
        if self.case_ids.last() != Some(&case) {
            self.case_ids.push(case);
        }
    }
}

/// A rate: `numerator` out of `denominator`, and the same in basis points (1/100 of a percent,
/// 10 000 = 100 %), rounded half up to the nearest basis point; `None` when the denominator is
/// zero (no rate, rather than a rate of zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct Rate {
    pub numerator: u32,
    pub denominator: u32,
    pub basis_points: Option<u32>,
}

impl Rate {
    pub fn of(numerator: u32, denominator: u32) -> Rate {
        let basis_points = (denominator > 0).then(|| {
            let scaled = u64::from(numerator) * 20_000 + u64::from(denominator);
            u32::try_from(scaled / (2 * u64::from(denominator))).unwrap_or(u32::MAX)
        });
        Rate {
            numerator,
            denominator,
            basis_points,
        }
    }
}

/// `numerator / denominator` rounded to the nearest integer, halves away from zero; the
/// denominator must be positive.
pub(crate) fn divide_rounded(numerator: i128, denominator: i128) -> i128 {
    if denominator <= 0 {
        return 0;
    }
    if numerator >= 0 {
        (2 * numerator + denominator) / (2 * denominator)
    } else {
        -((-2 * numerator + denominator) / (2 * denominator))
    }
}

/// A figure now against the previous period: the difference, and the relative change in basis
/// points (rounded half away from zero; `None` when the previous figure is zero, where no
/// relative change exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct Change {
    #[ts(type = "number")]
    pub current: i64,
    #[ts(type = "number")]
    pub previous: i64,
    #[ts(type = "number")]
    pub difference: i64,
    #[ts(type = "number | null")]
    pub basis_points: Option<i64>,
}

impl Change {
    pub fn between(current: i64, previous: i64) -> Change {
        let difference = current.saturating_sub(previous);
        let basis_points = (previous != 0).then(|| {
            let relative =
                divide_rounded(i128::from(difference) * 10_000, i128::from(previous).abs());
            i64::try_from(relative).unwrap_or(if relative < 0 { i64::MIN } else { i64::MAX })
        });
        Change {
            current,
            previous,
            difference,
            basis_points,
        }
    }
}

/// The change of a rate, in basis points of difference ("+2.50 points" is 250); `None` when
/// either period has no rate.
pub(crate) fn rate_points(current: Rate, previous: Rate) -> Option<i64> {
    Some(i64::from(current.basis_points?) - i64::from(previous.basis_points?))
}

/// Money of one currency: the total, how many amounts make it, and the cases behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CurrencyTotal {
    /// The sum in minor units (saturating at the largest amount `Money` holds).
    pub amount: Money,
    pub count: u32,
    pub case_ids: Vec<Uuid>,
}

/// Amounts kept apart by currency while a report is being made. Keyed by the ISO code, so the
/// finished list is in code order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Amounts(BTreeMap<&'static str, CurrencyTotal>);

impl Amounts {
    pub(crate) fn add(&mut self, money: Money, case: Uuid) {
        let total = self
            .0
            .entry(money.currency.code())
            .or_insert_with(|| CurrencyTotal {
                amount: Money::new(0, money.currency),
                count: 0,
                case_ids: Vec::new(),
            });
        total.amount.minor = total.amount.minor.saturating_add(money.minor);
        total.count = total.count.saturating_add(1);
        if total.case_ids.last() != Some(&case) {
            total.case_ids.push(case);
        }
    }

    pub(crate) fn finish(self) -> Vec<CurrencyTotal> {
        self.0.into_values().collect()
    }
}

/// An amount of one currency now against the previous period. A currency present in only one of
/// the two periods is zero in the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MoneyChange {
    pub current: Money,
    pub previous: Money,
    pub change: Change,
}

/// The change of each currency's total between two periods, in code order.
pub(crate) fn money_changes(
    current: &[CurrencyTotal],
    previous: &[CurrencyTotal],
) -> Vec<MoneyChange> {
    let mut by_code: BTreeMap<&'static str, (Currency, i64, i64)> = BTreeMap::new();
    for total in current {
        let currency = total.amount.currency;
        by_code.entry(currency.code()).or_insert((currency, 0, 0)).1 = total.amount.minor;
    }
    for total in previous {
        let currency = total.amount.currency;
        by_code.entry(currency.code()).or_insert((currency, 0, 0)).2 = total.amount.minor;
    }
    by_code
        .into_values()
        .map(|(currency, now, before)| MoneyChange {
            current: Money::new(now, currency),
            previous: Money::new(before, currency),
            change: Change::between(now, before),
        })
        .collect()
}

/// The nearest-rank percentile of sorted values: the value at rank ⌈p·n/100⌉ (1-based), so the
/// median of an even count is the lower middle value; `None` for no values.
pub(crate) fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(percent) * n).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).ok()?;
    sorted.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_to_a_basis_point() {
        assert_eq!(Rate::of(1, 3).basis_points, Some(3_333));
        assert_eq!(Rate::of(2, 3).basis_points, Some(6_667));
        assert_eq!(Rate::of(1, 8).basis_points, Some(1_250));
        // 1/20000 is exactly half a basis point: up.
        assert_eq!(Rate::of(1, 20_000).basis_points, Some(1));
        assert_eq!(Rate::of(0, 0).basis_points, None);
        assert_eq!(Rate::of(5, 5).basis_points, Some(10_000));
    }

    #[test]
    fn changes_are_relative_to_the_previous_period() {
        assert_eq!(Change::between(3, 2).basis_points, Some(5_000));
        assert_eq!(Change::between(1, 3).basis_points, Some(-6_667));
        assert_eq!(Change::between(4, 0).basis_points, None);
        assert_eq!(Change::between(0, 4).difference, -4);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5], 50), Some(3));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
    }
}
