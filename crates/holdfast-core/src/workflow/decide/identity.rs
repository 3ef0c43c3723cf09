//! Verifying the requester's identity: against a contact on file, by a security question, or by
//! a one-time code sent to a contact on file and read back; or recording that it failed.

use jiff::SignedDuration;

use super::Context;
use crate::policy::VerificationMethod;
use crate::workflow::one_time_code::{legacy_code, normalize_digest, refuse_unsealed, same_digest};
use crate::workflow::CaseEvent;
use crate::workflow::OneTimeCode;
use crate::CoreError;

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn same_email(used: &str, on_file: &str) -> bool {
    used.trim().eq_ignore_ascii_case(on_file.trim())
}

fn same_phone(used: &str, on_file: &str) -> bool {
    !digits(used).is_empty() && digits(used) == digits(on_file)
}

/// One-time codes need a policy that accepts them and an identity not verified yet.
fn one_time_codes_allowed(cx: &Context) -> Result<(), CoreError> {
    if !cx
        .policy
        .identity
        .methods
        .contains(&VerificationMethod::OneTimeCode)
    {
        return Err(CoreError::invalid(
            "method",
            "this policy does not accept one-time codes",
        ));
    }
    if cx.state.identity_holds(cx.account) {
        return Err(CoreError::invalid(
            "method",
            "the identity is already verified",
        ));
    }
    Ok(())
}

pub(super) fn verify(
    cx: &Context,
    method: VerificationMethod,
    contact_used: Option<&str>,
    evidence: &str,
) -> Result<CaseEvent, CoreError> {
    if cx.state.identity_holds(cx.account) {
        return Err(CoreError::invalid(
            "method",
            "the identity is already verified",
        ));
    }
    if !cx.policy.identity.methods.contains(&method) {
        return Err(CoreError::invalid(
            "method",
            "this policy does not accept that method",
        ));
    }
    let on_file = match method {
        VerificationMethod::EmailOnFile => cx
            .account
            .email
            .as_deref()
            .map(|email| contact_used.is_some_and(|used| same_email(used, email))),
        VerificationMethod::CallbackToPhoneOnFile => cx
            .account
            .phone
            .as_deref()
            .map(|phone| contact_used.is_some_and(|used| same_phone(used, phone))),
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
    Ok(CaseEvent::IdentityVerified {
        method,
        contact_used: contact_used.map(str::to_owned),
        evidence: evidence.trim().to_owned(),
        at: cx.now,
        provisional: false,
    })
}

/// The digest and key of a code the decider sealed (`CodeKey::seal`). A code that comes
/// unsealed is refused for what is wrong with it (its form, or an outbox from before codes were
/// keyed).
fn sealed(code: &OneTimeCode, sending: bool) -> Result<(String, &str), CoreError> {
    match code {
        OneTimeCode::Sealed { digest, key } => normalize_digest(digest)
            .map(|digest| (digest, key.as_str()))
            .ok_or_else(|| CoreError::invalid("code", "is not a sealed code")),
        OneTimeCode::Legacy(_) => Err(legacy_code()),
        OneTimeCode::Typed { .. } | OneTimeCode::Unchecked => Err(refuse_unsealed(code, sending)),
    }
}

pub(super) fn send_one_time_code(
    cx: &Context,
    code: &OneTimeCode,
    contact: &str,
) -> Result<CaseEvent, CoreError> {
    one_time_codes_allowed(cx)?;
    let (code_digest, key) = sealed(code, true)?;
    let on_file = cx
        .account
        .email
        .as_deref()
        .is_some_and(|email| same_email(contact, email))
        || cx
            .account
            .phone
            .as_deref()
            .is_some_and(|phone| same_phone(contact, phone));
    if !on_file {
        return Err(CoreError::invalid(
            "contact",
            "must be the e-mail address or phone number on file, not one the requester gave",
        ));
    }
    let valid = SignedDuration::from_mins(i64::from(cx.policy.identity.code_valid_minutes));
    let expires_at = cx
        .now
        .checked_add(valid)
        .map_err(|_| CoreError::invalid("now", "is outside the supported range"))?;
    Ok(CaseEvent::OneTimeCodeSent {
        code_digest,
        key: Some(key.to_owned()),
        contact: contact.trim().to_owned(),
        expires_at,
        at: cx.now,
    })
}

pub(super) fn enter_one_time_code(
    cx: &Context,
    entered: &OneTimeCode,
) -> Result<CaseEvent, CoreError> {
    one_time_codes_allowed(cx)?;
    let Some(sent) = &cx.state.one_time_code else {
        return Err(CoreError::invalid(
            "code",
            "no one-time code has been sent; send one first",
        ));
    };
    if sent.locked {
        return Err(CoreError::invalid(
            "code",
            "the code is locked after too many wrong tries; send a new code",
        ));
    }
    if cx.now >= sent.expires_at {
        return Err(CoreError::invalid(
            "code",
            "the code has expired; send a new code",
        ));
    }
    let verified = |provisional: bool| CaseEvent::IdentityVerified {
        method: VerificationMethod::OneTimeCode,
        contact_used: Some(sent.contact.clone()),
        evidence: format!("Entered the one-time code sent to {}", sent.contact),
        at: cx.now,
        provisional,
    };
    if matches!(entered, OneTimeCode::Unchecked) {
        return Ok(verified(true));
    }
    let (digest, key) = sealed(entered, false)?;
    if sent.key.as_deref() != Some(key) {
        return Err(CoreError::invalid(
            "code",
            "this code was sent under another key (before an update, or before the key \
             changed) and cannot be checked; send a new code",
        ));
    }
    Ok(if same_digest(&digest, &sent.code_digest) {
        verified(false)
    } else {
        let attempt = sent.failed_attempts.saturating_add(1);
        CaseEvent::OneTimeCodeRejected {
            attempt,
            locked: attempt >= cx.policy.identity.code_max_attempts,
            at: cx.now,
        }
    })
}

pub(super) fn fail(cx: &Context, note: &str) -> Result<CaseEvent, CoreError> {
    if cx.state.identity_holds(cx.account) {
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
    Ok(CaseEvent::VerificationFailed {
        note: note.to_owned(),
    })
}
