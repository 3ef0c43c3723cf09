//! The work queues: the work waiting for someone's action, most urgent first. Most queues list
//! the open tasks the case engine's projection maintains (one row per task, with what the task
//! says and when it is due); the offer approvals and the finalizations list cases, from the
//! offer awaiting approval and the readiness the projection keeps on the case's row.

use holdfast_core::read_model::TaskKind;
use holdfast_core::role::Role;
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;

use crate::cases::{read_case, CaseSummary, CASE_COLUMNS};
use crate::error::{Result, StoreError};
use crate::page::collect_rows;
use crate::Database;

/// The queues are the core's: which of them a policy can fill is a rule of the policy
/// (`holdfast_core::queue::queues_in_use`).
pub use holdfast_core::queue::Queue;

/// Who is looking at the queues: the names work may be assigned to them by (their user id and
/// their display name; a policy names people, as "Spencer" or "Heather") and their roles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueViewer {
    pub names: Vec<String>,
    pub roles: Vec<Role>,
}

impl QueueViewer {
    /// A viewer known by one name and holding no role.
    pub fn named(name: &str) -> Self {
        QueueViewer {
            names: vec![name.to_owned()],
            roles: Vec::new(),
        }
    }
}

/// The task that puts a case in a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueTask {
    pub id: String,
    pub kind: TaskKind,
    #[ts(optional = nullable)]
    pub assignee: Option<String>,
    #[ts(optional = nullable)]
    pub assignee_role: Option<Role>,
    /// What the work is about, without opening the case (the number to call and the reason, why
    /// it was handed off, a refund's amount and justification).
    #[ts(optional = nullable)]
    pub detail: Option<String>,
    pub due_at: Timestamp,
}

/// One row of a queue: the case, and the task that puts it there (none in the queues of cases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueItem {
    #[serde(flatten)]
    #[ts(flatten)]
    pub case: CaseSummary,
    #[ts(optional = nullable)]
    pub task: Option<QueueTask>,
}

/// How many rows each queue holds, for the rail's badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct QueueCounts {
    pub my_tasks: u32,
    pub escalations: u32,
    pub refund_approvals: u32,
    pub refunds_to_process: u32,
    pub offer_approvals: u32,
    pub finalizations: u32,
    pub win_back: u32,
}

const LIMIT: u32 = 500;

/// The open tasks of a task queue, as a condition on `tasks t`; `None` for the queues of cases.
pub(crate) fn task_filter(queue: Queue) -> Option<&'static str> {
    Some(match queue {
        // Two indexed lookups (by name, then unnamed tasks by role) rather than one OR, which
        // SQLite without statistics may serve by reading every open task.
        Queue::MyTasks => {
            "t.rowid IN (
                SELECT rowid FROM tasks
                WHERE open = 1 AND assignee IN (SELECT value FROM json_each(:names))
                UNION ALL
                SELECT rowid FROM tasks
                WHERE open = 1 AND assignee IS NULL
                  AND assignee_role IN (SELECT value FROM json_each(:roles)))"
        }
        Queue::Escalations => "t.kind = 'csm_escalation'",
        Queue::RefundApprovals => "t.kind = 'refund_review'",
        Queue::RefundsToProcess => "t.kind = 'refund_processing'",
        Queue::WinBack => "t.kind = 'win_back'",
        Queue::OfferApprovals | Queue::Finalizations => return None,
    })
}

fn case_filter(queue: Queue) -> &'static str {
    match queue {
        // A closed case accepts no approval, so its unanswered offer waits for nobody.
        Queue::OfferApprovals => {
            "c.offer_awaiting_approval IS NOT NULL AND c.status IN ('received', 'in_progress')"
        }
        Queue::Finalizations => "c.ready_to_finalize = 1",
        _ => "0",
    }
}

/// The cases table of a queue's query. The offer approvals are pinned to their partial index
/// (migration 0007): left to itself SQLite serves the status filter from `cases_by_status_received`
/// and reads every open case's row, measured at 100k cases as 0.3 s for the badge's count and again
/// for the list, instead of well under 1 ms.
fn cases_table(queue: Queue) -> &'static str {
    match queue {
        Queue::OfferApprovals => "cases c INDEXED BY cases_offer_awaiting_approval",
        _ => "cases c",
    }
}

const TASK_COLUMNS: &str = "t.id, t.kind, t.assignee, t.assignee_role, t.detail, t.due_at";

pub(crate) fn viewer_params(viewer: &QueueViewer) -> Result<(String, String)> {
    let names = serde_json::to_string(&viewer.names)
        .map_err(|error| StoreError::Corrupt(format!("viewer names: {error}")))?;
    let roles = serde_json::to_string(&viewer.roles)
        .map_err(|error| StoreError::Corrupt(format!("viewer roles: {error}")))?;
    Ok((names, roles))
}

fn read_task(row: &rusqlite::Row<'_>, first: usize) -> Result<QueueTask> {
    let kind: String = row.get(first + 1)?;
    let role: Option<String> = row.get(first + 3)?;
    let due_at: i64 = row.get(first + 5)?;
    Ok(QueueTask {
        id: row.get(first)?,
        kind: TaskKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("task kind \"{kind}\"")))?,
        assignee: row.get(first + 2)?,
        assignee_role: role
            .map(|role| {
                Role::parse(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("task role \"{role}\"")))
            })
            .transpose()?,
        detail: row.get(first + 4)?,
        due_at: Timestamp::from_millisecond(due_at)
            .map_err(|error| StoreError::Corrupt(format!("task due time: {error}")))?,
    })
}

impl Database {
    /// The acting user as the queues see them: the names work may be assigned to them by and
    /// their roles. `None` before anyone uses the profile.
    pub fn queue_viewer(&self) -> Result<Option<QueueViewer>> {
        let Some(actor) = self.acting_user()? else {
            return Ok(None);
        };
        let mut names = vec![actor.user_id.clone()];
        if self.sync_binding().is_none() {
            if let Some(user) = self.local_user()? {
                if !names.contains(&user.name) {
                    names.push(user.name);
                }
            }
        }
        Ok(Some(QueueViewer {
            names,
            roles: actor.roles,
        }))
    }

    /// The rows of `queue` for `viewer` (whose names and roles only the personal queue reads),
    /// most urgent first: tasks by their due time, cases by their first-response deadline.
    pub fn queue(&self, queue: Queue, viewer: &QueueViewer) -> Result<Vec<QueueItem>> {
        let Some(tasks) = task_filter(queue) else {
            let mut statement = self.conn.prepare_cached(&format!(
                "SELECT {CASE_COLUMNS} FROM {} JOIN accounts a ON a.id = c.account_id
                 WHERE {} ORDER BY c.first_response_due, c.id LIMIT {LIMIT}",
                cases_table(queue),
                case_filter(queue)
            ))?;
            let rows = statement.query_map([], |row| Ok(read_case(row)))?;
            return Ok(collect_rows(rows)?
                .into_iter()
                .map(|case| QueueItem { case, task: None })
                .collect());
        };
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS}, {TASK_COLUMNS} FROM tasks t
             JOIN cases c ON c.id = t.case_id JOIN accounts a ON a.id = c.account_id
             WHERE t.open = 1 AND {tasks} ORDER BY t.due_at, t.id LIMIT {LIMIT}"
        ))?;
        let (names, roles) = viewer_params(viewer)?;
        let personal: [(&str, &dyn rusqlite::ToSql); 2] = [(":names", &names), (":roles", &roles)];
        let params: &[(&str, &dyn rusqlite::ToSql)] = if queue == Queue::MyTasks {
            &personal
        } else {
            &[]
        };
        let task_column = CASE_COLUMNS.split(',').count();
        let rows = statement.query_map(params, |row| {
            Ok(read_case(row).and_then(|case| {
                Ok(QueueItem {
                    case,
                    task: Some(read_task(row, task_column)?),
                })
            }))
        })?;
        collect_rows(rows)
    }

    pub fn queue_counts(&self, viewer: &QueueViewer) -> Result<QueueCounts> {
        let (names, roles) = viewer_params(viewer)?;
        let count = |queue: Queue| -> Result<u32> {
            let sql = match task_filter(queue) {
                Some(tasks) => format!("SELECT count(*) FROM tasks t WHERE t.open = 1 AND {tasks}"),
                None => format!(
                    "SELECT count(*) FROM {} WHERE {}",
                    cases_table(queue),
                    case_filter(queue)
                ),
            };
            let personal: [(&str, &dyn rusqlite::ToSql); 2] =
                [(":names", &names), (":roles", &roles)];
            let params: &[(&str, &dyn rusqlite::ToSql)] = if queue == Queue::MyTasks {
                &personal
            } else {
                &[]
            };
            let n: i64 = self.conn.query_row(&sql, params, |row| row.get(0))?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        };
        Ok(QueueCounts {
            my_tasks: count(Queue::MyTasks)?,
            escalations: count(Queue::Escalations)?,
            refund_approvals: count(Queue::RefundApprovals)?,
            refunds_to_process: count(Queue::RefundsToProcess)?,
            offer_approvals: count(Queue::OfferApprovals)?,
            finalizations: count(Queue::Finalizations)?,
            win_back: count(Queue::WinBack)?,
        })
    }
}
