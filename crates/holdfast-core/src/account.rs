//! The customer account as Holdfast knows it: who they are, how to reach them, what they pay and
//! owe, and who sold to them. `AccountDraft` is an account that has passed every rule and may be
//! stored; the store assigns its id.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::money::Money;
use crate::CoreError;

/// How the customer prefers to hear from us; confirmations go out on this channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PreferredChannel {
    Email,
    Phone,
    Sms,
    Chat,
}

impl PreferredChannel {
    pub const ALL: [PreferredChannel; 4] = [
        PreferredChannel::Email,
        PreferredChannel::Phone,
        PreferredChannel::Sms,
        PreferredChannel::Chat,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PreferredChannel::Email => "email",
            PreferredChannel::Phone => "phone",
            PreferredChannel::Sms => "sms",
            PreferredChannel::Chat => "chat",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let wanted = text.trim().to_ascii_lowercase();
        PreferredChannel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == wanted)
            .ok_or_else(|| {
                CoreError::invalid(
                    "preferred_channel",
                    format!("\"{}\" is not one of email, phone, sms, chat", text.trim()),
                )
            })
    }
}

/// A validated account, ready to be created or to update the account with the same external id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountDraft {
    /// The id the customer has in the company's own systems (CRM, billing); unique.
    pub external_id: String,
    pub name: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_channel: PreferredChannel,
    /// The customer level the policy routes by (e.g. Essentials, Professional, SMB).
    pub tier: String,
    /// The hosting server or region; the exit-interview link depends on it in some procedures.
    pub hosting_server: Option<String>,
    pub plan: Option<String>,
    pub mrr: Money,
    pub customer_since: Option<Date>,
    pub total_collected: Money,
    /// What the customer owes now; `None` when the export left it empty: unknown, which is not
    /// zero (routing by A/R never treats an unknown balance as nothing owed).
    #[serde(default)]
    pub accounts_receivable: Option<Money>,
    pub original_sales_rep: Option<String>,
    /// Unpaid invoices on the account, from the billing system; some procedures write them off
    /// before cancelling.
    #[serde(default)]
    pub unpaid_invoices: u32,
    /// The plan's price for one billing period, in the account's currency; the prorated refund
    /// at cancellation is computed from it.
    #[serde(default)]
    pub plan_price: Option<Money>,
    /// The first day of the billing period paid for.
    #[serde(default)]
    pub billing_period_start: Option<Date>,
    /// The first day after the billing period paid for (the next period's start): December is
    /// 2026-12-01 to 2027-01-01. Set together with the start, and after it.
    #[serde(default)]
    pub billing_period_end: Option<Date>,
    /// The person who manages the account (a name); policies that route high-value accounts to
    /// their manager send the case to them.
    #[serde(default)]
    pub account_manager: Option<String>,
}

/// The namespace of account ids (a fixed, random UUID).
const ACCOUNT_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a57_9d4e_4b8a_a3f0_51c2_7e9b_d604);

/// An account's id, derived from its external id (UUID v5), so that every device and the sync
/// server give the same account the same id without asking each other.
pub fn account_id(external_id: &str) -> Uuid {
    Uuid::new_v5(&ACCOUNT_NAMESPACE, external_id.trim().as_bytes())
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Account {
    pub id: Uuid,
    #[serde(flatten)]
    #[ts(flatten)]
    pub draft: AccountDraft,
}

/// Checks that an e-mail address is plausible: one `@`, something before it, a dotted domain after.
/// Deliverability is the mail server's business; this catches typos and swapped columns.
pub fn validate_email(text: &str) -> Result<String, CoreError> {
    let email = text.trim();
    let invalid = || CoreError::invalid("email", format!("\"{email}\" is not an e-mail address"));
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@');
    if local.is_empty() || !domain_ok || email.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    Ok(email.to_owned())
}

/// Checks a phone number: digits with the usual punctuation, an optional leading `+`, and between
/// 7 and 15 digits (the E.164 maximum).
pub fn validate_phone(text: &str) -> Result<String, CoreError> {
    let phone = text.trim();
    let invalid = |why: &str| CoreError::invalid("phone", format!("\"{phone}\" {why}"));
    let body = phone.strip_prefix('+').unwrap_or(phone);
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return Err(invalid("is not a phone number"));
    }
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return Err(invalid("should have between 7 and 15 digits"));
    }
    Ok(phone.to_owned())
}

/// The contact that a message on `channel` would use must be on file.
pub fn check_channel_reachable(
    channel: PreferredChannel,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<(), CoreError> {
    let missing = match channel {
        PreferredChannel::Email if email.is_none() => Some("an e-mail address"),
        PreferredChannel::Phone | PreferredChannel::Sms if phone.is_none() => {
            Some("a phone number")
        }
        _ => None,
    };
    match missing {
        Some(what) => Err(CoreError::invalid(
            "preferred_channel",
            format!(
                "{} is preferred but the account has no {what}",
                channel.as_str()
            ),
        )),
        None => Ok(()),
    }
}

/// The checks every imported account passes (contacts plausible and on file for the preferred
/// channel, amounts not negative, an external id and a name present), on the desk and on the server.
pub fn validate_draft(draft: &AccountDraft) -> Result<(), CoreError> {
    if draft.external_id.trim().is_empty() {
        return Err(CoreError::invalid("external_id", "is empty"));
    }
    if draft.name.trim().is_empty() {
        return Err(CoreError::invalid("name", "is empty"));
    }
    if let Some(email) = &draft.email {
        validate_email(email)?;
    }
    if let Some(phone) = &draft.phone {
        validate_phone(phone)?;
    }
    check_channel_reachable(
        draft.preferred_channel,
        draft.email.as_deref(),
        draft.phone.as_deref(),
    )?;
    for (field, money) in [
        ("mrr", Some(draft.mrr)),
        ("total_collected", Some(draft.total_collected)),
        ("accounts_receivable", draft.accounts_receivable),
        ("plan_price", draft.plan_price),
    ] {
        let Some(money) = money else { continue };
        if money.minor < 0 {
            return Err(CoreError::invalid(field, "must not be negative"));
        }
        if money.currency != draft.mrr.currency {
            return Err(CoreError::invalid(
                field,
                format!(
                    "is in {} but the account's currency is {}",
                    money.currency.code(),
                    draft.mrr.currency.code()
                ),
            ));
        }
    }
    check_billing_period(draft.billing_period_start, draft.billing_period_end)
}

/// A billing period is both of its days or neither, and ends after it starts (the end is the
/// first day after the period, so a one-day period ends the day after it starts).
pub fn check_billing_period(start: Option<Date>, end: Option<Date>) -> Result<(), CoreError> {
    match (start, end) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(CoreError::invalid(
            "billing_period_end",
            "is needed when the billing period's start is given",
        )),
        (None, Some(_)) => Err(CoreError::invalid(
            "billing_period_start",
            "is needed when the billing period's end is given",
        )),
        (Some(start), Some(end)) if end <= start => Err(CoreError::invalid(
            "billing_period_end",
            format!("{end} is not after the period's start {start} (the end is the first day after the period)"),
        )),
        (Some(_), Some(_)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(validate_email(" ana@acme.io ").unwrap(), "ana@acme.io");
        for bad in [
            "ana",
            "@acme.io",
            "ana@acme",
            "ana@.io",
            "ana@acme.",
            "a b@acme.io",
            "a@b@c.io",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_are_digits_with_punctuation() {
        assert!(validate_phone("+1 (555) 010-2030").is_ok());
        assert!(validate_phone("555-0100x").is_err());
        assert!(validate_phone("12345").is_err());
        assert!(validate_phone("+1234567890123456").is_err());
    }

    #[test]
    fn the_preferred_channel_needs_its_contact_on_file() {
        assert!(check_channel_reachable(PreferredChannel::Email, None, Some("555")).is_err());
        assert!(check_channel_reachable(PreferredChannel::Sms, Some("a@b.io"), None).is_err());
        assert!(check_channel_reachable(PreferredChannel::Chat, None, None).is_ok());
        assert!(check_channel_reachable(PreferredChannel::Phone, None, Some("555")).is_ok());
    }
}

#[cfg(test)]
mod account_id_tests {
    use super::account_id;

    #[test]
    fn the_same_external_id_gives_the_same_account_id_everywhere() {
        assert_eq!(account_id("A-1"), account_id(" A-1 "));
        assert_ne!(account_id("A-1"), account_id("A-2"));
        assert_eq!(account_id("A-1").get_version_num(), 5);
        // Fixed forever: ids already stored and synced depend on it.
        assert_eq!(
            account_id("A-1").to_string(),
            "eff9440b-227f-516b-8fdb-cb0e76784faf"
        );
    }
}
