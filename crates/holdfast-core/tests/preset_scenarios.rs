//! One path through each procedure, on its real preset: the events and errors a user meets.

mod common;

use std::collections::BTreeMap;

use common::{actor, am, confirmation_message, confirmation_sent, now, person, usd, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::case::CaseStatus;
use holdfast_core::error::Gate;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, MessageKind, Policy, Route, Step, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    AccountFacts, CaseCommand, CaseEvent, OfferProposal, OneTimeCode, RefundStatus, RepStatus,
};
use holdfast_core::CoreError;
use jiff::civil::date;
use uuid::Uuid;

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
        original_sales_rep_status: RepStatus::Active,
        unpaid_invoices: 0,
        offers_granted: Vec::new(),
        preferred_channel: Some(PreferredChannel::Email),
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_name: Some("Acme Inc".into()),
        contact_name: Some("Ana Silva".into()),
        total_collected: Some(usd(1_240_000)),
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
    // The customer prefers to hear from us by phone.
    let mut facts = account(&tier, 0);
    facts.preferred_channel = Some(PreferredChannel::Phone);
    let mut case = Case::verified(policy, facts);
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
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "Hiring budget cut".into(),
            pain_points: vec![],
        },
    );
    case.confirm_checklist_before(&manager);
    assert_eq!(
        case.ok(&manager, finalize()),
        vec![CaseEvent::Finalized {
            effective_date: jiff::civil::date(2026, 12, 31),
            billing_cessation_date: None,
            prorated_refund: None,
            data_export_offered: false,
            api_access_revoked: false,
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Cancelled);
}

#[test]
fn wootrecruit_confirms_on_the_preferred_channel_then_asks_for_feedback() {
    let policy = preset(include_str!("../../../policies/wootrecruit.toml"));
    let tier = policy.tiers[0].clone();
    let fields = policy.form.as_ref().unwrap().fields.clone();
    let mut facts = account(&tier, 0);
    facts.preferred_channel = Some(PreferredChannel::Phone);
    let mut case = Case::verified(policy, facts);
    case.ok(
        &am(),
        CaseCommand::SendForm {
            how: "e-mail".into(),
        },
    );
    case.ok(
        &am(),
        CaseCommand::ReceiveForm {
            fields: fields
                .iter()
                .map(|f| (f.clone(), "filled".into()))
                .collect(),
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
            note: "No fit".into(),
        },
    );
    // Not before the cancellation is processed.
    assert!(matches!(
        case.run(
            &am(),
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Phone
            }
        ),
        Err(CoreError::InvalidTransition {
            from: CaseStatus::InProgress,
            ..
        })
    ));
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "Hiring budget cut".into(),
            pain_points: vec![],
        },
    );
    case.confirm_checklist_before(&am());
    case.ok(&am(), finalize());

    // "Confirm the cancellation with the customer via their preferred communication method."
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Email
            }
        ),
        Err(CoreError::invalid(
            "channel",
            "must be the customer's preferred channel, phone"
        ))
    );
    // The confirmation is the confirmation message on that channel, not a bare tick.
    assert_eq!(
        case.run(
            &am(),
            CaseCommand::ConfirmCancellation {
                channel: PreferredChannel::Phone
            }
        ),
        Err(CoreError::invalid(
            "channel",
            "record the confirmation message sent on phone first; recording it confirms the cancellation"
        ))
    );
    assert_eq!(
        case.ok(&am(), confirmation_message(PreferredChannel::Phone)),
        confirmation_sent(PreferredChannel::Phone, now())
    );
    // "Request feedback from the customer regarding their experience."
    assert_eq!(
        case.ok(
            &am(),
            CaseCommand::RecordFeedback {
                text: "  The sourcing features did not fit our hiring volume. ".into(),
                survey_link: None,
            }
        ),
        vec![CaseEvent::FeedbackRecorded {
            text: "The sourcing features did not fit our hiring volume.".into(),
            survey_link: None,
            at: now(),
        }]
    );
    let state = case.state();
    assert_eq!(state.confirmed_on, Some(PreferredChannel::Phone));
    assert!(state.feedback_recorded);
    assert_eq!(state.status, CaseStatus::Cancelled);
    // WootRecruit has no win-back schedule.
    assert!(case.run(&am(), CaseCommand::ScheduleWinBack).is_err());
}

#[test]
fn the_2017_sop_reviews_refunds_above_1000_with_a_second_verifier() {
    let sop = || {
        preset(include_str!(
            "../../../policies/account-cancellation-2017.toml"
        ))
    };
    let agent = person("sam", &[Role::AccountManager]);
    let heather = person("heather", &[Role::Billing]);
    let id = |n| Uuid::from_u128(n);

    // $1000 or less: note it, justify it, tell the customer a credit will be processed, and hand
    // it to billing as "billing in progress"; Heather issues it.
    let mut case = Case::received(sop(), account("SMB", 0));
    assert_eq!(
        case.ok(
            &agent,
            CaseCommand::RequestRefund {
                refund_id: id(1),
                amount: usd(100_000),
                justification: "Billed after the downgrade".into(),
                charged_on: None,
            },
        ),
        vec![CaseEvent::RefundRequested {
            refund_id: id(1),
            amount: usd(100_000),
            justification: "Billed after the downgrade".into(),
            requested_by: "sam".into(),
            under_review: false,
            billing_heads_up: false,
            customer_notice: MessageKind::RefundNotice,
            at: now(),
            charged_on: None,
            review_reasons: vec![],
        }]
    );
    assert_eq!(
        case.state().refunds[&id(1)].status,
        RefundStatus::BillingInProgress
    );
    case.ok(&heather, CaseCommand::CompleteRefund { refund_id: id(1) });
    assert_eq!(case.state().refunds[&id(1)].status, RefundStatus::Completed);

    // Over $1000: the customer is told it is being reviewed, billing gets the notes and a
    // heads-up, and someone other than the requester verifies it before it is processed.
    let mut case = Case::received(sop(), account("SMB", 0));
    let big = case.ok(
        &heather,
        CaseCommand::RequestRefund {
            refund_id: id(2),
            amount: usd(150_000),
            justification: "Annual prepayment, cancelled in month two".into(),
            charged_on: None,
        },
    );
    assert!(matches!(
        &big[0],
        CaseEvent::RefundRequested {
            under_review: true,
            billing_heads_up: true,
            customer_notice: MessageKind::UnderReview,
            requested_by,
            ..
        } if requested_by == "heather"
    ));
    assert_eq!(
        case.run(&heather, CaseCommand::CompleteRefund { refund_id: id(2) }),
        Err(CoreError::GateNotMet {
            gate: Gate::RefundVerified
        })
    );
    assert_eq!(
        case.run(&heather, CaseCommand::VerifyRefund { refund_id: id(2) }),
        Err(CoreError::GateNotMet {
            gate: Gate::SecondVerifier
        })
    );
    // Only billing reviews refunds in this SOP.
    assert!(matches!(
        case.run(&agent, CaseCommand::VerifyRefund { refund_id: id(2) }),
        Err(CoreError::RoleRequired {
            step: Step::ApproveRefund,
            ..
        })
    ));
    case.ok(
        &person("hank", &[Role::Billing]),
        CaseCommand::VerifyRefund { refund_id: id(2) },
    );
    case.ok(&heather, CaseCommand::CompleteRefund { refund_id: id(2) });
    let refund = &case.state().refunds[&id(2)];
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.verified_by.as_deref(), Some("hank"));
    assert_eq!(case.state().refunds_total_minor, 150_000);
}

#[test]
fn intelliserve_finalization_prorates_the_refund_and_schedules_win_back() {
    let policy = preset(include_str!("../../../policies/intelliserve.toml"));
    let tier = policy.tiers[0].clone();
    let mut facts = account(&tier, 0);
    // 99.00 a month, billed for December 2026.
    facts.plan_price = Some(usd(9_900));
    facts.billing_period_start = Some(date(2026, 12, 1));
    facts.billing_period_end = Some(date(2027, 1, 1));
    let mut case = Case::received(policy, facts);

    // Identity by a one-time code sent to the e-mail address on file.
    case.ok(
        &am(),
        CaseCommand::SendOneTimeCode {
            code: OneTimeCode::typed("482913"),
            contact: "ana@acme.io".into(),
        },
    );
    assert!(matches!(
        &case.ok(
            &am(),
            CaseCommand::EnterOneTimeCode {
                code: OneTimeCode::typed("482931")
            }
        )[0],
        CaseEvent::OneTimeCodeRejected {
            attempt: 1,
            locked: false,
            ..
        }
    ));
    assert!(matches!(
        &case.ok(
            &am(),
            CaseCommand::EnterOneTimeCode {
                code: OneTimeCode::typed("482913")
            }
        )[0],
        CaseEvent::IdentityVerified {
            method: VerificationMethod::OneTimeCode,
            ..
        }
    ));

    // Retention failed: the reason, its mitigations tried, and no offer would do.
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "low_usage".into(),
            details: "Only one team used it".into(),
            pain_points: vec![],
        },
    );
    case.ok(&am(), CaseCommand::Route);
    case.ok(
        &am(),
        CaseCommand::RecordRetentionOutcome {
            retained: false,
            note: "The team is disbanded; no offer would keep them".into(),
            mitigations_tried: vec!["Suggest use cases they may not have considered".into()],
        },
    );
    // Retention failed; the cancellation takes effect on December 16: 16 of December's 31 days
    // are unused, 99.00 × 16 / 31 = 51.096..., so 51.09.
    case.confirm_checklist_before(&am());
    case.ok(
        &am(),
        CaseCommand::Finalize {
            effective_date: date(2026, 12, 16),
            data_export_offered: true,
        },
    );
    assert_eq!(
        case.events.last(),
        Some(&CaseEvent::Finalized {
            effective_date: date(2026, 12, 16),
            billing_cessation_date: None,
            prorated_refund: Some(usd(5_109)),
            data_export_offered: false,
            api_access_revoked: false,
        })
    );

    // 6.1 confirmation e-mail, 6.2 exit survey, 11.1 reactivation follow-ups at 3, 6, 12 months.
    case.ok(&am(), confirmation_message(PreferredChannel::Email));
    assert_eq!(case.state().confirmed_on, Some(PreferredChannel::Email));
    case.ok(
        &am(),
        CaseCommand::RecordFeedback {
            text: "Moved to a cheaper competitor".into(),
            survey_link: Some("https://example.com/intelliserve/exit-survey".into()),
        },
    );
    assert_eq!(
        case.ok(&am(), CaseCommand::ScheduleWinBack),
        vec![CaseEvent::WinBackScheduled {
            check_ins: vec![date(2027, 3, 16), date(2027, 6, 16), date(2027, 12, 16)],
            assignee: Some(am().user_id),
        }]
    );
    assert!(case.run(&am(), CaseCommand::ScheduleWinBack).is_err());
}

#[test]
fn the_2017_sop_routes_to_the_fallback_when_the_rep_has_left() {
    let policy = preset(include_str!(
        "../../../policies/account-cancellation-2017.toml"
    ));
    let mut facts = account("Professional 2A", 0);
    facts.original_sales_rep_status = RepStatus::Left;
    let mut case = Case::received(policy.clone(), facts);
    assert_eq!(
        case.ok(&am(), CaseCommand::Route),
        vec![CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Spencer".into()),
            survey_link: None,
            assignee_role: None,
            save_call_due: Some("2026-11-25T15:00:00Z".parse().unwrap()),
            save_call_phone: Some("+1 555 010 2030".into()),
            receivable_unknown: false,
        }]
    );
    // A Professional account owing more than $1000 gets a save call from its own rep.
    let mut case = Case::received(policy.clone(), account("Professional", 150_000));
    assert_eq!(
        case.ok(&am(), CaseCommand::Route),
        vec![CaseEvent::Routed {
            route: Route::SaveCall,
            assignee: Some("Rob Reyes".into()),
            survey_link: None,
            assignee_role: None,
            save_call_due: Some("2026-11-25T15:00:00Z".parse().unwrap()),
            save_call_phone: Some("+1 555 010 2030".into()),
            receivable_unknown: false,
        }]
    );
    // Owing $1000 or less, it gets the sympathetic reply with the exit-interview link.
    let mut case = Case::received(policy, account("Professional", 100_000));
    assert!(matches!(
        &case.ok(&am(), CaseCommand::Route)[0],
        CaseEvent::Routed {
            route: Route::SympatheticReply,
            assignee: None,
            survey_link: Some(_),
            ..
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
    case.ok(
        &am(),
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "Hiring budget cut".into(),
            pain_points: vec![],
        },
    );
    case.ok(&am(), CaseCommand::Route);
    case.ok(
        &manager,
        CaseCommand::RecordRetentionOutcome {
            retained: false,
            note: "Closing the business; nothing to offer".into(),
            mitigations_tried: Vec::new(),
        },
    );
    // "Both steps must be completed": the suspension in Billsbee is confirmed by the manager.
    assert_eq!(
        case.run(&manager, finalize()),
        Err(CoreError::ChecklistItemOpen {
            item_id: "services_suspended".into(),
            label: "Services suspended in Billsbee".into(),
        })
    );
    case.confirm_checklist_before(&manager);
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
    // 12% is not one of 10 or 15, and the procedure names no one who may approve more.
    let odd = case.run(
        &am(),
        CaseCommand::ProposeOffer {
            offer_id: "order_discount".into(),
            terms: OfferProposal {
                percent: Some(12),
                ..Default::default()
            },
        },
    );
    assert!(matches!(odd, Err(CoreError::OfferLimitExceeded { .. })));
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

#[test]
fn billsbee_only_a_manager_records_the_retention_outcome_and_a_kept_client_is_saved() {
    let policy = preset(include_str!("../../../policies/billsbee.toml"));
    let tier = policy.tiers[0].clone();
    let mut case = Case::received(policy, account(&tier, 0));
    let outcome = |retained| CaseCommand::RecordRetentionOutcome {
        retained,
        note: "Talked it through".into(),
        mitigations_tried: Vec::new(),
    };
    assert_eq!(
        case.run(&actor(&[Role::Manager]), outcome(true)),
        Err(CoreError::invalid(
            "case",
            "route the case first: the retention attempt follows its route"
        ))
    );
    assert!(matches!(
        &case.ok(&am(), CaseCommand::Route)[0],
        CaseEvent::Routed {
            route: Route::ManagerRetention,
            ..
        }
    ));
    assert_eq!(
        case.run(&am(), outcome(true)),
        Err(CoreError::RoleRequired {
            step: Step::RecordRetentionOutcome,
            needed: vec![Role::Manager]
        })
    );
    assert_eq!(
        case.ok(&actor(&[Role::Manager]), outcome(true)),
        vec![CaseEvent::RetentionOutcomeRecorded {
            retained: true,
            note: "Talked it through".into(),
            mitigations_tried: Vec::new(),
        }]
    );
    assert_eq!(case.state().status, CaseStatus::Saved);
}
