//! What is due for the person at the desk (issue 13), from real commands through the store: the
//! first responses they owe, their tasks, the offers waiting for their approval; keys that
//! survive a restart and a rebuild of the read models; what they did with their reminders kept
//! across restarts and forgotten once the work is gone; their reminder settings.

mod common;

use std::collections::BTreeSet;

use common::{acknowledge, draft, now, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{Policy, VerificationMethod};
use holdfast_core::read_model::TaskKind;
use holdfast_core::reminders::{plan, QuietTime, ReminderKind, Stage};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand, OfferProposal};
use holdfast_core::CoreError;
use holdfast_store::accounts::AccountQuery;
use holdfast_store::queues::QueueViewer;
use holdfast_store::settings::ReminderSettings;
use holdfast_store::{Database, StoreError};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

fn person(name: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: name.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

fn viewer(name: &str, roles: &[Role]) -> QueueViewer {
    QueueViewer {
        names: vec![name.into()],
        roles: roles.to_vec(),
    }
}

fn amy() -> Actor {
    person("amy", &[Role::AccountManager])
}

struct Desk {
    fixture: Fixture,
    policy: Policy,
}

impl Desk {
    fn new() -> Self {
        let mut fixture = Fixture::new();
        fixture
            .db
            .import_accounts(&[draft("A-1", "Acme"), draft("B-1", "Beta")], now())
            .unwrap();
        let policy = fixture
            .db
            .set_policy(include_str!("../../../policies/intelliserve.toml"))
            .unwrap();
        Desk { fixture, policy }
    }

    fn run(&mut self, case_id: Uuid, command: CaseCommand, actor: &Actor) {
        self.fixture
            .db
            .run_case_command(case_id, &command, actor, &self.policy, now())
            .unwrap();
    }

    fn receive(&mut self, account: &str) -> Uuid {
        let case_id = Uuid::now_v7();
        let account_id = self
            .fixture
            .db
            .accounts(&AccountQuery {
                search: Some(account.into()),
                ..Default::default()
            })
            .unwrap()
            .items[0]
            .id;
        self.run(
            case_id,
            CaseCommand::Receive {
                case_id,
                account_id,
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "ana@example.com".into(),
                received_at: None,
            },
            &amy(),
        );
        case_id
    }

    fn due(&self, viewer: &QueueViewer) -> Vec<(String, ReminderKind, String)> {
        self.fixture
            .db
            .due_items(viewer, now())
            .unwrap()
            .into_iter()
            .map(|item| (item.key, item.kind, item.title))
            .collect()
    }

    fn keys(&self, viewer: &QueueViewer) -> Vec<String> {
        self.due(viewer)
            .into_iter()
            .map(|(key, _, _)| key)
            .collect()
    }
}

#[test]
fn a_person_is_due_the_first_responses_they_owe_their_tasks_and_the_offers_they_approve() {
    let mut desk = Desk::new();
    // Acme's request: nobody holds it, so anyone who may acknowledge owes its first response.
    let open = desk.receive("Acme");
    // Beta's request was answered: nothing is owed on it.
    let answered = desk.receive("Beta");
    desk.run(answered, acknowledge(), &amy());
    // Another Acme request handed to Bob: its first response and the hand-off are his.
    let handed = desk.receive("Acme");
    desk.run(
        handed,
        CaseCommand::HandOff {
            task_id: None,
            to: Some("bob".into()),
            to_role: None,
            reason: "Bob knows this customer".into(),
        },
        &amy(),
    );
    // An offer beyond the limits on Beta's answered request waits for a manager.
    desk.run(
        answered,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("b-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
        &amy(),
    );
    desk.run(
        answered,
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(40),
                months: Some(2),
                amount: None,
                note: "40% off".into(),
            },
        },
        &amy(),
    );

    let amy_due = desk.due(&viewer("amy", &[Role::AccountManager]));
    assert_eq!(
        amy_due,
        [(
            format!("first_response/{open}"),
            ReminderKind::FirstResponse,
            "First response due: Acme".to_owned()
        )],
        "a case someone else holds is theirs to answer; an offer waits for a manager"
    );

    let bob_due = desk.due(&viewer("bob", &[Role::Csm]));
    let bob_kinds: Vec<(&str, ReminderKind, &str)> = bob_due
        .iter()
        .map(|(key, kind, title)| (key.split('/').next().unwrap(), *kind, title.as_str()))
        .collect();
    assert!(
        bob_kinds.contains(&(
            "first_response",
            ReminderKind::FirstResponse,
            "First response due: Acme"
        )),
        "{bob_due:?}"
    );
    assert!(
        bob_kinds.contains(&(
            "task",
            ReminderKind::Task(TaskKind::HandOff),
            "Case handed off due: Acme"
        )),
        "{bob_due:?}"
    );
    assert!(bob_due
        .iter()
        .any(|(key, _, _)| *key == format!("first_response/{handed}")));

    let max_due = desk.due(&viewer("max", &[Role::Manager]));
    let approval = max_due
        .iter()
        .find(|(_, kind, _)| *kind == ReminderKind::Approval)
        .expect("the offer waits for the manager");
    assert_eq!(approval.0, format!("approval/{answered}/discount"));
    assert_eq!(approval.2, "Offer awaiting your approval: Beta");
    // The manager may acknowledge too: the unheld request is theirs as well, not Bob's.
    assert!(max_due
        .iter()
        .any(|(key, _, _)| *key == format!("first_response/{open}")));
    assert!(!max_due
        .iter()
        .any(|(key, _, _)| *key == format!("first_response/{handed}")));

    // Approved: it is due for nobody any more.
    desk.run(
        answered,
        CaseCommand::ApproveOffer,
        &person("max", &[Role::Manager]),
    );
    assert!(!desk
        .due(&viewer("max", &[Role::Manager]))
        .iter()
        .any(|(_, kind, _)| *kind == ReminderKind::Approval));
}

#[test]
fn items_are_soonest_first_and_keep_their_keys_across_a_restart_and_a_rebuild() {
    let mut desk = Desk::new();
    let first = desk.receive("Acme");
    let second = desk.receive("Beta");
    let amy_sees = viewer("amy", &[Role::AccountManager]);
    let items = desk.fixture.db.due_items(&amy_sees, now()).unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0].due_at <= items[1].due_at);
    assert_eq!(items[0].case_id, Some(first));
    assert_eq!(items[1].case_id, Some(second));
    let before = desk.keys(&amy_sees);

    desk.fixture.db.rebuild_read_models().unwrap();
    assert_eq!(desk.keys(&amy_sees), before, "a rebuild of the read models");
    let Desk { fixture, policy } = desk;
    let desk = Desk {
        fixture: fixture.reopen(),
        policy,
    };
    assert_eq!(desk.keys(&amy_sees), before, "a restart");
}

#[test]
fn what_the_person_did_survives_a_restart_and_is_forgotten_once_the_work_is_gone() {
    let mut desk = Desk::new();
    let acme = desk.receive("Acme");
    let beta = desk.receive("Beta");
    let amy_sees = viewer("amy", &[Role::AccountManager]);
    let acme_key = format!("first_response/{acme}");
    let beta_key = format!("first_response/{beta}");
    let later: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();

    desk.fixture
        .db
        .mark_reminders_shown(&[
            (acme_key.clone(), Stage::DueSoon),
            (acme_key.clone(), Stage::Due),
        ])
        .unwrap();
    desk.fixture
        .db
        .snooze_reminder(&acme_key, later, now())
        .unwrap();
    desk.fixture
        .db
        .mark_reminder_done(&beta_key, now())
        .unwrap();

    let Desk { fixture, policy } = desk;
    let mut desk = Desk {
        fixture: fixture.reopen(),
        policy,
    };
    let memory = desk.fixture.db.reminder_memory().unwrap();
    assert_eq!(
        memory.shown.get(&acme_key),
        Some(&BTreeSet::from([Stage::DueSoon, Stage::Due]))
    );
    assert_eq!(memory.snoozed.get(&acme_key), Some(&later));
    assert!(memory.done.contains(&beta_key));

    // The planner, reading it back, raises nothing again before the snooze ends, then Acme once.
    let items = desk.fixture.db.due_items(&amy_sees, now()).unwrap();
    let settings = holdfast_core::reminders::Settings::default();
    let far: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
    assert!(plan(&items, &memory, &settings, far).notices.is_empty());
    let back = plan(&items, &memory, &settings, later);
    assert_eq!(back.raised, [(acme_key.clone(), Stage::Due)]);
    desk.fixture.db.mark_reminders_shown(&back.raised).unwrap();
    let memory = desk.fixture.db.reminder_memory().unwrap();
    assert!(
        memory.snoozed.is_empty(),
        "raised again: the snooze is over"
    );
    assert!(plan(&items, &memory, &settings, later).notices.is_empty());

    // Acme's first response went out: its key leaves the memory; Beta's stays while it is due.
    desk.run(acme, acknowledge(), &amy());
    let items = desk.fixture.db.due_items(&amy_sees, now()).unwrap();
    assert_eq!(desk.fixture.db.prune_reminders(&items).unwrap(), 1);
    let memory = desk.fixture.db.reminder_memory().unwrap();
    assert!(!memory.shown.contains_key(&acme_key));
    assert!(memory.done.contains(&beta_key));
}

#[test]
fn work_handed_to_a_person_is_announced_once_and_the_announcement_survives_a_restart() {
    let mut desk = Desk::new();
    let acme = desk.receive("Acme");
    desk.run(
        acme,
        CaseCommand::HandOff {
            task_id: None,
            to: Some("bob".into()),
            to_role: None,
            reason: "Bob knows this customer".into(),
        },
        &amy(),
    );
    let bob_sees = viewer("bob", &[Role::Csm]);
    let items = desk.fixture.db.due_items(&bob_sees, now()).unwrap();
    let hand_off = items
        .iter()
        .find(|item| item.kind == ReminderKind::Task(TaskKind::HandOff))
        .expect("the hand-off is Bob's")
        .clone();
    // Bob's desk first looks before the hand-off falls due (as for a save call due in two
    // days): it is announced as newly his.
    let before: Timestamp = hand_off
        .due_at
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let settings = holdfast_core::reminders::Settings::default();
    let memory = desk.fixture.db.reminder_memory().unwrap();
    let first = plan(&items, &memory, &settings, before);
    assert!(first
        .raised
        .contains(&(hand_off.key.clone(), Stage::Assigned)));
    desk.fixture.db.mark_reminders_shown(&first.raised).unwrap();

    let Desk { fixture, policy } = desk;
    let desk = Desk {
        fixture: fixture.reopen(),
        policy,
    };
    let memory = desk.fixture.db.reminder_memory().unwrap();
    assert_eq!(
        memory.shown.get(&hand_off.key),
        Some(&BTreeSet::from([Stage::Assigned]))
    );
    let again = plan(&items, &memory, &settings, before);
    assert!(
        !again.raised.iter().any(|(key, _)| *key == hand_off.key),
        "not announced twice: {:?}",
        again.raised
    );
}

#[test]
fn a_snooze_into_the_past_or_an_empty_key_is_refused_and_changes_nothing() {
    let desk = Desk::new();
    let db = &desk.fixture.db;
    let field = |error: StoreError| match error {
        StoreError::Rule(CoreError::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    let earlier = now().checked_sub(SignedDuration::from_mins(1)).unwrap();
    assert_eq!(
        field(db.snooze_reminder("task/x", earlier, now()).unwrap_err()),
        "until"
    );
    assert_eq!(
        field(db.snooze_reminder("task/x", now(), now()).unwrap_err()),
        "until"
    );
    assert_eq!(
        field(db.mark_reminder_done("  ", now()).unwrap_err()),
        "key"
    );
    assert_eq!(
        field(db.mark_reminder_done(&"x".repeat(201), now()).unwrap_err()),
        "key"
    );
    assert_eq!(
        db.reminder_memory().unwrap(),
        holdfast_core::reminders::Memory::default()
    );
}

fn span(days: &[u8], from: &str, to: &str) -> QuietTime {
    QuietTime {
        days: days.to_vec(),
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
    }
}

#[test]
fn reminder_settings_default_to_the_policys_zone_and_bad_ones_are_refused() {
    let desk = Desk::new();
    let db: &Database = &desk.fixture.db;
    let defaults = db.reminder_settings().unwrap();
    assert_eq!(defaults.zone, "America/New_York", "the policy's zone");
    assert_eq!(defaults.lead_minutes, 15);
    assert!(defaults.working.is_none() && defaults.quiet.is_empty());

    let mine = ReminderSettings {
        zone: " Europe/Berlin ".into(),
        working: Some(span(&[5, 1, 2, 3, 4, 1], "08:00", "17:00")),
        quiet: vec![span(&[7], "22:00", "06:00")],
        lead_minutes: 30,
    };
    let kept = db.set_reminder_settings(&mine).unwrap();
    assert_eq!(kept.zone, "Europe/Berlin");
    assert_eq!(kept.working.as_ref().unwrap().days, [1, 2, 3, 4, 5]);
    assert_eq!(db.reminder_settings().unwrap(), kept);
    let planner = kept.planner().unwrap();
    assert_eq!(planner.lead, SignedDuration::from_mins(30));
    // Sunday 23:00 in Berlin is quiet.
    assert!(planner
        .hours
        .is_quiet("2026-11-29T22:00:00Z".parse().unwrap()));

    let field = |settings: ReminderSettings| match db.set_reminder_settings(&settings) {
        Err(StoreError::Rule(CoreError::Invalid { field, .. })) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(ReminderSettings {
            zone: "Mars/Olympus".into(),
            ..kept.clone()
        }),
        "zone"
    );
    assert_eq!(
        field(ReminderSettings {
            lead_minutes: 10_000,
            ..kept.clone()
        }),
        "lead_minutes"
    );
    assert_eq!(
        field(ReminderSettings {
            working: Some(span(&[], "08:00", "17:00")),
            ..kept.clone()
        }),
        "working"
    );
    assert_eq!(
        field(ReminderSettings {
            quiet: vec![span(&[8], "12:00", "13:00")],
            ..kept.clone()
        }),
        "quiet"
    );
    assert_eq!(
        field(ReminderSettings {
            quiet: vec![span(&[1], "12:00", "12:00")],
            ..kept.clone()
        }),
        "quiet"
    );
    assert_eq!(db.reminder_settings().unwrap(), kept, "nothing changed");
}

/// A local profile is shared at one desk: what Amy snoozed and her hours are hers, not Heather's
/// when Heather takes over, and pruning for Heather leaves Amy's memory alone.
#[test]
fn each_person_at_a_shared_desk_keeps_their_own_reminders_and_settings() {
    use holdfast_store::settings::LocalUserChange;
    let mut desk = Desk::new();
    let acme = desk.receive("Acme");
    let key = format!("first_response/{acme}");
    let later: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();
    let amy_change = LocalUserChange {
        name: "Amy".into(),
        roles: vec![Role::AccountManager],
    };
    desk.fixture.db.set_local_user(&amy_change, now()).unwrap();
    desk.fixture.db.snooze_reminder(&key, later, now()).unwrap();
    let amy_hours = ReminderSettings {
        lead_minutes: 45,
        ..desk.fixture.db.reminder_settings().unwrap()
    };
    desk.fixture.db.set_reminder_settings(&amy_hours).unwrap();

    let heather = LocalUserChange {
        name: "Heather".into(),
        roles: vec![Role::Billing],
    };
    desk.fixture.db.switch_local_user(&heather, now()).unwrap();
    assert!(desk
        .fixture
        .db
        .reminder_memory()
        .unwrap()
        .snoozed
        .is_empty());
    assert_eq!(
        desk.fixture.db.reminder_settings().unwrap().lead_minutes,
        15
    );
    desk.fixture
        .db
        .mark_reminder_done("task/other", now())
        .unwrap();
    assert_eq!(desk.fixture.db.prune_reminders(&[]).unwrap(), 1);

    desk.fixture
        .db
        .switch_local_user(&amy_change, now())
        .unwrap();
    assert_eq!(
        desk.fixture.db.reminder_memory().unwrap().snoozed.get(&key),
        Some(&later)
    );
    assert_eq!(desk.fixture.db.reminder_settings().unwrap(), amy_hours);
}

#[test]
fn the_due_view_groups_overdue_today_in_the_persons_zone_and_upcoming_leaving_out_what_is_done() {
    use holdfast_core::reminders::{DueItem, Memory};
    use holdfast_store::due::group_due;
    let item = |key: &str, due: &str| DueItem {
        key: key.into(),
        case_id: None,
        kind: ReminderKind::Task(TaskKind::SaveCall),
        due_at: due.parse().unwrap(),
        title: key.into(),
        detail: None,
    };
    // 22:00 in New York on Monday (03:00 UTC on Tuesday).
    let now: Timestamp = "2026-11-24T03:00:00Z".parse().unwrap();
    let items = vec![
        item("late", "2026-11-24T02:00:00Z"),
        item("tonight", "2026-11-24T04:30:00Z"),
        item("tomorrow", "2026-11-24T06:00:00Z"),
        item("done", "2026-11-23T10:00:00Z"),
        item("snoozed", "2026-11-23T09:00:00Z"),
        item("snooze_over", "2026-11-23T08:00:00Z"),
    ];
    let mut memory = Memory::default();
    memory.mark_done("done");
    memory.snooze("snoozed", "2026-11-25T15:00:00Z".parse().unwrap());
    memory.snooze("snooze_over", "2026-11-24T01:00:00Z".parse().unwrap());
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let groups = group_due(items, &memory, now, &zone);
    let keys = |entries: &[holdfast_store::due::DueEntry]| -> Vec<String> {
        entries.iter().map(|entry| entry.item.key.clone()).collect()
    };
    assert_eq!(keys(&groups.overdue), ["snooze_over", "late"]);
    // Midnight in New York is 05:00 UTC: 04:30 is today, 06:00 is tomorrow.
    assert_eq!(keys(&groups.today), ["tonight"]);
    assert_eq!(keys(&groups.upcoming), ["tomorrow", "snoozed"]);
    assert_eq!(
        groups.upcoming[1].snoozed_until,
        Some("2026-11-25T15:00:00Z".parse().unwrap())
    );
    // In UTC the same instant is 03:00 and the whole day is ahead.
    let utc = group_due(
        vec![item("tomorrow", "2026-11-24T06:00:00Z")],
        &Memory::default(),
        now,
        &jiff::tz::TimeZone::UTC,
    );
    assert_eq!(keys(&utc.today), ["tomorrow"]);
}
