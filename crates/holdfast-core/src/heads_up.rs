//! Heads-ups that arrive (issue 16): outgoing webhooks for case events. The pure parts, shared by
//! the desk (which sends on a local profile) and the sync server (which sends for a team):
//!
//! - which recorded events a subscription takes (`Subscription::takes`): case events of the kinds
//!   it names;
//! - what is sent (`HeadsUp`, `body`): a Slack-compatible `{"text": ...}` message or a JSON
//!   payload. Neither carries the customer's personal data: no name, contact, free text or
//!   message body, only ids, the event's kind, the account's external id, amounts, dates and the
//!   name of the person who recorded it (see `docs/decisions.md`);
//! - how a signed payload is signed and verified (`sign`, `verify`): HMAC-SHA256 under the
//!   subscription's secret over `"{timestamp}.{body}"`, the timestamp in whole Unix seconds;
//! - the delivery id, the idempotency key every attempt of one delivery carries (`delivery_id`);
//! - when to try again and when to give up (`retry_after`, `MAX_ATTEMPTS`).

use hmac::{Hmac, Mac};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use ts_rs::TS;
use uuid::Uuid;

use crate::money::Money;
use crate::record::{EventRecord, CASE};
use crate::workflow::CaseEvent;
use crate::CoreError;

/// The header that carries the delivery id (also sent as `Idempotency-Key`).
pub const DELIVERY_HEADER: &str = "Holdfast-Delivery";
/// The header that carries the event's kind.
pub const EVENT_HEADER: &str = "Holdfast-Event";
/// The header that carries the signing time, in whole seconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "Holdfast-Timestamp";
/// The header that carries the signature: `v1=` and the HMAC's lowercase hex.
pub const SIGNATURE_HEADER: &str = "Holdfast-Signature";
/// The standard idempotency header, with the same value as `DELIVERY_HEADER`.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// How far a signed request's timestamp may be from the receiver's clock (either way) before the
/// receiver refuses it as a possible replay: five minutes.
pub const REPLAY_WINDOW_SECONDS: i64 = 300;

/// How many attempts a delivery gets before it is marked failed.
pub const MAX_ATTEMPTS: u32 = 10;
/// The wait after the first failed attempt; each later wait doubles, up to `MAX_WAIT_SECONDS`.
pub const FIRST_WAIT_SECONDS: i64 = 30;
/// The longest wait between two attempts: one hour.
pub const MAX_WAIT_SECONDS: i64 = 3_600;

/// The case events a heads-up can be subscribed to, with the words the desk shows for each.
pub const KINDS: &[(&str, &str)] = &[
    ("received", "Cancellation request received"),
    ("escalated", "Escalated to a customer success manager"),
    ("refund_requested", "Refund requested (billing heads-up)"),
    ("refund_verified", "Refund verified"),
    ("refund_completed", "Refund completed"),
    ("refund_denied", "Refund denied"),
    ("offer_accepted", "Retention offer accepted"),
    ("finalized", "Cancellation finalized (CRM update)"),
    (
        "cancellation_confirmed",
        "Cancellation confirmed to the customer",
    ),
    ("withdrawn", "Request withdrawn"),
];

/// The words the desk shows for an event kind (the kind itself when it has none).
pub fn kind_label(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(known, _)| *known == kind)
        .map_or(kind, |(_, label)| label)
}

/// What a subscription's endpoint receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HeadsUpFormat {
    /// A Slack-compatible incoming-webhook message: `{"text": "..."}`, unsigned (the URL is the
    /// secret, as Slack's are).
    Slack,
    /// The JSON payload (`HeadsUp`), signed with the subscription's secret.
    Signed,
}

/// One endpoint and the case events it is told about. Configuration, not procedure: the desk's
/// Settings on a local profile, the server's configuration for a team. The signing secret is kept
/// apart (the OS keyring, the server's configuration), never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Subscription {
    /// Unique per profile or server: letters, digits, `-` and `_`, 1 to 40 of them.
    pub name: String,
    /// `http://` or `https://`.
    pub url: String,
    pub format: HeadsUpFormat,
    /// Event kinds from `KINDS`, at least one.
    pub kinds: Vec<String>,
}

impl Subscription {
    /// Refuses a subscription that could not be sent: a bad name, URL or kind.
    pub fn validate(&self) -> Result<(), CoreError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 40
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(CoreError::invalid(
                "name",
                "must be 1 to 40 letters, digits, '-' or '_'",
            ));
        }
        validate_url(&self.url)?;
        if self.kinds.is_empty() {
            return Err(CoreError::invalid("kinds", "name at least one event"));
        }
        if let Some(unknown) = self
            .kinds
            .iter()
            .find(|kind| !KINDS.iter().any(|(known, _)| known == kind))
        {
            return Err(CoreError::invalid(
                "kinds",
                format!("'{unknown}' is not an event a heads-up can be sent for"),
            ));
        }
        Ok(())
    }

    /// Whether this subscription sends a heads-up for `record`: a case event of one of its kinds.
    pub fn takes(&self, record: &EventRecord) -> bool {
        record.aggregate_type == CASE && self.kinds.contains(&record.kind)
    }
}

/// An `http://` or `https://` URL with a host and no spaces or control characters.
pub fn validate_url(url: &str) -> Result<(), CoreError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Err(CoreError::invalid(
            "url",
            "must start with https:// or http://",
        ));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(CoreError::invalid("url", "has no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.len() > 2_000 {
        return Err(CoreError::invalid(
            "url",
            "must not contain spaces and must be under 2000 characters",
        ));
    }
    Ok(())
}

/// The namespace of delivery ids (a fixed, random UUID).
const DELIVERY_NAMESPACE: Uuid = Uuid::from_u128(0x6f0e_2c8a_91d4_4b57_a3e2_5d17_c84b_09f3);

/// The id of the delivery of the event `event_id` to the subscription `subscription`: derived,
/// so queueing the same event twice (a restart between queueing and moving the cursor) finds the
/// same delivery, and sent as the idempotency key on every attempt.
pub fn delivery_id(subscription: &str, event_id: Uuid) -> Uuid {
    let mut name = Vec::with_capacity(subscription.len() + 17);
    name.extend_from_slice(subscription.as_bytes());
    name.push(0);
    name.extend_from_slice(event_id.as_bytes());
    Uuid::new_v5(&DELIVERY_NAMESPACE, &name)
}

/// What the sender knows about an event beyond its record: the account's external id (from the
/// case's account, when it has one) and the recording person's name (the record has their id).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventContext {
    pub account_external_id: Option<String>,
    pub recorded_by: String,
}

/// The signed JSON payload, and what the Slack text is written from. No personal data of the
/// customer: see the module's comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HeadsUp {
    /// The delivery id: the same on every attempt.
    pub delivery_id: Uuid,
    pub event_id: Uuid,
    /// The event's kind, e.g. `refund_requested`.
    pub kind: String,
    pub case_id: Uuid,
    /// The case's version after the event.
    pub case_version: u64,
    /// The account's id in the system it was imported from.
    pub account_external_id: Option<String>,
    /// The name of the person who recorded the event.
    pub recorded_by: String,
    #[ts(type = "string")]
    pub recorded_at: Timestamp,
    /// The event's amount: the refund, the amount written off, the prorated refund at
    /// finalization.
    pub amount: Option<Money>,
    /// The customer success manager an escalation went to (a colleague, not the customer).
    pub csm: Option<String>,
    /// The cancellation's effective date, for a finalization.
    #[ts(type = "string | null")]
    pub effective_date: Option<Date>,
    /// Whether billing is to be told (a refund above the policy's threshold).
    pub billing_heads_up: Option<bool>,
}

impl HeadsUp {
    /// The heads-up of `record` for the subscription `subscription`.
    pub fn of(
        subscription: &str,
        record: &EventRecord,
        context: &EventContext,
    ) -> Result<HeadsUp, CoreError> {
        if record.aggregate_type != CASE {
            return Err(CoreError::invalid("event", "is not a case event"));
        }
        let event = record.case_event()?;
        let mut heads_up = HeadsUp {
            delivery_id: delivery_id(subscription, record.id),
            event_id: record.id,
            kind: record.kind.clone(),
            case_id: record.aggregate_id,
            case_version: record.aggregate_version,
            account_external_id: context.account_external_id.clone(),
            recorded_by: context.recorded_by.clone(),
            recorded_at: record.recorded_at,
            amount: None,
            csm: None,
            effective_date: None,
            billing_heads_up: None,
        };
        match event {
            CaseEvent::RefundRequested {
                amount,
                billing_heads_up,
                ..
            } => {
                heads_up.amount = Some(amount);
                heads_up.billing_heads_up = Some(billing_heads_up);
            }
            CaseEvent::RefundCompleted { amount, .. }
            | CaseEvent::InvoicesWrittenOff { amount, .. } => heads_up.amount = Some(amount),
            CaseEvent::Escalated { csm, .. } => heads_up.csm = Some(csm),
            CaseEvent::Finalized {
                effective_date,
                prorated_refund,
                ..
            } => {
                heads_up.effective_date = Some(effective_date);
                heads_up.amount = prorated_refund;
            }
            _ => {}
        }
        Ok(heads_up)
    }

    /// One line for a chat: what happened, on which case and account, by whom. Names the account
    /// by its external id only.
    pub fn text(&self) -> String {
        let mut text = format!("Holdfast: {}", kind_label(&self.kind));
        if let Some(amount) = &self.amount {
            text.push_str(&format!(", {amount}"));
        }
        if let Some(csm) = &self.csm {
            text.push_str(&format!(", to {csm}"));
        }
        if let Some(date) = &self.effective_date {
            text.push_str(&format!(", effective {date}"));
        }
        let mut place = Vec::new();
        if let Some(account) = &self.account_external_id {
            place.push(format!("account {account}"));
        }
        place.push(format!("case {}", self.case_id));
        text.push_str(&format!(" ({})", place.join(", ")));
        if !self.recorded_by.is_empty() {
            text.push_str(&format!(" by {}", self.recorded_by));
        }
        if self.billing_heads_up == Some(true) {
            text.push_str(". Billing: please review before processing.");
        }
        text
    }
}

/// The request body for `format`.
pub fn body(format: HeadsUpFormat, heads_up: &HeadsUp) -> String {
    match format {
        HeadsUpFormat::Slack => serde_json::json!({ "text": heads_up.text() }).to_string(),
        // Serialising a struct of strings, numbers and options cannot fail.
        HeadsUpFormat::Signed => serde_json::to_string(heads_up).unwrap_or_default(),
    }
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Holdfast-Signature` value of `body` signed at `timestamp` (Unix seconds): `v1=` and the
/// lowercase hex of HMAC-SHA256(secret, "{timestamp}.{body}").
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Why a receiver refuses a signed request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the timestamp header is not a whole number of seconds")]
    BadTimestamp,
    #[error("the timestamp is outside the replay window")]
    Stale,
    #[error("the signature header is not v1=<hex>")]
    BadSignatureHeader,
    #[error("the signature does not match")]
    Mismatch,
}

/// What a receiver does with a signed request: the timestamp within `REPLAY_WINDOW_SECONDS` of
/// `now`, and the signature over `"{timestamp}.{body}"` (compared in constant time). The receiver
/// then drops a delivery id it has already seen (deliveries are at least once).
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: Timestamp,
) -> Result<(), VerifyError> {
    let seconds: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now.as_second() - seconds).abs() > REPLAY_WINDOW_SECONDS {
        return Err(VerifyError::Stale);
    }
    let digest = signature
        .strip_prefix("v1=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(VerifyError::BadSignatureHeader)?;
    mac(secret, seconds, body)
        .verify_slice(&digest)
        .map_err(|_| VerifyError::Mismatch)
}

/// How long to wait after `attempts` failed attempts before the next, or `None` when the delivery
/// has had its `MAX_ATTEMPTS` and is failed: 30 s, 1 min, 2 min, 4 min, ... up to an hour (the
/// ten attempts span about 4 hours 15 minutes).
pub fn retry_after(attempts: u32) -> Option<SignedDuration> {
    if attempts == 0 || attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doubling = 1_i64 << (attempts - 1).min(20);
    Some(SignedDuration::from_secs(
        FIRST_WAIT_SECONDS
            .saturating_mul(doubling)
            .min(MAX_WAIT_SECONDS),
    ))
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Gave up after `MAX_ATTEMPTS`, or the endpoint refused it for good (a 4xx other than 408
    /// and 429), or its subscription is gone.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        match text {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// 2xx.
    Accepted,
    /// Worth trying again (a connection error, a timeout, 5xx, 408, 429): why.
    Retry(String),
    /// Not worth trying again (another 4xx): why.
    Refused(String),
}

impl Attempt {
    /// The attempt an HTTP status comes to.
    pub fn of_status(status: u16) -> Attempt {
        match status {
            200..=299 => Attempt::Accepted,
            408 | 429 | 500..=599 => Attempt::Retry(format!("HTTP {status}")),
            _ => Attempt::Refused(format!("HTTP {status}")),
        }
    }
}

/// A delivery after an attempt made at `now`, `attempts` counting it: its status, its next
/// attempt (when pending) and the error to show.
pub fn after_attempt(
    attempt: &Attempt,
    attempts: u32,
    now: Timestamp,
) -> (DeliveryStatus, Option<Timestamp>, Option<String>) {
    match attempt {
        Attempt::Accepted => (DeliveryStatus::Delivered, None, None),
        Attempt::Refused(error) => (DeliveryStatus::Failed, None, Some(error.clone())),
        Attempt::Retry(error) => match retry_after(attempts) {
            Some(wait) => (
                DeliveryStatus::Pending,
                now.checked_add(wait).ok(),
                Some(error.clone()),
            ),
            None => (
                DeliveryStatus::Failed,
                None,
                Some(format!("{error} (gave up after {attempts} attempts)")),
            ),
        },
    }
}

/// One delivery as the delivery log shows it (the desk's Settings, the server's endpoint for
/// managers). Its body is not shown: it is what `body` made of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Delivery {
    /// The delivery id, sent as the idempotency key.
    pub id: Uuid,
    pub subscription: String,
    pub kind: String,
    pub case_id: Uuid,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last attempt did not deliver it.
    pub last_error: Option<String>,
    #[ts(type = "string")]
    pub queued_at: Timestamp,
    /// When it is tried next (pending only).
    #[ts(type = "string | null")]
    pub next_attempt_at: Option<Timestamp>,
    #[ts(type = "string | null")]
    pub delivered_at: Option<Timestamp>,
}

/// A subscription as a manager sees it from a desk in a team: never its URL (a Slack webhook's
/// URL is its secret) or its signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubscriptionSummary {
    pub name: String,
    pub format: HeadsUpFormat,
    pub kinds: Vec<String>,
}

/// What the sync server answers a manager's `GET /v1/heads-ups`: the organisation's
/// subscriptions and its delivery log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HeadsUpLog {
    pub subscriptions: Vec<SubscriptionSummary>,
    pub deliveries: Vec<Delivery>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::record::Recording;

    fn record(event: CaseEvent) -> EventRecord {
        let recording = Recording {
            actor: "user-1",
            policy_version: "p1",
            at: "2026-03-05T10:00:00Z".parse().unwrap(),
            personal_secret: [7; 16],
        };
        EventRecord::for_case(Uuid::from_u128(42), 3, &[event], recording, |_, _| {
            Uuid::from_u128(99)
        })
        .unwrap()
        .remove(0)
    }

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").unwrap())
    }

    fn refund() -> CaseEvent {
        CaseEvent::RefundRequested {
            refund_id: Uuid::from_u128(5),
            amount: usd(12_500),
            justification: "Jane Roe said her card was charged twice".into(),
            requested_by: "user-1".into(),
            under_review: true,
            billing_heads_up: true,
            customer_notice: crate::policy::MessageKind::UnderReview,
            at: "2026-03-05T10:00:00Z".parse().unwrap(),
            charged_on: None,
            review_reasons: Vec::new(),
        }
    }

    fn context() -> EventContext {
        EventContext {
            account_external_id: Some("cus_123".into()),
            recorded_by: "Ada Agent".into(),
        }
    }

    fn subscription(kinds: &[&str]) -> Subscription {
        Subscription {
            name: "billing".into(),
            url: "https://hooks.example.com/x".into(),
            format: HeadsUpFormat::Signed,
            kinds: kinds.iter().map(|kind| (*kind).to_owned()).collect(),
        }
    }

    #[test]
    fn a_subscription_takes_case_events_of_its_kinds_only() {
        let refund = record(refund());
        assert!(subscription(&["refund_requested"]).takes(&refund));
        assert!(!subscription(&["escalated", "finalized"]).takes(&refund));
        let mut account_event = refund.clone();
        account_event.aggregate_type = crate::record::ACCOUNT.into();
        assert!(!subscription(&["refund_requested"]).takes(&account_event));
    }

    #[test]
    fn bad_subscriptions_are_refused_by_field() {
        let field = |s: Subscription| match s.validate() {
            Err(CoreError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert!(subscription(&["refund_requested"]).validate().is_ok());
        let mut bad = subscription(&["refund_requested"]);
        bad.name = "has space".into();
        assert_eq!(field(bad), "name");
        for url in ["ftp://x", "https://", "https://a b", "hooks.example.com"] {
            let mut bad = subscription(&["refund_requested"]);
            bad.url = url.into();
            assert_eq!(field(bad), "url", "{url}");
        }
        assert_eq!(field(subscription(&[])), "kinds");
        assert_eq!(field(subscription(&["note_added"])), "kinds");
    }

    #[test]
    fn the_payload_carries_amounts_and_ids_but_no_personal_data() {
        let heads_up = HeadsUp::of("billing", &record(refund()), &context()).unwrap();
        assert_eq!(heads_up.amount, Some(usd(12_500)));
        assert_eq!(heads_up.billing_heads_up, Some(true));
        assert_eq!(heads_up.case_id, Uuid::from_u128(42));
        assert_eq!(heads_up.case_version, 4);
        assert_eq!(
            heads_up.delivery_id,
            delivery_id("billing", Uuid::from_u128(99))
        );
        for format in [HeadsUpFormat::Signed, HeadsUpFormat::Slack] {
            let body = body(format, &heads_up);
            assert!(!body.contains("Jane"), "{body}");
            assert!(!body.contains("charged twice"), "{body}");
            assert!(body.contains("cus_123"), "{body}");
            assert!(body.contains("Ada Agent"), "{body}");
        }
        let slack: serde_json::Value =
            serde_json::from_str(&body(HeadsUpFormat::Slack, &heads_up)).unwrap();
        assert_eq!(
            slack["text"],
            "Holdfast: Refund requested (billing heads-up), 125.00 USD (account cus_123, case \
             00000000-0000-0000-0000-00000000002a) by Ada Agent. Billing: please review before \
             processing."
        );
        let signed: HeadsUp =
            serde_json::from_str(&body(HeadsUpFormat::Signed, &heads_up)).unwrap();
        assert_eq!(signed, heads_up);
    }

    #[test]
    fn an_escalation_names_the_csm_but_not_the_note() {
        let escalated = record(CaseEvent::Escalated {
            csm: "Chris CSM".into(),
            note: "customer John Smith is upset".into(),
        });
        let heads_up = HeadsUp::of("csm", &escalated, &context()).unwrap();
        let text = body(HeadsUpFormat::Slack, &heads_up);
        assert!(text.contains("to Chris CSM"), "{text}");
        assert!(!text.contains("John"), "{text}");
    }

    #[test]
    fn the_delivery_id_is_the_same_for_the_same_event_and_subscription_only() {
        let event = Uuid::from_u128(1);
        assert_eq!(delivery_id("a", event), delivery_id("a", event));
        assert_ne!(delivery_id("a", event), delivery_id("b", event));
        assert_ne!(
            delivery_id("a", event),
            delivery_id("a", Uuid::from_u128(2))
        );
    }

    #[test]
    fn a_signature_verifies_inside_the_window_and_nowhere_else() {
        let now: Timestamp = "2026-03-05T10:00:00Z".parse().unwrap();
        let at = now.as_second();
        let body = br#"{"kind":"refund_requested"}"#;
        let signature = sign(b"s3cret", at, body);
        assert!(signature.starts_with("v1="));
        assert_eq!(
            verify(b"s3cret", &at.to_string(), &signature, body, now),
            Ok(())
        );
        let late = now.checked_add(SignedDuration::from_secs(301)).unwrap();
        assert_eq!(
            verify(b"s3cret", &at.to_string(), &signature, body, late),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(b"other", &at.to_string(), &signature, body, now),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", &at.to_string(), &signature, b"{}", now),
            Err(VerifyError::Mismatch)
        );
        // The timestamp is signed: moving it breaks the signature.
        assert_eq!(
            verify(b"s3cret", &(at + 1).to_string(), &signature, body, now),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", "soon", &signature, body, now),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            verify(b"s3cret", &at.to_string(), "sha256=00", body, now),
            Err(VerifyError::BadSignatureHeader)
        );
    }

    #[test]
    fn retries_double_up_to_an_hour_and_stop_at_the_limit() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS)
            .map(|n| retry_after(n).unwrap().as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
        let now = Timestamp::UNIX_EPOCH;
        let (status, next, error) = after_attempt(&Attempt::of_status(503), 1, now);
        assert_eq!(status, DeliveryStatus::Pending);
        assert_eq!(
            next,
            Some(now.checked_add(SignedDuration::from_secs(30)).unwrap())
        );
        assert_eq!(error.as_deref(), Some("HTTP 503"));
        let (status, _, error) = after_attempt(&Attempt::of_status(500), MAX_ATTEMPTS, now);
        assert_eq!(status, DeliveryStatus::Failed);
        assert!(error.unwrap().contains("gave up after 10 attempts"));
        assert_eq!(
            after_attempt(&Attempt::of_status(404), 1, now).0,
            DeliveryStatus::Failed
        );
        assert_eq!(
            after_attempt(&Attempt::of_status(204), 3, now),
            (DeliveryStatus::Delivered, None, None)
        );
    }
}
