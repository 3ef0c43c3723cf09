//! Business-hour arithmetic: when a promise of "N business minutes" (or days) falls due, counted
//! only on the policy's business days between its opening and closing times, in its time zone (so
//! daylight saving changes, weekends and holidays are handled the way the people keeping the
//! promise live them).

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp, Zoned};

use crate::policy::BusinessCalendar;

impl BusinessCalendar {
    /// A day on which business minutes pass: a business weekday that is not a holiday.
    pub fn is_business_day(&self, date: Date) -> bool {
        self.days.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    /// The business minutes in one business day.
    fn minutes_per_day(&self) -> u32 {
        let minutes = self.opens.duration_until(self.closes).as_mins();
        u32::try_from(minutes).unwrap_or(0)
    }

    /// The instant `days` business days after `start`: as many business minutes as that many
    /// full business days hold, so a check five business days after Monday 10:00 falls due the
    /// next Monday at 10:00, later for every holiday between, and a start outside business hours
    /// counts from the next opening.
    pub fn add_business_days(&self, start: Timestamp, days: u32) -> Option<Timestamp> {
        self.add_business_minutes(start, days.checked_mul(self.minutes_per_day())?)
    }

    fn at(&self, date: Date, time: jiff::civil::Time) -> Option<Zoned> {
        DateTime::from_parts(date, time)
            .to_zoned(self.zone.clone())
            .ok()
    }

    /// The opening of the first business day after `start`'s day (in the calendar's zone).
    pub fn next_business_day_opening(&self, start: Timestamp) -> Option<Timestamp> {
        let mut date = start.to_zoned(self.zone.clone()).date();
        for _ in 0..(366 * 2) {
            date = date.tomorrow().ok()?;
            if self.is_business_day(date) {
                return self.at(date, self.opens).map(|opens| opens.timestamp());
            }
        }
        None
    }

    /// The opening of `date` when it is a business day, else of the next business day (in the
    /// calendar's zone): when work set for a day (a win-back check-in) falls due.
    pub fn opening_on_or_after(&self, date: Date) -> Option<Timestamp> {
        if self.is_business_day(date) {
            return self.at(date, self.opens).map(|opens| opens.timestamp());
        }
        self.next_business_day_opening(self.at(date, self.opens)?.timestamp())
    }

    /// The instant `minutes` business minutes after `start`. A start outside business hours
    /// counts from the next opening. `None` only if the calendar cannot be resolved (a date
    /// beyond the supported range).
    pub fn add_business_minutes(&self, start: Timestamp, minutes: u32) -> Option<Timestamp> {
        let mut remaining = SignedDuration::from_mins(i64::from(minutes));
        let mut now = start.to_zoned(self.zone.clone());
        // A year of days is far more than any SLA needs; the bound keeps a bad calendar finite.
        for _ in 0..(366 * 2) {
            let date = now.date();
            if self.is_business_day(date) {
                let opens = self.at(date, self.opens)?;
                let closes = self.at(date, self.closes)?;
                if now < closes {
                    if now < opens {
                        now = opens;
                    }
                    let available = now.duration_until(&closes);
                    if remaining <= available {
                        return now.checked_add(remaining).ok().map(|due| due.timestamp());
                    }
                    remaining -= available;
                }
            }
            let next = date.tomorrow().ok()?;
            now = self.at(next, jiff::civil::Time::midnight())?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{time, Weekday};
    use jiff::tz::TimeZone;

    use super::*;

    fn calendar() -> BusinessCalendar {
        BusinessCalendar {
            zone_name: "America/New_York".into(),
            zone: TimeZone::get("America/New_York").unwrap(),
            days: vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ],
            opens: time(9, 0, 0, 0),
            closes: time(17, 0, 0, 0),
            holidays: Default::default(),
        }
    }

    fn with_holidays(dates: &[&str]) -> BusinessCalendar {
        BusinessCalendar {
            holidays: dates.iter().map(|date| date.parse().unwrap()).collect(),
            ..calendar()
        }
    }

    #[test]
    fn work_set_for_a_day_is_due_at_its_opening_or_the_next_business_days() {
        let calendar = with_holidays(&["2027-12-24"]);
        // Thursday 2027-12-16, in winter: 09:00 New York is 14:00 UTC.
        assert_eq!(
            calendar.opening_on_or_after("2027-12-16".parse().unwrap()),
            Some(at("2027-12-16T14:00:00Z"))
        );
        // Wednesday 2027-06-16, in summer: 09:00 New York is 13:00 UTC.
        assert_eq!(
            calendar.opening_on_or_after("2027-06-16".parse().unwrap()),
            Some(at("2027-06-16T13:00:00Z"))
        );
        // Saturday 2027-12-18: Monday's opening. Friday 2027-12-24, a holiday: Monday 27th.
        assert_eq!(
            calendar.opening_on_or_after("2027-12-18".parse().unwrap()),
            Some(at("2027-12-20T14:00:00Z"))
        );
        assert_eq!(
            calendar.opening_on_or_after("2027-12-24".parse().unwrap()),
            Some(at("2027-12-27T14:00:00Z"))
        );
    }

    #[test]
    fn a_holiday_passes_no_business_minutes() {
        // Thursday 2026-11-26 is Thanksgiving. Wednesday 16:30 New York + 60 minutes: 30 minutes
        // on Wednesday, none on Thursday, the rest Friday from 09:00.
        assert_eq!(
            with_holidays(&["2026-11-26"]).add_business_minutes(at("2026-11-25T21:30:00Z"), 60),
            Some(at("2026-11-27T14:30:00Z"))
        );
        // A request received on the holiday counts from the next business day's opening.
        assert_eq!(
            with_holidays(&["2026-11-26"]).add_business_minutes(at("2026-11-26T15:00:00Z"), 60),
            Some(at("2026-11-27T15:00:00Z"))
        );
        // Holidays on a weekend change nothing.
        assert_eq!(
            with_holidays(&["2026-11-28"]).add_business_minutes(at("2026-11-27T21:30:00Z"), 60),
            calendar().add_business_minutes(at("2026-11-27T21:30:00Z"), 60)
        );
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        // Monday 2026-11-23 10:00 New York + 5 business days: Monday 2026-11-30 10:00.
        assert_eq!(
            calendar().add_business_days(at("2026-11-23T15:00:00Z"), 5),
            Some(at("2026-11-30T15:00:00Z"))
        );
        // With Thanksgiving (Thursday) closed: Tuesday 2026-12-01 10:00.
        assert_eq!(
            with_holidays(&["2026-11-26"]).add_business_days(at("2026-11-23T15:00:00Z"), 5),
            Some(at("2026-12-01T15:00:00Z"))
        );
        // Friday after closing + 1 business day: all of Monday, due at its close.
        assert_eq!(
            calendar().add_business_days(at("2026-11-27T23:00:00Z"), 1),
            Some(at("2026-11-30T22:00:00Z"))
        );
    }

    #[test]
    fn the_next_business_day_opens_after_weekends_and_holidays() {
        // Friday 2026-11-27 10:00 New York: Monday 09:00 (14:00 UTC).
        assert_eq!(
            calendar().next_business_day_opening(at("2026-11-27T15:00:00Z")),
            Some(at("2026-11-30T14:00:00Z"))
        );
        // Wednesday before Thanksgiving: Friday.
        assert_eq!(
            with_holidays(&["2026-11-26"]).next_business_day_opening(at("2026-11-25T15:00:00Z")),
            Some(at("2026-11-27T14:00:00Z"))
        );
    }

    #[test]
    fn business_days_keep_the_local_time_across_a_daylight_saving_change() {
        // Friday 2026-10-30 10:00 EDT (14:00 UTC) + 1 business day: Monday 2026-11-02 10:00 EST
        // (15:00 UTC): the clocks went back on Sunday, the promise stays at ten o'clock.
        assert_eq!(
            calendar().add_business_days(at("2026-10-30T14:00:00Z"), 1),
            Some(at("2026-11-02T15:00:00Z"))
        );
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn inside_business_hours_it_is_plain_addition() {
        // Tuesday 10:00 in New York (EST, UTC-5) = 15:00 UTC.
        assert_eq!(
            calendar().add_business_minutes(at("2026-11-24T15:00:00Z"), 60),
            Some(at("2026-11-24T16:00:00Z"))
        );
    }

    #[test]
    fn late_requests_roll_to_the_next_opening() {
        // Tuesday 16:30 local: 30 minutes today, 30 tomorrow from 09:00.
        assert_eq!(
            calendar().add_business_minutes(at("2026-11-24T21:30:00Z"), 60),
            Some(at("2026-11-25T14:30:00Z"))
        );
        // Tuesday 20:00 local: counts from Wednesday 09:00.
        assert_eq!(
            calendar().add_business_minutes(at("2026-11-25T01:00:00Z"), 60),
            Some(at("2026-11-25T15:00:00Z"))
        );
    }

    #[test]
    fn weekends_are_skipped() {
        // Friday 16:45 local: 15 minutes Friday, 45 on Monday.
        assert_eq!(
            calendar().add_business_minutes(at("2026-11-27T21:45:00Z"), 60),
            Some(at("2026-11-30T14:45:00Z"))
        );
        // Saturday noon: Monday 10:00.
        assert_eq!(
            calendar().add_business_minutes(at("2026-11-28T17:00:00Z"), 60),
            Some(at("2026-11-30T15:00:00Z"))
        );
    }

    #[test]
    fn daylight_saving_changes_keep_local_hours() {
        // Friday 2026-03-06 16:30 EST (21:30 UTC); clocks go forward on Sunday 03-08.
        // 30 minutes on Friday, 30 from Monday 09:00 EDT (13:00 UTC).
        assert_eq!(
            calendar().add_business_minutes(at("2026-03-06T21:30:00Z"), 60),
            Some(at("2026-03-09T13:30:00Z"))
        );
    }

    #[test]
    fn long_promises_span_several_days() {
        // Two business days (960 minutes) from Monday 09:00 local ends Tuesday 17:00.
        assert_eq!(
            calendar().add_business_minutes(at("2026-11-23T14:00:00Z"), 960),
            Some(at("2026-11-24T22:00:00Z"))
        );
    }
}
