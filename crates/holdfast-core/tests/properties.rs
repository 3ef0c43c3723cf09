//! Properties of the case engine: random sequences of commands from random people (random roles,
//! sometimes deactivated) against the test procedure, with the rules that must hold after every
//! step, whatever was accepted or refused.

mod common;

use std::collections::BTreeMap;

use common::{test_account, usd, TEST_POLICY};
use holdfast_core::account::PreferredChannel;
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{
    parse_policy, AcknowledgeChannel, ChecklistWhen, Policy, VerificationMethod,
};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    decide, evolve, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState, CodeKey, OfferProposal,
    OneTimeCode, RefundStatus,
};
use jiff::civil::{date, Date};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use uuid::Uuid;

const USERS: [&str; 4] = ["ana", "bea", "carl", "dee"];
const ROLES: [Role; 6] = [
    Role::AccountManager,
    Role::Csm,
    Role::Manager,
    Role::Billing,
    Role::Sales,
    Role::Admin,
];

fn actor() -> impl Strategy<Value = Actor> {
    (
        select(USERS.to_vec()),
        subsequence(ROLES.to_vec(), 0..=4),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(user, roles, active)| Actor {
            user_id: user.into(),
            roles,
            active,
        })
}

/// Which command to build; repeated kinds are tried more often. Commands that close a case
/// (failed verification, a retained customer, an accepted offer, a withdrawal) are rarer, so
/// that sequences get far enough to finalize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Receive,
    Acknowledge,
    VerifyIdentity,
    SendCode,
    EnterCode,
    FailVerification,
    SendForm,
    RemindForm,
    ReceiveForm,
    CaptureReason,
    Route,
    Escalate,
    CsmNotRetained,
    CsmRetained,
    ProposeOffer,
    ApproveOffer,
    AcceptOffer,
    DeclineOffer,
    LogRequest,
    WriteOff,
    RequestRefund,
    VerifyRefund,
    CompleteRefund,
    DenyRefund,
    Finalize,
    Confirm,
    Feedback,
    WinBack,
    Withdraw,
    AddNote,
    RecordMessage,
    ConfirmChecklistItem,
}

fn kinds() -> Vec<Kind> {
    use Kind::*;
    let weighted = [
        (Receive, 1),
        (Acknowledge, 1),
        (VerifyIdentity, 3),
        (SendCode, 2),
        (EnterCode, 3),
        (FailVerification, 1),
        (SendForm, 3),
        (RemindForm, 1),
        (ReceiveForm, 3),
        (CaptureReason, 1),
        (Route, 1),
        (Escalate, 3),
        (CsmNotRetained, 4),
        (CsmRetained, 1),
        (ProposeOffer, 2),
        (ApproveOffer, 2),
        (AcceptOffer, 1),
        (DeclineOffer, 2),
        (LogRequest, 1),
        (WriteOff, 3),
        (RequestRefund, 4),
        (VerifyRefund, 4),
        (CompleteRefund, 4),
        (DenyRefund, 2),
        (Finalize, 5),
        (Confirm, 2),
        (Feedback, 2),
        (WinBack, 2),
        (Withdraw, 1),
        (AddNote, 2),
        (RecordMessage, 1),
        (ConfirmChecklistItem, 3),
    ];
    let closes = [FailVerification, CsmRetained, AcceptOffer, Withdraw];
    weighted
        .into_iter()
        .flat_map(|(kind, weight)| {
            let weight = if closes.contains(&kind) {
                weight
            } else {
                weight * 3
            };
            std::iter::repeat_n(kind, weight)
        })
        .collect()
}

/// The parameters a command may draw on, from small pools so that ids and contacts meet.
#[derive(Debug, Clone)]
struct Params {
    refund: u128,
    amount: Money,
    flag: bool,
    code: &'static str,
    contact: &'static str,
    offer: (&'static str, OfferProposal),
    channel: PreferredChannel,
    text: &'static str,
    effective: Date,
    method: VerificationMethod,
    /// Picks among the guided steps (0-9).
    pick: u8,
}

fn amount() -> impl Strategy<Value = Money> {
    let minor = prop_oneof![
        select(vec![
            -100,
            0,
            1,
            99_999,
            100_000,
            100_001,
            i64::MAX - 1,
            i64::MAX
        ]),
        1i64..300_000,
    ];
    (minor, prop::bool::weighted(0.95)).prop_map(|(minor, in_usd)| {
        if in_usd {
            usd(minor)
        } else {
            Money::new(minor, Currency::parse("EUR").unwrap())
        }
    })
}

fn offer() -> impl Strategy<Value = (&'static str, OfferProposal)> {
    (
        select(vec!["discount", "credit", "unknown"]),
        select(vec![None, Some(10), Some(25)]),
        select(vec![None, Some(3), Some(6)]),
        select(vec![None, Some(usd(10_000)), Some(usd(90_000))]),
    )
        .prop_map(|(id, percent, months, amount)| {
            (
                id,
                OfferProposal {
                    percent,
                    months,
                    amount,
                    note: String::new(),
                },
            )
        })
}

fn params() -> impl Strategy<Value = Params> {
    (
        1u128..=3,
        amount(),
        any::<bool>(),
        select(vec!["111111", "222222"]),
        select(vec!["ana@acme.io", "+1 555 010 2030", "eve@example.com"]),
        offer(),
        select(PreferredChannel::ALL.to_vec()),
        select(vec!["", "Customer gave a reason"]),
        select(vec![
            date(2026, 11, 23),
            date(2026, 11, 30),
            date(2026, 12, 16),
            date(2027, 1, 31),
        ]),
        select(vec![
            VerificationMethod::EmailOnFile,
            VerificationMethod::CallbackToPhoneOnFile,
            VerificationMethod::SecurityQuestion,
            VerificationMethod::OneTimeCode,
        ]),
        0u8..10,
    )
        .prop_map(
            |(
                refund,
                amount,
                flag,
                code,
                contact,
                offer,
                channel,
                text,
                effective,
                method,
                pick,
            )| {
                Params {
                    pick,
                    refund,
                    amount,
                    flag,
                    code,
                    contact,
                    offer,
                    channel,
                    text,
                    effective,
                    method,
                }
            },
        )
}

fn command(kind: Kind, p: &Params) -> CaseCommand {
    let refund_id = Uuid::from_u128(p.refund);
    match kind {
        Kind::Receive => receive(),
        Kind::Acknowledge => CaseCommand::Acknowledge {
            channel: if p.flag {
                AcknowledgeChannel::Call
            } else {
                AcknowledgeChannel::Message
            },
            note: p.text.into(),
        },
        Kind::VerifyIdentity => CaseCommand::VerifyIdentity {
            method: p.method,
            contact_used: Some(p.contact.into()),
            evidence: p.text.into(),
        },
        Kind::SendCode => CaseCommand::SendOneTimeCode {
            code: OneTimeCode::typed(p.code),
            contact: p.contact.into(),
        },
        Kind::EnterCode => CaseCommand::EnterOneTimeCode {
            code: OneTimeCode::typed(p.code),
        },
        Kind::FailVerification => CaseCommand::FailVerification {
            note: p.text.into(),
        },
        Kind::SendForm => CaseCommand::SendForm {
            how: "e-mail".into(),
        },
        Kind::RemindForm => CaseCommand::RemindForm,
        Kind::ReceiveForm => {
            let mut fields = BTreeMap::from([("reason".to_string(), "Too expensive".to_string())]);
            if p.flag {
                fields.insert("signature".into(), "A. Silva".into());
            }
            CaseCommand::ReceiveForm { fields }
        }
        Kind::CaptureReason => CaseCommand::CaptureReason {
            reason_id: if p.flag { "cost" } else { "weather" }.into(),
            details: p.text.into(),
            pain_points: vec![],
        },
        Kind::Route => CaseCommand::Route,
        Kind::Escalate => CaseCommand::Escalate {
            csm: if p.flag { "Carla" } else { " " }.into(),
            note: String::new(),
        },
        Kind::CsmNotRetained | Kind::CsmRetained => CaseCommand::RecordCsmOutcome {
            retained: kind == Kind::CsmRetained,
            note: p.text.into(),
        },
        Kind::ProposeOffer => CaseCommand::ProposeOffer {
            offer_id: p.offer.0.into(),
            terms: p.offer.1.clone(),
        },
        Kind::ApproveOffer => CaseCommand::ApproveOffer,
        Kind::AcceptOffer => CaseCommand::AcceptOffer,
        Kind::DeclineOffer => CaseCommand::DeclineOffer,
        Kind::LogRequest => CaseCommand::LogRequest,
        Kind::WriteOff => CaseCommand::WriteOffInvoices {
            amount: p.amount,
            invoices: p.refund as u32 - 1,
        },
        Kind::RequestRefund => CaseCommand::RequestRefund {
            refund_id,
            amount: p.amount,
            justification: p.text.into(),
            charged_on: None,
        },
        Kind::VerifyRefund => CaseCommand::VerifyRefund { refund_id },
        Kind::CompleteRefund => CaseCommand::CompleteRefund { refund_id },
        Kind::DenyRefund => CaseCommand::DenyRefund {
            refund_id,
            reason: p.text.into(),
        },
        Kind::Finalize => CaseCommand::Finalize {
            effective_date: p.effective,
            data_export_offered: p.flag,
        },
        Kind::Confirm => CaseCommand::ConfirmCancellation { channel: p.channel },
        Kind::Feedback => CaseCommand::RecordFeedback {
            text: p.text.into(),
            survey_link: p.flag.then(|| "https://survey.example.com/general".into()),
        },
        Kind::WinBack => CaseCommand::ScheduleWinBack,
        Kind::Withdraw => CaseCommand::Withdraw {
            note: p.text.into(),
        },
        Kind::AddNote => CaseCommand::AddNote {
            text: p.text.into(),
        },
        Kind::RecordMessage => CaseCommand::RecordMessage {
            kind: holdfast_core::policy::MessageKind::Confirmation,
            channel: p.channel,
            body: p.text.into(),
            email: None,
        },
        Kind::ConfirmChecklistItem => CaseCommand::ConfirmChecklistItem {
            item_id: [
                "data_export_offered",
                "account_closed",
                "crm_updated",
                "unknown",
            ][usize::from(p.pick % 4)]
            .into(),
            note: p.text.into(),
        },
    }
}

fn receive() -> CaseCommand {
    CaseCommand::Receive {
        case_id: Uuid::from_u128(42),
        account_id: Uuid::from_u128(7),
        channel: RequestChannel::Email,
        requester_name: "Ana Silva".into(),
        requester_contact: "ana@acme.io".into(),
        received_at: None,
    }
}

fn account() -> impl Strategy<Value = AccountFacts> {
    (
        0u32..=2,
        select(vec![
            None,
            Some(PreferredChannel::Email),
            Some(PreferredChannel::Phone),
        ]),
        any::<bool>(),
    )
        .prop_map(|(unpaid_invoices, preferred_channel, priced)| {
            let mut facts = test_account();
            facts.unpaid_invoices = unpaid_invoices;
            facts.preferred_channel = preferred_channel;
            if !priced {
                facts.plan_price = None;
            }
            facts
        })
}

/// One step: who, what, how many minutes after the previous step, and whether it is guided.
fn step() -> impl Strategy<Value = Step> {
    (
        actor(),
        select(kinds()),
        params(),
        0i64..=6,
        prop::bool::weighted(0.5),
    )
        .prop_map(|(actor, kind, params, minutes, guided)| Step {
            actor,
            kind,
            params,
            minutes,
            guided,
        })
}

#[derive(Debug, Clone)]
struct Step {
    actor: Actor,
    kind: Kind,
    params: Params,
    minutes: i64,
    /// Take the procedure's next step instead, with a role that may take it (the user, and
    /// whether they are active, stay random): random commands alone seldom get a case far
    /// enough to be finalized, saved, or to have a refund verified.
    guided: bool,
}

fn with_role(actor: &Actor, role: Role) -> Actor {
    Actor {
        roles: vec![role],
        ..actor.clone()
    }
}

/// The procedure's next step for `state`, as the step's user with the role it needs.
fn guided(
    state: &CaseState,
    account: &AccountFacts,
    step: &Step,
    now: Timestamp,
) -> (Actor, CaseCommand) {
    let p = &step.params;
    let as_role = |role| with_role(&step.actor, role);
    let refund_id = Uuid::from_u128(p.refund);
    let unconfirmed = |when: ChecklistWhen| {
        step_policy()
            .finalization
            .checklist
            .iter()
            .find(|item| {
                item.when == when
                    && item.step.is_none()
                    && !state.checklist_confirmed.contains_key(&item.id)
            })
            .map(|item| CaseCommand::ConfirmChecklistItem {
                item_id: item.id.clone(),
                note: String::new(),
            })
    };
    if state.status == CaseStatus::Cancelled {
        let command = if let Some(confirm) = unconfirmed(ChecklistWhen::After).filter(|_| p.flag) {
            confirm
        } else if state.confirmed_on.is_none() {
            CaseCommand::ConfirmCancellation {
                channel: account.preferred_channel.unwrap_or(p.channel),
            }
        } else if !state.feedback_recorded {
            CaseCommand::RecordFeedback {
                text: "Too expensive".into(),
                survey_link: None,
            }
        } else {
            CaseCommand::ScheduleWinBack
        };
        return (as_role(Role::AccountManager), command);
    }
    if !state.identity_verified {
        let code_usable = state
            .one_time_code
            .as_ref()
            .is_some_and(|code| !code.locked && code.expires_at > now);
        let command = match (p.flag, code_usable) {
            (false, _) => CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("ana@acme.io".into()),
                evidence: "Replied from the address on file".into(),
            },
            (true, false) => CaseCommand::SendOneTimeCode {
                code: OneTimeCode::typed(p.code),
                contact: p.contact.into(),
            },
            (true, true) => CaseCommand::EnterOneTimeCode {
                code: OneTimeCode::typed(p.code),
            },
        };
        return (as_role(Role::AccountManager), command);
    }
    if let Some(offer) = &state.pending_offer {
        return if offer.needs_approval && !offer.approved {
            (as_role(Role::Manager), CaseCommand::ApproveOffer)
        } else if p.pick <= 2 {
            (as_role(Role::AccountManager), CaseCommand::AcceptOffer)
        } else {
            (as_role(Role::AccountManager), CaseCommand::DeclineOffer)
        };
    }
    if let Some(refund) = state.open_refunds().next() {
        let refund_id = refund.refund_id;
        let command = match (refund.status, p.flag) {
            (_, false) if p.refund == 3 => CaseCommand::DenyRefund {
                refund_id,
                reason: "Outside the window".into(),
            },
            (RefundStatus::UnderReview, _) => CaseCommand::VerifyRefund { refund_id },
            _ => CaseCommand::CompleteRefund { refund_id },
        };
        return (as_role(Role::Billing), command);
    }
    match p.pick {
        0..=2 => {
            return (
                as_role(Role::AccountManager),
                CaseCommand::RequestRefund {
                    refund_id,
                    amount: p.amount,
                    justification: "Charged twice".into(),
                    charged_on: None,
                },
            )
        }
        3 => {
            return (
                as_role(Role::AccountManager),
                CaseCommand::ProposeOffer {
                    offer_id: p.offer.0.into(),
                    terms: p.offer.1.clone(),
                },
            )
        }
        _ => {}
    }
    let next = if !state.form_sent {
        CaseCommand::SendForm {
            how: "e-mail".into(),
        }
    } else if !state.form_received {
        CaseCommand::ReceiveForm {
            fields: BTreeMap::from([
                ("reason".into(), "Too expensive".into()),
                ("signature".into(), "A. Silva".into()),
            ]),
        }
    } else if state.escalated_to.is_none() {
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: String::new(),
        }
    } else if !state.csm_engaged {
        return (
            as_role(Role::Csm),
            CaseCommand::RecordCsmOutcome {
                retained: p.pick == 0,
                note: "The CSM called the customer".into(),
            },
        );
    } else if state.invoices_written_off < account.unpaid_invoices {
        CaseCommand::WriteOffInvoices {
            amount: usd(5_000),
            invoices: account.unpaid_invoices - state.invoices_written_off,
        }
    } else if let Some(confirm) = unconfirmed(ChecklistWhen::Before) {
        confirm
    } else {
        return (
            as_role(Role::Manager),
            CaseCommand::Finalize {
                effective_date: p.effective,
                data_export_offered: p.flag,
            },
        );
    };
    (as_role(Role::AccountManager), next)
}

/// The test procedure with a finalization checklist: two items a person confirms before the
/// finalization, one after.
fn step_policy() -> Policy {
    let source = format!(
        r#"{TEST_POLICY}
[finalization]

[[finalization.checklist]]
id = "data_export_offered"
label = "Data export offered"
when = "before"

[[finalization.checklist]]
id = "account_closed"
label = "Account closed"
when = "before"

[[finalization.checklist]]
id = "crm_updated"
label = "CRM updated"
when = "after"
"#
    );
    parse_policy(&source).expect("the test policy with a checklist parses")
}

/// Nothing in the finalization record that no one confirmed: every item before the
/// finalization was confirmed by a named user before the `Finalized` event.
fn checklist_confirmed_before_finalization(
    events: &[CaseEvent],
    policy: &Policy,
) -> Result<(), String> {
    let Some(finalized_at) = events
        .iter()
        .position(|event| matches!(event, CaseEvent::Finalized { .. }))
    else {
        return Ok(());
    };
    for item in &policy.finalization.checklist {
        if item.when != ChecklistWhen::Before || item.step.is_some() {
            continue;
        }
        let confirmed = events[..finalized_at].iter().any(|event| {
            matches!(event, CaseEvent::ChecklistItemConfirmed { item_id, by, .. }
                if *item_id == item.id && !by.trim().is_empty())
        });
        if !confirmed {
            return Err(format!("finalized without \"{}\" confirmed", item.label));
        }
    }
    Ok(())
}

fn same_user(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn retention_commands() -> [CaseCommand; 4] {
    [
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(10),
                months: Some(3),
                ..Default::default()
            },
        },
        CaseCommand::ApproveOffer,
        CaseCommand::AcceptOffer,
        CaseCommand::DeclineOffer,
    ]
}

fn is_retention(command: &CaseCommand) -> bool {
    matches!(
        command,
        CaseCommand::ProposeOffer { .. }
            | CaseCommand::ApproveOffer
            | CaseCommand::AcceptOffer
            | CaseCommand::DeclineOffer
    )
}

/// Every gate the policy puts before finalization holds on `state`.
fn gates_hold(state: &CaseState, policy: &Policy, account: &AccountFacts) -> Result<(), String> {
    let gates = policy.gates;
    let checks = [
        (
            !gates.identity_before_changes || state.identity_verified,
            "identity verified",
        ),
        (
            !gates.form_before_finalization || state.form_received,
            "form received",
        ),
        (
            !gates.csm_escalation_before_finalization || state.csm_engaged,
            "CSM engaged",
        ),
        (
            !gates.invoices_written_off_before_finalization
                || state.invoices_written_off >= account.unpaid_invoices,
            "invoices written off",
        ),
        (
            !gates.logged_before_finalization || state.logged,
            "request logged",
        ),
        (state.pending_offer.is_none(), "no pending offer"),
        (state.open_refunds().next().is_none(), "no open refund"),
    ];
    match checks.iter().find(|(held, _)| !held) {
        Some((_, gate)) => Err(format!("cancelled without: {gate}")),
        None => Ok(()),
    }
}

/// The rules that hold after every step.
fn check_invariants(
    state: &CaseState,
    events: &[CaseEvent],
    policy: &Policy,
    account: &AccountFacts,
    now: Timestamp,
) -> Result<(), TestCaseError> {
    // The state is what the events say.
    let folded = events.iter().fold(None, evolve);
    prop_assert_eq!(
        folded.as_ref(),
        Some(state),
        "folding the events from scratch"
    );
    prop_assert_eq!(state.version, events.len() as u64);

    if state.status == CaseStatus::Cancelled {
        gates_hold(state, policy, account).map_err(TestCaseError::fail)?;
        prop_assert!(state.finalization.is_some());
    }
    checklist_confirmed_before_finalization(events, policy).map_err(TestCaseError::fail)?;
    for event in events {
        match event {
            // No confirmation without an actor.
            CaseEvent::ChecklistItemConfirmed { by, item_id, .. } => {
                prop_assert!(!by.trim().is_empty());
                prop_assert!(policy.checklist_item(item_id).is_some());
            }
            // The finalization records no step nobody took.
            CaseEvent::Finalized {
                effective_date,
                billing_cessation_date,
                data_export_offered,
                api_access_revoked,
                ..
            } => {
                prop_assert!(billing_cessation_date.is_none());
                prop_assert!(!data_export_offered && !api_access_revoked);
                // Never before the request was received.
                let received = state
                    .received_at
                    .to_zoned(policy.sla.calendar.zone.clone())
                    .date();
                prop_assert!(*effective_date >= received);
            }
            _ => {}
        }
    }

    // A saved or cancelled case accepts no retention command, from anyone.
    if matches!(state.status, CaseStatus::Saved | CaseStatus::Cancelled) {
        let everyone = Actor {
            user_id: "root".into(),
            roles: ROLES.to_vec(),
            active: true,
        };
        for command in retention_commands() {
            let decided = decide(Some(state), &command, &everyone, policy, account, now);
            prop_assert!(
                decided.is_err(),
                "{:?} accepted {:?}",
                state.status,
                command
            );
        }
    }

    // An above-threshold refund is completed only after someone other than its requester
    // verified it: in the state, and in the order of the events.
    for refund in state.refunds.values() {
        if refund.under_review
            && matches!(
                refund.status,
                RefundStatus::BillingInProgress | RefundStatus::Completed
            )
        {
            let verifier = refund.verified_by.as_deref().unwrap_or("");
            prop_assert!(refund.verified_by.is_some());
            prop_assert!(!same_user(verifier, &refund.requested_by));
        }
    }
    for (at, event) in events.iter().enumerate() {
        let CaseEvent::RefundCompleted { refund_id, .. } = event else {
            continue;
        };
        let before = &events[..at];
        let requested = before.iter().find_map(|event| match event {
            CaseEvent::RefundRequested {
                refund_id: id,
                under_review,
                requested_by,
                ..
            } if id == refund_id => Some((*under_review, requested_by.clone())),
            _ => None,
        });
        let Some((under_review, requested_by)) = requested else {
            return Err(TestCaseError::fail("a refund completed without a request"));
        };
        if under_review {
            let verified = before.iter().any(|event| {
                matches!(event, CaseEvent::RefundVerified { refund_id: id, verified_by, .. }
                    if id == refund_id && !same_user(verified_by, &requested_by))
            });
            prop_assert!(verified, "completed without a second person's verification");
        }
    }

    // The refunds total is the sum of the refunds not denied: never negative, never overflowing.
    let sum: i128 = state
        .refunds
        .values()
        .filter(|refund| refund.status != RefundStatus::Denied)
        .map(|refund| i128::from(refund.amount.minor))
        .sum();
    prop_assert!(state.refunds_total_minor >= 0);
    prop_assert!(sum <= i128::from(i64::MAX));
    prop_assert_eq!(i128::from(state.refunds_total_minor), sum);
    for refund in state.refunds.values() {
        prop_assert!(refund.amount.minor > 0);
        prop_assert_eq!(refund.amount.currency, policy.currency);
        // A refund under review says why, and one that is not gives no reason; billing hears of
        // every refund under review.
        prop_assert_eq!(refund.under_review, !refund.review_reasons.is_empty());
        prop_assert_eq!(refund.billing_heads_up, refund.under_review);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_rules_hold_after_every_step(
        account in account(),
        steps in prop::collection::vec(step(), 1..=30),
    ) {
        let policy = step_policy();
        let mut now = common::now();
        let opener = Actor {
            user_id: "ana".into(),
            roles: vec![Role::AccountManager],
            active: true,
        };
        let mut events = decide(None, &receive(), &opener, &policy, &account, now)
            .expect("the request is received");
        let mut state = events.iter().fold(None, evolve)
            .expect("the case exists");

        for step in &steps {
            now = now.checked_add(SignedDuration::from_mins(step.minutes)).unwrap();
            let (actor, command) = if step.guided {
                guided(&state, &account, step, now)
            } else {
                (step.actor.clone(), command(step.kind, &step.params))
            };
            let before = state.clone();
            // The decider seals typed one-time codes with its key, as the store and server do; a
            // code that does not seal is refused before the engine, changing nothing.
            let sealed = CodeKey::new("device", [42; 32]).seal(state.id, &command);
            if let Ok(decided) = sealed.and_then(|command| {
                decide(Some(&state), &command, &actor, &policy, &account, now)
            }) {
                prop_assert!(actor.active, "an inactive user's command was accepted");
                prop_assert!(
                    !(matches!(before.status, CaseStatus::Saved | CaseStatus::Cancelled)
                        && is_retention(&command)),
                    "a {:?} case accepted {:?}", before.status, command
                );
                if decided.iter().any(|event| matches!(event, CaseEvent::Finalized { .. })) {
                    // Every gate held at the moment of the decision.
                    gates_hold(&before, &policy, &account).map_err(TestCaseError::fail)?;
                    for item in &policy.finalization.checklist {
                        if item.when == ChecklistWhen::Before {
                            prop_assert!(
                                before.checklist_confirmed.get(&item.id).is_some_and(|done| !done.by.trim().is_empty()),
                                "finalized without {} confirmed", item.id
                            );
                        }
                    }
                }
                for event in &decided {
                    state = evolve(Some(state), event).expect("the case exists");
                }
                if matches!(command, CaseCommand::AddNote { .. }) {
                    // A note describes the case; it never moves it.
                    prop_assert_eq!(state.status, before.status);
                    prop_assert_eq!(state.version, before.version + 1);
                }
                if matches!(command, CaseCommand::RecordMessage { .. }) {
                    // A message never closes or reopens a case; it is at most the first response
                    // (which puts a received case in progress) or the confirmation.
                    let acknowledged = decided
                        .iter()
                        .any(|event| matches!(event, CaseEvent::Acknowledged { .. }));
                    if acknowledged && before.status == CaseStatus::Received {
                        prop_assert_eq!(state.status, CaseStatus::InProgress);
                    } else {
                        prop_assert_eq!(state.status, before.status);
                    }
                    prop_assert_eq!(state.version, before.version + decided.len() as u64);
                }
                events.extend(decided);
            }
            check_invariants(&state, &events, &policy, &account, now)?;
        }
    }
}

/// The 2017 SOP's retention gate and IntelliServe's approvals, for any account and any people.
mod procedure_gates {
    use super::common::{person, Case};
    use holdfast_core::error::Gate;
    use holdfast_core::policy::{parse_policy, Route};
    use holdfast_core::role::Role;
    use holdfast_core::workflow::{AccountFacts, CaseCommand, OfferProposal, RepStatus};
    use holdfast_core::CoreError;
    use proptest::prelude::*;
    use proptest::sample::select;

    const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");
    const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");

    fn account(tier: &str, receivable_minor: i64) -> AccountFacts {
        AccountFacts {
            tier: tier.into(),
            email: Some("ana@acme.io".into()),
            accounts_receivable: Some(super::usd(receivable_minor)),
            original_sales_rep: Some("Rob".into()),
            original_sales_rep_status: RepStatus::Active,
            ..AccountFacts::default()
        }
    }

    proptest! {
        /// Whatever the account and whoever finalizes, a 2017 case routed anywhere but to the
        /// sympathetic reply is never finalized before its retention outcome is recorded.
        #[test]
        fn no_finalization_without_the_retention_gate(
            tier in select(vec!["Essentials", "Professional", "Professional 2A", "SMB", "Enterprise", "Unknown"]),
            receivable in 0i64..300_000,
            routed in any::<bool>(),
        ) {
            let mut case = Case::verified(parse_policy(ACCOUNT_2017).unwrap(), account(tier, receivable));
            let manager = person("maya", &[Role::Manager]);
            if routed {
                case.ok(&manager, CaseCommand::Route);
            }
            // The billing system's account closure is the checklist's, not the gate's.
            case.confirm_checklist_before(&manager);
            let finalized = case.run(&manager, CaseCommand::Finalize {
                effective_date: jiff::civil::date(2026, 12, 31),
                data_export_offered: false,
            });
            if case.state().route == Some(Route::SympatheticReply) {
                prop_assert!(finalized.is_ok());
            } else {
                prop_assert_eq!(finalized, Err(CoreError::GateNotMet { gate: Gate::RetentionAttempted }));
            }
        }

        /// An offer outside the limits is never approved by whoever proposed it, however their
        /// name is written.
        #[test]
        fn no_out_of_policy_offer_approved_by_its_proposer(
            percent in 21u32..=100,
            months in 1u32..=12,
            name in "[a-z]{1,8}",
            shout in any::<bool>(),
        ) {
            let mut case = Case::verified(parse_policy(INTELLISERVE).unwrap(), account("Starter", 0));
            let proposer = person(&name, &[Role::Manager]);
            case.ok(&proposer, CaseCommand::ProposeOffer {
                offer_id: "discount".into(),
                terms: OfferProposal { percent: Some(percent), months: Some(months), ..OfferProposal::default() },
            });
            let written = if shout { format!(" {} ", name.to_uppercase()) } else { name.clone() };
            prop_assert_eq!(
                case.run(&person(&written, &[Role::Manager]), CaseCommand::ApproveOffer),
                Err(CoreError::GateNotMet { gate: Gate::SecondApprover })
            );
            prop_assert!(case.state().pending_offer.as_ref().is_some_and(|offer| !offer.approved));
        }
    }
}
