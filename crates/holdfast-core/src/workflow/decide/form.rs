//! The cancellation request form, when the policy has one: sent, reminded, and received with
//! every field the policy asks for filled in.

use std::collections::BTreeMap;

use super::Context;
use crate::workflow::CaseEvent;
use crate::CoreError;

pub(super) fn send(cx: &Context, how: &str) -> Result<CaseEvent, CoreError> {
    if cx.policy.form.is_none() {
        return Err(CoreError::invalid(
            "form",
            "this policy has no cancellation request form",
        ));
    }
    if cx.state.form_received {
        return Err(CoreError::invalid("form", "the form was already received"));
    }
    Ok(CaseEvent::FormSent {
        how: how.to_owned(),
        at: cx.now,
    })
}

pub(super) fn remind(cx: &Context) -> Result<CaseEvent, CoreError> {
    if !cx.state.form_sent || cx.state.form_received {
        return Err(CoreError::invalid(
            "form",
            "only a form that was sent and not returned can be reminded",
        ));
    }
    Ok(CaseEvent::FormReminded { at: cx.now })
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
