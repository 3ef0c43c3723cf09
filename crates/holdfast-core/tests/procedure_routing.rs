//! Every procedure records its reason and routes on it: each preset's reasons, routing on the
//! reason and the account's value, hand-offs (by a route or by hand), unknown accounts receivable
//! that are asked for instead of taken as zero, and the save call as a task of its own.

mod common;

use common::{am, now, person, usd, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::money::Money;
use holdfast_core::policy::{parse_policy, Policy, Route, Step};
use holdfast_core::read_model::{case_read_model, Task, TaskKind};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, evolve, AccountFacts, CaseCommand, CaseEvent, NextActionId, RepStatus,
};
use holdfast_core::CoreError;
use jiff::Timestamp;

const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");
const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

const PHONE: &str = "+1 555 010 2030";

fn preset(source: &str) -> Policy {
    parse_policy(source).expect("the preset parses")
}

fn facts(tier: &str, receivable: Option<i64>) -> AccountFacts {
    AccountFacts {
        tier: tier.into(),
        email: Some("ana@acme.io".into()),
        phone: Some(PHONE.into()),
        accounts_receivable: receivable.map(usd),
        original_sales_rep: Some("Rob Reyes".into()),
        original_sales_rep_status: RepStatus::Active,
        preferred_channel: Some(PreferredChannel::Email),
        ..AccountFacts::default()
    }
}

fn reason(id: &str) -> CaseCommand {
    CaseCommand::CaptureReason {
        reason_id: id.into(),
        details: String::new(),
        pain_points: Vec::new(),
    }
}

fn routed(case: &mut Case) -> CaseEvent {
    case.ok(&am(), CaseCommand::Route).remove(0)
}

fn route_of(event: &CaseEvent) -> Route {
    match event {
        CaseEvent::Routed { route, .. } => *route,
        other => panic!("not routed: {other:?}"),
    }
}

fn tasks(case: &Case) -> Vec<Task> {
    case_read_model(case.state(), Some(&case.policy), Some(&case.account))
        .unwrap()
        .tasks
}

fn task(case: &Case, kind: TaskKind) -> Task {
    tasks(case)
        .into_iter()
        .find(|task| task.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} task"))
}

fn hand_off(task_id: Option<&str>, to: Option<&str>, to_role: Option<Role>) -> CaseCommand {
    CaseCommand::HandOff {
        task_id: task_id.map(str::to_owned),
        to: to.map(str::to_owned),
        to_role,
        reason: "Knows the account best".into(),
    }
}

fn wednesday_10am_new_york() -> Timestamp {
    "2026-11-25T15:00:00Z".parse().unwrap()
}

// =============================================================================================
// 1. Every preset has its reasons.

/// Records `id` on a fresh case of `policy` and checks that a reason from outside the list is
/// refused, so the desk offers the list and nothing else.
fn records_reason_from_its_list(policy: Policy, id: &str) {
    assert!(
        policy.reason(id).is_some(),
        "{} has no reason {id}",
        policy.id
    );
    let mut case = Case::verified(policy, facts("Standard", Some(0)));
    assert_eq!(
        case.run(&am(), reason("because")),
        Err(CoreError::invalid(
            "reason_id",
            "is not one of the policy's reasons"
        ))
    );
    case.ok(&am(), reason(id));
    assert_eq!(case.state().reason_id.as_deref(), Some(id));
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert!(list.reasons.iter().any(|choice| choice.id == id));
}

#[test]
fn billsbee_records_the_reason_for_its_cancellation_sheet() {
    records_reason_from_its_list(preset(BILLSBEE), "business_closing");
    assert!(preset(BILLSBEE).reason("other").is_some());
}

#[test]
fn wootrecruit_records_the_reason_it_tries_to_understand() {
    records_reason_from_its_list(preset(WOOTRECRUIT), "hiring_freeze");
}

#[test]
fn the_2017_sop_records_a_reason() {
    records_reason_from_its_list(preset(ACCOUNT_2017), "cost");
}

#[test]
fn kodif_has_other_concerns_among_its_reasons() {
    records_reason_from_its_list(preset(KODIF), "other_concerns");
}

#[test]
fn intelliserve_keeps_its_six_reasons_for_its_reports() {
    let policy = preset(INTELLISERVE);
    assert_eq!(policy.reasons.len(), 6);
    records_reason_from_its_list(policy, "technical_issues");
}

// =============================================================================================
// 2. Routing on the reason and on the account's value.

#[test]
fn kodif_routes_other_concerns_to_a_human_agent() {
    let mut case = Case::received(preset(KODIF), facts("Subscriber", Some(0)));
    // The reason decides the route, so the case waits for it.
    assert_eq!(
        case.run(&am(), CaseCommand::Route),
        Err(CoreError::invalid(
            "reason_id",
            "record the reason for leaving first: this policy routes cases by their reason"
        ))
    );
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    let route = list
        .next_actions
        .iter()
        .find(|action| action.id == NextActionId::Route)
        .unwrap();
    assert!(route.disabled_reason.is_some());

    case.ok(&am(), reason("other_concerns"));
    let event = routed(&mut case);
    assert!(matches!(
        &event,
        CaseEvent::Routed {
            route: Route::HandOff,
            assignee: None,
            assignee_role: Some(Role::AccountManager),
            ..
        }
    ));
    assert_eq!(case.state().owner_role, Some(Role::AccountManager));
    // The agents' queue: an open hand-off task for the role, saying why.
    let handed = task(&case, TaskKind::HandOff);
    assert!(handed.open);
    assert_eq!(handed.assignee, None);
    assert_eq!(handed.assignee_role, Some(Role::AccountManager));
    assert_eq!(
        handed.detail.as_deref(),
        Some("Routed: Other concerns or issues")
    );

    // Any other reason goes on to the offers.
    let mut case = Case::received(preset(KODIF), facts("Subscriber", Some(0)));
    case.ok(&am(), reason("too_expensive"));
    assert_eq!(route_of(&routed(&mut case)), Route::Continue);
    assert!(tasks(&case).is_empty());
}

#[test]
fn intelliserve_hands_technical_issues_to_technical_support() {
    let mut case = Case::received(preset(INTELLISERVE), facts("Professional", Some(0)));
    case.ok(&am(), reason("technical_issues"));
    assert!(matches!(
        routed(&mut case),
        CaseEvent::Routed {
            route: Route::HandOff,
            assignee: Some(ref team),
            assignee_role: None,
            ..
        } if team == "Technical support"
    ));
    assert_eq!(case.state().owner.as_deref(), Some("Technical support"));
    let handed = task(&case, TaskKind::HandOff);
    assert_eq!(handed.assignee.as_deref(), Some("Technical support"));
    assert_eq!(handed.detail.as_deref(), Some("Routed: Technical issues"));

    let mut case = Case::received(preset(INTELLISERVE), facts("Professional", Some(0)));
    case.ok(&am(), reason("cost"));
    assert_eq!(route_of(&routed(&mut case)), Route::Continue);
}

#[test]
fn intelliserve_hands_high_value_accounts_to_their_account_manager() {
    let high_value = |mrr_minor: Option<i64>, manager: Option<&str>| {
        let mut account = facts("Enterprise", Some(0));
        account.mrr = mrr_minor.map(usd);
        account.account_manager = manager.map(str::to_owned);
        let mut case = Case::received(preset(INTELLISERVE), account);
        case.ok(&am(), reason("technical_issues"));
        routed(&mut case)
    };
    // Exactly 5000.00 a month is high value, and beats the technical-issues rule.
    assert!(matches!(
        high_value(Some(500_000), Some("Maya Lind")),
        CaseEvent::Routed {
            route: Route::HandOff,
            assignee: Some(ref manager),
            assignee_role: None,
            ..
        } if manager == "Maya Lind"
    ));
    // Without an account manager of its own, the managers (8.1, senior management).
    assert!(matches!(
        high_value(Some(500_000), None),
        CaseEvent::Routed {
            route: Route::HandOff,
            assignee: None,
            assignee_role: Some(Role::Manager),
            ..
        }
    ));
    // 4999.99 and an unknown MRR are not high value: technical support.
    for mrr in [Some(499_999), None] {
        assert!(matches!(
            high_value(mrr, Some("Maya Lind")),
            CaseEvent::Routed {
                route: Route::HandOff,
                assignee: Some(ref team),
                ..
            } if team == "Technical support"
        ));
    }
}

#[test]
fn billsbee_wootrecruit_and_the_2017_sop_route_without_waiting_for_a_reason() {
    let mut case = Case::received(preset(BILLSBEE), facts("Standard", Some(0)));
    assert_eq!(route_of(&routed(&mut case)), Route::ManagerRetention);
    let mut case = Case::verified(preset(WOOTRECRUIT), facts("Standard", Some(0)));
    assert_eq!(route_of(&routed(&mut case)), Route::Continue);
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Essentials", Some(0)));
    assert_eq!(route_of(&routed(&mut case)), Route::SympatheticReply);
}

// =============================================================================================
// 3. Unknown accounts receivable are asked for, not taken as zero.

#[test]
fn the_2017_sop_asks_for_an_unknown_receivable_before_routing_a_professional_account() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Professional", None));
    assert_eq!(
        case.run(&am(), CaseCommand::Route),
        Err(CoreError::invalid(
            "accounts_receivable",
            "the account's accounts receivable are not known, and the policy routes on them: enter the amount on the case (or import it with the account) before routing"
        ))
    );
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert!(list.receivable_needed);
    assert!(list
        .next_actions
        .iter()
        .any(|action| action.id == NextActionId::EnterReceivable && action.step == Step::Route));

    // The desk enters it: recorded with who and when, and routing uses it. Exactly 1000.00 is
    // "1000 or less": the sympathetic reply.
    let clerk = person("sam", &[Role::AccountManager]);
    assert_eq!(
        case.ok(
            &clerk,
            CaseCommand::EnterReceivable {
                amount: usd(100_000)
            }
        ),
        vec![CaseEvent::ReceivableEntered {
            amount: usd(100_000),
            by: "sam".into(),
            at: now(),
        }]
    );
    assert!(!checklist(case.state(), &case.policy, &case.account, &am()).receivable_needed);
    assert_eq!(route_of(&routed(&mut case)), Route::SympatheticReply);

    // 1000.01 entered: the save call.
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Professional", None));
    case.ok(
        &am(),
        CaseCommand::EnterReceivable {
            amount: usd(100_001),
        },
    );
    assert_eq!(route_of(&routed(&mut case)), Route::SaveCall);
}

#[test]
fn the_2017_sop_does_not_ask_for_a_receivable_no_rule_needs() {
    // Essentials match the first rule, Professional 2A and above the last: neither tests A/R.
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Essentials", None));
    assert_eq!(route_of(&routed(&mut case)), Route::SympatheticReply);
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Professional 2A", None));
    assert_eq!(route_of(&routed(&mut case)), Route::SaveCall);
}

#[test]
fn the_policy_can_route_an_unknown_receivable_instead_of_asking() {
    let source = ACCOUNT_2017.replace(
        "unknown_receivable = \"ask\"",
        "unknown_receivable = \"save_call\"",
    );
    let mut case = Case::received(preset(&source), facts("Professional", None));
    assert!(matches!(
        routed(&mut case),
        CaseEvent::Routed {
            route: Route::SaveCall,
            receivable_unknown: true,
            ..
        }
    ));
}

#[test]
fn an_entered_receivable_is_in_the_policys_currency_and_comes_before_routing() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("Professional", None));
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::EnterReceivable {
                amount: Money::new(100, holdfast_core::money::Currency::parse("EUR").unwrap())
            }
        ),
        Err(CoreError::invalid("amount", "must be in USD"))
    );
    case.ok(&am(), CaseCommand::EnterReceivable { amount: usd(0) });
    routed(&mut case);
    assert!(case
        .run(&am(), CaseCommand::EnterReceivable { amount: usd(5) })
        .is_err());
}

#[test]
fn presets_that_do_not_route_on_receivables_never_ask_for_them() {
    for (source, tier) in [
        (BILLSBEE, "Standard"),
        (WOOTRECRUIT, "Standard"),
        (KODIF, "Subscriber"),
        (INTELLISERVE, "Starter"),
    ] {
        let policy = preset(source);
        let first_reason = policy.reasons[0].id.clone();
        let mut case = Case::verified(policy, facts(tier, None));
        case.ok(&am(), reason(&first_reason));
        case.run(&am(), CaseCommand::Route)
            .unwrap_or_else(|error| panic!("{}: {error}", case.policy.id));
    }
}

// =============================================================================================
// 4. The save call is a task of its own.

#[test]
fn the_2017_save_call_is_a_task_for_the_rep_due_a_business_day_after_routing() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("SMB", Some(0)));
    case.ok(&am(), reason("cost"));
    // Routed Tuesday 16:00 in New York: one business hour on Tuesday, seven on Wednesday.
    let routed_at: Timestamp = "2026-11-24T21:00:00Z".parse().unwrap();
    case.run_at(&am(), CaseCommand::Route, routed_at).unwrap();
    let call = task(&case, TaskKind::SaveCall);
    assert_eq!(call.assignee.as_deref(), Some("Rob Reyes"));
    assert_eq!(call.due_at, "2026-11-25T21:00:00Z".parse().unwrap());
    assert_ne!(call.due_at, case.state().first_response_due);
    assert_eq!(
        call.detail.as_deref(),
        Some("Call +1 555 010 2030; reason: Too expensive")
    );
    assert!(call.open);
    // The case page lists the same task, with what the rep needs to call.
    let open = |case: &Case| {
        holdfast_core::workflow::checklist(
            case.state(),
            &preset(ACCOUNT_2017),
            &facts("SMB", Some(0)),
            &am(),
        )
        .open_tasks
    };
    let listed = open(&case);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id, call.id);
    assert_eq!(listed[0].kind, TaskKind::SaveCall);
    assert_eq!(listed[0].assignee.as_deref(), Some("Rob Reyes"));
    assert_eq!(listed[0].detail, call.detail);
    assert_eq!(listed[0].due_at, call.due_at);
    // The rep's outcome closes it.
    case.ok(
        &person("Rob Reyes", &[Role::Sales]),
        CaseCommand::RecordRetentionOutcome {
            retained: false,
            note: "Going with a competitor".into(),
            mitigations_tried: Vec::new(),
        },
    );
    assert!(!task(&case, TaskKind::SaveCall).open);
    assert!(open(&case).is_empty());
}

#[test]
fn the_2017_save_call_goes_to_spencer_only_when_the_rep_has_left() {
    for (status, assignee) in [
        (RepStatus::Left, "Spencer"),
        (RepStatus::Unknown, "Rob Reyes"),
        (RepStatus::Active, "Rob Reyes"),
    ] {
        let mut account = facts("Professional 2A", Some(0));
        account.original_sales_rep_status = status;
        let mut case = Case::received(preset(ACCOUNT_2017), account);
        routed(&mut case);
        let call = task(&case, TaskKind::SaveCall);
        assert_eq!(call.assignee.as_deref(), Some(assignee), "{status:?}");
        assert_eq!(call.due_at, wednesday_10am_new_york());
    }
}

#[test]
fn a_save_call_routed_before_it_had_a_due_time_is_due_with_the_first_response() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("SMB", Some(0)));
    // As stored before the save call had a due time of its own.
    let older: CaseEvent = serde_json::from_str(
        r#"{"kind":"routed","route":"save_call","assignee":"Rob Reyes","survey_link":null}"#,
    )
    .unwrap();
    case.state = evolve(case.state.take(), &older);
    let call = task(&case, TaskKind::SaveCall);
    assert_eq!(call.due_at, case.state().first_response_due);
    assert_eq!(call.detail, None);
    // And a new event without hand-off or due time serialises as before.
    let json = serde_json::to_string(&older).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"routed","route":"save_call","assignee":"Rob Reyes","survey_link":null}"#
    );
}

// =============================================================================================
// 5. Hand-offs by hand.

#[test]
fn any_preset_hands_a_case_to_a_named_person_shown_in_their_queue() {
    for source in [ACCOUNT_2017, BILLSBEE, INTELLISERVE, KODIF, WOOTRECRUIT] {
        let policy = preset(source);
        let mut case = Case::verified(policy, facts("Standard", Some(0)));
        let events = case.ok(
            &person("sam", &[Role::AccountManager]),
            hand_off(None, Some("Priya"), None),
        );
        assert_eq!(
            events,
            vec![CaseEvent::HandedOff {
                task_id: None,
                to: Some("Priya".into()),
                to_role: None,
                reason: "Knows the account best".into(),
                by: "sam".into(),
                at: now(),
            }],
            "{source}"
        );
        let model = case_read_model(case.state(), Some(&case.policy), None).unwrap();
        assert_eq!(model.owner.as_deref(), Some("Priya"));
        let handed = task(&case, TaskKind::HandOff);
        assert_eq!(handed.assignee.as_deref(), Some("Priya"));
        assert_eq!(handed.detail.as_deref(), Some("Knows the account best"));
        assert_eq!(handed.due_at, now());
        assert!(handed.open);
    }
}

#[test]
fn the_2017_save_call_task_is_handed_to_the_sales_team() {
    let mut case = Case::received(preset(ACCOUNT_2017), facts("SMB", Some(0)));
    routed(&mut case);
    let call = task(&case, TaskKind::SaveCall);
    case.ok(&am(), hand_off(Some(&call.id), None, Some(Role::Sales)));
    let call = task(&case, TaskKind::SaveCall);
    assert_eq!(call.assignee, None);
    assert_eq!(call.assignee_role, Some(Role::Sales));
    // The case stays with the rep who holds it; only the task moved.
    assert_eq!(case.state().owner.as_deref(), Some("Rob Reyes"));
}

#[test]
fn a_hand_off_names_one_receiver_a_reason_and_an_open_task() {
    let mut case = Case::received(preset(KODIF), facts("Subscriber", Some(0)));
    assert_eq!(
        case.run(&am(), hand_off(None, None, None)),
        Err(CoreError::invalid(
            "to",
            "name the person or team to hand off to, or a role"
        ))
    );
    assert_eq!(
        case.run(&am(), hand_off(None, Some("Priya"), Some(Role::Manager))),
        Err(CoreError::invalid(
            "to_role",
            "hand off to a person or team, or to a role, not both"
        ))
    );
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::HandOff {
                task_id: None,
                to: Some("Priya".into()),
                to_role: None,
                reason: "  ".into(),
            }
        ),
        Err(CoreError::invalid(
            "reason",
            "say why you hand it off, for whoever receives it"
        ))
    );
    assert_eq!(
        case.run(
            &am(),
            hand_off(Some("nope/save_call/"), Some("Priya"), None)
        ),
        Err(CoreError::invalid(
            "task_id",
            "is not an open task of this case"
        ))
    );
}

#[test]
fn a_policy_can_restrict_who_hands_off() {
    let source = BILLSBEE.replace("[roles]\n", "[roles]\nhand_off = [\"manager\"]\n");
    let mut case = Case::verified(preset(&source), facts("Standard", Some(0)));
    assert_eq!(
        case.run(&am(), hand_off(None, Some("Priya"), None)),
        Err(CoreError::RoleRequired {
            step: Step::HandOff,
            needed: vec![Role::Manager]
        })
    );
    case.ok(
        &person("mia", &[Role::Manager]),
        hand_off(None, Some("Priya"), None),
    );
}

#[test]
fn a_hand_off_command_is_json_from_the_desk() {
    let command: CaseCommand = serde_json::from_str(
        r#"{"command":"hand_off","to_role":"billing","reason":"Billing in progress"}"#,
    )
    .unwrap();
    assert_eq!(
        command,
        CaseCommand::HandOff {
            task_id: None,
            to: None,
            to_role: Some(Role::Billing),
            reason: "Billing in progress".into(),
        }
    );
    let command: CaseCommand = serde_json::from_str(
        r#"{"command":"enter_receivable","amount":{"minor":100000,"currency":"USD"}}"#,
    )
    .unwrap();
    assert_eq!(
        command,
        CaseCommand::EnterReceivable {
            amount: usd(100_000)
        }
    );
}

#[test]
fn the_2017_sympathetic_reply_is_due_once_routed_until_it_goes_out() {
    let policy = preset(ACCOUNT_2017);
    let account = facts("Essentials", Some(0));
    let due = |case: &Case| {
        holdfast_core::workflow::checklist(case.state(), &policy, &account, &am()).reply_due
    };
    let mut case = Case::received(policy.clone(), account.clone());
    assert_eq!(due(&case), None);
    assert_eq!(route_of(&routed(&mut case)), Route::SympatheticReply);
    let reply = holdfast_core::policy::MessageKind::SympatheticReply;
    assert_eq!(due(&case), Some(reply));
    case.ok(
        &am(),
        CaseCommand::RecordMessage {
            kind: reply,
            channel: PreferredChannel::Email,
            body: "We're sorry to see you go. https://example.com/exit-interview".into(),
            email: None,
        },
    );
    assert_eq!(due(&case), None);
    // A save call decides no reply.
    let mut case = Case::received(policy.clone(), facts("SMB", Some(0)));
    routed(&mut case);
    assert_eq!(
        holdfast_core::workflow::checklist(case.state(), &policy, &facts("SMB", Some(0)), &am())
            .reply_due,
        None
    );
}
