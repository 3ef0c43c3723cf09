//! Notes and the record of messages sent: they describe the case without moving it, so they
//! belong to no step and any case takes them.

use super::Context;
use crate::account::{check_channel_reachable, PreferredChannel};
use crate::policy::MessageKind;
use crate::workflow::CaseEvent;
use crate::CoreError;

const MAX_NOTE_CHARS: usize = 10_000;
const MAX_MESSAGE_CHARS: usize = 20_000;

/// Free text a person wrote, trimmed; empty or overlong text is refused rather than cut.
fn bounded_text(
    field: &str,
    text: &str,
    max_chars: usize,
    when_empty: &str,
) -> Result<String, CoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CoreError::invalid(field, when_empty));
    }
    if text.chars().count() > max_chars {
        return Err(CoreError::invalid(
            field,
            format!("is longer than {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

pub(super) fn add_note(cx: &Context, text: &str) -> Result<CaseEvent, CoreError> {
    Ok(CaseEvent::NoteAdded {
        text: bounded_text("text", text, MAX_NOTE_CHARS, "write the note first")?,
        at: cx.now,
    })
}

pub(super) fn record_message(
    cx: &Context,
    kind: MessageKind,
    channel: PreferredChannel,
    body: &str,
) -> Result<CaseEvent, CoreError> {
    if !cx.policy.messages.contains_key(&kind) {
        return Err(CoreError::invalid(
            "kind",
            "the policy has no template for this message",
        ));
    }
    check_channel_reachable(
        channel,
        cx.account.email.as_deref(),
        cx.account.phone.as_deref(),
    )?;
    Ok(CaseEvent::MessageSent {
        message: kind,
        channel,
        body: bounded_text("body", body, MAX_MESSAGE_CHARS, "the message is empty")?,
        at: cx.now,
    })
}
