//! The case engine walks a procedure: each step decided against the state, the actor and the
//! policy, with the exact events and errors a user meets.

use std::collections::BTreeMap;

use holdfast_core::account::PreferredChannel;
use holdfast_core::case::CaseStatus;
use holdfast_core::error::Gate;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{MessageKind, Policy, Route, Step, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    AccountFacts, CaseCommand, CaseEvent, CodeKey, Finalization, OfferProposal, OneTimeCode,
    RefundStatus, RepStatus,
};
use holdfast_core::CoreError;

mod common;
use common::{acknowledge_by_call, actor, am, now, person, test_account, test_policy, usd, Case};

fn policy() -> Policy {
    test_policy()
}

fn account() -> AccountFacts {
    test_account()
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
        data_export_offered: true,
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
            effective_date: jiff::civil::date(2026, 12, 31),
            billing_cessation_date: None,
            // 310.00 for December, and December 31 is not used.
            prorated_refund: Some(usd(1_000)),
            data_export_offered: false,
            api_access_revoked: false,
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
    // A declined credit granted nothing, so a smaller one may still be offered.
    fresh.ok(&am(), CaseCommand::DeclineOffer);
    let again = fresh.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "credit".into(),
            terms: OfferProposal {
                amount: Some(Money::new(100, usd)),
                ..Default::default()
            },
        },
    );
    assert!(matches!(
        &again[0],
        CaseEvent::OfferProposed {
            needs_approval: false,
            ..
        }
    ));
}

#[test]
fn routing_follows_tier_and_receivables_and_the_rep_who_left() {
    // Received Tuesday 10:00 in New York; the test policy answers within 60 business minutes.
    let first_response_due: jiff::Timestamp = "2026-11-24T16:00:00Z".parse().unwrap();
    let route = |tier: &str, receivable: i64, rep_active: bool| {
        let mut facts = account();
        facts.tier = tier.into();
        facts.accounts_receivable = Some(Money::new(receivable, Currency::parse("USD").unwrap()));
        facts.original_sales_rep_status = if rep_active {
            RepStatus::Active
        } else {
            RepStatus::Left
        };
        let mut case = Case::received(policy(), facts);
        case.ok(&am(), CaseCommand::Route).remove(0)
    };
    assert_eq!(
        route("Essentials", 500_000, true),
        CaseEvent::Routed {
            route: Route::SympatheticReply,
            assignee: None,
            survey_link: Some("https://survey.example.com/us-east".into()),
            assignee_role: None,
            save_call_due: None,
            save_call_phone: None,
            receivable_unknown: false,
        }
    );
    assert_eq!(
        route("Professional", 100_000, true),
        CaseEvent::Routed {
            route: Route::Continue,
            assignee: None,
            survey_link: None,
            assignee_role: None,
            save_call_due: None,
            save_call_phone: None,
            receivable_unknown: false,
        }
    );
    assert_eq!(
        route("Professional", 100_001, true),
        CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Rob".into()),
            survey_link: None,
            assignee_role: None,
            // The test policy sets no save-call time: it is due with the first response.
            save_call_due: Some(first_response_due),
            save_call_phone: Some("+1 (555) 010-2030".into()),
            receivable_unknown: false,
        }
    );
    assert_eq!(
        route("SMB", 0, false),
        CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Spencer".into()),
            survey_link: None,
            assignee_role: None,
            save_call_due: Some(first_response_due),
            save_call_phone: Some("+1 (555) 010-2030".into()),
            receivable_unknown: false,
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
            note: "No fit for the budget".into(),
        },
    );
    let manager = actor(&[Role::Manager]);
    let finalize = CaseCommand::Finalize {
        effective_date: jiff::civil::date(2026, 12, 1),
        data_export_offered: false,
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
        case.run(&gone, acknowledge_by_call()),
        Err(CoreError::InactiveUser { .. })
    ));
    assert!(matches!(
        case.run(&actor(&[]), acknowledge_by_call()),
        Err(CoreError::RoleRequired { .. })
    ));
    case.ok(&am(), acknowledge_by_call());
    assert!(case.state().acknowledged_at.is_some());
}

// ---------------------------------------------------------------------------------------------
// Refunds, finalization details, what follows a cancellation, one-time codes.

fn refund_id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn request_refund(n: u128, minor: i64) -> CaseCommand {
    CaseCommand::RequestRefund {
        refund_id: refund_id(n),
        amount: usd(minor),
        justification: "Charged twice in November".into(),
        charged_on: None,
    }
}

fn billing() -> holdfast_core::workflow::Actor {
    person("heather", &[Role::Billing])
}

/// A verified case whose form came back and whose CSM engaged: only finalization is left.
fn ready_to_finalize(facts: AccountFacts) -> Case {
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
                ("reason".into(), "Too expensive".into()),
                ("signature".into(), "A. Silva".into()),
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
            note: "Budget is gone".into(),
        },
    );
    case
}

fn finalize_on(date: jiff::civil::Date) -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: date,
        data_export_offered: true,
    }
}

#[test]
fn a_refund_at_the_threshold_goes_straight_to_billing() {
    let mut case = Case::verified(policy(), account());
    let ana = person("ana", &[Role::AccountManager]);
    assert_eq!(
        case.ok(&ana, request_refund(1, 100_000)),
        vec![CaseEvent::RefundRequested {
            refund_id: refund_id(1),
            amount: usd(100_000),
            justification: "Charged twice in November".into(),
            requested_by: "ana".into(),
            under_review: false,
            billing_heads_up: false,
            customer_notice: MessageKind::RefundNotice,
            at: now(),
            charged_on: None,
            review_reasons: vec![],
        }]
    );
    let refund = &case.state().refunds[&refund_id(1)];
    assert_eq!(refund.status, RefundStatus::BillingInProgress);
    assert_eq!(case.state().refunds_total_minor, 100_000);
    assert_eq!(
        case.run(
            &billing(),
            CaseCommand::VerifyRefund {
                refund_id: refund_id(1)
            }
        ),
        Err(CoreError::invalid(
            "refund_id",
            "the refund is within the threshold and needs no verification"
        ))
    );
    // The test policy does not say who completes refunds: the roles that approve them do.
    assert!(matches!(
        case.run(
            &ana,
            CaseCommand::CompleteRefund {
                refund_id: refund_id(1)
            }
        ),
        Err(CoreError::RoleRequired {
            step: Step::CompleteRefund,
            ..
        })
    ));
    assert_eq!(
        case.ok(
            &billing(),
            CaseCommand::CompleteRefund {
                refund_id: refund_id(1)
            }
        ),
        vec![CaseEvent::RefundCompleted {
            refund_id: refund_id(1),
            amount: usd(100_000),
            completed_by: "heather".into(),
            at: now(),
            // The test procedure asks for no status check.
            status_check_due: None,
        }]
    );
    assert_eq!(
        case.state().refunds[&refund_id(1)].status,
        RefundStatus::Completed
    );
    assert_eq!(
        case.run(
            &billing(),
            CaseCommand::CompleteRefund {
                refund_id: refund_id(1)
            }
        ),
        Err(CoreError::invalid(
            "refund_id",
            "the refund was already completed"
        ))
    );
}

#[test]
fn a_refund_above_the_threshold_is_verified_by_a_second_person_before_billing_completes_it() {
    let mut case = Case::verified(policy(), account());
    let bea = person("bea", &[Role::Billing, Role::AccountManager]);
    let requested = case.ok(&bea, request_refund(7, 100_001));
    assert!(matches!(
        &requested[0],
        CaseEvent::RefundRequested {
            under_review: true,
            billing_heads_up: true,
            customer_notice: MessageKind::UnderReview,
            requested_by,
            ..
        } if requested_by == "bea"
    ));
    assert_eq!(
        case.state().refunds[&refund_id(7)].status,
        RefundStatus::UnderReview
    );
    let complete = || CaseCommand::CompleteRefund {
        refund_id: refund_id(7),
    };
    let verify = || CaseCommand::VerifyRefund {
        refund_id: refund_id(7),
    };
    assert_eq!(
        case.run(&billing(), complete()),
        Err(CoreError::GateNotMet {
            gate: Gate::RefundVerified
        })
    );
    assert_eq!(
        case.run(&bea, verify()),
        Err(CoreError::GateNotMet {
            gate: Gate::SecondVerifier
        })
    );
    // The same user written differently is not a second person.
    assert_eq!(
        case.run(&person(" BEA ", &[Role::Billing]), verify()),
        Err(CoreError::GateNotMet {
            gate: Gate::SecondVerifier
        })
    );
    assert!(matches!(
        case.run(&am(), verify()),
        Err(CoreError::RoleRequired {
            step: Step::ApproveRefund,
            ..
        })
    ));
    assert_eq!(
        case.ok(&billing(), verify()),
        vec![CaseEvent::RefundVerified {
            refund_id: refund_id(7),
            verified_by: "heather".into(),
            at: now(),
        }]
    );
    let refund = &case.state().refunds[&refund_id(7)];
    assert_eq!(refund.status, RefundStatus::BillingInProgress);
    assert_eq!(refund.verified_by.as_deref(), Some("heather"));
    assert_eq!(
        case.run(&billing(), verify()),
        Err(CoreError::invalid(
            "refund_id",
            "the refund is already verified"
        ))
    );
    // The requester, being billing staff, may process it once someone else verified it.
    case.ok(&bea, complete());
    assert_eq!(
        case.state().refunds[&refund_id(7)].status,
        RefundStatus::Completed
    );
}

#[test]
fn refunds_that_add_up_past_the_threshold_are_reviewed() {
    let mut case = Case::verified(policy(), account());
    let first = case.ok(&am(), request_refund(1, 60_000));
    assert!(matches!(
        &first[0],
        CaseEvent::RefundRequested {
            under_review: false,
            ..
        }
    ));
    let second = case.ok(&am(), request_refund(2, 60_000));
    assert!(
        matches!(
            &second[0],
            CaseEvent::RefundRequested {
                under_review: true,
                billing_heads_up: true,
                ..
            }
        ),
        "1200.00 on the case is above 1000.00, even in two parts"
    );
    // A denied refund no longer counts.
    case.ok(
        &billing(),
        CaseCommand::DenyRefund {
            refund_id: refund_id(2),
            reason: "Split from the first request".into(),
        },
    );
    assert_eq!(case.state().refunds_total_minor, 60_000);
    let third = case.ok(&am(), request_refund(3, 40_000));
    assert!(matches!(
        &third[0],
        CaseEvent::RefundRequested {
            under_review: false,
            ..
        }
    ));
    assert_eq!(case.state().refunds_total_minor, 100_000);
}

#[test]
fn refund_requests_are_checked() {
    let mut unverified = Case::received(policy(), account());
    assert_eq!(
        unverified.run(&am(), request_refund(1, 1_000)),
        Err(CoreError::GateNotMet {
            gate: Gate::IdentityVerified
        })
    );

    let mut case = Case::verified(policy(), account());
    for minor in [0, -500] {
        assert_eq!(
            case.run(&am(), request_refund(1, minor)),
            Err(CoreError::invalid("amount", "must be more than zero"))
        );
    }
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::RequestRefund {
                refund_id: refund_id(1),
                amount: Money::new(1_000, Currency::parse("EUR").unwrap()),
                justification: "x".into(),
                charged_on: None,
            }
        ),
        Err(CoreError::invalid("amount", "must be in USD"))
    );
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::RequestRefund {
                refund_id: refund_id(1),
                amount: usd(1_000),
                justification: "  ".into(),
                charged_on: None,
            }
        ),
        Err(CoreError::invalid(
            "justification",
            "say why the customer is entitled to the refund"
        ))
    );
    case.ok(&am(), request_refund(1, i64::MAX));
    assert_eq!(
        case.run(&am(), request_refund(1, 1)),
        Err(CoreError::invalid(
            "refund_id",
            "a refund with this id was already requested"
        ))
    );
    assert_eq!(
        case.run(&am(), request_refund(2, 1)),
        Err(CoreError::invalid(
            "amount",
            "the case's refunds would be too large to count"
        ))
    );
    assert_eq!(case.state().refunds_total_minor, i64::MAX);
    assert_eq!(
        case.run(
            &billing(),
            CaseCommand::CompleteRefund {
                refund_id: refund_id(9)
            }
        ),
        Err(CoreError::invalid(
            "refund_id",
            "no refund with this id was requested on this case"
        ))
    );
}

#[test]
fn a_denied_refund_says_why_and_is_settled() {
    let mut case = Case::verified(policy(), account());
    case.ok(&am(), request_refund(1, 250_000));
    let deny = |reason: &str| CaseCommand::DenyRefund {
        refund_id: refund_id(1),
        reason: reason.into(),
    };
    assert_eq!(
        case.run(&billing(), deny(" ")),
        Err(CoreError::invalid(
            "reason",
            "say why the refund is denied; the customer is told"
        ))
    );
    assert!(matches!(
        case.run(&am(), deny("Outside the 90-day window")),
        Err(CoreError::RoleRequired { .. })
    ));
    assert_eq!(
        case.ok(&billing(), deny(" Outside the 90-day window ")),
        vec![CaseEvent::RefundDenied {
            refund_id: refund_id(1),
            reason: "Outside the 90-day window".into(),
            denied_by: "heather".into(),
            at: now(),
        }]
    );
    assert_eq!(
        case.state().refunds[&refund_id(1)].status,
        RefundStatus::Denied
    );
    assert_eq!(case.state().refunds_total_minor, 0);
    for command in [
        deny("again"),
        CaseCommand::VerifyRefund {
            refund_id: refund_id(1),
        },
        CaseCommand::CompleteRefund {
            refund_id: refund_id(1),
        },
    ] {
        assert_eq!(
            case.run(&billing(), command),
            Err(CoreError::invalid("refund_id", "the refund was denied"))
        );
    }
}

#[test]
fn finalization_waits_for_open_refunds() {
    let mut case = ready_to_finalize(account());
    case.ok(&am(), request_refund(1, 150_000));
    let manager = actor(&[Role::Manager]);
    let finalize = finalize_on(jiff::civil::date(2026, 12, 31));
    assert_eq!(
        case.run(&manager, finalize.clone()),
        Err(CoreError::invalid(
            "refund_id",
            "a refund is still under review or with billing; complete or deny it first"
        ))
    );
    case.ok(
        &person("bill", &[Role::Billing]),
        CaseCommand::VerifyRefund {
            refund_id: refund_id(1),
        },
    );
    assert!(case.run(&manager, finalize.clone()).is_err());
    case.ok(
        &billing(),
        CaseCommand::CompleteRefund {
            refund_id: refund_id(1),
        },
    );
    case.ok(&manager, finalize);
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn finalization_records_the_checklist_and_the_prorated_refund() {
    let manager = actor(&[Role::Manager]);
    let mut case = ready_to_finalize(account());
    // 310.00 for December; from December 22, 10 of its 31 days are unused.
    case.ok(
        &manager,
        CaseCommand::Finalize {
            effective_date: jiff::civil::date(2026, 12, 22),
            data_export_offered: false,
        },
    );
    assert_eq!(
        case.state().finalization,
        Some(Finalization {
            effective_date: jiff::civil::date(2026, 12, 22),
            billing_cessation_date: None,
            prorated_refund: Some(usd(10_000)),
            data_export_offered: false,
            api_access_revoked: false,
        })
    );

    // Without a price or a billing period there is nothing to prorate.
    let mut unknown = account();
    unknown.billing_period_end = None;
    let mut case = ready_to_finalize(unknown);
    let finalized = case.ok(&manager, finalize_on(jiff::civil::date(2026, 12, 22)));
    assert!(matches!(
        &finalized[0],
        CaseEvent::Finalized {
            prorated_refund: None,
            api_access_revoked: false,
            data_export_offered: false,
            billing_cessation_date: None,
            ..
        }
    ));

    // Facts that contradict themselves are refused, not prorated to zero.
    let mut euros = account();
    euros.plan_price = Some(Money::new(31_000, Currency::parse("EUR").unwrap()));
    assert_eq!(
        ready_to_finalize(euros).run(&manager, finalize_on(jiff::civil::date(2026, 12, 22))),
        Err(CoreError::invalid("plan_price", "must be in USD"))
    );
    let mut backwards = account();
    backwards.billing_period_end = Some(jiff::civil::date(2026, 11, 1));
    assert_eq!(
        ready_to_finalize(backwards).run(&manager, finalize_on(jiff::civil::date(2026, 12, 22))),
        Err(CoreError::invalid(
            "billing_period_end",
            "must be after the start of the billing period"
        ))
    );
}

#[test]
fn only_confirmation_feedback_and_win_back_follow_a_cancellation() {
    let mut case = ready_to_finalize(account());
    let confirm = |channel| CaseCommand::ConfirmCancellation { channel };
    assert!(matches!(
        case.run(&am(), confirm(PreferredChannel::Email)),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::InProgress,
            command: "confirm the cancellation of"
        })
    ));
    assert!(matches!(
        case.run(&am(), CaseCommand::ScheduleWinBack),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::InProgress,
            ..
        })
    ));
    case.ok(
        &actor(&[Role::Manager]),
        finalize_on(jiff::civil::date(2026, 12, 31)),
    );

    assert_eq!(
        case.run(&am(), confirm(PreferredChannel::Phone)),
        Err(CoreError::invalid(
            "channel",
            "must be the customer's preferred channel, email"
        ))
    );
    assert_eq!(
        case.ok(&am(), confirm(PreferredChannel::Email)),
        vec![CaseEvent::CancellationConfirmed {
            channel: PreferredChannel::Email,
            at: now(),
        }]
    );
    assert_eq!(case.state().confirmed_on, Some(PreferredChannel::Email));
    assert_eq!(
        case.run(&am(), confirm(PreferredChannel::Email)),
        Err(CoreError::invalid(
            "channel",
            "the cancellation was already confirmed"
        ))
    );

    assert_eq!(
        case.run(
            &am(),
            CaseCommand::RecordFeedback {
                text: " ".into(),
                survey_link: None
            }
        ),
        Err(CoreError::invalid(
            "text",
            "write down what the customer said, or that they gave no feedback"
        ))
    );
    case.ok(
        &am(),
        CaseCommand::RecordFeedback {
            text: "Found a cheaper tool".into(),
            survey_link: Some("https://survey.example.com/us-east".into()),
        },
    );
    assert!(case.state().feedback_recorded);

    // December 31 plus 6 months is the last day of June.
    let expected = vec![
        jiff::civil::date(2027, 3, 31),
        jiff::civil::date(2027, 6, 30),
        jiff::civil::date(2027, 12, 31),
    ];
    assert_eq!(
        case.ok(&am(), CaseCommand::ScheduleWinBack),
        vec![CaseEvent::WinBackScheduled {
            check_ins: expected.clone(),
            // The case's owner: the CSM it was escalated to.
            assignee: Some("Carla".into()),
        }]
    );
    assert_eq!(case.state().win_back_check_ins, Some(expected));
    assert_eq!(
        case.run(&am(), CaseCommand::ScheduleWinBack),
        Err(CoreError::invalid(
            "win_back",
            "the win-back check-ins are already scheduled"
        ))
    );

    // Nothing else: not a refund, not an offer, not a second finalization.
    for command in [
        request_refund(1, 100),
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(10),
                ..Default::default()
            },
        },
        CaseCommand::Withdraw {
            note: String::new(),
        },
        finalize_on(jiff::civil::date(2026, 12, 31)),
    ] {
        assert!(matches!(
            case.run(&actor(&[Role::Manager]), command),
            Err(CoreError::InvalidTransition {
                from: CaseStatus::Cancelled,
                ..
            })
        ));
    }
}

#[test]
fn confirmation_needs_a_preferred_channel_and_win_back_a_schedule() {
    let mut facts = account();
    facts.preferred_channel = None;
    let mut case = ready_to_finalize(facts);
    case.policy.win_back_months.clear();
    case.ok(
        &actor(&[Role::Manager]),
        finalize_on(jiff::civil::date(2026, 12, 31)),
    );
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Email
            }
        ),
        Err(CoreError::invalid(
            "channel",
            "the account has no preferred channel on file"
        ))
    );
    assert_eq!(
        case.run(&am(), CaseCommand::ScheduleWinBack),
        Err(CoreError::invalid(
            "win_back",
            "this policy has no win-back schedule"
        ))
    );

    // A saved case is closed to them too.
    let mut saved = Case::verified(policy(), account());
    saved.ok(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "discount".into(),
            terms: OfferProposal {
                percent: Some(10),
                months: Some(3),
                ..Default::default()
            },
        },
    );
    saved.ok(&am(), CaseCommand::AcceptOffer);
    assert!(matches!(
        saved.run(
            &am(),
            CaseCommand::RecordFeedback {
                text: "Happy now".into(),
                survey_link: None
            }
        ),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::Saved,
            ..
        })
    ));
}

#[test]
fn a_one_time_code_verifies_the_identity_and_locks_after_the_allowed_wrong_tries() {
    let mut case = Case::received(policy(), account());
    let send = |code: &str, contact: &str| CaseCommand::SendOneTimeCode {
        code: OneTimeCode::typed(code),
        contact: contact.into(),
    };
    let enter = |code: &str| CaseCommand::EnterOneTimeCode {
        code: OneTimeCode::typed(code),
    };
    assert_eq!(
        case.run(&am(), enter("123456")),
        Err(CoreError::invalid(
            "code",
            "no one-time code has been sent; send one first"
        ))
    );
    assert_eq!(
        case.run(&am(), send("123456", "eve@example.com")),
        Err(CoreError::invalid(
            "contact",
            "must be the e-mail address or phone number on file, not one the requester gave"
        ))
    );
    assert_eq!(
        case.run(&am(), send("12345", "ana@acme.io")),
        Err(CoreError::invalid("code", "a code sent is 6 to 12 digits")),
        "a code too short to survive guessing is not sent"
    );
    assert_eq!(
        case.ok(&am(), send("123456", " 1-555-010-2030 ")),
        vec![CaseEvent::OneTimeCodeSent {
            code_digest: case.code_digest("123456"),
            key: Some(common::code_key().id().to_owned()),
            contact: "1-555-010-2030".into(),
            expires_at: "2026-11-24T15:10:00Z".parse().unwrap(),
            at: now(),
        }]
    );
    // A wrong code is kept as a failed attempt; the third one locks the code.
    assert_eq!(
        case.ok(&am(), enter("000000")),
        vec![CaseEvent::OneTimeCodeRejected {
            attempt: 1,
            locked: false,
            at: now(),
        }]
    );
    case.ok(&am(), enter("111111"));
    assert_eq!(
        case.ok(&am(), enter("222222")),
        vec![CaseEvent::OneTimeCodeRejected {
            attempt: 3,
            locked: true,
            at: now(),
        }]
    );
    assert!(!case.state().identity_verified);
    assert_eq!(
        case.run(&am(), enter("123456")),
        Err(CoreError::invalid(
            "code",
            "the code is locked after too many wrong tries; send a new code"
        ))
    );

    // A new code replaces the locked one; it is verified as typed, blanks and dashes aside.
    case.ok(&am(), send("654321", "ANA@acme.io"));
    assert_eq!(
        case.state().one_time_code.as_ref().unwrap().failed_attempts,
        0
    );
    assert_eq!(
        case.ok(&am(), enter("654 321")),
        vec![CaseEvent::IdentityVerified {
            method: VerificationMethod::OneTimeCode,
            contact_used: Some("ANA@acme.io".into()),
            evidence: "Entered the one-time code sent to ANA@acme.io".into(),
            at: now(),
            provisional: false,
        }]
    );
    assert!(case.state().identity_verified);
    assert_eq!(case.state().one_time_code, None);
    assert_eq!(
        case.run(&am(), send("777777", "ana@acme.io")),
        Err(CoreError::invalid(
            "method",
            "the identity is already verified"
        ))
    );
}

#[test]
fn a_code_is_checked_only_under_the_key_that_sealed_it_and_a_desk_accepts_it_provisionally() {
    let mut case = Case::received(policy(), account());
    let case_id = case.state().id;
    // The team's server sealed the code it sent; the desk's key is another.
    let server = CodeKey::new("server", [7; 32]);
    let device = common::code_key();
    let sent = server
        .seal(case_id, &common::send_code("482913", "ana@acme.io"))
        .unwrap();
    case.run_unsealed(&am(), &sent).unwrap();
    let recorded = case.state().one_time_code.clone().unwrap();
    assert_eq!(recorded.key.as_deref(), Some(server.id()));
    assert_ne!(
        recorded.code_digest,
        case.code_digest("482913"),
        "the desk's key cannot reproduce the server's digest"
    );

    // A decider holding another key refuses to judge it rather than call it wrong.
    assert_eq!(
        case.run(&am(), common::enter_code("482913")),
        Err(CoreError::invalid(
            "code",
            "this code was sent under another key (before an update, or before the key \
             changed) and cannot be checked; send a new code"
        ))
    );

    // A desk predicting its server accepts any well-formed code provisionally...
    let mut desk = Case {
        policy: case.policy.clone(),
        account: case.account.clone(),
        state: case.state.clone(),
        events: Vec::new(),
    };
    let predicted = device
        .seal_predicting(case_id, desk.state.as_ref(), &common::enter_code("000000"))
        .unwrap();
    assert_eq!(
        predicted,
        CaseCommand::EnterOneTimeCode {
            code: OneTimeCode::Unchecked
        }
    );
    let provisional = desk.run_unsealed(&am(), &predicted).unwrap();
    assert!(matches!(
        provisional.as_slice(),
        [CaseEvent::IdentityVerified {
            provisional: true,
            ..
        }]
    ));
    assert!(desk.state().identity_verified && desk.state().identity_provisional);
    // ...but not a malformed one.
    assert!(device
        .seal_predicting(case_id, desk.state.as_ref(), &common::enter_code("12;--"))
        .is_err());

    // The server, checking the typed code itself, records the wrong one and verifies the right one.
    let wrong = server.seal(case_id, &common::enter_code("000000")).unwrap();
    assert!(matches!(
        case.run_unsealed(&am(), &wrong).unwrap().as_slice(),
        [CaseEvent::OneTimeCodeRejected { attempt: 1, .. }]
    ));
    let right = server
        .seal(case_id, &common::enter_code("482-913"))
        .unwrap();
    assert!(matches!(
        case.run_unsealed(&am(), &right).unwrap().as_slice(),
        [CaseEvent::IdentityVerified {
            provisional: false,
            ..
        }]
    ));
    assert!(case.state().identity_verified && !case.state().identity_provisional);
}

#[test]
fn a_one_time_code_expires() {
    let mut case = Case::received(policy(), account());
    case.ok(
        &am(),
        CaseCommand::SendOneTimeCode {
            code: OneTimeCode::typed("123456"),
            contact: "ana@acme.io".into(),
        },
    );
    let enter = || CaseCommand::EnterOneTimeCode {
        code: OneTimeCode::typed("123456"),
    };
    let ten_minutes_later: jiff::Timestamp = "2026-11-24T15:10:00Z".parse().unwrap();
    assert_eq!(
        case.run_at(&am(), enter(), ten_minutes_later),
        Err(CoreError::invalid(
            "code",
            "the code has expired; send a new code"
        ))
    );
    let just_before: jiff::Timestamp = "2026-11-24T15:09:59Z".parse().unwrap();
    case.run_at(&am(), enter(), just_before).unwrap();
    assert!(case.state().identity_verified);
}

#[test]
fn one_time_codes_need_a_policy_that_accepts_them() {
    let mut case = Case::received(policy(), account());
    // Entering the code is the only way to verify by one.
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::OneTimeCode,
                contact_used: Some("ana@acme.io".into()),
                evidence: "Read the code back".into(),
            }
        ),
        Err(CoreError::invalid(
            "method",
            "a one-time code is verified by entering the code sent to the customer"
        ))
    );
    case.policy
        .identity
        .methods
        .retain(|method| *method != VerificationMethod::OneTimeCode);
    for command in [
        CaseCommand::SendOneTimeCode {
            code: OneTimeCode::typed("123456"),
            contact: "ana@acme.io".into(),
        },
        CaseCommand::EnterOneTimeCode {
            code: OneTimeCode::typed("123456"),
        },
    ] {
        assert_eq!(
            case.run(&am(), command),
            Err(CoreError::invalid(
                "method",
                "this policy does not accept one-time codes"
            ))
        );
    }
}

#[test]
fn new_commands_and_events_read_back_and_an_older_finalize_still_reads() {
    let older: CaseCommand =
        serde_json::from_str(r#"{"command":"finalize","effective_date":"2026-12-31"}"#).unwrap();
    assert_eq!(
        older,
        CaseCommand::Finalize {
            effective_date: jiff::civil::date(2026, 12, 31),
            data_export_offered: false,
        }
    );
    let mut case = ready_to_finalize(account());
    case.ok(&am(), request_refund(1, 150_000));
    case.ok(
        &person("bill", &[Role::Billing]),
        CaseCommand::VerifyRefund {
            refund_id: refund_id(1),
        },
    );
    case.ok(
        &billing(),
        CaseCommand::CompleteRefund {
            refund_id: refund_id(1),
        },
    );
    case.ok(
        &actor(&[Role::Manager]),
        finalize_on(jiff::civil::date(2026, 12, 31)),
    );
    case.ok(&am(), CaseCommand::ScheduleWinBack);
    for event in &case.events {
        let json = serde_json::to_string(event).unwrap();
        assert_eq!(&serde_json::from_str::<CaseEvent>(&json).unwrap(), event);
    }
    let json = serde_json::to_value(&case.events[case.events.len() - 2]).unwrap();
    assert_eq!(json["kind"], "finalized");
    assert_eq!(json["prorated_refund"]["minor"], 1_000);
    // Nothing the finalization did not do is recorded.
    assert_eq!(json.get("api_access_revoked"), None);
    assert_eq!(json.get("data_export_offered"), None);
    assert_eq!(json.get("billing_cessation_date"), None);
    // An older finalization, which recorded them, still reads.
    let older: CaseEvent = serde_json::from_str(
        r#"{"kind":"finalized","effective_date":"2026-12-31","billing_cessation_date":"2026-12-31","prorated_refund":null,"data_export_offered":true,"api_access_revoked":true}"#,
    )
    .unwrap();
    assert_eq!(
        older,
        CaseEvent::Finalized {
            effective_date: jiff::civil::date(2026, 12, 31),
            billing_cessation_date: Some(jiff::civil::date(2026, 12, 31)),
            prorated_refund: None,
            data_export_offered: true,
            api_access_revoked: true,
        }
    );
}
