//! Cases as the desk lists them: one case; the inbox, filtered (status, owner, tier, reason,
//! first-response deadline, a search text), sorted (most recent request, soonest deadline, account
//! name) and paged by keyset on the sort's key and the case id, so page 2,000 costs what page 1
//! costs; the values the inbox's filters offer; and the cases in a status by first-response
//! deadline. The rows are the read model that `case_commands` maintains from the events (and
//! migration 0005's triggers, for when the first response went out).

use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::CoreError;
use jiff::{SignedDuration, Timestamp};
use rusqlite::types::Value;
use rusqlite::{named_params, OptionalExtension, Row, ToSql};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, contains_pattern, from_millis, page_size, split_page, to_millis};
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
    /// The first-response deadline, in the policy's business hours (set when the case is received).
    #[ts(optional = nullable)]
    pub first_response_due: Option<Timestamp>,
    /// When the first response went out; `None` while the first-response clock runs.
    #[ts(optional = nullable)]
    pub acknowledged_at: Option<Timestamp>,
    /// The cancellation reason, once captured (an id of the policy's reasons).
    #[ts(optional = nullable)]
    pub reason_id: Option<String>,
    /// Who holds the case now (the save-call rep or the CSM it was escalated to).
    #[ts(optional = nullable)]
    pub owner: Option<String>,
}

/// The inbox's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InboxSort {
    /// The most recently received request first.
    #[default]
    Newest,
    /// The soonest first-response deadline first.
    DueSoonest,
    /// By account name (A to Z), then the account's cases oldest first.
    AccountName,
}

/// Whose cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OwnerFilter {
    /// Cases nobody holds yet.
    Unassigned,
    /// Cases held by the person with exactly this name.
    Person { name: String },
}

/// Open cases whose first response has not gone out, by deadline. Closed cases never match: their
/// first-response clock no longer matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DueFilter {
    /// The deadline has passed.
    Overdue,
    /// The deadline is still ahead, and within this many hours.
    DueWithin { hours: u32 },
}

/// The longest "due within" window the inbox accepts: a month.
pub const MAX_DUE_WITHIN_HOURS: u32 = 24 * 31;
/// The shortest search the trigram indexes can answer; shorter ones compare every row.
const MIN_INDEXED_SEARCH_CHARS: usize = 3;

/// The rowids of the cases a search finds: by requester or contact, or by the account's name.
const SEARCH_HITS: &str = "SELECT rowid FROM case_search WHERE case_search MATCH :search
    UNION
    SELECT c2.rowid FROM cases c2 WHERE c2.account_id IN (
        SELECT a2.id FROM accounts a2 WHERE a2.rowid IN (
            SELECT rowid FROM account_search WHERE account_search MATCH :search))";

/// Up to this many cases found, the page is read from the cases found and sorted; beyond it the
/// sort's index is walked (a page of a broad search fills long before the end).
const FEW_HITS: i64 = 2_000;

/// `text` as one FTS5 phrase: with the trigram tokenizer, the rows that contain it.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The query's search text when the trigram indexes can answer it.
fn indexed_search(query: &InboxQuery) -> Option<&str> {
    query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|search| search.chars().count() >= MIN_INDEXED_SEARCH_CHARS)
}

/// The longest search text the inbox accepts, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Where the previous inbox page ended: the last case's sort key and id. A cursor only continues
/// the order it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "sort", rename_all = "snake_case")]
pub enum CaseCursor {
    Newest {
        received_at: Timestamp,
        id: Uuid,
    },
    DueSoonest {
        first_response_due: Option<Timestamp>,
        id: Uuid,
    },
    AccountName {
        /// The account's lower-cased name, as the accounts list sorts it.
        account_name_key: String,
        account_id: Uuid,
        id: Uuid,
    },
}

impl CaseCursor {
    fn sort(&self) -> InboxSort {
        match self {
            CaseCursor::Newest { .. } => InboxSort::Newest,
            CaseCursor::DueSoonest { .. } => InboxSort::DueSoonest,
            CaseCursor::AccountName { .. } => InboxSort::AccountName,
        }
    }

    fn after(sort: InboxSort, case: &CaseSummary) -> CaseCursor {
        match sort {
            InboxSort::Newest => CaseCursor::Newest {
                received_at: case.received_at,
                id: case.id,
            },
            InboxSort::DueSoonest => CaseCursor::DueSoonest {
                first_response_due: case.first_response_due,
                id: case.id,
            },
            InboxSort::AccountName => CaseCursor::AccountName {
                account_name_key: case.account_name.to_lowercase(),
                account_id: case.account_id,
                id: case.id,
            },
        }
    }
}

/// One inbox page to read: every filter that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct InboxQuery {
    /// Cases in any of these statuses; empty means every status.
    pub statuses: Vec<CaseStatus>,
    pub owner: Option<OwnerFilter>,
    /// The account's tier, exactly.
    pub tier: Option<String>,
    pub reason_id: Option<String>,
    pub due: Option<DueFilter>,
    /// Finds cases whose account name, requester name or requester contact contains this text
    /// (case-insensitive).
    pub search: Option<String>,
    pub sort: InboxSort,
    /// The `next` of the previous page, read with the same filters and sort.
    pub after: Option<CaseCursor>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// The cursor for the next page; `None` on the last page.
    pub next: Option<CaseCursor>,
}

/// A reason the inbox can filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReasonOption {
    pub id: String,
    /// The policy's label; the id itself for a reason the current policy no longer has.
    pub label: String,
}

/// What the inbox's filters can choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InboxFacets {
    /// Everyone who holds a case, by name.
    pub owners: Vec<String>,
    /// Every account tier, by name.
    pub tiers: Vec<String>,
    /// The policy's reasons in its order, then any other reason a case has.
    pub reasons: Vec<ReasonOption>,
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.account_id, a.name, a.tier, c.status, c.channel,
    c.requester_name, c.requester_contact, c.received_at, c.opened_at, c.first_response_due,
    c.acknowledged_at, c.reason_id, c.owner";

/// The statuses whose first-response clock matters. Written exactly as in the partial index
/// `cases_awaiting_first_response` (migration 0005), so that SQLite can use it.
const AWAITING_FIRST_RESPONSE: &str =
    "c.acknowledged_at IS NULL AND c.status IN ('received', 'in_progress')";

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Rule(CoreError::invalid(field, message))
}

/// A text filter: trimmed, and refused when nothing is left (the caller sends `None` for "any").
fn required_text<'a>(field: &str, text: &'a str) -> Result<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(field, "choose a value, or no filter"));
    }
    Ok(text)
}

/// The cases an inbox query selects (`Database::inbox_selection`).
pub(crate) struct InboxSelection {
    /// `cases c` and `accounts a`, joined (each pinned to the index that yields the order).
    pub tables: String,
    /// `WHERE …`, or empty.
    pub filter: String,
    pub order: &'static str,
    pub params: Vec<(&'static str, Value)>,
}

impl InboxSelection {
    /// The parameters as rusqlite binds them by name.
    pub fn bound(&self) -> Vec<(&str, &dyn ToSql)> {
        self.params
            .iter()
            .map(|(name, value)| (*name, value as &dyn ToSql))
            .collect()
    }
}

/// The SQL of one inbox query and its named parameters.
struct InboxSql {
    conditions: Vec<String>,
    params: Vec<(&'static str, Value)>,
}

impl InboxSql {
    fn bind(&mut self, name: &'static str, value: impl Into<Value>) {
        self.params.push((name, value.into()));
    }
}

fn inbox_sql(query: &InboxQuery, now: Timestamp) -> Result<InboxSql> {
    let mut sql = InboxSql {
        conditions: Vec::new(),
        params: Vec::new(),
    };
    if !query.statuses.is_empty() {
        // The statuses are the enum's own words, never user text.
        let list: Vec<String> = query
            .statuses
            .iter()
            .map(|status| format!("'{}'", status.as_str()))
            .collect();
        sql.conditions
            .push(format!("c.status IN ({})", list.join(", ")));
    }
    match &query.owner {
        None => {}
        Some(OwnerFilter::Unassigned) => sql.conditions.push("c.owner IS NULL".into()),
        Some(OwnerFilter::Person { name }) => {
            let name = required_text("owner", name)?.to_owned();
            sql.conditions.push("c.owner = :owner".into());
            sql.bind(":owner", name);
        }
    }
    if let Some(tier) = &query.tier {
        let tier = required_text("tier", tier)?.to_owned();
        sql.conditions.push("a.tier = :tier".into());
        sql.bind(":tier", tier);
    }
    if let Some(reason) = &query.reason_id {
        let reason = required_text("reason_id", reason)?.to_owned();
        sql.conditions.push("c.reason_id = :reason_id".into());
        sql.bind(":reason_id", reason);
    }
    match query.due {
        None => {}
        Some(DueFilter::Overdue) => {
            sql.conditions.push(format!(
                "{AWAITING_FIRST_RESPONSE} AND c.first_response_due < :now"
            ));
            sql.bind(":now", to_millis(now));
        }
        Some(DueFilter::DueWithin { hours }) => {
            if hours == 0 || hours > MAX_DUE_WITHIN_HOURS {
                return Err(invalid(
                    "due",
                    &format!("choose a window of 1 to {MAX_DUE_WITHIN_HOURS} hours"),
                ));
            }
            let horizon = now + SignedDuration::from_hours(i64::from(hours));
            sql.conditions.push(format!(
                "{AWAITING_FIRST_RESPONSE} AND c.first_response_due >= :now
                 AND c.first_response_due < :horizon"
            ));
            sql.bind(":now", to_millis(now));
            sql.bind(":horizon", to_millis(horizon));
        }
    }
    if let Some(search) = query.search.as_deref().map(str::trim) {
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(invalid(
                "search",
                &format!("search for at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        if indexed_search(query).is_some() {
            // The trigram indexes find every row containing the text, in any case: `inbox_at`
            // reads the page from the cases found, or filters the sort's walk by them.
            sql.bind(":search", phrase(search));
        } else if !search.is_empty() {
            // Too short for a trigram: compared row by row. The account's name_key is lower-cased
            // at import; LIKE itself ignores ASCII case, so the requester's name and contact
            // match in any case too.
            sql.conditions.push(
                "(a.name_key LIKE :search ESCAPE '\\'
                  OR c.requester_name LIKE :search ESCAPE '\\'
                  OR c.requester_contact LIKE :search ESCAPE '\\')"
                    .into(),
            );
            sql.bind(":search", contains_pattern(&search.to_lowercase()));
        }
    }
    if let Some(after) = &query.after {
        if after.sort() != query.sort {
            return Err(invalid(
                "after",
                "this cursor continues another sort order; read the first page again",
            ));
        }
        match after {
            CaseCursor::Newest { received_at, id } => {
                sql.conditions
                    .push("(c.received_at, c.id) < (:after_key, :after_id)".into());
                sql.bind(":after_key", to_millis(*received_at));
                sql.bind(":after_id", id.to_string());
            }
            CaseCursor::DueSoonest {
                first_response_due: Some(due),
                id,
            } => {
                sql.conditions
                    .push("(c.first_response_due, c.id) > (:after_key, :after_id)".into());
                sql.bind(":after_key", to_millis(*due));
                sql.bind(":after_id", id.to_string());
            }
            // Cases without a deadline sort first (SQLite orders NULL lowest).
            CaseCursor::DueSoonest {
                first_response_due: None,
                id,
            } => {
                sql.conditions.push(
                    "(c.first_response_due IS NOT NULL
                      OR (c.first_response_due IS NULL AND c.id > :after_id))"
                        .into(),
                );
                sql.bind(":after_id", id.to_string());
            }
            CaseCursor::AccountName {
                account_name_key,
                account_id,
                id,
            } => {
                sql.conditions.push(
                    "(a.name_key, a.id, c.id) > (:after_key, :after_account, :after_id)".into(),
                );
                sql.bind(":after_key", account_name_key.clone());
                sql.bind(":after_account", account_id.to_string());
                sql.bind(":after_id", id.to_string());
            }
        }
    }
    Ok(sql)
}

fn order_by(sort: InboxSort) -> &'static str {
    match sort {
        InboxSort::Newest => "c.received_at DESC, c.id DESC",
        InboxSort::DueSoonest => "c.first_response_due, c.id",
        InboxSort::AccountName => "a.name_key, a.id, c.id",
    }
}

/// The tables of an inbox query, each pinned to the index (migration 0005) that yields the
/// sort's order, narrowed by at most one equality filter. Left to itself, SQLite sometimes picks
/// an index that serves a filter (two statuses, the tier, "overdue") and then sorts every match
/// for each page: measured at 100k cases, 0.5 s a page instead of under 1 ms. Walking the sort's
/// index and checking the other filters row by row stops as soon as the page is full.
///
/// A search that finds few cases is the exception: the page is read from those cases (`hits`,
/// bound as `:search`) and sorted, so a search that finds nothing reads nothing.
fn tables(query: &InboxQuery, few_hits: bool) -> String {
    if few_hits {
        return format!(
            "({SEARCH_HITS}) h CROSS JOIN cases c ON c.rowid = h.rowid
             JOIN accounts a ON a.id = c.account_id"
        );
    }
    let single_status = query.statuses.len() == 1;
    let owner = query.owner.is_some();
    match query.sort {
        InboxSort::Newest => {
            let index = if single_status {
                "cases_by_status_received"
            } else if owner {
                "cases_by_owner_received"
            } else if query.reason_id.is_some() {
                "cases_by_reason_received"
            } else {
                "cases_by_received"
            };
            format!("cases c INDEXED BY {index} JOIN accounts a ON a.id = c.account_id")
        }
        InboxSort::DueSoonest => {
            let index = if single_status {
                "cases_by_status_due"
            } else if owner {
                "cases_by_owner"
            } else if query.due.is_some() {
                "cases_awaiting_first_response"
            } else {
                "cases_by_due"
            };
            format!("cases c INDEXED BY {index} JOIN accounts a ON a.id = c.account_id")
        }
        // CROSS JOIN keeps the accounts as the outer loop, in name order; each account's cases
        // come by id.
        InboxSort::AccountName => "accounts a INDEXED BY accounts_by_name
             CROSS JOIN cases c INDEXED BY cases_by_account_id ON c.account_id = a.id"
            .into(),
    }
}

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

    /// One page of the inbox, judged against the current time.
    pub fn inbox(&self, query: &InboxQuery) -> Result<CasePage> {
        self.inbox_at(query, Timestamp::now())
    }

    /// One page of the inbox, with "overdue" and "due within" judged at `now`. A filter value
    /// that cannot match anything sensible (a blank owner, a zero-hour window, a cursor from
    /// another sort) is refused with the field it concerns.
    pub fn inbox_at(&self, query: &InboxQuery, now: Timestamp) -> Result<CasePage> {
        let limit = page_size(query.limit);
        let mut selection = self.inbox_selection(query, now)?;
        selection
            .params
            .push((":limit", Value::from(i64::from(limit) + 1)));
        // Each combination of filters is its own statement, so SQLite plans each with the indexes
        // that fit it (a single statement with "(:x IS NULL OR …)" terms would plan for none).
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM {}
             {}
             ORDER BY {}
             LIMIT :limit",
            selection.tables, selection.filter, selection.order
        ))?;
        let params = selection.bound();
        let rows = statement.query_map(params.as_slice(), |row| Ok(read_case(row)))?;
        let sort = query.sort;
        let (items, next) = split_page(collect_rows(rows)?, limit, |last: &CaseSummary| {
            CaseCursor::after(sort, last)
        });
        Ok(CasePage { items, next })
    }

    /// The cases an inbox query selects, as SQL: its tables (`cases c` joined to `accounts a`),
    /// its filter and its order, with their parameters; `inbox_at` reads a page of it, the cases
    /// export (`desk_exports`) every row.
    pub(crate) fn inbox_selection(
        &self,
        query: &InboxQuery,
        now: Timestamp,
    ) -> Result<InboxSelection> {
        let mut sql = inbox_sql(query, now)?;
        let few_hits = match indexed_search(query) {
            Some(search) => {
                let found: i64 = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT count(*) FROM ({SEARCH_HITS} LIMIT {FEW_HITS})"
                    ))?
                    .query_row(named_params! { ":search": phrase(search) }, |row| {
                        row.get(0)
                    })?;
                found < FEW_HITS
            }
            None => false,
        };
        if indexed_search(query).is_some() && !few_hits {
            sql.conditions.push(format!("c.rowid IN ({SEARCH_HITS})"));
        }
        let filter = if sql.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", sql.conditions.join("\n  AND "))
        };
        Ok(InboxSelection {
            tables: tables(query, few_hits),
            filter,
            order: order_by(query.sort),
            params: sql.params,
        })
    }

    /// The owners, tiers and reasons the inbox's filters offer.
    pub fn inbox_facets(&self) -> Result<InboxFacets> {
        let strings = |sql: &str| -> Result<Vec<String>> {
            let mut statement = self.conn.prepare_cached(sql)?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        };
        let owners = strings(&distinct("cases", "owner"))?;
        let tiers = strings(&distinct("accounts", "tier"))?;
        let used = strings(&distinct("cases", "reason_id"))?;
        let mut reasons: Vec<ReasonOption> = self
            .policy()?
            .map(|policy| {
                policy
                    .reasons
                    .iter()
                    .map(|reason| ReasonOption {
                        id: reason.id.clone(),
                        label: reason.label.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        for id in used {
            if !reasons.iter().any(|reason| reason.id == id) {
                reasons.push(ReasonOption {
                    label: id.clone(),
                    id,
                });
            }
        }
        Ok(InboxFacets {
            owners,
            tiers,
            reasons,
        })
    }
}

/// The distinct non-NULL values of `column` in `table`, in order, read by seeking the column's
/// index once per value (a loose index scan) rather than walking every row: the inbox's facets
/// have a handful of values over 100k rows, and `SELECT DISTINCT` read all of them (measured at
/// 100k accounts: 55 ms for the tiers, against well under 1 ms). Each column leads an index
/// (`cases_by_owner_received`, `accounts_by_tier`, `cases_by_reason_received`).
fn distinct(table: &str, column: &str) -> String {
    format!(
        "WITH RECURSIVE found(value) AS (
             SELECT min({column}) FROM {table}
             UNION ALL
             SELECT (SELECT min({column}) FROM {table} WHERE {column} > found.value)
             FROM found WHERE found.value IS NOT NULL
         )
         SELECT value FROM found WHERE value IS NOT NULL"
    )
}

/// Reads one row of `CASE_COLUMNS`; anything that does not parse back is reported as damage.
pub(crate) fn read_case(row: &Row<'_>) -> Result<CaseSummary> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("case row: {what}"));
    let id: String = row.get(0)?;
    let account_id: String = row.get(1)?;
    let status: String = row.get(4)?;
    let channel: String = row.get(5)?;
    let instant = |index: usize| -> Result<Option<Timestamp>> {
        row.get::<_, Option<i64>>(index)?
            .map(from_millis)
            .transpose()
    };
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
        first_response_due: instant(10)?,
        acknowledged_at: instant(11)?,
        reason_id: row.get(12)?,
        owner: row.get(13)?,
    })
}
