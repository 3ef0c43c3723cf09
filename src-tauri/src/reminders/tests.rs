//! The scheduler's looks with a controllable clock, over a real encrypted database: a case of
//! each preset walked through its deadlines (the first response nearing and then overdue, then
//! the tasks the preset makes), with exactly the notifications the person would get, in order;
//! nothing repeated after a restart; a refused notification tried again at the next look; quiet
//! time holding everything until it ends.

use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{AcknowledgeChannel, MessageKind, Policy, VerificationMethod};
use holdfast_core::reminders::QuietTime;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, DatabaseKey};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use crate::reminders::notifier::{Notification, RecordingNotifier, Target};
use crate::reminders::scheduler::look;

const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");
const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

/// The person at the desk: the account's sales rep, with every role, so every task of the case
/// is theirs.
const ME: &str = "Rob Reyes";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

/// A desk over a real encrypted database in a folder of its own, and what the scheduler sent.
struct Desk {
    dir: tempfile::TempDir,
    key: DatabaseKey,
    db: Database,
    policy: Policy,
    notifier: RecordingNotifier,
    case_id: Uuid,
}

impl Desk {
    /// A profile on `preset` used by Rob, with Acme's account (on `tier`).
    fn new(preset: &str, tier: &str, start: Timestamp) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let key = DatabaseKey::generate().unwrap();
        let mut db = Database::open(&dir.path().join("holdfast.db"), &key).unwrap();
        let draft = AccountDraft {
            external_id: "A-1".into(),
            name: "Acme".into(),
            contact_name: Some("Ana Silva".into()),
            email: Some("ana@acme.example".into()),
            phone: Some("+1 555 010 2030".into()),
            preferred_channel: PreferredChannel::Email,
            tier: tier.into(),
            hosting_server: None,
            plan: Some("Pro".into()),
            mrr: usd(31_000),
            customer_since: Some(jiff::civil::date(2021, 3, 4)),
            total_collected: usd(4_500_000),
            accounts_receivable: Some(usd(0)),
            original_sales_rep: Some(ME.into()),
            unpaid_invoices: 0,
            plan_price: None,
            billing_period_start: None,
            billing_period_end: None,
            account_manager: None,
        };
        db.import_accounts(&[draft], start).unwrap();
        let policy = db.set_policy(preset).unwrap();
        db.set_local_user(
            &LocalUserChange {
                name: ME.into(),
                roles: Role::ALL.to_vec(),
            },
            start,
        )
        .unwrap();
        Desk {
            dir,
            key,
            db,
            policy,
            notifier: RecordingNotifier::default(),
            case_id: Uuid::now_v7(),
        }
    }

    fn run(&mut self, command: CaseCommand, now: Timestamp) {
        let me = self.db.acting_user().unwrap().unwrap();
        self.db
            .run_case_command(self.case_id, &command, &me, &self.policy, now)
            .unwrap_or_else(|error| panic!("{command:?}: {error}"));
    }

    fn receive(&mut self, now: Timestamp) {
        let account_id = self
            .db
            .accounts(&holdfast_store::accounts::AccountQuery::default())
            .unwrap()
            .items[0]
            .id;
        let case_id = self.case_id;
        self.run(
            CaseCommand::Receive {
                case_id,
                account_id,
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "ana@acme.example".into(),
                received_at: None,
            },
            now,
        );
    }

    fn acknowledge(&mut self, now: Timestamp) {
        self.run(
            CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: PreferredChannel::Email,
                body: "We received your request to cancel.".into(),
                email: None,
            },
            now,
        );
    }

    /// The 2017 SOP's first response may be a call, noted on the case.
    fn call_back(&mut self, now: Timestamp) {
        self.run(
            CaseCommand::Acknowledge {
                channel: AcknowledgeChannel::Call,
                note: "Called Ana back; we are on it".into(),
            },
            now,
        );
    }

    fn verify(&mut self, now: Timestamp) {
        self.run(
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("ana@acme.example".into()),
                evidence: "Replied from the address on file".into(),
            },
            now,
        );
    }

    /// Billsbee verifies by calling back the number on file.
    fn verify_by_callback(&mut self, now: Timestamp) {
        self.run(
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("+1 555 010 2030".into()),
                evidence: "Called back the number on file".into(),
            },
            now,
        );
    }

    fn request_refund(&mut self, refund: Uuid, now: Timestamp) {
        self.run(
            CaseCommand::RequestRefund {
                refund_id: refund,
                amount: usd(12_000),
                justification: "Charged twice".into(),
                charged_on: Some(jiff::civil::date(2026, 11, 2)),
            },
            now,
        );
    }

    /// One look at `now`: what the person was sent, as "title / body" (and where it leads when
    /// not to this case).
    fn look(&mut self, now: Timestamp) -> Vec<String> {
        look(&mut self.db, &self.notifier, now)
            .unwrap()
            .expect("Rob uses the profile");
        self.notifier
            .take()
            .into_iter()
            .map(|sent| self.said(&sent))
            .collect()
    }

    fn said(&self, sent: &Notification) -> String {
        let lead = match &sent.target {
            Target::Case(case) if *case == self.case_id => String::new(),
            Target::Case(other) => format!(" [opens case {other}]"),
            Target::DueView => " [opens the Due view]".into(),
        };
        format!("{} / {}{lead}", sent.title, sent.body.replace('\n', " | "))
    }

    /// The app closed and started again: the database opened anew from its file, and a new
    /// scheduler (nothing kept in memory).
    fn restart(self) -> Desk {
        let Desk {
            dir,
            key,
            db,
            policy,
            case_id,
            ..
        } = self;
        drop(db);
        let db = Database::open(&dir.path().join("holdfast.db"), &key).unwrap();
        Desk {
            dir,
            key,
            db,
            policy,
            notifier: RecordingNotifier::default(),
            case_id,
        }
    }
}

/// The walk every preset shares: the request received on Tuesday 24 November 2026 at 10:00 in
/// New York, looked at then, as its first response nears and once it is overdue, and again; then
/// `work` sends the first response and makes the preset's tasks, and the desk is looked at
/// after it, after a restart, and at each of `later`. Returns the transcript: each look's time
/// and what it sent.
fn walk(
    preset: &str,
    tier: &str,
    first_response_due: &str,
    work: impl FnOnce(&mut Desk, Timestamp),
    later: &[&str],
) -> Vec<String> {
    let received = at("2026-11-24T15:00:00Z");
    let due = at(first_response_due);
    let mut desk = Desk::new(preset, tier, received);
    desk.receive(received);
    let mut transcript = Vec::new();
    let mut record = |when: Timestamp, sent: Vec<String>| {
        transcript.push(format!("{when}: {}", sent.len()));
        transcript.extend(sent.into_iter().map(|line| format!("  {line}")));
    };
    let soon = due - SignedDuration::from_mins(10);
    let overdue = due + SignedDuration::from_mins(5);
    for when in [
        received,
        soon,
        overdue,
        overdue + SignedDuration::from_mins(1),
    ] {
        let sent = desk.look(when);
        record(when, sent);
    }
    let worked = overdue + SignedDuration::from_mins(10);
    work(&mut desk, worked);
    let sent = desk.look(worked);
    record(worked, sent);
    let mut desk = desk.restart();
    let sent = desk.look(worked);
    record(worked, sent);
    for when in later {
        let when = at(when);
        let sent = desk.look(when);
        record(when, sent);
        desk = desk.restart();
        let sent = desk.look(when);
        record(when, sent);
    }
    transcript
}

#[test]
fn account_2017_first_response_then_the_reps_save_call() {
    let transcript = walk(
        ACCOUNT_2017,
        "Professional 2A",
        "2026-11-25T15:00:00Z",
        |desk, now| {
            desk.call_back(now);
            desk.verify(now);
            desk.run(CaseCommand::Route, now);
        },
        &["2026-11-26T15:15:00Z"],
    );
    assert_eq!(
        transcript,
        [
            "2026-11-24T15:00:00Z: 0",
            "2026-11-25T14:50:00Z: 1",
            "  First response due: Acme / Due in 10 minutes, at 10:00.",
            "2026-11-25T15:05:00Z: 1",
            "  First response due: Acme / Overdue by 5 minutes (due at 10:00).",
            "2026-11-25T15:06:00Z: 0",
            // Routed: the save call is the rep's news at once, not only when it falls due.
            "2026-11-25T15:15:00Z: 1",
            "  Save call due: Acme / New for you: due in 1 day, tomorrow at 10:15. | Call +1 555 010 2030",
            "2026-11-25T15:15:00Z: 0",
            "2026-11-26T15:15:00Z: 1",
            "  Save call due: Acme / Due now. | Call +1 555 010 2030",
            "2026-11-26T15:15:00Z: 0",
        ]
    );
}

#[test]
fn billsbee_first_response_then_billings_heads_up_on_the_refund_under_review() {
    let refund = Uuid::from_u128(1);
    let transcript = walk(
        BILLSBEE,
        "Professional",
        "2026-11-25T15:00:00Z",
        |desk, now| {
            desk.acknowledge(now);
            desk.verify_by_callback(now);
            desk.request_refund(refund, now);
        },
        &[],
    );
    assert_eq!(
        transcript,
        [
            "2026-11-24T15:00:00Z: 0",
            "2026-11-25T14:50:00Z: 1",
            "  First response due: Acme / Due in 10 minutes, at 10:00.",
            "2026-11-25T15:05:00Z: 1",
            "  First response due: Acme / Overdue by 5 minutes (due at 10:00).",
            "2026-11-25T15:06:00Z: 0",
            "2026-11-25T15:15:00Z: 1",
            "  Billing heads-up due: Acme / Overdue by 15 minutes (due at 10:00). | Refund of 120.00 USD under review (above the refund threshold), requested by Rob Reyes, for the charge of 2026-11-02: Charged twice",
            "2026-11-25T15:15:00Z: 0",
        ]
    );
}

#[test]
fn intelliserve_first_response_then_the_refund_status_check() {
    let refund = Uuid::from_u128(1);
    let transcript = walk(
        INTELLISERVE,
        "Professional",
        "2026-11-24T16:00:00Z",
        |desk, now| {
            desk.acknowledge(now);
            desk.verify(now);
            desk.request_refund(refund, now);
            desk.run(CaseCommand::CompleteRefund { refund_id: refund }, now);
        },
        &["2026-11-30T16:00:00Z", "2026-12-01T16:15:00Z"],
    );
    assert_eq!(
        transcript,
        [
            "2026-11-24T15:00:00Z: 0",
            "2026-11-24T15:50:00Z: 1",
            "  First response due: Acme / Due in 10 minutes, at 11:00.",
            "2026-11-24T16:05:00Z: 1",
            "  First response due: Acme / Overdue by 5 minutes (due at 11:00).",
            "2026-11-24T16:06:00Z: 0",
            "2026-11-24T16:15:00Z: 0",
            "2026-11-24T16:15:00Z: 0",
            "2026-11-30T16:00:00Z: 0",
            "2026-11-30T16:00:00Z: 0",
            "2026-12-01T16:15:00Z: 1",
            "  Refund status check due: Acme / Due now. | Refund of 120.00 USD issued on Tuesday 2026-11-24: ask the customer whether it arrived",
            "2026-12-01T16:15:00Z: 0",
        ]
    );
}

#[test]
fn kodif_first_response_then_billings_heads_up_on_the_refund_under_review() {
    let refund = Uuid::from_u128(1);
    let transcript = walk(
        KODIF,
        "Professional",
        "2026-11-24T16:00:00Z",
        |desk, now| {
            desk.acknowledge(now);
            desk.verify(now);
            desk.request_refund(refund, now);
        },
        &[],
    );
    assert_eq!(
        transcript,
        [
            "2026-11-24T15:00:00Z: 0",
            "2026-11-24T15:50:00Z: 1",
            "  First response due: Acme / Due in 10 minutes, at 11:00.",
            "2026-11-24T16:05:00Z: 1",
            "  First response due: Acme / Overdue by 5 minutes (due at 11:00).",
            "2026-11-24T16:06:00Z: 0",
            "2026-11-24T16:15:00Z: 1",
            "  Billing heads-up due: Acme / Overdue by 15 minutes (due at 11:00). | Refund of 120.00 USD under review (above the refund threshold), requested by Rob Reyes, for the charge of 2026-11-02: Charged twice",
            "2026-11-24T16:15:00Z: 0",
        ]
    );
}

#[test]
fn wootrecruit_first_response_then_the_csm_escalation_and_the_form_reminder() {
    let transcript = walk(
        WOOTRECRUIT,
        "Standard",
        "2026-11-25T15:00:00Z",
        |desk, now| {
            desk.acknowledge(now);
            desk.verify(now);
            desk.run(
                CaseCommand::SendForm {
                    how: "E-mailed the cancellation form".into(),
                },
                now,
            );
            desk.run(
                CaseCommand::Escalate {
                    csm: ME.into(),
                    note: "Still wants to cancel after the alternatives".into(),
                },
                now,
            );
        },
        &["2026-11-28T15:15:00Z"],
    );
    assert_eq!(
        transcript,
        [
            "2026-11-24T15:00:00Z: 0",
            "2026-11-25T14:50:00Z: 1",
            "  First response due: Acme / Due in 10 minutes, at 10:00.",
            "2026-11-25T15:05:00Z: 1",
            "  First response due: Acme / Overdue by 5 minutes (due at 10:00).",
            "2026-11-25T15:06:00Z: 0",
            "2026-11-25T15:15:00Z: 1",
            "  CSM escalation due: Acme / Overdue by 15 minutes (due at 10:00).",
            "2026-11-25T15:15:00Z: 0",
            "2026-11-28T15:15:00Z: 1",
            "  Form reminder due: Acme / Due now.",
            "2026-11-28T15:15:00Z: 0",
        ]
    );
}

#[test]
fn a_notification_the_desktop_refused_is_sent_at_the_next_look_and_only_then_counts_as_shown() {
    let received = at("2026-11-24T15:00:00Z");
    let mut desk = Desk::new(INTELLISERVE, "Professional", received);
    desk.receive(received);
    let overdue = at("2026-11-24T16:05:00Z");
    desk.notifier.refuse(true);
    let refused = look(&mut desk.db, &desk.notifier, overdue)
        .unwrap()
        .unwrap();
    assert_eq!(refused.sent, 0);
    assert_eq!(refused.failed.len(), 1, "{refused:?}");
    assert_eq!(refused.overdue, 1, "the tray counts it all the same");
    // The desktop answers again: the next look sends it (as overdue, its latest stage), once.
    desk.notifier.refuse(false);
    assert_eq!(
        desk.look(overdue + SignedDuration::from_mins(1)),
        ["First response due: Acme / Overdue by 6 minutes (due at 11:00)."]
    );
    assert_eq!(
        desk.look(overdue + SignedDuration::from_mins(2)),
        Vec::<String>::new()
    );
}

#[test]
fn nothing_is_sent_in_a_quiet_time_and_what_waited_is_sent_once_it_ends() {
    let received = at("2026-11-24T15:00:00Z");
    let mut desk = Desk::new(INTELLISERVE, "Professional", received);
    let mut settings = desk.db.reminder_settings().unwrap();
    // Quiet from 10:30 to 12:00 in New York on Tuesdays (15:30 to 17:00 UTC).
    settings.quiet = vec![QuietTime {
        days: vec![2],
        from: jiff::civil::time(10, 30, 0, 0),
        to: jiff::civil::time(12, 0, 0, 0),
    }];
    desk.db.set_reminder_settings(&settings).unwrap();
    desk.receive(received);
    let quiet = look(&mut desk.db, &desk.notifier, at("2026-11-24T16:05:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(desk.notifier.take(), Vec::<Notification>::new());
    assert_eq!(quiet.sent, 0);
    assert_eq!(
        quiet.next_wake,
        Some(at("2026-11-24T17:00:00Z")),
        "the scheduler sleeps until the quiet time ends"
    );
    assert_eq!(
        desk.look(at("2026-11-24T17:00:00Z")),
        ["First response due: Acme / Overdue by 1 hour (due at 11:00)."]
    );
    assert_eq!(desk.look(at("2026-11-24T17:30:00Z")), Vec::<String>::new());
}

#[test]
fn nobody_using_the_profile_means_nothing_is_looked_at() {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate().unwrap();
    let mut db = Database::open(&dir.path().join("holdfast.db"), &key).unwrap();
    let notifier = RecordingNotifier::default();
    assert_eq!(
        look(&mut db, &notifier, at("2026-11-24T15:00:00Z")).unwrap(),
        None
    );
    assert_eq!(notifier.take(), Vec::<Notification>::new());
}

/// The one place the scheduler learns that what is due may have changed: a command through
/// `with_database` that wrote rows signals; one that only read does not; an unlock does.
#[test]
fn a_command_that_writes_signals_a_change_and_a_read_does_not() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate().unwrap();
    let path = dir.path().join("holdfast.db");
    let db = Database::open(&path, &key).unwrap();
    let shared =
        crate::database::SharedDatabase::open_in_background(move || crate::session::Opened {
            database: Some(db),
            status: crate::session::SessionStatus::NeedsPassphrase,
        });
    runtime.block_on(async {
        shared.started().await;
        let mut changes = shared.changes();
        changes.borrow_and_update();
        shared
            .with_database(|db| Ok(db.local_user()?))
            .await
            .unwrap();
        assert!(!changes.has_changed().unwrap(), "a read changes nothing");
        shared
            .with_database(|db| {
                Ok(db.set_local_user(
                    &LocalUserChange {
                        name: ME.into(),
                        roles: vec![Role::AccountManager],
                    },
                    at("2026-11-24T15:00:00Z"),
                )?)
            })
            .await
            .unwrap();
        assert!(changes.has_changed().unwrap(), "a write is a change");
        changes.borrow_and_update();
        shared
            .with_database_unobserved(|db| {
                Ok(db.mark_reminders_shown(&[(
                    "first_response/x".into(),
                    holdfast_core::reminders::Stage::Due,
                )])?)
            })
            .await
            .unwrap();
        assert!(
            !changes.has_changed().unwrap(),
            "the scheduler's own books are not a change"
        );
    });
}

/// IntelliServe 11.1: the win-back check-ins 3, 6 and 12 months after the cancellation take
/// effect, each raised on its day (they are the person's own follow-ups: not announced when
/// scheduled), once, and not again after a restart.
#[test]
fn intelliserve_win_back_check_ins_fall_due_at_three_six_and_twelve_months() {
    let transcript = walk(
        INTELLISERVE,
        "Professional",
        "2026-11-24T16:00:00Z",
        |desk, now| {
            desk.acknowledge(now);
            desk.verify(now);
            desk.run(
                CaseCommand::CaptureReason {
                    reason_id: "competitor".into(),
                    details: "Moving to a cheaper vendor".into(),
                    pain_points: vec![],
                },
                now,
            );
            desk.run(CaseCommand::Route, now);
            desk.run(
                CaseCommand::RecordRetentionOutcome {
                    retained: false,
                    note: "Declined every option".into(),
                    mitigations_tried: vec!["Highlight unique IntelliServe capabilities".into()],
                },
                now,
            );
            let checklist: Vec<String> = desk
                .policy
                .finalization
                .checklist
                .iter()
                .filter(|item| {
                    item.when == holdfast_core::policy::ChecklistWhen::Before && item.step.is_none()
                })
                .map(|item| item.id.clone())
                .collect();
            for item_id in checklist {
                desk.run(
                    CaseCommand::ConfirmChecklistItem {
                        item_id,
                        note: String::new(),
                    },
                    now,
                );
            }
            desk.run(
                CaseCommand::Finalize {
                    effective_date: jiff::civil::date(2026, 12, 16),
                    data_export_offered: true,
                },
                now,
            );
            desk.run(
                CaseCommand::RecordMessage {
                    kind: MessageKind::Confirmation,
                    channel: PreferredChannel::Email,
                    body: "Your cancellation is confirmed.".into(),
                    email: None,
                },
                now,
            );
            desk.run(CaseCommand::ScheduleWinBack, now);
        },
        // The check-ins' days (2027-03-16, 06-16, 12-16) open at 09:00 in New York: 13:00 UTC in
        // summer time, 14:00 in winter.
        &[
            "2027-03-16T12:59:00Z",
            "2027-03-16T13:00:00Z",
            "2027-06-16T13:00:00Z",
            "2027-12-16T14:00:00Z",
        ],
    );
    assert_eq!(
        transcript,
        [
            "2026-11-24T15:00:00Z: 0",
            "2026-11-24T15:50:00Z: 1",
            "  First response due: Acme / Due in 10 minutes, at 11:00.",
            "2026-11-24T16:05:00Z: 1",
            "  First response due: Acme / Overdue by 5 minutes (due at 11:00).",
            "2026-11-24T16:06:00Z: 0",
            "2026-11-24T16:15:00Z: 0",
            "2026-11-24T16:15:00Z: 0",
            "2027-03-16T12:59:00Z: 0",
            "2027-03-16T12:59:00Z: 0",
            "2027-03-16T13:00:00Z: 1",
            "  Win-back check-in due: Acme / Due now.",
            "2027-03-16T13:00:00Z: 0",
            "2027-06-16T13:00:00Z: 1",
            "  Win-back check-in due: Acme / Due now.",
            "2027-06-16T13:00:00Z: 0",
            "2027-12-16T14:00:00Z: 1",
            "  Win-back check-in due: Acme / Due now.",
            "2027-12-16T14:00:00Z: 0",
        ]
    );
}
