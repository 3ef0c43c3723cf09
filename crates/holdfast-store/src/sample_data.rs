//! Sample accounts and cases on a profile of its own: loaded in one step so a new user can walk
//! the chosen procedure, marked in every list, and removed in one step. Removing takes the sample
//! accounts, their cases and every event of those cases out of the log; the events recorded after
//! them that were not the sample's (the person's own settings, real cases) are linked again, and
//! the re-seal is recorded in `audit_reseals`, which the audit export shows.

use holdfast_core::sample::{sample_accounts, sample_requests, SAMPLE_PREFIX};
use holdfast_core::CoreError;
use jiff::Timestamp;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, StoreError};
use crate::events::{append, read_event, EVENT_COLUMNS};
use crate::page::{from_millis, to_millis};
use crate::Database;

const SAMPLE_DATA: &str = "sample_data";

/// Sample data on this profile: when it was loaded, and what of it is there now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SampleData {
    pub loaded_at: Timestamp,
    pub accounts: u32,
    pub cases: u32,
}

/// What removing the sample data took away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SampleRemoved {
    pub accounts: u32,
    pub cases: u32,
    /// Events of the sample's cases taken out of the log.
    pub events: u32,
    /// Events after the sample's first one that were kept and linked again.
    pub relinked: u32,
}

/// What the settings keep: when, and the first event the sample's could be.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    loaded_at_ms: i64,
    first_seq: u64,
}

fn rule(message: &str) -> StoreError {
    StoreError::Rule(CoreError::invalid("sample_data", message))
}

impl Database {
    /// Whether sample data is loaded, and how much of it is there.
    pub fn sample_data(&self) -> Result<Option<SampleData>> {
        let Some(marker) = self.sample_marker()? else {
            return Ok(None);
        };
        let pattern = format!("{SAMPLE_PREFIX}*");
        let accounts: u32 = self.conn.query_row(
            "SELECT count(*) FROM accounts WHERE external_id GLOB ?1",
            [&pattern],
            |row| row.get(0),
        )?;
        let cases: u32 = self.conn.query_row(
            "SELECT count(*) FROM cases c JOIN accounts a ON a.id = c.account_id
             WHERE a.external_id GLOB ?1",
            [&pattern],
            |row| row.get(0),
        )?;
        Ok(Some(SampleData {
            loaded_at: from_millis(marker.loaded_at_ms)?,
            accounts,
            cases,
        }))
    }

    fn sample_marker(&self) -> Result<Option<Marker>> {
        self.setting(SAMPLE_DATA)?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("the sample data's marker: {e}")))
            })
            .transpose()
    }

    /// Loads the sample accounts (one per tier of the policy) and four cancellation requests,
    /// received by this profile's user. Only on a profile of its own, once, with a policy and a
    /// user chosen.
    pub fn load_sample_data(&mut self, now: Timestamp) -> Result<SampleData> {
        if self.synced.is_some() {
            return Err(rule(
                "sample data is for a profile of its own: a team's accounts come from its server",
            ));
        }
        if self.sample_marker()?.is_some() {
            return Err(rule("the sample data is already loaded"));
        }
        let policy = self
            .policy()?
            .ok_or_else(|| rule("choose a procedure before loading sample data"))?;
        let actor = self
            .acting_user()?
            .ok_or_else(|| rule("say who you are before loading sample data"))?;
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let accounts = sample_accounts(&policy, today);
        let first_seq = crate::events::head(&self.conn)?.map_or(0, |(seq, _)| seq) + 1;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
            [
                SAMPLE_DATA,
                &serde_json::to_string(&Marker {
                    loaded_at_ms: to_millis(now),
                    first_seq,
                })
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ],
        )?;
        crate::accounts::upsert_drafts(&tx, &accounts, now)?;
        tx.commit()?;
        for (case_id, command) in sample_requests(&accounts, now) {
            self.run_case_command(case_id, &command, &actor, &policy, now)?;
        }
        self.sample_data()?
            .ok_or_else(|| StoreError::Corrupt("the sample data's marker went missing".into()))
    }

    /// Removes the sample accounts, their cases, tasks, notes, reminders and report rows, and
    /// their cases' events; the events after the sample's first that are kept are linked again,
    /// and the re-seal is recorded. One transaction: all of it or none.
    pub fn remove_sample_data(&mut self, now: Timestamp) -> Result<SampleRemoved> {
        let marker = self
            .sample_marker()?
            .ok_or_else(|| rule("there is no sample data to remove"))?;
        let policy = self.policy()?;
        let schema_version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?;
        let tx = self.conn.transaction()?;
        let pattern = format!("{SAMPLE_PREFIX}*");
        let sample_accounts: Vec<String> = tx
            .prepare("SELECT id FROM accounts WHERE external_id GLOB ?1")?
            .query_map([&pattern], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let sample_cases: Vec<String> = tx
            .prepare(
                "SELECT c.id FROM cases c JOIN accounts a ON a.id = c.account_id
                 WHERE a.external_id GLOB ?1",
            )?
            .query_map([&pattern], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let sample_aggregates: std::collections::HashSet<&str> = sample_accounts
            .iter()
            .chain(&sample_cases)
            .map(String::as_str)
            .collect();

        let later = {
            let mut statement = tx.prepare(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE seq >= ?1 ORDER BY seq"
            ))?;
            let rows = statement.query_map([marker.first_seq as i64], |row| Ok(read_event(row)))?;
            rows.map(|row| row.map_err(StoreError::from).and_then(|event| event))
                .collect::<Result<Vec<_>>>()?
        };
        let (removed, kept): (Vec<_>, Vec<_>) = later.into_iter().partition(|recorded| {
            sample_aggregates.contains(recorded.event.aggregate_id.to_string().as_str())
        });

        tx.execute(
            "DELETE FROM events WHERE seq >= ?1",
            [marker.first_seq as i64],
        )?;
        let before: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT seq, hash FROM events WHERE seq = ?1",
                [marker.first_seq as i64 - 1],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        match before {
            Some((seq, hash)) => tx.execute(
                "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1",
                rusqlite::params![seq, hash],
            )?,
            None => tx.execute("DELETE FROM audit_head", [])?,
        };
        for recorded in &kept {
            append(&tx, &recorded.event)?;
        }
        // What kept a position in the log (the heads-up queue) follows the events' new numbers:
        // a position after the sample's first event moves back by the sample events before it.
        let kept_seqs: Vec<u64> = kept.iter().map(|recorded| recorded.seq).collect();
        let first_seq = marker.first_seq;
        crate::heads_ups::renumber_positions(&tx, |old| {
            if old < first_seq {
                old
            } else {
                first_seq - 1 + kept_seqs.iter().filter(|seq| **seq <= old).count() as u64
            }
        })?;

        for case_id in &sample_cases {
            tx.execute("DELETE FROM reminders WHERE instr(key, ?1) > 0", [case_id])?;
        }
        tx.execute(
            "DELETE FROM account_search WHERE rowid IN
                (SELECT rowid FROM accounts WHERE external_id GLOB ?1)",
            [&pattern],
        )?;
        // The cases first (the rebuild projects only the events kept), then their accounts.
        crate::case_commands::rebuild_read_models_in(&tx, policy.as_ref())?;
        let accounts = tx.execute("DELETE FROM accounts WHERE external_id GLOB ?1", [&pattern])?;
        if !removed.is_empty() {
            let through: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |row| {
                    row.get(0)
                })?;
            tx.execute(
                "INSERT INTO audit_reseals (resealed_at, schema_version, through_seq, links_changed, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    to_millis(now),
                    schema_version,
                    through,
                    kept.len() as i64,
                    format!(
                        "sample data removed: {} events of {} sample cases taken out from event {}; \
                         the {} events after them linked again",
                        removed.len(),
                        sample_cases.len(),
                        marker.first_seq,
                        kept.len()
                    )
                ],
            )?;
        }
        tx.execute("DELETE FROM settings WHERE key = ?1", [SAMPLE_DATA])?;
        tx.commit()?;
        Ok(SampleRemoved {
            accounts: accounts as u32,
            cases: sample_cases.len() as u32,
            events: removed.len() as u32,
            relinked: kept.len() as u32,
        })
    }
}
