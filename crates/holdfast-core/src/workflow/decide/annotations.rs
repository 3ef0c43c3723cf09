//! Notes and the record of messages sent: they describe the case without moving it, so they
//! belong to no step and any case takes them. A message can also be the step it belongs to: the
//! first message to the customer acknowledges the request, and the confirmation message on the
//! preferred channel confirms the cancellation.

use super::Context;
use crate::account::{check_channel_reachable, PreferredChannel};
use crate::case::CaseStatus;
use crate::policy::{AcknowledgeChannel, MessageKind, Step};
use crate::workflow::permissions::may_take;
use crate::workflow::{
    CaseEvent, EmailReceipt, RefundStatus, MAX_MESSAGE_ID_CHARS, MAX_SERVER_REPLY_CHARS,
};
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

/// A message that tells the customer about a step refers to a step that happened: refund notices
/// follow the refund's steps and the confirmation follows the cancellation.
fn check_message_follows_its_step(cx: &Context, kind: MessageKind) -> Result<(), CoreError> {
    let refund_in = |statuses: &[RefundStatus]| {
        cx.state
            .refunds
            .values()
            .any(|refund| statuses.contains(&refund.status))
    };
    let refused = match kind {
        MessageKind::RefundNotice
            if !refund_in(&[RefundStatus::BillingInProgress, RefundStatus::Completed]) =>
        {
            "a refund notice goes out once a refund is with billing or completed"
        }
        MessageKind::UnderReview if !refund_in(&[RefundStatus::UnderReview]) => {
            "the under-review message goes out while a refund is under review"
        }
        MessageKind::Confirmation if cx.state.status != CaseStatus::Cancelled => {
            "the confirmation goes out once the cancellation is finalized"
        }
        _ => return Ok(()),
    };
    Err(CoreError::invalid("kind", refused))
}

pub(super) fn record_message(
    cx: &Context,
    kind: MessageKind,
    channel: PreferredChannel,
    body: &str,
    email: Option<&EmailReceipt>,
) -> Result<Vec<CaseEvent>, CoreError> {
    let email = email
        .map(|receipt| email_receipt(channel, receipt))
        .transpose()?;
    if !cx.policy.messages.contains_key(&kind) {
        return Err(CoreError::invalid(
            "kind",
            "the policy has no template for this message",
        ));
    }
    check_message_follows_its_step(cx, kind)?;
    check_channel_reachable(
        channel,
        cx.account.email.as_deref(),
        cx.account.phone.as_deref(),
    )?;
    let body = bounded_text("body", body, MAX_MESSAGE_CHARS, "the message is empty")?;
    let survey_link = cx
        .policy
        .survey_link(cx.account.hosting_server.as_deref())
        .filter(|link| body.contains(*link))
        .map(str::to_owned);
    let mut events = vec![CaseEvent::MessageSent {
        message: kind,
        channel,
        body,
        at: cx.now,
        survey_link,
        email,
    }];
    // The first message to the customer is the first response: one action, one clock stop. It
    // is the step only for someone who may take it.
    if cx.state.acknowledged_at.is_none()
        && !cx.state.status.is_closed()
        && may_take(cx.actor, Step::Receive, cx.policy).is_ok()
    {
        events.push(CaseEvent::Acknowledged {
            at: cx.now,
            channel: Some(AcknowledgeChannel::Message),
            note: None,
        });
    }
    if kind == MessageKind::Confirmation
        && cx.state.confirmed_on.is_none()
        && cx.account.preferred_channel == Some(channel)
        && may_take(cx.actor, Step::Confirm, cx.policy).is_ok()
    {
        events.push(CaseEvent::CancellationConfirmed {
            channel,
            at: cx.now,
        });
    }
    Ok(events)
}

/// A mail server's receipt belongs to an e-mail only, names the message as its header does
/// (`<local@domain>`, printable ASCII, no spaces) and keeps the server's reply, bounded.
fn email_receipt(
    channel: PreferredChannel,
    receipt: &EmailReceipt,
) -> Result<EmailReceipt, CoreError> {
    if channel != PreferredChannel::Email {
        return Err(CoreError::invalid(
            "email",
            "only a message sent by e-mail has a mail server's receipt",
        ));
    }
    let id = receipt.message_id.trim();
    let well_formed = id.len() <= MAX_MESSAGE_ID_CHARS
        && id.starts_with('<')
        && id.ends_with('>')
        && id[1..id.len().saturating_sub(1)].contains('@')
        && id.bytes().all(|byte| byte.is_ascii_graphic());
    if !well_formed {
        return Err(CoreError::invalid(
            "email.message_id",
            "is not a Message-ID (<local@domain>)",
        ));
    }
    let reply = bounded_text(
        "email.server_reply",
        &receipt.server_reply,
        MAX_SERVER_REPLY_CHARS,
        "the mail server's reply is missing",
    )?;
    Ok(EmailReceipt {
        message_id: id.to_owned(),
        server_reply: reply,
    })
}
