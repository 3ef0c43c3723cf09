//! Limits on offers and approvals, and the gates a procedure puts first, on the real presets:
//! offers limited in months, approval by someone other than the proposer, no approval where the
//! procedure names no approver, retention and reason before finalization, identity first.

mod common;

use std::collections::BTreeMap;

use common::{actor, am, person, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::error::Gate;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, render_policy, MessageKind, Policy, Route, Step};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, AccountFacts, CaseCommand, CaseEvent, OfferProposal, RepStatus,
};
use holdfast_core::CoreError;

const ACCOUNT_2017: &str = include_str!("../../../policies/account-cancellation-2017.toml");
const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

fn preset(source: &str) -> Policy {
    parse_policy(source).expect("the preset parses")
}

fn facts(tier: &str, receivable_minor: i64) -> AccountFacts {
    AccountFacts {
        tier: tier.into(),
        email: Some("ana@acme.io".into()),
        phone: Some("+1 555 010 2030".into()),
        accounts_receivable: Some(Money::new(
            receivable_minor,
            Currency::parse("USD").unwrap(),
        )),
        original_sales_rep: Some("Rob Reyes".into()),
        original_sales_rep_status: RepStatus::Active,
        preferred_channel: Some(PreferredChannel::Email),
        account_name: Some("Acme Inc".into()),
        total_collected: Some(common::usd(1_240_000)),
        customer_since: Some(jiff::civil::date(2024, 3, 5)),
        ..AccountFacts::default()
    }
}

fn finalize() -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: jiff::civil::date(2026, 12, 31),
        data_export_offered: true,
    }
}

fn gate(gate: Gate) -> CoreError {
    CoreError::GateNotMet { gate }
}

fn propose(offer_id: &str, percent: Option<u32>, months: Option<u32>) -> CaseCommand {
    CaseCommand::ProposeOffer {
        offer_id: offer_id.into(),
        terms: OfferProposal {
            percent,
            months,
            ..OfferProposal::default()
        },
    }
}

fn retention(note: &str, mitigations: &[&str]) -> CaseCommand {
    CaseCommand::RecordRetentionOutcome {
        retained: false,
        note: note.into(),
        mitigations_tried: mitigations.iter().map(|m| m.to_string()).collect(),
    }
}

fn reason(reason_id: &str) -> CaseCommand {
    CaseCommand::CaptureReason {
        reason_id: reason_id.into(),
        details: String::new(),
        pain_points: vec![],
    }
}

fn maya() -> holdfast_core::workflow::Actor {
    person("maya", &[Role::Manager])
}

// 1. Duration is required where the policy limits it.

#[test]
fn intelliserve_offers_limited_in_months_need_the_months() {
    let mut case = Case::verified(preset(INTELLISERVE), facts("Starter", 0));
    for (offer, percent, label, max) in [
        ("discount", Some(20), "Temporary discount", 3),
        ("freeze", None, "Account freeze", 6),
        ("priority_support", None, "Priority support queue access", 6),
        ("tier_upgrade", None, "Free upgrade to the next tier", 3),
    ] {
        assert_eq!(
            case.run(&am(), propose(offer, percent, None)),
            Err(CoreError::invalid(
                "months",
                format!("say for how many months: the policy limits {label} to {max} months")
            )),
            "{offer} without months"
        );
    }
    // Exactly the limit is within it.
    assert!(matches!(
        &case.ok(&am(), propose("discount", Some(20), Some(3)))[0],
        CaseEvent::OfferProposed {
            needs_approval: false,
            ..
        }
    ));
}

// 2. Approval is by someone else with the approving role.

#[test]
fn intelliserve_an_offer_beyond_the_limits_is_not_approved_by_its_proposer() {
    let mut case = Case::verified(preset(INTELLISERVE), facts("Starter", 0));
    let proposed = case.ok(&maya(), propose("discount", Some(25), Some(3)));
    assert!(matches!(
        &proposed[0],
        CaseEvent::OfferProposed { needs_approval: true, proposed_by, .. } if proposed_by == "maya"
    ));
    assert_eq!(
        case.run(&maya(), CaseCommand::ApproveOffer),
        Err(gate(Gate::SecondApprover))
    );
    // The same user written differently is not a second person.
    assert_eq!(
        case.run(
            &person(" MAYA ", &[Role::Manager]),
            CaseCommand::ApproveOffer
        ),
        Err(gate(Gate::SecondApprover))
    );
    assert_eq!(
        case.ok(&person("lee", &[Role::Manager]), CaseCommand::ApproveOffer),
        vec![CaseEvent::OfferApproved {
            offer_id: "discount".into()
        }]
    );
    case.ok(&am(), CaseCommand::AcceptOffer);
}

// 3. No approver named: no offer outside the limits at all.

#[test]
fn kodif_names_no_approver_so_an_offer_beyond_the_limits_is_refused() {
    let mut case = Case::verified(preset(KODIF), facts("Subscriber", 0));
    // "e.g., 10% or 15%": 12% is outside, 15% inside.
    assert_eq!(
        case.run(&am(), propose("order_discount", Some(12), None)),
        Err(CoreError::OfferLimitExceeded {
            offer: "Discount on the current order".into(),
            message: "is outside the limits and the policy names no one who may approve it".into(),
        })
    );
    // "A 20% coupon": 21% is outside.
    assert!(matches!(
        case.run(&am(), propose("next_order_coupon", Some(21), None)),
        Err(CoreError::OfferLimitExceeded { .. })
    ));
    assert!(case.state().pending_offer.is_none());
    // The desk shows approving as not available, with the reason.
    let list = checklist(case.state(), &case.policy, &case.account, &maya());
    let approve = list
        .permissions
        .iter()
        .find(|permission| permission.step == Step::ApproveOffer)
        .expect("every step has a permission");
    assert_eq!(
        approve.refused.as_deref(),
        Some("the policy names no one who may approve an offer outside the limits")
    );
    case.ok(&am(), propose("next_order_coupon", Some(20), None));
}

#[test]
fn billsbee_names_no_approver_so_no_manager_may_approve() {
    let policy = preset(BILLSBEE);
    assert!(holdfast_core::workflow::may_take(&maya(), Step::ApproveOffer, &policy).is_err());
    let sentences = render_policy(&policy).join("\n");
    assert!(!sentences.contains("may approve an offer"), "{sentences}");
}

// 4. Custom pricing needs approval because the policy says so.

#[test]
fn custom_pricing_needs_approval_only_where_the_policy_says_so() {
    let mut case = Case::verified(preset(INTELLISERVE), facts("Starter", 0));
    assert!(matches!(
        &case.ok(&am(), propose("custom_pricing", None, None))[0],
        CaseEvent::OfferProposed {
            needs_approval: true,
            ..
        }
    ));
    // A procedure that lets agents agree custom pricing within their own judgement.
    let source = INTELLISERVE.replace(
        "label = \"Custom pricing for unique use cases\"\nneeds_approval = true",
        "label = \"Custom pricing for unique use cases\"",
    );
    assert_ne!(source, INTELLISERVE);
    let mut case = Case::verified(preset(&source), facts("Starter", 0));
    assert!(matches!(
        &case.ok(&am(), propose("custom_pricing", None, None))[0],
        CaseEvent::OfferProposed {
            needs_approval: false,
            ..
        }
    ));
}

// 5. Retention before finalization, and the reason.

#[test]
fn account_2017_a_save_call_has_its_outcome_before_the_case_closes() {
    let mut case = Case::verified(preset(ACCOUNT_2017), facts("Professional", 100_001));
    assert!(matches!(
        &case.ok(&am(), CaseCommand::Route)[0],
        CaseEvent::Routed {
            route: Route::SaveCall,
            ..
        }
    ));
    assert_eq!(
        case.run(&maya(), finalize()),
        Err(gate(Gate::RetentionAttempted))
    );
    // A save call with no offer says why none was made.
    assert_eq!(
        case.run(&am(), retention("  ", &[])),
        Err(CoreError::invalid(
            "note",
            "no offer was made on this case: say why"
        ))
    );
    case.ok(&am(), retention("Rob called; moving to a competitor", &[]));
    case.confirm_checklist_before(&am());
    case.ok(&maya(), finalize());
}

#[test]
fn account_2017_a_sympathetic_reply_is_not_held_up_by_the_retention_gate() {
    // Professional at exactly 1000.00: the sympathetic reply.
    let mut case = Case::verified(preset(ACCOUNT_2017), facts("Professional", 100_000));
    assert!(matches!(
        &case.ok(&am(), CaseCommand::Route)[0],
        CaseEvent::Routed {
            route: Route::SympatheticReply,
            ..
        }
    ));
    assert!(case.run(&am(), retention("Nothing to try", &[])).is_err());
    case.confirm_checklist_before(&am());
    case.ok(&maya(), finalize());
}

#[test]
fn billsbee_a_manager_attempts_retention_and_the_reason_is_recorded_first() {
    let mut case = Case::received(preset(BILLSBEE), facts("Standard", 0));
    case.ok(&am(), CaseCommand::LogRequest);
    assert_eq!(
        case.run(&maya(), finalize()),
        Err(gate(Gate::ReasonCaptured))
    );
    case.ok(&am(), reason("business_closing"));
    assert_eq!(
        case.run(&maya(), finalize()),
        Err(gate(Gate::RetentionAttempted))
    );
    case.ok(&am(), CaseCommand::Route);
    case.ok(&maya(), retention("Closing the business", &[]));
    case.confirm_checklist_before(&maya());
    case.ok(&maya(), finalize());
}

#[test]
fn intelliserve_considers_every_retention_option_before_finalizing() {
    let mut case = Case::verified(preset(INTELLISERVE), facts("Starter", 0));
    assert_eq!(
        case.run(&maya(), finalize()),
        Err(gate(Gate::ReasonCaptured))
    );
    case.ok(&am(), reason("cost"));
    // The attempt follows the route: before it, the desk does not offer what the engine refuses.
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert!(!list.retention_outcome_due);
    assert!(case
        .run(&am(), retention("Budget cut", &[]))
        .is_err_and(|error| error.to_string().contains("route the case first")));
    case.ok(&am(), CaseCommand::Route);
    assert_eq!(
        case.run(&maya(), finalize()),
        Err(gate(Gate::RetentionAttempted))
    );
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert!(list.retention_outcome_due);
    assert!(list
        .blockers
        .iter()
        .any(|blocker| blocker.gate == Gate::RetentionAttempted
            && blocker.reason == Gate::RetentionAttempted.describe()));
    // A mitigation of another reason is not the captured reason's.
    assert_eq!(
        case.run(
            &am(),
            retention("Tried", &["Offer personalized training sessions"])
        ),
        Err(CoreError::invalid(
            "mitigations_tried",
            "\"Offer personalized training sessions\" is not one of the policy's mitigations for the reason recorded"
        ))
    );
    // No offer was made: the note says why.
    assert!(case
        .run(
            &am(),
            retention(
                "",
                &["Highlight ROI of our services compared to alternatives"]
            )
        )
        .is_err());
    let tried = ["Highlight ROI of our services compared to alternatives"];
    assert_eq!(
        case.ok(
            &am(),
            retention("Budget is gone; a discount would not help", &tried)
        ),
        vec![CaseEvent::RetentionOutcomeRecorded {
            retained: false,
            note: "Budget is gone; a discount would not help".into(),
            mitigations_tried: vec![tried[0].to_string()],
        }]
    );
    case.confirm_checklist_before(&am());
    case.ok(&maya(), finalize());
}

#[test]
fn kodif_the_retention_step_comes_before_the_order_is_cancelled() {
    let mut case = Case::verified(preset(KODIF), facts("Subscriber", 0));
    case.ok(&am(), reason("too_expensive"));
    case.ok(&am(), CaseCommand::Route);
    case.ok(&am(), propose("order_discount", Some(10), None));
    // Not while the customer has not answered the offer.
    assert!(case.run(&am(), retention("", &[])).is_err());
    case.ok(&am(), CaseCommand::DeclineOffer);
    assert_eq!(
        case.run(&am(), finalize()),
        Err(gate(Gate::RetentionAttempted))
    );
    // The offer was made and declined: no further reason is needed.
    case.ok(&am(), retention("", &[]));
    case.confirm_checklist_before(&am());
    case.ok(&am(), finalize());
}

// 6. The CSM's final engagement is documented.

#[test]
fn wootrecruit_the_csms_outcome_carries_the_csms_note() {
    let mut case = Case::verified(preset(WOOTRECRUIT), facts("Standard", 0));
    case.ok(
        &am(),
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: "Still wants to cancel".into(),
        },
    );
    let csm = actor(&[Role::Csm]);
    assert_eq!(
        case.run(
            &csm,
            CaseCommand::RecordCsmOutcome {
                retained: false,
                note: "   ".into()
            }
        ),
        Err(CoreError::invalid(
            "note",
            "say what the CSM did and what the customer answered"
        ))
    );
    case.ok(
        &csm,
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: "Final call: the hiring freeze is company-wide".into(),
        },
    );
    assert!(case.state().csm_engaged);
}

#[test]
fn wootrecruit_needs_the_reason_before_finalizing() {
    let policy = preset(WOOTRECRUIT);
    assert!(policy.gates.reason_before_finalization);
}

// 7. Identity first means first.

#[test]
fn wootrecruit_verifies_the_identity_before_anything_else() {
    let mut case = Case::received(preset(WOOTRECRUIT), facts("Standard", 0));
    let blocked = [
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
        reason("budget"),
        CaseCommand::Route,
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: String::new(),
        },
        CaseCommand::ReceiveForm {
            fields: BTreeMap::new(),
        },
        CaseCommand::LogRequest,
        CaseCommand::RecordMessage {
            kind: MessageKind::Offer,
            channel: PreferredChannel::Email,
            body: "An offer".into(),
            email: None,
        },
    ];
    for command in blocked {
        assert_eq!(
            case.run(&am(), command.clone()),
            Err(gate(Gate::IdentityVerified)),
            "{command:?} before the identity is verified"
        );
    }
    // What comes before the identity still may: the acknowledgement message (which acknowledges).
    case.ok(
        &am(),
        CaseCommand::RecordMessage {
            kind: MessageKind::Acknowledgement,
            channel: PreferredChannel::Email,
            body: "We received your request".into(),
            email: None,
        },
    );
    case.ok(
        &am(),
        CaseCommand::AddNote {
            text: "Asked for the form".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: holdfast_core::policy::VerificationMethod::EmailOnFile,
            contact_used: Some("ana@acme.io".into()),
            evidence: "Replied from the address on file".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
}

// 8. What the Policy screen says is required is enforced.

#[test]
fn account_2017_is_not_finalized_without_a_verified_identity() {
    let policy = preset(ACCOUNT_2017);
    let sentences = render_policy(&policy).join("\n");
    assert!(
        sentences.contains("the requester's identity is verified"),
        "{sentences}"
    );
    let mut case = Case::received(policy, facts("Essentials", 0));
    case.ok(&am(), CaseCommand::Route);
    assert_eq!(
        case.run(&maya(), finalize()),
        Err(gate(Gate::IdentityVerified))
    );
}

#[test]
fn a_policy_screen_says_no_step_waits_for_an_identity_nothing_enforces() {
    for source in [BILLSBEE, KODIF] {
        let policy = preset(source);
        let sentences = render_policy(&policy).join("\n");
        assert!(sentences.contains("no step waits for it"), "{sentences}");
        assert!(
            !sentences.contains("The requester's identity is verified by"),
            "{sentences}"
        );
    }
}

#[test]
fn wootrecruit_shows_every_later_step_waiting_for_the_identity() {
    let policy = preset(WOOTRECRUIT);
    let account = facts("Standard", 0);
    let mut case = Case::received(policy.clone(), account.clone());
    let refused = |case: &Case, step: Step| {
        holdfast_core::workflow::checklist(case.state(), &policy, &account, &am())
            .permissions
            .into_iter()
            .find(|permission| permission.step == step)
            .and_then(|permission| permission.refused)
    };
    let identity = Gate::IdentityVerified.describe().to_owned();
    for step in [
        Step::TrackForm,
        Step::CaptureReason,
        Step::Route,
        Step::Escalate,
        Step::RequestRefund,
    ] {
        assert_eq!(refused(&case, step), Some(identity.clone()), "{step:?}");
    }
    // Taking the request and verifying the requester are what comes first.
    assert_eq!(refused(&case, Step::Receive), None);
    assert_eq!(refused(&case, Step::VerifyIdentity), None);
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: holdfast_core::policy::VerificationMethod::EmailOnFile,
            contact_used: Some("ana@acme.io".into()),
            evidence: "Replied from the address on file".into(),
        },
    );
    assert_eq!(refused(&case, Step::CaptureReason), None);
    assert_eq!(refused(&case, Step::Escalate), None);
    // A rule of roles still says who may not: only a CSM records the CSM's outcome.
    assert!(refused(&case, Step::RecordCsmOutcome).is_some_and(|why| why != identity));
}
