//! Unit tests of the client engine, each rule on its own, against a scripted server log: events
//! chained and checkpoints signed here exactly as the sync server does.

use ed25519_dalek::{Signer as _, SigningKey};
use holdfast_core::account::{account_id, Account, AccountDraft};
use holdfast_core::audit::ChainHash;
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::record::EventRecord;
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand, CaseEvent, RepStatus};
use holdfast_core::CoreError;
use jiff::Timestamp;
use uuid::Uuid;

use super::*;
use crate::protocol::{
    checkpoint_message, Checkpoint, CommandOrigin, CommandOutcome, CommandResult, PullResponse,
    PushResponse, Rejection, SyncCommand, SyncedEvent,
};

const POLICY: &str = include_str!("../../../../policies/billsbee.toml");

/// The first response: the acknowledgement message, which acknowledges the request.
fn acknowledge() -> CaseCommand {
    CaseCommand::RecordMessage {
        kind: holdfast_core::policy::MessageKind::Acknowledgement,
        channel: holdfast_core::account::PreferredChannel::Email,
        body: "We received your request".into(),
        email: None,
    }
}

fn now() -> Timestamp {
    "2026-11-24T15:00:00Z".parse().expect("a timestamp")
}

fn policy() -> Policy {
    parse_policy(POLICY).expect("the Billsbee policy parses")
}

fn person(name: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: name.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

/// An account as the server's storage suite makes them, named "Acme Dental".
fn draft(external_id: &str) -> AccountDraft {
    holdfast_server::store::suite::draft(external_id, "Acme Dental")
}

fn receive(case_id: Uuid) -> CaseCommand {
    CaseCommand::Receive {
        case_id,
        account_id: account_id("A-1"),
        channel: RequestChannel::Phone,
        requester_name: "Rae".into(),
        requester_contact: "+1 555 010 2030".into(),
        received_at: Some(now()),
    }
}

fn finalize() -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: "2026-12-31".parse().expect("a date"),
        data_export_offered: true,
    }
}

fn note(text: &str) -> CaseCommand {
    CaseCommand::AddNote { text: text.into() }
}

/// The server's side, scripted: a chained log and a signing key.
struct Script {
    key: SigningKey,
    log: Vec<SyncedEvent>,
    head: ChainHash,
}

impl Script {
    fn new() -> Script {
        Script {
            key: SigningKey::from_bytes(&[7; 32]),
            log: Vec::new(),
            head: ChainHash::GENESIS,
        }
    }

    fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    fn push_event(
        &mut self,
        aggregate_type: &str,
        aggregate_id: Uuid,
        payload: serde_json::Value,
        origin: Option<CommandOrigin>,
    ) {
        let version = self
            .log
            .iter()
            .filter(|event| event.record.aggregate_id == aggregate_id)
            .count() as u64
            + 1;
        let kind = payload["kind"].as_str().unwrap_or_default().to_owned();
        let mut event = SyncedEvent {
            seq: self.log.len() as u64 + 1,
            record: EventRecord {
                id: Uuid::now_v7(),
                aggregate_type: aggregate_type.into(),
                aggregate_id,
                aggregate_version: version,
                kind,
                actor: "server".into(),
                policy_version: "billsbee@1".into(),
                recorded_at: now(),
                payload,
            },
            origin,
            chain_hash: String::new(),
        };
        self.head = expected_hash(&self.head, &event);
        event.chain_hash = self.head.to_hex();
        self.log.push(event);
    }

    fn account(&mut self, external_id: &str, origin: Option<CommandOrigin>) {
        let account = Account {
            id: account_id(external_id),
            draft: draft(external_id),
        };
        self.push_event(
            ACCOUNT,
            account.id,
            serde_json::json!({"kind": ACCOUNT_UPSERTED, "account": account}),
            origin,
        );
    }

    fn case(&mut self, case_id: Uuid, event: CaseEvent, origin: Option<CommandOrigin>) {
        let payload = serde_json::to_value(&event).expect("an event");
        self.push_event(CASE, case_id, payload, origin);
    }

    fn received(&mut self, case_id: Uuid, origin: Option<CommandOrigin>) {
        self.case(
            case_id,
            CaseEvent::Received {
                case_id,
                account_id: account_id("A-1"),
                channel: RequestChannel::Phone,
                requester_name: "Rae".into(),
                requester_contact: "+1 555 010 2030".into(),
                received_at: now(),
                first_response_due: now(),
            },
            origin,
        );
    }

    fn sign(&self, seq: u64) -> Checkpoint {
        let chain_hash = self.log[seq as usize - 1].chain_hash.clone();
        Checkpoint {
            seq,
            signature: hex::encode(
                self.key
                    .sign(&checkpoint_message(seq, &chain_hash))
                    .to_bytes(),
            ),
            chain_hash,
        }
    }

    /// Everything after `after`, in one page, with a checkpoint at its last event.
    fn pull(&self, after: u64) -> PullResponse {
        let events: Vec<SyncedEvent> = self.log[after as usize..].to_vec();
        let last = events.last().map_or(after, |event| event.seq);
        PullResponse {
            checkpoint: (last > 0).then(|| self.sign(last)),
            events,
            after: last,
            more: false,
            head: None,
        }
    }
}

struct World {
    policy: Policy,
    users: KnownUsers,
    code_key: holdfast_core::workflow::CodeKey,
}

impl World {
    fn new() -> World {
        World {
            policy: policy(),
            users: KnownUsers::new(),
            code_key: holdfast_core::workflow::CodeKey::new("device", [5; 32]),
        }
    }

    fn context<'a>(&'a self, actor: &'a Actor) -> Context<'a> {
        Context {
            actor,
            policy: Some(&self.policy),
            users: &self.users,
            now: now(),
            code_key: &self.code_key,
        }
    }
}

const CLIENT: Uuid = Uuid::from_u128(0xc1);

fn origin(seq: u64) -> Option<CommandOrigin> {
    Some(CommandOrigin {
        client_id: CLIENT,
        seq,
    })
}

/// A replica that pulled account A-1 and a received case.
fn synced(script: &mut Script, world: &World, actor: &Actor) -> (Replica, Uuid) {
    let case_id = Uuid::from_u128(0xca5e);
    script.account("A-1", None);
    script.received(case_id, None);
    let mut replica = Replica::new(CLIENT, &script.public_key()).expect("a replica");
    replica
        .apply_pull(&script.pull(0), &world.context(actor))
        .expect("the first pull");
    (replica, case_id)
}

/// A replica that pulled account A-1 and a received case that waits only for its log entry
/// before a manager may finalize it: another manager's device already took what Billsbee waits
/// for (the reason, the route, the retention attempt and the services suspended, decided here by
/// the engine as the server would), so logging the request and finalizing are this device's.
fn synced_ready_but_for_the_log(
    script: &mut Script,
    world: &World,
    actor: &Actor,
) -> (Replica, Uuid) {
    let (mut replica, case_id) = synced(script, world, actor);
    let max = person("max", &[Role::Manager]);
    let facts = replica
        .account_facts(account_id("A-1"), &world.users)
        .expect("the account's facts");
    let mut state = replica.confirmed_view(case_id);
    for command in holdfast_server::store::suite::steps_before_finalization() {
        let events = holdfast_core::workflow::decide(
            state.as_ref(),
            &command,
            &max,
            &world.policy,
            &facts,
            now(),
        )
        .expect("a step before finalization");
        for event in events {
            state = holdfast_core::workflow::evolve(state, &event);
            script.case(case_id, event, None);
        }
    }
    replica
        .apply_pull(&script.pull(replica.cursor()), &world.context(actor))
        .expect("pulled");
    (replica, case_id)
}

fn answer(seq: u64, outcome: CommandOutcome) -> PushResponse {
    PushResponse {
        results: vec![CommandResult { seq, outcome }],
    }
}

#[test]
fn sequence_numbers_start_at_one_without_gaps_and_are_never_reused() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    assert_eq!(replica.next_seq(), 1);
    assert_eq!(replica.decide(case_id, note("one"), &context), Ok(1));
    // A command the engine refuses takes no number.
    assert!(matches!(
        replica.decide(case_id, finalize(), &context),
        Err(ClientError::Refused(_))
    ));
    assert_eq!(replica.decide(case_id, note("two"), &context), Ok(2));
    assert_eq!(
        replica.decide(case_id, CaseCommand::LogRequest, &context),
        Ok(3)
    );
    let seqs: Vec<u64> = replica.pending().iter().map(|p| p.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);

    // Settling commands does not free their numbers.
    replica
        .on_push_response(
            &answer(
                3,
                CommandOutcome::Rejected {
                    rejection: Rejection {
                        field: None,
                        message: "no".into(),
                    },
                },
            ),
            &context,
        )
        .expect("answer");
    assert_eq!(replica.decide(case_id, note("four"), &context), Ok(4));

    // Nor does a restore.
    let mut restored = Replica::restore(&replica.save().expect("saved")).expect("restored");
    assert_eq!(restored.decide(case_id, note("five"), &context), Ok(5));

    // A replica restored from an older save learns the numbers the server saw from the log.
    let mut stale = Replica::new(CLIENT, &script.public_key()).expect("a replica");
    script.case(
        case_id,
        CaseEvent::NoteAdded {
            text: "one".into(),
            at: now(),
        },
        origin(7),
    );
    stale.apply_pull(&script.pull(0), &context).expect("pulled");
    assert_eq!(stale.next_seq(), 8);
}

#[test]
fn a_refused_command_queues_nothing() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let before = replica.view(case_id);
    let refused = replica.decide(case_id, finalize(), &world.context(&ann));
    assert!(
        matches!(
            refused,
            Err(ClientError::Refused(CoreError::RoleRequired { .. }))
        ),
        "{refused:?}"
    );
    assert!(replica.pending().is_empty());
    assert_eq!(replica.view(case_id), before);
    assert_eq!(replica.next_push(10), Ok(None));
}

#[test]
fn pushes_take_the_oldest_unacknowledged_commands_with_consecutive_numbers() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    for text in ["a", "b", "c", "d"] {
        replica
            .decide(case_id, note(text), &context)
            .expect("queued");
    }
    let push = replica.next_push(2).expect("syncing").expect("a push");
    assert_eq!(push.client_id, CLIENT);
    let seqs: Vec<u64> = push.commands.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, vec![1, 2]);
    match &push.commands[0].command {
        SyncCommand::Case {
            base_version,
            case_id: pushed,
            ..
        } => {
            assert_eq!(*pushed, case_id);
            assert_eq!(*base_version, 1, "decided against the received case");
        }
        other => panic!("{other:?}"),
    }
    match &push.commands[1].command {
        SyncCommand::Case { base_version, .. } => {
            assert_eq!(*base_version, 2, "decided on top of the first note")
        }
        other => panic!("{other:?}"),
    }

    // 1 applied (waits for its events), 2 rejected (settled): the next push starts at 3.
    let response = PushResponse {
        results: vec![
            CommandResult {
                seq: 1,
                outcome: CommandOutcome::Applied,
            },
            CommandResult {
                seq: 2,
                outcome: CommandOutcome::Rejected {
                    rejection: Rejection {
                        field: Some("text".into()),
                        message: "too long".into(),
                    },
                },
            },
        ],
    };
    replica
        .on_push_response(&response, &context)
        .expect("answer");
    let seqs: Vec<u64> = replica.pending().iter().map(|p| p.seq).collect();
    assert_eq!(seqs, vec![1, 3, 4]);
    assert!(replica.pending()[0].acknowledged);
    let push = replica.next_push(10).expect("syncing").expect("a push");
    let seqs: Vec<u64> = push.commands.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, vec![3, 4]);
}

#[test]
fn an_applied_command_waits_for_its_events_and_leaves_by_origin() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    replica
        .decide(case_id, CaseCommand::LogRequest, &context)
        .expect("queued");
    replica
        .on_push_response(&answer(1, CommandOutcome::Applied), &context)
        .expect("answer");
    assert_eq!(
        replica.pending().len(),
        1,
        "applied, its events not pulled yet"
    );
    assert!(replica.view(case_id).expect("a case").logged);
    assert!(!replica.confirmed_view(case_id).expect("a case").logged);

    // Someone else's event arrives first: still pending.
    script.case(
        case_id,
        CaseEvent::NoteAdded {
            text: "from bob".into(),
            at: now(),
        },
        Some(CommandOrigin {
            client_id: Uuid::from_u128(0xb0b),
            seq: 1,
        }),
    );
    let summary = replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    assert_eq!(summary.appended, 1);
    assert!(summary.settled.is_empty());
    assert_eq!(replica.pending().len(), 1);

    script.case(case_id, CaseEvent::RequestLogged, origin(1));
    let summary = replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    assert_eq!(summary.settled, vec![1]);
    assert!(replica.pending().is_empty());
    assert!(replica.confirmed_view(case_id).expect("a case").logged);
    assert_eq!(replica.view(case_id), replica.confirmed_view(case_id));
    assert!(replica.notifications().is_empty());
}

#[test]
fn a_lost_acknowledgement_is_made_good_by_the_events_origin() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    replica
        .decide(case_id, note("typed offline"), &context)
        .expect("queued");
    // The server committed it; the answer never came back.
    script.case(
        case_id,
        CaseEvent::NoteAdded {
            text: "typed offline".into(),
            at: now(),
        },
        origin(1),
    );
    replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    assert!(replica.pending().is_empty());
    assert_eq!(replica.next_push(10), Ok(None));
    // A late answer to a retried push changes nothing.
    replica
        .on_push_response(&answer(1, CommandOutcome::Applied), &context)
        .expect("answer");
    assert!(replica.pending().is_empty());
    assert!(replica.notifications().is_empty());
}

#[test]
fn rejections_and_conflicts_become_settled_notifications_once() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced_ready_but_for_the_log(&mut script, &world, &mia);
    let context = world.context(&mia);
    replica
        .decide(case_id, CaseCommand::LogRequest, &context)
        .expect("queued");
    replica
        .decide(case_id, finalize(), &context)
        .expect("queued");
    let rejected = CommandOutcome::Rejected {
        rejection: Rejection {
            field: None,
            message: "mia may not do this".into(),
        },
    };
    let conflict = CommandOutcome::Conflict {
        base_version: 2,
        server_version: 3,
        message: "the case moved".into(),
    };
    let response = PushResponse {
        results: vec![
            CommandResult {
                seq: 1,
                outcome: rejected,
            },
            CommandResult {
                seq: 2,
                outcome: conflict,
            },
        ],
    };
    replica
        .on_push_response(&response, &context)
        .expect("answer");
    // Delivered twice: nothing changes.
    replica
        .on_push_response(&response, &context)
        .expect("answer");
    assert!(replica.pending().is_empty());
    let notifications = replica.notifications();
    assert_eq!(notifications.len(), 2, "{notifications:?}");
    assert!(notifications.iter().all(|n| n.settled));
    assert_eq!(notifications[0].seq, 1);
    assert_eq!(notifications[0].command, "log");
    assert!(matches!(
        &notifications[0].problem,
        Problem::Rejected { rejection } if rejection.message == "mia may not do this"
    ));
    assert_eq!(notifications[1].case_id, Some(case_id));
    assert_eq!(
        notifications[1].problem,
        Problem::Conflict {
            base_version: 2,
            server_version: 3,
            message: "the case moved".into()
        }
    );
    assert!(replica.dismiss(1));
    assert!(!replica.dismiss(1));
    assert_eq!(replica.notifications().len(), 1);
}

#[test]
fn a_conflict_whose_answer_was_lost_is_learned_from_the_log() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced_ready_but_for_the_log(&mut script, &world, &mia);
    let context = world.context(&mia);
    replica
        .decide(case_id, CaseCommand::LogRequest, &context)
        .expect("queued");
    replica
        .decide(case_id, finalize(), &context)
        .expect("queued");
    // Someone logged it first, so mia's log lands after it; her finalize (base 6, after the
    // five events she had and her log) conflicts.
    script.case(case_id, CaseEvent::RequestLogged, None);
    script.case(case_id, CaseEvent::RequestLogged, origin(1));
    script.case(
        case_id,
        CaseEvent::ConflictRecorded {
            command: "finalize".into(),
            by: "mia".into(),
            base_version: 6,
            server_version: 7,
            at: now(),
        },
        origin(2),
    );
    replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    assert!(replica.pending().is_empty());
    let notifications = replica.notifications();
    assert_eq!(notifications.len(), 1);
    assert!(notifications[0].settled);
    assert!(matches!(
        notifications[0].problem,
        Problem::Conflict {
            base_version: 6,
            server_version: 7,
            ..
        }
    ));
    let case = replica.view(case_id).expect("a case");
    assert_eq!(case.conflicts.len(), 1, "the conflict is on the case");
    assert!(case.finalization.is_none());
}

#[test]
fn rebase_decides_pending_commands_again_in_order_on_the_new_state() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced_ready_but_for_the_log(&mut script, &world, &mia);
    let context = world.context(&mia);
    replica
        .decide(case_id, CaseCommand::LogRequest, &context)
        .expect("queued");
    replica
        .decide(case_id, finalize(), &context)
        .expect("queued");
    replica
        .decide(
            case_id,
            CaseCommand::RecordFeedback {
                text: "too pricey".into(),
                survey_link: None,
            },
            &context,
        )
        .expect("queued after the finalize");
    assert_eq!(
        replica.view(case_id).expect("a case").status,
        holdfast_core::case::CaseStatus::Cancelled
    );

    // Someone else's note moves the case: the log is re-decided (not guarded, still applies);
    // the finalize was decided against version 6 (the received case, the four steps before
    // finalization, the log) and the case will be at 7 when the server gets to it, so it will
    // conflict; the feedback needs a cancelled case, so it will be refused.
    script.case(
        case_id,
        CaseEvent::NoteAdded {
            text: "called back".into(),
            at: now(),
        },
        None,
    );
    replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    let pending = replica.pending();
    assert_eq!(
        pending.len(),
        3,
        "nothing leaves the outbox without the server"
    );
    assert!(matches!(
        &pending[0].expected,
        Expected::Applied { case_events, .. } if case_events == &[CaseEvent::RequestLogged]
    ));
    assert!(matches!(
        pending[1].expected,
        Expected::Conflict {
            base_version: 6,
            server_version: 7,
            ..
        }
    ));
    assert!(matches!(pending[2].expected, Expected::Rejected { .. }));
    let view = replica.view(case_id).expect("a case");
    assert!(view.logged);
    assert!(view.finalization.is_none());
    assert_eq!(
        view.conflicts.len(),
        1,
        "the expected conflict shows on the case"
    );
    let expected: Vec<(u64, bool)> = replica
        .notifications()
        .iter()
        .map(|n| (n.seq, n.settled))
        .collect();
    assert_eq!(expected, vec![(2, false), (3, false)]);
    // All three are still pushed, so the server answers each.
    let push = replica.next_push(10).expect("syncing").expect("a push");
    assert_eq!(push.commands.len(), 3);
}

#[test]
fn a_withdrawn_case_refuses_pending_steps_but_takes_notes() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    replica
        .decide(case_id, CaseCommand::LogRequest, &context)
        .expect("queued");
    replica
        .decide(case_id, note("left a voicemail"), &context)
        .expect("queued");
    script.case(
        case_id,
        CaseEvent::Withdrawn {
            note: "the customer stays".into(),
        },
        None,
    );
    replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    let pending = replica.pending();
    assert!(matches!(pending[0].expected, Expected::Rejected { .. }));
    assert!(matches!(pending[1].expected, Expected::Applied { .. }));
    let view = replica.view(case_id).expect("a case");
    assert_eq!(view.status, holdfast_core::case::CaseStatus::Withdrawn);
    assert!(!view.logged);
}

#[test]
fn a_changed_event_stops_syncing_for_good() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    script.case(case_id, CaseEvent::RequestLogged, None);
    let mut page = script.pull(replica.cursor());
    page.events[0].record.actor = "mallory".into();
    let error = replica.apply_pull(&page, &context).expect_err("refused");
    assert_eq!(
        error,
        ClientError::HistoryRewritten(Tampering::ChainBroken { seq: 3 })
    );
    assert_eq!(replica.cursor(), 2, "nothing of the page was applied");
    // Stopped: even an honest page is refused now, and pushes too; a restore remembers it.
    assert!(matches!(
        replica.apply_pull(&script.pull(2), &context),
        Err(ClientError::HistoryRewritten(_))
    ));
    replica
        .decide(case_id, note("offline work is kept"), &context)
        .expect("queued");
    assert!(matches!(
        replica.next_push(10),
        Err(ClientError::HistoryRewritten(_))
    ));
    let restored = Replica::restore(&replica.save().expect("saved")).expect("restored");
    assert_eq!(restored.halted(), Some(&Tampering::ChainBroken { seq: 3 }));
    assert_eq!(restored.pending().len(), 1);
}

#[test]
fn history_rewritten_under_a_signed_checkpoint_is_caught() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    assert_eq!(replica.last_checkpoint().map(|c| c.seq), Some(2));

    // The server's database is rewritten: the case's first event changes and the chain is
    // recomputed and signed again with the same key.
    let mut forged = Script::new();
    forged.account("A-1", None);
    forged.case(
        case_id,
        CaseEvent::Received {
            case_id,
            account_id: account_id("A-1"),
            channel: RequestChannel::Email,
            requester_name: "Someone else".into(),
            requester_contact: "rae@example.com".into(),
            received_at: now(),
            first_response_due: now(),
        },
        None,
    );
    // An empty page after the cursor, with the newest checkpoint at or before it.
    let page = PullResponse {
        events: Vec::new(),
        after: 2,
        more: false,
        checkpoint: Some(forged.sign(2)),
        head: None,
    };
    assert_eq!(
        replica.apply_pull(&page, &context),
        Err(ClientError::HistoryRewritten(
            Tampering::CheckpointMismatch { seq: 2 }
        ))
    );
    assert_eq!(
        replica.halted().map(ToString::to_string).as_deref(),
        Some(
            "history was rewritten under a signed checkpoint: the server's checkpoint at event 2 \
             does not match the chain this device verified"
        )
    );

    // The same rewrite seen as an event delivered again.
    let (mut script, world) = (Script::new(), World::new());
    let (mut replica, _) = synced(&mut script, &world, &ann);
    assert_eq!(
        replica.apply_pull(&forged.pull(1), &world.context(&ann)),
        Err(ClientError::HistoryRewritten(Tampering::EventChanged {
            seq: 2
        }))
    );

    // And as new events chained onto the rewritten history.
    let (mut script, world) = (Script::new(), World::new());
    let (mut replica, _) = synced(&mut script, &world, &ann);
    forged.case(case_id, CaseEvent::RequestLogged, None);
    assert_eq!(
        replica.apply_pull(&forged.pull(2), &world.context(&ann)),
        Err(ClientError::HistoryRewritten(Tampering::ChainBroken {
            seq: 3
        }))
    );
}

#[test]
fn a_checkpoint_must_carry_the_pinned_key() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    script.case(case_id, CaseEvent::RequestLogged, None);
    let mut page = script.pull(2);
    let impostor = SigningKey::from_bytes(&[9; 32]);
    if let Some(checkpoint) = page.checkpoint.as_mut() {
        checkpoint.signature = hex::encode(
            impostor
                .sign(&checkpoint_message(checkpoint.seq, &checkpoint.chain_hash))
                .to_bytes(),
        );
    }
    assert_eq!(
        replica.apply_pull(&page, &world.context(&ann)),
        Err(ClientError::HistoryRewritten(Tampering::BadSignature {
            seq: 3
        }))
    );
    assert_eq!(replica.cursor(), 2);
    assert!(matches!(
        Replica::new(CLIENT, "not a key"),
        Err(ClientError::InvalidCheckpointKey)
    ));
}

#[test]
fn pages_that_do_not_fit_change_nothing_and_do_not_stop_syncing() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    script.case(case_id, CaseEvent::RequestLogged, None);
    script.case(
        case_id,
        CaseEvent::Acknowledged {
            at: now(),
            channel: None,
            note: None,
        },
        None,
    );
    // A page that skips event 3.
    let mut gap = script.pull(3);
    gap.checkpoint = None;
    assert!(matches!(
        replica.apply_pull(&gap, &context),
        Err(ClientError::Protocol(_))
    ));
    // An event this version cannot read.
    let mut unknown = Script::new();
    unknown.account("A-1", None);
    unknown.received(case_id, None);
    unknown.push_event(
        CASE,
        case_id,
        serde_json::json!({"kind": "teleported"}),
        None,
    );
    let mut fresh = Replica::new(CLIENT, &unknown.public_key()).expect("a replica");
    assert!(matches!(
        fresh.apply_pull(&unknown.pull(0), &context),
        Err(ClientError::UnreadableEvent { seq: 3, .. })
    ));
    assert_eq!(fresh.cursor(), 0);
    assert!(fresh.halted().is_none());

    assert_eq!(replica.cursor(), 2);
    assert!(replica.halted().is_none());
    // The whole page, delivered twice, applies once.
    let page = script.pull(2);
    replica.apply_pull(&page, &context).expect("pulled");
    let summary = replica.apply_pull(&page, &context).expect("pulled again");
    assert_eq!(summary.appended, 0);
    assert_eq!(replica.cursor(), 4);
}

#[test]
fn a_saved_replica_restores_everything_typed_offline() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced_ready_but_for_the_log(&mut script, &world, &mia);
    let context = world.context(&mia);
    replica
        .decide(case_id, CaseCommand::LogRequest, &context)
        .expect("queued");
    replica
        .decide(case_id, finalize(), &context)
        .expect("queued");
    replica
        .on_push_response(&answer(1, CommandOutcome::Applied), &context)
        .expect("answer");
    replica
        .import_accounts(vec![draft("A-2")], &context)
        .expect("queued");
    replica
        .on_push_response(
            &answer(
                2,
                CommandOutcome::Conflict {
                    base_version: 2,
                    server_version: 4,
                    message: "moved".into(),
                },
            ),
            &context,
        )
        .expect("answer");

    // A decision reads only the commands that can matter to it, and sees what the whole outbox
    // would show.
    for id in replica.case_ids() {
        assert!(replica.overlays_agree(id, &KnownUsers::new()), "case {id}");
    }

    let saved = replica.save().expect("saved");
    let restored = Replica::restore(&saved).expect("restored");
    assert_eq!(restored.client_id(), CLIENT);
    assert_eq!(restored.cursor(), replica.cursor());
    assert_eq!(restored.head(), replica.head());
    assert_eq!(restored.last_checkpoint(), replica.last_checkpoint());
    assert_eq!(restored.pending(), replica.pending());
    assert_eq!(restored.next_seq(), 4);
    assert_eq!(restored.notifications(), replica.notifications());
    assert_eq!(restored.view(case_id), replica.view(case_id));
    assert_eq!(
        restored.confirmed_view(case_id),
        replica.confirmed_view(case_id)
    );
    assert_eq!(
        restored.account(account_id("A-2")).map(|a| a.draft),
        Some(draft("A-2"))
    );
    assert_eq!(restored.next_push(10), replica.next_push(10));
    assert_eq!(restored.save().expect("saved"), saved);

    // The state without its log, restored with the log kept elsewhere, is the same replica.
    let state = replica.save_state().expect("state");
    let state_json: serde_json::Value = serde_json::from_str(&state).expect("json");
    assert_eq!(
        state_json["log"],
        serde_json::json!([]),
        "the log stays out of the state"
    );
    let split = Replica::restore_with_log(&state, replica.log().to_vec()).expect("restored");
    assert_eq!(split.save().expect("saved"), saved);
    let mut shortened = replica.log().to_vec();
    shortened.remove(0);
    assert!(matches!(
        Replica::restore_with_log(&state, shortened),
        Err(ClientError::Restore(_))
    ));
    assert!(matches!(
        Replica::restore_with_log(&saved, replica.log().to_vec()),
        Err(ClientError::Restore(_))
    ));

    // A saved log that was tampered with is refused.
    let tampered = saved.replacen("Acme Dental", "Acme Dentist", 1);
    assert!(matches!(
        Replica::restore(&tampered),
        Err(ClientError::Restore(_))
    ));
    assert!(matches!(
        Replica::restore("{"),
        Err(ClientError::Restore(_))
    ));
}

#[test]
fn imports_show_at_once_and_an_import_that_changed_nothing_settles_at_the_end_of_the_log() {
    let (mut script, mut world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, _) = synced(&mut script, &world, &ann);
    let mut with_rep = draft("A-2");
    with_rep.original_sales_rep = Some("sam".into());
    replica
        .import_accounts(vec![draft("A-1"), with_rep.clone()], &world.context(&ann))
        .expect("queued");
    match &replica.pending()[0].expected {
        Expected::Applied { accounts, .. } => {
            let ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
            assert_eq!(ids, vec![account_id("A-2")], "A-1 is unchanged");
        }
        other => panic!("{other:?}"),
    }
    // The rep's status comes from the users the device knows; a rep it does not know is not
    // taken for gone.
    let facts = replica
        .account_facts(account_id("A-2"), &world.users)
        .expect("facts");
    assert_eq!(facts.original_sales_rep_status, RepStatus::Unknown);
    world.users.insert("sam".into(), false);
    let facts = replica
        .account_facts(account_id("A-2"), &world.users)
        .expect("facts");
    assert_eq!(facts.original_sales_rep_status, RepStatus::Left);
    world.users.insert("sam".into(), true);
    let facts = replica
        .account_facts(account_id("A-2"), &world.users)
        .expect("facts");
    assert_eq!(facts.original_sales_rep_status, RepStatus::Active);
    assert_eq!(facts.original_sales_rep.as_deref(), Some("sam"));

    let mut bad = draft("A-3");
    bad.email = Some("not an address".into());
    assert!(matches!(
        replica.import_accounts(vec![bad], &world.context(&ann)),
        Err(ClientError::Refused(_))
    ));
    assert!(matches!(
        replica.import_accounts(vec![draft("A-4"), draft("A-4")], &world.context(&ann)),
        Err(ClientError::Refused(_))
    ));

    // An import the server applied without recording anything leaves when the pull reaches the
    // end of the log.
    let context = world.context(&ann);
    replica
        .import_accounts(vec![draft("A-1")], &context)
        .expect("queued");
    let seq = replica.pending()[1].seq;
    script.account("A-2", origin(1));
    replica
        .on_push_response(
            &PushResponse {
                results: vec![
                    CommandResult {
                        seq: 1,
                        outcome: CommandOutcome::Applied,
                    },
                    CommandResult {
                        seq,
                        outcome: CommandOutcome::Applied,
                    },
                ],
            },
            &context,
        )
        .expect("answer");
    let summary = replica
        .apply_pull(&script.pull(replica.cursor()), &context)
        .expect("pulled");
    assert_eq!(summary.settled, vec![1, seq]);
    assert!(replica.pending().is_empty());
}

#[test]
fn a_case_received_offline_is_in_the_view_before_the_server_has_it() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, known) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    let case_id = Uuid::from_u128(0xbeef);
    replica
        .decide(case_id, receive(case_id), &context)
        .expect("received");
    replica
        .decide(case_id, acknowledge(), &context)
        .expect("acknowledged");
    assert_eq!(replica.case_ids().into_iter().collect::<Vec<_>>(), {
        let mut ids = vec![known, case_id];
        ids.sort();
        ids
    });
    let view = replica.view(case_id).expect("the case");
    // Received, then the acknowledgement message recorded as sent and acknowledging the request.
    assert_eq!(view.version, 3);
    assert!(view.acknowledged_at.is_some());
    assert_eq!(replica.confirmed_view(case_id), None);
    // Receiving the same case twice is refused locally, as the server would.
    assert!(matches!(
        replica.decide(case_id, receive(case_id), &context),
        Err(ClientError::Refused(_))
    ));
    // A command on a case nobody received is refused.
    assert!(matches!(
        replica.decide(Uuid::from_u128(0xdead), note("hello"), &context),
        Err(ClientError::Refused(_))
    ));
}

/// Issue 12: a server restored from a backup to before events this device holds says so (its
/// pull carries its head): the device stops with a typed reason naming both points, instead of
/// pulling empty pages and failing on a sequence gap forever, and keeps its pending work for the
/// person to export and re-enter after joining again.
#[test]
fn a_server_restored_to_an_earlier_point_is_named_and_pending_work_is_kept() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    assert_eq!(replica.cursor(), 2);
    replica
        .decide(case_id, note("typed before the restore"), &context)
        .expect("queued");
    // The server came back from a backup holding event 1 only.
    let mut restored = script.pull(1);
    restored.events.clear();
    restored.after = 1;
    restored.head = Some(1);
    restored.checkpoint = Some(script.sign(1));
    let error = replica
        .apply_pull(&restored, &context)
        .expect_err("stopped");
    let reason = Tampering::ServerRestored {
        server_head: 1,
        device_head: 2,
    };
    assert_eq!(error, ClientError::HistoryRewritten(reason.clone()));
    assert!(error
        .to_string()
        .contains("the server was restored to an earlier point"));
    assert_eq!(replica.halted(), Some(&reason));
    assert_eq!(replica.cursor(), 2, "nothing was dropped");
    assert_eq!(replica.pending().len(), 1, "the pending work is kept");
    let saved = Replica::restore(&replica.save().expect("saved")).expect("restored");
    assert_eq!(saved.halted(), Some(&reason), "and remembered");

    // A server at or ahead of the device's head pulls as before.
    let mut other = Script::new();
    let (mut fine, _) = synced(&mut other, &world, &ann);
    let mut page = other.pull(2);
    page.head = Some(2);
    assert!(fine.apply_pull(&page, &context).is_ok());
}

/// Issue 12: a joined desk refuses an import the policy does not let its user make, as the
/// server will, and queues nothing.
#[test]
fn an_import_by_a_role_the_policy_does_not_name_is_refused_on_the_device() {
    let (mut script, mut world) = (Script::new(), World::new());
    world.policy =
        parse_policy(&POLICY.replace("[roles]\n", "[roles]\nimport_accounts = [\"manager\"]\n"))
            .expect("the policy parses");
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, _) = synced(&mut script, &world, &ann);
    let refused = replica.import_accounts(vec![draft("A-2")], &world.context(&ann));
    assert!(
        matches!(
            &refused,
            Err(ClientError::Refused(CoreError::RoleRequired {
                step: holdfast_core::policy::Step::ImportAccounts,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert!(replica.pending().is_empty());
    let mia = person("mia", &[Role::Manager]);
    replica
        .import_accounts(vec![draft("A-2")], &world.context(&mia))
        .expect("a manager's import is queued");
}

/// Billsbee's procedure, also taking one-time codes.
fn world_taking_codes() -> World {
    let source = POLICY.replace(
        r#"methods = ["callback_to_phone_on_file"]"#,
        r#"methods = ["callback_to_phone_on_file", "one_time_code"]"#,
    );
    World {
        policy: parse_policy(&source).expect("the policy parses"),
        ..World::new()
    }
}

fn enter_code(code: &str) -> CaseCommand {
    CaseCommand::EnterOneTimeCode {
        code: holdfast_core::workflow::OneTimeCode::typed(code),
    }
}

fn send_code(code: &str) -> CaseCommand {
    CaseCommand::SendOneTimeCode {
        code: holdfast_core::workflow::OneTimeCode::typed(code),
        contact: "rae@example.com".into(),
    }
}

#[test]
fn a_code_the_server_sealed_is_accepted_provisionally_and_the_server_finding_it_wrong_is_told() {
    let mut script = Script::new();
    let world = world_taking_codes();
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced(&mut script, &world, &mia);

    // Another desk sent a code; the server sealed it with its own key.
    let server = holdfast_core::workflow::CodeKey::new("server", [1; 32]);
    let facts = replica
        .account_facts(account_id("A-1"), &world.users)
        .expect("facts");
    let sealed = server.seal(case_id, &send_code("482913")).expect("sealed");
    let state = replica.confirmed_view(case_id);
    for event in
        holdfast_core::workflow::decide(state.as_ref(), &sealed, &mia, &world.policy, &facts, now())
            .expect("sent")
    {
        script.case(case_id, event, None);
    }
    replica
        .apply_pull(&script.pull(replica.cursor()), &world.context(&mia))
        .expect("pulled");

    // This desk cannot check it: the identity shows verified, provisionally.
    let seq = replica
        .decide(case_id, enter_code("000000"), &world.context(&mia))
        .expect("queued");
    let view = replica.view(case_id).expect("the case");
    assert!(view.identity_verified && view.identity_provisional);
    assert!(replica.notifications().is_empty());
    // A malformed code is refused here, never queued.
    assert!(replica
        .decide(case_id, enter_code("not a code!"), &world.context(&mia))
        .is_err());

    // The server checks the typed code, finds it wrong and records the wrong try.
    replica
        .on_push_response(&answer(seq, CommandOutcome::Applied), &world.context(&mia))
        .expect("answered");
    script.case(
        case_id,
        CaseEvent::OneTimeCodeRejected {
            attempt: 1,
            locked: false,
            at: now(),
        },
        origin(seq),
    );
    replica
        .apply_pull(&script.pull(replica.cursor()), &world.context(&mia))
        .expect("pulled");
    let view = replica.view(case_id).expect("the case");
    assert!(!view.identity_verified && !view.identity_provisional);
    let told: Vec<_> = replica.notifications();
    assert!(
        matches!(
            told.as_slice(),
            [Notification { seq: told_seq, problem: Problem::Rejected { rejection }, settled: true, .. }]
                if *told_seq == seq && rejection.message.contains("checked the code read back and it was wrong")
        ),
        "{told:?}"
    );
}

#[test]
fn a_code_sent_from_this_desk_is_checked_here_until_the_server_has_it() {
    let mut script = Script::new();
    let world = world_taking_codes();
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced(&mut script, &world, &mia);
    replica
        .decide(case_id, send_code("482913"), &world.context(&mia))
        .expect("sent");
    let sent = replica
        .view(case_id)
        .and_then(|state| state.one_time_code)
        .expect("a code");
    assert_eq!(sent.key.as_deref(), Some(world.code_key.id()));
    // The outbox keeps the typed code for the server; the view, only this desk's digest.
    assert!(!sent.code_digest.contains("482913"));

    replica
        .decide(case_id, enter_code("000000"), &world.context(&mia))
        .expect("judged here");
    let view = replica.view(case_id).expect("the case");
    assert!(!view.identity_verified);
    assert_eq!(view.one_time_code.map(|code| code.failed_attempts), Some(1));
    replica
        .decide(case_id, enter_code("482 913"), &world.context(&mia))
        .expect("judged here");
    let view = replica.view(case_id).expect("the case");
    assert!(view.identity_verified && !view.identity_provisional);
}

/// Issue 12: joining again after a stop starts a replica with a new device id, the same pinned
/// key, no log and no stop, and the outbox queued again in order, numbered from 1 and not
/// acknowledged (an acknowledgement the restored server may have lost), each command as it was
/// decided (its base version, author and time); they are decided again once the log arrives.
#[test]
fn joining_again_queues_the_outbox_again_under_a_new_device_id() {
    let (mut script, world) = (Script::new(), World::new());
    let ann = person("ann", &[Role::AccountManager]);
    let (mut replica, case_id) = synced(&mut script, &world, &ann);
    let context = world.context(&ann);
    let first = replica
        .decide(case_id, note("acknowledged, then lost"), &context)
        .expect("queued");
    replica
        .on_push_response(&answer(first, CommandOutcome::Applied), &context)
        .expect("answer");
    replica
        .decide(case_id, note("never pushed"), &context)
        .expect("queued");
    let before: Vec<PendingCommand> = replica.pending().to_vec();
    let mut restored = script.pull(1);
    restored.events.clear();
    restored.head = Some(1);
    restored.checkpoint = Some(script.sign(1));
    assert!(replica.apply_pull(&restored, &context).is_err());
    assert!(replica.halted().is_some());

    let fresh_id = Uuid::from_u128(0xf2e5);
    let mut again = replica.requeued(fresh_id, &context);
    assert_eq!(again.client_id(), fresh_id);
    assert_eq!(again.checkpoint_key(), replica.checkpoint_key());
    assert_eq!(again.cursor(), 0);
    assert_eq!(again.halted(), None);
    assert_eq!(again.next_seq(), 3);
    let pending = again.pending();
    assert_eq!(
        pending.iter().map(|p| p.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(pending.iter().all(|p| !p.acknowledged));
    for (now, then) in pending.iter().zip(&before) {
        assert_eq!(now.command, then.command);
        assert_eq!(now.actor, then.actor);
        assert_eq!(now.decided_at, then.decided_at);
    }
    // Against no log yet, the case is unknown: expected to be refused, until the log arrives.
    assert!(matches!(pending[0].expected, Expected::Rejected { .. }));
    let push = again.next_push(10).expect("pushable").expect("a push");
    assert_eq!(push.client_id, fresh_id);
    assert_eq!(
        push.commands.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );

    let mut page = script.pull(0);
    page.head = Some(2);
    again
        .apply_pull(&page, &context)
        .expect("the server's history");
    assert_eq!(again.cursor(), 2);
    assert!(again
        .pending()
        .iter()
        .all(|p| matches!(p.expected, Expected::Applied { .. })));
    // Saved and restored as any replica.
    let saved = Replica::restore(&again.save().expect("saved")).expect("restored");
    assert_eq!(saved.client_id(), fresh_id);
    assert_eq!(saved.pending().len(), 2);
}

/// Issue 12: a large import is checked whole and queued in parts.
mod import_parts;
