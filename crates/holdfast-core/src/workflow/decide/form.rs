//! The cancellation request form, when the policy has one: sent, reminded, and received with
//! every field the policy asks for filled in.

use std::collections::BTreeMap;

use jiff::{Span, Timestamp};

use super::Context;
use crate::workflow::CaseEvent;
use crate::CoreError;

/// When the customer is to be reminded: the policy's days after `from`, in the policy's zone (so
/// that three days after 10:00 is 10:00 three days later, across a clock change).
fn reminder_due(cx: &Context, from: Timestamp, days: u32) -> Result<Timestamp, CoreError> {
    from.to_zoned(cx.policy.sla.calendar.zone.clone())
        .checked_add(Span::new().days(i64::from(days)))
        .map(|due| due.timestamp())
        .map_err(|_| CoreError::invalid("remind_after_days", "the reminder date is out of range"))
}

pub(super) fn send(cx: &Context, how: &str) -> Result<CaseEvent, CoreError> {
    let Some(form) = &cx.policy.form else {
        return Err(CoreError::invalid(
            "form",
            "this policy has no cancellation request form",
        ));
    };
    if cx.state.form_received {
        return Err(CoreError::invalid("form", "the form was already received"));
    }
    Ok(CaseEvent::FormSent {
        how: how.to_owned(),
        at: cx.now,
        submit_to: form.submit_to.clone(),
        instructions: form.instructions.clone(),
        remind_at: Some(reminder_due(cx, cx.now, form.remind_after_days)?),
    })
}

pub(super) fn remind(cx: &Context) -> Result<CaseEvent, CoreError> {
    if !cx.state.form_sent || cx.state.form_received {
        return Err(CoreError::invalid(
            "form",
            "only a form that was sent and not returned can be reminded",
        ));
    }
    let remind_at = match &cx.policy.form {
        Some(form) => Some(reminder_due(cx, cx.now, form.remind_after_days)?),
        None => None,
    };
    Ok(CaseEvent::FormReminded {
        at: cx.now,
        remind_at,
    })
}

pub(super) fn receive(
    cx: &Context,
    fields: &BTreeMap<String, String>,
) -> Result<CaseEvent, CoreError> {
    let Some(form) = &cx.policy.form else {
        return Err(CoreError::invalid(
            "form",
            "this policy has no cancellation request form",
        ));
    };
    if cx.state.form_received {
        return Err(CoreError::invalid("form", "the form was already received"));
    }
    if let Some(missing) = form.fields.iter().find(|field| {
        fields
            .get(*field)
            .is_none_or(|value| value.trim().is_empty())
    }) {
        return Err(CoreError::invalid(
            missing.clone(),
            "the form must have this field filled in",
        ));
    }
    Ok(CaseEvent::FormReceived {
        fields: fields.clone(),
        at: cx.now,
    })
}
