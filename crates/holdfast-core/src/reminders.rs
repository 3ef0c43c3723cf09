//! Reminders: which of a person's due items to raise as notifications now, and when to look
//! again. Pure: the desk gathers the items from its read models (first responses, tasks,
//! approvals, hand-offs, sync problems), keeps what was shown, snoozed and done (`Memory`, which
//! survives restarts), and asks `plan` at each wake-up; it sleeps until `Plan::next_wake`
//! instead of polling.
//!
//! Each item is raised once per stage: a first response when it nears its due time and again
//! when it is overdue; work someone else's step gave the person (a save call, an escalation, a
//! hand-off, a refund for billing) as soon as the desk first sees it, however it arrived (a
//! command here or a colleague's, by sync), and again when it falls due; any other item when it
//! falls due. What fell due while nobody was looking
//! (the app closed, a quiet time) is raised at the next look, grouped when there are several.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::policy::BusinessCalendar;
use crate::read_model::TaskKind;

/// What a due item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "task", rename_all = "snake_case")]
pub enum ReminderKind {
    /// The customer is owed a first response by the policy's promise.
    FirstResponse,
    /// A task of a case, assigned to the person or one of their roles.
    Task(TaskKind),
    /// An offer outside the policy's limits waits for the person's approval.
    Approval,
    /// A command of theirs the server rejected, or a conflict recorded on a case.
    SyncProblem,
}

/// One piece of work with a time, as the desk's read models give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DueItem {
    /// Stable across restarts and projections ("first_response/<case>", "task/<task id>").
    pub key: String,
    #[ts(optional = nullable)]
    pub case_id: Option<Uuid>,
    pub kind: ReminderKind,
    /// When it is due; for work that is due on arrival (an approval, a problem), when it arrived.
    pub due_at: Timestamp,
    /// What the notification's title says: the work and whom it is for ("First response due:
    /// Acme Dental").
    pub title: String,
    /// More of what the work is, when there is more (the number to call, the amount).
    #[ts(optional = nullable)]
    pub detail: Option<String>,
}

impl ReminderKind {
    /// Work another person's step hands to someone: the save call a route gives the rep, the
    /// escalation to a CSM, a hand-off, a refund for billing to verify, process or hear about.
    /// Its receiver is told when it arrives, not only when it falls due. The follow-ups a person
    /// schedules for their own case (a form reminder, a refund status check, the win-back
    /// check-ins) are not news to them and wait for their due time.
    pub fn announces_assignment(self) -> bool {
        matches!(
            self,
            ReminderKind::Task(
                TaskKind::SaveCall
                    | TaskKind::CsmEscalation
                    | TaskKind::HandOff
                    | TaskKind::RefundReview
                    | TaskKind::RefundProcessing
                    | TaskKind::BillingHeadsUp
            )
        )
    }
}

/// The moments an item is raised at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Work newly given to the person (`ReminderKind::announces_assignment`), from the first
    /// look that finds it, while it is not yet due.
    Assigned,
    /// Before a first response's due time, by the lead the person chose.
    DueSoon,
    /// At its due time (and from then on, overdue).
    Due,
}

impl DueItem {
    /// The stages this item is raised at, with the instant each begins.
    fn stages(&self, lead: SignedDuration) -> Vec<(Stage, Timestamp)> {
        let mut stages = Vec::with_capacity(2);
        if self.kind.announces_assignment() {
            // Begun from the start of time: the first look that finds the item raises it, unless
            // it is already due (the latest stage begun is the one raised).
            stages.push((Stage::Assigned, Timestamp::MIN));
        }
        if self.kind == ReminderKind::FirstResponse && lead > SignedDuration::ZERO {
            if let Ok(soon) = self.due_at.checked_sub(lead) {
                stages.push((Stage::DueSoon, soon));
            }
        }
        stages.push((Stage::Due, self.due_at));
        stages
    }
}

/// What the person did with their reminders, kept across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// Stages already raised, by item key (never raised again).
    pub shown: BTreeMap<String, BTreeSet<Stage>>,
    /// Items the person put off, until when: raised again then, once.
    pub snoozed: BTreeMap<String, Timestamp>,
    /// Items the person marked done: never raised again and gone from the Due view.
    pub done: BTreeSet<String>,
}

impl Memory {
    fn was_shown(&self, key: &str, stage: Stage) -> bool {
        self.shown
            .get(key)
            .is_some_and(|stages| stages.contains(&stage))
    }

    /// Records that `key`'s `stage` was raised; a snooze that brought it back is over.
    pub fn mark_shown(&mut self, key: &str, stage: Stage) {
        self.shown.entry(key.to_owned()).or_default().insert(stage);
        self.snoozed.remove(key);
    }

    /// Puts `key` off until `until`: it is not raised before, and raised once more then.
    pub fn snooze(&mut self, key: &str, until: Timestamp) {
        self.snoozed.insert(key.to_owned(), until);
    }

    /// The person dealt with `key`: it is never raised again.
    pub fn mark_done(&mut self, key: &str) {
        self.done.insert(key.to_owned());
        self.snoozed.remove(key);
    }

    /// Forgets what concerns items no longer due (their work was done), so the memory does not
    /// grow with every case ever worked.
    pub fn forget_all_but(&mut self, keys: &BTreeSet<&str>) {
        self.shown.retain(|key, _| keys.contains(key.as_str()));
        self.snoozed.retain(|key, _| keys.contains(key.as_str()));
        self.done.retain(|key| keys.contains(key.as_str()));
    }
}

/// A time of the week the person does not want to be disturbed, in their zone: `from` to `to`
/// on the given days (`to` before `from` runs past midnight into the next day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuietTime {
    /// ISO weekdays: 1 is Monday, 7 is Sunday.
    pub days: Vec<u8>,
    /// "HH:MM:SS", local.
    #[ts(type = "string")]
    pub from: Time,
    #[ts(type = "string")]
    pub to: Time,
}

/// The person's own hours: outside their working hours, and inside a quiet time, reminders wait.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalHours {
    pub zone: TimeZone,
    /// Their working days and hours; `None`: any time.
    pub working: Option<QuietTime>,
    pub quiet: Vec<QuietTime>,
}

impl PersonalHours {
    /// Any time, in UTC.
    pub fn always() -> PersonalHours {
        PersonalHours {
            zone: TimeZone::UTC,
            working: None,
            quiet: Vec::new(),
        }
    }

    /// Whether `span` (days, from, to) covers the local time `at`.
    fn covers(span: &QuietTime, weekday: Weekday, yesterday: Weekday, time: Time) -> bool {
        let on = |day: Weekday| {
            u8::try_from(day.to_monday_one_offset()).is_ok_and(|day| span.days.contains(&day))
        };
        if span.from <= span.to {
            on(weekday) && span.from <= time && time < span.to
        } else {
            // Past midnight: the evening of a listed day, or the early hours after one.
            (on(weekday) && time >= span.from) || (on(yesterday) && time < span.to)
        }
    }

    /// Whether reminders wait at `at`.
    pub fn is_quiet(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.zone.clone());
        let weekday = local.weekday();
        let yesterday = weekday.wrapping_sub(1);
        let time = local.time();
        let outside_work = self
            .working
            .as_ref()
            .is_some_and(|work| !PersonalHours::covers(work, weekday, yesterday, time));
        outside_work
            || self
                .quiet
                .iter()
                .any(|quiet| PersonalHours::covers(quiet, weekday, yesterday, time))
    }

    /// The first instant from `at` on when reminders no longer wait, looking a week ahead a
    /// minute at a time only across boundaries (every quiet span ends on a minute); `None` when
    /// it is quiet all week.
    pub fn quiet_until(&self, at: Timestamp) -> Option<Timestamp> {
        if !self.is_quiet(at) {
            return Some(at);
        }
        let mut candidates: Vec<Timestamp> = Vec::new();
        let local = at.to_zoned(self.zone.clone());
        let spans = self.working.iter().chain(self.quiet.iter());
        for span in spans {
            for offset in 0..=8 {
                let Ok(day) = local.date().checked_add(jiff::Span::new().days(offset)) else {
                    continue;
                };
                for time in [span.from, span.to] {
                    if let Ok(zoned) = day.to_datetime(time).to_zoned(self.zone.clone()) {
                        if zoned.timestamp() > at {
                            candidates.push(zoned.timestamp());
                        }
                    }
                }
            }
        }
        candidates.sort();
        candidates
            .into_iter()
            .find(|candidate| !self.is_quiet(*candidate))
    }
}

/// A time to put a reminder off to, counted in the policy's business hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SnoozeChoice {
    pub label: String,
    pub until: Timestamp,
}

/// The times a reminder may be put off to from `now`: one business hour, the next business
/// day's opening and two business days, each counted in `calendar` (so a snooze on Friday
/// evening lands on Monday, not on Saturday), without duplicates, soonest first.
pub fn snooze_choices(calendar: &BusinessCalendar, now: Timestamp) -> Vec<SnoozeChoice> {
    let choices = [
        ("In 1 business hour", calendar.add_business_minutes(now, 60)),
        ("Next business day", calendar.next_business_day_opening(now)),
        ("In 2 business days", calendar.add_business_days(now, 2)),
    ];
    let mut out: Vec<SnoozeChoice> = Vec::new();
    for (label, until) in choices {
        if let Some(until) = until.filter(|until| *until > now) {
            if !out.iter().any(|choice| choice.until == until) {
                out.push(SnoozeChoice {
                    label: label.to_owned(),
                    until,
                });
            }
        }
    }
    out.sort_by_key(|choice| choice.until);
    out
}

/// One notification to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// One item: clicking it opens its case.
    One { item: DueItem, stage: Stage },
    /// Several at once (more than `Settings::group_above`): clicking it opens the Due view.
    Group { items: Vec<(DueItem, Stage)> },
}

/// What to send now, and when to look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub notices: Vec<Notice>,
    /// The item stages the notices raise, to `Memory::mark_shown` once they are sent.
    pub raised: Vec<(String, Stage)>,
    /// The next instant something may be raised (a stage beginning, a snooze ending, a quiet
    /// time ending); `None` when nothing is pending.
    pub next_wake: Option<Timestamp>,
}

/// How reminders are raised, from the person's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// How long before a first response's due time it is raised as due soon.
    pub lead: SignedDuration,
    /// More than this many at once are sent as one grouped notification.
    pub group_above: usize,
    pub hours: PersonalHours,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lead: SignedDuration::from_mins(15),
            group_above: 3,
            hours: PersonalHours::always(),
        }
    }
}

/// What to raise at `now` of `items` (the person's due items), given what `memory` says was
/// shown, snoozed or done. Each item is raised at most once per stage, the latest stage it has
/// reached (an overdue first response first seen after its due time is raised as overdue only);
/// a snoozed item waits for its time and is then raised once more; during quiet time nothing is
/// raised and the plan wakes when it ends.
pub fn plan(items: &[DueItem], memory: &Memory, settings: &Settings, now: Timestamp) -> Plan {
    let mut due_now: Vec<(DueItem, Stage)> = Vec::new();
    let mut next_wake: Option<Timestamp> = None;
    let mut wake_at = |at: Timestamp| {
        next_wake = Some(next_wake.map_or(at, |wake: Timestamp| wake.min(at)));
    };
    for item in items {
        if memory.done.contains(&item.key) {
            continue;
        }
        let snooze = memory.snoozed.get(&item.key).copied();
        if let Some(until) = snooze.filter(|until| *until > now) {
            wake_at(until);
            continue;
        }
        let stages = item.stages(settings.lead);
        if let Some((stage, _)) = stages.iter().rev().find(|(_, begins)| *begins <= now) {
            // A snooze that ended raises the item once more, whatever was shown before it
            // (`Memory::mark_shown` then clears the snooze).
            if snooze.is_some() || !memory.was_shown(&item.key, *stage) {
                due_now.push((item.clone(), *stage));
            }
        }
        for (stage, begins) in &stages {
            if *begins > now && !memory.was_shown(&item.key, *stage) {
                wake_at(*begins);
            }
        }
    }
    if due_now.is_empty() {
        return Plan {
            notices: Vec::new(),
            raised: Vec::new(),
            next_wake,
        };
    }
    if settings.hours.is_quiet(now) {
        if let Some(ends) = settings.hours.quiet_until(now) {
            wake_at(ends);
        }
        return Plan {
            notices: Vec::new(),
            raised: Vec::new(),
            next_wake,
        };
    }
    due_now.sort_by(|(a, _), (b, _)| a.due_at.cmp(&b.due_at).then_with(|| a.key.cmp(&b.key)));
    let raised = due_now
        .iter()
        .map(|(item, stage)| (item.key.clone(), *stage))
        .collect();
    let notices = if due_now.len() > settings.group_above {
        vec![Notice::Group { items: due_now }]
    } else {
        due_now
            .into_iter()
            .map(|(item, stage)| Notice::One { item, stage })
            .collect()
    };
    Plan {
        notices,
        raised,
        next_wake,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::time;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn first_response(case: u128, due: &str) -> DueItem {
        DueItem {
            key: format!("first_response/{case}"),
            case_id: Some(Uuid::from_u128(case)),
            kind: ReminderKind::FirstResponse,
            due_at: at(due),
            title: format!("First response due: case {case}"),
            detail: None,
        }
    }

    fn task(case: u128, due: &str) -> DueItem {
        DueItem {
            key: format!("task/{case}/save_call/"),
            case_id: Some(Uuid::from_u128(case)),
            kind: ReminderKind::Task(TaskKind::SaveCall),
            due_at: at(due),
            title: format!("Save call due: case {case}"),
            detail: Some("Call +1 555 010 2030".into()),
        }
    }

    /// Runs `plan` and records what it raised, as the desk does once the notices are sent.
    fn look(items: &[DueItem], memory: &mut Memory, settings: &Settings, now: &str) -> Plan {
        let plan = plan(items, memory, settings, at(now));
        for (key, stage) in &plan.raised {
            memory.mark_shown(key, *stage);
        }
        plan
    }

    fn raised(plan: &Plan) -> Vec<(String, Stage)> {
        plan.raised.clone()
    }

    #[test]
    fn a_first_response_is_raised_when_it_nears_and_again_when_overdue_and_never_more() {
        let items = [first_response(1, "2026-11-24T15:00:00Z")];
        let settings = Settings::default();
        let mut memory = Memory::default();
        let early = look(&items, &mut memory, &settings, "2026-11-24T14:40:00Z");
        assert!(early.notices.is_empty());
        assert_eq!(
            early.next_wake,
            Some(at("2026-11-24T14:45:00Z")),
            "wakes at the lead, not polling"
        );

        let soon = look(&items, &mut memory, &settings, "2026-11-24T14:45:00Z");
        assert_eq!(
            raised(&soon),
            [("first_response/1".to_owned(), Stage::DueSoon)]
        );
        assert_eq!(soon.next_wake, Some(at("2026-11-24T15:00:00Z")));
        assert!(look(&items, &mut memory, &settings, "2026-11-24T14:50:00Z")
            .notices
            .is_empty());

        let due = look(&items, &mut memory, &settings, "2026-11-24T15:00:00Z");
        assert_eq!(raised(&due), [("first_response/1".to_owned(), Stage::Due)]);
        assert_eq!(due.next_wake, None, "nothing more to raise");
        let later = look(&items, &mut memory, &settings, "2026-11-24T18:00:00Z");
        assert!(later.notices.is_empty() && later.next_wake.is_none());
    }

    #[test]
    fn what_fell_due_while_the_app_was_closed_is_raised_once_grouped_and_not_after_a_restart() {
        let items: Vec<DueItem> = (1..=5)
            .map(|case| task(case, &format!("2026-11-24T1{case}:00:00Z")))
            .chain([first_response(9, "2026-11-24T10:00:00Z")])
            .collect();
        let settings = Settings::default();
        let mut memory = Memory::default();
        let start = look(&items, &mut memory, &settings, "2026-11-25T08:00:00Z");
        let [Notice::Group { items: grouped }] = start.notices.as_slice() else {
            panic!("{:?}", start.notices);
        };
        let keys: Vec<&str> = grouped.iter().map(|(item, _)| item.key.as_str()).collect();
        assert_eq!(keys[0], "first_response/9", "oldest first");
        assert_eq!(grouped.len(), 6);
        assert!(
            grouped.iter().all(|(_, stage)| *stage == Stage::Due),
            "an overdue first response is raised as overdue only"
        );

        // The memory is kept across a restart: nothing is raised twice.
        let kept: Memory = serde_json::from_str(&serde_json::to_string(&memory).unwrap()).unwrap();
        let again = plan(&items, &kept, &settings, at("2026-11-25T08:05:00Z"));
        assert!(again.notices.is_empty(), "{:?}", again.notices);
    }

    #[test]
    fn work_given_to_the_person_is_raised_when_it_arrives_and_again_when_due_but_own_follow_ups_wait(
    ) {
        let settings = Settings::default();
        let mut memory = Memory::default();
        // A save call routed to the rep, due two days later, first seen Tuesday 09:00.
        let save_call = [task(1, "2026-11-26T09:00:00Z")];
        let arrived = look(&save_call, &mut memory, &settings, "2026-11-24T09:00:00Z");
        assert_eq!(
            raised(&arrived),
            [("task/1/save_call/".to_owned(), Stage::Assigned)]
        );
        assert_eq!(arrived.next_wake, Some(at("2026-11-26T09:00:00Z")));
        assert!(
            look(&save_call, &mut memory, &settings, "2026-11-25T09:00:00Z")
                .notices
                .is_empty()
        );
        let due = look(&save_call, &mut memory, &settings, "2026-11-26T09:00:00Z");
        assert_eq!(raised(&due), [("task/1/save_call/".to_owned(), Stage::Due)]);

        // An escalation that arrives already due (it is due with the first response) is raised
        // once, as due.
        let escalation = [DueItem {
            key: "task/2/csm_escalation/".into(),
            kind: ReminderKind::Task(TaskKind::CsmEscalation),
            ..task(2, "2026-11-24T08:00:00Z")
        }];
        let late = look(&escalation, &mut memory, &settings, "2026-11-24T09:00:00Z");
        assert_eq!(
            raised(&late),
            [("task/2/csm_escalation/".to_owned(), Stage::Due)]
        );

        // The person's own follow-up (a form reminder in three days) is not news: it waits.
        let reminder = [DueItem {
            key: "task/3/form_reminder/".into(),
            kind: ReminderKind::Task(TaskKind::FormReminder),
            ..task(3, "2026-11-27T09:00:00Z")
        }];
        let quiet = look(&reminder, &mut memory, &settings, "2026-11-24T09:00:00Z");
        assert!(quiet.notices.is_empty());
        assert_eq!(quiet.next_wake, Some(at("2026-11-27T09:00:00Z")));
    }

    #[test]
    fn a_few_at_once_are_sent_one_by_one() {
        let items = [
            task(1, "2026-11-24T10:00:00Z"),
            task(2, "2026-11-24T10:00:00Z"),
        ];
        let mut memory = Memory::default();
        let plan = look(
            &items,
            &mut memory,
            &Settings::default(),
            "2026-11-24T10:00:00Z",
        );
        assert_eq!(plan.notices.len(), 2);
        assert!(plan
            .notices
            .iter()
            .all(|notice| matches!(notice, Notice::One { .. })));
    }

    #[test]
    fn a_snoozed_item_waits_for_its_time_is_raised_once_more_and_done_is_done() {
        let items = [task(1, "2026-11-24T10:00:00Z")];
        let settings = Settings::default();
        let mut memory = Memory::default();
        look(&items, &mut memory, &settings, "2026-11-24T10:00:00Z");
        memory.snooze("task/1/save_call/", at("2026-11-24T13:00:00Z"));
        let waiting = look(&items, &mut memory, &settings, "2026-11-24T11:00:00Z");
        assert!(waiting.notices.is_empty());
        assert_eq!(waiting.next_wake, Some(at("2026-11-24T13:00:00Z")));
        let back = look(&items, &mut memory, &settings, "2026-11-24T13:00:00Z");
        assert_eq!(
            back.notices.len(),
            1,
            "raised once more when the snooze ends"
        );
        assert!(look(&items, &mut memory, &settings, "2026-11-24T13:01:00Z")
            .notices
            .is_empty());

        memory.snooze("task/1/save_call/", at("2026-11-24T15:00:00Z"));
        memory.mark_done("task/1/save_call/");
        let done = look(&items, &mut memory, &settings, "2026-11-24T16:00:00Z");
        assert!(done.notices.is_empty() && done.next_wake.is_none());
    }

    fn new_york_hours() -> PersonalHours {
        PersonalHours {
            zone: TimeZone::get("America/New_York").unwrap(),
            working: Some(QuietTime {
                days: vec![1, 2, 3, 4, 5],
                from: time(8, 0, 0, 0),
                to: time(18, 0, 0, 0),
            }),
            quiet: vec![QuietTime {
                days: vec![1, 2, 3, 4, 5],
                from: time(12, 0, 0, 0),
                to: time(13, 0, 0, 0),
            }],
        }
    }

    #[test]
    fn nothing_is_raised_outside_working_hours_or_in_a_quiet_time_and_it_waits_for_their_end() {
        let settings = Settings {
            hours: new_york_hours(),
            ..Settings::default()
        };
        // Friday 2026-11-27 19:00 New York (Saturday 00:00 UTC): after work, before a weekend.
        let items = [task(1, "2026-11-27T23:30:00Z")];
        let mut memory = Memory::default();
        let friday_night = look(&items, &mut memory, &settings, "2026-11-28T00:00:00Z");
        assert!(friday_night.notices.is_empty());
        // Monday 08:00 New York = 13:00 UTC.
        assert_eq!(friday_night.next_wake, Some(at("2026-11-30T13:00:00Z")));
        let monday = look(&items, &mut memory, &settings, "2026-11-30T13:00:00Z");
        assert_eq!(monday.notices.len(), 1);

        // Lunch (12:00-13:00 New York = 17:00-18:00 UTC) is quiet.
        let items = [task(2, "2026-11-30T17:10:00Z")];
        let lunch = look(&items, &mut memory, &settings, "2026-11-30T17:10:00Z");
        assert!(lunch.notices.is_empty());
        assert_eq!(lunch.next_wake, Some(at("2026-11-30T18:00:00Z")));
    }

    #[test]
    fn a_quiet_time_past_midnight_covers_the_early_hours_of_the_next_day() {
        let hours = PersonalHours {
            zone: TimeZone::get("Europe/Berlin").unwrap(),
            working: None,
            quiet: vec![QuietTime {
                days: vec![7],
                from: time(22, 0, 0, 0),
                to: time(6, 0, 0, 0),
            }],
        };
        // Sunday 23:00 and Monday 05:00 Berlin (UTC+1) are quiet; Monday 06:00 is not.
        assert!(hours.is_quiet(at("2026-11-29T22:00:00Z")));
        assert!(hours.is_quiet(at("2026-11-30T04:00:00Z")));
        assert!(!hours.is_quiet(at("2026-11-30T05:00:00Z")));
        assert!(
            !hours.is_quiet(at("2026-11-30T21:30:00Z")),
            "Monday night is not listed"
        );
        assert_eq!(
            hours.quiet_until(at("2026-11-29T22:00:00Z")),
            Some(at("2026-11-30T05:00:00Z"))
        );
    }

    #[test]
    fn quiet_hours_follow_the_local_clock_across_a_daylight_saving_change() {
        let hours = new_york_hours();
        // Friday 2026-10-30 18:30 EDT (22:30 UTC) is after work; the clocks go back on Sunday,
        // and Monday 08:00 EST is 13:00 UTC, not 12:00.
        assert_eq!(
            hours.quiet_until(at("2026-10-30T22:30:00Z")),
            Some(at("2026-11-02T13:00:00Z"))
        );
    }

    #[test]
    fn snoozes_are_counted_in_business_hours() {
        let calendar =
            crate::policy::parse_policy(include_str!("../../../policies/intelliserve.toml"))
                .unwrap()
                .sla
                .calendar;
        // Friday 2026-11-27 16:30 New York (21:30 UTC).
        let choices = snooze_choices(&calendar, at("2026-11-27T21:30:00Z"));
        let got: Vec<(&str, Timestamp)> = choices
            .iter()
            .map(|choice| (choice.label.as_str(), choice.until))
            .collect();
        assert_eq!(
            got,
            [
                // Soonest first: Monday's opening, then 30 minutes on Friday and 30 on Monday.
                ("Next business day", at("2026-11-30T14:00:00Z")),
                ("In 1 business hour", at("2026-11-30T14:30:00Z")),
                ("In 2 business days", at("2026-12-01T21:30:00Z")),
            ]
        );
    }

    #[test]
    fn the_memory_forgets_items_no_longer_due() {
        let mut memory = Memory::default();
        memory.mark_shown("a", Stage::Due);
        memory.mark_shown("b", Stage::Due);
        memory.snooze("b", at("2026-11-24T10:00:00Z"));
        memory.mark_done("c");
        memory.forget_all_but(&BTreeSet::from(["a"]));
        assert_eq!(memory.shown.keys().collect::<Vec<_>>(), ["a"]);
        assert!(memory.snoozed.is_empty() && memory.done.is_empty());
    }
}
