//! The sync scenarios from the devices' side, against an in-process sync server on
//! SQLite: what each user's replica shows once the server has answered, and that every replica
//! converges to the server's state.

mod common;

use common::{finalize, receive, Device, Faults, Server, SyncFailure};
use holdfast_core::case::CaseStatus;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::ServerError;
use holdfast_sync::client::{ClientError, Problem, Replica, Tampering};
use holdfast_sync::protocol::CommandOutcome;
use uuid::Uuid;

fn no_answers(
) -> impl FnMut(&holdfast_sync::protocol::PushRequest, &holdfast_sync::protocol::PushResponse) {
    |_, _| {}
}

/// A case received and logged by `device`, synced.
fn logged_case(server: &mut Server, device: &mut Device) -> Uuid {
    let case_id = Uuid::now_v7();
    device.pull(server).expect("the accounts pulled");
    device
        .decide(server.clock, case_id, receive(case_id))
        .expect("received");
    device
        .decide(server.clock, case_id, CaseCommand::LogRequest)
        .expect("logged");
    device
        .sync(server, Faults::default(), &mut no_answers())
        .expect("synced");
    assert!(device.replica.pending().is_empty());
    case_id
}

/// What Billsbee waits for before a manager finalizes a logged case (the reason, the route, the
/// retention attempt and the services suspended), decided by the manager's `device` and synced:
/// the case is then at version 6.
fn make_ready_to_finalize(server: &mut Server, device: &mut Device, case_id: Uuid) {
    device.pull(server).expect("the case pulled");
    for command in holdfast_server::store::suite::steps_before_finalization() {
        device
            .decide(server.clock, case_id, command)
            .expect("a step before finalization");
    }
    // A sync pushes at most three commands.
    while !device.replica.pending().is_empty() {
        device
            .sync(server, Faults::default(), &mut no_answers())
            .expect("synced");
    }
    assert!(device.replica.notifications().is_empty());
    assert_eq!(device.replica.view(case_id).expect("a case").version, 6);
}

fn assert_converged(server: &Server, devices: &[&Device]) {
    let cases = server.cases();
    for device in devices {
        assert!(device.replica.pending().is_empty());
        assert_eq!(device.replica.log(), server.events().as_slice());
        for (case_id, state) in &cases {
            assert_eq!(device.replica.view(*case_id).as_ref(), Some(state));
        }
    }
}

#[test]
fn two_managers_finalize_offline_one_applies_and_the_other_sees_the_conflict() {
    let mut server = Server::start();
    let mia_user = server.add_user("mia", &[Role::Manager]);
    let max_user = server.add_user("max", &[Role::Manager]);
    let mut mia = Device::new(&server, &mia_user, &[Role::Manager]);
    let mut max = Device::new(&server, &max_user, &[Role::Manager]);
    let case_id = logged_case(&mut server, &mut mia);
    make_ready_to_finalize(&mut server, &mut mia, case_id);
    max.pull(&mut server).expect("max pulled");

    // Both offline: each finalizes against version 6 and sees the case cancelled.
    mia.decide(server.clock, case_id, finalize())
        .expect("mia decides");
    max.decide(server.clock, case_id, finalize())
        .expect("max decides");
    for device in [&mia, &max] {
        assert_eq!(
            device.replica.view(case_id).expect("a case").status,
            CaseStatus::Cancelled
        );
    }

    // Mia syncs first and wins.
    mia.sync(&mut server, Faults::default(), &mut no_answers())
        .expect("mia synced");
    assert!(mia.replica.notifications().is_empty());

    // Max syncs: his finalize comes back as a conflict, shown to him and recorded on the case.
    let mut outcomes = Vec::new();
    max.sync(&mut server, Faults::default(), &mut |_, response| {
        outcomes.extend(response.results.iter().map(|r| r.outcome.clone()))
    })
    .expect("max synced");
    assert!(matches!(
        outcomes.as_slice(),
        [CommandOutcome::Conflict {
            base_version: 6,
            server_version: 7,
            ..
        }]
    ));
    let notifications = max.replica.notifications();
    assert_eq!(notifications.len(), 1);
    assert!(notifications[0].settled);
    assert_eq!(notifications[0].command, "finalize");
    assert!(matches!(
        notifications[0].problem,
        Problem::Conflict {
            base_version: 6,
            server_version: 7,
            ..
        }
    ));
    let case = max.replica.view(case_id).expect("a case");
    assert_eq!(case.status, CaseStatus::Cancelled, "mia's finalization");
    assert_eq!(case.conflicts.len(), 1);
    assert_eq!(case.conflicts[0].by, "max");

    // Mia sees the conflict on the case too, without a notification of her own.
    mia.pull(&mut server).expect("mia pulled");
    assert_eq!(
        mia.replica.view(case_id).expect("a case").conflicts.len(),
        1
    );
    assert!(mia.replica.notifications().is_empty());
    assert_converged(&server, &[&mia, &max]);
}

#[test]
fn a_device_that_claims_the_manager_role_is_corrected_by_the_server() {
    let mut server = Server::start();
    let ann_user = server.add_user("ann", &[Role::AccountManager]);
    // The device believes ann is a manager (a stale or forged cache of her roles).
    let mut ann = Device::new(&server, &ann_user, &[Role::AccountManager, Role::Manager]);
    let case_id = logged_case(&mut server, &mut ann);
    // A real manager takes the case through everything but the finalization.
    let mia_user = server.add_user("mia", &[Role::Manager]);
    let mut mia = Device::new(&server, &mia_user, &[Role::Manager]);
    make_ready_to_finalize(&mut server, &mut mia, case_id);
    ann.pull(&mut server).expect("ann pulled");
    ann.decide(server.clock, case_id, finalize())
        .expect("decided with the claimed role");
    assert_eq!(
        ann.replica.view(case_id).expect("a case").status,
        CaseStatus::Cancelled
    );
    ann.sync(&mut server, Faults::default(), &mut no_answers())
        .expect("synced");
    let notifications = ann.replica.notifications();
    assert_eq!(notifications.len(), 1);
    match &notifications[0].problem {
        Problem::Rejected { rejection } => {
            assert!(rejection.message.contains("manager"), "{rejection:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ann.replica.view(case_id).expect("a case").status,
        CaseStatus::InProgress,
        "the finalization the device showed is gone"
    );
    assert_converged(&server, &[&ann]);
}

#[test]
fn a_deactivated_user_keeps_what_they_typed_until_the_server_takes_it() {
    let mut server = Server::start();
    let ann_user = server.add_user("ann", &[Role::AccountManager]);
    let mut ann = Device::new(&server, &ann_user, &[Role::AccountManager]);
    let case_id = logged_case(&mut server, &mut ann);
    ann.decide(
        server.clock,
        case_id,
        CaseCommand::AddNote {
            text: "call back on Monday".into(),
        },
    )
    .expect("noted");
    server.set_active(ann_user.id, false);
    let refused = ann.sync(&mut server, Faults::default(), &mut no_answers());
    assert!(
        matches!(refused, Err(SyncFailure::Server(ServerError::Forbidden(_)))),
        "{refused:?}"
    );
    // Nothing is lost, across an app restart too.
    let mut restored = Replica::restore(&ann.replica.save().expect("saved")).expect("restored");
    assert_eq!(restored.pending().len(), 1);
    std::mem::swap(&mut ann.replica, &mut restored);

    server.set_active(ann_user.id, true);
    ann.sync(&mut server, Faults::default(), &mut no_answers())
        .expect("synced");
    assert!(ann.replica.pending().is_empty());
    assert_converged(&server, &[&ann]);
}

#[test]
fn a_retry_after_a_lost_answer_applies_once() {
    let mut server = Server::start();
    let ann_user = server.add_user("ann", &[Role::AccountManager]);
    let mut ann = Device::new(&server, &ann_user, &[Role::AccountManager]);
    let case_id = logged_case(&mut server, &mut ann);
    ann.decide(server.clock, case_id, common::acknowledge())
        .expect("acknowledged");
    let request = ann.replica.next_push(10).expect("syncing").expect("a push");
    // The server commits; the answer is lost; the app closes before it syncs again.
    server.push(ann.user_id, &request).expect("committed");
    let mut ann_replica = Replica::restore(&ann.replica.save().expect("saved")).expect("restored");
    assert_eq!(ann_replica.next_push(10), Ok(Some(request.clone())));
    std::mem::swap(&mut ann.replica, &mut ann_replica);
    ann.sync(&mut server, Faults::default(), &mut |_, response| {
        assert_eq!(response.results[0].outcome, CommandOutcome::Applied)
    })
    .expect("synced");
    let acknowledged = server
        .events()
        .iter()
        .filter(|event| event.record.kind == "acknowledged")
        .count();
    assert_eq!(acknowledged, 1);
    assert!(ann.replica.notifications().is_empty());
    assert_converged(&server, &[&ann]);
}

#[test]
fn a_server_restored_from_an_old_backup_stops_its_devices() {
    let mut server = Server::start();
    let ann_user = server.add_user("ann", &[Role::AccountManager]);
    let bob_user = server.add_user("bob", &[Role::AccountManager]);
    let mut ann = Device::new(&server, &ann_user, &[Role::AccountManager]);
    let mut bob = Device::new(&server, &bob_user, &[Role::AccountManager]);
    let case_id = logged_case(&mut server, &mut ann);

    // Back up the data directory (server stopped), then carry on: ann's note is signed into
    // the chain she pulls.
    server.restart();
    let backup = server.dir.with_file_name("backup");
    copy_dir(&server.dir, &backup);
    ann.decide(
        server.clock,
        case_id,
        CaseCommand::AddNote {
            text: "before the restore".into(),
        },
    )
    .expect("noted");
    ann.sync(&mut server, Faults::default(), &mut no_answers())
        .expect("synced");
    let seen = ann.replica.cursor();

    // The server is restored from the backup, and bob writes a different history.
    server.dir = backup;
    server.restart();
    bob.pull(&mut server).expect("bob pulled");
    for text in ["after the restore", "and more"] {
        bob.decide(
            server.clock,
            case_id,
            CaseCommand::AddNote { text: text.into() },
        )
        .expect("noted");
    }
    bob.sync(&mut server, Faults::default(), &mut no_answers())
        .expect("synced");

    let stopped = ann.pull(&mut server);
    assert!(
        matches!(
            stopped,
            Err(SyncFailure::Client(ClientError::HistoryRewritten(
                Tampering::ChainBroken { .. } | Tampering::CheckpointMismatch { .. }
            )))
        ),
        "{stopped:?}"
    );
    assert_eq!(
        ann.replica.cursor(),
        seen,
        "nothing of the new history taken"
    );
    assert!(ann.replica.halted().is_some());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("backup directory");
    for entry in std::fs::read_dir(from).expect("data directory") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
    }
}
