//! The report's calendar: ISO weeks and calendar months in the policy's time zone, and the
//! day an instant falls on there. A week is Monday to Sunday and belongs to the ISO year of its
//! Thursday, so 2026-12-28..2027-01-03 is one week (2026-W53), never split at the new year.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use serde::Serialize;
use ts_rs::TS;

/// The day `at` falls on in `zone`.
pub fn day_in(at: Timestamp, zone: &TimeZone) -> Date {
    zone.to_datetime(at).date()
}

/// Whole calendar days from `earlier` to `later` (negative when `later` is earlier).
pub(crate) fn days_between(earlier: Date, later: Date) -> i64 {
    later.duration_since(earlier).as_hours() / 24
}

/// An ISO week: the ISO year, the week number (1 to 53) and its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
pub struct IsoWeek {
    pub year: i16,
    pub week: i8,
    /// The Monday that starts it.
    pub starts_on: Date,
}

impl IsoWeek {
    /// The week `day` is in.
    pub fn containing(day: Date) -> IsoWeek {
        let iso = day.iso_week_date();
        let back = i64::from(day.weekday().to_monday_zero_offset());
        IsoWeek {
            year: iso.year(),
            week: iso.week(),
            starts_on: day.saturating_sub(Span::new().days(back)),
        }
    }

    /// The week `at` falls in, in `zone`.
    pub fn of(at: Timestamp, zone: &TimeZone) -> IsoWeek {
        IsoWeek::containing(day_in(at, zone))
    }

    pub fn previous(self) -> IsoWeek {
        IsoWeek::containing(self.starts_on.saturating_sub(Span::new().days(7)))
    }

    pub fn next(self) -> IsoWeek {
        IsoWeek::containing(self.starts_on.saturating_add(Span::new().days(7)))
    }

    /// The Sunday that ends it.
    pub fn ends_on(self) -> Date {
        self.starts_on.saturating_add(Span::new().days(6))
    }

    /// "2026-W53".
    pub fn label(self) -> String {
        format!("{:04}-W{:02}", self.year, self.week)
    }

    /// The instants of the week in `zone`: from its Monday's start to the next Monday's.
    pub fn bounds(self, zone: &TimeZone) -> (Timestamp, Timestamp) {
        (
            start_of(self.starts_on, zone),
            start_of(self.next().starts_on, zone),
        )
    }

    /// How many weeks `self` is after `first`.
    pub fn index_from(self, first: IsoWeek) -> i64 {
        days_between(first.starts_on, self.starts_on).div_euclid(7)
    }
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
pub struct Month {
    pub year: i16,
    pub month: i8,
}

impl Month {
    pub fn containing(day: Date) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn of(at: Timestamp, zone: &TimeZone) -> Month {
        Month::containing(day_in(at, zone))
    }

    fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_ordinal(ordinal: i64) -> Month {
        Month {
            year: i16::try_from(ordinal.div_euclid(12)).unwrap_or(i16::MAX),
            month: i8::try_from(ordinal.rem_euclid(12) + 1).unwrap_or(12),
        }
    }

    pub fn previous(self) -> Month {
        Month::from_ordinal(self.ordinal() - 1)
    }

    pub fn next(self) -> Month {
        Month::from_ordinal(self.ordinal() + 1)
    }

    /// `count` months later (earlier when negative).
    pub fn plus(self, count: i64) -> Month {
        Month::from_ordinal(self.ordinal() + count)
    }

    /// The first day of the month (the last valid day for a month beyond the calendar's range).
    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).unwrap_or(Date::MAX)
    }

    /// "2027-01".
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// The instants of the month in `zone`.
    pub fn bounds(self, zone: &TimeZone) -> (Timestamp, Timestamp) {
        (
            start_of(self.first_day(), zone),
            start_of(self.next().first_day(), zone),
        )
    }

    pub(crate) fn index_from(self, first: Month) -> i64 {
        self.ordinal() - first.ordinal()
    }
}

/// The first instant of `day` in `zone` (the day's start, whatever a DST change does to
/// midnight).
pub fn start_of(day: Date, zone: &TimeZone) -> Timestamp {
    day.to_zoned(zone.clone())
        .map(|start| start.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// The instant one nanosecond before `at`: the last instant of a half-open range ending at `at`.
pub(crate) fn just_before(at: Timestamp) -> Timestamp {
    at.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_week_across_the_new_year_is_one_week() {
        let week = IsoWeek::containing(date(2027, 1, 3));
        assert_eq!(week, IsoWeek::containing(date(2026, 12, 28)));
        assert_eq!((week.year, week.week), (2026, 53));
        assert_eq!(week.starts_on, date(2026, 12, 28));
        assert_eq!(week.ends_on(), date(2027, 1, 3));
        assert_eq!(week.label(), "2026-W53");
        assert_eq!(week.next().label(), "2027-W01");
        assert_eq!(week.next().starts_on, date(2027, 1, 4));
        assert_eq!(week.previous().label(), "2026-W52");
        assert_eq!(week.next().index_from(week.previous()), 2);
    }

    #[test]
    fn months_step_across_years() {
        let december = Month::containing(date(2026, 12, 31));
        assert_eq!(
            december.next(),
            Month {
                year: 2027,
                month: 1
            }
        );
        assert_eq!(
            december.plus(-12),
            Month {
                year: 2025,
                month: 12
            }
        );
        assert_eq!(december.next().index_from(december.plus(-11)), 12);
        assert_eq!(december.label(), "2026-12");
    }

    #[test]
    fn a_late_sunday_in_utc_is_monday_in_auckland() {
        let zone = TimeZone::get("Pacific/Auckland").unwrap();
        let at: Timestamp = "2027-01-03T20:00:00Z".parse().unwrap();
        assert_eq!(IsoWeek::of(at, &TimeZone::UTC).label(), "2026-W53");
        assert_eq!(IsoWeek::of(at, &zone).label(), "2027-W01");
        assert_eq!(day_in(at, &zone).weekday(), jiff::civil::Weekday::Monday);
    }
}
