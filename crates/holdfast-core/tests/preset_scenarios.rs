//! One path through each procedure, on its real preset: the events and errors a user meets.

mod common;

use std::collections::BTreeMap;

use common::{actor, am, Case};
use holdfast_core::case::CaseStatus;
use holdfast_core::error::Gate;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, Policy, Route, Step, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{AccountFacts, CaseCommand, CaseEvent, OfferProposal};
use holdfast_core::CoreError;

fn preset(source: &str) -> Policy {
    parse_policy(source).expect("the preset parses")
}

fn account(tier: &str, receivable_minor: i64) -> AccountFacts {
    AccountFacts {
        tier: tier.into(),
        email: Some("ana@acme.io".into()),
        phone: Some("+1 555 010 2030".into()),
        accounts_receivable: Some(Money::new(
            receivable_minor,
            Currency::parse("USD").unwrap(),
        )),
        hosting_server: None,
        original_sales_rep: Some("Rob Reyes".into()),
        original_sales_rep_active: true,
        unpaid_invoices: 0,
        offers_granted: Vec::new(),
    }
}

fn finalize() -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: jiff::civil::date(2026, 12, 31),
    }
}

#[test]
fn wootrecruit_verify_form_offer_declined_csm_then_finalize() {
    let policy = preset(include_str!("../../../policies/wootrecruit.toml"));
    let tier = policy.tiers[0].clone();
    let form_fields = policy
        .form
        .as_ref()
        .expect("WootRecruit has a form")
        .fields
        .clone();
    let mut case = Case::verified(policy, account(&tier, 0));
    let manager = actor(&[Role::Manager]);

    assert_eq!(
        case.run(&manager, finalize()),
        Err(CoreError::GateNotMet {
            gate: Gate::FormReceived
        })
    );
    case.ok(
        &am(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    let filled: BTreeMap<String, String> = form_fields
        .iter()
        .map(|f| (f.clone(), "filled".to_string()))
        .collect();
    case.ok(&am(), CaseCommand::ReceiveForm { fields: filled });
    assert_eq!(
        case.run(&manager, finalize()),
        Err(CoreError::GateNotMet {
            gate: Gate::CsmEngaged
        })
    );
    assert!(matches!(
        case.run(
            &actor(&[Role::Csm]),
            CaseCommand::Escalate {
                csm: "Carla".into(),
                note: String::new()
            }
        ),
        Err(CoreError::RoleRequired {
            step: Step::Escalate,
            ..
        })
    ));
    case.ok(
        &am(),
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: "Still wants to cancel".into(),
        },
    );
    case.ok(
        &actor(&[Role::Csm]),
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: "No fit".into(),
        },
    );
    assert_eq!(
        case.ok(&manager, finalize()),
        vec![CaseEvent::Finalized {
            effective_date: jiff::civil::date(2026, 12, 31)
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn the_2017_sop_routes_to_the_fallback_when_the_rep_has_left() {
    let policy = preset(include_str!(
        "../../../policies/account-cancellation-2017.toml"
    ));
    let mut facts = account("Professional 2A", 0);
    facts.original_sales_rep_active = false;
    let mut case = Case::received(policy.clone(), facts);
    assert_eq!(
        case.ok(&am(), CaseCommand::Route),
        vec![CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Spencer".into()),
            survey_link: None
        }]
    );
    // A Professional account owing more than $1000 gets a save call from its own rep.
    let mut case = Case::received(policy.clone(), account("Professional", 150_000));
    assert_eq!(
        case.ok(&am(), CaseCommand::Route),
        vec![CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Rob Reyes".into()),
            survey_link: None
        }]
    );
    // Owing $1000 or less, it gets the sympathetic reply with the exit-interview link.
    let mut case = Case::received(policy, account("Professional", 100_000));
    assert!(matches!(
        &case.ok(&am(), CaseCommand::Route)[0],
        CaseEvent::Routed {
            route: Route::SympatheticReply,
            assignee: None,
            survey_link: Some(_)
        }
    ));
}

#[test]
fn billsbee_writes_off_then_only_a_manager_cancels() {
    let policy = preset(include_str!("../../../policies/billsbee.toml"));
    let tier = policy.tiers[0].clone();
    let mut facts = account(&tier, 0);
    facts.unpaid_invoices = 1;
    let mut case = Case::received(policy, facts);
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::CallbackToPhoneOnFile,
            contact_used: Some("+1 (555) 010-2030".into()),
            evidence: "Called the number on file".into(),
        },
    );
    let manager = actor(&[Role::Manager]);
    assert_eq!(
        case.run(&manager, finalize()),
        Err(CoreError::GateNotMet {
            gate: Gate::InvoicesWrittenOff
        })
    );
    case.ok(
        &manager,
        CaseCommand::WriteOffInvoices {
            amount: Money::new(4_900, Currency::parse("USD").unwrap()),
            invoices: 1,
        },
    );
    assert_eq!(
        case.run(&manager, finalize()),
        Err(CoreError::GateNotMet {
            gate: Gate::RequestLogged
        })
    );
    case.ok(&am(), CaseCommand::LogRequest);
    assert!(matches!(
        case.run(&am(), finalize()),
        Err(CoreError::RoleRequired { step: Step::Finalize, ref needed }) if needed == &[Role::Manager]
    ));
    case.ok(&manager, finalize());
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn kodif_order_discount_accepted_saves_the_order() {
    let policy = preset(include_str!(
        "../../../policies/kodif-order-cancellation.toml"
    ));
    let tier = policy.tiers[0].clone();
    let mut case = Case::verified(policy, account(&tier, 0));
    let odd = case.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "order_discount".into(),
            terms: OfferProposal {
                percent: Some(12),
                ..Default::default()
            },
        },
    );
    assert!(
        matches!(
            &odd[0],
            CaseEvent::OfferProposed {
                needs_approval: true,
                ..
            }
        ),
        "12% is not one of 10 or 15"
    );
    case.ok(&am(), CaseCommand::DeclineOffer);
    let offered = case.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "order_discount".into(),
            terms: OfferProposal {
                percent: Some(15),
                ..Default::default()
            },
        },
    );
    assert!(matches!(
        &offered[0],
        CaseEvent::OfferProposed {
            needs_approval: false,
            ..
        }
    ));
    assert_eq!(
        case.ok(&am(), CaseCommand::AcceptOffer),
        vec![CaseEvent::OfferAccepted {
            offer_id: "order_discount".into()
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Saved);
    assert!(matches!(
        case.run(&actor(&[Role::Manager]), finalize()),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::Saved,
            ..
        })
    ));
}

#[test]
fn intelliserve_freeze_accepted_within_six_months() {
    let policy = preset(include_str!("../../../policies/intelliserve.toml"));
    let tier = policy.tiers[0].clone();
    let mut case = Case::received(policy, account(&tier, 0));
    let freeze = |months| CaseCommand::ProposeOffer {
        offer_id: "freeze".into(),
        terms: OfferProposal {
            months: Some(months),
            ..Default::default()
        },
    };
    assert_eq!(
        case.run(&am(), freeze(3)),
        Err(CoreError::GateNotMet {
            gate: Gate::IdentityVerified
        })
    );
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("ana@acme.io".into()),
            evidence: "Reply from the address on file".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "company_changes".into(),
            details: "Downsizing".into(),
            pain_points: vec![],
        },
    );
    let long = case.ok(&am(), freeze(9));
    assert!(
        matches!(
            &long[0],
            CaseEvent::OfferProposed {
                needs_approval: true,
                ..
            }
        ),
        "9 months is beyond 6"
    );
    case.ok(&am(), CaseCommand::DeclineOffer);
    case.ok(&am(), freeze(6));
    case.ok(&am(), CaseCommand::AcceptOffer);
    assert_eq!(case.state().status, CaseStatus::Saved);
}
