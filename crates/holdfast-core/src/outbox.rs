//! The e-mail outbox's rules (issue 16): what happens to a message after a failed attempt to hand
//! it to the mail server. A refusal (the server said no to the recipient, the sender or the
//! message: SMTP's 5xx) is final; anything else (no answer, a dropped connection, a 4xx "try again
//! later") is retried with a growing wait, until the message is too old to be worth sending.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why an attempt failed, as the outbox treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The mail server refused it for good: sending it again would be refused again.
    Permanent,
    /// The server could not be reached, dropped the connection, or asked to try later.
    Temporary,
}

/// What the outbox does with a message after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this instant.
    RetryAt(Timestamp),
    /// Stop: the message is shown on its case as not sent.
    GiveUp,
}

/// The first wait after a temporary failure; each further one doubles, up to `MAX_WAIT`.
pub const FIRST_WAIT: SignedDuration = SignedDuration::from_secs(30);
pub const MAX_WAIT: SignedDuration = SignedDuration::from_secs(30 * 60);
/// A message still not sent this long after it was queued is given up: the customer would get a
/// message about a case as it was days ago.
pub const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_hours(72);

/// After the `attempts`-th failed attempt (1 for the first) of a message queued at `queued_at`.
pub fn after_failure(
    kind: FailureKind,
    attempts: u32,
    queued_at: Timestamp,
    now: Timestamp,
) -> AfterFailure {
    if kind == FailureKind::Permanent {
        return AfterFailure::GiveUp;
    }
    let doublings = attempts.saturating_sub(1).min(16);
    let wait = FIRST_WAIT
        .checked_mul(1i32 << doublings)
        .unwrap_or(MAX_WAIT)
        .min(MAX_WAIT);
    let next = now.saturating_add(wait).unwrap_or(now);
    if next.duration_since(queued_at) > GIVE_UP_AFTER {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_refusal_is_final_and_a_temporary_failure_waits_longer_each_time_up_to_half_an_hour() {
        let queued = at("2026-12-01T10:00:00Z");
        assert_eq!(
            after_failure(FailureKind::Permanent, 1, queued, queued),
            AfterFailure::GiveUp
        );
        let waits: Vec<_> = [1, 2, 3, 7, 8, 40]
            .into_iter()
            .map(
                |attempts| match after_failure(FailureKind::Temporary, attempts, queued, queued) {
                    AfterFailure::RetryAt(next) => next.duration_since(queued).as_secs(),
                    AfterFailure::GiveUp => panic!("gave up after {attempts}"),
                },
            )
            .collect();
        assert_eq!(waits, [30, 60, 120, 1800, 1800, 1800]);
    }

    #[test]
    fn a_message_not_sent_within_three_days_is_given_up() {
        let queued = at("2026-12-01T10:00:00Z");
        let late = at("2026-12-04T09:45:00Z");
        assert_eq!(
            after_failure(FailureKind::Temporary, 200, queued, late),
            AfterFailure::GiveUp
        );
        let earlier = at("2026-12-04T09:00:00Z");
        assert!(matches!(
            after_failure(FailureKind::Temporary, 200, queued, earlier),
            AfterFailure::RetryAt(_)
        ));
    }
}
