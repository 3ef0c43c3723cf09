//! Deciding a command: who may, whether the case's state and the policy's gates allow it, and
//! which events it produces. Pure: everything it needs comes in as arguments.

use jiff::{SignedDuration, Span, Timestamp};

use super::checklist::finalization_blockers;
use super::one_time_code::{normalize_code_hash, same_hash};
use super::{AccountFacts, Actor, CaseCommand, CaseEvent, CaseState, OfferProposal, RefundStatus};
use crate::account::check_channel_reachable;
use crate::case::{open_case, CaseStatus, OpenCase};
use crate::error::Gate;
use crate::money::Money;
use crate::policy::{
    MessageKind, OfferKind, OfferTerms, Policy, Route, RoutingCondition, Step, VerificationMethod,
};
use crate::proration::prorated_refund;
use crate::CoreError;

fn step_of(command: &CaseCommand) -> Option<Step> {
    Some(match command {
        // Notes and messages belong to no step of the procedure: anyone working cases may add them.
        CaseCommand::AddNote { .. } | CaseCommand::RecordMessage { .. } => return None,
        CaseCommand::Receive { .. }
        | CaseCommand::Acknowledge
        | CaseCommand::LogRequest
        | CaseCommand::Withdraw { .. } => Step::Receive,
        CaseCommand::VerifyIdentity { .. }
        | CaseCommand::SendOneTimeCode { .. }
        | CaseCommand::EnterOneTimeCode { .. }
        | CaseCommand::FailVerification { .. } => Step::VerifyIdentity,
        CaseCommand::SendForm { .. }
        | CaseCommand::RemindForm
        | CaseCommand::ReceiveForm { .. } => Step::TrackForm,
        CaseCommand::CaptureReason { .. } => Step::CaptureReason,
        CaseCommand::Route => Step::Route,
        CaseCommand::Escalate { .. } => Step::Escalate,
        CaseCommand::RecordCsmOutcome { .. } => Step::RecordCsmOutcome,
        CaseCommand::RecordRetentionOutcome { .. } => Step::RecordRetentionOutcome,
        CaseCommand::ProposeOffer { .. } => Step::ProposeOffer,
        CaseCommand::ApproveOffer => Step::ApproveOffer,
        CaseCommand::AcceptOffer | CaseCommand::DeclineOffer => Step::RecordOfferOutcome,
        CaseCommand::WriteOffInvoices { .. } => Step::WriteOff,
        CaseCommand::RequestRefund { .. } => Step::RequestRefund,
        CaseCommand::VerifyRefund { .. }
        | CaseCommand::CompleteRefund { .. }
        | CaseCommand::DenyRefund { .. } => Step::ApproveRefund,
        CaseCommand::Finalize { .. } => Step::Finalize,
        CaseCommand::ConfirmCancellation { .. } => Step::Confirm,
        CaseCommand::RecordFeedback { .. } => Step::RecordFeedback,
        CaseCommand::ScheduleWinBack => Step::ScheduleWinBack,
    })
}

/// Whether `actor` may take `step` under `policy`: active, and holding one of the roles the
/// policy names for the step (any role when it names none). The desk asks this to show an action
/// disabled with its reason; `decide` asks it again for every command.
pub fn may_take(actor: &Actor, step: Step, policy: &Policy) -> Result<(), CoreError> {
    check_actor(actor, Some(step), policy)
}

/// The commands a cancelled case still accepts, and the only ones: what follows the cancellation.
fn follows_cancellation(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::ConfirmCancellation { .. }
            | CaseCommand::RecordFeedback { .. }
            | CaseCommand::ScheduleWinBack
    )
}

/// Steps whose meaning depends on exactly the state they were decided against: if the case moved
/// between the device's decision and the server's, the server records a conflict instead of
/// deciding again (two managers finalizing the same case offline: one wins, the other sees the
/// conflict). Other commands are decided again against the server's state.
pub fn is_guarded(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::Finalize { .. }
            | CaseCommand::AcceptOffer
            | CaseCommand::ApproveOffer
            | CaseCommand::VerifyRefund { .. }
            | CaseCommand::CompleteRefund { .. }
            | CaseCommand::WriteOffInvoices { .. }
    )
}

/// Notes and the record of a message sent: they describe the case without moving it, so any case
/// takes them, whatever its status.
fn annotates(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::AddNote { .. } | CaseCommand::RecordMessage { .. }
    )
}

/// Commands that change the account, and so wait for a verified identity when the policy says so.
fn changes_the_account(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::ProposeOffer { .. }
            | CaseCommand::ApproveOffer
            | CaseCommand::AcceptOffer
            | CaseCommand::WriteOffInvoices { .. }
            | CaseCommand::RequestRefund { .. }
            | CaseCommand::Finalize { .. }
    )
}

fn check_actor(actor: &Actor, step: Option<Step>, policy: &Policy) -> Result<(), CoreError> {
    if !actor.active {
        return Err(CoreError::InactiveUser {
            user_id: actor.user_id.clone(),
        });
    }
    let Some(step) = step else {
        return if actor.roles.is_empty() {
            Err(CoreError::invalid(
                "actor",
                "a user needs a role to work on cases",
            ))
        } else {
            Ok(())
        };
    };
    let needed = policy.roles_for(step);
    let allowed = if needed.is_empty() {
        !actor.roles.is_empty()
    } else {
        actor.roles.iter().any(|role| needed.contains(role))
    };
    if allowed {
        Ok(())
    } else {
        Err(CoreError::RoleRequired {
            step,
            needed: needed.to_vec(),
        })
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn same_email(used: &str, on_file: &str) -> bool {
    used.trim().eq_ignore_ascii_case(on_file.trim())
}

fn same_phone(used: &str, on_file: &str) -> bool {
    !digits(used).is_empty() && digits(used) == digits(on_file)
}

/// The same user, as the server knows them; blanks and case are not a second person.
fn same_user(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn in_policy_currency(field: &str, money: Money, policy: &Policy) -> Result<(), CoreError> {
    if money.currency == policy.currency {
        Ok(())
    } else {
        Err(CoreError::invalid(
            field,
            format!("must be in {}", policy.currency.code()),
        ))
    }
}

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

fn no_such_refund() -> CoreError {
    CoreError::invalid(
        "refund_id",
        "no refund with this id was requested on this case",
    )
}

fn refund_settled(status: RefundStatus) -> CoreError {
    let what = match status {
        RefundStatus::Completed => "the refund was already completed",
        RefundStatus::Denied => "the refund was denied",
        RefundStatus::UnderReview | RefundStatus::BillingInProgress => "the refund is still open",
    };
    CoreError::invalid("refund_id", what)
}

/// The prorated refund for the account's current billing period, when its price and period are
/// known. Facts that contradict themselves are errors, not a refund of zero.
fn proration(
    account: &AccountFacts,
    policy: &Policy,
    effective_date: jiff::civil::Date,
) -> Result<Option<Money>, CoreError> {
    let (Some(price), Some(start), Some(end)) = (
        account.plan_price,
        account.billing_period_start,
        account.billing_period_end,
    ) else {
        return Ok(None);
    };
    in_policy_currency("plan_price", price, policy)?;
    if price.minor < 0 {
        return Err(CoreError::invalid("plan_price", "must not be negative"));
    }
    if end <= start {
        return Err(CoreError::invalid(
            "billing_period_end",
            "must be after the start of the billing period",
        ));
    }
    Ok(prorated_refund(price, start, end, effective_date))
}

fn matches(condition: &RoutingCondition, policy: &Policy, account: &AccountFacts) -> bool {
    let rank = policy.tier_rank(&account.tier);
    let tier_ok = |bound: &Option<String>, at_least: bool| match bound {
        None => true,
        Some(bound) => match (rank, policy.tier_rank(bound)) {
            (Some(rank), Some(bound)) => {
                if at_least {
                    rank >= bound
                } else {
                    rank <= bound
                }
            }
            _ => false,
        },
    };
    let receivable = account
        .accounts_receivable
        .map(|money| money.minor)
        .unwrap_or(0);
    tier_ok(&condition.tier_at_least, true)
        && tier_ok(&condition.tier_at_most, false)
        && condition
            .receivable_above
            .is_none_or(|limit| receivable > limit.minor)
        && condition
            .receivable_at_most
            .is_none_or(|limit| receivable <= limit.minor)
}

/// Whether the proposal stays inside the offer's limits. Terms that make no sense for the offer
/// (a negative amount, another currency, a missing percentage) are errors, not approvals.
fn within_limits(
    offer: &OfferTerms,
    terms: &OfferProposal,
    policy: &Policy,
) -> Result<bool, CoreError> {
    let mut within = true;
    let percent_kind = offer.kind.takes_percent();
    match (percent_kind, terms.percent) {
        (true, None) => return Err(CoreError::invalid("percent", "say how many percent")),
        (true, Some(0)) | (true, Some(101..)) => {
            return Err(CoreError::invalid("percent", "must be between 1 and 100"))
        }
        (true, Some(percent)) => {
            if !offer.percent_choices.is_empty() && !offer.percent_choices.contains(&percent) {
                within = false;
            }
            if offer.max_percent.is_some_and(|max| percent > max) {
                within = false;
            }
        }
        (false, Some(_)) => {
            return Err(CoreError::invalid(
                "percent",
                format!("{} has no percentage", offer.label),
            ))
        }
        (false, None) => {}
    }
    if let (Some(months), Some(max)) = (terms.months, offer.max_months) {
        if months > max {
            within = false;
        }
    }
    if terms.months == Some(0) {
        return Err(CoreError::invalid("months", "must be at least 1"));
    }
    match (offer.kind, terms.amount) {
        (OfferKind::Credit, None) => return Err(CoreError::invalid("amount", "say how much")),
        (_, Some(Money { minor, .. })) if minor <= 0 => {
            return Err(CoreError::invalid("amount", "must be more than zero"))
        }
        (_, Some(money)) if money.currency != policy.currency => {
            return Err(CoreError::invalid(
                "amount",
                format!("must be in {}", policy.currency.code()),
            ))
        }
        (_, Some(money)) => {
            if offer.max_amount.is_some_and(|max| money.minor > max.minor) {
                within = false;
            }
        }
        (_, None) => {}
    }
    Ok(within && !offer.needs_approval && offer.kind != OfferKind::CustomPricing)
}

/// One-time codes need a policy that accepts them and an identity not verified yet.
fn one_time_codes_allowed(state: &CaseState, policy: &Policy) -> Result<(), CoreError> {
    if !policy
        .identity
        .methods
        .contains(&VerificationMethod::OneTimeCode)
    {
        return Err(CoreError::invalid(
            "method",
            "this policy does not accept one-time codes",
        ));
    }
    if state.identity_verified {
        return Err(CoreError::invalid(
            "method",
            "the identity is already verified",
        ));
    }
    Ok(())
}

fn invalid_transition(state: &CaseState, command: &CaseCommand) -> CoreError {
    CoreError::InvalidTransition {
        from: state.status,
        command: command.verb(),
    }
}

/// Decides `command` on the case (`None` before it is received) for `actor` under `policy`.
pub fn decide(
    state: Option<&CaseState>,
    command: &CaseCommand,
    actor: &Actor,
    policy: &Policy,
    account: &AccountFacts,
    now: Timestamp,
) -> Result<Vec<CaseEvent>, CoreError> {
    check_actor(actor, step_of(command), policy)?;

    let state = match (state, command) {
        (
            None,
            CaseCommand::Receive {
                case_id,
                account_id,
                channel,
                requester_name,
                requester_contact,
                received_at,
            },
        ) => {
            let case = open_case(
                OpenCase {
                    account_id: *account_id,
                    channel: *channel,
                    requester_name: requester_name.clone(),
                    requester_contact: requester_contact.clone(),
                    received_at: *received_at,
                },
                *case_id,
                now,
            )?;
            let due = policy
                .sla
                .calendar
                .add_business_minutes(case.received_at, policy.sla.first_response_minutes)
                .ok_or_else(|| {
                    CoreError::invalid("received_at", "is outside the supported range")
                })?;
            return Ok(vec![CaseEvent::Received {
                case_id: case.id,
                account_id: case.account_id,
                channel: case.channel,
                requester_name: case.requester_name,
                requester_contact: case.requester_contact,
                received_at: case.received_at,
                first_response_due: due,
            }]);
        }
        (None, _) => {
            return Err(CoreError::invalid(
                "case_id",
                "no cancellation request was received for this case",
            ))
        }
        (Some(state), _) => state,
    };

    // A cancelled case accepts what follows the cancellation and nothing else; any other closed
    // case accepts nothing; an open case accepts everything but what follows a cancellation.
    let allowed = annotates(command)
        || match state.status {
            CaseStatus::Cancelled => follows_cancellation(command),
            status if status.is_closed() => false,
            _ => !follows_cancellation(command),
        };
    if !allowed || matches!(command, CaseCommand::Receive { .. }) {
        return Err(invalid_transition(state, command));
    }
    if policy.gates.identity_before_changes
        && changes_the_account(command)
        && !state.identity_verified
    {
        return Err(CoreError::GateNotMet {
            gate: Gate::IdentityVerified,
        });
    }

    let event = match command {
        CaseCommand::Receive { .. } => return Err(invalid_transition(state, command)),
        CaseCommand::AddNote { text } => CaseEvent::NoteAdded {
            text: bounded_text("text", text, MAX_NOTE_CHARS, "write the note first")?,
            at: now,
        },
        CaseCommand::RecordMessage {
            kind,
            channel,
            body,
        } => {
            if !policy.messages.contains_key(kind) {
                return Err(CoreError::invalid(
                    "kind",
                    "the policy has no template for this message",
                ));
            }
            check_channel_reachable(*channel, account.email.as_deref(), account.phone.as_deref())?;
            CaseEvent::MessageSent {
                message: *kind,
                channel: *channel,
                body: bounded_text("body", body, MAX_MESSAGE_CHARS, "the message is empty")?,
                at: now,
            }
        }
        CaseCommand::Acknowledge => {
            if state.acknowledged_at.is_some() {
                return Err(CoreError::invalid(
                    "case",
                    "the request was already acknowledged",
                ));
            }
            CaseEvent::Acknowledged { at: now }
        }
        CaseCommand::VerifyIdentity {
            method,
            contact_used,
            evidence,
        } => {
            if state.identity_verified {
                return Err(CoreError::invalid(
                    "method",
                    "the identity is already verified",
                ));
            }
            if !policy.identity.methods.contains(method) {
                return Err(CoreError::invalid(
                    "method",
                    "this policy does not accept that method",
                ));
            }
            let on_file = match method {
                VerificationMethod::EmailOnFile => account.email.as_deref().map(|email| {
                    contact_used
                        .as_deref()
                        .is_some_and(|used| same_email(used, email))
                }),
                VerificationMethod::CallbackToPhoneOnFile => {
                    account.phone.as_deref().map(|phone| {
                        contact_used
                            .as_deref()
                            .is_some_and(|used| same_phone(used, phone))
                    })
                }
                VerificationMethod::SecurityQuestion => Some(true),
                VerificationMethod::OneTimeCode => {
                    return Err(CoreError::invalid(
                        "method",
                        "a one-time code is verified by entering the code sent to the customer",
                    ))
                }
            };
            match on_file {
                None => {
                    return Err(CoreError::invalid(
                        "method",
                        "the account has no such contact on file",
                    ))
                }
                Some(false) => {
                    return Err(CoreError::invalid(
                        "contact_used",
                        "must be the contact on file, not one the requester gave",
                    ))
                }
                Some(true) => {}
            }
            if evidence.trim().is_empty() {
                return Err(CoreError::invalid(
                    "evidence",
                    "say how the identity was confirmed",
                ));
            }
            CaseEvent::IdentityVerified {
                method: *method,
                contact_used: contact_used.clone(),
                evidence: evidence.trim().to_owned(),
                at: now,
            }
        }
        CaseCommand::SendOneTimeCode { code_hash, contact } => {
            one_time_codes_allowed(state, policy)?;
            let code_hash = normalize_code_hash(code_hash).ok_or_else(|| {
                CoreError::invalid("code_hash", "must be the hex SHA-256 of the code")
            })?;
            let on_file = account
                .email
                .as_deref()
                .is_some_and(|email| same_email(contact, email))
                || account
                    .phone
                    .as_deref()
                    .is_some_and(|phone| same_phone(contact, phone));
            if !on_file {
                return Err(CoreError::invalid(
                    "contact",
                    "must be the e-mail address or phone number on file, not one the requester gave",
                ));
            }
            let valid = SignedDuration::from_mins(i64::from(policy.identity.code_valid_minutes));
            let expires_at = now
                .checked_add(valid)
                .map_err(|_| CoreError::invalid("now", "is outside the supported range"))?;
            CaseEvent::OneTimeCodeSent {
                code_hash,
                contact: contact.trim().to_owned(),
                expires_at,
                at: now,
            }
        }
        CaseCommand::EnterOneTimeCode { code_hash } => {
            one_time_codes_allowed(state, policy)?;
            let entered = normalize_code_hash(code_hash).ok_or_else(|| {
                CoreError::invalid("code_hash", "must be the hex SHA-256 of the code")
            })?;
            let Some(code) = &state.one_time_code else {
                return Err(CoreError::invalid(
                    "code_hash",
                    "no one-time code has been sent; send one first",
                ));
            };
            if code.locked {
                return Err(CoreError::invalid(
                    "code_hash",
                    "the code is locked after too many wrong tries; send a new code",
                ));
            }
            if now >= code.expires_at {
                return Err(CoreError::invalid(
                    "code_hash",
                    "the code has expired; send a new code",
                ));
            }
            if same_hash(&entered, &code.code_hash) {
                CaseEvent::IdentityVerified {
                    method: VerificationMethod::OneTimeCode,
                    contact_used: Some(code.contact.clone()),
                    evidence: format!("Entered the one-time code sent to {}", code.contact),
                    at: now,
                }
            } else {
                let attempt = code.failed_attempts.saturating_add(1);
                CaseEvent::OneTimeCodeRejected {
                    attempt,
                    locked: attempt >= policy.identity.code_max_attempts,
                    at: now,
                }
            }
        }
        CaseCommand::FailVerification { note } => {
            if state.identity_verified {
                return Err(CoreError::invalid(
                    "note",
                    "the identity is already verified",
                ));
            }
            if note.trim().is_empty() {
                return Err(CoreError::invalid(
                    "note",
                    "say why the identity could not be verified",
                ));
            }
            CaseEvent::VerificationFailed { note: note.clone() }
        }
        CaseCommand::SendForm { how } => {
            if policy.form.is_none() {
                return Err(CoreError::invalid(
                    "form",
                    "this policy has no cancellation request form",
                ));
            }
            if state.form_received {
                return Err(CoreError::invalid("form", "the form was already received"));
            }
            CaseEvent::FormSent {
                how: how.clone(),
                at: now,
            }
        }
        CaseCommand::RemindForm => {
            if !state.form_sent || state.form_received {
                return Err(CoreError::invalid(
                    "form",
                    "only a form that was sent and not returned can be reminded",
                ));
            }
            CaseEvent::FormReminded { at: now }
        }
        CaseCommand::ReceiveForm { fields } => {
            let Some(form) = &policy.form else {
                return Err(CoreError::invalid(
                    "form",
                    "this policy has no cancellation request form",
                ));
            };
            if state.form_received {
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
            CaseEvent::FormReceived {
                fields: fields.clone(),
                at: now,
            }
        }
        CaseCommand::CaptureReason {
            reason_id,
            details,
            pain_points,
        } => {
            if !policy.reasons.is_empty()
                && !policy.reasons.iter().any(|reason| &reason.id == reason_id)
            {
                return Err(CoreError::invalid(
                    "reason_id",
                    "is not one of the policy's reasons",
                ));
            }
            CaseEvent::ReasonCaptured {
                reason_id: reason_id.clone(),
                details: details.clone(),
                pain_points: pain_points.clone(),
            }
        }
        CaseCommand::Route => {
            if state.route.is_some() {
                return Err(CoreError::invalid("route", "the case is already routed"));
            }
            let route = policy
                .routing
                .rules
                .iter()
                .find(|rule| matches(&rule.when, policy, account))
                .map(|rule| rule.route)
                .unwrap_or(Route::Continue);
            let assignee = (route == Route::SaveCall).then(|| {
                account
                    .original_sales_rep
                    .clone()
                    .filter(|_| account.original_sales_rep_active)
                    .or_else(|| policy.routing.fallback_assignee.clone())
            });
            let survey_link = (route == Route::SympatheticReply)
                .then(|| {
                    policy
                        .survey_link(account.hosting_server.as_deref())
                        .map(str::to_owned)
                })
                .flatten();
            CaseEvent::Routed {
                route,
                assignee: assignee.flatten(),
                survey_link,
            }
        }
        CaseCommand::Escalate { csm, note } => {
            if csm.trim().is_empty() {
                return Err(CoreError::invalid(
                    "csm",
                    "say which customer success manager takes the case",
                ));
            }
            if state.escalated_to.is_some() {
                return Err(CoreError::invalid("csm", "the case is already escalated"));
            }
            CaseEvent::Escalated {
                csm: csm.trim().to_owned(),
                note: note.clone(),
            }
        }
        CaseCommand::RecordRetentionOutcome { retained, note } => {
            if !matches!(state.route, Some(Route::SaveCall | Route::ManagerRetention)) {
                return Err(CoreError::invalid(
                    "case",
                    "the case was not routed to a save call or a manager's retention attempt",
                ));
            }
            if state.retention_attempted {
                return Err(CoreError::invalid(
                    "case",
                    "the retention outcome is already recorded",
                ));
            }
            CaseEvent::RetentionOutcomeRecorded {
                retained: *retained,
                note: note.clone(),
            }
        }
        CaseCommand::RecordCsmOutcome { retained, note } => {
            if state.csm_engaged {
                return Err(CoreError::invalid(
                    "case",
                    "the CSM's outcome is already recorded",
                ));
            }
            if state.escalated_to.is_none() {
                return Err(CoreError::invalid(
                    "case",
                    "the case has not been escalated to a CSM",
                ));
            }
            CaseEvent::CsmOutcomeRecorded {
                retained: *retained,
                note: note.clone(),
            }
        }
        CaseCommand::ProposeOffer { offer_id, terms } => {
            let Some(offer) = policy.offer(offer_id) else {
                return Err(CoreError::invalid(
                    "offer_id",
                    "is not in the policy's offer catalogue",
                ));
            };
            if state.pending_offer.is_some() {
                return Err(CoreError::invalid(
                    "offer_id",
                    "the customer has not answered the pending offer yet",
                ));
            }
            // Granted means accepted: a declined or unapproved proposal granted nothing, and an
            // accepted one closes this case, so the account's history is what counts.
            let granted_before = account.offers_granted.contains(offer_id);
            if offer.once_per_account && granted_before {
                return Err(CoreError::OfferLimitExceeded {
                    offer: offer.label.clone(),
                    message: "may be granted only once per account".into(),
                });
            }
            let within = within_limits(offer, terms, policy)?;
            CaseEvent::OfferProposed {
                offer_id: offer_id.clone(),
                terms: terms.clone(),
                needs_approval: !within,
            }
        }
        CaseCommand::ApproveOffer => match &state.pending_offer {
            Some(offer) if offer.needs_approval && !offer.approved => CaseEvent::OfferApproved {
                offer_id: offer.offer_id.clone(),
            },
            _ => {
                return Err(CoreError::invalid(
                    "offer_id",
                    "no offer is waiting for approval",
                ))
            }
        },
        CaseCommand::AcceptOffer => match &state.pending_offer {
            Some(offer) if offer.needs_approval && !offer.approved => {
                return Err(CoreError::GateNotMet {
                    gate: Gate::OfferApproved,
                })
            }
            Some(offer) => CaseEvent::OfferAccepted {
                offer_id: offer.offer_id.clone(),
            },
            None => return Err(CoreError::invalid("offer_id", "no offer is pending")),
        },
        CaseCommand::DeclineOffer => match &state.pending_offer {
            Some(offer) => CaseEvent::OfferDeclined {
                offer_id: offer.offer_id.clone(),
            },
            None => return Err(CoreError::invalid("offer_id", "no offer is pending")),
        },
        CaseCommand::LogRequest => {
            if state.logged {
                return Err(CoreError::invalid("case", "the request is already logged"));
            }
            CaseEvent::RequestLogged
        }
        CaseCommand::WriteOffInvoices { amount, invoices } => {
            if *invoices == 0 || amount.minor <= 0 {
                return Err(CoreError::invalid(
                    "amount",
                    "write off at least one invoice, for more than zero",
                ));
            }
            in_policy_currency("amount", *amount, policy)?;
            CaseEvent::InvoicesWrittenOff {
                amount: *amount,
                invoices: *invoices,
            }
        }
        CaseCommand::RequestRefund {
            refund_id,
            amount,
            justification,
        } => {
            // The policy's refund window (`refunds.window_days`) is not checked: the engine is
            // not told when the refunded charge was made. The desk shows the window instead.
            if state.refunds.contains_key(refund_id) {
                return Err(CoreError::invalid(
                    "refund_id",
                    "a refund with this id was already requested",
                ));
            }
            if amount.minor <= 0 {
                return Err(CoreError::invalid("amount", "must be more than zero"));
            }
            in_policy_currency("amount", *amount, policy)?;
            if justification.trim().is_empty() {
                return Err(CoreError::invalid(
                    "justification",
                    "say why the customer is entitled to the refund",
                ));
            }
            // The threshold applies to what the case refunds in all (refunds not denied, this one
            // included), so that one refund split into small ones is still reviewed.
            let total = state
                .refunds_total_minor
                .checked_add(amount.minor)
                .ok_or_else(|| {
                    CoreError::invalid("amount", "the case's refunds would be too large to count")
                })?;
            let under_review = total > policy.refunds.threshold.minor;
            CaseEvent::RefundRequested {
                refund_id: *refund_id,
                amount: *amount,
                justification: justification.trim().to_owned(),
                requested_by: actor.user_id.clone(),
                under_review,
                billing_heads_up: under_review,
                customer_notice: if under_review {
                    MessageKind::UnderReview
                } else {
                    MessageKind::RefundNotice
                },
                at: now,
            }
        }
        CaseCommand::VerifyRefund { refund_id } => {
            let refund = state.refunds.get(refund_id).ok_or_else(no_such_refund)?;
            match refund.status {
                RefundStatus::UnderReview => {}
                RefundStatus::BillingInProgress => {
                    return Err(CoreError::invalid(
                        "refund_id",
                        if refund.under_review {
                            "the refund is already verified"
                        } else {
                            "the refund is within the threshold and needs no verification"
                        },
                    ))
                }
                status => return Err(refund_settled(status)),
            }
            if same_user(&actor.user_id, &refund.requested_by) {
                return Err(CoreError::GateNotMet {
                    gate: Gate::SecondVerifier,
                });
            }
            CaseEvent::RefundVerified {
                refund_id: *refund_id,
                verified_by: actor.user_id.clone(),
                at: now,
            }
        }
        CaseCommand::CompleteRefund { refund_id } => {
            let refund = state.refunds.get(refund_id).ok_or_else(no_such_refund)?;
            match refund.status {
                RefundStatus::BillingInProgress => CaseEvent::RefundCompleted {
                    refund_id: *refund_id,
                    amount: refund.amount,
                    completed_by: actor.user_id.clone(),
                    at: now,
                },
                RefundStatus::UnderReview => {
                    return Err(CoreError::GateNotMet {
                        gate: Gate::RefundVerified,
                    })
                }
                status => return Err(refund_settled(status)),
            }
        }
        CaseCommand::DenyRefund { refund_id, reason } => {
            let refund = state.refunds.get(refund_id).ok_or_else(no_such_refund)?;
            if !refund.is_open() {
                return Err(refund_settled(refund.status));
            }
            if reason.trim().is_empty() {
                return Err(CoreError::invalid(
                    "reason",
                    "say why the refund is denied; the customer is told",
                ));
            }
            CaseEvent::RefundDenied {
                refund_id: *refund_id,
                reason: reason.trim().to_owned(),
                denied_by: actor.user_id.clone(),
                at: now,
            }
        }
        CaseCommand::Finalize {
            effective_date,
            data_export_offered,
        } => {
            if let Some(gate) = finalization_blockers(state, policy, account).first() {
                return Err(CoreError::GateNotMet { gate: *gate });
            }
            if state.pending_offer.is_some() {
                return Err(CoreError::invalid(
                    "offer_id",
                    "the customer has not answered the pending offer yet",
                ));
            }
            // A cancelled case accepts no refund command, so none may be left open.
            if state.open_refunds().next().is_some() {
                return Err(CoreError::invalid(
                    "refund_id",
                    "a refund is still under review or with billing; complete or deny it first",
                ));
            }
            CaseEvent::Finalized {
                effective_date: *effective_date,
                billing_cessation_date: *effective_date,
                prorated_refund: proration(account, policy, *effective_date)?,
                data_export_offered: *data_export_offered,
                api_access_revoked: true,
            }
        }
        CaseCommand::ConfirmCancellation { channel } => {
            if state.confirmed_on.is_some() {
                return Err(CoreError::invalid(
                    "channel",
                    "the cancellation was already confirmed",
                ));
            }
            match account.preferred_channel {
                None => {
                    return Err(CoreError::invalid(
                        "channel",
                        "the account has no preferred channel on file",
                    ))
                }
                Some(preferred) if preferred != *channel => {
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
            check_channel_reachable(*channel, account.email.as_deref(), account.phone.as_deref())?;
            CaseEvent::CancellationConfirmed {
                channel: *channel,
                at: now,
            }
        }
        CaseCommand::RecordFeedback { text, survey_link } => {
            if text.trim().is_empty() {
                return Err(CoreError::invalid(
                    "text",
                    "write down what the customer said, or that they gave no feedback",
                ));
            }
            let survey_link = match survey_link.as_deref().map(str::trim) {
                Some("") => {
                    return Err(CoreError::invalid(
                        "survey_link",
                        "leave it out when no survey link was sent",
                    ))
                }
                link => link.map(str::to_owned),
            };
            CaseEvent::FeedbackRecorded {
                text: text.trim().to_owned(),
                survey_link,
                at: now,
            }
        }
        CaseCommand::ScheduleWinBack => {
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
            CaseEvent::WinBackScheduled { check_ins }
        }
        CaseCommand::Withdraw { note } => CaseEvent::Withdrawn { note: note.clone() },
    };
    Ok(vec![event])
}
