//! Issue 12's authorization matrix, as a storage test every backend must pass (like `suite`):
//! every command of the protocol (each case command and the account import), pushed by a user of
//! every role, of the case's own organisation and of another one, active and deactivated. The
//! expected answer comes from the policy itself (`may_take`), so the test follows the policy
//! rather than a list written twice. `store_suite_authz!(expr)` expands to the test.
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use holdfast_core::account::PreferredChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{
    parse_policy, AcknowledgeChannel, MessageKind, Step, VerificationMethod,
};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    may_take, Actor, CaseCommand, OfferProposal, OneTimeCode, WinBackOutcome,
};
use holdfast_sync::protocol::{CommandOutcome, PushedCommand, SyncCommand};
use uuid::Uuid;

use super::suite::{case_command, draft, now, receive, POLICY};
use super::{NewUser, ServerStore, UserRecord};
use crate::error::ServerError;

/// Expands to the matrix test on a fresh store built by `$make`.
#[macro_export]
macro_rules! store_suite_authz {
    ($make:expr) => {
        #[tokio::test]
        async fn every_command_every_role_own_and_other_organisation_active_and_deactivated() {
            let store = $make;
            $crate::store::suite_authz::every_command_every_role_own_and_other_organisation_active_and_deactivated(&store).await;
        }
    };
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("USD"))
}

/// One of every case command, with the step of the procedure it is (none for notes and
/// messages, which anyone working cases may add). `Receive` is pushed on a case of its own.
fn every_command() -> Vec<(CaseCommand, Option<Step>)> {
    let refund = Uuid::from_u128(0x5eed);
    vec![
        (
            CaseCommand::Acknowledge {
                channel: AcknowledgeChannel::Call,
                note: "Called back".into(),
            },
            Some(Step::Receive),
        ),
        (
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("rae@example.com".into()),
                evidence: "Replied from the address on file".into(),
            },
            Some(Step::VerifyIdentity),
        ),
        (
            CaseCommand::SendOneTimeCode {
                code: OneTimeCode::typed("482913"),
                contact: "rae@example.com".into(),
            },
            Some(Step::VerifyIdentity),
        ),
        (
            CaseCommand::EnterOneTimeCode {
                code: OneTimeCode::typed("482913"),
            },
            Some(Step::VerifyIdentity),
        ),
        (
            CaseCommand::FailVerification {
                note: "Could not confirm".into(),
            },
            Some(Step::VerifyIdentity),
        ),
        (
            CaseCommand::SendForm {
                how: "e-mail".into(),
            },
            Some(Step::TrackForm),
        ),
        (CaseCommand::RemindForm, Some(Step::TrackForm)),
        (
            CaseCommand::ReceiveForm {
                fields: BTreeMap::new(),
            },
            Some(Step::TrackForm),
        ),
        (
            CaseCommand::CaptureReason {
                reason_id: "price".into(),
                details: String::new(),
                pain_points: Vec::new(),
            },
            Some(Step::CaptureReason),
        ),
        (CaseCommand::Route, Some(Step::Route)),
        (
            CaseCommand::EnterReceivable { amount: usd(0) },
            Some(Step::Route),
        ),
        (
            CaseCommand::Escalate {
                csm: "Carla".into(),
                note: String::new(),
            },
            Some(Step::Escalate),
        ),
        (
            CaseCommand::RecordCsmOutcome {
                retained: false,
                note: "Still leaving".into(),
            },
            Some(Step::RecordCsmOutcome),
        ),
        (
            CaseCommand::RecordRetentionOutcome {
                retained: false,
                note: "Still leaving".into(),
                mitigations_tried: Vec::new(),
            },
            Some(Step::RecordRetentionOutcome),
        ),
        (
            CaseCommand::ProposeOffer {
                offer_id: "discount".into(),
                terms: OfferProposal {
                    percent: Some(10),
                    months: Some(1),
                    amount: None,
                    note: String::new(),
                },
            },
            Some(Step::ProposeOffer),
        ),
        (CaseCommand::ApproveOffer, Some(Step::ApproveOffer)),
        (CaseCommand::AcceptOffer, Some(Step::RecordOfferOutcome)),
        (CaseCommand::DeclineOffer, Some(Step::RecordOfferOutcome)),
        (CaseCommand::LogRequest, Some(Step::Receive)),
        (
            CaseCommand::WriteOffInvoices {
                amount: usd(1_000),
                invoices: 1,
            },
            Some(Step::WriteOff),
        ),
        (
            CaseCommand::RequestRefund {
                refund_id: refund,
                amount: usd(2_000),
                justification: "Charged twice".into(),
                charged_on: None,
            },
            Some(Step::RequestRefund),
        ),
        (
            CaseCommand::VerifyRefund { refund_id: refund },
            Some(Step::ApproveRefund),
        ),
        (
            CaseCommand::DenyRefund {
                refund_id: refund,
                reason: "Outside policy".into(),
            },
            Some(Step::ApproveRefund),
        ),
        (
            CaseCommand::CompleteRefund { refund_id: refund },
            Some(Step::CompleteRefund),
        ),
        (
            CaseCommand::ConfirmChecklistItem {
                item_id: "logged".into(),
                note: String::new(),
            },
            Some(Step::ConfirmChecklistItem),
        ),
        (
            CaseCommand::Finalize {
                effective_date: "2026-12-31".parse().expect("a date"),
                data_export_offered: false,
            },
            Some(Step::Finalize),
        ),
        (
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Email,
            },
            Some(Step::Confirm),
        ),
        (
            CaseCommand::RecordFeedback {
                text: "Too expensive".into(),
                survey_link: None,
            },
            Some(Step::RecordFeedback),
        ),
        (CaseCommand::ScheduleWinBack, Some(Step::ScheduleWinBack)),
        (
            CaseCommand::RecordWinBackOutcome {
                check_in: 1,
                outcome: WinBackOutcome::NoAnswer,
                note: String::new(),
            },
            Some(Step::RecordWinBackOutcome),
        ),
        (
            CaseCommand::HandOff {
                task_id: None,
                to: Some("Bo".into()),
                to_role: None,
                reason: "Bo knows them".into(),
            },
            Some(Step::HandOff),
        ),
        (
            CaseCommand::Withdraw {
                note: "Staying after all".into(),
            },
            Some(Step::Receive),
        ),
        (
            CaseCommand::AddNote {
                text: "Asked about a cheaper plan".into(),
            },
            None,
        ),
        (
            CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "We received your request.".into(),
                email: None,
            },
            None,
        ),
    ]
}

/// A user of the organisation for each role, one with every role, and one with none.
async fn people(store: &dyn ServerStore, organisation: Uuid, prefix: &str) -> Vec<UserRecord> {
    let mut sets: Vec<Vec<Role>> = Role::ALL.iter().map(|role| vec![*role]).collect();
    sets.push(Role::ALL.to_vec());
    sets.push(Vec::new());
    let mut users = Vec::new();
    for (index, roles) in sets.into_iter().enumerate() {
        users.push(
            store
                .add_user(
                    NewUser {
                        organisation_id: organisation,
                        name: format!("{prefix}{index}"),
                        roles,
                        password_hash: "unused".into(),
                    },
                    now(),
                )
                .await
                .expect("user"),
        );
    }
    users
}

fn actor(user: &UserRecord) -> Actor {
    Actor {
        user_id: user.id.to_string(),
        roles: user.roles.clone(),
        active: user.active,
    }
}

async fn log_len(store: &dyn ServerStore, organisation: Uuid) -> usize {
    store
        .events_after(organisation, 0, 100_000)
        .await
        .expect("events")
        .events
        .len()
}

async fn case_version(store: &dyn ServerStore, organisation: Uuid, case_id: Uuid) -> u64 {
    store
        .events_after(organisation, 0, 100_000)
        .await
        .expect("events")
        .events
        .iter()
        .filter(|event| event.record.aggregate_id == case_id)
        .count() as u64
}

/// Each user's device: its client id and next sequence number.
struct Devices(Vec<(Uuid, u64)>);

impl Devices {
    fn next(&mut self, index: usize) -> (Uuid, u64) {
        let (client, seq) = &mut self.0[index];
        *seq += 1;
        (*client, *seq)
    }
}

pub async fn every_command_every_role_own_and_other_organisation_active_and_deactivated(
    store: &dyn ServerStore,
) {
    let policy = parse_policy(POLICY).expect("the policy parses");
    let own = store.create_organisation("Own", now()).await.expect("org");
    let other = store
        .create_organisation("Other", now())
        .await
        .expect("org");
    for organisation in [own.id, other.id] {
        store
            .publish_policy(organisation, 1, POLICY, now())
            .await
            .expect("policy");
    }
    let owners = people(store, own.id, "own").await;
    let strangers = people(store, other.id, "other").await;
    let everything = owners.len() - 2;
    let mut own_devices = Devices(owners.iter().map(|_| (Uuid::now_v7(), 0)).collect());
    let mut other_devices = Devices(strangers.iter().map(|_| (Uuid::now_v7(), 0)).collect());

    // The account import: a step with roles in the policy.
    for (index, user) in owners.iter().enumerate() {
        let (client, seq) = own_devices.next(index);
        let outcome = store
            .push_command(
                user.id,
                client,
                &PushedCommand {
                    seq,
                    command: SyncCommand::ImportAccounts {
                        accounts: vec![draft(&format!("A-{index}"), "Acme Ltd")],
                    },
                    decided_at: now(),
                },
                now(),
            )
            .await
            .expect("answered");
        let refused = may_take(&actor(user), Step::ImportAccounts, &policy).err();
        match (&refused, &outcome) {
            // A user with no role at all is told so in the import's own words.
            (Some(_), CommandOutcome::Rejected { .. }) if user.roles.is_empty() => {}
            (Some(error), CommandOutcome::Rejected { rejection }) => {
                assert_eq!(rejection.message, error.to_string(), "{}", user.name);
            }
            (None, CommandOutcome::Applied) => {}
            _ => panic!(
                "import by {:?}: {outcome:?}, the policy says {refused:?}",
                user.roles
            ),
        }
    }
    let account = holdfast_core::account::account_id("A-0");

    // One case, received by the user with every role; then every command by every user.
    let case_id = Uuid::now_v7();
    let (client, seq) = own_devices.next(everything);
    let received = store
        .push_command(
            owners[everything].id,
            client,
            &case_command(seq, case_id, 0, receive(case_id, account)),
            now(),
        )
        .await
        .expect("answered");
    assert_eq!(received, CommandOutcome::Applied);

    for (command, step) in every_command() {
        for (index, user) in owners.iter().enumerate() {
            let base = case_version(store, own.id, case_id).await;
            let (client, seq) = own_devices.next(index);
            let outcome = store
                .push_command(
                    user.id,
                    client,
                    &case_command(seq, case_id, base, command.clone()),
                    now(),
                )
                .await
                .expect("answered");
            let refused = step.and_then(|step| may_take(&actor(user), step, &policy).err());
            match &refused {
                // The policy refuses this role: the server refuses with the policy's words.
                Some(error) => assert_eq!(
                    outcome,
                    CommandOutcome::Rejected {
                        rejection: error.into()
                    },
                    "{} by {:?}",
                    command.verb(),
                    user.roles
                ),
                // The policy lets this role take the step: whatever the answer (applied, a gate,
                // a state that does not allow it), it is not a role's refusal.
                None => {
                    if let CommandOutcome::Rejected { rejection } = &outcome {
                        assert!(
                            !role_refusals(&policy, step).contains(&rejection.message),
                            "{} by {:?} was refused for the role: {}",
                            command.verb(),
                            user.roles,
                            rejection.message
                        );
                    }
                }
            }
        }

        // Another organisation's users reach nothing of this one, whatever their roles.
        let before = log_len(store, own.id).await;
        for (index, user) in strangers.iter().enumerate() {
            let (client, seq) = other_devices.next(index);
            let base = case_version(store, own.id, case_id).await;
            let outcome = store
                .push_command(
                    user.id,
                    client,
                    &case_command(seq, case_id, base, command.clone()),
                    now(),
                )
                .await
                .expect("answered");
            assert_ne!(
                outcome,
                CommandOutcome::Applied,
                "{} by another organisation's {:?} was applied",
                command.verb(),
                user.roles
            );
        }
        assert_eq!(before, log_len(store, own.id).await, "{}", command.verb());
    }

    // A deactivated user of any role pushes nothing at all.
    let before = log_len(store, own.id).await;
    for (index, user) in owners.iter().enumerate() {
        store
            .set_user_active(user.id, false)
            .await
            .expect("deactivated");
        for (command, _) in every_command() {
            let (client, seq) = own_devices.next(index);
            let base = case_version(store, own.id, case_id).await;
            let result = store
                .push_command(
                    user.id,
                    client,
                    &case_command(seq, case_id, base, command.clone()),
                    now(),
                )
                .await;
            assert!(
                matches!(result, Err(ServerError::Inactive(_))),
                "{} by deactivated {:?}: {result:?}",
                command.verb(),
                user.roles
            );
        }
    }
    assert_eq!(before, log_len(store, own.id).await);
}

/// Every refusal the policy gives some role for `step`, in its words.
fn role_refusals(policy: &holdfast_core::policy::Policy, step: Option<Step>) -> Vec<String> {
    let Some(step) = step else {
        return Vec::new();
    };
    Role::ALL
        .iter()
        .filter_map(|role| {
            may_take(
                &Actor {
                    user_id: "anyone".into(),
                    roles: vec![*role],
                    active: true,
                },
                step,
                policy,
            )
            .err()
            .map(|error| error.to_string())
        })
        .collect()
}
