//! The procedures as written, per preset: the finalization checklist comes from the policy and
//! each item is confirmed by who did it; the effective date is checked against the request and the
//! policy; messages are the steps they belong to (the first response, the confirmation, refund
//! notices, the survey link, the form with where to submit it and its reminder); win-back
//! check-ins are tasks with an assignee, a due date and an outcome, and their message names the
//! reason the customer gave.

mod common;

use common::{confirmation_message, confirmation_sent, now, person, test_account, usd, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::error::Gate;
use holdfast_core::policy::{
    parse_policy, render_policy, AcknowledgeChannel, ChecklistStep, ChecklistWhen, MessageKind,
    Policy, VerificationMethod,
};
use holdfast_core::read_model::{case_read_model, TaskKind};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, compose_message, AccountFacts, Actor, Addressee, CaseCommand, CaseEvent,
    WinBackOutcome,
};
use holdfast_core::CoreError;
use jiff::civil::{date, Date};
use jiff::Timestamp;
use uuid::Uuid;

const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");
const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");
const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");

fn preset(source: &str) -> Policy {
    parse_policy(source).expect("the preset parses")
}

fn sam() -> Actor {
    person("sam", &[Role::AccountManager])
}

fn ivan() -> Actor {
    person("ivan", &[Role::AccountManager])
}

fn maya() -> Actor {
    person("maya", &[Role::Manager])
}

fn carla() -> Actor {
    person("carla", &[Role::Csm])
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn facts(tier: &str) -> AccountFacts {
    AccountFacts {
        tier: tier.into(),
        ..test_account()
    }
}

fn finalize(effective: Date) -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: effective,
        data_export_offered: false,
    }
}

fn confirm_item(item_id: &str, note: &str) -> CaseCommand {
    CaseCommand::ConfirmChecklistItem {
        item_id: item_id.into(),
        note: note.into(),
    }
}

fn item_open(item_id: &str, label: &str) -> CoreError {
    CoreError::ChecklistItemOpen {
        item_id: item_id.into(),
        label: label.into(),
    }
}

fn message(kind: MessageKind, channel: PreferredChannel, body: &str) -> CaseCommand {
    CaseCommand::RecordMessage {
        kind,
        channel,
        body: body.into(),
        email: None,
    }
}

fn verify_by_email() -> CaseCommand {
    CaseCommand::VerifyIdentity {
        method: VerificationMethod::EmailOnFile,
        contact_used: Some("ana@acme.io".into()),
        evidence: "Replied from the address on file".into(),
    }
}

/// A case received now (Tuesday 2026-11-24 10:00 in New York).
fn received(policy: Policy, facts: AccountFacts) -> Case {
    received_at(policy, facts, None)
}

fn received_at(policy: Policy, facts: AccountFacts, received_at: Option<Timestamp>) -> Case {
    let mut case = Case::new(policy, facts);
    case.ok(
        &sam(),
        CaseCommand::Receive {
            case_id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "ana@acme.io".into(),
            received_at,
        },
    );
    case
}

/// An IntelliServe case verified, with a reason, routed and its retention attempted: ready but
/// for its checklist.
fn intelliserve_case() -> Case {
    intelliserve_case_received_at(None)
}

fn intelliserve_case_received_at(received_at: Option<Timestamp>) -> Case {
    let mut case = self::received_at(preset(INTELLISERVE), facts("Professional"), received_at);
    case.ok(&sam(), verify_by_email());
    case.ok(
        &sam(),
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "Budget cut".into(),
            pain_points: vec![],
        },
    );
    case.ok(&sam(), CaseCommand::Route);
    case.retention_attempted(&sam(), "Budget is gone; no discount would help");
    case
}

/// A Kodif case with its reason recorded (Kodif routes on it), routed and its retention
/// attempted: ready but for its checklist.
fn kodif_case(policy: Policy, received_at: Option<Timestamp>) -> Case {
    let mut case = self::received_at(policy, facts("Subscriber"), received_at);
    case.capture_reason(&sam(), "too_much_product");
    case.ok(&sam(), CaseCommand::Route);
    case.retention_attempted(&sam(), "Has a cupboard full; no offer would help");
    case
}

/// A WootRecruit case verified, its reason recorded, its form received and the CSM engaged.
fn wootrecruit_case() -> Case {
    let policy = preset(WOOTRECRUIT);
    let fields = policy.form.as_ref().unwrap().fields.clone();
    let mut case = received(policy, facts("Standard"));
    case.ok(&sam(), verify_by_email());
    case.capture_reason(&sam(), "hiring_freeze");
    case.ok(
        &sam(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    case.ok(
        &sam(),
        CaseCommand::ReceiveForm {
            fields: fields
                .iter()
                .map(|f| (f.clone(), "filled".into()))
                .collect(),
        },
    );
    case.ok(
        &sam(),
        CaseCommand::Escalate {
            csm: "carla".into(),
            note: String::new(),
        },
    );
    case.ok(
        &carla(),
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: "No fit".into(),
        },
    );
    case
}

fn checklist_of(case: &Case, actor: &Actor) -> holdfast_core::workflow::Checklist {
    checklist(case.state(), &case.policy, &case.account, actor)
}

// =============================================================================================
// 1. The finalization checklist comes from the policy; each item is confirmed by who did it.

#[test]
fn intelliserve_finalizes_only_after_each_item_before_it_is_confirmed_by_who_did_it() {
    let mut case = intelliserve_case();
    assert_eq!(
        case.run(&maya(), finalize(date(2026, 12, 16))),
        Err(item_open(
            "data_export_offered",
            "Data export options offered"
        ))
    );
    let list = checklist_of(&case, &sam());
    assert_eq!(
        list.blockers.len(),
        4,
        "the four items before the finalization"
    );
    assert!(list.blockers.iter().all(|b| b.gate == Gate::ChecklistItem));
    assert_eq!(
        list.blockers[0].reason,
        "\"Data export options offered\" has not been done"
    );
    assert!(!list.ready_to_finalize);

    // Items after the cancellation wait for it; items done by a step are not ticked by hand.
    assert_eq!(
        case.run(&sam(), confirm_item("api_access_revoked", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"API access and integrations revoked\" is done after the cancellation is finalized"
        ))
    );
    assert_eq!(
        case.run(&sam(), confirm_item("confirmation_sent", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"Cancellation confirmation email sent\" is done by sending the confirmation message on the preferred channel; it is ticked when that is recorded"
        ))
    );
    assert!(matches!(
        case.run(&sam(), confirm_item("api_access", "")),
        Err(CoreError::Invalid { ref field, .. }) if field == "item_id"
    ));

    assert_eq!(
        case.ok(
            &sam(),
            confirm_item("data_export_offered", " Sent the export link ")
        ),
        vec![CaseEvent::ChecklistItemConfirmed {
            item_id: "data_export_offered".into(),
            note: "Sent the export link".into(),
            by: "sam".into(),
            at: now(),
        }]
    );
    assert_eq!(
        case.run(&ivan(), confirm_item("data_export_offered", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"Data export options offered\" was already confirmed"
        ))
    );
    case.ok(&ivan(), confirm_item("data_retention_explained", ""));
    case.ok(&ivan(), confirm_item("final_charges_explained", ""));
    assert_eq!(
        case.run(&maya(), finalize(date(2026, 12, 16))),
        Err(item_open(
            "billing_cessation_confirmed",
            "Billing cessation date confirmed"
        ))
    );
    case.ok(
        &maya(),
        confirm_item("billing_cessation_confirmed", "Dec 16"),
    );
    assert!(checklist_of(&case, &sam()).ready_to_finalize);

    // The finalization records the effective date and the prorated refund, nothing else.
    assert_eq!(
        case.ok(&maya(), finalize(date(2026, 12, 16))),
        vec![CaseEvent::Finalized {
            effective_date: date(2026, 12, 16),
            billing_cessation_date: None,
            prorated_refund: Some(usd(16_000)),
            data_export_offered: false,
            api_access_revoked: false,
        }]
    );
    assert_eq!(
        case.run(&sam(), confirm_item("data_retention_explained", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"Data retention and deletion explained\" was already confirmed"
        ))
    );
    // After the cancellation: API access revoked by who revoked it.
    let later = at("2026-12-16T15:00:00Z");
    case.run_at(
        &ivan(),
        confirm_item("api_access_revoked", "Keys rotated"),
        later,
    )
    .unwrap();

    let list = checklist_of(&case, &sam());
    let item = |id: &str| {
        list.finalization_checklist
            .iter()
            .find(|item| item.id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(list.finalization_checklist.len(), 9);
    let export = item("data_export_offered");
    assert!(export.done);
    assert_eq!(export.when, ChecklistWhen::Before);
    assert_eq!(export.confirmed_by.as_deref(), Some("sam"));
    assert_eq!(export.confirmed_at, Some(now()));
    assert_eq!(export.note.as_deref(), Some("Sent the export link"));
    let revoked = item("api_access_revoked");
    assert_eq!(revoked.confirmed_by.as_deref(), Some("ivan"));
    assert_eq!(revoked.confirmed_at, Some(later));
    assert!(!item("crm_updated").done);
    assert_eq!(item("crm_updated").confirmed_by, None);
    // The confirmation and the exit survey are ticked by their steps.
    assert_eq!(
        item("confirmation_sent").step,
        Some(ChecklistStep::Confirmation)
    );
    assert!(!item("confirmation_sent").done);
    case.ok(&sam(), confirmation_message(PreferredChannel::Email));
    let survey = case.policy.survey_link(None).unwrap().to_owned();
    case.ok(
        &sam(),
        message(
            MessageKind::ExitSurvey,
            PreferredChannel::Email,
            &format!("Two minutes? {survey}"),
        ),
    );
    let list = checklist_of(&case, &sam());
    let done = |id: &str| {
        list.finalization_checklist
            .iter()
            .find(|item| item.id == id)
            .unwrap()
            .done
    };
    assert!(done("confirmation_sent"));
    assert!(done("exit_survey"));
    assert!(list.survey_link_sent);
}

#[test]
fn billsbee_needs_the_log_the_write_off_and_the_suspension_which_only_a_manager_confirms() {
    let mut facts = facts("Standard");
    facts.unpaid_invoices = 1;
    let mut case = received(preset(BILLSBEE), facts);
    // The log and the write-off are gates and items at once; the suspension is the manager's.
    assert_eq!(
        case.run(&maya(), confirm_item("logged", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"Cancellation logged at the top of the cancellation sheet\" is done by logging the request in the cancellation sheet; it is ticked when that is recorded"
        ))
    );
    assert!(matches!(
        case.run(&sam(), confirm_item("services_suspended", "")),
        Err(CoreError::RoleRequired {
            step: holdfast_core::policy::Step::ConfirmChecklistItem,
            ..
        })
    ));
    case.ok(&sam(), CaseCommand::LogRequest);
    case.ok(
        &sam(),
        CaseCommand::WriteOffInvoices {
            amount: usd(4_900),
            invoices: 1,
        },
    );
    let list = checklist_of(&case, &maya());
    let done: Vec<(String, bool)> = list
        .finalization_checklist
        .iter()
        .map(|item| (item.id.clone(), item.done))
        .collect();
    assert_eq!(
        done,
        vec![
            ("logged".into(), true),
            ("invoices_written_off".into(), true),
            ("services_suspended".into(), false),
        ]
    );
    // The gates come before the checklist: the reason, and the manager's retention attempt.
    case.capture_reason(&sam(), "business_closing");
    case.ok(&sam(), CaseCommand::Route);
    case.retention_attempted(&maya(), "Closing the business");
    assert_eq!(
        case.run(&maya(), finalize(date(2026, 12, 16))),
        Err(item_open(
            "services_suspended",
            "Services suspended in Billsbee"
        ))
    );
    case.ok(
        &maya(),
        confirm_item("services_suspended", "Suspended in Billsbee"),
    );
    case.ok(&maya(), finalize(date(2026, 12, 16)));
    assert_eq!(case.state().status, CaseStatus::Cancelled);
    // The desk has nothing about API access to show on a Billsbee case.
    let finalization = case.state().finalization.clone().unwrap();
    assert!(!finalization.api_access_revoked);
    assert_eq!(finalization.billing_cessation_date, None);
}

#[test]
fn kodif_cancels_the_order_in_recharge_before_the_case_is_finalized() {
    let mut case = kodif_case(preset(KODIF), None);
    assert_eq!(
        case.run(&sam(), finalize(date(2026, 12, 16))),
        Err(item_open("order_cancelled", "Order cancelled in Recharge"))
    );
    case.ok(
        &sam(),
        confirm_item("order_cancelled", "Recharge order #1042"),
    );
    let finalized = case.ok(&sam(), finalize(date(2026, 12, 16)));
    let json = serde_json::to_value(&finalized[0]).unwrap();
    assert_eq!(json.get("api_access_revoked"), None);
    assert_eq!(json.get("billing_cessation_date"), None);
    assert_eq!(json.get("data_export_offered"), None);
    // The confirmation is the confirmation message on the preferred channel.
    let confirmed = checklist_of(&case, &sam())
        .finalization_checklist
        .iter()
        .any(|item| item.id == "confirmation_sent" && item.done);
    assert!(!confirmed);
}

#[test]
fn wootrecruit_processes_in_the_system_before_and_documents_on_the_account_after() {
    let mut case = wootrecruit_case();
    assert_eq!(
        case.run(&sam(), finalize(date(2026, 12, 16))),
        Err(item_open(
            "processed_in_system",
            "Cancellation processed in the system"
        ))
    );
    assert_eq!(
        case.run(&sam(), confirm_item("documented", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"Process documented in the customer's account (reason and feedback)\" is done after the cancellation is finalized"
        ))
    );
    case.ok(&sam(), confirm_item("processed_in_system", ""));
    case.ok(&sam(), finalize(date(2026, 12, 16)));
    // Feedback requested is the feedback message (or recorded feedback).
    assert_eq!(
        case.run(&sam(), confirm_item("feedback_requested", "")),
        Err(CoreError::invalid(
            "item_id",
            "\"Feedback requested\" is done by sending the exit survey or recording feedback; it is ticked when that is recorded"
        ))
    );
    case.ok(
        &sam(),
        message(
            MessageKind::ExitSurvey,
            PreferredChannel::Email,
            "What led to your decision?",
        ),
    );
    case.ok(
        &sam(),
        confirm_item("documented", "Reason and feedback on the account"),
    );
    let list = checklist_of(&case, &sam());
    let undone: Vec<&str> = list
        .finalization_checklist
        .iter()
        .filter(|item| !item.done)
        .map(|item| item.id.as_str())
        .collect();
    assert_eq!(undone, vec!["confirmation_sent"]);
}

#[test]
fn account_2017_closes_the_account_in_billing_before_finalizing() {
    let mut case = received(preset(ACCOUNT_2017), facts("Essentials"));
    case.ok(&sam(), verify_by_email());
    case.ok(&sam(), CaseCommand::Route);
    assert_eq!(
        case.run(&sam(), finalize(date(2026, 12, 16))),
        Err(item_open(
            "account_closed",
            "Account closed in the billing system (no further charges)"
        ))
    );
    case.ok(&sam(), confirm_item("account_closed", ""));
    case.ok(&sam(), finalize(date(2026, 12, 16)));
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn a_checklist_confirmation_reads_back_and_its_command_needs_no_note() {
    let command: CaseCommand =
        serde_json::from_str(r#"{"command":"confirm_checklist_item","item_id":"crm_updated"}"#)
            .unwrap();
    assert_eq!(command, confirm_item("crm_updated", ""));
    let event = CaseEvent::ChecklistItemConfirmed {
        item_id: "crm_updated".into(),
        note: "Marked cancelled".into(),
        by: "sam".into(),
        at: now(),
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(serde_json::from_str::<CaseEvent>(&json).unwrap(), event);
}

// =============================================================================================
// 2. The effective date is checked against the request and the policy.

#[test]
fn every_preset_refuses_an_effective_date_before_today_or_the_request() {
    for source in [INTELLISERVE, BILLSBEE, KODIF, WOOTRECRUIT, ACCOUNT_2017] {
        let policy = preset(source);
        let mut case = received(policy.clone(), facts(&policy.tiers[0]));
        if policy.gates.identity_before_changes {
            case.ok(&sam(), verify_by_email());
        }
        // Received today, Tuesday November 24 in New York; said before any gate, since the
        // date is what the person entered.
        assert_eq!(
            case.run(&maya(), finalize(date(2026, 11, 23))),
            Err(CoreError::invalid(
                "effective_date",
                "must not be before the request was received (2026-11-24)"
            )),
            "{}",
            policy.id
        );
    }
}

#[test]
fn intelliserve_accepts_today_and_refuses_yesterday_in_its_own_time_zone() {
    // Received last Friday; yesterday is after the request but in the past.
    let received_friday = at("2026-11-20T15:00:00Z");
    let mut case = intelliserve_case_received_at(Some(received_friday));
    case.confirm_checklist_before(&sam());
    // 22:00 in New York is already Wednesday in UTC: today is still Tuesday the 24th there.
    let late_tuesday = at("2026-11-25T03:00:00Z");
    assert_eq!(
        case.run_at(&maya(), finalize(date(2026, 11, 23)), late_tuesday),
        Err(CoreError::invalid(
            "effective_date",
            "must not be in the past (today is 2026-11-24)"
        ))
    );
    case.run_at(&maya(), finalize(date(2026, 11, 24)), late_tuesday)
        .expect("today is accepted");
}

#[test]
fn a_policy_may_allow_a_past_date_but_never_one_before_the_request_nor_too_far_ahead() {
    let source = KODIF.replace(
        "[finalization]\n",
        "[finalization]\nallow_past_effective_date = true\nmax_days_ahead = 30\n",
    );
    let policy = preset(&source);
    let received_friday = at("2026-11-20T15:00:00Z");
    let ready = || {
        let mut case = kodif_case(policy.clone(), Some(received_friday));
        case.confirm_checklist_before(&sam());
        case
    };
    assert_eq!(
        ready().run(&sam(), finalize(date(2026, 11, 19))),
        Err(CoreError::invalid(
            "effective_date",
            "must not be before the request was received (2026-11-20)"
        ))
    );
    // The day the request came in is the earliest.
    ready().ok(&sam(), finalize(date(2026, 11, 20)));
    // Thirty days from Tuesday November 24 is December 24.
    ready().ok(&sam(), finalize(date(2026, 12, 24)));
    assert_eq!(
        ready().run(&sam(), finalize(date(2026, 12, 25))),
        Err(CoreError::invalid(
            "effective_date",
            "must be at most 30 days from today (2026-12-24 at the latest)"
        ))
    );
    // Without the policy's permission the past is refused.
    let mut strict = kodif_case(preset(KODIF), Some(received_friday));
    strict.confirm_checklist_before(&sam());
    assert_eq!(
        strict.run(&sam(), finalize(date(2026, 11, 20))),
        Err(CoreError::invalid(
            "effective_date",
            "must not be in the past (today is 2026-11-24)"
        ))
    );
}

// =============================================================================================
// 3. Messages belong to their steps.

#[test]
fn recording_the_acknowledgement_acknowledges_the_request_in_one_action() {
    for source in [INTELLISERVE, BILLSBEE, KODIF, WOOTRECRUIT] {
        let policy = preset(source);
        let mut case = received(policy.clone(), facts(&policy.tiers[0]));
        // A bare "acknowledge" with no message to the customer stops no clock.
        assert_eq!(
            case.run(
                &sam(),
                CaseCommand::Acknowledge {
                    channel: AcknowledgeChannel::Message,
                    note: String::new(),
                }
            ),
            Err(CoreError::invalid(
                "channel",
                "record the message sent to the customer; recording it acknowledges the request"
            )),
            "{}",
            policy.id
        );
        assert_eq!(
            case.run(
                &sam(),
                CaseCommand::Acknowledge {
                    channel: AcknowledgeChannel::Call,
                    note: "Called".into(),
                }
            ),
            Err(CoreError::invalid(
                "channel",
                "this policy does not accept a call as the first response; send the customer a message"
            )),
            "{}",
            policy.id
        );
        let later = at("2026-11-24T15:20:00Z");
        let events = case
            .run_at(
                &sam(),
                message(
                    MessageKind::Acknowledgement,
                    PreferredChannel::Email,
                    "We got it.",
                ),
                later,
            )
            .unwrap();
        assert_eq!(
            events[1],
            CaseEvent::Acknowledged {
                at: later,
                channel: Some(AcknowledgeChannel::Message),
                note: None,
            },
            "{}",
            policy.id
        );
        let row = case_read_model(case.state(), Some(&policy), Some(&case.account)).unwrap();
        assert_eq!(row.acknowledged_at, Some(later));
        // A later message stops no clock twice.
        let events = case.ok(
            &sam(),
            message(
                MessageKind::Acknowledgement,
                PreferredChannel::Email,
                "Again.",
            ),
        );
        assert_eq!(events.len(), 1);
        assert_eq!(case.state().acknowledged_at, Some(later));
    }
}

#[test]
fn account_2017_accepts_a_call_as_the_first_response_when_it_is_noted() {
    let mut case = received(preset(ACCOUNT_2017), facts("SMB"));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::Acknowledge {
                channel: AcknowledgeChannel::Call,
                note: "  ".into(),
            }
        ),
        Err(CoreError::invalid(
            "note",
            "note who you spoke to and what was said on the call"
        ))
    );
    assert_eq!(
        case.ok(
            &sam(),
            CaseCommand::Acknowledge {
                channel: AcknowledgeChannel::Call,
                note: "Spoke to Ana; Rob will call her".into(),
            }
        ),
        vec![CaseEvent::Acknowledged {
            at: now(),
            channel: Some(AcknowledgeChannel::Call),
            note: Some("Spoke to Ana; Rob will call her".into()),
        }]
    );
    // An older desk's bare command reads as a message, which is refused.
    let bare: CaseCommand = serde_json::from_str(r#"{"command":"acknowledge"}"#).unwrap();
    assert_eq!(
        bare,
        CaseCommand::Acknowledge {
            channel: AcknowledgeChannel::Message,
            note: String::new(),
        }
    );
}

#[test]
fn account_2017_a_reply_with_the_servers_survey_link_ticks_survey_link_sent() {
    let mut facts = facts("Essentials");
    facts.hosting_server = Some("server-2".into());
    let mut case = received(preset(ACCOUNT_2017), facts);
    case.ok(&sam(), CaseCommand::Route);
    // Another server's link is not this account's survey.
    case.ok(
        &sam(),
        message(
            MessageKind::SympatheticReply,
            PreferredChannel::Email,
            "Sorry to see you go: https://example.com/exit-interview/server-3",
        ),
    );
    assert!(!case.state().survey_link_sent);
    let link = "https://example.com/exit-interview/server-2";
    let events = case.ok(
        &sam(),
        message(
            MessageKind::SympatheticReply,
            PreferredChannel::Email,
            &format!("Sorry to see you go. Tell us why: {link}"),
        ),
    );
    assert!(matches!(
        &events[..],
        [CaseEvent::MessageSent { survey_link: Some(sent), .. }] if sent == link
    ));
    assert!(case.state().survey_link_sent);
    assert!(checklist_of(&case, &sam()).survey_link_sent);
}

#[test]
fn kodif_confirms_only_with_the_confirmation_message_on_the_preferred_channel() {
    let mut case = kodif_case(preset(KODIF), None);
    assert_eq!(
        case.run(&sam(), confirmation_message(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "kind",
            "the confirmation goes out once the cancellation is finalized"
        ))
    );
    case.confirm_checklist_before(&sam());
    case.ok(&sam(), finalize(date(2026, 12, 16)));
    assert_eq!(
        case.run(
            &sam(),
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Email
            }
        ),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on email first; recording it confirms the cancellation"
        ))
    );
    // On another channel the message is recorded, and the cancellation is not confirmed.
    let events = case.ok(&sam(), confirmation_message(PreferredChannel::Sms));
    assert_eq!(events.len(), 1);
    assert_eq!(case.state().confirmed_on, None);
    assert_eq!(
        case.ok(&sam(), confirmation_message(PreferredChannel::Email)),
        confirmation_sent(PreferredChannel::Email, now())
    );
    assert_eq!(case.state().confirmed_on, Some(PreferredChannel::Email));
}

#[test]
fn wootrecruit_a_confirmation_recorded_by_someone_who_may_not_confirm_is_completed_by_who_may() {
    let source = WOOTRECRUIT.replace("[roles]\n", "[roles]\nconfirm = [\"manager\"]\n");
    let mut case = wootrecruit_case();
    case.policy = preset(&source);
    case.account.preferred_channel = Some(PreferredChannel::Phone);
    case.confirm_checklist_before(&sam());
    case.ok(&sam(), finalize(date(2026, 12, 16)));
    let events = case.ok(&sam(), confirmation_message(PreferredChannel::Phone));
    assert!(matches!(&events[..], [CaseEvent::MessageSent { .. }]));
    assert_eq!(case.state().confirmed_on, None);
    assert_eq!(
        case.ok(
            &maya(),
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Phone
            }
        ),
        vec![CaseEvent::CancellationConfirmed {
            channel: PreferredChannel::Phone,
            at: now(),
        }]
    );
}

#[test]
fn intelliserve_refund_notices_follow_the_refunds_steps() {
    let mut case = intelliserve_case();
    let notice = |kind| message(kind, PreferredChannel::Email, "About your refund");
    assert_eq!(
        case.run(&sam(), notice(MessageKind::RefundNotice)),
        Err(CoreError::invalid(
            "kind",
            "a refund notice goes out once a refund is with billing or completed"
        ))
    );
    assert_eq!(
        case.run(&sam(), notice(MessageKind::UnderReview)),
        Err(CoreError::invalid(
            "kind",
            "the under-review message goes out while a refund is under review"
        ))
    );
    // Exactly 500.00 goes straight to billing: the refund notice, not "under review".
    case.ok(
        &sam(),
        CaseCommand::RequestRefund {
            refund_id: Uuid::from_u128(1),
            amount: usd(50_000),
            justification: "Charged twice".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
    );
    assert!(case.run(&sam(), notice(MessageKind::UnderReview)).is_err());
    case.ok(&sam(), notice(MessageKind::RefundNotice));
}

#[test]
fn billsbee_tells_the_client_the_refund_is_under_review_until_it_is_verified() {
    let mut case = received(preset(BILLSBEE), facts("Standard"));
    let notice = |kind| message(kind, PreferredChannel::Email, "About your refund");
    case.ok(
        &sam(),
        CaseCommand::RequestRefund {
            refund_id: Uuid::from_u128(1),
            amount: usd(1),
            justification: "Charged twice".into(),
            charged_on: None,
        },
    );
    assert!(case.run(&sam(), notice(MessageKind::RefundNotice)).is_err());
    case.ok(&sam(), notice(MessageKind::UnderReview));
    case.ok(
        &maya(),
        CaseCommand::VerifyRefund {
            refund_id: Uuid::from_u128(1),
        },
    );
    assert!(case.run(&sam(), notice(MessageKind::UnderReview)).is_err());
    case.ok(&sam(), notice(MessageKind::RefundNotice));
}

#[test]
fn wootrecruit_sends_the_form_with_where_to_submit_it_and_shows_the_reminder_due_in_3_days() {
    let policy = preset(WOOTRECRUIT);
    let fields = policy.form.as_ref().unwrap().fields.clone();
    let mut case = received(policy.clone(), facts("Standard"));
    case.ok(&sam(), verify_by_email());
    let events = case.ok(
        &sam(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    let three_days = at("2026-11-27T15:00:00Z");
    assert_eq!(
        events,
        vec![CaseEvent::FormSent {
            how: "e-mail".into(),
            at: now(),
            submit_to: Some("cancellations@example.com".into()),
            instructions: Some(
                "Fill in every field and send the form back from the email address on file.".into()
            ),
            remind_at: Some(three_days),
        }]
    );
    let list = checklist_of(&case, &sam());
    assert_eq!(
        list.form_submit_to.as_deref(),
        Some("cancellations@example.com")
    );
    assert_eq!(list.form_reminder_due, Some(three_days));
    let reminder = |case: &Case| {
        case_read_model(case.state(), Some(&case.policy), Some(&case.account))
            .unwrap()
            .tasks
            .into_iter()
            .find(|task| task.kind == TaskKind::FormReminder)
            .expect("a form reminder task")
    };
    let task = reminder(&case);
    assert_eq!(task.due_at, three_days);
    assert!(task.open);
    // Reminded on Friday: the next reminder is due three days later.
    case.run_at(&sam(), CaseCommand::RemindForm, three_days)
        .unwrap();
    assert_eq!(reminder(&case).due_at, at("2026-11-30T15:00:00Z"));
    case.ok(
        &sam(),
        CaseCommand::ReceiveForm {
            fields: fields
                .iter()
                .map(|f| (f.clone(), "filled".into()))
                .collect(),
        },
    );
    assert!(!reminder(&case).open, "closed once the form is received");
    assert_eq!(checklist_of(&case, &sam()).form_reminder_due, None);
}

#[test]
fn a_form_message_can_say_where_to_submit_it() {
    let source = WOOTRECRUIT.replace(
        "acknowledgement = \"Hi {customer_name}, we received",
        "acknowledgement = \"Submit it to {form_submit_to}: {form_instructions} Hi {customer_name}, we received",
    );
    let policy = preset(&source);
    let case = received(policy.clone(), facts("Standard"));
    let to = Addressee {
        customer_name: "Ana",
        account_name: "Acme",
        sender_name: Some("Sam Reed"),
    };
    let composed = compose_message(
        MessageKind::Acknowledgement,
        case.state(),
        &policy,
        &case.account,
        &to,
    )
    .unwrap();
    assert!(composed.body.starts_with(
        "Submit it to cancellations@example.com: Fill in every field and send the form back from the email address on file. Hi Ana"
    ));
    assert!(composed.missing.is_empty());
}

// =============================================================================================
// 4. Win-back check-ins are tasks: assigned, due, closed with an outcome; they name the reason.

/// An IntelliServe case cancelled on December 16 with its win-back check-ins scheduled by `by`.
fn intelliserve_win_back(policy: Policy, by: &Actor) -> Case {
    let mut case = intelliserve_case();
    case.policy = policy;
    case.confirm_checklist_before(&sam());
    case.ok(&maya(), finalize(date(2026, 12, 16)));
    case.ok(by, CaseCommand::ScheduleWinBack);
    case
}

fn outcome(check_in: u32, outcome: WinBackOutcome) -> CaseCommand {
    CaseCommand::RecordWinBackOutcome {
        check_in,
        outcome,
        note: "Called".into(),
    }
}

#[test]
fn intelliserve_win_back_check_ins_are_assigned_due_and_closed_with_their_outcome() {
    let mut case = intelliserve_win_back(preset(INTELLISERVE), &ivan());
    // No owner on the case: whoever scheduled them makes the check-ins.
    assert_eq!(case.state().win_back_assignee.as_deref(), Some("ivan"));
    let tasks = |case: &Case| {
        case_read_model(case.state(), Some(&case.policy), Some(&case.account))
            .unwrap()
            .tasks
            .into_iter()
            .filter(|task| task.kind == TaskKind::WinBack)
            .collect::<Vec<_>>()
    };
    let queue = tasks(&case);
    assert_eq!(queue.len(), 3);
    assert!(queue
        .iter()
        .all(|task| task.open && task.assignee.as_deref() == Some("ivan")));

    let march_16 = at("2027-03-16T14:00:00Z");
    assert_eq!(
        case.run_at(
            &ivan(),
            outcome(1, WinBackOutcome::NoAnswer),
            at("2027-03-16T03:00:00Z")
        ),
        Err(CoreError::invalid(
            "check_in",
            "check-in 1 is not due until 2027-03-16; record its outcome from that day on"
        ))
    );
    assert_eq!(
        case.run_at(&ivan(), outcome(1, WinBackOutcome::NoAnswer), march_16)
            .unwrap(),
        vec![CaseEvent::WinBackOutcomeRecorded {
            check_in: 1,
            outcome: WinBackOutcome::NoAnswer,
            note: "Called".into(),
            by: "ivan".into(),
            at: march_16,
        }]
    );
    assert_eq!(
        case.run_at(&ivan(), outcome(1, WinBackOutcome::Declined), march_16),
        Err(CoreError::invalid(
            "check_in",
            "check-in 1 already has its outcome"
        ))
    );
    assert_eq!(
        case.run_at(&ivan(), outcome(4, WinBackOutcome::Declined), march_16),
        Err(CoreError::invalid("check_in", "there are check-ins 1 to 3"))
    );
    let queue = tasks(&case);
    assert_eq!(
        queue.iter().map(|task| task.open).collect::<Vec<_>>(),
        vec![false, true, true]
    );
    // Came back at the second check-in: the third has nothing left to win back.
    let june_16 = at("2027-06-16T14:00:00Z");
    case.run_at(&ivan(), outcome(2, WinBackOutcome::Reactivated), june_16)
        .unwrap();
    assert_eq!(
        tasks(&case)
            .iter()
            .map(|task| task.open)
            .collect::<Vec<_>>(),
        vec![false, false, false]
    );
    assert_eq!(
        case.run_at(
            &ivan(),
            outcome(3, WinBackOutcome::Declined),
            at("2027-12-16T14:00:00Z")
        ),
        Err(CoreError::invalid(
            "check_in",
            "the customer came back at check-in 2"
        ))
    );
    let list = checklist_of(&case, &ivan());
    assert_eq!(list.win_back.len(), 3);
    assert_eq!(list.win_back[1].due, date(2027, 6, 16));
    assert_eq!(
        list.win_back[1].outcome.as_ref().map(|done| done.outcome),
        Some(WinBackOutcome::Reactivated)
    );
}

#[test]
fn a_policys_win_back_assignee_gets_the_check_ins() {
    let source = INTELLISERVE.replace(
        "win_back_months = [3, 6, 12]\n",
        "win_back_months = [3, 6, 12]\nwin_back_assignee = \"Wanda\"\n",
    );
    let case = intelliserve_win_back(preset(&source), &ivan());
    assert!(matches!(
        case.events.last(),
        Some(CaseEvent::WinBackScheduled { assignee: Some(who), .. }) if who == "Wanda"
    ));
}

#[test]
fn intelliserve_win_back_message_names_the_original_reason() {
    let case = intelliserve_win_back(preset(INTELLISERVE), &ivan());
    let to = Addressee {
        customer_name: "Ana",
        account_name: "Acme",
        sender_name: Some("Sam Reed"),
    };
    let composed = compose_message(
        MessageKind::WinBack,
        case.state(),
        &case.policy,
        &case.account,
        &to,
    )
    .unwrap();
    assert!(
        composed
            .body
            .contains("you told us about this: Cost concerns."),
        "{}",
        composed.body
    );
    assert!(composed.missing.is_empty());
    // Without a recorded reason the gap shows.
    let bare = received(preset(INTELLISERVE), facts("Professional"));
    let composed = compose_message(
        MessageKind::WinBack,
        bare.state(),
        &bare.policy,
        &bare.account,
        &to,
    )
    .unwrap();
    assert_eq!(composed.missing, vec!["reason".to_owned()]);
}

// =============================================================================================
// The Policy screen says the new rules in plain words.

#[test]
fn the_policy_screen_says_the_checklist_the_date_rules_the_first_response_and_win_back() {
    let said = |source: &str| render_policy(&preset(source)).join("\n");
    let intelliserve = said(INTELLISERVE);
    for needle in [
        "Before a cancellation is finalized, the person who did each of these confirms it: Data export options offered, Data retention and deletion explained, Final charges and prorated refund explained and Billing cessation date confirmed.",
        "Cancellation confirmation email sent (done by sending the confirmation message on the preferred channel)",
        "A cancellation cannot take effect before the request was received or before today.",
        "The first response is a message to the customer; recording it acknowledges the request.",
        "Each check-in is a task for the case's owner (or whoever schedules them), due on its date and closed with its outcome (reactivated, declined or no answer).",
    ] {
        assert!(intelliserve.contains(needle), "missing {needle:?} in\n{intelliserve}");
    }
    assert!(said(BILLSBEE).contains("Services suspended in Billsbee"));
    assert!(said(KODIF).contains("Order cancelled in Recharge"));
    assert!(said(WOOTRECRUIT).contains("The form is submitted to cancellations@example.com."));
    assert!(said(ACCOUNT_2017).contains("or a call, noted on the case."));
    assert!(!said(BILLSBEE).contains("API access"));
}
