//! The audit export (issue 14): the profile's event log, its chain hashes and, in a profile
//! joined to a team server, the server's signed checkpoints, written as the JSON Lines file
//! `holdfast_core::audit_export` defines, so a reader outside the app can check it (the core's
//! `verify_export`, `holdfast-server verify-export FILE`).
//!
//! Written one row at a time from one read snapshot: the log is never held in memory.

use std::io::{BufRead, BufWriter, Write};

use holdfast_core::audit_export::{
    write_line, ExportCheckpoint, ExportHeader, ExportLine, ExportProfile, ExportReseal,
};
pub use holdfast_core::audit_export::{ExportBroken, Verified};
use holdfast_sync::protocol::Checkpoint;

use crate::error::StoreError;
use crate::events::{head, in_stored_form, read_event, EVENT_COLUMNS};
use crate::Database;

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditExportSummary {
    pub events: u64,
    pub checkpoints: u64,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AuditExportError {
    /// The log could not be read (a damaged row is named by `verify_audit_chain`).
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the audit export cannot be written: {0}")]
    Write(#[from] std::io::Error),
}

impl From<rusqlite::Error> for AuditExportError {
    fn from(error: rusqlite::Error) -> AuditExportError {
        AuditExportError::Store(StoreError::Sqlite(error))
    }
}

impl Database {
    /// Writes the audit export of this profile's confirmed log to `out` (the format:
    /// `holdfast_core::audit_export`): a header, one line per event and, in a team profile, each
    /// checkpoint the device verified right after the event it signs. A joined profile's pending
    /// events are not part of the log (the server has not recorded them) and are left out. The
    /// rows are streamed from one read transaction, so the header's count and head agree with the
    /// lines that follow.
    pub fn write_audit_export(
        &self,
        out: impl Write,
    ) -> Result<AuditExportSummary, AuditExportError> {
        let mut out = BufWriter::new(out);
        let snapshot = self.conn.unchecked_transaction()?;
        let head = head(&snapshot)?;
        let events = match head {
            Some((seq, _)) => seq,
            None => snapshot.query_row("SELECT count(*) FROM events", [], |row| {
                row.get::<_, i64>(0)
            })? as u64,
        };
        let (profile, key, checkpoints) = self.export_profile(events)?;
        let mut header = ExportHeader::new(
            profile,
            events,
            head.map(|(_, hash)| hash),
            key,
            checkpoints.len() as u64,
            Some(jiff::Timestamp::now().to_string()),
        );
        header.reseals = reseals(&snapshot)?;
        write_line(&mut out, &ExportLine::Header(Box::new(header)))?;

        let mut checkpoints = checkpoints.into_iter().peekable();
        let mut statement =
            snapshot.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"))?;
        let mut rows = statement.query([])?;
        let mut written = 0u64;
        let mut signed = 0u64;
        while let Some(row) = rows.next()? {
            let recorded = read_event(row).and_then(|recorded| in_stored_form(row, recorded))?;
            write_line(
                &mut out,
                &ExportLine::event(recorded.seq, &recorded.event, &recorded.hash),
            )?;
            written += 1;
            while let Some(checkpoint) = checkpoints.next_if(|c| c.seq <= recorded.seq) {
                write_line(
                    &mut out,
                    &ExportLine::Checkpoint(ExportCheckpoint {
                        seq: checkpoint.seq,
                        chain_hash: checkpoint.chain_hash,
                        signature: checkpoint.signature,
                    }),
                )?;
                signed += 1;
            }
        }
        out.flush()?;
        Ok(AuditExportSummary {
            events: written,
            checkpoints: signed,
        })
    }

    /// Whose log this is, the server's key and the checkpoints up to `events` (a team profile).
    fn export_profile(
        &self,
        events: u64,
    ) -> Result<(ExportProfile, Option<String>, Vec<Checkpoint>), StoreError> {
        Ok(match (self.sync_binding(), self.replica()) {
            (Some(binding), Some(replica)) => (
                ExportProfile {
                    kind: "team".into(),
                    organisation: Some(binding.me.organisation.clone()),
                    server: Some(binding.server.clone()),
                    user: Some(binding.me.user.clone()),
                },
                Some(replica.checkpoint_key().to_owned()),
                replica
                    .checkpoints()
                    .filter(|checkpoint| checkpoint.seq <= events)
                    .cloned()
                    .collect(),
            ),
            _ => (
                ExportProfile {
                    kind: "local".into(),
                    organisation: None,
                    server: None,
                    user: self.local_user()?.map(|user| user.name),
                },
                None,
                Vec::new(),
            ),
        })
    }
}

/// The upgrades' re-seals of the chain (`audit_reseals`), oldest first.
fn reseals(conn: &rusqlite::Connection) -> Result<Vec<ExportReseal>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT resealed_at, schema_version, through_seq, links_changed, reason
         FROM audit_reseals ORDER BY rowid",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, i64>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut reseals = Vec::new();
    for row in rows {
        let (at, schema_version, through, changed, reason) = row?;
        reseals.push(ExportReseal {
            resealed_at: crate::page::from_millis(at)?.to_string(),
            schema_version,
            through_seq: through.max(0) as u64,
            links_changed: changed.max(0) as u64,
            reason,
        });
    }
    Ok(reseals)
}

/// Checks an audit export from its text (`holdfast_core::audit_export::verify_export`): what the
/// desk calls to check a file, as `holdfast-server verify-export` does.
pub fn verify_audit_export(reader: impl BufRead) -> Result<Verified, ExportBroken> {
    holdfast_core::audit_export::verify_export(reader)
}
