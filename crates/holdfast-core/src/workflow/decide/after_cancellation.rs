//! What follows a cancellation, the only commands a cancelled case takes: the confirmation on the
//! customer's preferred channel, exit feedback, and win-back check-ins.

use jiff::Span;

use super::{invalid_transition, Context};
use crate::account::{check_channel_reachable, PreferredChannel};
use crate::workflow::{CaseCommand, CaseEvent};
use crate::CoreError;

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
    Ok(CaseEvent::WinBackScheduled { check_ins })
}
