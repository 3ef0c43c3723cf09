//! Commands through the store: events, read models and audit links commit
//! together or not at all, and the read models are exactly what the events rebuild.

mod common;

use std::collections::BTreeMap;

use common::{draft, now, Fixture};
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::events::AuditVerdict;
use holdfast_store::queues::{Queue, QueueViewer};
use holdfast_store::{Database, StoreError};
use uuid::Uuid;

fn wootrecruit() -> Policy {
    parse_policy(include_str!("../../../policies/wootrecruit.toml")).unwrap()
}

fn person(name: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: name.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

fn account_id(db: &Database) -> Uuid {
    db.accounts(&AccountQuery::default()).unwrap().items[0].id
}

fn receive(db: &mut Database, policy: &Policy) -> Uuid {
    let case_id = Uuid::now_v7();
    let account_id = account_id(db);
    db.run_case_command(
        case_id,
        &CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
        &person("amy", &[Role::AccountManager]),
        policy,
        now(),
    )
    .unwrap();
    case_id
}

/// Every row of the engine's read models, as text, for comparisons.
fn read_models(db_path: &std::path::Path, key: &holdfast_store::DatabaseKey) -> Vec<String> {
    let conn = rusqlite::Connection::open(db_path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT id, account_id, status, channel, requester_name, requester_contact, received_at, opened_at, version, first_response_due, reason_id, owner, policy_version, ready_to_finalize, offer_awaiting_approval, acknowledged_at, state FROM cases ORDER BY id",
        "SELECT id, case_id, kind, subject, assignee, due_at, open FROM tasks ORDER BY id",
    ] {
        let mut statement = conn.prepare(sql).unwrap();
        let columns = statement.column_count();
        let mut query = statement.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            rows.push(values.join("|"));
        }
    }
    rows
}

fn count(db_path: &std::path::Path, key: &holdfast_store::DatabaseKey, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db_path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .unwrap()
}

#[test]
fn a_wootrecruit_case_walks_to_cancellation_with_its_queues_and_audit_trail() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let policy = wootrecruit();
    let case_id = receive(&mut fixture.db, &policy);
    let amy = person("amy", &[Role::AccountManager]);
    let carla = person("carla", &[Role::Csm]);
    let max = person("max", &[Role::Manager]);
    let form: BTreeMap<String, String> = policy
        .form
        .as_ref()
        .unwrap()
        .fields
        .iter()
        .map(|field| (field.clone(), "filled".to_string()))
        .collect();

    let run = |db: &mut Database, actor: &Actor, command: CaseCommand| {
        db.run_case_command(case_id, &command, actor, &policy, now())
    };
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
    )
    .unwrap();
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    )
    .unwrap();
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::ReceiveForm { fields: form },
    )
    .unwrap();
    // The reason is recorded before the cancellation is finalized.
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::CaptureReason {
            reason_id: "switching".into(),
            details: "Moving to an in-house tool".into(),
            pain_points: vec![],
        },
    )
    .unwrap();
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::Escalate {
            csm: "carla".into(),
            note: String::new(),
        },
    )
    .unwrap();
    assert_eq!(
        fixture.db.open_tasks("csm_escalation").unwrap(),
        vec![(case_id, Some("carla".into()))]
    );
    assert_eq!(
        fixture
            .db
            .queue(Queue::MyTasks, &QueueViewer::named("carla"))
            .unwrap()[0]
            .case
            .id,
        case_id
    );
    assert!(fixture
        .db
        .queue(Queue::MyTasks, &QueueViewer::named("amy"))
        .unwrap()
        .is_empty());
    assert_eq!(
        fixture
            .db
            .queue_counts(&QueueViewer::named("carla"))
            .unwrap()
            .escalations,
        1
    );
    assert!(fixture
        .db
        .queue(Queue::Finalizations, &QueueViewer::named("max"))
        .unwrap()
        .is_empty());

    // The store passes the core's refusal through and keeps nothing of it.
    let refused = run(
        &mut fixture.db,
        &amy,
        CaseCommand::Finalize {
            effective_date: jiff::civil::date(2026, 12, 31),
            data_export_offered: true,
        },
    );
    assert!(matches!(refused, Err(StoreError::Rule(_))), "{refused:?}");

    run(
        &mut fixture.db,
        &carla,
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: "Final call: the customer is moving to an in-house tool and still cancels".into(),
        },
    )
    .unwrap();
    assert!(fixture.db.open_tasks("csm_escalation").unwrap().is_empty());
    // The checklist's item before finalization: whoever processed the cancellation in the system
    // confirms it.
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::ConfirmChecklistItem {
            item_id: "processed_in_system".into(),
            note: String::new(),
        },
    )
    .unwrap();
    // Every gate met: the case waits for a manager.
    let finalizations = fixture
        .db
        .queue(Queue::Finalizations, &QueueViewer::named("max"))
        .unwrap();
    assert_eq!(
        finalizations
            .iter()
            .map(|item| item.case.id)
            .collect::<Vec<_>>(),
        vec![case_id]
    );
    let counts = fixture
        .db
        .queue_counts(&QueueViewer::named("carla"))
        .unwrap();
    assert_eq!(
        (counts.finalizations, counts.escalations, counts.my_tasks),
        (1, 0, 0)
    );
    let done = run(
        &mut fixture.db,
        &max,
        CaseCommand::Finalize {
            effective_date: jiff::civil::date(2026, 12, 31),
            data_export_offered: true,
        },
    )
    .unwrap();
    // Received, identity, form sent and received, reason, escalation, CSM outcome, checklist
    // item, finalized.
    assert_eq!(done.version, 9);
    assert!(fixture
        .db
        .queue(Queue::Finalizations, &QueueViewer::named("max"))
        .unwrap()
        .is_empty());

    let summary = fixture.db.case(case_id).unwrap();
    assert_eq!(summary.status, CaseStatus::Cancelled);
    let state = fixture.db.case_state(case_id).unwrap().unwrap();
    assert_eq!(state.status, CaseStatus::Cancelled);
    assert_eq!(state.version, 9);
    let events = fixture.db.events_of(case_id).unwrap();
    assert_eq!(events.len(), 9);
    assert!(events
        .iter()
        .all(|e| e.event.policy_version == "wootrecruit@1"));
    assert_eq!(events[8].event.actor, "max");
    assert_eq!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 9 }
    );
}

#[test]
fn a_failure_after_the_events_are_written_keeps_nothing() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let policy = wootrecruit();
    let case_id = receive(&mut fixture.db, &policy);
    let path = fixture.path();
    let before = (
        read_models(&path, &fixture.key),
        count(&path, &fixture.key, "events"),
    );
    // Readiness for finalization is the last write of a command, after its events and read-model
    // rows: make it fail.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            fixture.key.to_hex().as_str()
        ))
        .unwrap();
        conn.execute_batch(
            "CREATE TRIGGER fail_readiness BEFORE UPDATE OF ready_to_finalize ON cases BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    }
    let failed = fixture.db.run_case_command(
        case_id,
        &CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
        &person("amy", &[Role::AccountManager]),
        &policy,
        now(),
    );
    assert!(failed.is_err(), "the injected failure must surface");
    let after = (
        read_models(&path, &fixture.key),
        count(&path, &fixture.key, "events"),
    );
    assert_eq!(before, after, "a failed command left something behind");
    assert_eq!(fixture.db.case_state(case_id).unwrap().unwrap().version, 1);
    assert_eq!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 1 }
    );
}

#[test]
fn read_models_rebuilt_from_the_events_equal_the_live_ones() {
    let mut fixture = Fixture::new();
    let mut first = draft("A-1", "Acme");
    first.tier = "Standard".into();
    fixture.db.import_accounts(&[first], now()).unwrap();
    let policy = wootrecruit();
    let amy = person("amy", &[Role::AccountManager]);
    let mut cases = Vec::new();
    for i in 0..4 {
        let case_id = receive(&mut fixture.db, &policy);
        cases.push(case_id);
        let mut run = |command: CaseCommand, actor: &Actor| {
            fixture
                .db
                .run_case_command(case_id, &command, actor, &policy, now())
                .unwrap();
        };
        run(common::acknowledge(), &amy);
        if i % 2 == 0 {
            // WootRecruit verifies the requester before anything else, the escalation included.
            run(
                CaseCommand::VerifyIdentity {
                    method: VerificationMethod::EmailOnFile,
                    contact_used: Some("a-1@example.com".into()),
                    evidence: "Reply from the address on file".into(),
                },
                &amy,
            );
            run(
                CaseCommand::Escalate {
                    csm: format!("csm-{i}"),
                    note: String::new(),
                },
                &amy,
            );
        }
        if i == 2 {
            run(
                CaseCommand::RecordCsmOutcome {
                    retained: true,
                    note: "stays".into(),
                },
                &person("carla", &[Role::Csm]),
            );
        }
        if i == 1 {
            run(
                CaseCommand::VerifyIdentity {
                    method: VerificationMethod::EmailOnFile,
                    contact_used: Some("a-1@example.com".into()),
                    evidence: "Reply from the address on file".into(),
                },
                &amy,
            );
            let refund_id = Uuid::now_v7();
            run(
                CaseCommand::RequestRefund {
                    refund_id,
                    amount: holdfast_core::money::Money::new(
                        12_500,
                        holdfast_core::money::Currency::parse("USD").unwrap(),
                    ),
                    justification: "Charged after the cancellation request".into(),
                    charged_on: None,
                },
                &amy,
            );
            run(
                CaseCommand::VerifyRefund { refund_id },
                &person("bill", &[Role::Billing]),
            );
        }
        if i == 3 {
            run(
                CaseCommand::Withdraw {
                    note: "changed their mind".into(),
                },
                &amy,
            );
        }
    }
    // Offers under a procedure with a catalogue: one beyond the limits still waiting for
    // approval, one approved and waiting for the customer.
    let intelliserve = parse_policy(include_str!("../../../policies/intelliserve.toml")).unwrap();
    let max = person("max", &[Role::Manager]);
    let mut offer_cases = Vec::new();
    for approve in [false, true] {
        let case_id = receive(&mut fixture.db, &intelliserve);
        offer_cases.push(case_id);
        let mut run = |command: CaseCommand, actor: &Actor| {
            fixture
                .db
                .run_case_command(case_id, &command, actor, &intelliserve, now())
                .unwrap();
        };
        run(
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("a-1@example.com".into()),
                evidence: "Reply from the address on file".into(),
            },
            &amy,
        );
        run(
            CaseCommand::ProposeOffer {
                offer_id: "discount".into(),
                terms: holdfast_core::workflow::OfferProposal {
                    percent: Some(35),
                    months: Some(2),
                    amount: None,
                    note: String::new(),
                },
            },
            &amy,
        );
        if approve {
            run(CaseCommand::ApproveOffer, &max);
        }
    }
    let path = fixture.path();
    let live = read_models(&path, &fixture.key);
    assert!(live.len() >= 6, "{live:#?}");
    let offers_waiting = |db: &Database| -> Vec<Uuid> {
        db.queue(Queue::OfferApprovals, &QueueViewer::named("amy"))
            .unwrap()
            .into_iter()
            .map(|item| item.case.id)
            .collect()
    };
    assert_eq!(offers_waiting(&fixture.db), vec![offer_cases[0]]);
    fixture.db.rebuild_read_models().unwrap();
    assert_eq!(read_models(&path, &fixture.key), live);
    // The state kept with each row, which the next command is decided against, is exactly what
    // folding the case's events gives.
    for case_id in cases.iter().chain(&offer_cases) {
        let folded = fixture
            .db
            .events_of(*case_id)
            .unwrap()
            .iter()
            .map(|recorded| recorded.event.case_event().unwrap())
            .fold(None, |state, event| {
                holdfast_core::workflow::evolve(state, &event)
            });
        assert_eq!(fixture.db.case_state(*case_id).unwrap(), folded);
        assert!(folded.is_some());
    }
    assert_eq!(fixture.db.case(cases[2]).unwrap().status, CaseStatus::Saved);
    assert_eq!(fixture.db.open_tasks("refund_processing").unwrap().len(), 1);
    assert!(fixture.db.open_tasks("refund_review").unwrap().is_empty());
    assert_eq!(
        fixture.db.case(cases[3]).unwrap().status,
        CaseStatus::Withdrawn
    );
    assert_eq!(offers_waiting(&fixture.db), vec![offer_cases[0]]);
}

#[test]
fn a_save_call_goes_to_the_fallback_when_the_rep_has_left() {
    let mut fixture = Fixture::new();
    let mut account = draft("A-1", "Acme");
    account.tier = "SMB".into();
    account.original_sales_rep = Some("Rob Reyes".into());
    fixture.db.import_accounts(&[account], now()).unwrap();
    let policy = parse_policy(include_str!(
        "../../../policies/account-cancellation-2017.toml"
    ))
    .unwrap();
    let amy = person("amy", &[Role::AccountManager]);

    fixture
        .db
        .upsert_user("Rob Reyes", &[Role::Sales], true)
        .unwrap();
    let case_id = receive(&mut fixture.db, &policy);
    fixture
        .db
        .run_case_command(case_id, &CaseCommand::Route, &amy, &policy, now())
        .unwrap();
    assert_eq!(
        fixture.db.open_tasks("save_call").unwrap(),
        vec![(case_id, Some("Rob Reyes".into()))]
    );

    fixture
        .db
        .upsert_user("Rob Reyes", &[Role::Sales], false)
        .unwrap();
    let second = receive(&mut fixture.db, &policy);
    fixture
        .db
        .run_case_command(second, &CaseCommand::Route, &amy, &policy, now())
        .unwrap();
    let tasks = fixture.db.open_tasks("save_call").unwrap();
    assert!(
        tasks.contains(&(second, Some("Spencer".into()))),
        "{tasks:?}"
    );

    // The rep's call kept the first customer: the case is saved and the call is done.
    fixture
        .db
        .run_case_command(
            case_id,
            &CaseCommand::RecordRetentionOutcome {
                retained: true,
                note: "Moved to a smaller plan".into(),
                mitigations_tried: Vec::new(),
            },
            &person("Rob Reyes", &[Role::Sales]),
            &policy,
            now(),
        )
        .unwrap();
    assert_eq!(fixture.db.case(case_id).unwrap().status, CaseStatus::Saved);
    assert_eq!(
        fixture.db.open_tasks("save_call").unwrap(),
        vec![(second, Some("Spencer".into()))]
    );
}

/// Finalizations holds only cases that can be finalized now: a 2017 Professional account with
/// more than $1000 receivable is routed to its sales rep's save call, and stays out of the queue
/// while the call is open, whatever else is done; the call's outcome (not saved) brings it in.
#[test]
fn a_save_call_case_waits_for_the_call_before_it_is_in_finalizations() {
    let mut fixture = Fixture::new();
    let mut account = draft("A-1", "Acme");
    account.tier = "Professional".into();
    account.accounts_receivable = Some(holdfast_core::money::Money::new(
        250_000,
        account.mrr.currency,
    ));
    fixture.db.import_accounts(&[account], now()).unwrap();
    fixture
        .db
        .upsert_user("Rob Reyes", &[Role::Sales], true)
        .unwrap();
    let policy = parse_policy(include_str!(
        "../../../policies/account-cancellation-2017.toml"
    ))
    .unwrap();
    let amy = person("amy", &[Role::AccountManager, Role::Manager]);
    let run = |db: &mut Database, actor: &Actor, command: CaseCommand, case_id: Uuid| {
        db.run_case_command(case_id, &command, actor, &policy, now())
            .unwrap();
    };
    let case_id = receive(&mut fixture.db, &policy);
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
        case_id,
    );
    run(&mut fixture.db, &amy, CaseCommand::Route, case_id);
    run(
        &mut fixture.db,
        &amy,
        CaseCommand::ConfirmChecklistItem {
            item_id: "account_closed".into(),
            note: String::new(),
        },
        case_id,
    );
    assert_eq!(
        fixture.db.open_tasks("save_call").unwrap(),
        vec![(case_id, Some("Rob Reyes".into()))]
    );
    let finalizations = |db: &Database| -> Vec<Uuid> {
        db.queue(Queue::Finalizations, &QueueViewer::named("amy"))
            .unwrap()
            .into_iter()
            .map(|item| item.case.id)
            .collect()
    };
    assert!(
        finalizations(&fixture.db).is_empty(),
        "the save call is still open"
    );
    assert_eq!(
        fixture
            .db
            .queue_counts(&QueueViewer::named("amy"))
            .unwrap()
            .finalizations,
        0
    );
    // Nor is it waiting for an offer approval: the procedure has no offers.
    assert!(fixture
        .db
        .queue(Queue::OfferApprovals, &QueueViewer::named("amy"))
        .unwrap()
        .is_empty());

    run(
        &mut fixture.db,
        &person("Rob Reyes", &[Role::Sales]),
        CaseCommand::RecordRetentionOutcome {
            retained: false,
            note: "Moving to a competitor; called, could not save".into(),
            mitigations_tried: Vec::new(),
        },
        case_id,
    );
    assert!(fixture.db.open_tasks("save_call").unwrap().is_empty());
    assert_eq!(finalizations(&fixture.db), vec![case_id]);
}

/// A request withdrawn while its save call is open takes the call out of the rep's queue: there
/// is nobody to save, and a closed case accepts no outcome that would close the task.
#[test]
fn a_withdrawn_request_leaves_no_save_call_in_the_reps_queue() {
    let mut fixture = Fixture::new();
    let mut account = draft("A-1", "Acme");
    account.tier = "SMB".into();
    fixture.db.import_accounts(&[account], now()).unwrap();
    fixture
        .db
        .upsert_user("Rob Reyes", &[Role::Sales], true)
        .unwrap();
    let policy = parse_policy(include_str!(
        "../../../policies/account-cancellation-2017.toml"
    ))
    .unwrap();
    let amy = person("amy", &[Role::AccountManager]);
    let case_id = receive(&mut fixture.db, &policy);
    fixture
        .db
        .run_case_command(case_id, &CaseCommand::Route, &amy, &policy, now())
        .unwrap();
    let rob = QueueViewer::named("Rob Reyes");
    assert_eq!(fixture.db.queue(Queue::MyTasks, &rob).unwrap().len(), 1);

    fixture
        .db
        .run_case_command(
            case_id,
            &CaseCommand::Withdraw {
                note: "The customer changed their mind".into(),
            },
            &amy,
            &policy,
            now(),
        )
        .unwrap();
    assert_eq!(
        fixture.db.case(case_id).unwrap().status,
        CaseStatus::Withdrawn
    );
    assert!(fixture.db.open_tasks("save_call").unwrap().is_empty());
    assert!(fixture.db.queue(Queue::MyTasks, &rob).unwrap().is_empty());
    assert_eq!(fixture.db.queue_counts(&rob).unwrap().my_tasks, 0);
}
