//! The request itself: receiving it (the first-response deadline), acknowledging it, logging it
//! in the cancellation sheet, and the customer withdrawing it.

use jiff::Timestamp;
use uuid::Uuid;

use super::Context;
use crate::case::{open_case, OpenCase};
use crate::policy::{AcknowledgeChannel, Policy};
use crate::workflow::CaseEvent;
use crate::CoreError;

pub(super) fn receive(
    case_id: Uuid,
    request: OpenCase,
    policy: &Policy,
    now: Timestamp,
) -> Result<CaseEvent, CoreError> {
    let case = open_case(request, case_id, now)?;
    let due = policy
        .sla
        .calendar
        .add_business_minutes(case.received_at, policy.sla.first_response_minutes)
        .ok_or_else(|| CoreError::invalid("received_at", "is outside the supported range"))?;
    Ok(CaseEvent::Received {
        case_id: case.id,
        account_id: case.account_id,
        channel: case.channel,
        requester_name: case.requester_name,
        requester_contact: case.requester_contact,
        received_at: case.received_at,
        first_response_due: due,
    })
}

/// A first response other than a recorded message: only in a way the policy accepts, with a
/// note of what was said. A message acknowledges the request when it is recorded.
pub(super) fn acknowledge(
    cx: &Context,
    channel: AcknowledgeChannel,
    note: &str,
) -> Result<CaseEvent, CoreError> {
    if cx.state.acknowledged_at.is_some() {
        return Err(CoreError::invalid(
            "case",
            "the request was already acknowledged",
        ));
    }
    if channel == AcknowledgeChannel::Message {
        return Err(CoreError::invalid(
            "channel",
            "record the message sent to the customer; recording it acknowledges the request",
        ));
    }
    if !cx.policy.sla.acknowledge_by.contains(&channel) {
        return Err(CoreError::invalid(
            "channel",
            format!(
                "this policy does not accept a {} as the first response; send the customer a message",
                channel.as_str()
            ),
        ));
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(CoreError::invalid(
            "note",
            format!(
                "note who you spoke to and what was said on the {}",
                channel.as_str()
            ),
        ));
    }
    Ok(CaseEvent::Acknowledged {
        at: cx.now,
        channel: Some(channel),
        note: Some(note.to_owned()),
    })
}

pub(super) fn log_request(cx: &Context) -> Result<CaseEvent, CoreError> {
    if cx.state.logged {
        return Err(CoreError::invalid("case", "the request is already logged"));
    }
    Ok(CaseEvent::RequestLogged)
}

pub(super) fn withdraw(note: &str) -> CaseEvent {
    CaseEvent::Withdrawn {
        note: note.to_owned(),
    }
}
