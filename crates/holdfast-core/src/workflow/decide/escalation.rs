//! Escalation to a customer success manager, and the CSM's outcome.

use super::Context;
use crate::workflow::CaseEvent;
use crate::CoreError;

pub(super) fn escalate(cx: &Context, csm: &str, note: &str) -> Result<CaseEvent, CoreError> {
    if csm.trim().is_empty() {
        return Err(CoreError::invalid(
            "csm",
            "say which customer success manager takes the case",
        ));
    }
    if cx.state.escalated_to.is_some() {
        return Err(CoreError::invalid("csm", "the case is already escalated"));
    }
    Ok(CaseEvent::Escalated {
        csm: csm.trim().to_owned(),
        note: note.to_owned(),
    })
}

pub(super) fn record_csm_outcome(
    cx: &Context,
    retained: bool,
    note: &str,
) -> Result<CaseEvent, CoreError> {
    if cx.state.csm_engaged {
        return Err(CoreError::invalid(
            "case",
            "the CSM's outcome is already recorded",
        ));
    }
    if cx.state.escalated_to.is_none() {
        return Err(CoreError::invalid(
            "case",
            "the case has not been escalated to a CSM",
        ));
    }
    // The CSM's final engagement is documented by the CSM's own note.
    if note.trim().is_empty() {
        return Err(CoreError::invalid(
            "note",
            "say what the CSM did and what the customer answered",
        ));
    }
    Ok(CaseEvent::CsmOutcomeRecorded {
        retained,
        note: note.trim().to_owned(),
    })
}
