//! Cases as the desk lists them: one case, the inbox (newest request first, paged by keyset
//! (received_at, id)) and the cases in a status by first-response deadline. The rows are the read
//! model that `case_commands` maintains from the events.

use holdfast_core::case::{CaseStatus, RequestChannel};
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, from_millis, page_size, split_page, to_millis};
use crate::Database;

/// A case as the inbox and the case view show it, with the account's name and tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CaseSummary {
    pub id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub account_tier: String,
    pub status: CaseStatus,
    pub channel: RequestChannel,
    pub requester_name: String,
    pub requester_contact: String,
    pub received_at: Timestamp,
    pub opened_at: Timestamp,
}

/// Where the previous inbox page ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaseCursor {
    pub received_at: Timestamp,
    pub id: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InboxQuery {
    pub after: Option<CaseCursor>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub next: Option<CaseCursor>,
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.account_id, a.name, a.tier, c.status, c.channel,
    c.requester_name, c.requester_contact, c.received_at, c.opened_at";

impl Database {
    pub fn case(&self, id: Uuid) -> Result<CaseSummary> {
        let found = self
            .conn
            .query_row(
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases c JOIN accounts a ON a.id = c.account_id
                     WHERE c.id = ?1"
                ),
                [id.to_string()],
                |row| Ok(read_case(row)),
            )
            .optional()?;
        found.unwrap_or_else(|| {
            Err(StoreError::NotFound {
                entity: "case",
                id: id.to_string(),
            })
        })
    }

    /// One page of the cases in `status`, the soonest first-response deadline first (cases with no
    /// deadline last), paged by keyset (deadline, id).
    pub fn cases_by_due(
        &self,
        status: CaseStatus,
        after: Option<(Timestamp, Uuid)>,
        limit: Option<u32>,
    ) -> Result<Vec<CaseSummary>> {
        let limit = page_size(limit);
        let (after_due, after_id) = match after {
            Some((due, id)) => (Some(to_millis(due)), Some(id.to_string())),
            None => (None, None),
        };
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM cases c JOIN accounts a ON a.id = c.account_id
             WHERE c.status = :status AND c.first_response_due IS NOT NULL
               AND (:after_due IS NULL OR (c.first_response_due, c.id) > (:after_due, :after_id))
             ORDER BY c.first_response_due, c.id
             LIMIT :limit"
        ))?;
        let rows = statement.query_map(
            named_params! {
                ":status": status.as_str(),
                ":after_due": after_due,
                ":after_id": after_id,
                ":limit": limit,
            },
            |row| Ok(read_case(row)),
        )?;
        collect_rows(rows)
    }

    /// One page of the inbox, the most recently received request first.
    pub fn inbox(&self, query: &InboxQuery) -> Result<CasePage> {
        let limit = page_size(query.limit);
        let (after_received, after_id) = match &query.after {
            Some(cursor) => (
                Some(to_millis(cursor.received_at)),
                Some(cursor.id.to_string()),
            ),
            None => (None, None),
        };
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM cases c JOIN accounts a ON a.id = c.account_id
             WHERE (:after_received IS NULL OR (c.received_at, c.id) < (:after_received, :after_id))
             ORDER BY c.received_at DESC, c.id DESC
             LIMIT :limit"
        ))?;
        let rows = statement.query_map(
            named_params! {
                ":after_received": after_received,
                ":after_id": after_id,
                ":limit": limit + 1,
            },
            |row| Ok(read_case(row)),
        )?;
        let (items, next) = split_page(collect_rows(rows)?, limit, |last: &CaseSummary| {
            CaseCursor {
                received_at: last.received_at,
                id: last.id,
            }
        });
        Ok(CasePage { items, next })
    }
}

pub(crate) fn read_case(row: &Row<'_>) -> Result<CaseSummary> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("case row: {what}"));
    let id: String = row.get(0)?;
    let account_id: String = row.get(1)?;
    let status: String = row.get(4)?;
    let channel: String = row.get(5)?;
    Ok(CaseSummary {
        id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
        account_id: Uuid::parse_str(&account_id).map_err(|_| corrupt("account_id"))?,
        account_name: row.get(2)?,
        account_tier: row.get(3)?,
        status: CaseStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        channel: RequestChannel::parse(&channel).ok_or_else(|| corrupt("channel"))?,
        requester_name: row.get(6)?,
        requester_contact: row.get(7)?,
        received_at: from_millis(row.get(8)?)?,
        opened_at: from_millis(row.get(9)?)?,
    })
}
