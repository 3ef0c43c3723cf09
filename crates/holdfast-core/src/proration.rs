//! The prorated refund at cancellation: the part of the current billing period's price that the
//! customer paid for and will not use. Whole days, integer minor units, rounded down (in the
//! company's favour by less than one minor unit); never negative, never more than the price.

use jiff::civil::Date;
use jiff::Unit;

use crate::money::Money;

/// The refund for a period that runs from `period_start` (the first day paid for) up to, not
/// including, `period_end` (the first day of the next period), when the cancellation takes effect
/// on `effective`. Service ends as the effective date begins, so the days from `effective` up to
/// `period_end` are unused: `price × unused days / period days`, rounded down.
///
/// An effective date on or before the period's start refunds the whole price; one on or after
/// its end refunds nothing. `None` when the period is empty or backwards, or the price negative:
/// there is nothing sensible to prorate.
pub fn prorated_refund(
    price: Money,
    period_start: Date,
    period_end: Date,
    effective: Date,
) -> Option<Money> {
    if price.minor < 0 {
        return None;
    }
    let days = |from: Date, to: Date| -> Option<i64> {
        from.until((Unit::Day, to))
            .ok()
            .map(|span| i64::from(span.get_days()))
    };
    let period_days = days(period_start, period_end)?;
    if period_days <= 0 {
        return None;
    }
    let unused_from = effective.clamp(period_start, period_end);
    let unused_days = days(unused_from, period_end)?.clamp(0, period_days);
    // i128: a price near i64::MAX times a period of days does not fit in i64.
    let minor = i128::from(price.minor) * i128::from(unused_days) / i128::from(period_days);
    // At most the price, so it fits.
    let minor = i64::try_from(minor).ok()?;
    Some(Money::new(minor, price.currency))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::money::Currency;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").unwrap())
    }

    #[test]
    fn refunds_the_unused_days_of_the_period() {
        // December has 31 days; from the 22nd, 10 of them are unused.
        assert_eq!(
            prorated_refund(
                usd(3_100),
                date(2026, 12, 1),
                date(2027, 1, 1),
                date(2026, 12, 22)
            ),
            Some(usd(1_000))
        );
        // A 30-day period, 15 days unused: half.
        assert_eq!(
            prorated_refund(
                usd(9_900),
                date(2026, 11, 1),
                date(2026, 12, 1),
                date(2026, 11, 16)
            ),
            Some(usd(4_950))
        );
    }

    #[test]
    fn rounds_down_to_the_minor_unit() {
        // 10.00 over 3 days with 1 unused is 3.333...: 3.33.
        assert_eq!(
            prorated_refund(
                usd(1_000),
                date(2026, 1, 1),
                date(2026, 1, 4),
                date(2026, 1, 3)
            ),
            Some(usd(333))
        );
        // 0.01 over 31 days with 30 unused: nothing.
        assert_eq!(
            prorated_refund(
                usd(1),
                date(2026, 12, 1),
                date(2027, 1, 1),
                date(2026, 12, 2)
            ),
            Some(usd(0))
        );
    }

    #[test]
    fn clamps_to_the_period() {
        let (start, end) = (date(2026, 12, 1), date(2027, 1, 1));
        assert_eq!(
            prorated_refund(usd(5_000), start, end, date(2026, 11, 15)),
            Some(usd(5_000)),
            "before the period: all of it is unused"
        );
        assert_eq!(
            prorated_refund(usd(5_000), start, end, start),
            Some(usd(5_000))
        );
        assert_eq!(prorated_refund(usd(5_000), start, end, end), Some(usd(0)));
        assert_eq!(
            prorated_refund(usd(5_000), start, end, date(2027, 3, 1)),
            Some(usd(0)),
            "after the period: nothing is unused"
        );
    }

    #[test]
    fn counts_leap_days() {
        // February 2028 has 29 days; 1 unused.
        assert_eq!(
            prorated_refund(
                usd(2_900),
                date(2028, 2, 1),
                date(2028, 3, 1),
                date(2028, 2, 29)
            ),
            Some(usd(100))
        );
        // A yearly plan over a leap year: 366 days.
        assert_eq!(
            prorated_refund(
                usd(366_000),
                date(2028, 1, 1),
                date(2029, 1, 1),
                date(2028, 12, 31)
            ),
            Some(usd(1_000))
        );
    }

    #[test]
    fn never_overflows_or_goes_negative() {
        let (start, end) = (date(2026, 1, 1), date(2027, 1, 1));
        let huge = prorated_refund(usd(i64::MAX), start, end, date(2026, 1, 2)).unwrap();
        assert!(huge.minor > 0 && huge.minor < i64::MAX);
        assert_eq!(
            prorated_refund(usd(i64::MAX), start, end, start),
            Some(usd(i64::MAX))
        );
        assert_eq!(prorated_refund(usd(-1), start, end, start), None);
        assert_eq!(prorated_refund(usd(0), start, end, start), Some(usd(0)));
    }

    #[test]
    fn an_empty_or_backwards_period_has_no_proration() {
        let day = date(2026, 12, 1);
        assert_eq!(prorated_refund(usd(1_000), day, day, day), None);
        assert_eq!(
            prorated_refund(usd(1_000), date(2027, 1, 1), day, day),
            None
        );
    }
}
