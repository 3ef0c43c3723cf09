//! IntelliServe's refund follow-up (refund guide, section 7: "Check refund status after 5 business
//! days; contact customer to confirm refund receipt"): an issued refund makes a task for its
//! requester, due five business days later in the policy's calendar with its holidays; recording
//! the check closes it, once, on an issued refund only; it leads the case page when due, on an open
//! case and after the cancellation.

mod common;

use common::{person, test_account, usd, Case};
use holdfast_core::case::CaseStatus;
use holdfast_core::policy::{parse_policy, render_policy, Policy, Step};
use holdfast_core::queue::{queues_in_use, Queue};
use holdfast_core::read_model::{case_read_model, Task, TaskKind};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, checklist_at, Actor, CaseCommand, CaseEvent, NextActionId, RefundStatusCheck,
};
use holdfast_core::CoreError;
use jiff::civil::date;
use jiff::Timestamp;
use uuid::Uuid;

const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");

/// IntelliServe with Thanksgiving and the day after it as holidays.
fn intelliserve_with_thanksgiving() -> Policy {
    let source = INTELLISERVE.replacen(
        "closes = \"17:00\"\n",
        "closes = \"17:00\"\nholidays = [\"2026-11-26\", \"2026-11-27\"]\n",
        1,
    );
    parse_policy(&source).expect("the preset with holidays parses")
}

fn sam() -> Actor {
    person("sam", &[Role::AccountManager])
}

fn heather() -> Actor {
    person("heather", &[Role::Billing])
}

fn maya() -> Actor {
    person("maya", &[Role::Manager])
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Wednesday 2026-11-25, 10:00 in New York: the day before Thanksgiving.
fn wednesday_before_thanksgiving() -> Timestamp {
    at("2026-11-25T15:00:00Z")
}

const REFUND: Uuid = Uuid::from_u128(1);

fn request(amount_minor: i64) -> CaseCommand {
    CaseCommand::RequestRefund {
        refund_id: REFUND,
        amount: usd(amount_minor),
        justification: "Charged twice in November".into(),
        charged_on: Some(date(2026, 11, 2)),
    }
}

fn check(received: bool, note: &str) -> CaseCommand {
    CaseCommand::RecordRefundStatusCheck {
        refund_id: REFUND,
        received,
        note: note.into(),
    }
}

/// An IntelliServe case whose 120.00 refund Sam requested and billing issued on the Wednesday
/// before Thanksgiving.
fn issued(policy: Policy) -> Case {
    let mut case = Case::verified(policy, test_account());
    case.ok(&sam(), request(12_000));
    case.run_at(
        &heather(),
        CaseCommand::CompleteRefund { refund_id: REFUND },
        wednesday_before_thanksgiving(),
    )
    .expect("billing completes the refund");
    case
}

fn status_check_task(case: &Case) -> Task {
    let model = case_read_model(case.state(), Some(&case.policy), Some(&case.account)).unwrap();
    let mut checks: Vec<Task> = model
        .tasks
        .into_iter()
        .filter(|task| task.kind == TaskKind::RefundStatusCheck)
        .collect();
    assert_eq!(checks.len(), 1, "{checks:?}");
    checks.remove(0)
}

fn invalid(field: &str, message: &str) -> Result<Vec<CaseEvent>, CoreError> {
    Err(CoreError::invalid(field, message))
}

#[test]
fn intelliserve_asks_for_the_check_after_5_business_days_and_no_other_preset_does() {
    let policy = parse_policy(INTELLISERVE).unwrap();
    assert_eq!(policy.refunds.status_check_business_days, Some(5));
    for source in [
        include_str!("../../../policies/account-cancellation-2017.toml"),
        include_str!("../../../policies/billsbee.toml"),
        include_str!("../../../policies/kodif-order-cancellation.toml"),
        include_str!("../../../policies/wootrecruit.toml"),
    ] {
        assert_eq!(
            parse_policy(source)
                .unwrap()
                .refunds
                .status_check_business_days,
            None
        );
    }
    let sentences = render_policy(&policy).join("\n");
    assert!(
        sentences.contains("5 business days after a refund is issued, the person who requested it checks with the customer that it arrived"),
        "{sentences}"
    );
    // The requester's queue shows it: the personal queue, in use under every policy.
    assert!(queues_in_use(&policy)
        .iter()
        .any(|used| used.queue == Queue::MyTasks && used.unused_because.is_none()));
}

#[test]
fn a_refund_issued_the_wednesday_before_thanksgiving_is_checked_after_the_weekend_and_the_holidays()
{
    let case = issued(intelliserve_with_thanksgiving());
    let task = status_check_task(&case);
    // Thursday and Friday are holidays, then the weekend: Monday 30 November is the first business
    // day, and the fifth is Friday 4 December, at the hour it was issued.
    assert_eq!(task.due_at, at("2026-12-04T15:00:00Z"));
    assert_eq!(task.assignee.as_deref(), Some("sam"));
    assert_eq!(task.assignee_role, None);
    assert_eq!(task.subject, Some(REFUND));
    assert!(task.open);
    assert_eq!(
        task.detail.as_deref(),
        Some("Refund of 120.00 USD issued on Wednesday 2026-11-25: ask the customer whether it arrived")
    );
    assert!(matches!(
        case.events.last(),
        Some(CaseEvent::RefundCompleted { status_check_due: Some(due), .. })
            if *due == at("2026-12-04T15:00:00Z")
    ));

    // Without the holidays it would fall two business days earlier.
    let plain = issued(parse_policy(INTELLISERVE).unwrap());
    assert_eq!(status_check_task(&plain).due_at, at("2026-12-02T15:00:00Z"));
}

#[test]
fn recording_the_check_closes_the_task_with_who_and_when() {
    let mut case = issued(intelliserve_with_thanksgiving());
    // The customer called on Tuesday, before the check was due: it may be recorded then.
    let tuesday = at("2026-12-01T16:30:00Z");
    let events = case.run_at(&sam(), check(true, "  Arrived on Monday "), tuesday);
    assert_eq!(
        events,
        Ok(vec![CaseEvent::RefundStatusChecked {
            refund_id: REFUND,
            received: true,
            note: "Arrived on Monday".into(),
            by: "sam".into(),
            at: tuesday,
        }])
    );
    let refund = &case.state().refunds[&REFUND];
    assert_eq!(
        refund.status_check,
        Some(RefundStatusCheck {
            received: true,
            note: "Arrived on Monday".into(),
            by: "sam".into(),
            at: tuesday,
        })
    );
    assert!(!status_check_task(&case).open);
    let list = checklist_at(
        case.state(),
        &case.policy,
        &case.account,
        &sam(),
        at("2026-12-07T15:00:00Z"),
    );
    assert!(list.refund_checks_due.is_empty());
    assert!(!list
        .next_actions
        .iter()
        .any(|action| action.id == NextActionId::RefundStatusCheck));
    assert!(list
        .open_tasks
        .iter()
        .all(|task| task.kind != TaskKind::RefundStatusCheck));

    // Twice is refused, and says who checked.
    assert_eq!(
        case.run(&maya(), check(false, "Not there")),
        invalid(
            "refund_id",
            "the refund's status was already checked, by sam at 2026-12-01T16:30:00Z"
        )
    );
}

#[test]
fn a_refund_that_did_not_arrive_needs_a_note() {
    let mut case = issued(intelliserve_with_thanksgiving());
    assert_eq!(
        case.run(&sam(), check(false, "  ")),
        invalid(
            "note",
            "say what the customer told you: the refund has not arrived"
        )
    );
    assert!(
        status_check_task(&case).open,
        "a refused check changes nothing"
    );
    case.ok(&sam(), check(false, "Not on the card statement yet"));
    let done = case.state().refunds[&REFUND].status_check.clone().unwrap();
    assert!(!done.received);
    assert_eq!(done.note, "Not on the card statement yet");
}

#[test]
fn only_an_issued_refund_with_a_planned_check_is_checked() {
    let mut case = Case::verified(intelliserve_with_thanksgiving(), test_account());
    assert_eq!(
        case.run(&sam(), check(true, "")),
        invalid(
            "refund_id",
            "no refund with this id was requested on this case"
        )
    );
    case.ok(&sam(), request(12_000));
    let not_issued = invalid(
        "refund_id",
        "the refund has not been issued yet: check its status once billing has completed it",
    );
    assert_eq!(case.run(&sam(), check(true, "")), not_issued);
    assert!(
        !checklist(case.state(), &case.policy, &case.account, &sam())
            .next_actions
            .iter()
            .any(|action| action.id == NextActionId::RefundStatusCheck)
    );
    case.ok(
        &maya(),
        CaseCommand::DenyRefund {
            refund_id: REFUND,
            reason: "Charged once".into(),
        },
    );
    assert_eq!(
        case.run(&sam(), check(true, "")),
        invalid(
            "refund_id",
            "the refund was denied: nothing was issued to check"
        )
    );

    // A procedure that does not ask for the check plans none, and takes none.
    let without = INTELLISERVE.replacen("status_check_business_days = 5\n", "", 1);
    let mut case = issued(parse_policy(&without).unwrap());
    let model = case_read_model(case.state(), Some(&case.policy), Some(&case.account)).unwrap();
    assert!(model
        .tasks
        .iter()
        .all(|task| task.kind != TaskKind::RefundStatusCheck));
    assert_eq!(
        case.run(&sam(), check(true, "")),
        invalid(
            "refund_id",
            "no status check was planned for this refund: the procedure did not ask for one when it was issued"
        )
    );
}

#[test]
fn whoever_may_request_refunds_may_record_the_check() {
    let source = INTELLISERVE.replacen(
        "approve_refund = [\"manager\"]\n",
        "approve_refund = [\"manager\"]\nrequest_refund = [\"account_manager\"]\n",
        1,
    );
    let mut case = issued(parse_policy(&source).unwrap());
    assert_eq!(
        case.run(&heather(), check(true, "")),
        Err(CoreError::RoleRequired {
            step: Step::RequestRefund,
            needed: vec![Role::AccountManager],
        })
    );
    let refused = checklist(case.state(), &case.policy, &case.account, &heather())
        .next_actions
        .into_iter()
        .find(|action| action.id == NextActionId::RefundStatusCheck)
        .expect("the check is offered");
    assert!(refused.disabled_reason.is_some());
    case.ok(&sam(), check(true, ""));
}

#[test]
fn the_check_leads_the_case_page_once_due_and_not_before() {
    let case = issued(intelliserve_with_thanksgiving());
    let lead = |when: &str| {
        let list = checklist_at(case.state(), &case.policy, &case.account, &sam(), at(when));
        let offered = list
            .next_actions
            .iter()
            .find(|action| action.id == NextActionId::RefundStatusCheck)
            .expect("the check is offered before it is due too")
            .clone();
        assert_eq!(offered.refund_id, Some(REFUND));
        assert_eq!(offered.step, Step::RequestRefund);
        assert_eq!(offered.disabled_reason, None);
        (list.next_step, list.refund_checks_due)
    };
    let (before, due_before) = lead("2026-12-04T14:59:59Z");
    assert_ne!(before, Some(NextActionId::RefundStatusCheck));
    assert!(due_before.is_empty());
    assert_eq!(
        lead("2026-12-04T15:00:00Z"),
        (Some(NextActionId::RefundStatusCheck), vec![REFUND])
    );
    // Without the time nothing is counted as due.
    let timeless = checklist(case.state(), &case.policy, &case.account, &sam());
    assert_ne!(timeless.next_step, Some(NextActionId::RefundStatusCheck));
}

#[test]
fn the_check_follows_the_cancellation() {
    let mut case = Case::verified(intelliserve_with_thanksgiving(), test_account());
    case.ok(&sam(), request(12_000));
    case.ok(
        &heather(),
        CaseCommand::CompleteRefund { refund_id: REFUND },
    );
    case.capture_reason(&sam(), "low_usage");
    case.ok(&sam(), CaseCommand::Route);
    case.retention_attempted(&sam(), "The team is disbanded; no offer would keep them");
    case.confirm_checklist_before(&sam());
    case.ok(
        &maya(),
        CaseCommand::Finalize {
            effective_date: date(2026, 12, 16),
            data_export_offered: false,
        },
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
    // Issued Tuesday 24 November 10:00; five business days skipping Thanksgiving and the Friday.
    let task = status_check_task(&case);
    assert_eq!(task.due_at, at("2026-12-03T15:00:00Z"));
    assert!(
        task.open,
        "the cancellation does not close the refund's check"
    );
    let list = checklist_at(
        case.state(),
        &case.policy,
        &case.account,
        &sam(),
        at("2026-12-03T15:00:00Z"),
    );
    assert_eq!(list.next_step, Some(NextActionId::RefundStatusCheck));
    assert!(list
        .open_tasks
        .iter()
        .any(|open| open.kind == TaskKind::RefundStatusCheck && open.due_at == task.due_at));

    case.run_at(&sam(), check(true, ""), at("2026-12-03T16:00:00Z"))
        .expect("a cancelled case takes the check");
    assert!(!status_check_task(&case).open);
}

#[test]
fn a_status_check_outside_1_to_60_business_days_is_reported_at_its_line() {
    for bad in ["0", "61", "-5", "4294967301"] {
        let source = INTELLISERVE.replacen(
            "status_check_business_days = 5\n",
            &format!("status_check_business_days = {bad}\n"),
            1,
        );
        let error = parse_policy(&source).expect_err(bad);
        let line = source[..source.find("\nstatus_check_business_days = ").unwrap() + 1]
            .matches('\n')
            .count()
            + 1;
        assert_eq!(error.line, Some(line), "{bad}");
        assert_eq!(
            error.key.as_deref(),
            Some("refunds.status_check_business_days")
        );
        assert_eq!(
            error.message,
            format!("{bad} is not a number of business days from 1 to 60: say after how many business days the refund's status is checked, or leave the key out")
        );
    }
    for good in ["1", "60"] {
        let source = INTELLISERVE.replacen(
            "status_check_business_days = 5\n",
            &format!("status_check_business_days = {good}\n"),
            1,
        );
        assert!(parse_policy(&source).is_ok(), "{good}");
    }
}

#[test]
fn the_check_can_be_handed_to_someone_else_like_any_task() {
    let mut case = issued(intelliserve_with_thanksgiving());
    let task_id = status_check_task(&case).id;
    case.ok(
        &sam(),
        CaseCommand::HandOff {
            task_id: Some(task_id.clone()),
            to: Some("maya".into()),
            to_role: None,
            reason: "Sam is on leave next week".into(),
        },
    );
    let task = status_check_task(&case);
    assert_eq!((task.id, task.assignee.as_deref()), (task_id, Some("maya")));
    assert!(task.open);
}
