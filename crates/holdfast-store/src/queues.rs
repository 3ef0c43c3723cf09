//! The work queues: cases waiting for someone's action, most urgent (first-response deadline)
//! first. They read the tasks, the offer awaiting approval and the readiness the case engine's
//! projection maintains.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cases::{read_case, CaseSummary, CASE_COLUMNS};
use crate::error::Result;
use crate::page::collect_rows;
use crate::Database;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Open tasks assigned to one person (save calls, escalations).
    MyTasks,
    /// Cases escalated to a CSM, waiting for the CSM's outcome.
    Escalations,
    /// Refunds above the threshold, waiting for a second person's verification.
    RefundApprovals,
    /// Refunds with billing ("billing in progress").
    RefundsToProcess,
    /// Open cases whose pending offer is outside the policy's limits and not approved yet, for
    /// whoever the policy lets approve offers.
    OfferApprovals,
    /// Cases whose every gate is met, waiting for someone allowed to finalize.
    Finalizations,
}

/// How many cases each queue holds, for the rail's badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct QueueCounts {
    pub my_tasks: u32,
    pub escalations: u32,
    pub refund_approvals: u32,
    pub refunds_to_process: u32,
    pub offer_approvals: u32,
    pub finalizations: u32,
}

const LIMIT: u32 = 500;

fn filter(queue: Queue) -> &'static str {
    match queue {
        Queue::MyTasks => "c.id IN (SELECT case_id FROM tasks WHERE open = 1 AND assignee = :me)",
        Queue::Escalations => {
            "c.id IN (SELECT case_id FROM tasks WHERE open = 1 AND kind = 'csm_escalation')"
        }
        Queue::RefundApprovals => {
            "c.id IN (SELECT case_id FROM tasks WHERE open = 1 AND kind = 'refund_review')"
        }
        Queue::RefundsToProcess => {
            "c.id IN (SELECT case_id FROM tasks WHERE open = 1 AND kind = 'refund_processing')"
        }
        // A closed case accepts no approval, so its unanswered offer waits for nobody.
        Queue::OfferApprovals => {
            "c.offer_awaiting_approval IS NOT NULL AND c.status IN ('received', 'in_progress')"
        }
        Queue::Finalizations => "c.ready_to_finalize = 1",
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

impl Database {
    /// The cases in `queue` (for `me`, when the queue is personal), most urgent first.
    pub fn queue(&self, queue: Queue, me: &str) -> Result<Vec<CaseSummary>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM {} JOIN accounts a ON a.id = c.account_id
             WHERE {} ORDER BY c.first_response_due, c.id LIMIT {LIMIT}",
            cases_table(queue),
            filter(queue)
        ))?;
        let me_param: [(&str, &dyn rusqlite::ToSql); 1] = [(":me", &me)];
        // Only the personal queue takes the person as a parameter.
        let params: &[(&str, &dyn rusqlite::ToSql)] = if queue == Queue::MyTasks {
            &me_param
        } else {
            &[]
        };
        let rows = statement.query_map(params, |row| Ok(read_case(row)))?;
        collect_rows(rows)
    }

    pub fn queue_counts(&self, me: &str) -> Result<QueueCounts> {
        let count = |queue: Queue| -> Result<u32> {
            let sql = format!(
                "SELECT count(*) FROM {} WHERE {}",
                cases_table(queue),
                filter(queue)
            );
            let me_param: [(&str, &dyn rusqlite::ToSql); 1] = [(":me", &me)];
            let params: &[(&str, &dyn rusqlite::ToSql)] = if queue == Queue::MyTasks {
                &me_param
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
        })
    }
}
