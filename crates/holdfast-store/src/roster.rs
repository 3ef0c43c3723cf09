//! The sales-rep roster: who sold to the company's accounts and whether they still work here,
//! imported from a small CSV (`name,status`). An account's original rep is looked up here first,
//! then among the profile's users, else their status is unknown.

use holdfast_core::import::RosterEntry;
use holdfast_core::workflow::RepStatus;
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, from_millis, to_millis};
use crate::Database;

/// One sales rep as the roster says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SalesRep {
    pub name: String,
    /// `active` or `left`.
    pub status: RepStatus,
    /// When the roster last changed their status (or first listed them).
    pub changed_at: Timestamp,
}

/// What a roster import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct RosterImportSummary {
    /// Reps the roster did not list before.
    pub added: u32,
    /// Reps whose status the file changes.
    pub changed: u32,
    /// Reps listed with the status they already had.
    pub unchanged: u32,
}

fn status_text(status: RepStatus) -> Result<&'static str> {
    match status {
        RepStatus::Active => Ok("active"),
        RepStatus::Left => Ok("left"),
        RepStatus::Unknown => Err(StoreError::Rule(holdfast_core::CoreError::invalid(
            "status",
            "a roster says active or left",
        ))),
    }
}

fn parse_status(text: &str) -> Result<RepStatus> {
    match text {
        "active" => Ok(RepStatus::Active),
        "left" => Ok(RepStatus::Left),
        other => Err(StoreError::Corrupt(format!(
            "sales rep row: status \"{other}\""
        ))),
    }
}

impl Database {
    /// Adds the file's reps and updates their status, in one transaction; `changed_at` moves only
    /// when a status changes. Reps the file does not list are kept as they are: a roster file may
    /// be only the people whose status changed.
    pub fn import_sales_reps(
        &mut self,
        entries: &[RosterEntry],
        now: Timestamp,
    ) -> Result<RosterImportSummary> {
        if let Some(synced) = &self.synced {
            // The team server's directory says who works there; a local roster would let this
            // device decide a save call differently from the server.
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "roster",
                format!(
                    "in a team, whether a rep still works here comes from the team server ({})",
                    synced.binding.server
                ),
            )));
        }
        let mut summary = RosterImportSummary::default();
        let tx = self.conn.transaction()?;
        {
            let mut current = tx.prepare_cached("SELECT status FROM sales_reps WHERE name = ?1")?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO sales_reps (name, status, changed_at) VALUES (:name, :status, :now)
                 ON CONFLICT (name) DO UPDATE SET status = excluded.status,
                    changed_at = excluded.changed_at",
            )?;
            for entry in entries {
                let name = entry.name.trim();
                if name.is_empty() {
                    return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                        "name",
                        "a sales rep needs a name",
                    )));
                }
                let status = status_text(entry.status)?;
                let before: Option<String> =
                    current.query_row([name], |row| row.get(0)).optional()?;
                match before.as_deref() {
                    None => summary.added += 1,
                    Some(before) if before == status => {
                        summary.unchanged += 1;
                        continue;
                    }
                    Some(_) => summary.changed += 1,
                }
                upsert.execute(named_params! {
                    ":name": name,
                    ":status": status,
                    ":now": to_millis(now),
                })?;
            }
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Every rep on the roster, by name.
    pub fn sales_reps(&self) -> Result<Vec<SalesRep>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT name, status, changed_at FROM sales_reps ORDER BY name")?;
        let rows = statement.query_map([], |row| {
            let name: String = row.get(0)?;
            let status: String = row.get(1)?;
            let changed_at: i64 = row.get(2)?;
            Ok((|| {
                Ok(SalesRep {
                    name,
                    status: parse_status(&status)?,
                    changed_at: from_millis(changed_at)?,
                })
            })())
        })?;
        collect_rows(rows)
    }

    /// Whether the rep named `name` still works here: the roster's word, else the users table's
    /// active flag for a user of that name, else unknown.
    pub fn sales_rep_status(&self, name: &str) -> Result<RepStatus> {
        rep_status_in(&self.conn, name)
    }
}

/// `Database::sales_rep_status`, read on `conn` (a transaction sees what it wrote).
pub(crate) fn rep_status_in(conn: &rusqlite::Connection, name: &str) -> Result<RepStatus> {
    let name = name.trim();
    let on_roster: Option<String> = conn
        .prepare_cached("SELECT status FROM sales_reps WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()?;
    if let Some(status) = on_roster {
        return parse_status(&status);
    }
    let user_active = conn
        .prepare_cached("SELECT active FROM users WHERE name = ?1")?
        .query_row([name], |row| row.get::<_, bool>(0))
        .optional()?;
    Ok(RepStatus::from_directory(user_active))
}
