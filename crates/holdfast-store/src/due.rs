//! What is due for the person at the desk (issue 13): the items the reminder planner
//! (`holdfast_core::reminders::plan`) and the Due view read, gathered from the read models, and
//! what the person did with them (`Memory`: shown, snoozed, done), kept across restarts.
//!
//! A person's due items are:
//! - **first responses** owed on open cases whose first response has not gone out: the cases they
//!   hold, and the cases nobody holds yet when their roles may acknowledge a request under the
//!   policy (`Step::Receive`); a case someone else holds is that person's to answer;
//! - **open tasks** of every kind assigned to them by name, or to one of their roles with no one
//!   named (the same rows as their "My tasks" queue);
//! - **offers awaiting approval** on open cases, when their roles may approve offers
//!   (`Step::ApproveOffer`): due when the offer was proposed;
//! - **sync problems**: this device's commands the server refused or that conflicted
//!   (`Database::sync_notifications`), due when they were decided.
//!
//! Keys are stable across restarts and rebuilds of the read models: `first_response/<case>`,
//! `task/<task id>` (task ids are the case, the kind and the subject), `approval/<case>/<offer>`
//! (a new offer on the same case is a new item), `sync_problem/<seq>`.
//!
//! The scheduler's loop, once per wake-up: `due_items`, `reminder_memory`,
//! `reminders::plan(&items, &memory, &settings.planner()?, now)`, send the notices, then
//! `mark_reminders_shown(&plan.raised)` and `prune_reminders(&items)`; sleep until
//! `plan.next_wake`.

use std::collections::{BTreeMap, BTreeSet};

use holdfast_core::policy::{Policy, Step};
use holdfast_core::queue::Queue;
use holdfast_core::read_model::TaskKind;
use holdfast_core::reminders::{DueItem, Memory, ReminderKind, Stage};
use holdfast_core::role::Role;
use holdfast_core::CoreError;
use holdfast_sync::client::{Notification, Problem};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, from_millis, to_millis};
use crate::queues::{task_filter, viewer_params, QueueViewer};
use crate::Database;

/// The most upcoming items the Due view lists (the win-back check-ins of a year ahead are
/// many); how many more there are is said.
pub const UPCOMING_SHOWN: usize = 200;

/// One row of the Due view: the item, and until when it is snoozed (listed at that time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DueEntry {
    #[serde(flatten)]
    #[ts(flatten)]
    pub item: DueItem,
    #[ts(optional = nullable)]
    pub snoozed_until: Option<Timestamp>,
}

/// A person's due items as the Due view groups them: overdue, the rest of today (in their zone)
/// and upcoming, each soonest first. Items marked done are left out; a snoozed item is listed at
/// the time it comes back, not at its due time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct DueGroups {
    pub overdue: Vec<DueEntry>,
    pub today: Vec<DueEntry>,
    pub upcoming: Vec<DueEntry>,
    /// Upcoming items beyond the first `UPCOMING_SHOWN`.
    pub upcoming_more: u32,
}

/// Groups `items` for the Due view at `now`, "today" ending at the next midnight in `zone`.
pub fn group_due(
    items: Vec<DueItem>,
    memory: &Memory,
    now: Timestamp,
    zone: &TimeZone,
) -> DueGroups {
    let end_of_today = now
        .to_zoned(zone.clone())
        .tomorrow()
        .and_then(|tomorrow| tomorrow.start_of_day())
        .map_or(now, |midnight| midnight.timestamp());
    let mut entries: Vec<(Timestamp, DueEntry)> = items
        .into_iter()
        .filter(|item| !memory.done.contains(&item.key))
        .map(|item| {
            let snoozed_until = memory
                .snoozed
                .get(&item.key)
                .copied()
                .filter(|until| *until > now);
            let at = snoozed_until.unwrap_or(item.due_at);
            (
                at,
                DueEntry {
                    item,
                    snoozed_until,
                },
            )
        })
        .collect();
    entries.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.item.key.cmp(&y.item.key)));
    let mut groups = DueGroups::default();
    for (at, entry) in entries {
        if at <= now {
            groups.overdue.push(entry);
        } else if at < end_of_today {
            groups.today.push(entry);
        } else if groups.upcoming.len() < UPCOMING_SHOWN {
            groups.upcoming.push(entry);
        } else {
            groups.upcoming_more = groups.upcoming_more.saturating_add(1);
        }
    }
    groups
}

/// The longest item key the memory accepts; the desk's own keys are far shorter.
pub const MAX_KEY_CHARS: usize = 200;

/// The bit of `reminders.shown` each stage is kept in.
fn stage_bit(stage: Stage) -> i64 {
    match stage {
        Stage::DueSoon => 1,
        Stage::Due => 2,
        Stage::Assigned => 4,
    }
}

/// A task kind in the desk's words, as the queues show it ("Save call").
pub fn task_words(kind: TaskKind) -> String {
    match kind {
        TaskKind::SaveCall => "Save call",
        TaskKind::CsmEscalation => "CSM escalation",
        TaskKind::RefundReview => "Refund to verify",
        TaskKind::RefundProcessing => "Refund to process",
        TaskKind::WinBack => "Win-back check-in",
        TaskKind::HandOff => "Case handed off",
        TaskKind::BillingHeadsUp => "Billing heads-up",
        TaskKind::FormReminder => "Form reminder",
        TaskKind::RefundStatusCheck => "Refund status check",
    }
    .to_owned()
}

/// Whether `roles` may take `step` under `policy` (any role when the policy names none, except
/// for a step only named roles may take).
fn may(roles: &[Role], policy: &Policy, step: Step) -> bool {
    let needed = policy.roles_for(step);
    if needed.is_empty() {
        !step.needs_named_roles() && !roles.is_empty()
    } else {
        roles.iter().any(|role| needed.contains(role))
    }
}

fn case_id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|error| StoreError::Corrupt(format!("case id {text}: {error}")))
}

/// A key the memory accepts: not empty, not too long.
fn checked_key(key: &str) -> Result<&str> {
    if key.trim().is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return Err(StoreError::Rule(CoreError::invalid(
            "key",
            "is not a due item's key",
        )));
    }
    Ok(key)
}

impl Database {
    /// Whose memory and settings: the acting user's id (a local profile is shared at one desk,
    /// and each person keeps their own); empty before anyone uses the profile.
    pub(crate) fn reminder_person(&self) -> Result<String> {
        Ok(self
            .acting_user()?
            .map(|actor| actor.user_id)
            .unwrap_or_default())
    }

    /// Everything due for `viewer` (their names and roles, as `queue_viewer` gives them),
    /// soonest first: first responses they owe, their open tasks, offers awaiting their approval
    /// and this device's sync problems. Items marked done or snoozed are still listed: the
    /// memory says what to do with them (`reminders::plan`, the Due view). Each part is one
    /// indexed query; `now` is not needed to find them (overdue or not is the reader's call) and
    /// is taken so that a later source with a horizon does not change the signature.
    pub fn due_items(&self, viewer: &QueueViewer, _now: Timestamp) -> Result<Vec<DueItem>> {
        let policy = self.policy()?;
        let mut items = Vec::new();
        self.first_responses_due(viewer, policy.as_ref(), &mut items)?;
        self.tasks_due(viewer, &mut items)?;
        if let Some(policy) = &policy {
            if may(&viewer.roles, policy, Step::ApproveOffer) {
                self.approvals_due(policy, &mut items)?;
            }
        }
        self.sync_problems_due(&mut items)?;
        self.name_people_in_details(&mut items)?;
        items.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.key.cmp(&b.key)));
        Ok(items)
    }

    /// The engine writes a task's details with people's ids, as the record keeps them
    /// (billing's heads-up: "requested by <id>"); a notification and the Due view say names.
    fn name_people_in_details(&self, items: &mut [DueItem]) -> Result<()> {
        if !items.iter().any(|item| item.detail.is_some()) {
            return Ok(());
        }
        let people: Vec<_> = self
            .people()?
            .into_iter()
            .filter(|person| !person.id.is_empty() && person.id != person.name)
            .collect();
        for detail in items.iter_mut().filter_map(|item| item.detail.as_mut()) {
            for person in &people {
                if detail.contains(&person.id) {
                    *detail = detail.replace(&person.id, &person.name);
                }
            }
        }
        Ok(())
    }

    fn first_responses_due(
        &self,
        viewer: &QueueViewer,
        policy: Option<&Policy>,
        items: &mut Vec<DueItem>,
    ) -> Result<()> {
        // Pinned to migration 0014's partial index: one range per name, and one for the cases
        // nobody holds.
        const AWAITING: &str = "FROM cases c INDEXED BY cases_first_response_by_owner
             JOIN accounts a ON a.id = c.account_id
             WHERE c.acknowledged_at IS NULL AND c.status IN ('received', 'in_progress')
               AND c.first_response_due IS NOT NULL";
        let unowned_too = policy.is_some_and(|policy| may(&viewer.roles, policy, Step::Receive));
        let sql = format!(
            "SELECT c.id, c.first_response_due, a.name {AWAITING}
               AND c.owner IN (SELECT value FROM json_each(:names))
             UNION ALL
             SELECT c.id, c.first_response_due, a.name {AWAITING}
               AND c.owner IS NULL AND :unowned"
        );
        let (names, _) = viewer_params(viewer)?;
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(
            rusqlite::named_params! { ":names": names, ":unowned": unowned_too },
            |row| {
                let id: String = row.get(0)?;
                let due: i64 = row.get(1)?;
                let account: String = row.get(2)?;
                Ok((|| {
                    Ok(DueItem {
                        key: format!("first_response/{id}"),
                        case_id: Some(case_id(&id)?),
                        kind: ReminderKind::FirstResponse,
                        due_at: from_millis(due)?,
                        title: format!("First response due: {account}"),
                        detail: None,
                    })
                })())
            },
        )?;
        items.extend(collect_rows(rows)?);
        Ok(())
    }

    fn tasks_due(&self, viewer: &QueueViewer, items: &mut Vec<DueItem>) -> Result<()> {
        let mine = task_filter(Queue::MyTasks)
            .ok_or_else(|| StoreError::Corrupt("the personal queue lists no tasks".into()))?;
        // The personal queue's rowids (open tasks by name, then unnamed ones by role, each an
        // indexed lookup) are the whole filter: an outer `t.open = 1` lets SQLite walk every open
        // task instead, measured at 300k tasks as 0.6 s instead of a few milliseconds.
        let sql = format!(
            "SELECT t.id, t.kind, t.detail, t.due_at, t.case_id, a.name FROM tasks t
             JOIN cases c ON c.id = t.case_id JOIN accounts a ON a.id = c.account_id
             WHERE {mine} AND t.due_at IS NOT NULL"
        );
        let (names, roles) = viewer_params(viewer)?;
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(
            rusqlite::named_params! { ":names": names, ":roles": roles },
            |row| {
                let id: String = row.get(0)?;
                let kind: String = row.get(1)?;
                let detail: Option<String> = row.get(2)?;
                let due: i64 = row.get(3)?;
                let case: String = row.get(4)?;
                let account: String = row.get(5)?;
                Ok((|| {
                    let kind = TaskKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("task kind \"{kind}\"")))?;
                    Ok(DueItem {
                        key: format!("task/{id}"),
                        case_id: Some(case_id(&case)?),
                        kind: ReminderKind::Task(kind),
                        due_at: from_millis(due)?,
                        title: format!("{} due: {account}", task_words(kind)),
                        detail,
                    })
                })())
            },
        )?;
        items.extend(collect_rows(rows)?);
        Ok(())
    }

    fn approvals_due(&self, policy: &Policy, items: &mut Vec<DueItem>) -> Result<()> {
        // The offer approvals queue's rows (pinned to its partial index, see `queues.rs`), due
        // when the offer was proposed: the case's latest proposal, read from its own events.
        let mut statement = self.conn.prepare_cached(
            "SELECT c.id, c.offer_awaiting_approval, a.name, coalesce((
                 SELECT max(e.recorded_at) FROM events e
                 WHERE e.aggregate_id = c.id AND e.kind = 'offer_proposed'), c.received_at)
             FROM cases c INDEXED BY cases_offer_awaiting_approval
             JOIN accounts a ON a.id = c.account_id
             WHERE c.offer_awaiting_approval IS NOT NULL
               AND c.status IN ('received', 'in_progress')",
        )?;
        let rows = statement.query_map([], |row| {
            let id: String = row.get(0)?;
            let offer: String = row.get(1)?;
            let account: String = row.get(2)?;
            let proposed: i64 = row.get(3)?;
            Ok((|| {
                Ok(DueItem {
                    key: format!("approval/{id}/{offer}"),
                    case_id: Some(case_id(&id)?),
                    kind: ReminderKind::Approval,
                    due_at: from_millis(proposed)?,
                    title: format!("Offer awaiting your approval: {account}"),
                    detail: Some(
                        policy
                            .offer(&offer)
                            .map_or_else(|| offer.clone(), |terms| terms.label.clone()),
                    ),
                })
            })())
        })?;
        items.extend(collect_rows(rows)?);
        Ok(())
    }

    fn sync_problems_due(&self, items: &mut Vec<DueItem>) -> Result<()> {
        for notification in self.sync_notifications() {
            items.push(self.sync_problem(notification)?);
        }
        Ok(())
    }

    fn sync_problem(&self, notification: Notification) -> Result<DueItem> {
        let account: Option<String> = match notification.case_id {
            Some(case) => self
                .conn
                .query_row(
                    "SELECT a.name FROM cases c JOIN accounts a ON a.id = c.account_id
                     WHERE c.id = ?1",
                    [case.to_string()],
                    |row| row.get(0),
                )
                .optional()?,
            None => None,
        };
        let what = match (&account, notification.case_id) {
            (Some(account), _) => format!("{} the case of {account}", notification.command),
            (None, Some(_)) => format!("{} a case", notification.command),
            (None, None) => notification.command.clone(),
        };
        let (title, detail) = match notification.problem {
            Problem::Rejected { rejection } => (
                format!("Sync problem: the server refused to {what}"),
                rejection.message,
            ),
            Problem::Conflict { message, .. } => {
                (format!("Sync conflict: could not {what}"), message)
            }
        };
        Ok(DueItem {
            key: format!("sync_problem/{}", notification.seq),
            case_id: notification.case_id,
            kind: ReminderKind::SyncProblem,
            due_at: notification.decided_at,
            title,
            detail: Some(detail),
        })
    }

    /// What the acting user did with their reminders: the stages raised, the snoozes and the
    /// items marked done, as the planner reads them. Each person at a shared desk has their own.
    pub fn reminder_memory(&self) -> Result<Memory> {
        let person = self.reminder_person()?;
        let mut memory = Memory::default();
        let mut statement = self.conn.prepare_cached(
            "SELECT key, shown, snoozed_until, done_at FROM reminders WHERE person = ?1",
        )?;
        let rows = statement.query_map([&person], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<i64>>(2)?,
                row.get::<_, Option<i64>>(3)?,
            ))
        })?;
        for row in rows {
            let (key, shown, snoozed, done) = row?;
            let stages: BTreeSet<Stage> = [Stage::Assigned, Stage::DueSoon, Stage::Due]
                .into_iter()
                .filter(|stage| shown & stage_bit(*stage) != 0)
                .collect();
            if !stages.is_empty() {
                memory.shown.insert(key.clone(), stages);
            }
            if let Some(until) = snoozed {
                memory.snoozed.insert(key.clone(), from_millis(until)?);
            }
            if done.is_some() {
                memory.done.insert(key);
            }
        }
        Ok(memory)
    }

    /// Puts the item `key` off until `until` (after `now`): the planner raises it once more then,
    /// and the Due view lists it at that time. An earlier snooze of it is replaced.
    pub fn snooze_reminder(&self, key: &str, until: Timestamp, now: Timestamp) -> Result<()> {
        let key = checked_key(key)?;
        if until <= now {
            return Err(StoreError::Rule(CoreError::invalid(
                "until",
                "choose a time in the future",
            )));
        }
        self.conn.execute(
            "INSERT INTO reminders (person, key, snoozed_until) VALUES (?1, ?2, ?3)
             ON CONFLICT (person, key) DO UPDATE SET snoozed_until = excluded.snoozed_until",
            params![self.reminder_person()?, key, to_millis(until)],
        )?;
        Ok(())
    }

    /// The person dealt with the item `key` (at `now`): it is never raised again and leaves the
    /// Due view. Its snooze, if any, is over.
    pub fn mark_reminder_done(&self, key: &str, now: Timestamp) -> Result<()> {
        let key = checked_key(key)?;
        self.conn.execute(
            "INSERT INTO reminders (person, key, done_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (person, key) DO UPDATE SET done_at = excluded.done_at,
                snoozed_until = NULL",
            params![self.reminder_person()?, key, to_millis(now)],
        )?;
        Ok(())
    }

    /// Records that these item stages were raised (`Plan::raised`, once its notices are sent), in
    /// one transaction; a snooze that brought an item back is over, as `Memory::mark_shown` says.
    pub fn mark_reminders_shown(&mut self, raised: &[(String, Stage)]) -> Result<()> {
        let mut bits: BTreeMap<&str, i64> = BTreeMap::new();
        for (key, stage) in raised {
            *bits.entry(checked_key(key)?).or_default() |= stage_bit(*stage);
        }
        let person = self.reminder_person()?;
        let tx = self.conn.transaction()?;
        {
            let mut statement = tx.prepare_cached(
                "INSERT INTO reminders (person, key, shown) VALUES (?1, ?2, ?3)
                 ON CONFLICT (person, key) DO UPDATE SET shown = shown | excluded.shown,
                    snoozed_until = NULL",
            )?;
            for (key, bits) in bits {
                statement.execute(params![person, key, bits])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets what concerns items no longer due (`Memory::forget_all_but`): their work was done
    /// or moved to someone else, so the memory does not grow with every case ever worked. `due`
    /// is everything `due_items` gave for the acting user (another person's memory is theirs).
    /// Returns how many keys were forgotten.
    pub fn prune_reminders(&mut self, due: &[DueItem]) -> Result<usize> {
        let person = self.reminder_person()?;
        let keep: BTreeSet<&str> = due.iter().map(|item| item.key.as_str()).collect();
        let stored: Vec<String> = {
            let mut statement = self
                .conn
                .prepare_cached("SELECT key FROM reminders WHERE person = ?1")?;
            let rows = statement.query_map([&person], |row| row.get::<_, String>(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let gone: Vec<&String> = stored
            .iter()
            .filter(|key| !keep.contains(key.as_str()))
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.transaction()?;
        {
            let mut statement =
                tx.prepare_cached("DELETE FROM reminders WHERE person = ?1 AND key = ?2")?;
            for key in &gone {
                statement.execute(params![person, key])?;
            }
        }
        tx.commit()?;
        Ok(gone.len())
    }
}
