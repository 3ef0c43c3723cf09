//! What follows a cancellation, the only commands a cancelled case takes: the confirmation on the
//! customer's preferred channel, exit feedback, and win-back check-ins.

use jiff::Span;

use super::{invalid_transition, Context};
use crate::account::{check_channel_reachable, PreferredChannel};
use crate::policy::MessageKind;
use crate::workflow::{CaseCommand, CaseEvent, WinBackOutcome};
use crate::CoreError;

const MAX_NOTE_CHARS: usize = 10_000;

pub(super) fn confirm(cx: &Context, channel: PreferredChannel) -> Result<CaseEvent, CoreError> {
    if cx.state.confirmed_on.is_some() {
        return Err(CoreError::invalid(
            "channel",
            "the cancellation was already confirmed",
        ));
    }
    match cx.account.preferred_channel {
        None => {
            return Err(CoreError::invalid(
                "channel",
                "the account has no preferred channel on file",
            ))
        }
        Some(preferred) if preferred != channel => {
            return Err(CoreError::invalid(
                "channel",
                format!(
                    "must be the customer's preferred channel, {}",
                    preferred.as_str()
                ),
            ))
        }
        Some(_) => {}
    }
    check_channel_reachable(
        channel,
        cx.account.email.as_deref(),
        cx.account.phone.as_deref(),
    )?;
    // Where the policy has a confirmation message, the confirmation is that message on the
    // preferred channel (recording it confirms the cancellation for whoever may); this only
    // completes one recorded by someone who may not confirm.
    if cx.policy.messages.contains_key(&MessageKind::Confirmation)
        && cx.state.confirmation_sent_on != Some(channel)
    {
        return Err(CoreError::invalid(
            "channel",
            format!(
                "record the confirmation message sent on {} first; recording it confirms the cancellation",
                channel.as_str()
            ),
        ));
    }
    Ok(CaseEvent::CancellationConfirmed {
        channel,
        at: cx.now,
    })
}

pub(super) fn record_feedback(
    cx: &Context,
    text: &str,
    survey_link: Option<&str>,
) -> Result<CaseEvent, CoreError> {
    if text.trim().is_empty() {
        return Err(CoreError::invalid(
            "text",
            "write down what the customer said, or that they gave no feedback",
        ));
    }
    let survey_link = match survey_link.map(str::trim) {
        Some("") => {
            return Err(CoreError::invalid(
                "survey_link",
                "leave it out when no survey link was sent",
            ))
        }
        link => link.map(str::to_owned),
    };
    Ok(CaseEvent::FeedbackRecorded {
        text: text.trim().to_owned(),
        survey_link,
        at: cx.now,
    })
}

/// `command` is the `ScheduleWinBack` being decided, for the refusal's wording.
pub(super) fn schedule_win_back(
    cx: &Context,
    command: &CaseCommand,
) -> Result<CaseEvent, CoreError> {
    let (state, policy) = (cx.state, cx.policy);
    if state.win_back_check_ins.is_some() {
        return Err(CoreError::invalid(
            "win_back",
            "the win-back check-ins are already scheduled",
        ));
    }
    if policy.win_back_months.is_empty() {
        return Err(CoreError::invalid(
            "win_back",
            "this policy has no win-back schedule",
        ));
    }
    let Some(finalization) = &state.finalization else {
        return Err(invalid_transition(state, command));
    };
    let mut check_ins = policy
        .win_back_months
        .iter()
        .map(|months| {
            Span::new()
                .try_months(i64::from(*months))
                .and_then(|span| finalization.effective_date.checked_add(span))
                .map_err(|_| {
                    CoreError::invalid(
                        "win_back_months",
                        format!("{months} months after the effective date is out of range"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_ins.sort();
    check_ins.dedup();
    let assignee = policy
        .win_back_assignee
        .clone()
        .or_else(|| state.owner.clone())
        .unwrap_or_else(|| cx.actor.user_id.clone());
    Ok(CaseEvent::WinBackScheduled {
        check_ins,
        assignee: Some(assignee),
    })
}

/// A check-in is made on or after its date, once, and not after the customer came back.
pub(super) fn record_win_back_outcome(
    cx: &Context,
    check_in: u32,
    outcome: WinBackOutcome,
    note: &str,
) -> Result<CaseEvent, CoreError> {
    let state = cx.state;
    let Some(check_ins) = &state.win_back_check_ins else {
        return Err(CoreError::invalid(
            "check_in",
            "the win-back check-ins are not scheduled",
        ));
    };
    let Some(date) = usize::try_from(check_in)
        .ok()
        .and_then(|number| number.checked_sub(1))
        .and_then(|index| check_ins.get(index))
    else {
        return Err(CoreError::invalid(
            "check_in",
            format!("there are check-ins 1 to {}", check_ins.len()),
        ));
    };
    if state.win_back_outcomes.contains_key(&check_in) {
        return Err(CoreError::invalid(
            "check_in",
            format!("check-in {check_in} already has its outcome"),
        ));
    }
    if let Some((earlier, _)) = state
        .win_back_outcomes
        .iter()
        .find(|(_, done)| done.outcome == WinBackOutcome::Reactivated)
    {
        return Err(CoreError::invalid(
            "check_in",
            format!("the customer came back at check-in {earlier}"),
        ));
    }
    let today = cx.now.to_zoned(cx.policy.sla.calendar.zone.clone()).date();
    if today < *date {
        return Err(CoreError::invalid(
            "check_in",
            format!(
                "check-in {check_in} is not due until {date}; record its outcome from that day on"
            ),
        ));
    }
    if cx.actor.user_id.trim().is_empty() {
        return Err(CoreError::invalid(
            "actor",
            "a check-in is recorded by a named user",
        ));
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(CoreError::invalid(
            "note",
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(CaseEvent::WinBackOutcomeRecorded {
        check_in,
        outcome,
        note: note.to_owned(),
        by: cx.actor.user_id.clone(),
        at: cx.now,
    })
}
