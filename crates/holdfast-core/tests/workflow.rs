//! The case engine walks a procedure: each step decided against the state, the actor and the
//! policy, with the exact events and errors a user meets.

use std::collections::BTreeMap;

use holdfast_core::case::CaseStatus;
use holdfast_core::error::Gate;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, Policy, Route, Step, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{AccountFacts, CaseCommand, CaseEvent, OfferProposal};
use holdfast_core::CoreError;

mod common;
use common::{actor, am, now, Case};

const POLICY: &str = r#"
id = "test"
name = "Test procedure"
version = 3
currency = "USD"
tiers = ["Essentials", "Professional", "Professional 2A", "SMB"]

[sla]
first_response_minutes = 60
zone = "America/New_York"
days = ["mon", "tue", "wed", "thu", "fri"]
opens = "09:00"
closes = "17:00"

[identity]
methods = ["email_on_file", "callback_to_phone_on_file", "security_question"]

[form]
fields = ["reason", "signature"]
remind_after_days = 3

[gates]
identity_before_changes = true
form_before_finalization = true
csm_escalation_before_finalization = true
invoices_written_off_before_finalization = true

[roles]
finalize = ["manager"]
approve_offer = ["manager"]
record_csm_outcome = ["csm"]

[routing]
fallback_assignee = "Spencer"

[[routing.rules]]
tier_at_most = "Essentials"
route = "sympathetic_reply"

[[routing.rules]]
tier_at_least = "Professional"
tier_at_most = "Professional"
receivable_above = "1,000.00"
route = "save_call"

[[routing.rules]]
tier_at_least = "Professional 2A"
route = "save_call"

[[offers]]
id = "discount"
kind = "discount"
label = "Discount"
max_percent = 20
max_months = 3

[[offers]]
id = "credit"
kind = "credit"
label = "One-time credit"
max_amount = "500.00"
once_per_account = true

[refunds]
threshold = "1000.00"

[[reasons]]
id = "cost"
label = "Cost concerns"
mitigations = ["Offer a temporary discount"]

[survey_links]
"us-east-1" = "https://survey.example.com/us-east"
default = "https://survey.example.com/general"
"#;

fn policy() -> Policy {
    parse_policy(POLICY).expect("the test policy parses")
}

fn account() -> AccountFacts {
    AccountFacts {
        tier: "Professional".into(),
        email: Some("ana@acme.io".into()),
        phone: Some("+1 (555) 010-2030".into()),
        accounts_receivable: Some(Money::new(250_000, Currency::parse("USD").unwrap())),
        hosting_server: Some("us-east-1".into()),
        original_sales_rep: Some("Rob".into()),
        original_sales_rep_active: true,
        unpaid_invoices: 0,
        offers_granted: Vec::new(),
    }
}

#[test]
fn receiving_computes_the_first_response_deadline_in_business_hours() {
    let case = Case::received(policy(), account());
    match &case.events[0] {
        CaseEvent::Received {
            first_response_due,
            received_at,
            ..
        } => {
            assert_eq!(*received_at, now());
            assert_eq!(*first_response_due, "2026-11-24T16:00:00Z".parse().unwrap());
        }
        other => panic!("expected Received, got {other:?}"),
    }
    assert_eq!(case.state().status, CaseStatus::Received);
    assert_eq!(case.state().version, 1);
}

#[test]
fn the_whole_procedure_ends_in_a_cancellation_only_when_every_gate_is_met() {
    let mut case = Case::verified(policy(), account());
    let manager = actor(&[Role::Manager]);
    let finalize = || CaseCommand::Finalize {
        effective_date: jiff::civil::date(2026, 12, 31),
    };

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
    case.ok(&am(), CaseCommand::RemindForm);
    let mut fields = BTreeMap::from([("reason".to_string(), "Too expensive".to_string())]);
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::ReceiveForm {
                fields: fields.clone()
            }
        ),
        Err(CoreError::invalid(
            "signature",
            "the form must have this field filled in"
        ))
    );
    fields.insert("signature".into(), "A. Silva".into());
    case.ok(&am(), CaseCommand::ReceiveForm { fields });

    assert_eq!(
        case.run(&manager, finalize()),
        Err(CoreError::GateNotMet {
            gate: Gate::CsmEngaged
        })
    );
    case.ok(
        &am(),
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: "Still wants to leave".into(),
        },
    );
    assert!(matches!(
        case.run(
            &am(),
            CaseCommand::RecordCsmOutcome {
                retained: false,
                note: String::new()
            }
        ),
        Err(CoreError::RoleRequired {
            step: Step::RecordCsmOutcome,
            ..
        })
    ));
    case.ok(
        &actor(&[Role::Csm]),
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: "Moving to a competitor".into(),
        },
    );

    assert!(matches!(
        case.run(&am(), finalize()),
        Err(CoreError::RoleRequired { step: Step::Finalize, ref needed }) if needed == &[Role::Manager]
    ));
    assert_eq!(
        case.ok(&manager, finalize()),
        vec![CaseEvent::Finalized {
            effective_date: jiff::civil::date(2026, 12, 31)
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
    assert!(matches!(
        case.run(
            &manager,
            CaseCommand::ProposeOffer {
                offer_id: "discount".into(),
                terms: OfferProposal {
                    percent: Some(10),
                    ..Default::default()
                }
            }
        ),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::Cancelled,
            ..
        })
    ));
}

#[test]
fn nothing_changes_before_the_identity_is_verified_with_a_contact_on_file() {
    let mut case = Case::received(policy(), account());
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::ProposeOffer {
                offer_id: "discount".into(),
                terms: OfferProposal {
                    percent: Some(10),
                    ..Default::default()
                }
            }
        ),
        Err(CoreError::GateNotMet {
            gate: Gate::IdentityVerified
        })
    );
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: Some("+1 555 999 0000".into()),
                evidence: "called back".into(),
            }
        ),
        Err(CoreError::invalid(
            "contact_used",
            "must be the contact on file, not one the requester gave"
        ))
    );
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::CallbackToPhoneOnFile,
            contact_used: Some("1-555-010-2030".into()),
            evidence: "Called back the number on file".into(),
        },
    );
    assert!(case.state().identity_verified);
}

#[test]
fn a_failed_verification_closes_the_case() {
    let mut case = Case::received(policy(), account());
    case.ok(
        &am(),
        CaseCommand::FailVerification {
            note: "Could not confirm".into(),
        },
    );
    assert_eq!(case.state().status, CaseStatus::VerificationFailed);
    assert!(matches!(
        case.run(
            &am(),
            CaseCommand::Escalate {
                csm: "Carla".into(),
                note: String::new()
            }
        ),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::VerificationFailed,
            ..
        })
    ));
}

#[test]
fn an_accepted_offer_saves_the_case_and_offers_outside_limits_need_a_manager() {
    let mut case = Case::verified(policy(), account());
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "Budget cut".into(),
            pain_points: vec![],
        },
    );
    let proposed = case.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(25),
                months: Some(3),
                ..Default::default()
            },
        },
    );
    assert!(matches!(
        &proposed[0],
        CaseEvent::OfferProposed {
            needs_approval: true,
            ..
        }
    ));
    assert_eq!(
        case.run(&am(), CaseCommand::AcceptOffer),
        Err(CoreError::GateNotMet {
            gate: Gate::OfferApproved
        })
    );
    assert!(matches!(
        case.run(&am(), CaseCommand::ApproveOffer),
        Err(CoreError::RoleRequired {
            step: Step::ApproveOffer,
            ..
        })
    ));
    case.ok(&actor(&[Role::Manager]), CaseCommand::ApproveOffer);
    case.ok(&am(), CaseCommand::AcceptOffer);
    assert_eq!(case.state().status, CaseStatus::Saved);
}

#[test]
fn a_one_time_credit_cannot_be_granted_twice() {
    let mut history = account();
    history.offers_granted = vec!["credit".into()];
    let mut case = Case::verified(policy(), history);
    let usd = Currency::parse("USD").unwrap();
    assert!(matches!(
        case.run(
            &am(),
            CaseCommand::ProposeOffer {
                offer_id: "credit".into(),
                terms: OfferProposal {
                    amount: Some(Money::new(10_000, usd)),
                    ..Default::default()
                }
            }
        ),
        Err(CoreError::OfferLimitExceeded { .. })
    ));
    let mut fresh = Case::verified(policy(), account());
    let within = fresh.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "credit".into(),
            terms: OfferProposal {
                amount: Some(Money::new(50_000, usd)),
                ..Default::default()
            },
        },
    );
    assert!(matches!(
        &within[0],
        CaseEvent::OfferProposed {
            needs_approval: false,
            ..
        }
    ));
    fresh.ok(&am(), CaseCommand::DeclineOffer);
    assert!(matches!(
        fresh.run(
            &am(),
            CaseCommand::ProposeOffer {
                offer_id: "credit".into(),
                terms: OfferProposal {
                    amount: Some(Money::new(100, usd)),
                    ..Default::default()
                }
            }
        ),
        Err(CoreError::OfferLimitExceeded { .. })
    ));
}

#[test]
fn routing_follows_tier_and_receivables_and_the_rep_who_left() {
    let route = |tier: &str, receivable: i64, rep_active: bool| {
        let mut facts = account();
        facts.tier = tier.into();
        facts.accounts_receivable = Some(Money::new(receivable, Currency::parse("USD").unwrap()));
        facts.original_sales_rep_active = rep_active;
        let mut case = Case::received(policy(), facts);
        case.ok(&am(), CaseCommand::Route).remove(0)
    };
    assert_eq!(
        route("Essentials", 500_000, true),
        CaseEvent::Routed {
            route: Route::SympatheticReply,
            assignee: None,
            survey_link: Some("https://survey.example.com/us-east".into())
        }
    );
    assert_eq!(
        route("Professional", 100_000, true),
        CaseEvent::Routed {
            route: Route::Continue,
            assignee: None,
            survey_link: None
        }
    );
    assert_eq!(
        route("Professional", 100_001, true),
        CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Rob".into()),
            survey_link: None
        }
    );
    assert_eq!(
        route("SMB", 0, false),
        CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Spencer".into()),
            survey_link: None
        }
    );
}

#[test]
fn unpaid_invoices_are_written_off_before_finalization() {
    let mut facts = account();
    facts.unpaid_invoices = 2;
    let mut case = Case::verified(policy(), facts);
    case.ok(
        &am(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::ReceiveForm {
            fields: BTreeMap::from([
                ("reason".into(), "x".into()),
                ("signature".into(), "y".into()),
            ]),
        },
    );
    case.ok(
        &am(),
        CaseCommand::Escalate {
            csm: "Carla".into(),
            note: String::new(),
        },
    );
    case.ok(
        &actor(&[Role::Csm]),
        CaseCommand::RecordCsmOutcome {
            retained: false,
            note: String::new(),
        },
    );
    let manager = actor(&[Role::Manager]);
    let finalize = CaseCommand::Finalize {
        effective_date: jiff::civil::date(2026, 12, 1),
    };
    assert_eq!(
        case.run(&manager, finalize.clone()),
        Err(CoreError::GateNotMet {
            gate: Gate::InvoicesWrittenOff
        })
    );
    let usd = Currency::parse("USD").unwrap();
    case.ok(
        &manager,
        CaseCommand::WriteOffInvoices {
            amount: Money::new(9_800, usd),
            invoices: 2,
        },
    );
    case.ok(&manager, finalize);
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn inactive_users_and_users_without_roles_are_refused() {
    let mut case = Case::received(policy(), account());
    let mut gone = am();
    gone.active = false;
    assert!(matches!(
        case.run(&gone, CaseCommand::Acknowledge),
        Err(CoreError::InactiveUser { .. })
    ));
    assert!(matches!(
        case.run(&actor(&[]), CaseCommand::Acknowledge),
        Err(CoreError::RoleRequired { .. })
    ));
    case.ok(&am(), CaseCommand::Acknowledge);
    assert!(case.state().acknowledged_at.is_some());
}
