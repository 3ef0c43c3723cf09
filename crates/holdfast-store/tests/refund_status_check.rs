//! A refund's status check through the store: the task row appears in the requester's queue when
//! billing issues the refund, due when the policy's calendar says, and closes when the check is
//! recorded; migration 0013 widens the tasks table's kinds and keeps the rows it had.

mod common;

use common::{draft, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::read_model::TaskKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::queues::{Queue, QueueViewer};
use jiff::Timestamp;
use uuid::Uuid;

fn intelliserve() -> Policy {
    parse_policy(include_str!("../../../policies/intelliserve.toml")).unwrap()
}

fn person(name: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: name.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const REFUND: Uuid = Uuid::from_u128(7);

#[test]
fn an_issued_refund_puts_its_status_check_in_the_requesters_queue_until_it_is_recorded() {
    let mut fixture = Fixture::new();
    // Tuesday 24 November 2026, 10:00 in New York.
    let tuesday = at("2026-11-24T15:00:00Z");
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], tuesday)
        .unwrap();
    let account_id = fixture.db.accounts(&AccountQuery::default()).unwrap().items[0].id;
    let policy = intelliserve();
    let sam = person("sam", &[Role::AccountManager]);
    let heather = person("heather", &[Role::Billing]);
    let case_id = Uuid::now_v7();
    let run =
        |db: &mut holdfast_store::Database, who: &Actor, command: CaseCommand, when: Timestamp| {
            db.run_case_command(case_id, &command, who, &policy, when)
                .unwrap_or_else(|error| panic!("{command:?}: {error}"));
        };
    run(
        &mut fixture.db,
        &sam,
        CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
        tuesday,
    );
    run(
        &mut fixture.db,
        &sam,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Replied from the address on file".into(),
        },
        tuesday,
    );
    run(
        &mut fixture.db,
        &sam,
        CaseCommand::RequestRefund {
            refund_id: REFUND,
            amount: holdfast_core::money::Money::new(
                12_000,
                holdfast_core::money::Currency::parse("USD").unwrap(),
            ),
            justification: "Charged twice".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        tuesday,
    );
    let viewer = QueueViewer::named("sam");
    assert!(
        fixture
            .db
            .queue(Queue::MyTasks, &viewer)
            .unwrap()
            .is_empty(),
        "nothing to check before the refund is issued"
    );

    run(
        &mut fixture.db,
        &heather,
        CaseCommand::CompleteRefund { refund_id: REFUND },
        tuesday,
    );
    let mine = fixture.db.queue(Queue::MyTasks, &viewer).unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    let task = mine[0].task.clone().unwrap();
    assert_eq!(task.kind, TaskKind::RefundStatusCheck);
    assert_eq!(task.assignee.as_deref(), Some("sam"));
    // Five business days from Tuesday 10:00 (no holidays in the preset): the next Tuesday.
    assert_eq!(task.due_at, at("2026-12-01T15:00:00Z"));
    assert_eq!(
        task.detail.as_deref(),
        Some("Refund of 120.00 USD issued on Tuesday 2026-11-24: ask the customer whether it arrived")
    );
    assert_eq!(mine[0].case.id, case_id);
    assert_eq!(fixture.db.queue_counts(&viewer).unwrap().my_tasks, 1);
    assert_eq!(
        fixture.db.open_tasks("refund_status_check").unwrap(),
        vec![(case_id, Some("sam".to_owned()))]
    );

    run(
        &mut fixture.db,
        &sam,
        CaseCommand::RecordRefundStatusCheck {
            refund_id: REFUND,
            received: true,
            note: String::new(),
        },
        at("2026-12-01T16:00:00Z"),
    );
    assert!(fixture
        .db
        .queue(Queue::MyTasks, &viewer)
        .unwrap()
        .is_empty());
    assert_eq!(fixture.db.queue_counts(&viewer).unwrap().my_tasks, 0);
    assert!(fixture
        .db
        .open_tasks("refund_status_check")
        .unwrap()
        .is_empty());
    // The row stays, closed, and is what rebuilding the read models from the events makes.
    fixture.db.rebuild_read_models().unwrap();
    assert!(fixture
        .db
        .open_tasks("refund_status_check")
        .unwrap()
        .is_empty());
    let state = fixture.db.case_state(case_id).unwrap().unwrap();
    let check = state.refunds[&REFUND].status_check.clone().unwrap();
    assert_eq!((check.by.as_str(), check.received), ("sam", true));
}

/// The tasks table as migration 0012 left it, with one row of every kind it allowed.
fn tasks_table_at_schema_12() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE cases (id TEXT PRIMARY KEY) STRICT;
         CREATE TABLE tasks (id TEXT PRIMARY KEY) STRICT;",
    )
    .unwrap();
    conn.execute_batch(include_str!("../migrations/0012_task_assignment.sql"))
        .unwrap();
    conn.execute("INSERT INTO cases (id) VALUES ('c1')", [])
        .unwrap();
    for (n, kind) in [
        "save_call",
        "csm_escalation",
        "refund_review",
        "refund_processing",
        "win_back",
        "hand_off",
        "billing_heads_up",
        "form_reminder",
    ]
    .into_iter()
    .enumerate()
    {
        conn.execute(
            "INSERT INTO tasks (id, case_id, kind, subject, assignee, assignee_role, detail, due_at, open)
             VALUES (?1, 'c1', ?2, 'r1', 'sam', 'billing', 'what to do', ?3, ?4)",
            rusqlite::params![format!("c1/{kind}/"), kind, 1_000 + n as i64, (n % 2) as i64],
        )
        .unwrap();
    }
    conn
}

fn rows(conn: &rusqlite::Connection) -> Vec<String> {
    let mut statement = conn
        .prepare(
            "SELECT id, case_id, kind, subject, assignee, assignee_role, detail, due_at, open
             FROM tasks ORDER BY id",
        )
        .unwrap();
    statement
        .query_map([], |row| {
            Ok((0..9)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn indexes(conn: &rusqlite::Connection) -> Vec<String> {
    let mut statement = conn
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL ORDER BY name")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn migration_13_keeps_every_task_row_and_index_and_takes_the_new_kind() {
    let conn = tasks_table_at_schema_12();
    let insert_check = |conn: &rusqlite::Connection| {
        conn.execute(
            "INSERT INTO tasks (id, case_id, kind, due_at, open)
             VALUES ('c1/refund_status_check/r1', 'c1', 'refund_status_check', 2000, 1)",
            [],
        )
    };
    assert!(
        insert_check(&conn).is_err(),
        "schema 12 refuses the new kind"
    );
    let before = rows(&conn);
    let indexes_before = indexes(&conn);
    assert_eq!(before.len(), 8);
    assert_eq!(indexes_before.len(), 3);

    conn.execute_batch(include_str!(
        "../migrations/0013_refund_status_check_task.sql"
    ))
    .unwrap();
    assert_eq!(rows(&conn), before);
    assert_eq!(indexes(&conn), indexes_before);
    insert_check(&conn).unwrap();
    assert!(conn
        .execute(
            "INSERT INTO tasks (id, case_id, kind, due_at, open) VALUES ('x', 'c1', 'bogus', 1, 1)",
            [],
        )
        .is_err());
    // Every kind the core names fits the table.
    for kind in TaskKind::ALL {
        conn.execute(
            "INSERT INTO tasks (id, case_id, kind, due_at, open) VALUES (?1, 'c1', ?2, 1, 0)",
            rusqlite::params![format!("all/{}", kind.as_str()), kind.as_str()],
        )
        .unwrap();
    }
}
