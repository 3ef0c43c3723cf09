//! A profile joined to a team server: work decided offline shows at once and survives a restart,
//! goes to the server on push, and comes back confirmed on pull; another user's profile pulls it
//! into its read models and queues; a rejection and a conflict reach the user and the case.
//! Against a real `holdfast-server` store (SQLite) driven in-process through its sync functions.

mod common;
#[path = "support/team_server.rs"]
mod team_server;

use std::collections::BTreeMap;

use common::{draft, now, Fixture};
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_server::store::{ServerStore, UserRecord};
use holdfast_server::sync;
use holdfast_store::queues::{Queue, QueueViewer};
use holdfast_store::{Database, StoreError};
use team_server::Server;
use uuid::Uuid;

const POLICY: &str = include_str!("../../../policies/wootrecruit.toml");

/// One sync round for `db` as `user`: push everything, then pull to the end (small pages).
fn sync_round(server: &Server, db: &mut Database, user: &UserRecord) {
    while let Some(request) = db.next_push(2).unwrap() {
        let response = server.push(user, &request);
        db.apply_push_response(&response, now()).unwrap();
    }
    server.pull_all(db, user, 3);
}

fn policy() -> Policy {
    parse_policy(POLICY).unwrap()
}

fn anyone() -> Actor {
    Actor {
        user_id: "whoever".into(),
        roles: vec![Role::Admin],
        active: true,
    }
}

fn joined(server: &Server, user: &UserRecord) -> Fixture {
    let mut fixture = Fixture::new();
    fixture
        .db
        .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(user))
        .unwrap();
    fixture.db.set_policy(POLICY).unwrap();
    fixture
}

/// Runs a command as the profile's acting user: in a joined profile, the server's user with the
/// roles the server gave them. Anyone else named is refused, never silently replaced.
fn run(db: &mut Database, case_id: Uuid, command: CaseCommand) -> Result<(), StoreError> {
    let me = db.acting_user()?.expect("a joined profile has a user");
    assert!(matches!(
        db.run_case_command(case_id, &command, &anyone(), &policy(), now()),
        Err(StoreError::Rule(holdfast_core::CoreError::Invalid { ref field, .. })) if field == "actor"
    ));
    db.run_case_command(case_id, &command, &me, &policy(), now())
        .map(|_| ())
}

/// Receives a case on the account "A-1" and takes it to the CSM escalation.
fn escalate(db: &mut Database) -> Uuid {
    let case_id = Uuid::now_v7();
    let account_id = holdfast_core::account::account_id("A-1");
    run(
        db,
        case_id,
        CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
    )
    .unwrap();
    run(
        db,
        case_id,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
    )
    .unwrap();
    run(
        db,
        case_id,
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    )
    .unwrap();
    let fields: BTreeMap<String, String> = policy()
        .form
        .unwrap()
        .fields
        .iter()
        .map(|field| (field.clone(), "filled".to_string()))
        .collect();
    run(db, case_id, CaseCommand::ReceiveForm { fields }).unwrap();
    run(
        db,
        case_id,
        CaseCommand::Escalate {
            csm: "carla".into(),
            note: "Big account".into(),
        },
    )
    .unwrap();
    case_id
}

#[test]
fn an_escalation_decided_offline_reaches_the_csm_after_both_sync() {
    let server = Server::start(POLICY);
    let amy = server.add_user("amy", &[Role::AccountManager]);
    let carla = server.add_user("carla", &[Role::Csm]);

    let mut desk = joined(&server, &amy);
    desk.db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let case_id = escalate(&mut desk.db);

    // Offline: everything shows at once and waits in the outbox.
    assert_eq!(desk.db.replica().unwrap().pending().len(), 6);
    assert_eq!(
        desk.db.open_tasks("csm_escalation").unwrap(),
        vec![(case_id, Some("carla".into()))]
    );
    assert_eq!(desk.db.events_of(case_id).unwrap().len(), 5);

    // Closed before it synced: reopened, nothing typed is lost.
    let mut desk = desk.reopen();
    assert_eq!(desk.db.replica().unwrap().pending().len(), 6);
    assert_eq!(desk.db.case_state(case_id).unwrap().unwrap().version, 5);

    sync_round(&server, &mut desk.db, &amy);
    let replica = desk.db.replica().unwrap();
    assert!(replica.pending().is_empty(), "everything was confirmed");
    assert!(desk.db.sync_notifications().is_empty());
    // The confirmed history replaced the pending one: the server's numbers, once each.
    let history = desk.db.events_of(case_id).unwrap();
    assert_eq!(history.len(), 5);
    assert!(history
        .iter()
        .all(|event| event.seq < holdfast_store::sync::PENDING_SEQ_BASE));
    assert_eq!(
        desk.db.open_tasks("csm_escalation").unwrap(),
        vec![(case_id, Some("carla".into()))]
    );
    assert!(matches!(
        desk.db.verify_audit_chain().unwrap(),
        holdfast_store::events::AuditVerdict::Intact { events: 6 }
    ));

    // The CSM's own profile pulls it into her queue.
    let mut csm = joined(&server, &carla);
    sync_round(&server, &mut csm.db, &carla);
    assert_eq!(
        csm.db
            .queue(Queue::MyTasks, &QueueViewer::named("carla"))
            .unwrap()[0]
            .case
            .id,
        case_id
    );
    assert_eq!(
        csm.db
            .queue_counts(&QueueViewer::named("carla"))
            .unwrap()
            .escalations,
        1
    );
    assert_eq!(
        csm.db
            .account(holdfast_core::account::account_id("A-1"))
            .unwrap()
            .draft
            .name,
        "Acme"
    );
    let state = csm.db.case_state(case_id).unwrap().unwrap();
    assert_eq!(state.version, 5);

    // Her outcome goes back the same way.
    run(
        &mut csm.db,
        case_id,
        CaseCommand::RecordCsmOutcome {
            retained: true,
            note: "Moved them to the annual plan".into(),
        },
    )
    .unwrap();
    sync_round(&server, &mut csm.db, &carla);
    sync_round(&server, &mut desk.db, &amy);
    assert_eq!(
        desk.db.case(case_id).unwrap().status,
        CaseStatus::Saved,
        "the account manager's desk shows the CSM's outcome"
    );
    assert!(desk.db.open_tasks("csm_escalation").unwrap().is_empty());
}

#[test]
fn only_an_empty_profile_joins_and_a_joined_one_works_as_the_servers_user() {
    let server = Server::start(POLICY);
    let amy = server.add_user("amy", &[Role::AccountManager]);
    let mut local = Fixture::new();
    local
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    assert!(matches!(
        local
            .db
            .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(&amy)),
        Err(StoreError::ProfileNotEmpty)
    ));
    assert!(local.db.sync_binding().is_none());

    let desk = joined(&server, &amy);
    let user = desk.db.local_user().unwrap().unwrap();
    assert_eq!(
        (user.name.as_str(), user.roles.clone()),
        ("amy", vec![Role::AccountManager])
    );
    // Signing in again as someone else on the same profile is refused: its outbox is amy's.
    let mut desk = desk;
    let other = server.add_user("olga", &[Role::Manager]);
    assert!(matches!(
        desk.db.update_me(&server.me(&other)),
        Err(StoreError::Rule(_))
    ));
    assert_eq!(desk.db.sync_binding().unwrap().me.user, "amy");
}

#[test]
fn a_command_the_server_refuses_from_its_own_records_is_shown_and_undone() {
    let server = Server::start(POLICY);
    let amy = server.add_user("amy", &[Role::AccountManager]);
    let mut desk = joined(&server, &amy);
    desk.db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let case_id = Uuid::now_v7();
    run(
        &mut desk.db,
        case_id,
        CaseCommand::Receive {
            case_id,
            account_id: holdfast_core::account::account_id("A-1"),
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
    )
    .unwrap();
    sync_round(&server, &mut desk.db, &amy);
    assert!(desk.db.replica().unwrap().pending().is_empty());

    // An admin takes every role away; the desk still has the old roles cached and
    // decides offline.
    server
        .runtime
        .block_on(server.store.set_user_roles(amy.id, &[]))
        .unwrap();
    run(
        &mut desk.db,
        case_id,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
    )
    .unwrap();
    assert_eq!(desk.db.case_state(case_id).unwrap().unwrap().version, 2);

    // The push is answered (rejected), but a user with no role reads nothing of the log
    // (issue 12) until an admin gives them a role again.
    let no_role = server.record(&amy);
    while let Some(request) = desk.db.next_push(2).unwrap() {
        let response = server
            .runtime
            .block_on(sync::push(
                server.store.as_ref(),
                &no_role,
                &request,
                &server.signer.one_time_code_key(no_role.organisation_id),
                now(),
            ))
            .unwrap();
        desk.db.apply_push_response(&response, now()).unwrap();
    }
    let cursor = desk.db.replica().unwrap().cursor();
    let refused = server.runtime.block_on(sync::pull(
        server.store.as_ref(),
        &server.signer,
        &no_role,
        cursor,
        3,
    ));
    assert!(
        matches!(refused, Err(holdfast_server::ServerError::Forbidden(_))),
        "{refused:?}"
    );
    server
        .runtime
        .block_on(server.store.set_user_roles(amy.id, &[Role::Csm]))
        .unwrap();

    sync_round(&server, &mut desk.db, &amy);
    let notices = desk.db.sync_notifications();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].settled);
    assert_eq!(notices[0].case_id, Some(case_id));
    assert!(matches!(
        notices[0].problem,
        holdfast_sync::client::Problem::Rejected { .. }
    ));
    // The case is as the server has it, in the history and the read models alike.
    assert_eq!(desk.db.case_state(case_id).unwrap().unwrap().version, 1);
    assert_eq!(desk.db.events_of(case_id).unwrap().len(), 1);
    assert_eq!(desk.db.case(case_id).unwrap().status, CaseStatus::Received);

    // Dismissed, it stays dismissed after a restart; the desk now has the server's roles.
    assert!(desk.db.dismiss_sync_notification(notices[0].seq).unwrap());
    let desk = desk.reopen();
    assert!(desk.db.sync_notifications().is_empty());
}
