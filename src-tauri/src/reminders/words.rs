//! The words of a reminder notification, from the planner's notice: one item says what is due for
//! whom (the item's title, "First response due: Acme") and when, in the person's terms (due in 12
//! minutes, at 14:30 in their zone; overdue by 2 hours); several at once say how many and list
//! the first few. Pure: the scheduler passes `now` and the person's zone.

use holdfast_core::reminders::{DueItem, Notice, ReminderKind, Stage};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::reminders::notifier::{Notification, Target};

/// How many items a grouped notification lists before "and N more".
pub const GROUP_LISTED: usize = 3;

/// Within this long after its due time an item is "due now", not yet overdue.
const DUE_NOW: SignedDuration = SignedDuration::from_secs(60);

/// The notification for `notice` at `now`, its times read in `zone`.
pub fn notification(notice: &Notice, now: Timestamp, zone: &TimeZone) -> Notification {
    match notice {
        Notice::One { item, stage } => {
            let mut lines: Vec<String> = when(item, *stage, now, zone).into_iter().collect();
            if let Some(detail) = item.detail.as_deref().map(str::trim) {
                if !detail.is_empty() {
                    lines.push(detail.to_owned());
                }
            }
            Notification {
                title: item.title.clone(),
                body: lines.join("\n"),
                target: item.case_id.map_or(Target::DueView, Target::Case),
            }
        }
        Notice::Group { items } => {
            let mut lines: Vec<String> = items
                .iter()
                .take(GROUP_LISTED)
                .map(|(item, stage)| match state(item, *stage, now) {
                    Some(state) => format!("{} ({state})", item.title),
                    None => item.title.clone(),
                })
                .collect();
            let more = items.len().saturating_sub(GROUP_LISTED);
            if more > 0 {
                lines.push(format!("and {more} more"));
            }
            Notification {
                title: format!("{} items due", items.len()),
                body: lines.join("\n"),
                target: Target::DueView,
            }
        }
    }
}

/// The sentence saying when `item` is due, as of `now`; `None` for work that says it itself (a
/// sync problem is about what already happened).
fn when(item: &DueItem, stage: Stage, now: Timestamp, zone: &TimeZone) -> Option<String> {
    let at = clock(item.due_at, now, zone);
    match stage {
        // Work given to the person before its due time: who gave it is on the case.
        Stage::Assigned => Some(format!(
            "New for you: due in {}, {at}.",
            span(item.due_at.duration_since(now), Rounding::Up)
        )),
        Stage::DueSoon => Some(format!(
            "Due in {}, {at}.",
            span(item.due_at.duration_since(now), Rounding::Up)
        )),
        Stage::Due => match item.kind {
            ReminderKind::Approval => Some(format!("Waiting for you since {}.", bare(&at))),
            ReminderKind::SyncProblem => None,
            ReminderKind::FirstResponse | ReminderKind::Task(_) => {
                let late = now.duration_since(item.due_at);
                if late < DUE_NOW {
                    Some("Due now.".to_owned())
                } else {
                    Some(format!(
                        "Overdue by {} (due {at}).",
                        span(late, Rounding::Down)
                    ))
                }
            }
        },
    }
}

/// The short state a grouped notification lists an item with.
fn state(item: &DueItem, stage: Stage, now: Timestamp) -> Option<String> {
    match stage {
        Stage::Assigned => Some(format!(
            "new, due in {}",
            span(item.due_at.duration_since(now), Rounding::Up)
        )),
        Stage::DueSoon => Some(format!(
            "due in {}",
            span(item.due_at.duration_since(now), Rounding::Up)
        )),
        Stage::Due => match item.kind {
            ReminderKind::Approval | ReminderKind::SyncProblem => None,
            ReminderKind::FirstResponse | ReminderKind::Task(_) => {
                let late = now.duration_since(item.due_at);
                if late < DUE_NOW {
                    Some("due now".to_owned())
                } else {
                    Some(format!("overdue by {}", span(late, Rounding::Down)))
                }
            }
        },
    }
}

/// "at 14:30" without its "at".
fn bare(at: &str) -> &str {
    at.strip_prefix("at ").unwrap_or(at)
}

#[derive(Clone, Copy)]
enum Rounding {
    /// A time still to come: 14 minutes 10 seconds is "15 minutes".
    Up,
    /// A time gone by: 2 hours 50 minutes late is "2 hours 50 minutes", never more than it is.
    Down,
}

fn plural(count: i64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// A duration as a person says it: minutes under an hour, hours and minutes under a day, days
/// and hours beyond.
fn span(duration: SignedDuration, rounding: Rounding) -> String {
    let seconds = duration.as_secs().max(0);
    let minutes = match rounding {
        Rounding::Up => (seconds + 59) / 60,
        Rounding::Down => seconds / 60,
    };
    if minutes < 1 {
        return "less than a minute".to_owned();
    }
    let (days, hours, minutes) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    let (big, small) = if days > 0 {
        (
            plural(days, "day"),
            (hours > 0).then(|| plural(hours, "hour")),
        )
    } else if hours > 0 {
        (
            plural(hours, "hour"),
            (minutes > 0).then(|| plural(minutes, "minute")),
        )
    } else {
        (plural(minutes, "minute"), None)
    };
    match small {
        Some(small) => format!("{big} {small}"),
        None => big,
    }
}

/// When `at` is, in `zone`, as seen from `now`: "at 14:30" today, "tomorrow at 09:00",
/// "yesterday at 17:00", "on Mon 7 Dec at 09:00" (with the year when it is not this one).
fn clock(at: Timestamp, now: Timestamp, zone: &TimeZone) -> String {
    let local = at.to_zoned(zone.clone());
    let today = now.to_zoned(zone.clone()).date();
    let time = local.strftime("%H:%M").to_string();
    let date = local.date();
    if date == today {
        format!("at {time}")
    } else if today.tomorrow().ok() == Some(date) {
        format!("tomorrow at {time}")
    } else if today.yesterday().ok() == Some(date) {
        format!("yesterday at {time}")
    } else if date.year() == today.year() {
        format!("on {} at {time}", local.strftime("%a %-d %b"))
    } else {
        format!("on {} at {time}", local.strftime("%a %-d %b %Y"))
    }
}

#[cfg(test)]
mod tests {
    use holdfast_core::read_model::TaskKind;
    use uuid::Uuid;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn item(kind: ReminderKind, due: &str, title: &str, detail: Option<&str>) -> DueItem {
        DueItem {
            key: format!("key/{title}"),
            case_id: Some(Uuid::from_u128(7)),
            kind,
            due_at: at(due),
            title: title.into(),
            detail: detail.map(Into::into),
        }
    }

    fn one(item: DueItem, stage: Stage, now: &str) -> Notification {
        notification(&Notice::One { item, stage }, at(now), &berlin())
    }

    #[test]
    fn a_first_response_due_soon_says_how_long_until_it_is_due_and_at_what_local_time() {
        let due = item(
            ReminderKind::FirstResponse,
            "2026-11-23T13:30:00Z",
            "First response due: Acme",
            None,
        );
        // 14 minutes 30 seconds before: a person says "15 minutes". 13:30 UTC is 14:30 in Berlin.
        let sent = one(due, Stage::DueSoon, "2026-11-23T13:15:30Z");
        assert_eq!(
            sent,
            Notification {
                title: "First response due: Acme".into(),
                body: "Due in 15 minutes, at 14:30.".into(),
                target: Target::Case(Uuid::from_u128(7)),
            }
        );
    }

    #[test]
    fn work_new_to_the_person_says_it_is_new_and_when_it_is_due() {
        let call = item(
            ReminderKind::Task(TaskKind::SaveCall),
            "2026-11-25T09:00:00Z",
            "Save call due: Acme",
            Some("Call +1 555 010 2030"),
        );
        // 1 day 23 hours 59 minutes ahead, said to the hour (rounded up); 09:00 UTC is 10:00 in
        // Berlin.
        let sent = one(call.clone(), Stage::Assigned, "2026-11-23T09:01:00Z");
        assert_eq!(sent.title, "Save call due: Acme");
        assert!(
            sent.body
                .starts_with("New for you: due in 1 day 23 hours, on Wed 25 Nov at 10:00.\n"),
            "{}",
            sent.body
        );
        let grouped = notification(
            &Notice::Group {
                items: vec![
                    (call.clone(), Stage::Assigned),
                    (call.clone(), Stage::Due),
                    (call.clone(), Stage::Due),
                    (call, Stage::Due),
                ],
            },
            at("2026-11-23T09:01:00Z"),
            &berlin(),
        );
        assert!(
            grouped
                .body
                .starts_with("Save call due: Acme (new, due in 1 day 23 hours)\n"),
            "{}",
            grouped.body
        );
    }

    #[test]
    fn an_item_raised_at_its_due_time_is_due_now_and_later_it_is_overdue_by_how_long() {
        let call = item(
            ReminderKind::Task(TaskKind::SaveCall),
            "2026-11-23T09:00:00Z",
            "Save call due: Acme",
            Some("Call +1 555 010 2030; reason: Too expensive"),
        );
        assert_eq!(
            one(call.clone(), Stage::Due, "2026-11-23T09:00:20Z").body,
            "Due now.\nCall +1 555 010 2030; reason: Too expensive"
        );
        assert_eq!(
            one(call.clone(), Stage::Due, "2026-11-23T11:50:59Z").body,
            "Overdue by 2 hours 50 minutes (due at 10:00).\nCall +1 555 010 2030; reason: Too expensive"
        );
        // Seen after a weekend away: days and hours, and the day it was due.
        assert_eq!(
            one(call, Stage::Due, "2026-11-26T12:00:00Z").body,
            "Overdue by 3 days 3 hours (due on Mon 23 Nov at 10:00).\nCall +1 555 010 2030; reason: Too expensive"
        );
    }

    #[test]
    fn times_are_said_in_the_persons_zone_across_midnight() {
        // 23:30 UTC on the 22nd is 00:30 on the 23rd in Berlin: "tomorrow" from the 22nd there.
        let due = item(
            ReminderKind::FirstResponse,
            "2026-11-22T23:30:00Z",
            "First response due: Acme",
            None,
        );
        assert_eq!(
            one(due.clone(), Stage::DueSoon, "2026-11-22T22:50:00Z").body,
            "Due in 40 minutes, tomorrow at 00:30."
        );
        assert_eq!(
            one(due, Stage::Due, "2026-11-23T09:00:00Z").body,
            "Overdue by 9 hours 30 minutes (due at 00:30)."
        );
    }

    #[test]
    fn approvals_say_since_when_they_wait_and_sync_problems_say_only_what_happened() {
        let approval = item(
            ReminderKind::Approval,
            "2026-11-23T08:00:00Z",
            "Offer awaiting your approval: Acme",
            Some("40% off for 2 months"),
        );
        assert_eq!(
            one(approval, Stage::Due, "2026-11-23T12:00:00Z").body,
            "Waiting for you since 09:00.\n40% off for 2 months"
        );
        let problem = DueItem {
            case_id: None,
            ..item(
                ReminderKind::SyncProblem,
                "2026-11-23T08:00:00Z",
                "Sync problem: the server refused to verify_refund",
                Some("A second person must verify this refund"),
            )
        };
        let sent = one(problem, Stage::Due, "2026-11-23T12:00:00Z");
        assert_eq!(sent.body, "A second person must verify this refund");
        assert_eq!(sent.target, Target::DueView, "no case to open");
    }

    #[test]
    fn many_at_once_say_how_many_list_the_first_few_and_open_the_due_view() {
        let items: Vec<(DueItem, Stage)> = ["Acme", "Beta", "Gamma", "Delta", "Echo"]
            .iter()
            .enumerate()
            .map(|(hour, name)| {
                (
                    item(
                        ReminderKind::FirstResponse,
                        &format!("2026-11-23T0{hour}:00:00Z"),
                        &format!("First response due: {name}"),
                        None,
                    ),
                    Stage::Due,
                )
            })
            .collect();
        let sent = notification(
            &Notice::Group { items },
            at("2026-11-23T05:00:00Z"),
            &berlin(),
        );
        assert_eq!(
            sent,
            Notification {
                title: "5 items due".into(),
                body: "First response due: Acme (overdue by 5 hours)\n\
                       First response due: Beta (overdue by 4 hours)\n\
                       First response due: Gamma (overdue by 3 hours)\n\
                       and 2 more"
                    .into(),
                target: Target::DueView,
            }
        );
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        let secs = SignedDuration::from_secs;
        assert_eq!(span(secs(20), Rounding::Down), "less than a minute");
        assert_eq!(span(secs(60), Rounding::Down), "1 minute");
        assert_eq!(span(secs(61), Rounding::Up), "2 minutes");
        assert_eq!(span(secs(3600), Rounding::Down), "1 hour");
        assert_eq!(span(secs(3600 + 60), Rounding::Down), "1 hour 1 minute");
        assert_eq!(span(secs(86_400), Rounding::Down), "1 day");
        assert_eq!(
            span(secs(2 * 86_400 + 7200), Rounding::Down),
            "2 days 2 hours"
        );
    }

    #[test]
    fn a_date_in_another_year_names_the_year() {
        let check_in = item(
            ReminderKind::Task(TaskKind::WinBack),
            "2027-11-23T09:00:00Z",
            "Win-back check-in due: Acme",
            None,
        );
        assert_eq!(
            one(check_in, Stage::Due, "2027-11-25T09:00:00Z").body,
            "Overdue by 2 days (due on Tue 23 Nov at 10:00)."
        );
        assert_eq!(
            clock(
                at("2027-01-04T09:00:00Z"),
                at("2026-12-30T09:00:00Z"),
                &berlin()
            ),
            "on Mon 4 Jan 2027 at 10:00"
        );
    }
}
