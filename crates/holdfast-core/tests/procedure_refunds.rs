//! Refunds as the procedures write them, on their real presets: the refund window counted from the
//! charge (IntelliServe's 90 days, refused or approved as the policy says), the threshold per
//! request (the 2017 SOP) or per case (IntelliServe), billing completing refunds, and billing's
//! work (the refund to process, the review, the 2017 SOP's heads-up) reaching billing's queue with
//! what billing needs to see.

mod common;

use common::{now, person, test_account, usd, Case};
use holdfast_core::error::Gate;
use holdfast_core::money::Money;
use holdfast_core::policy::{
    parse_policy, render_policy, MessageKind, OutsideWindow, Policy, Step, ThresholdScope,
};
use holdfast_core::read_model::{case_read_model, Task, TaskKind};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, Actor, CaseCommand, CaseEvent, NextActionId, RefundReviewReason, RefundStatus,
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
    person("Heather", &[Role::Billing])
}

fn hank() -> Actor {
    person("hank", &[Role::Billing])
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn refund(n: u128, amount: Money, why: &str, charged_on: Option<Date>) -> CaseCommand {
    CaseCommand::RequestRefund {
        refund_id: id(n),
        amount,
        justification: why.into(),
        charged_on,
    }
}

fn verify(n: u128) -> CaseCommand {
    CaseCommand::VerifyRefund { refund_id: id(n) }
}

fn complete(n: u128) -> CaseCommand {
    CaseCommand::CompleteRefund { refund_id: id(n) }
}

fn role_required(step: Step, needed: &[Role]) -> Result<Vec<CaseEvent>, CoreError> {
    Err(CoreError::RoleRequired {
        step,
        needed: needed.to_vec(),
    })
}

fn gate(gate: Gate) -> Result<Vec<CaseEvent>, CoreError> {
    Err(CoreError::GateNotMet { gate })
}

/// The requested refund's event fields that say how it was routed.
fn routed(events: &[CaseEvent]) -> (bool, bool, MessageKind, Vec<RefundReviewReason>) {
    match events {
        [CaseEvent::RefundRequested {
            under_review,
            billing_heads_up,
            customer_notice,
            review_reasons,
            ..
        }] => (
            *under_review,
            *billing_heads_up,
            *customer_notice,
            review_reasons.clone(),
        ),
        other => panic!("expected one RefundRequested, got {other:?}"),
    }
}

fn to_billing() -> (bool, bool, MessageKind, Vec<RefundReviewReason>) {
    (false, false, MessageKind::RefundNotice, vec![])
}

fn under_review(
    reasons: &[RefundReviewReason],
) -> (bool, bool, MessageKind, Vec<RefundReviewReason>) {
    (true, true, MessageKind::UnderReview, reasons.to_vec())
}

/// The case's tasks about refund `n`, as the store writes them for the queues.
fn tasks_about(case: &Case, n: u128) -> Vec<Task> {
    case_read_model(case.state(), Some(&case.policy), Some(&case.account))
        .expect("the read model")
        .tasks
        .into_iter()
        .filter(|task| task.subject == Some(id(n)))
        .collect()
}

fn task(tasks: &[Task], kind: TaskKind) -> Task {
    tasks
        .iter()
        .find(|task| task.kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind:?} task in {tasks:?}"))
}

fn has_task(tasks: &[Task], kind: TaskKind) -> bool {
    tasks.iter().any(|task| task.kind == kind)
}

// ---------------------------------------------------------------------------------------------
// The 2017 SOP: $1000 or less per request goes to Heather in billing; over $1000 is reviewed and
// Heather gets a heads-up.

fn case_2017() -> Case {
    Case::received(preset(ACCOUNT_2017), test_account())
}

#[test]
fn account_2017_threshold_applies_to_each_refund_request_at_exactly_1000() {
    let policy = preset(ACCOUNT_2017);
    assert_eq!(policy.refunds.threshold_applies_to, ThresholdScope::Request);
    let mut case = case_2017();
    assert_eq!(
        routed(&case.ok(&sam(), refund(1, usd(100_000), "Double charge", None))),
        to_billing()
    );
    // A second request of exactly $1000 on the same case is "$1000 or less" as well: the SOP
    // reads the value of the refund request, not the case's total.
    assert_eq!(
        routed(&case.ok(
            &sam(),
            refund(2, usd(100_000), "Second double charge", None)
        )),
        to_billing()
    );
    assert_eq!(
        case.state().refunds[&id(2)].status,
        RefundStatus::BillingInProgress
    );
    // One cent more is over $1000.
    assert_eq!(
        routed(&case.ok(&sam(), refund(3, usd(100_001), "Annual prepayment", None))),
        under_review(&[RefundReviewReason::AboveThreshold])
    );
    assert_eq!(
        case.state().refunds[&id(3)].status,
        RefundStatus::UnderReview
    );
}

#[test]
fn account_2017_a_refund_to_process_is_in_heathers_queue_and_billing_completes_it() {
    let mut case = case_2017();
    case.ok(
        &sam(),
        refund(1, usd(100_000), "Billed after the downgrade", None),
    );
    let processing = task(&tasks_about(&case, 1), TaskKind::RefundProcessing);
    assert_eq!(processing.assignee.as_deref(), Some("Heather"));
    assert_eq!(processing.assignee_role, Some(Role::Billing));
    assert!(processing.open);
    assert_eq!(processing.kind.as_str(), "refund_processing");
    // At or under the threshold nothing is reviewed, so billing gets no heads-up either.
    assert!(!has_task(&tasks_about(&case, 1), TaskKind::BillingHeadsUp));
    assert!(!has_task(&tasks_about(&case, 1), TaskKind::RefundReview));

    // "Heather will issue the refund": billing completes, and only billing.
    assert_eq!(
        case.run(&sam(), complete(1)),
        role_required(Step::CompleteRefund, &[Role::Billing])
    );
    assert_eq!(
        case.run(&maya(), complete(1)),
        role_required(Step::CompleteRefund, &[Role::Billing])
    );
    case.ok(&heather(), complete(1));
    assert_eq!(case.state().refunds[&id(1)].status, RefundStatus::Completed);
    assert!(!task(&tasks_about(&case, 1), TaskKind::RefundProcessing).open);
}

#[test]
fn account_2017_heads_up_reaches_heather_with_the_amount_the_requester_and_why() {
    let mut case = case_2017();
    let why = "Annual prepayment, cancelled in month two";
    case.ok(
        &sam(),
        refund(1, usd(150_000), why, Some(date(2026, 11, 2))),
    );
    let tasks = tasks_about(&case, 1);

    let heads_up = task(&tasks, TaskKind::BillingHeadsUp);
    assert_eq!(heads_up.kind.as_str(), "billing_heads_up");
    assert_eq!(heads_up.assignee.as_deref(), Some("Heather"));
    assert_eq!(heads_up.assignee_role, Some(Role::Billing));
    assert!(heads_up.open);
    assert_eq!(
        heads_up.id,
        format!("{}/billing_heads_up/{}", case.state().id, id(1))
    );
    let detail = heads_up.detail.expect("the heads-up says what it is about");
    for needed in [
        "1500.00 USD",
        why,
        "sam",
        "above the refund threshold",
        "2026-11-02",
    ] {
        assert!(
            detail.contains(needed),
            "{needed:?} missing from {detail:?}"
        );
    }

    // Heather reviews refunds in this SOP, so the review is hers too.
    let review = task(&tasks, TaskKind::RefundReview);
    assert_eq!(review.assignee.as_deref(), Some("Heather"));
    assert_eq!(review.assignee_role, Some(Role::Billing));
    assert!(review.open);
    assert!(!has_task(&tasks, TaskKind::RefundProcessing));

    // Verified by a second billing person: the heads-up is answered, the refund is billing's to
    // process.
    case.ok(&hank(), verify(1));
    let tasks = tasks_about(&case, 1);
    assert!(!task(&tasks, TaskKind::BillingHeadsUp).open);
    assert!(!task(&tasks, TaskKind::RefundReview).open);
    let processing = task(&tasks, TaskKind::RefundProcessing);
    assert!(processing.open);
    assert_eq!(processing.assignee.as_deref(), Some("Heather"));
}

#[test]
fn account_2017_a_denied_refund_closes_its_heads_up_and_the_denial_gives_a_reason() {
    let mut case = case_2017();
    case.ok(&sam(), refund(1, usd(100_001), "Goodwill", None));
    let deny = |reason: &str| CaseCommand::DenyRefund {
        refund_id: id(1),
        reason: reason.into(),
    };
    assert_eq!(
        case.run(&hank(), deny("  ")),
        Err(CoreError::invalid(
            "reason",
            "say why the refund is denied; the customer is told"
        ))
    );
    assert!(task(&tasks_about(&case, 1), TaskKind::BillingHeadsUp).open);
    case.ok(&hank(), deny("Outside the contract's terms"));
    let tasks = tasks_about(&case, 1);
    assert!(!task(&tasks, TaskKind::BillingHeadsUp).open);
    assert!(!task(&tasks, TaskKind::RefundReview).open);
}

#[test]
fn account_2017_whoever_approves_sees_the_justification_the_charge_and_the_heads_up() {
    let mut case = case_2017();
    case.ok(
        &sam(),
        refund(
            1,
            usd(120_000),
            "  Charged twice in November ",
            Some(date(2026, 11, 2)),
        ),
    );
    let list = checklist(case.state(), &case.policy, &case.account, &hank());
    let [refund] = list.refunds.as_slice() else {
        panic!("one refund: {:?}", list.refunds);
    };
    assert_eq!(refund.justification, "Charged twice in November");
    assert_eq!(refund.charged_on, Some(date(2026, 11, 2)));
    assert_eq!(refund.requested_by, "sam");
    assert!(refund.billing_heads_up);
    assert_eq!(
        refund.review_reasons,
        vec![RefundReviewReason::AboveThreshold]
    );
    assert_eq!(list.refund_threshold_applies_to, ThresholdScope::Request);
    assert_eq!(list.refund_window_days, None);
}

#[test]
fn account_2017_per_request_threshold_still_keeps_the_case_total_countable() {
    let mut case = case_2017();
    case.ok(&sam(), refund(1, usd(i64::MAX), "Everything", None));
    assert_eq!(
        case.run(&sam(), refund(2, usd(1), "One cent more", None)),
        Err(CoreError::invalid(
            "amount",
            "the case's refunds would be too large to count"
        ))
    );
    assert_eq!(case.state().refunds.len(), 1);
}

#[test]
fn account_2017_sets_no_window_but_a_charge_cannot_be_in_the_future() {
    let mut case = case_2017();
    // No window in the SOP: the charge date is not required, and an old charge is refundable.
    assert_eq!(
        routed(&case.ok(&sam(), refund(1, usd(5_000), "Old overcharge", None))),
        to_billing()
    );
    assert_eq!(
        routed(&case.ok(
            &sam(),
            refund(2, usd(5_000), "Older overcharge", Some(date(2024, 1, 5)))
        )),
        to_billing()
    );
    assert!(matches!(
        case.run(&sam(), refund(3, usd(5_000), "Next month", Some(date(2026, 11, 25)))),
        Err(CoreError::Invalid { field, .. }) if field == "charged_on"
    ));
}

#[test]
fn account_2017_reads_back_its_refund_rules() {
    let policy = preset(ACCOUNT_2017);
    assert_eq!(policy.refunds.billing_assignee.as_deref(), Some("Heather"));
    assert_eq!(policy.roles_for(Step::CompleteRefund), [Role::Billing]);
    let sentences = render_policy(&policy).join("\n");
    for needed in [
        "each refund request on its own",
        "Heather in billing gets the refunds to process, the refunds to review and a heads-up on every refund under review",
        "Only billing staff may complete a refund.",
    ] {
        assert!(sentences.contains(needed), "{needed:?} missing from:\n{sentences}");
    }
    for needed in [
        "threshold_applies_to = \"request\"",
        "billing_assignee = \"Heather\"",
    ] {
        assert!(ACCOUNT_2017.contains(needed));
    }
    // The header says both choices in words.
    let header: String = ACCOUNT_2017
        .lines()
        .take_while(|line| line.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        header.contains("applies to each refund request"),
        "{header}"
    );
    assert!(
        header.contains("Heather is named as billing's person"),
        "{header}"
    );
}

// ---------------------------------------------------------------------------------------------
// IntelliServe: a 90-day refund window from the charge; later refunds need a manager's approval;
// the 500.00 threshold counts the case's refunds; billing completes, managers verify.

fn intelliserve_case() -> Case {
    Case::verified(preset(INTELLISERVE), test_account())
}

/// `now()` is Tuesday 2026-11-24 in New York: August 26 is exactly 90 days before.
fn ninety_days_before() -> Date {
    date(2026, 8, 26)
}

#[test]
fn intelliserve_refund_needs_the_date_of_its_charge() {
    let mut case = intelliserve_case();
    let refused = case.run(&sam(), refund(1, usd(10_000), "Outage", None));
    let Err(CoreError::Invalid { field, message }) = refused else {
        panic!("a refund without its charge date was accepted: {refused:?}");
    };
    assert_eq!(field, "charged_on");
    assert!(message.contains("90 days"), "{message}");
    assert!(case.state().refunds.is_empty());
}

#[test]
fn intelliserve_refund_exactly_90_days_after_the_charge_is_inside_the_window() {
    let mut case = intelliserve_case();
    assert_eq!(
        routed(&case.ok(
            &sam(),
            refund(1, usd(10_000), "Outage", Some(ninety_days_before()))
        )),
        to_billing()
    );
    assert_eq!(
        case.state().refunds[&id(1)].charged_on,
        Some(ninety_days_before())
    );
    // 91 days: outside, so under review whatever the amount (10.00 is far under 500.00).
    let day_91 = date(2026, 8, 25);
    assert_eq!(
        routed(&case.ok(&sam(), refund(2, usd(1_000), "Late claim", Some(day_91)))),
        under_review(&[RefundReviewReason::OutsideWindow])
    );
    assert_eq!(
        case.state().refunds[&id(2)].status,
        RefundStatus::UnderReview
    );
}

#[test]
fn intelliserve_counts_the_window_in_its_own_time_zone() {
    let mut case = intelliserve_case();
    // 03:00 UTC on the 25th is still 22:00 on the 24th in New York: the 90th day.
    let late_evening: Timestamp = "2026-11-25T03:00:00Z".parse().unwrap();
    let events = case
        .run_at(
            &sam(),
            refund(1, usd(10_000), "Outage", Some(ninety_days_before())),
            late_evening,
        )
        .expect("the 90th day in New York is inside the window");
    assert_eq!(routed(&events), to_billing());
    // And a charge dated the 25th is still tomorrow there.
    assert!(matches!(
        case.run_at(&sam(), refund(2, usd(100), "Tomorrow", Some(date(2026, 11, 25))), late_evening),
        Err(CoreError::Invalid { field, .. }) if field == "charged_on"
    ));
}

#[test]
fn intelliserve_charge_after_the_request_is_invalid() {
    let mut case = intelliserve_case();
    let refused = case.run(
        &sam(),
        refund(1, usd(100), "Typo", Some(date(2026, 11, 25))),
    );
    let Err(CoreError::Invalid { field, message }) = refused else {
        panic!("a charge in the future was accepted: {refused:?}");
    };
    assert_eq!(field, "charged_on");
    assert!(message.contains("after today"), "{message}");
    // The day of the request itself is a charge like any other.
    case.ok(
        &sam(),
        refund(
            2,
            usd(100),
            "Charged today by mistake",
            Some(date(2026, 11, 24)),
        ),
    );
}

#[test]
fn intelliserve_refund_after_the_window_is_verified_by_another_manager_and_completed_by_billing() {
    let policy = preset(INTELLISERVE);
    assert_eq!(policy.refunds.window_days, Some(90));
    assert_eq!(policy.refunds.outside_window, OutsideWindow::Approval);
    let mut case = intelliserve_case();
    case.ok(
        &maya(),
        refund(
            1,
            usd(2_000),
            "Billing error in July",
            Some(date(2026, 7, 31)),
        ),
    );
    let state = &case.state().refunds[&id(1)];
    assert_eq!(
        state.review_reasons,
        vec![RefundReviewReason::OutsideWindow]
    );

    // The review goes to managers (the approving role); no billing person is named.
    let review = task(&tasks_about(&case, 1), TaskKind::RefundReview);
    assert_eq!(
        (review.assignee, review.assignee_role),
        (None, Some(Role::Manager))
    );
    let heads_up = task(&tasks_about(&case, 1), TaskKind::BillingHeadsUp);
    assert_eq!(
        (heads_up.assignee, heads_up.assignee_role),
        (None, Some(Role::Billing))
    );
    assert!(heads_up
        .detail
        .unwrap()
        .contains("requested after the refund window"));

    assert_eq!(
        case.run(&heather(), complete(1)),
        gate(Gate::RefundVerified)
    );
    assert_eq!(case.run(&maya(), verify(1)), gate(Gate::SecondVerifier));
    assert_eq!(
        case.run(&sam(), verify(1)),
        role_required(Step::ApproveRefund, &[Role::Manager])
    );
    assert_eq!(
        case.run(&heather(), verify(1)),
        role_required(Step::ApproveRefund, &[Role::Manager])
    );
    case.ok(&mo(), verify(1));
    assert_eq!(
        case.run(&mo(), complete(1)),
        role_required(Step::CompleteRefund, &[Role::Billing])
    );
    case.ok(&heather(), complete(1));
    let state = &case.state().refunds[&id(1)];
    assert_eq!(state.status, RefundStatus::Completed);
    assert_eq!(state.verified_by.as_deref(), Some("mo"));
}

#[test]
fn intelliserve_refund_over_500_and_after_the_window_says_both() {
    let mut case = intelliserve_case();
    assert_eq!(
        routed(&case.ok(
            &sam(),
            refund(1, usd(60_000), "Annual plan", Some(date(2026, 1, 15)))
        )),
        under_review(&[
            RefundReviewReason::AboveThreshold,
            RefundReviewReason::OutsideWindow
        ])
    );
}

#[test]
fn intelliserve_set_to_refuse_refuses_a_late_refund_with_its_reason() {
    let reason = "Refunds are possible within 90 days of the charge under our terms.";
    let source = INTELLISERVE.replace(
        "outside_window = \"approval\"\n",
        &format!("outside_window = \"refuse\"\noutside_window_reason = \"{reason}\"\n"),
    );
    let mut case = Case::verified(preset(&source), test_account());
    assert_eq!(
        case.run(
            &sam(),
            refund(1, usd(1_000), "Late claim", Some(date(2026, 8, 25)))
        ),
        Err(CoreError::invalid("charged_on", reason))
    );
    assert!(case.state().refunds.is_empty());
    // On the 90th day it goes to billing as usual.
    assert_eq!(
        routed(&case.ok(
            &sam(),
            refund(1, usd(1_000), "Claim", Some(ninety_days_before()))
        )),
        to_billing()
    );
    let sentences = render_policy(&preset(&source)).join("\n");
    assert!(sentences.contains(reason), "{sentences}");

    // Without a reason of its own the policy refuses with a default sentence naming the window.
    let source = INTELLISERVE.replace("outside_window = \"approval\"\n", "");
    let policy = preset(&source);
    assert_eq!(policy.refunds.outside_window, OutsideWindow::Refuse);
    let mut case = Case::verified(policy, test_account());
    let refused = case.run(
        &sam(),
        refund(1, usd(1_000), "Late claim", Some(date(2026, 8, 25))),
    );
    let Err(CoreError::Invalid { field, message }) = refused else {
        panic!("a late refund was accepted: {refused:?}");
    };
    assert_eq!(field, "charged_on");
    assert!(message.contains("within 90 days"), "{message}");
}

#[test]
fn intelliserve_threshold_counts_the_case_refunds_at_exactly_500() {
    let policy = preset(INTELLISERVE);
    assert_eq!(policy.refunds.threshold_applies_to, ThresholdScope::Case);
    let mut case = intelliserve_case();
    let charge = Some(date(2026, 11, 2));
    assert_eq!(
        routed(&case.ok(&sam(), refund(1, usd(40_000), "Outage", charge))),
        to_billing()
    );
    // 400.00 + 100.00 is exactly 500.00: still billing's.
    assert_eq!(
        routed(&case.ok(&sam(), refund(2, usd(10_000), "Overage", charge))),
        to_billing()
    );
    // One cent more on the case is over 500.00.
    assert_eq!(
        routed(&case.ok(&sam(), refund(3, usd(1), "Rounding", charge))),
        under_review(&[RefundReviewReason::AboveThreshold])
    );
    // Billing's queue shows the refunds to process to billing staff as a team.
    let processing = task(&tasks_about(&case, 1), TaskKind::RefundProcessing);
    assert_eq!(
        (processing.assignee, processing.assignee_role),
        (None, Some(Role::Billing))
    );
}

#[test]
fn intelliserve_the_palette_offers_completing_a_refund_to_billing_not_managers() {
    let mut case = intelliserve_case();
    case.ok(
        &sam(),
        refund(1, usd(10_000), "Outage", Some(date(2026, 11, 2))),
    );
    let action = |who: &Actor| {
        checklist(case.state(), &case.policy, &case.account, who)
            .next_actions
            .into_iter()
            .find(|action| action.id == NextActionId::CompleteRefund)
            .expect("completing the refund is offered")
    };
    let for_billing = action(&heather());
    assert_eq!(for_billing.step, Step::CompleteRefund);
    assert_eq!(for_billing.disabled_reason, None);
    assert_eq!(
        action(&maya()).disabled_reason.as_deref(),
        Some("only billing staff may complete a refund")
    );
    let list = checklist(case.state(), &case.policy, &case.account, &heather());
    assert_eq!(list.refund_window_days, Some(90));
}

#[test]
fn intelliserve_reads_back_its_window_and_who_completes() {
    let sentences = render_policy(&preset(INTELLISERVE)).join("\n");
    for needed in [
        "Refunds are possible up to 90 days after the charge.",
        "Every refund request gives the date of the charge it refunds",
        "A refund requested later is under review whatever its amount: a manager, other than the person who requested it, verifies it",
        "Only billing staff may complete a refund.",
        "Only a manager may approve a refund.",
        "counting every refund on the case that was not denied",
    ] {
        assert!(sentences.contains(needed), "{needed:?} missing from:\n{sentences}");
    }
}

// ---------------------------------------------------------------------------------------------
// Billsbee, Kodif, WootRecruit: silent on who completes refunds; the presets choose billing.

#[test]
fn billing_completes_refunds_in_the_presets_that_are_silent_on_it() {
    for (name, source) in [
        ("billsbee", BILLSBEE),
        ("kodif", KODIF),
        ("wootrecruit", WOOTRECRUIT),
    ] {
        let policy = preset(source);
        assert_eq!(
            policy.roles_for(Step::CompleteRefund),
            [Role::Billing],
            "{name}"
        );
        assert!(policy.roles_for(Step::ApproveRefund).is_empty(), "{name}");
        assert_eq!(
            policy.refunds.threshold_applies_to,
            ThresholdScope::Case,
            "{name}"
        );
        assert_eq!(policy.refunds.window_days, None, "{name}");
        let mut facts = test_account();
        facts.tier = policy.tiers[0].clone();
        // Billsbee verifies by a call back, which a refund does not wait for there; WootRecruit's
        // gate accepts the e-mail on file.
        let mut case = if policy.gates.identity_before_changes {
            Case::verified(policy, facts)
        } else {
            Case::received(policy, facts)
        };
        case.ok(
            &sam(),
            refund(1, usd(4_900), "Charged after cancelling", None),
        );
        // Anyone with a role but the requester verifies; only billing completes.
        case.ok(&maya(), verify(1));
        assert_eq!(
            case.run(&maya(), complete(1)),
            role_required(Step::CompleteRefund, &[Role::Billing]),
            "{name}"
        );
        assert_eq!(
            case.run(&sam(), complete(1)),
            role_required(Step::CompleteRefund, &[Role::Billing]),
            "{name}"
        );
        case.ok(&hank(), complete(1));
        assert_eq!(
            case.state().refunds[&id(1)].status,
            RefundStatus::Completed,
            "{name}"
        );
        // No billing person named: the review is anyone's, the processing billing's.
        let tasks = tasks_about(&case, 1);
        let review = task(&tasks, TaskKind::RefundReview);
        assert_eq!(
            (review.assignee, review.assignee_role),
            (None, None),
            "{name}"
        );
        let processing = task(&tasks, TaskKind::RefundProcessing);
        assert_eq!(
            (processing.assignee, processing.assignee_role),
            (None, Some(Role::Billing)),
            "{name}"
        );
    }
}

#[test]
fn a_policy_silent_on_completing_refunds_keeps_its_approvers() {
    // The engine's test policy names billing to approve refunds and nobody to complete them.
    let policy = common::test_policy();
    assert_eq!(policy.roles_for(Step::CompleteRefund), [Role::Billing]);
    assert_eq!(policy.refunds.outside_window, OutsideWindow::Refuse);
    assert_eq!(policy.refunds.threshold_applies_to, ThresholdScope::Case);
    assert_eq!(policy.refunds.billing_assignee, None);
}

#[test]
fn an_older_refund_event_without_the_new_fields_still_reads() {
    // Stored before charge dates and review reasons were recorded.
    let stored = serde_json::json!({
        "kind": "refund_requested",
        "refund_id": id(1),
        "amount": usd(150_000),
        "justification": "Annual prepayment",
        "requested_by": "sam",
        "under_review": true,
        "billing_heads_up": true,
        "customer_notice": "under_review",
        "at": now(),
    });
    let event: CaseEvent = serde_json::from_value(stored.clone()).expect("an old event reads");
    let CaseEvent::RefundRequested {
        charged_on,
        review_reasons,
        ..
    } = &event
    else {
        panic!("{event:?}");
    };
    assert_eq!((charged_on, review_reasons.is_empty()), (&None, true));
    // Written again it is the same JSON, so its hash does not change.
    assert_eq!(serde_json::to_value(&event).unwrap(), stored);
}
