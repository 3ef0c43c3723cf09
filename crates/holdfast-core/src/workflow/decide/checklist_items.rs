//! The policy's finalization checklist: each item a person confirms is confirmed by who did it,
//! before the finalization or after it as the policy says. Items tied to a step are done by that
//! step and are not confirmed a second time.

use super::Context;
use crate::case::CaseStatus;
use crate::policy::ChecklistWhen;
use crate::workflow::CaseEvent;
use crate::CoreError;

const MAX_NOTE_CHARS: usize = 10_000;

pub(super) fn confirm(cx: &Context, item_id: &str, note: &str) -> Result<CaseEvent, CoreError> {
    let Some(item) = cx.policy.checklist_item(item_id.trim()) else {
        return Err(CoreError::invalid(
            "item_id",
            format!("the policy's finalization checklist has no item \"{item_id}\""),
        ));
    };
    if let Some(step) = item.step {
        return Err(CoreError::invalid(
            "item_id",
            format!(
                "\"{}\" is done by {}; it is ticked when that is recorded",
                item.label,
                step.describe()
            ),
        ));
    }
    if cx.actor.user_id.trim().is_empty() {
        return Err(CoreError::invalid(
            "actor",
            "a checklist item is confirmed by a named user",
        ));
    }
    if cx.state.checklist_confirmed.contains_key(&item.id) {
        return Err(CoreError::invalid(
            "item_id",
            format!("\"{}\" was already confirmed", item.label),
        ));
    }
    let cancelled = cx.state.status == CaseStatus::Cancelled;
    match item.when {
        ChecklistWhen::After if !cancelled => {
            return Err(CoreError::invalid(
                "item_id",
                format!(
                    "\"{}\" is done after the cancellation is finalized",
                    item.label
                ),
            ))
        }
        ChecklistWhen::Before if cancelled => {
            return Err(CoreError::invalid(
                "item_id",
                format!(
                    "\"{}\" is done before the cancellation is finalized",
                    item.label
                ),
            ))
        }
        _ => {}
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(CoreError::invalid(
            "note",
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(CaseEvent::ChecklistItemConfirmed {
        item_id: item.id.clone(),
        note: note.to_owned(),
        by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}
