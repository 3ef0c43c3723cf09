//! Numbered schema migrations, tracked with `PRAGMA user_version`. Each runs in its own
//! transaction, so a failed migration leaves the database at the previous version.

use rusqlite::{Connection, Transaction};

use crate::error::{Result, StoreError};

/// One schema step: its SQL, then (rarely) work SQL cannot express, in the same transaction.
struct Migration {
    sql: &'static str,
    then: Option<fn(&Transaction<'_>, i64) -> Result<()>>,
}

const fn sql(sql: &'static str) -> Migration {
    Migration { sql, then: None }
}

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`; append, never edit or reorder.
const MIGRATIONS: &[Migration] = &[
    sql(include_str!("../migrations/0001_accounts_and_cases.sql")),
    sql(include_str!("../migrations/0002_event_log.sql")),
    sql(include_str!("../migrations/0003_case_engine.sql")),
    sql(include_str!("../migrations/0004_profile_settings.sql")),
    sql(include_str!("../migrations/0005_inbox.sql")),
    sql(include_str!("../migrations/0006_case_notes.sql")),
    sql(include_str!("../migrations/0007_offer_approvals.sql")),
    sql(include_str!("../migrations/0008_unpaid_invoices.sql")),
    sql(include_str!("../migrations/0009_team_sync.sql")),
    Migration {
        sql: include_str!("../migrations/0010_one_event_record.sql"),
        then: Some(crate::events::reseal_on_upgrade),
    },
    sql(include_str!(
        "../migrations/0011_account_terms_roster_user_ids.sql"
    )),
    Migration {
        sql: include_str!("../migrations/0012_task_assignment.sql"),
        then: Some(crate::case_commands::project_tasks_on_upgrade),
    },
    sql(include_str!(
        "../migrations/0013_refund_status_check_task.sql"
    )),
    sql(include_str!("../migrations/0014_reminders.sql")),
    sql(include_str!(
        "../migrations/0015_reminder_assigned_stage.sql"
    )),
    Migration {
        sql: include_str!("../migrations/0016_case_reports.sql"),
        then: Some(crate::reports::fill_on_upgrade),
    },
    sql(include_str!("../migrations/0017_report_indexes.sql")),
    sql(include_str!("../migrations/0018_mail_outbox.sql")),
    sql(include_str!("../migrations/0019_heads_ups.sql")),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let failed = |source| StoreError::Migration { version, source };
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(migration.sql).map_err(failed)?;
        if let Some(then) = migration.then {
            then(&tx, version)?;
        }
        tx.pragma_update(None, "user_version", version)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}
