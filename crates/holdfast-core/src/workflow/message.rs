//! The policy's message templates filled with a case's facts. A template names what it needs in
//! braces (`{customer_name}`); the known names are `PLACEHOLDERS`, and a policy naming any other is
//! refused when it is loaded. A fact the case does not have yet (no effective date before the
//! finalization) stays in braces and is listed as missing, so the person sending it sees the gap.
//! The e-mail subject is a template too: the policy's, or the kind's default (`Policy::subject`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{AccountFacts, CaseState, PendingOffer};
use crate::account::PreferredChannel;
use crate::policy::{MessageKind, Policy};

/// What the mail server said when it took an e-mail the desk sent itself over SMTP (issue 16):
/// the message's `Message-ID` header (stable across retries, so a receiver can tell a resend) and
/// the server's reply to the message data. Neither names the customer: the id is made by the desk,
/// and the reply is the server's queue confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EmailReceipt {
    /// `<local@domain>`, as in the header.
    pub message_id: String,
    /// The server's reply, e.g. `250 2.0.0 Ok: queued as 4F2A1`.
    pub server_reply: String,
}

/// The longest `Message-ID` and server reply a receipt keeps.
pub const MAX_MESSAGE_ID_CHARS: usize = 250;
pub const MAX_SERVER_REPLY_CHARS: usize = 500;

/// The names a template may use.
pub const PLACEHOLDERS: [&str; 10] = [
    "customer_name",
    "account_name",
    "effective_date",
    "offer",
    "amount",
    "survey_link",
    "reason",
    "form_submit_to",
    "form_instructions",
    "sender_name",
];

/// The names a template uses that are not placeholders, in the order they appear.
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    placeholders_in(template)
        .filter(|name| !PLACEHOLDERS.contains(name))
        .map(str::to_owned)
        .collect()
}

fn placeholders_in(template: &str) -> impl Iterator<Item = &str> {
    template.split('{').skip(1).filter_map(|rest| {
        let (name, _) = rest.split_once('}')?;
        let is_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        is_name.then_some(name)
    })
}

/// Who the message is to, and who signs it, which the case state does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee<'a> {
    pub customer_name: &'a str,
    pub account_name: &'a str,
    /// The person writing the message, for its sign-off (`{sender_name}`); `None` leaves the
    /// placeholder in braces, listed as missing, for the writer to fill in.
    pub sender_name: Option<&'a str>,
}

/// A template filled for one case, ready to be read, edited and sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ComposedMessage {
    pub kind: MessageKind,
    /// The subject line, for a message that goes out as an e-mail.
    pub subject: String,
    pub body: String,
    /// Placeholders the case has no value for yet; they stay in braces in `subject` and `body`.
    pub missing: Vec<String>,
    /// The channel it should go out on: the account's preferred one, if known.
    pub channel: Option<PreferredChannel>,
    /// Already recorded as sent on this case.
    pub sent: bool,
}

/// The policy's `kind` template filled from the case, or `None` when the policy has none.
pub fn compose_message(
    kind: MessageKind,
    state: &CaseState,
    policy: &Policy,
    account: &AccountFacts,
    to: &Addressee<'_>,
) -> Option<ComposedMessage> {
    let template = policy.messages.get(&kind)?;
    let value = |name: &str| -> Option<String> {
        match name {
            "customer_name" => Some(to.customer_name.to_owned()),
            "account_name" => Some(to.account_name.to_owned()),
            "sender_name" => to.sender_name.map(str::to_owned),
            "effective_date" => state
                .finalization
                .as_ref()
                .map(|done| done.effective_date.to_string()),
            "offer" => state
                .last_offer
                .as_ref()
                .map(|offer| describe_offer(offer, policy)),
            // The refund requested last: uuid v7 ids sort by time.
            "amount" => state
                .refunds
                .values()
                .next_back()
                .map(|refund| refund.amount.to_string()),
            "survey_link" => policy
                .survey_link(account.hosting_server.as_deref())
                .map(str::to_owned),
            // The reason's label, as the customer gave it in the policy's words.
            "reason" => state
                .reason_id
                .as_deref()
                .and_then(|id| policy.reason_label(id))
                .map(str::to_owned),
            "form_submit_to" => policy.form.as_ref().and_then(|form| form.submit_to.clone()),
            "form_instructions" => policy
                .form
                .as_ref()
                .and_then(|form| form.instructions.clone()),
            _ => None,
        }
    };
    let mut missing = Vec::new();
    let subject = fill(policy.subject(kind), &value, &mut missing);
    let body = fill(template, &value, &mut missing);
    Some(ComposedMessage {
        kind,
        subject,
        body,
        missing,
        channel: account.preferred_channel,
        sent: state.messages_sent.contains(&kind),
    })
}

/// `template` with each known placeholder replaced by its value; one without a value stays in
/// braces and is added to `missing` (once).
fn fill(
    template: &str,
    value: &dyn Fn(&str) -> Option<String>,
    missing: &mut Vec<String>,
) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.split_once('}') {
            Some((name, tail)) if PLACEHOLDERS.contains(&name) => {
                match value(name) {
                    Some(known) => filled.push_str(&known),
                    None => {
                        filled.push('{');
                        filled.push_str(name);
                        filled.push('}');
                        if !missing.iter().any(|known| known == name) {
                            missing.push(name.to_owned());
                        }
                    }
                }
                rest = tail;
            }
            _ => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// "Discount: 20% for 3 months", in the catalogue's words.
fn describe_offer(offer: &PendingOffer, policy: &Policy) -> String {
    let label = policy
        .offer(&offer.offer_id)
        .map(|terms| terms.label.clone())
        .unwrap_or_else(|| offer.offer_id.clone());
    let mut terms = Vec::new();
    if let Some(percent) = offer.terms.percent {
        terms.push(format!("{percent}%"));
    }
    if let Some(amount) = offer.terms.amount {
        terms.push(amount.to_string());
    }
    if let Some(months) = offer.terms.months {
        terms.push(format!(
            "for {months} month{}",
            if months == 1 { "" } else { "s" }
        ));
    }
    if terms.is_empty() {
        label
    } else {
        format!("{label}: {}", terms.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unknown_placeholders_but_not_stray_braces() {
        assert_eq!(
            unknown_placeholders("Hi {customer_name}, {refund_amount} {Not A Name} {"),
            vec!["refund_amount".to_owned()]
        );
        assert!(unknown_placeholders("Hi {customer_name} of {account_name}").is_empty());
    }
}
