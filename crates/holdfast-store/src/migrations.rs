//! Numbered schema migrations, tracked with `PRAGMA user_version`. Each runs in its own
//! transaction, so a failed migration leaves the database at the previous version.

use rusqlite::Connection;

use crate::error::{Result, StoreError};

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`; append, never edit or reorder.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_accounts_and_cases.sql"),
    include_str!("../migrations/0002_event_log.sql"),
    include_str!("../migrations/0003_case_engine.sql"),
    include_str!("../migrations/0004_profile_settings.sql"),
    include_str!("../migrations/0005_inbox.sql"),
    include_str!("../migrations/0006_case_notes.sql"),
    include_str!("../migrations/0007_offer_approvals.sql"),
    include_str!("../migrations/0008_unpaid_invoices.sql"),
    include_str!("../migrations/0009_team_sync.sql"),
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
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let apply = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        apply(conn).map_err(|source| StoreError::Migration { version, source })?;
    }
    Ok(())
}
