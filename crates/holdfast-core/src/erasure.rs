//! Erasing a customer's personal data (issue 14): who may ask for it, what one erasure covers, the
//! event that records it, and which closed cases the policy's retention period has run out for.
//! What an erased event keeps, and why the audit chain still verifies, is `personal`'s.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::account::AccountDraft;
use crate::policy::{Policy, Step};
use crate::record::{stored_instant, EventRecord, Recording, ACCOUNT, CASE};
use crate::workflow::{may_take, Actor};
use crate::CoreError;

/// The kind of the event (on the account's aggregate) that records an erasure.
pub const PERSONAL_DATA_ERASED: &str = "personal_data_erased";

/// Why personal data was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErasureReason {
    /// The customer asked (GDPR article 17, CCPA's right to delete).
    Request,
    /// The policy's retention period ran out for these closed cases.
    Retention,
}

/// One erasure: the account's own personal data (name, contact) when `account` is set, and that
/// of the cases listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub account_id: Uuid,
    /// The account's name and contacts are erased too (a request; retention once no case of the
    /// account is left open or within its period).
    pub account: bool,
    /// The cases whose personal data is erased, in id order.
    pub cases: Vec<Uuid>,
    pub reason: ErasureReason,
}

impl Erasure {
    /// Whether this erasure covers the record `record`.
    pub fn covers(&self, record: &EventRecord) -> bool {
        match record.aggregate_type.as_str() {
            ACCOUNT => self.account && record.aggregate_id == self.account_id,
            CASE => self.cases.binary_search(&record.aggregate_id).is_ok(),
            _ => false,
        }
    }

    /// The record of this erasure as version `version` of the account's aggregate. It names no
    /// personal data: the account's id, the cases' ids and why.
    pub fn record(
        &self,
        id: Uuid,
        version: u64,
        recording: Recording<'_>,
    ) -> Result<EventRecord, CoreError> {
        #[derive(Serialize)]
        struct Erased<'a> {
            kind: &'static str,
            #[serde(flatten)]
            erasure: &'a Erasure,
        }
        let payload = serde_json::to_value(Erased {
            kind: PERSONAL_DATA_ERASED,
            erasure: self,
        })
        .map_err(|error| CoreError::invalid("payload", format!("cannot be recorded: {error}")))?;
        Ok(EventRecord {
            id,
            aggregate_type: ACCOUNT.to_owned(),
            aggregate_id: self.account_id,
            aggregate_version: version,
            kind: PERSONAL_DATA_ERASED.to_owned(),
            actor: recording.actor.to_owned(),
            policy_version: recording.policy_version.to_owned(),
            recorded_at: stored_instant(recording.at),
            payload,
        })
    }

    /// The erasure a `personal_data_erased` record carries.
    pub fn of(record: &EventRecord) -> Result<Erasure, CoreError> {
        if record.kind != PERSONAL_DATA_ERASED {
            return Err(CoreError::invalid(
                "payload",
                format!("not an erasure ({})", record.kind),
            ));
        }
        let mut erasure: Erasure = serde_json::from_value(record.payload.clone())
            .map_err(|error| CoreError::invalid("payload", format!("not an erasure: {error}")))?;
        if erasure.account_id != record.aggregate_id {
            return Err(CoreError::invalid(
                "payload",
                "an erasure recorded on another account",
            ));
        }
        erasure.cases.sort();
        erasure.cases.dedup();
        Ok(erasure)
    }
}

/// Whether `actor` may export or erase a customer's personal data under `policy` (the policy's
/// `erase_personal_data` roles: managers and administrators unless it names others). Without a
/// policy, only they may.
pub fn may_erase(actor: &Actor, policy: Option<&Policy>) -> Result<(), CoreError> {
    match policy {
        Some(policy) => may_take(actor, Step::ErasePersonalData, policy),
        None if !actor.active => Err(CoreError::InactiveUser {
            user_id: actor.user_id.clone(),
        }),
        None if actor
            .roles
            .iter()
            .any(|role| matches!(role, crate::role::Role::Manager | crate::role::Role::Admin)) =>
        {
            Ok(())
        }
        None => Err(CoreError::RoleRequired {
            step: Step::ErasePersonalData,
            needed: vec![crate::role::Role::Manager, crate::role::Role::Admin],
        }),
    }
}

/// The erasure a customer's request asks for: the account and every case it has.
pub fn on_request(account_id: Uuid, mut cases: Vec<Uuid>) -> Erasure {
    cases.sort();
    cases.dedup();
    Erasure {
        account_id,
        account: true,
        cases,
        reason: ErasureReason::Request,
    }
}

/// An account as it stands once its own personal data is erased: the name reads `ERASED`, the
/// contact name, e-mail and phone are gone; its external id, tier, plan, amounts and dates stay.
pub fn erased_draft(draft: &AccountDraft) -> AccountDraft {
    AccountDraft {
        name: crate::personal::ERASED.to_owned(),
        contact_name: None,
        email: None,
        phone: None,
        ..draft.clone()
    }
}

/// Whether an account's own personal data was erased. An import leaves such an account as it is:
/// the customer asked to be forgotten, and the billing system's export still names them.
pub fn is_erased(draft: &AccountDraft) -> bool {
    *draft == erased_draft(draft)
}

/// A case as the retention rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainedCase {
    pub case_id: Uuid,
    pub account_id: Uuid,
    /// When it closed (finalized, saved, withdrawn...); `None` while it is open.
    pub closed_at: Option<Timestamp>,
    /// Its personal data is already erased.
    pub erased: bool,
}

/// The erasures the policy's retention period calls for at `now`, one per account, in account
/// order: every closed case that closed at least the period's months ago (calendar months in the
/// policy's zone: a case closed on 15 March with 24 months is erased from 15 March two years on)
/// and is not erased yet. The account's own data goes too when none of its cases is open or
/// still within the period. Empty when the policy keeps personal data.
pub fn retention_due(
    policy: &Policy,
    cases: &[RetainedCase],
    now: Timestamp,
) -> Result<Vec<Erasure>, CoreError> {
    let Some(months) = policy.privacy.erase_closed_cases_after_months else {
        return Ok(Vec::new());
    };
    let zone = &policy.sla.calendar.zone;
    let mut by_account: std::collections::BTreeMap<Uuid, (Vec<Uuid>, bool)> = Default::default();
    for case in cases {
        let expired = match case.closed_at {
            Some(closed_at) => expired(closed_at, months, zone, now)?,
            None => false,
        };
        let entry = by_account
            .entry(case.account_id)
            .or_insert_with(|| (Vec::new(), true));
        if expired {
            if !case.erased {
                entry.0.push(case.case_id);
            }
        } else if !case.erased {
            // An open case, or one still within its period, keeps the account's data.
            entry.1 = false;
        }
    }
    Ok(by_account
        .into_iter()
        .filter(|(_, (cases, _))| !cases.is_empty())
        .map(|(account_id, (mut cases, account))| {
            cases.sort();
            Erasure {
                account_id,
                account,
                cases,
                reason: ErasureReason::Retention,
            }
        })
        .collect())
}

/// Whether `months` calendar months have passed since `closed_at`, counted in `zone`.
fn expired(
    closed_at: Timestamp,
    months: u32,
    zone: &TimeZone,
    now: Timestamp,
) -> Result<bool, CoreError> {
    let until = closed_at
        .to_zoned(zone.clone())
        .checked_add(i64::from(months).months())
        .map_err(|error| CoreError::invalid("privacy", format!("a retention period: {error}")))?;
    Ok(now >= until.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    fn policy(months: Option<u32>) -> Policy {
        let source = include_str!("../../../policies/intelliserve.toml");
        let mut policy = crate::policy::parse_policy(source).unwrap();
        policy.privacy.erase_closed_cases_after_months = months;
        policy
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn case(n: u128, account: u128, closed_at: Option<&str>) -> RetainedCase {
        RetainedCase {
            case_id: Uuid::from_u128(n),
            account_id: Uuid::from_u128(account),
            closed_at: closed_at.map(at),
            erased: false,
        }
    }

    #[test]
    fn retention_erases_cases_closed_the_policys_months_ago_counted_in_its_zone() {
        let policy = policy(Some(24));
        // IntelliServe's zone is New York: closed 2024-03-15 09:00 local (13:00 UTC).
        let cases = [case(1, 10, Some("2024-03-15T13:00:00Z"))];
        let just_before = retention_due(&policy, &cases, at("2026-03-15T12:59:59Z")).unwrap();
        assert!(just_before.is_empty());
        let on_time = retention_due(&policy, &cases, at("2026-03-15T13:00:00Z")).unwrap();
        assert_eq!(
            on_time,
            vec![Erasure {
                account_id: Uuid::from_u128(10),
                account: true,
                cases: vec![Uuid::from_u128(1)],
                reason: ErasureReason::Retention,
            }]
        );
    }

    #[test]
    fn an_open_or_recent_case_keeps_the_accounts_own_data() {
        let policy = policy(Some(12));
        let now = at("2026-12-01T00:00:00Z");
        let cases = [
            case(1, 10, Some("2025-01-10T00:00:00Z")),
            case(2, 10, None),
            case(3, 20, Some("2025-01-10T00:00:00Z")),
            case(4, 20, Some("2026-06-01T00:00:00Z")),
            case(5, 30, Some("2025-02-01T00:00:00Z")),
            RetainedCase {
                erased: true,
                ..case(6, 30, Some("2025-02-01T00:00:00Z"))
            },
            RetainedCase {
                erased: true,
                ..case(7, 40, Some("2025-02-01T00:00:00Z"))
            },
        ];
        let due = retention_due(&policy, &cases, now).unwrap();
        let summary: Vec<(u128, bool, Vec<u128>)> = due
            .iter()
            .map(|erasure| {
                (
                    erasure.account_id.as_u128(),
                    erasure.account,
                    erasure.cases.iter().map(|id| id.as_u128()).collect(),
                )
            })
            .collect();
        // Account 40 has nothing left to erase; 30's erased case does not hold its data back.
        assert_eq!(
            summary,
            vec![
                (10, false, vec![1]),
                (20, false, vec![3]),
                (30, true, vec![5])
            ]
        );
        assert!(retention_due(&self::policy(None), &cases, now)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn an_erasure_covers_its_account_and_cases_and_reads_back_from_its_record() {
        let erasure = on_request(
            Uuid::from_u128(10),
            vec![Uuid::from_u128(2), Uuid::from_u128(1)],
        );
        let record = erasure
            .record(
                Uuid::from_u128(99),
                3,
                Recording {
                    actor: "mia",
                    policy_version: "p@1",
                    at: at("2026-12-01T10:00:00Z"),
                    personal_secret: [0; 16],
                },
            )
            .unwrap();
        assert_eq!(Erasure::of(&record).unwrap(), erasure);
        let text = record.payload.to_string();
        assert!(text.contains("\"reason\":\"request\""), "{text}");
        let mut case_record = record.clone();
        case_record.aggregate_type = CASE.into();
        case_record.aggregate_id = Uuid::from_u128(1);
        assert!(erasure.covers(&case_record));
        case_record.aggregate_id = Uuid::from_u128(3);
        assert!(!erasure.covers(&case_record));
    }

    #[test]
    fn only_the_policys_roles_may_erase() {
        let policy = policy(None);
        let actor = |roles: Vec<Role>| Actor {
            user_id: "u".into(),
            roles,
            active: true,
        };
        assert!(may_erase(&actor(vec![Role::Manager]), Some(&policy)).is_ok());
        assert!(matches!(
            may_erase(&actor(vec![Role::AccountManager]), Some(&policy)),
            Err(CoreError::RoleRequired { .. })
        ));
        assert!(may_erase(&actor(vec![Role::Admin]), None).is_ok());
        assert!(may_erase(&actor(vec![Role::Billing]), None).is_err());
    }
}
