//! Every path of each procedure, on its real preset: the save, the escalation to a CSM, refunds at
//! and over the threshold, the rep who left, the unpaid invoice, the wrong role, the missing form,
//! the failed verification and the happy cancellation, each with the exact events and errors a
//! user meets.
//!
//! Situations that do not apply to a preset, and why they are left out:
//!
//! - Escalation to a CSM: account-cancellation-2017, billsbee, intelliserve and
//!   kodif-order-cancellation. None of their procedures has a customer success manager: the 2017
//!   SOP saves customers through the sales rep's call, Billsbee through managers, IntelliServe
//!   through account managers and senior management (8.1), and Kodif's hand-off "to an agent" is
//!   no separate step in Holdfast (its header says so). Only WootRecruit escalates to a CSM.
//! - A refund at or under the threshold: billsbee, kodif-order-cancellation and wootrecruit. Their
//!   threshold is 0.00 USD and a refund must be more than zero, so every refund is over it; their
//!   refund tests show instead that a refund of 0.00 is refused and the smallest one is reviewed.
//! - The rep who left: billsbee (every case goes to manager retention), intelliserve,
//!   kodif-order-cancellation and wootrecruit (every case goes on to the offers). None routes save
//!   calls, so none has a sales rep to fall back from.
//! - The unpaid invoice written off before finalization: account-cancellation-2017, intelliserve,
//!   kodif-order-cancellation and wootrecruit. Only Billsbee has that gate.
//! - The missing form: account-cancellation-2017, billsbee, intelliserve and
//!   kodif-order-cancellation. Only WootRecruit has a cancellation request form.
//! - The wrong role, in kodif-order-cancellation: the preset restricts no step ("anyone with a role
//!   may"), so the only wrong role is none at all; that is what its test walks.
//! - The save, in account-cancellation-2017 and billsbee: neither has offers nor a CSM, so the save
//!   is the sales rep's call (2017) or the manager's retention talk (Billsbee). The engine records
//!   no outcome for either; the customer who stays withdraws the request, and that is the path
//!   their tests walk.

mod common;

use std::collections::BTreeMap;

use common::{confirmation_message, confirmation_sent, now, person, usd, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::error::Gate;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{
    parse_policy, AcknowledgeChannel, MessageKind, Policy, Route, Step, VerificationMethod,
};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    AccountFacts, Actor, CaseCommand, CaseEvent, Finalization, OfferProposal, OneTimeCode,
    RefundReviewReason, RefundStatus, RepStatus,
};
use holdfast_core::CoreError;
use jiff::civil::{date, Date};
use jiff::Timestamp;
use uuid::Uuid;

const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");
const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

fn preset(source: &str) -> Policy {
    parse_policy(source).expect("the preset parses")
}

// ---------------------------------------------------------------------------------------------
// The people of the cases.

/// An account manager: takes requests, verifies, routes, escalates, requests refunds.
fn sam() -> Actor {
    person("sam", &[Role::AccountManager])
}

fn maya() -> Actor {
    person("maya", &[Role::Manager])
}

fn mo() -> Actor {
    person("mo", &[Role::Manager])
}

fn heather() -> Actor {
    person("heather", &[Role::Billing])
}

fn hank() -> Actor {
    person("hank", &[Role::Billing])
}

fn carla() -> Actor {
    person("carla", &[Role::Csm])
}

// ---------------------------------------------------------------------------------------------
// The account, the case and the commands and events every path shares.

/// Ana's account: reachable by e-mail and phone, preferring e-mail, her rep Rob still here,
/// nothing owed, on a 310.00 USD plan billed for December 2026.
fn facts(tier: &str) -> AccountFacts {
    AccountFacts {
        tier: tier.into(),
        email: Some("ana@acme.io".into()),
        phone: Some("+1 555 010 2030".into()),
        accounts_receivable: Some(usd(0)),
        hosting_server: None,
        original_sales_rep: Some("Rob Reyes".into()),
        original_sales_rep_status: RepStatus::Active,
        unpaid_invoices: 0,
        offers_granted: Vec::new(),
        preferred_channel: Some(PreferredChannel::Email),
        plan_price: Some(usd(31_000)),
        billing_period_start: Some(date(2026, 12, 1)),
        billing_period_end: Some(date(2027, 1, 1)),
        account_name: Some("Acme Inc".into()),
        contact_name: Some("Ana Silva".into()),
        total_collected: Some(usd(1_240_000)),
        customer_since: Some(jiff::civil::date(2024, 3, 5)),
        ..AccountFacts::default()
    }
}

fn case_id() -> Uuid {
    Uuid::from_u128(0xCA5E)
}

fn account_id() -> Uuid {
    Uuid::from_u128(0xACC0)
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn receive() -> CaseCommand {
    CaseCommand::Receive {
        case_id: case_id(),
        account_id: account_id(),
        channel: RequestChannel::Email,
        requester_name: "Ana Silva".into(),
        requester_contact: "ana@acme.io".into(),
        received_at: None,
    }
}

/// What receiving the request at `now()` (Tuesday 10:00 in New York) records.
fn received(first_response_due: &str) -> CaseEvent {
    CaseEvent::Received {
        case_id: case_id(),
        account_id: account_id(),
        channel: RequestChannel::Email,
        requester_name: "Ana Silva".into(),
        requester_contact: "ana@acme.io".into(),
        received_at: now(),
        first_response_due: at(first_response_due),
    }
}

/// A case whose request Sam received at `now()`.
fn open(policy: Policy, facts: AccountFacts) -> Case {
    let mut case = Case::new(policy, facts);
    case.ok(&sam(), receive());
    case
}

fn verify_by_email() -> CaseCommand {
    CaseCommand::VerifyIdentity {
        method: VerificationMethod::EmailOnFile,
        contact_used: Some("ana@acme.io".into()),
        evidence: "Replied from the address on file".into(),
    }
}

/// A case received and whose requester replied from the e-mail address on file.
fn verified(policy: Policy, facts: AccountFacts) -> Case {
    let mut case = open(policy, facts);
    case.ok(&sam(), verify_by_email());
    case
}

fn finalize(effective: Date) -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: effective,
        data_export_offered: true,
    }
}

/// The finalization records the effective date and the prorated refund, and nothing that nobody
/// confirmed (no billing cessation date, data export or API access of its own).
fn finalized(effective: Date, prorated_refund: Option<Money>) -> CaseEvent {
    CaseEvent::Finalized {
        effective_date: effective,
        billing_cessation_date: None,
        prorated_refund,
        data_export_offered: false,
        api_access_revoked: false,
    }
}

/// The cancellation takes effect on December 16: 16 of December's 31 days are unused, so 310.00
/// × 16 / 31 = 160.00 is refunded.
fn december_16() -> Date {
    date(2026, 12, 16)
}

/// The charge the paths refund: November's, three weeks before the request (inside every
/// window).
fn charged_on() -> Date {
    date(2026, 11, 2)
}

fn refund(n: u128, minor: i64, justification: &str) -> CaseCommand {
    CaseCommand::RequestRefund {
        refund_id: id(n),
        amount: usd(minor),
        justification: justification.into(),
        charged_on: Some(charged_on()),
    }
}

fn refund_requested(
    n: u128,
    minor: i64,
    justification: &str,
    requested_by: &str,
    under_review: bool,
) -> CaseEvent {
    CaseEvent::RefundRequested {
        refund_id: id(n),
        amount: usd(minor),
        justification: justification.into(),
        requested_by: requested_by.into(),
        under_review,
        billing_heads_up: under_review,
        customer_notice: if under_review {
            MessageKind::UnderReview
        } else {
            MessageKind::RefundNotice
        },
        at: now(),
        charged_on: Some(charged_on()),
        review_reasons: if under_review {
            vec![RefundReviewReason::AboveThreshold]
        } else {
            vec![]
        },
    }
}

fn verify_refund(n: u128) -> CaseCommand {
    CaseCommand::VerifyRefund { refund_id: id(n) }
}

fn complete_refund(n: u128) -> CaseCommand {
    CaseCommand::CompleteRefund { refund_id: id(n) }
}

fn refund_verified(n: u128, by: &str) -> CaseEvent {
    CaseEvent::RefundVerified {
        refund_id: id(n),
        verified_by: by.into(),
        at: now(),
    }
}

fn refund_completed(n: u128, minor: i64, by: &str) -> CaseEvent {
    CaseEvent::RefundCompleted {
        refund_id: id(n),
        amount: usd(minor),
        completed_by: by.into(),
        at: now(),
        status_check_due: None,
    }
}

/// Completed under IntelliServe, which checks the refund's status 5 business days later: from
/// Tuesday 24 November 10:00 in New York, Tuesday 1 December at the same hour.
fn refund_completed_checked_later(n: u128, minor: i64, by: &str) -> CaseEvent {
    CaseEvent::RefundCompleted {
        refund_id: id(n),
        amount: usd(minor),
        completed_by: by.into(),
        at: now(),
        status_check_due: Some("2026-12-01T15:00:00Z".parse().unwrap()),
    }
}

fn gate(gate: Gate) -> CoreError {
    CoreError::GateNotMet { gate }
}

fn role_required(step: Step, needed: &[Role]) -> CoreError {
    CoreError::RoleRequired {
        step,
        needed: needed.to_vec(),
    }
}

fn transition(from: CaseStatus, command: &'static str) -> CoreError {
    CoreError::InvalidTransition { from, command }
}

fn escalate(csm: &str) -> CaseCommand {
    CaseCommand::Escalate {
        csm: csm.into(),
        note: "Still wants to cancel after the alternatives".into(),
    }
}

fn csm_outcome(retained: bool, note: &str) -> CaseCommand {
    CaseCommand::RecordCsmOutcome {
        retained,
        note: note.into(),
    }
}

fn propose(offer_id: &str, terms: OfferProposal) -> CaseCommand {
    CaseCommand::ProposeOffer {
        offer_id: offer_id.into(),
        terms,
    }
}

fn percent(percent: u32) -> OfferProposal {
    OfferProposal {
        percent: Some(percent),
        ..Default::default()
    }
}

fn confirm(channel: PreferredChannel) -> CaseCommand {
    CaseCommand::ConfirmCancellation { channel }
}

fn feedback(text: &str, survey_link: Option<&str>) -> CaseCommand {
    CaseCommand::RecordFeedback {
        text: text.into(),
        survey_link: survey_link.map(str::to_owned),
    }
}

fn feedback_recorded(text: &str, survey_link: Option<&str>) -> CaseEvent {
    CaseEvent::FeedbackRecorded {
        text: text.into(),
        survey_link: survey_link.map(str::to_owned),
        at: now(),
    }
}

fn no_win_back_schedule() -> CoreError {
    CoreError::invalid("win_back", "this policy has no win-back schedule")
}

/// The retention attempt the policy's gate waits for: its note says what was tried, or why no
/// offer was made.
fn retention_attempt(retained: bool, note: &str, mitigations: &[&str]) -> CaseCommand {
    CaseCommand::RecordRetentionOutcome {
        retained,
        note: note.into(),
        mitigations_tried: mitigations.iter().map(|m| m.to_string()).collect(),
    }
}

fn retention_recorded(retained: bool, note: &str, mitigations: &[&str]) -> CaseEvent {
    CaseEvent::RetentionOutcomeRecorded {
        retained,
        note: note.into(),
        mitigations_tried: mitigations.iter().map(|m| m.to_string()).collect(),
    }
}

fn capture_reason(reason_id: &str, details: &str) -> CaseCommand {
    CaseCommand::CaptureReason {
        reason_id: reason_id.into(),
        details: details.into(),
        pain_points: vec![],
    }
}

fn routed(route: Route, assignee: Option<&str>, survey_link: Option<&str>) -> CaseEvent {
    CaseEvent::Routed {
        route,
        assignee: assignee.map(str::to_owned),
        survey_link: survey_link.map(str::to_owned),
        assignee_role: None,
        save_call_due: None,
        save_call_phone: None,
        receivable_unknown: false,
    }
}

/// The 2017 preset's save call is due one business day after routing: from Tuesday 10:00 in New
/// York (`now`), Wednesday 10:00.
fn one_business_day_later() -> Timestamp {
    "2026-11-25T15:00:00Z".parse().unwrap()
}

/// A save call as routed: due and with the number to call.
fn save_call_routed(assignee: &str, due: Timestamp, phone: Option<&str>) -> CaseEvent {
    CaseEvent::Routed {
        route: Route::SaveCall,
        assignee: Some(assignee.into()),
        survey_link: None,
        assignee_role: None,
        save_call_due: Some(due),
        save_call_phone: phone.map(str::to_owned),
        receivable_unknown: false,
    }
}

fn not_in_catalogue() -> CoreError {
    CoreError::invalid("offer_id", "is not in the policy's offer catalogue")
}

fn fail_verification(note: &str) -> CaseCommand {
    CaseCommand::FailVerification { note: note.into() }
}

// =============================================================================================
// Account Cancellation and Refunds (2017).

fn account_2017() -> Policy {
    preset(ACCOUNT_2017)
}

#[test]
fn account_2017_save_call_to_the_rep_keeps_the_customer_who_withdraws() {
    // Professional 2A and higher: a task for the original sales rep to call and save the customer.
    let mut case = open(account_2017(), facts("Professional 2A"));
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![save_call_routed(
            "Rob Reyes",
            one_business_day_later(),
            Some("+1 555 010 2030")
        )]
    );
    assert_eq!(case.state().route, Some(Route::SaveCall));
    // The SOP has no offers of its own: saving the customer is the rep's call.
    assert_eq!(
        case.run(&sam(), propose("discount", percent(10))),
        Err(not_in_catalogue())
    );
    // Rob's call keeps the customer, who withdraws the request.
    let rob = person("rob", &[Role::Sales]);
    let note = "Rob's call kept them: they withdrew the request";
    assert_eq!(
        case.ok(&rob, CaseCommand::Withdraw { note: note.into() }),
        vec![CaseEvent::Withdrawn { note: note.into() }]
    );
    assert_eq!(case.state().status, CaseStatus::Withdrawn);
    // Nothing more happens to a withdrawn case.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(transition(CaseStatus::Withdrawn, "finalize"))
    );
    assert_eq!(
        case.run(&sam(), refund(1, 10_000, "Goodwill")),
        Err(transition(CaseStatus::Withdrawn, "request a refund on"))
    );
    assert_eq!(case.events.len(), 3);
}

#[test]
fn account_2017_refund_at_1000_goes_straight_to_billing() {
    let policy = account_2017();
    assert_eq!(policy.refunds.threshold, usd(100_000));
    let mut case = open(policy, facts("SMB"));
    // "$1000 or less": note the amount and why, tell the customer a credit will be processed, hand
    // it to Heather as "billing in progress".
    assert_eq!(
        case.ok(
            &sam(),
            refund(1, 100_000, "  Billed after the downgrade to Essentials ")
        ),
        vec![refund_requested(
            1,
            100_000,
            "Billed after the downgrade to Essentials",
            "sam",
            false
        )]
    );
    let refund_state = &case.state().refunds[&id(1)];
    assert_eq!(refund_state.status, RefundStatus::BillingInProgress);
    assert!(!refund_state.under_review);
    assert_eq!(
        case.run(&hank(), verify_refund(1)),
        Err(CoreError::invalid(
            "refund_id",
            "the refund is within the threshold and needs no verification"
        ))
    );
    // "Heather will issue the refund."
    assert_eq!(
        case.ok(&heather(), complete_refund(1)),
        vec![refund_completed(1, 100_000, "heather")]
    );
    assert_eq!(case.state().refunds[&id(1)].status, RefundStatus::Completed);
    assert_eq!(
        case.run(&heather(), complete_refund(1)),
        Err(CoreError::invalid(
            "refund_id",
            "the refund was already completed"
        ))
    );
    // The threshold applies to each request ("if the value or refund request is ... $1000 or
    // less"): a second, small refund on the same case goes to billing too.
    assert_eq!(
        case.ok(&sam(), refund(2, 1, "Rounding on the last invoice")),
        vec![refund_requested(
            2,
            1,
            "Rounding on the last invoice",
            "sam",
            false
        )]
    );
    assert_eq!(case.state().refunds_total_minor, 100_001);
}

#[test]
fn account_2017_refund_over_1000_is_verified_by_a_second_billing_person() {
    // The save call comes first, and the cancellation waits for a verified identity.
    let mut case = verified(account_2017(), facts("SMB"));
    case.ok(&sam(), CaseCommand::Route);
    let call = "Rob called; the customer still wants to cancel";
    case.ok(&sam(), retention_attempt(false, call, &[]));
    let why = "Annual prepayment, cancelled in month two";
    // Over $1000: the customer is told it is being reviewed; billing gets the notes and a heads-up.
    assert_eq!(
        case.ok(&heather(), refund(2, 100_001, why)),
        vec![refund_requested(2, 100_001, why, "heather", true)]
    );
    assert_eq!(
        case.state().refunds[&id(2)].status,
        RefundStatus::UnderReview
    );
    assert_eq!(
        case.run(&heather(), complete_refund(2)),
        Err(gate(Gate::RefundVerified))
    );
    assert_eq!(
        case.run(&heather(), verify_refund(2)),
        Err(gate(Gate::SecondVerifier))
    );
    // The same user written differently is not a second person.
    assert_eq!(
        case.run(&person(" HEATHER ", &[Role::Billing]), verify_refund(2)),
        Err(gate(Gate::SecondVerifier))
    );
    // Only billing reviews refunds in this SOP.
    assert_eq!(
        case.run(&sam(), verify_refund(2)),
        Err(role_required(Step::ApproveRefund, &[Role::Billing]))
    );
    // The cancellation waits for the open refund.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(CoreError::invalid(
            "refund_id",
            "a refund is still under review or with billing; complete or deny it first"
        ))
    );
    assert_eq!(
        case.ok(&hank(), verify_refund(2)),
        vec![refund_verified(2, "hank")]
    );
    assert_eq!(
        case.state().refunds[&id(2)].status,
        RefundStatus::BillingInProgress
    );
    assert_eq!(
        case.run(&hank(), verify_refund(2)),
        Err(CoreError::invalid(
            "refund_id",
            "the refund is already verified"
        ))
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(2)),
        vec![refund_completed(2, 100_001, "heather")]
    );
    let refund_state = &case.state().refunds[&id(2)];
    assert_eq!(refund_state.status, RefundStatus::Completed);
    assert_eq!(refund_state.verified_by.as_deref(), Some("hank"));
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
}

#[test]
fn account_2017_rep_who_left_hands_the_save_call_to_spencer() {
    let route = |facts: AccountFacts| {
        let mut case = open(account_2017(), facts);
        case.ok(&sam(), CaseCommand::Route)
    };
    let rep_left = |tier: &str, receivable_minor: i64| {
        let mut facts = facts(tier);
        facts.accounts_receivable = Some(usd(receivable_minor));
        facts.original_sales_rep_status = RepStatus::Left;
        facts
    };
    // Professional 2A and higher, whatever the receivable.
    assert_eq!(
        route(rep_left("Professional 2A", 0)),
        vec![save_call_routed(
            "Spencer",
            one_business_day_later(),
            Some("+1 555 010 2030")
        )]
    );
    assert_eq!(
        route(rep_left("Enterprise", 0)),
        vec![save_call_routed(
            "Spencer",
            one_business_day_later(),
            Some("+1 555 010 2030")
        )]
    );
    // Professional owing more than $1000.
    assert_eq!(
        route(rep_left("Professional", 100_001)),
        vec![save_call_routed(
            "Spencer",
            one_business_day_later(),
            Some("+1 555 010 2030")
        )]
    );
    // A rep who is not known at all is no better than one who left.
    let mut unknown_rep = facts("SMB");
    unknown_rep.original_sales_rep = None;
    assert_eq!(
        route(unknown_rep),
        vec![save_call_routed(
            "Spencer",
            one_business_day_later(),
            Some("+1 555 010 2030")
        )]
    );
    // Professional owing exactly $1000 gets the sympathetic reply, so nobody is assigned.
    assert_eq!(
        route(rep_left("Professional", 100_000)),
        vec![routed(
            Route::SympatheticReply,
            None,
            Some("https://example.com/exit-interview")
        )]
    );
}

#[test]
fn account_2017_only_billing_completes_a_refund() {
    let mut case = open(account_2017(), facts("SMB"));
    case.ok(&sam(), refund(3, 5_000, "Charged twice in November"));
    let billing_only = role_required(Step::CompleteRefund, &[Role::Billing]);
    assert_eq!(
        case.run(&sam(), complete_refund(3)),
        Err(billing_only.clone())
    );
    assert_eq!(
        billing_only.to_string(),
        "only billing staff may complete a refund"
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::DenyRefund {
                refund_id: id(3),
                reason: "Not entitled".into()
            }
        ),
        Err(role_required(Step::ApproveRefund, &[Role::Billing]))
    );
    // Neither a manager nor an administrator stands in for billing.
    assert_eq!(
        case.run(&maya(), complete_refund(3)),
        Err(billing_only.clone())
    );
    assert_eq!(
        case.run(&person("root", &[Role::Admin]), complete_refund(3)),
        Err(billing_only)
    );
    assert_eq!(
        case.state().refunds[&id(3)].status,
        RefundStatus::BillingInProgress
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(3)),
        vec![refund_completed(3, 5_000, "heather")]
    );
}

#[test]
fn account_2017_failed_verification_closes_the_case() {
    let mut case = open(account_2017(), facts("SMB"));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("ana.silva@gmail.com".into()),
                evidence: "Wrote from this address".into(),
            }
        ),
        Err(CoreError::invalid(
            "contact_used",
            "must be the contact on file, not one the requester gave"
        ))
    );
    let note = "No reply from the address on file";
    assert_eq!(
        case.ok(&sam(), fail_verification(note)),
        vec![CaseEvent::VerificationFailed { note: note.into() }]
    );
    assert_eq!(case.state().status, CaseStatus::VerificationFailed);
    let failed = CaseStatus::VerificationFailed;
    assert_eq!(
        case.run(&sam(), CaseCommand::Route),
        Err(transition(failed, "route"))
    );
    assert_eq!(
        case.run(&sam(), verify_by_email()),
        Err(transition(failed, "verify the identity on"))
    );
    assert_eq!(
        case.run(&sam(), refund(1, 5_000, "Charged twice")),
        Err(transition(failed, "request a refund on"))
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(transition(failed, "finalize"))
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(transition(failed, "confirm the cancellation of"))
    );
    assert_eq!(
        case.run(&sam(), fail_verification("again")),
        Err(transition(failed, "fail verification on"))
    );
    assert_eq!(case.events.len(), 2);
}

#[test]
fn account_2017_essentials_sympathetic_reply_then_cancellation_confirmed_with_feedback() {
    let mut facts = facts("Essentials");
    facts.hosting_server = Some("server-2".into());
    let mut case = Case::new(account_2017(), facts);
    // One business day: from Tuesday 10:00 to Wednesday 10:00 in New York.
    assert_eq!(
        case.ok(&sam(), receive()),
        vec![received("2026-11-25T15:00:00Z")]
    );
    // The 2017 SOP's first response can be a call; it is noted on the case.
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::Acknowledge {
                channel: AcknowledgeChannel::Call,
                note: "Called Ana back; we are on it".into(),
            }
        ),
        vec![CaseEvent::Acknowledged {
            at: now(),
            channel: Some(AcknowledgeChannel::Call),
            note: Some("Called Ana back; we are on it".into()),
        }]
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("Ana@Acme.io".into()),
                evidence: "  Replied from the address on file ".into(),
            }
        ),
        vec![CaseEvent::IdentityVerified {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("Ana@Acme.io".into()),
            evidence: "Replied from the address on file".into(),
            at: now(),
            provisional: false,
        }]
    );
    // Essentials: a sympathetic reply with the exit-interview link of the account's server.
    let link = "https://example.com/exit-interview/server-2";
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::SympatheticReply, None, Some(link))]
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(transition(
            CaseStatus::InProgress,
            "confirm the cancellation of"
        ))
    );
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
    assert_eq!(
        case.state().finalization,
        Some(Finalization {
            effective_date: december_16(),
            billing_cessation_date: None,
            prorated_refund: Some(usd(16_000)),
            data_export_offered: false,
            api_access_revoked: false,
        })
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Phone)),
        Err(CoreError::invalid(
            "channel",
            "must be the customer's preferred channel, email"
        ))
    );
    // A bare confirmation is refused: the confirmation is the message on the preferred channel.
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on email first; recording it confirms the cancellation"
        ))
    );
    assert_eq!(
        case.ok(&sam(), confirmation_message(PreferredChannel::Email)),
        confirmation_sent(PreferredChannel::Email, now())
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "the cancellation was already confirmed"
        ))
    );
    assert_eq!(
        case.ok(
            &sam(),
            feedback(" Moving our sites to in-house hosting ", Some(link))
        ),
        vec![feedback_recorded(
            "Moving our sites to in-house hosting",
            Some(link)
        )]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::ScheduleWinBack),
        Err(no_win_back_schedule())
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::Withdraw {
                note: "Changed their mind".into()
            }
        ),
        Err(transition(CaseStatus::Cancelled, "withdraw"))
    );
    let state = case.state();
    assert_eq!(state.confirmed_on, Some(PreferredChannel::Email));
    assert!(state.feedback_recorded);
    assert_eq!(state.win_back_check_ins, None);
    // With the checklist's "account closed" and the confirmation message.
    assert_eq!(case.events.len(), 9);
}

// =============================================================================================
// Billsbee.

fn billsbee() -> Policy {
    preset(BILLSBEE)
}

#[test]
fn billsbee_manager_retention_keeps_the_client_who_withdraws() {
    let mut case = open(billsbee(), facts("Standard"));
    // "Retention should be done by the managers."
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::ManagerRetention, None, None)]
    );
    assert_eq!(
        case.run(&sam(), propose("discount", percent(10))),
        Err(role_required(Step::ProposeOffer, &[Role::Manager]))
    );
    // The procedure names no offers: the catalogue is empty until the company adds some.
    assert_eq!(
        case.run(&maya(), propose("discount", percent(10))),
        Err(not_in_catalogue())
    );
    // Maya talks it through; the client stays and withdraws the request.
    let note = "Maya talked it through; the client stays";
    assert_eq!(
        case.ok(&maya(), CaseCommand::Withdraw { note: note.into() }),
        vec![CaseEvent::Withdrawn { note: note.into() }]
    );
    assert_eq!(case.state().status, CaseStatus::Withdrawn);
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(transition(CaseStatus::Withdrawn, "finalize"))
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::LogRequest),
        Err(transition(CaseStatus::Withdrawn, "log"))
    );
}

#[test]
fn billsbee_every_refund_is_under_review_and_verified_by_a_second_person() {
    let policy = billsbee();
    assert_eq!(policy.refunds.threshold, usd(0));
    let mut case = open(policy, facts("Standard"));
    // At the threshold of 0.00 there is nothing to refund.
    assert_eq!(
        case.run(&sam(), refund(1, 0, "Nothing")),
        Err(CoreError::invalid("amount", "must be more than zero"))
    );
    let why = "Charged for December after asking to cancel";
    assert_eq!(
        case.ok(&sam(), refund(1, 4_900, why)),
        vec![refund_requested(1, 4_900, why, "sam", true)]
    );
    assert_eq!(
        case.run(&heather(), complete_refund(1)),
        Err(gate(Gate::RefundVerified))
    );
    assert_eq!(
        case.run(&sam(), verify_refund(1)),
        Err(gate(Gate::SecondVerifier))
    );
    // Anyone with a role approves refunds in Billsbee; here a manager.
    assert_eq!(
        case.ok(&maya(), verify_refund(1)),
        vec![refund_verified(1, "maya")]
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(1)),
        vec![refund_completed(1, 4_900, "heather")]
    );
    let refund_state = &case.state().refunds[&id(1)];
    assert_eq!(refund_state.status, RefundStatus::Completed);
    assert_eq!(refund_state.verified_by.as_deref(), Some("maya"));
}

#[test]
fn billsbee_unpaid_invoice_written_off_before_manager_cancels() {
    let mut facts = facts("Standard");
    facts.unpaid_invoices = 2;
    let mut case = open(billsbee(), facts);
    // "If the Billsby won't suspend ... If it says unpaid payments then you need to write it off."
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(gate(Gate::InvoicesWrittenOff))
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::WriteOffInvoices {
                amount: usd(0),
                invoices: 1
            }
        ),
        Err(CoreError::invalid(
            "amount",
            "write off at least one invoice, for more than zero"
        ))
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::WriteOffInvoices {
                amount: Money::new(4_900, Currency::parse("EUR").unwrap()),
                invoices: 1
            }
        ),
        Err(CoreError::invalid("amount", "must be in USD"))
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::WriteOffInvoices {
                amount: usd(4_900),
                invoices: 1
            }
        ),
        vec![CaseEvent::InvoicesWrittenOff {
            amount: usd(4_900),
            invoices: 1
        }]
    );
    // One of the two is still unpaid.
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(gate(Gate::InvoicesWrittenOff))
    );
    case.ok(
        &sam(),
        CaseCommand::WriteOffInvoices {
            amount: usd(4_900),
            invoices: 1,
        },
    );
    assert_eq!(case.state().invoices_written_off, 2);
    // Both the log entry and the suspension must be done.
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(gate(Gate::RequestLogged))
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::LogRequest),
        vec![CaseEvent::RequestLogged]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::LogRequest),
        Err(CoreError::invalid("case", "the request is already logged"))
    );
    // The sheet needs the reason, and a manager attempts retention first.
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(gate(Gate::ReasonCaptured))
    );
    case.ok(
        &sam(),
        capture_reason("business_closing", "Closing the practice"),
    );
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(gate(Gate::RetentionAttempted))
    );
    case.ok(&sam(), CaseCommand::Route);
    case.ok(
        &maya(),
        retention_attempt(false, "Closing the practice; nothing to offer", &[]),
    );
    case.confirm_checklist_before(&maya());
    assert_eq!(
        case.ok(&maya(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn billsbee_only_a_manager_cancels_or_proposes_an_offer() {
    let mut case = open(billsbee(), facts("Standard"));
    case.ok(&sam(), CaseCommand::LogRequest);
    let managers_only = role_required(Step::Finalize, &[Role::Manager]);
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(managers_only.clone())
    );
    assert_eq!(
        managers_only.to_string(),
        "only a manager may finalize the cancellation"
    );
    // Neither billing nor an administrator stands in for a manager.
    assert_eq!(
        case.run(&heather(), finalize(december_16())),
        Err(managers_only.clone())
    );
    assert_eq!(
        case.run(&person("root", &[Role::Admin]), finalize(december_16())),
        Err(managers_only)
    );
    assert_eq!(
        case.run(&sam(), propose("discount", percent(10))),
        Err(role_required(Step::ProposeOffer, &[Role::Manager]))
    );
    // A manager who has left is refused as such.
    let mut gone = maya();
    gone.active = false;
    assert_eq!(
        case.run(&gone, finalize(december_16())),
        Err(CoreError::InactiveUser {
            user_id: "maya".into()
        })
    );
    assert_eq!(case.state().status, CaseStatus::InProgress);
    // Holding the manager role among others is enough.
    let lead = person("lee", &[Role::AccountManager, Role::Manager]);
    case.ok(
        &sam(),
        capture_reason("business_closing", "Closing the practice"),
    );
    case.ok(&sam(), CaseCommand::Route);
    case.ok(
        &lead,
        retention_attempt(false, "Closing the practice; nothing to offer", &[]),
    );
    case.confirm_checklist_before(&lead);
    assert_eq!(
        case.ok(&lead, finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
}

#[test]
fn billsbee_failed_callback_verification_closes_the_case() {
    let mut case = open(billsbee(), facts("Standard"));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("+1 555 999 0000".into()),
                evidence: "Called the number the client gave".into(),
            }
        ),
        Err(CoreError::invalid(
            "contact_used",
            "must be the contact on file, not one the requester gave"
        ))
    );
    assert_eq!(
        case.run(&sam(), verify_by_email()),
        Err(CoreError::invalid(
            "method",
            "this policy does not accept that method"
        ))
    );
    let note = "The number on file says no cancellation was asked for";
    assert_eq!(
        case.ok(&sam(), fail_verification(note)),
        vec![CaseEvent::VerificationFailed { note: note.into() }]
    );
    let failed = CaseStatus::VerificationFailed;
    assert_eq!(case.state().status, failed);
    assert_eq!(
        case.run(&sam(), CaseCommand::LogRequest),
        Err(transition(failed, "log"))
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::WriteOffInvoices {
                amount: usd(4_900),
                invoices: 1
            }
        ),
        Err(transition(failed, "write off invoices on"))
    );
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(transition(failed, "finalize"))
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::Withdraw {
                note: "Never mind".into()
            }
        ),
        Err(transition(failed, "withdraw"))
    );
}

#[test]
fn billsbee_logged_written_off_and_suspended_then_confirmed_by_phone() {
    let mut facts = facts("Standard");
    facts.unpaid_invoices = 1;
    facts.preferred_channel = Some(PreferredChannel::Phone);
    let mut case = Case::new(billsbee(), facts);
    assert_eq!(
        case.ok(&sam(), receive()),
        vec![received("2026-11-25T15:00:00Z")]
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("1-555-010-2030".into()),
                evidence: "Called back the number on file".into(),
            }
        ),
        vec![CaseEvent::IdentityVerified {
            method: VerificationMethod::CallbackToPhoneOnFile,
            contact_used: Some("1-555-010-2030".into()),
            evidence: "Called back the number on file".into(),
            at: now(),
            provisional: false,
        }]
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::ManagerRetention, None, None)]
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::CaptureReason {
                reason_id: "business_closing".into(),
                details: "Closing the practice".into(),
                pain_points: vec![],
            }
        ),
        vec![CaseEvent::ReasonCaptured {
            reason_id: "business_closing".into(),
            details: "Closing the practice".into(),
            pain_points: vec![],
        }]
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::LogRequest),
        vec![CaseEvent::RequestLogged]
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::WriteOffInvoices {
                amount: usd(4_900),
                invoices: 1
            }
        ),
        vec![CaseEvent::InvoicesWrittenOff {
            amount: usd(4_900),
            invoices: 1
        }]
    );
    // A manager attempts retention before cancelling.
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(gate(Gate::RetentionAttempted))
    );
    let why = "Closing the practice; no offer would keep them";
    assert_eq!(
        case.ok(&maya(), retention_attempt(false, why, &[])),
        vec![retention_recorded(false, why, &[])]
    );
    case.confirm_checklist_before(&maya());
    assert_eq!(
        case.ok(&maya(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "must be the customer's preferred channel, phone"
        ))
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Phone)),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on phone first; recording it confirms the cancellation"
        ))
    );
    assert_eq!(
        case.ok(&sam(), confirmation_message(PreferredChannel::Phone)),
        confirmation_sent(PreferredChannel::Phone, now())
    );
    assert_eq!(
        case.ok(
            &sam(),
            feedback("Happy with the service, closing shop", None)
        ),
        vec![feedback_recorded(
            "Happy with the service, closing shop",
            None
        )]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::ScheduleWinBack),
        Err(no_win_back_schedule())
    );
    assert_eq!(case.state().confirmed_on, Some(PreferredChannel::Phone));
    // With the reason and the retention attempt, the checklist's "services suspended" and the
    // confirmation message.
    assert_eq!(case.events.len(), 12);
}

// =============================================================================================
// IntelliServe.

fn intelliserve() -> Policy {
    preset(INTELLISERVE)
}

#[test]
fn intelliserve_discount_within_limits_accepted_saves_the_account() {
    let mut case = open(intelliserve(), facts("Starter"));
    let twenty_for_three = OfferProposal {
        percent: Some(20),
        months: Some(3),
        amount: None,
        note: "20% for 3 months".into(),
    };
    // The identity comes before any change to the account.
    assert_eq!(
        case.run(&sam(), propose("discount", twenty_for_three.clone())),
        Err(gate(Gate::IdentityVerified))
    );
    case.ok(&sam(), verify_by_email());
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::CaptureReason {
                reason_id: "price".into(),
                details: String::new(),
                pain_points: vec![],
            }
        ),
        Err(CoreError::invalid(
            "reason_id",
            "is not one of the policy's reasons"
        ))
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::CaptureReason {
                reason_id: "cost".into(),
                details: "Budget cut for next year".into(),
                pain_points: vec!["price per seat".into()],
            }
        ),
        vec![CaseEvent::ReasonCaptured {
            reason_id: "cost".into(),
            details: "Budget cut for next year".into(),
            pain_points: vec!["price per seat".into()],
        }]
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::Continue, None, None)]
    );
    assert_eq!(
        case.ok(&sam(), propose("discount", twenty_for_three.clone())),
        vec![CaseEvent::OfferProposed {
            offer_id: "discount".into(),
            terms: twenty_for_three,
            needs_approval: false,
            proposed_by: "sam".into(),
        }]
    );
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(CoreError::invalid(
            "offer_id",
            "the customer has not answered the pending offer yet"
        ))
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::AcceptOffer),
        vec![CaseEvent::OfferAccepted {
            offer_id: "discount".into()
        }]
    );
    let state = case.state();
    assert_eq!(state.status, CaseStatus::Saved);
    assert_eq!(state.pending_offer, None);
    assert_eq!(state.offers_proposed, vec!["discount".to_string()]);
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(transition(CaseStatus::Saved, "finalize"))
    );
}

#[test]
fn intelliserve_refund_at_500_goes_straight_to_billing() {
    let policy = intelliserve();
    assert_eq!(policy.refunds.threshold, usd(50_000));
    let mut case = open(policy, facts("Professional"));
    let why = "Service outage for the last week of November";
    assert_eq!(
        case.run(&sam(), refund(1, 50_000, why)),
        Err(gate(Gate::IdentityVerified))
    );
    case.ok(&sam(), verify_by_email());
    assert_eq!(
        case.ok(&sam(), refund(1, 50_000, why)),
        vec![refund_requested(1, 50_000, why, "sam", false)]
    );
    assert_eq!(
        case.state().refunds[&id(1)].status,
        RefundStatus::BillingInProgress
    );
    // Billing processes refunds in IntelliServe; managers approve them.
    assert_eq!(
        case.run(&sam(), complete_refund(1)),
        Err(role_required(Step::CompleteRefund, &[Role::Billing]))
    );
    assert_eq!(
        case.run(&maya(), complete_refund(1)),
        Err(role_required(Step::CompleteRefund, &[Role::Billing]))
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(1)),
        vec![refund_completed_checked_later(1, 50_000, "heather")]
    );
    // Another 10.00 on the same case adds up past 500.00, so it is reviewed.
    assert_eq!(
        case.ok(&sam(), refund(2, 1_000, "Overage fee")),
        vec![refund_requested(2, 1_000, "Overage fee", "sam", true)]
    );
}

#[test]
fn intelliserve_refund_over_500_is_verified_by_a_second_manager() {
    let mut case = verified(intelliserve(), facts("Enterprise"));
    let why = "Annual plan paid in full, cancelled in month two";
    assert_eq!(
        case.ok(&maya(), refund(2, 50_001, why)),
        vec![refund_requested(2, 50_001, why, "maya", true)]
    );
    assert_eq!(
        case.run(&heather(), complete_refund(2)),
        Err(gate(Gate::RefundVerified))
    );
    assert_eq!(
        case.run(&maya(), verify_refund(2)),
        Err(gate(Gate::SecondVerifier))
    );
    assert_eq!(
        case.run(&sam(), verify_refund(2)),
        Err(role_required(Step::ApproveRefund, &[Role::Manager]))
    );
    assert_eq!(
        case.ok(&mo(), verify_refund(2)),
        vec![refund_verified(2, "mo")]
    );
    assert_eq!(
        case.run(&maya(), complete_refund(2)),
        Err(role_required(Step::CompleteRefund, &[Role::Billing]))
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(2)),
        vec![refund_completed_checked_later(2, 50_001, "heather")]
    );
    let refund_state = &case.state().refunds[&id(2)];
    assert_eq!(refund_state.status, RefundStatus::Completed);
    assert_eq!(refund_state.requested_by, "maya");
    assert_eq!(refund_state.verified_by.as_deref(), Some("mo"));
}

#[test]
fn intelliserve_only_a_manager_approves_an_offer_beyond_the_limits() {
    let mut case = verified(intelliserve(), facts("Starter"));
    let beyond = OfferProposal {
        percent: Some(25),
        months: Some(3),
        amount: None,
        note: "25% for 3 months".into(),
    };
    assert_eq!(
        case.ok(&sam(), propose("discount", beyond.clone())),
        vec![CaseEvent::OfferProposed {
            offer_id: "discount".into(),
            terms: beyond,
            needs_approval: true,
            proposed_by: "sam".into(),
        }]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::AcceptOffer),
        Err(gate(Gate::OfferApproved))
    );
    let managers_only = role_required(Step::ApproveOffer, &[Role::Manager]);
    assert_eq!(
        case.run(&sam(), CaseCommand::ApproveOffer),
        Err(managers_only.clone())
    );
    assert_eq!(
        managers_only.to_string(),
        "only a manager may approve an offer outside the limits"
    );
    assert_eq!(
        case.run(&heather(), CaseCommand::ApproveOffer),
        Err(managers_only)
    );
    assert_eq!(
        case.ok(&maya(), CaseCommand::ApproveOffer),
        vec![CaseEvent::OfferApproved {
            offer_id: "discount".into()
        }]
    );
    assert_eq!(
        case.run(&maya(), CaseCommand::ApproveOffer),
        Err(CoreError::invalid(
            "offer_id",
            "no offer is waiting for approval"
        ))
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::AcceptOffer),
        vec![CaseEvent::OfferAccepted {
            offer_id: "discount".into()
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Saved);
}

#[test]
fn intelliserve_locked_one_time_code_then_failed_verification_closes_the_case() {
    let mut case = open(intelliserve(), facts("Professional"));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::SendOneTimeCode {
                code: OneTimeCode::typed("482913"),
                contact: "ana.silva@gmail.com".into(),
            }
        ),
        Err(CoreError::invalid(
            "contact",
            "must be the e-mail address or phone number on file, not one the requester gave"
        ))
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::SendOneTimeCode {
                code: OneTimeCode::typed("482913"),
                contact: "ana@acme.io".into(),
            }
        ),
        vec![CaseEvent::OneTimeCodeSent {
            code_digest: case.code_digest("482913"),
            key: Some(common::code_key().id().to_owned()),
            contact: "ana@acme.io".into(),
            expires_at: at("2026-11-24T15:10:00Z"),
            at: now(),
        }]
    );
    let enter = |code: &str| CaseCommand::EnterOneTimeCode {
        code: OneTimeCode::typed(code),
    };
    for (attempt, locked) in [(1, false), (2, false), (3, true)] {
        assert_eq!(
            case.ok(&sam(), enter("111111")),
            vec![CaseEvent::OneTimeCodeRejected {
                attempt,
                locked,
                at: now(),
            }]
        );
    }
    assert_eq!(
        case.run(&sam(), enter("482913")),
        Err(CoreError::invalid(
            "code",
            "the code is locked after too many wrong tries; send a new code"
        ))
    );
    let note = "Three wrong codes; the requester could not read the code back";
    assert_eq!(
        case.ok(&sam(), fail_verification(note)),
        vec![CaseEvent::VerificationFailed { note: note.into() }]
    );
    let failed = CaseStatus::VerificationFailed;
    assert_eq!(case.state().status, failed);
    assert!(!case.state().identity_verified);
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::SendOneTimeCode {
                code: OneTimeCode::typed("777777"),
                contact: "ana@acme.io".into(),
            }
        ),
        Err(transition(failed, "send a one-time code for"))
    );
    // A closed case refuses before any gate is looked at.
    assert_eq!(
        case.run(&sam(), propose("freeze", OfferProposal::default())),
        Err(transition(failed, "propose an offer on"))
    );
    assert_eq!(
        case.run(&maya(), finalize(december_16())),
        Err(transition(failed, "finalize"))
    );
}

#[test]
fn intelliserve_happy_cancellation_prorates_confirms_surveys_and_schedules_win_back() {
    let policy = intelliserve();
    let survey = policy
        .survey_link(None)
        .expect("IntelliServe has an exit survey")
        .to_owned();
    let mut case = Case::new(policy, facts("Professional"));
    // "Respond promptly, ideally within 1 business hour."
    assert_eq!(
        case.ok(&sam(), receive()),
        vec![received("2026-11-24T16:00:00Z")]
    );
    // Recording the acknowledgement message acknowledges the request: one action, one clock stop.
    let acknowledgement = CaseCommand::RecordMessage {
        kind: MessageKind::Acknowledgement,
        channel: PreferredChannel::Email,
        body: "Thank you for reaching out.".into(),
        email: None,
    };
    assert_eq!(
        case.ok(&sam(), acknowledgement),
        vec![
            CaseEvent::MessageSent {
                message: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "Thank you for reaching out.".into(),
                at: now(),
                survey_link: None,
                email: None,
            },
            CaseEvent::Acknowledged {
                at: now(),
                channel: Some(AcknowledgeChannel::Message),
                note: None,
            }
        ]
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::IdentityVerified))
    );
    case.ok(
        &sam(),
        CaseCommand::SendOneTimeCode {
            code: OneTimeCode::typed("482913"),
            contact: "ana@acme.io".into(),
        },
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::EnterOneTimeCode {
                code: OneTimeCode::typed("482-913")
            }
        ),
        vec![CaseEvent::IdentityVerified {
            method: VerificationMethod::OneTimeCode,
            contact_used: Some("ana@acme.io".into()),
            evidence: "Entered the one-time code sent to ana@acme.io".into(),
            at: now(),
            provisional: false,
        }]
    );
    case.ok(
        &sam(),
        CaseCommand::CaptureReason {
            reason_id: "competitor".into(),
            details: "Moving to a cheaper vendor".into(),
            pain_points: vec![],
        },
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::Continue, None, None)]
    );
    let two_months = OfferProposal {
        percent: Some(10),
        months: Some(2),
        amount: None,
        note: String::new(),
    };
    case.ok(&sam(), propose("discount", two_months));
    assert_eq!(
        case.ok(&sam(), CaseCommand::DeclineOffer),
        vec![CaseEvent::OfferDeclined {
            offer_id: "discount".into()
        }]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::ScheduleWinBack),
        Err(transition(
            CaseStatus::InProgress,
            "schedule win-back check-ins for"
        ))
    );
    // 5.1: all retention options considered: the reason's mitigations and the declined offer.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::RetentionAttempted))
    );
    let tried = ["Highlight unique IntelliServe capabilities"];
    case.ok(
        &sam(),
        retention_attempt(false, "Declined the discount too", &tried),
    );
    // 5.3-5.5: data export offered, prorated refund, billing cessation date, API access revoked.
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
    // 6.1 confirmation e-mail, 6.2 exit survey, 11.1 follow-ups at 3, 6 and 12 months.
    // A bare confirmation is refused: the confirmation is the message on the preferred channel.
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on email first; recording it confirms the cancellation"
        ))
    );
    assert_eq!(
        case.ok(&sam(), confirmation_message(PreferredChannel::Email)),
        confirmation_sent(PreferredChannel::Email, now())
    );
    assert_eq!(
        case.run(&sam(), feedback("Price", Some("  "))),
        Err(CoreError::invalid(
            "survey_link",
            "leave it out when no survey link was sent"
        ))
    );
    assert_eq!(
        case.ok(
            &sam(),
            feedback("Price, and the competitor had SSO", Some(survey.as_str()))
        ),
        vec![feedback_recorded(
            "Price, and the competitor had SSO",
            Some(survey.as_str())
        )]
    );
    let check_ins = vec![date(2027, 3, 16), date(2027, 6, 16), date(2027, 12, 16)];
    assert_eq!(
        case.ok(&sam(), CaseCommand::ScheduleWinBack),
        vec![CaseEvent::WinBackScheduled {
            check_ins: check_ins.clone(),
            assignee: Some("sam".into()),
        }]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::ScheduleWinBack),
        Err(CoreError::invalid(
            "win_back",
            "the win-back check-ins are already scheduled"
        ))
    );
    let state = case.state();
    assert_eq!(state.status, CaseStatus::Cancelled);
    assert_eq!(state.confirmed_on, Some(PreferredChannel::Email));
    assert!(state.feedback_recorded);
    assert_eq!(state.win_back_check_ins, Some(check_ins));
}

// =============================================================================================
// Kodif order cancellation.

fn kodif() -> Policy {
    preset(KODIF)
}

#[test]
fn kodif_next_order_coupon_accepted_keeps_the_order() {
    let mut case = open(kodif(), facts("Subscriber"));
    // The reason comes first: the procedure routes other concerns to an agent.
    case.ok(&sam(), capture_reason("too_much_product", ""));
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::Continue, None, None)]
    );
    assert_eq!(
        case.run(&sam(), propose("free_expedited_shipping", percent(10))),
        Err(CoreError::invalid(
            "percent",
            "Free expedited shipping upgrade on the current order has no percentage"
        ))
    );
    assert_eq!(
        case.run(&sam(), propose("gift_card", OfferProposal::default())),
        Err(not_in_catalogue())
    );
    // 25% is beyond "a 20% coupon", and the procedure names no one who may approve more.
    assert_eq!(
        case.run(&sam(), propose("next_order_coupon", percent(25))),
        Err(CoreError::OfferLimitExceeded {
            offer: "Coupon for the next order".into(),
            message: "is outside the limits and the policy names no one who may approve it".into(),
        })
    );
    assert_eq!(
        case.ok(&sam(), propose("next_order_coupon", percent(20))),
        vec![CaseEvent::OfferProposed {
            offer_id: "next_order_coupon".into(),
            terms: percent(20),
            needs_approval: false,
            proposed_by: "sam".into(),
        }]
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::AcceptOffer),
        vec![CaseEvent::OfferAccepted {
            offer_id: "next_order_coupon".into()
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Saved);
    assert_eq!(
        case.state().offers_proposed,
        vec!["next_order_coupon".to_string()]
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(transition(CaseStatus::Saved, "finalize"))
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(transition(CaseStatus::Saved, "confirm the cancellation of"))
    );
}

#[test]
fn kodif_every_refund_is_under_review_and_verified_by_a_second_person() {
    let policy = kodif();
    assert_eq!(policy.refunds.threshold, usd(0));
    let mut case = open(policy, facts("Subscriber"));
    assert_eq!(
        case.run(&sam(), refund(1, 0, "Nothing")),
        Err(CoreError::invalid("amount", "must be more than zero"))
    );
    // Even one cent is reviewed.
    let why = "Order shipped after the cancellation request";
    assert_eq!(
        case.ok(&sam(), refund(1, 1, why)),
        vec![refund_requested(1, 1, why, "sam", true)]
    );
    assert_eq!(
        case.run(&heather(), complete_refund(1)),
        Err(gate(Gate::RefundVerified))
    );
    assert_eq!(
        case.run(&sam(), verify_refund(1)),
        Err(gate(Gate::SecondVerifier))
    );
    assert_eq!(
        case.run(&person("SAM", &[Role::Billing]), verify_refund(1)),
        Err(gate(Gate::SecondVerifier))
    );
    assert_eq!(
        case.ok(&person("lee", &[Role::AccountManager]), verify_refund(1)),
        vec![refund_verified(1, "lee")]
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(1)),
        vec![refund_completed(1, 1, "heather")]
    );
    assert_eq!(case.state().refunds[&id(1)].status, RefundStatus::Completed);
}

#[test]
fn kodif_a_user_without_a_role_is_refused() {
    let mut case = open(kodif(), facts("Subscriber"));
    let nobody = person("guest", &[]);
    // No step is restricted, so the refusal names no role (`needed` is empty).
    assert_eq!(
        case.run(&nobody, finalize(december_16())),
        Err(role_required(Step::Finalize, &[]))
    );
    assert_eq!(
        case.run(&nobody, propose("order_discount", percent(10))),
        Err(role_required(Step::ProposeOffer, &[]))
    );
    let mut gone = sam();
    gone.active = false;
    assert_eq!(
        case.run(&gone, finalize(december_16())),
        Err(CoreError::InactiveUser {
            user_id: "sam".into()
        })
    );
    assert_eq!(case.events.len(), 1);
    // Any role will do, a sales rep's too.
    let rob = person("rob", &[Role::Sales]);
    case.ok(&rob, capture_reason("too_expensive", ""));
    case.ok(&rob, CaseCommand::Route);
    case.ok(
        &rob,
        retention_attempt(false, "Insisted on cancelling before any offer", &[]),
    );
    case.confirm_checklist_before(&person("rob", &[Role::Sales]));
    assert_eq!(
        case.ok(&person("rob", &[Role::Sales]), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
}

#[test]
fn kodif_failed_verification_closes_the_case() {
    let mut case = open(kodif(), facts("Subscriber"));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("+1 555 010 2030".into()),
                evidence: "Called back".into(),
            }
        ),
        Err(CoreError::invalid(
            "method",
            "this policy does not accept that method"
        ))
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: None,
                evidence: "Said it was them".into(),
            }
        ),
        Err(CoreError::invalid(
            "contact_used",
            "must be the contact on file, not one the requester gave"
        ))
    );
    let note = "The subscription's address did not confirm";
    assert_eq!(
        case.ok(&sam(), fail_verification(note)),
        vec![CaseEvent::VerificationFailed { note: note.into() }]
    );
    let failed = CaseStatus::VerificationFailed;
    assert_eq!(case.state().status, failed);
    assert_eq!(
        case.run(&sam(), propose("order_discount", percent(10))),
        Err(transition(failed, "propose an offer on"))
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::AcceptOffer),
        Err(transition(failed, "accept an offer on"))
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(transition(failed, "finalize"))
    );
}

#[test]
fn kodif_offers_declined_then_the_order_is_cancelled_and_confirmed() {
    // The order's price and period are not known to Holdfast: no prorated refund.
    let mut facts = facts("Subscriber");
    facts.plan_price = None;
    let mut case = Case::new(kodif(), facts);
    assert_eq!(
        case.ok(&sam(), receive()),
        vec![received("2026-11-24T16:00:00Z")]
    );
    assert_eq!(
        case.ok(&sam(), verify_by_email()),
        vec![CaseEvent::IdentityVerified {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("ana@acme.io".into()),
            evidence: "Replied from the address on file".into(),
            at: now(),
            provisional: false,
        }]
    );
    // The reason comes first: the procedure routes other concerns to an agent.
    case.ok(&sam(), capture_reason("too_expensive", ""));
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::Continue, None, None)]
    );
    let swap = OfferProposal {
        note: "The 500 g bag instead of the 250 g one".into(),
        ..Default::default()
    };
    assert_eq!(
        case.ok(&sam(), propose("product_swap", swap.clone())),
        vec![CaseEvent::OfferProposed {
            offer_id: "product_swap".into(),
            terms: swap,
            needs_approval: false,
            proposed_by: "sam".into(),
        }]
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(CoreError::invalid(
            "offer_id",
            "the customer has not answered the pending offer yet"
        ))
    );
    // "If the user declines: proceed with the order cancellation."
    assert_eq!(
        case.ok(&sam(), CaseCommand::DeclineOffer),
        vec![CaseEvent::OfferDeclined {
            offer_id: "product_swap".into()
        }]
    );
    // The retention step has its outcome: the offer was made and declined.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::RetentionAttempted))
    );
    case.ok(
        &sam(),
        retention_attempt(false, "Declined the swap; cancel the order", &[]),
    );
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), None)]
    );
    // A bare confirmation is refused: the confirmation is the message on the preferred channel.
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on email first; recording it confirms the cancellation"
        ))
    );
    assert_eq!(
        case.ok(&sam(), confirmation_message(PreferredChannel::Email)),
        confirmation_sent(PreferredChannel::Email, now())
    );
    assert_eq!(
        case.run(&sam(), feedback("   ", None)),
        Err(CoreError::invalid(
            "text",
            "write down what the customer said, or that they gave no feedback"
        ))
    );
    assert_eq!(
        case.ok(&sam(), feedback("Too much coffee piling up", None)),
        vec![feedback_recorded("Too much coffee piling up", None)]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::ScheduleWinBack),
        Err(no_win_back_schedule())
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
    // With the reason recorded before routing, the retention attempt before cancelling, the
    // checklist's "order cancelled in Recharge" and the confirmation message.
    assert_eq!(case.events.len(), 12);
}

// =============================================================================================
// WootRecruit.

fn wootrecruit() -> Policy {
    preset(WOOTRECRUIT)
}

/// The Cancellation Request Form with every field of the preset filled in.
fn filled_form() -> BTreeMap<String, String> {
    [
        ("Account name", "Acme Hiring"),
        ("Requester name", "Ana Silva"),
        ("Requester email", "ana@acme.io"),
        ("Reason for cancellation", "Hiring freeze"),
        ("Requested cancellation date", "2026-12-16"),
        ("Preferred contact method", "Phone"),
    ]
    .into_iter()
    .map(|(field, value)| (field.to_string(), value.to_string()))
    .collect()
}

#[test]
fn wootrecruit_csm_keeps_the_customer() {
    let mut case = verified(wootrecruit(), facts("Standard"));
    // The procedure names no alternatives: the catalogue is empty.
    assert_eq!(
        case.run(&sam(), propose("discount", percent(10))),
        Err(not_in_catalogue())
    );
    assert_eq!(
        case.ok(&sam(), escalate("  Carla Diaz ")),
        vec![CaseEvent::Escalated {
            csm: "Carla Diaz".into(),
            note: "Still wants to cancel after the alternatives".into(),
        }]
    );
    let note = "Moved them to the quarterly plan; they stay";
    assert_eq!(
        case.ok(&carla(), csm_outcome(true, note)),
        vec![CaseEvent::CsmOutcomeRecorded {
            retained: true,
            note: note.into(),
        }]
    );
    let state = case.state();
    assert_eq!(state.status, CaseStatus::Saved);
    assert!(state.csm_engaged);
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(transition(CaseStatus::Saved, "finalize"))
    );
    assert_eq!(
        case.run(&carla(), csm_outcome(false, "Changed their mind")),
        Err(transition(CaseStatus::Saved, "record the CSM's outcome on"))
    );
}

#[test]
fn wootrecruit_account_manager_escalates_to_the_csm_who_records_the_outcome() {
    let mut case = verified(wootrecruit(), facts("Standard"));
    case.ok(
        &sam(),
        CaseCommand::ReceiveForm {
            fields: filled_form(),
        },
    );
    assert_eq!(
        case.run(&carla(), csm_outcome(false, "No fit")),
        Err(CoreError::invalid(
            "case",
            "the case has not been escalated to a CSM"
        ))
    );
    // "Escalate the case to the Customer Success Manager before processing the cancellation."
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::CsmEngaged))
    );
    assert_eq!(
        case.run(&sam(), escalate("   ")),
        Err(CoreError::invalid(
            "csm",
            "say which customer success manager takes the case"
        ))
    );
    assert_eq!(
        case.ok(&sam(), escalate("Carla Diaz")),
        vec![CaseEvent::Escalated {
            csm: "Carla Diaz".into(),
            note: "Still wants to cancel after the alternatives".into(),
        }]
    );
    assert_eq!(case.state().escalated_to.as_deref(), Some("Carla Diaz"));
    assert!(!case.state().csm_engaged);
    assert_eq!(
        case.run(&sam(), escalate("Chris")),
        Err(CoreError::invalid("csm", "the case is already escalated"))
    );
    // Escalated is not engaged: the CSM's final attempt comes first.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::CsmEngaged))
    );
    let note = "Final call: the hiring freeze is company-wide";
    assert_eq!(
        case.ok(&carla(), csm_outcome(false, note)),
        vec![CaseEvent::CsmOutcomeRecorded {
            retained: false,
            note: note.into(),
        }]
    );
    assert!(case.state().csm_engaged);
    assert_eq!(case.state().status, CaseStatus::InProgress);
    // "Understand the reason": it is recorded before the cancellation.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::ReasonCaptured))
    );
    case.ok(
        &sam(),
        capture_reason("hiring_freeze", "Company-wide hiring freeze"),
    );
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
}

#[test]
fn wootrecruit_every_refund_is_under_review_and_verified_by_a_second_person() {
    let policy = wootrecruit();
    assert_eq!(policy.refunds.threshold, usd(0));
    let mut case = open(policy, facts("Standard"));
    let why = "Renewed the day after the cancellation request";
    // Nothing about the account changes before the identity is verified.
    assert_eq!(
        case.run(&sam(), refund(1, 12_900, why)),
        Err(gate(Gate::IdentityVerified))
    );
    case.ok(&sam(), verify_by_email());
    assert_eq!(
        case.run(&sam(), refund(1, 0, why)),
        Err(CoreError::invalid("amount", "must be more than zero"))
    );
    assert_eq!(
        case.ok(&sam(), refund(1, 12_900, why)),
        vec![refund_requested(1, 12_900, why, "sam", true)]
    );
    assert_eq!(
        case.run(&heather(), complete_refund(1)),
        Err(gate(Gate::RefundVerified))
    );
    assert_eq!(
        case.run(&sam(), verify_refund(1)),
        Err(gate(Gate::SecondVerifier))
    );
    // Approving refunds is not restricted here: the CSM may verify it.
    assert_eq!(
        case.ok(&carla(), verify_refund(1)),
        vec![refund_verified(1, "carla")]
    );
    assert_eq!(
        case.ok(&heather(), complete_refund(1)),
        vec![refund_completed(1, 12_900, "heather")]
    );
    assert_eq!(case.state().refunds[&id(1)].status, RefundStatus::Completed);
}

#[test]
fn wootrecruit_only_an_account_manager_escalates_and_only_a_csm_records_the_outcome() {
    let mut case = verified(wootrecruit(), facts("Standard"));
    let account_managers_only = role_required(Step::Escalate, &[Role::AccountManager]);
    assert_eq!(
        case.run(&carla(), escalate("Carla Diaz")),
        Err(account_managers_only.clone())
    );
    assert_eq!(
        account_managers_only.to_string(),
        "only an account manager may escalate the case to a CSM"
    );
    assert_eq!(
        case.run(&maya(), escalate("Carla Diaz")),
        Err(account_managers_only)
    );
    assert_eq!(case.state().escalated_to, None);
    case.ok(&sam(), escalate("Carla Diaz"));
    let csms_only = role_required(Step::RecordCsmOutcome, &[Role::Csm]);
    assert_eq!(
        case.run(&sam(), csm_outcome(false, "No fit")),
        Err(csms_only.clone())
    );
    assert_eq!(
        csms_only.to_string(),
        "only a customer success manager may record the CSM's outcome"
    );
    assert_eq!(
        case.run(&maya(), csm_outcome(true, "Saved")),
        Err(csms_only)
    );
    assert!(!case.state().csm_engaged);
    assert_eq!(
        case.ok(&carla(), csm_outcome(false, "No fit")),
        vec![CaseEvent::CsmOutcomeRecorded {
            retained: false,
            note: "No fit".into(),
        }]
    );
}

#[test]
fn wootrecruit_missing_form_blocks_the_cancellation() {
    let mut case = open(wootrecruit(), facts("Standard"));
    // The identity gate is looked at before the form.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::IdentityVerified))
    );
    case.ok(&sam(), verify_by_email());
    case.ok(&sam(), escalate("Carla Diaz"));
    case.ok(&carla(), csm_outcome(false, "No fit"));
    // Everything else is done: only the form is missing.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::FormReceived))
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::RemindForm),
        Err(CoreError::invalid(
            "form",
            "only a form that was sent and not returned can be reminded"
        ))
    );
    let how = "E-mailed with instructions on filling it in and where to submit it";
    assert_eq!(
        case.ok(&sam(), CaseCommand::SendForm { how: how.into() }),
        vec![CaseEvent::FormSent {
            how: how.into(),
            at: now(),
            submit_to: Some("cancellations@example.com".into()),
            instructions: Some(
                "Fill in every field and send the form back from the email address on file.".into()
            ),
            // Three days after Tuesday 10:00 in New York.
            remind_at: Some(at("2026-11-27T15:00:00Z")),
        }]
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::RemindForm),
        vec![CaseEvent::FormReminded {
            at: now(),
            remind_at: Some(at("2026-11-27T15:00:00Z"))
        }]
    );
    assert_eq!(case.state().form_reminders, 1);
    let mut without_date = filled_form();
    without_date.remove("Requested cancellation date");
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::ReceiveForm {
                fields: without_date
            }
        ),
        Err(CoreError::invalid(
            "Requested cancellation date",
            "the form must have this field filled in"
        ))
    );
    let mut blank_contact = filled_form();
    blank_contact.insert("Preferred contact method".into(), "  ".into());
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::ReceiveForm {
                fields: blank_contact
            }
        ),
        Err(CoreError::invalid(
            "Preferred contact method",
            "the form must have this field filled in"
        ))
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::FormReceived))
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::ReceiveForm {
                fields: filled_form()
            }
        ),
        vec![CaseEvent::FormReceived {
            fields: filled_form(),
            at: now(),
        }]
    );
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::ReceiveForm {
                fields: filled_form()
            }
        ),
        Err(CoreError::invalid("form", "the form was already received"))
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::RemindForm),
        Err(CoreError::invalid(
            "form",
            "only a form that was sent and not returned can be reminded"
        ))
    );
    // "Understand the reason": it is recorded before the cancellation.
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(gate(Gate::ReasonCaptured))
    );
    case.ok(
        &sam(),
        capture_reason("hiring_freeze", "Company-wide hiring freeze"),
    );
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
}

#[test]
fn wootrecruit_failed_verification_closes_the_case() {
    let mut case = open(wootrecruit(), facts("Standard"));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("+1 555 999 0000".into()),
                evidence: "Called the number in the e-mail signature".into(),
            }
        ),
        Err(CoreError::invalid(
            "contact_used",
            "must be the contact on file, not one the requester gave"
        ))
    );
    let note = "Nobody at the number on file asked to cancel";
    assert_eq!(
        case.ok(&sam(), fail_verification(note)),
        vec![CaseEvent::VerificationFailed { note: note.into() }]
    );
    let failed = CaseStatus::VerificationFailed;
    assert_eq!(case.state().status, failed);
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::SendForm {
                how: "e-mail".into()
            }
        ),
        Err(transition(failed, "send the form for"))
    );
    assert_eq!(
        case.run(&sam(), escalate("Carla Diaz")),
        Err(transition(failed, "escalate"))
    );
    assert_eq!(
        case.run(&carla(), csm_outcome(true, "Saved")),
        Err(transition(failed, "record the CSM's outcome on"))
    );
    assert_eq!(
        case.run(&sam(), finalize(december_16())),
        Err(transition(failed, "finalize"))
    );
    assert_eq!(
        case.run(&sam(), feedback("Nothing", None)),
        Err(transition(failed, "record exit feedback on"))
    );
}

#[test]
fn wootrecruit_happy_cancellation_confirmed_on_the_preferred_channel_with_feedback() {
    let mut facts = facts("Standard");
    facts.preferred_channel = Some(PreferredChannel::Phone);
    let mut case = Case::new(wootrecruit(), facts);
    assert_eq!(
        case.ok(&sam(), receive()),
        vec![received("2026-11-25T15:00:00Z")]
    );
    // Recording the acknowledgement message acknowledges the request: one action, one clock stop.
    let acknowledgement = CaseCommand::RecordMessage {
        kind: MessageKind::Acknowledgement,
        channel: PreferredChannel::Email,
        body: "Thank you for reaching out.".into(),
        email: None,
    };
    assert_eq!(
        case.ok(&sam(), acknowledgement),
        vec![
            CaseEvent::MessageSent {
                message: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "Thank you for reaching out.".into(),
                at: now(),
                survey_link: None,
                email: None,
            },
            CaseEvent::Acknowledged {
                at: now(),
                channel: Some(AcknowledgeChannel::Message),
                note: None,
            }
        ]
    );
    // 1. Verify the identity first.
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("+1 (555) 010-2030".into()),
                evidence: "Called back the number on file".into(),
            }
        ),
        vec![CaseEvent::IdentityVerified {
            method: VerificationMethod::CallbackToPhoneOnFile,
            contact_used: Some("+1 (555) 010-2030".into()),
            evidence: "Called back the number on file".into(),
            at: now(),
            provisional: false,
        }]
    );
    // 2. The form, sent and received.
    case.ok(
        &sam(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    case.ok(
        &sam(),
        CaseCommand::ReceiveForm {
            fields: filled_form(),
        },
    );
    // 3. The reason, and on to the alternatives.
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::CaptureReason {
                reason_id: "hiring_freeze".into(),
                details: "No hiring planned next year".into(),
                pain_points: vec!["seat price".into()],
            }
        ),
        vec![CaseEvent::ReasonCaptured {
            reason_id: "hiring_freeze".into(),
            details: "No hiring planned next year".into(),
            pain_points: vec!["seat price".into()],
        }]
    );
    assert_eq!(
        case.ok(&sam(), CaseCommand::Route),
        vec![routed(Route::Continue, None, None)]
    );
    // 4. The CSM's final attempt.
    case.ok(&sam(), escalate("Carla Diaz"));
    case.ok(&carla(), csm_outcome(false, "No fit"));
    // 5. Finalize, then confirm on the preferred method.
    case.confirm_checklist_before(&sam());
    assert_eq!(
        case.ok(&sam(), finalize(december_16())),
        vec![finalized(december_16(), Some(usd(16_000)))]
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "must be the customer's preferred channel, phone"
        ))
    );
    assert_eq!(
        case.run(&sam(), confirm(PreferredChannel::Phone)),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on phone first; recording it confirms the cancellation"
        ))
    );
    assert_eq!(
        case.ok(&sam(), confirmation_message(PreferredChannel::Phone)),
        confirmation_sent(PreferredChannel::Phone, now())
    );
    // 6. Feedback.
    assert_eq!(
        case.ok(
            &sam(),
            feedback("Good product; the freeze is the only reason", None)
        ),
        vec![feedback_recorded(
            "Good product; the freeze is the only reason",
            None
        )]
    );
    assert_eq!(
        case.run(&sam(), CaseCommand::ScheduleWinBack),
        Err(no_win_back_schedule())
    );
    let state = case.state();
    assert_eq!(state.status, CaseStatus::Cancelled);
    assert!(state.identity_verified && state.form_received && state.csm_engaged);
    assert_eq!(state.reason_id.as_deref(), Some("hiring_freeze"));
    assert_eq!(state.confirmed_on, Some(PreferredChannel::Phone));
    assert!(state.feedback_recorded);
    // With the acknowledgement message, the checklist's "processed in the system" and the
    // confirmation message.
    assert_eq!(case.events.len(), 15);
}
