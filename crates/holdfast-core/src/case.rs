//! A cancellation case: one customer's request to cancel and everything that happens to it. This
//! module holds the rules for opening one; the workflow that follows is decided in later steps.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::CoreError;

/// How the cancellation request reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestChannel {
    Email,
    Phone,
    Chat,
    WebForm,
    Sms,
}

impl RequestChannel {
    pub const ALL: [RequestChannel; 5] = [
        RequestChannel::Email,
        RequestChannel::Phone,
        RequestChannel::Chat,
        RequestChannel::WebForm,
        RequestChannel::Sms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestChannel::Email => "email",
            RequestChannel::Phone => "phone",
            RequestChannel::Chat => "chat",
            RequestChannel::WebForm => "web_form",
            RequestChannel::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        RequestChannel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text)
    }
}

/// Where a case stands. Opening a case leaves it `received`; it is `in_progress` once worked on,
/// and ends `saved` (an offer was accepted), `cancelled` (finalized), `withdrawn` by the customer,
/// or `verification_failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Received,
    InProgress,
    Saved,
    Cancelled,
    Withdrawn,
    VerificationFailed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::Received,
        CaseStatus::InProgress,
        CaseStatus::Saved,
        CaseStatus::Cancelled,
        CaseStatus::Withdrawn,
        CaseStatus::VerificationFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Saved => "saved",
            CaseStatus::Cancelled => "cancelled",
            CaseStatus::Withdrawn => "withdrawn",
            CaseStatus::VerificationFailed => "verification_failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        CaseStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// A closed case accepts no further workflow command.
    pub fn is_closed(self) -> bool {
        !matches!(self, CaseStatus::Received | CaseStatus::InProgress)
    }
}

/// What the person taking the request enters to open a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OpenCase {
    pub account_id: Uuid,
    pub channel: RequestChannel,
    /// Who asked to cancel, as they introduced themselves; verified in a later step.
    pub requester_name: String,
    /// How to reach the requester (an e-mail address or a phone number, as given).
    pub requester_contact: String,
    /// When the request arrived; the moment of opening when not given.
    pub received_at: Option<Timestamp>,
}

/// A case ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub id: Uuid,
    pub account_id: Uuid,
    pub channel: RequestChannel,
    pub requester_name: String,
    pub requester_contact: String,
    pub received_at: Timestamp,
    pub opened_at: Timestamp,
    pub status: CaseStatus,
}

/// A request cannot be received in the future; this much clock skew between machines is tolerated.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);
const MAX_NAME_CHARS: usize = 200;

/// Decides whether a case can be opened as asked, at `now`, under the id `id`.
pub fn open_case(command: OpenCase, id: Uuid, now: Timestamp) -> Result<NewCase, CoreError> {
    let requester_name = command.requester_name.trim().to_owned();
    if requester_name.is_empty() {
        return Err(CoreError::invalid(
            "requester_name",
            "say who asked to cancel",
        ));
    }
    if requester_name.chars().count() > MAX_NAME_CHARS {
        return Err(CoreError::invalid(
            "requester_name",
            format!("is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    let requester_contact = command.requester_contact.trim().to_owned();
    if requester_contact.is_empty() {
        return Err(CoreError::invalid(
            "requester_contact",
            "give the e-mail address or phone number the request came from",
        ));
    }
    if requester_contact.chars().count() > MAX_NAME_CHARS {
        return Err(CoreError::invalid(
            "requester_contact",
            format!("is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    let received_at = command.received_at.unwrap_or(now);
    if received_at > now + CLOCK_SKEW {
        return Err(CoreError::invalid(
            "received_at",
            "a request cannot arrive in the future",
        ));
    }
    Ok(NewCase {
        id,
        account_id: command.account_id,
        channel: command.channel,
        requester_name,
        requester_contact,
        received_at,
        opened_at: now,
        status: CaseStatus::Received,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> OpenCase {
        OpenCase {
            account_id: Uuid::nil(),
            channel: RequestChannel::Email,
            requester_name: "  Ana Silva ".into(),
            requester_contact: "ana@acme.io".into(),
            received_at: None,
        }
    }

    fn now() -> Timestamp {
        "2026-11-21T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn opens_a_received_case_at_now_by_default() {
        let case = open_case(command(), Uuid::max(), now()).unwrap();
        assert_eq!(case.requester_name, "Ana Silva");
        assert_eq!(case.received_at, now());
        assert_eq!(case.status, CaseStatus::Received);
    }

    #[test]
    fn refuses_a_case_without_a_requester() {
        let mut blank = command();
        blank.requester_name = "   ".into();
        assert!(matches!(
            open_case(blank, Uuid::max(), now()),
            Err(CoreError::Invalid { field, .. }) if field == "requester_name"
        ));
    }

    #[test]
    fn refuses_a_request_from_the_future() {
        let mut future = command();
        future.received_at = Some("2026-11-21T11:00:00Z".parse().unwrap());
        assert!(matches!(
            open_case(future, Uuid::max(), now()),
            Err(CoreError::Invalid { field, .. }) if field == "received_at"
        ));
        let mut skewed = command();
        skewed.received_at = Some("2026-11-21T10:04:00Z".parse().unwrap());
        assert!(open_case(skewed, Uuid::max(), now()).is_ok());
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn channels_round_trip_through_their_names() {
        for channel in RequestChannel::ALL {
            assert_eq!(RequestChannel::parse(channel.as_str()), Some(channel));
        }
    }
}
