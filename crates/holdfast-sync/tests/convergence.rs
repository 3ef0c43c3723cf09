//! The convergence property: 2-5 devices, each a user with random roles (sometimes claiming one
//! the server does not give them), decide random commands on a few cases while syncing at random
//! moments (everyone else is offline meanwhile), with pushes delivered twice, answers lost after
//! the server committed, and server restarts from its data directory. After a final full sync of
//! every device: every device's log and views equal the server's; no command was applied twice;
//! every command a device queued has exactly one outcome, the one the server stored; every
//! rejection and conflict is a notification on its device, and every conflict a
//! `conflict_recorded` event on its case.

mod common;

use std::collections::BTreeMap;

use common::{finalize, receive, usd, Device, Faults, Server};
use holdfast_core::account::PreferredChannel;
use holdfast_core::policy::MessageKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_sync::client::{Problem, CONFLICT_RECORDED};
use holdfast_sync::protocol::{CommandOutcome, PushRequest, PushResponse};
use proptest::prelude::*;
use uuid::Uuid;

const CASES: u128 = 2;

fn case_id(case: usize) -> Uuid {
    Uuid::from_u128(0xca5e_0000 + case as u128 % CASES)
}

fn refund_id(case: usize) -> Uuid {
    Uuid::from_u128(0xf00d_0000 + case as u128 % CASES)
}

#[derive(Debug, Clone)]
enum Command {
    Receive,
    Acknowledge,
    Reason,
    Log,
    Note,
    Route,
    Retention(bool),
    Finalize,
    Confirm,
    Withdraw,
    RequestRefund,
    VerifyRefund,
    WriteOff,
    /// The finalization checklist's "services suspended in Billsbee".
    ConfirmSuspended,
    /// The confirmation message on the phone, the preferred channel.
    ConfirmationMessage,
}

impl Command {
    fn on(&self, case: usize) -> CaseCommand {
        match self {
            Command::Receive => receive(case_id(case)),
            Command::Acknowledge => CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "We received your request".into(),
                email: None,
            },
            Command::Reason => CaseCommand::CaptureReason {
                reason_id: "cost".into(),
                details: String::new(),
                pain_points: Vec::new(),
            },
            Command::Log => CaseCommand::LogRequest,
            Command::Note => CaseCommand::AddNote {
                text: "called the customer".into(),
            },
            Command::Route => CaseCommand::Route,
            Command::Retention(retained) => CaseCommand::RecordRetentionOutcome {
                retained: *retained,
                note: "talked it through".into(),
                mitigations_tried: Vec::new(),
            },
            Command::Finalize => finalize(),
            Command::Confirm => CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Phone,
            },
            Command::Withdraw => CaseCommand::Withdraw {
                note: "the customer stays".into(),
            },
            Command::RequestRefund => CaseCommand::RequestRefund {
                refund_id: refund_id(case),
                amount: usd(1_500),
                justification: "charged twice".into(),
                charged_on: None,
            },
            Command::VerifyRefund => CaseCommand::VerifyRefund {
                refund_id: refund_id(case),
            },
            Command::WriteOff => CaseCommand::WriteOffInvoices {
                amount: usd(4_900),
                invoices: 1,
            },
            Command::ConfirmSuspended => CaseCommand::ConfirmChecklistItem {
                item_id: "services_suspended".into(),
                note: String::new(),
            },
            Command::ConfirmationMessage => CaseCommand::RecordMessage {
                kind: MessageKind::Confirmation,
                channel: PreferredChannel::Phone,
                body: "Your service is suspended".into(),
                email: None,
            },
        }
    }
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        1 => Just(Command::Receive),
        2 => Just(Command::Acknowledge),
        1 => Just(Command::Reason),
        3 => Just(Command::Log),
        2 => Just(Command::Note),
        1 => Just(Command::Route),
        1 => any::<bool>().prop_map(Command::Retention),
        4 => Just(Command::Finalize),
        1 => Just(Command::Confirm),
        1 => Just(Command::Withdraw),
        1 => Just(Command::RequestRefund),
        1 => Just(Command::VerifyRefund),
        1 => Just(Command::WriteOff),
        1 => Just(Command::ConfirmSuspended),
        1 => Just(Command::ConfirmationMessage),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Decide {
        device: usize,
        case: usize,
        command: Command,
    },
    Sync {
        device: usize,
        duplicate: bool,
        lose_answer: bool,
    },
    Restart,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (any::<usize>(), 0..CASES as usize, command())
            .prop_map(|(device, case, command)| Step::Decide { device, case, command }),
        4 => (any::<usize>(), prop::bool::weighted(0.25), prop::bool::weighted(0.25))
            .prop_map(|(device, duplicate, lose_answer)| Step::Sync {
                device,
                duplicate,
                lose_answer,
            }),
        1 => Just(Step::Restart),
    ]
}

#[derive(Debug, Clone)]
struct Person {
    roles: Vec<Role>,
    /// The device also believes the user is a manager.
    claims_manager: bool,
}

fn person() -> impl Strategy<Value = Person> {
    (
        prop::sample::subsequence(
            vec![Role::AccountManager, Role::Manager, Role::Billing],
            1..=2,
        ),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(roles, claims_manager)| Person {
            roles,
            claims_manager,
        })
}

fn run(people: &[Person], steps: &[Step]) -> Result<(), TestCaseError> {
    let mut server = Server::start();
    let mut devices: Vec<Device> = people
        .iter()
        .enumerate()
        .map(|(index, person)| {
            let user = server.add_user(&format!("user{index}"), &person.roles);
            let mut claimed = person.roles.clone();
            if person.claims_manager && !claimed.contains(&Role::Manager) {
                claimed.push(Role::Manager);
            }
            Device::new(&server, &user, &claimed)
        })
        .collect();
    // Every answer the server gave, delivered or not, by (client, seq): always the same one.
    let mut answers: BTreeMap<(Uuid, u64), CommandOutcome> = BTreeMap::new();
    let mut record = |request: &PushRequest, response: &PushResponse| {
        for result in &response.results {
            let key = (request.client_id, result.seq);
            let first = answers.entry(key).or_insert_with(|| result.outcome.clone());
            assert_eq!(first, &result.outcome, "a command answered two ways");
        }
    };

    // Both cases start received (by the first device), so that most commands have a case to
    // work on; receiving them again stays in the mix and is refused.
    devices[0].pull(&mut server).map_err(fail)?;
    for case in 0..CASES as usize {
        devices[0]
            .decide(server.clock, case_id(case), receive(case_id(case)))
            .map_err(|error| TestCaseError::fail(format!("receive: {error}")))?;
    }
    devices[0]
        .sync(&mut server, Faults::default(), &mut record)
        .map_err(fail)?;
    for device in &mut devices {
        device.pull(&mut server).map_err(fail)?;
    }
    for step in steps {
        match step {
            Step::Decide {
                device,
                case,
                command,
            } => {
                let device = &mut devices[device % people.len()];
                // The engine may refuse it on the device: then nothing is queued.
                let _ = device.decide(server.clock, case_id(*case), command.on(*case));
            }
            Step::Sync {
                device,
                duplicate,
                lose_answer,
            } => {
                let faults = Faults {
                    duplicate: *duplicate,
                    lose_answer: *lose_answer,
                };
                devices[device % people.len()]
                    .sync(&mut server, faults, &mut record)
                    .map_err(fail)?;
            }
            Step::Restart => server.restart(),
        }
    }

    // The final full sync: every device pushes everything and pulls to the end, twice round.
    for _ in 0..2 {
        for device in &mut devices {
            for _ in 0..100 {
                device
                    .sync(&mut server, Faults::default(), &mut record)
                    .map_err(fail)?;
                if device.replica.pending().is_empty() {
                    break;
                }
            }
        }
    }

    let events = server.events();
    let cases = server.cases();
    for (index, device) in devices.iter().enumerate() {
        let replica = &device.replica;
        prop_assert!(replica.halted().is_none());
        prop_assert!(
            replica.pending().is_empty(),
            "device {index} kept {:?}",
            replica.pending()
        );
        prop_assert_eq!(replica.log(), events.as_slice(), "device {}", index);
        for case in 0..CASES as usize {
            prop_assert_eq!(
                replica.view(case_id(case)),
                cases.get(&case_id(case)).cloned(),
                "device {} case {}",
                index,
                case
            );
        }
    }

    // No command applied twice: the events of one command were written together, at one time.
    let mut by_origin: BTreeMap<(Uuid, u64), Vec<&holdfast_sync::protocol::SyncedEvent>> =
        BTreeMap::new();
    for event in &events {
        if let Some(origin) = event.origin {
            by_origin
                .entry((origin.client_id, origin.seq))
                .or_default()
                .push(event);
        }
    }
    for (origin, group) in &by_origin {
        let contiguous = group.windows(2).all(|pair| pair[1].seq == pair[0].seq + 1);
        let one_time = group
            .iter()
            .all(|event| event.record.recorded_at == group[0].record.recorded_at);
        prop_assert!(
            contiguous && one_time,
            "{:?} applied more than once",
            origin
        );
    }

    // No command lost: every sequence number a device used has exactly one outcome, the one the
    // server stored, and the device and the log agree on it.
    let mut conflicts = 0;
    for device in &devices {
        let replica = &device.replica;
        let client = replica.client_id();
        let notifications: BTreeMap<u64, Problem> = replica
            .notifications()
            .into_iter()
            .map(|n| {
                assert!(n.settled, "an unsettled notification after the final sync");
                (n.seq, n.problem)
            })
            .collect();
        for seq in 1..replica.next_seq() {
            let answer = answers.get(&(client, seq));
            let logged = by_origin.get(&(client, seq));
            let notification = notifications.get(&seq);
            match answer {
                Some(CommandOutcome::Applied) => {
                    prop_assert!(logged.is_some_and(|group| group
                        .iter()
                        .all(|event| event.record.kind != CONFLICT_RECORDED)));
                    prop_assert!(notification.is_none());
                }
                Some(CommandOutcome::Rejected { rejection }) => {
                    prop_assert!(logged.is_none());
                    prop_assert_eq!(
                        notification,
                        Some(&Problem::Rejected {
                            rejection: rejection.clone()
                        })
                    );
                }
                Some(CommandOutcome::Conflict {
                    base_version,
                    server_version,
                    ..
                }) => {
                    conflicts += 1;
                    prop_assert!(logged.is_some_and(
                        |group| group.len() == 1 && group[0].record.kind == CONFLICT_RECORDED
                    ));
                    let noticed = matches!(
                        notification,
                        Some(Problem::Conflict { base_version: b, server_version: s, .. })
                            if b == base_version && s == server_version
                    );
                    prop_assert!(noticed, "conflict {}/{} not noticed", client, seq);
                }
                None => prop_assert!(false, "{client}/{seq} was never answered"),
            }
        }
        prop_assert_eq!(
            notifications.keys().max().copied().unwrap_or(0) < replica.next_seq(),
            true
        );
    }
    let conflict_events = events
        .iter()
        .filter(|event| event.record.kind == CONFLICT_RECORDED)
        .count();
    prop_assert_eq!(conflict_events, conflicts);
    Ok(())
}

fn fail(failure: common::SyncFailure) -> TestCaseError {
    TestCaseError::fail(format!("sync failed: {failure:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_to_the_server(
        people in prop::collection::vec(person(), 2..=5),
        steps in prop::collection::vec(step(), 20..80),
    ) {
        run(&people, &steps)?;
    }
}
