//! The audit trail's check for the Settings screen: the store re-derives the hash chain over every
//! event and says whether it is intact; this only stamps when it looked.

use holdfast_store::events::AuditVerdict;
use jiff::Timestamp;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

/// One verification of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditCheck {
    /// Intact (with the number of events checked) or broken (the first event that fails, when
    /// one can be named, and why).
    pub verdict: AuditVerdict,
    /// When the check finished, as a UTC instant (RFC 3339).
    pub verified_at: Timestamp,
}

#[tauri::command]
pub async fn verify_audit_chain(state: State<'_, AppState>) -> Result<AuditCheck, AppError> {
    state.started().await;
    state
        .with_database(|database| {
            let verdict = database.verify_audit_chain()?;
            Ok(AuditCheck {
                verdict,
                verified_at: Timestamp::now(),
            })
        })
        .await
}
