//! The account page's history and the offer and refund queues, from real commands through the
//! store: every offer and refund with who took each step, only this account's cases, and the
//! queues following the work.

mod common;

use common::{draft, now, Fixture};
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand, OfferProposal};
use holdfast_store::account_history::{OfferOutcome, RefundProgress};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::queues::{Queue, QueueViewer};
use holdfast_store::{Database, StoreError};
use uuid::Uuid;

fn person(name: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: name.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

fn amy() -> Actor {
    person("amy", &[Role::AccountManager])
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

fn account_named(db: &Database, name: &str) -> Uuid {
    db.accounts(&AccountQuery {
        search: Some(name.into()),
        ..Default::default()
    })
    .unwrap()
    .items[0]
        .id
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
        // The profile's policy names the offers and reasons on the account's page.
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

    /// A case on `account`, its requester's identity verified by the e-mail on file.
    fn verified_case(&mut self, account: &str, external_id: &str) -> Uuid {
        let case_id = Uuid::now_v7();
        let account_id = account_named(&self.fixture.db, account);
        self.run(
            case_id,
            CaseCommand::Receive {
                case_id,
                account_id,
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: format!("{external_id}@example.com"),
                received_at: None,
            },
            &amy(),
        );
        self.run(
            case_id,
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some(format!("{external_id}@example.com")),
                evidence: "Reply from the address on file".into(),
            },
            &amy(),
        );
        case_id
    }

    fn discount(&mut self, case_id: Uuid, percent: u32) {
        self.run(
            case_id,
            CaseCommand::ProposeOffer {
                offer_id: "discount".into(),
                terms: OfferProposal {
                    percent: Some(percent),
                    months: Some(2),
                    amount: None,
                    note: format!("{percent}% off"),
                },
            },
            &amy(),
        );
    }

    fn queue(&self, queue: Queue) -> Vec<Uuid> {
        self.fixture
            .db
            .queue(queue, &QueueViewer::named("amy"))
            .unwrap()
            .into_iter()
            .map(|item| item.case.id)
            .collect()
    }
}

#[test]
fn the_account_page_lists_its_cases_offers_and_refunds_with_who_and_when() {
    let mut desk = Desk::new();
    let max = person("max", &[Role::Manager]);
    let bill = person("bill", &[Role::Manager, Role::Billing]);

    // Case 1: a discount beyond the limits, approved by a manager, accepted: the customer stays.
    let first = desk.verified_case("Acme", "a-1");
    desk.run(
        first,
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "Budget cut".into(),
            pain_points: vec![],
        },
        &amy(),
    );
    desk.discount(first, 30);
    desk.run(first, CaseCommand::ApproveOffer, &max);
    desk.run(first, CaseCommand::AcceptOffer, &amy());

    // Case 2: a discount inside the limits, declined; one refund above the 500.00 threshold that
    // a second person verifies and billing completes, one below it that is denied.
    let second = desk.verified_case("Acme", "a-1");
    desk.discount(second, 10);
    desk.run(second, CaseCommand::DeclineOffer, &amy());
    let large = Uuid::now_v7();
    desk.run(
        second,
        CaseCommand::RequestRefund {
            refund_id: large,
            amount: usd(60_000),
            justification: "Charged twice".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    desk.run(second, CaseCommand::VerifyRefund { refund_id: large }, &max);
    desk.run(
        second,
        CaseCommand::CompleteRefund { refund_id: large },
        &bill,
    );
    let small = Uuid::now_v7();
    desk.run(
        second,
        CaseCommand::RequestRefund {
            refund_id: small,
            amount: usd(4_999),
            justification: "Unused seat".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    desk.run(
        second,
        CaseCommand::DenyRefund {
            refund_id: small,
            reason: "Seat was used".into(),
        },
        &max,
    );

    // Another account's case must not appear on Acme's page.
    let other = desk.verified_case("Beta", "b-1");
    desk.discount(other, 15);

    let acme = account_named(&desk.fixture.db, "Acme");
    let detail = desk.fixture.db.account_detail(acme).unwrap();
    assert_eq!(detail.account.draft.name, "Acme");

    let cases: Vec<(Uuid, CaseStatus)> = detail.cases.iter().map(|c| (c.id, c.status)).collect();
    assert_eq!(cases.len(), 2, "{cases:?}");
    assert!(cases.contains(&(first, CaseStatus::Saved)), "{cases:?}");
    assert!(
        cases.contains(&(second, CaseStatus::InProgress)),
        "{cases:?}"
    );
    let first_case = detail.cases.iter().find(|c| c.id == first).unwrap();
    assert_eq!(first_case.reason_id.as_deref(), Some("cost"));
    assert_eq!(first_case.reason.as_deref(), Some("Cost concerns"));
    assert_eq!(first_case.requester_name, "Ana Silva");

    // Latest first: the declined offer on case 2, then the accepted one on case 1.
    assert_eq!(detail.offers.len(), 2, "{:#?}", detail.offers);
    let declined = &detail.offers[0];
    assert_eq!(declined.case_id, second);
    assert_eq!(declined.outcome, OfferOutcome::Declined);
    assert!(!declined.needs_approval);
    assert_eq!(declined.approved, None);
    assert_eq!(declined.terms.percent, Some(10));
    assert_eq!(declined.answered.as_ref().unwrap().by, "amy");
    let accepted = &detail.offers[1];
    assert_eq!(accepted.case_id, first);
    assert_eq!(accepted.offer_id, "discount");
    assert_eq!(accepted.label.as_deref(), Some("Temporary discount"));
    assert_eq!(accepted.terms.percent, Some(30));
    assert!(accepted.needs_approval);
    assert_eq!(accepted.proposed.by, "amy");
    assert_eq!(accepted.proposed.at, now());
    assert_eq!(accepted.approved.as_ref().unwrap().by, "max");
    assert_eq!(accepted.outcome, OfferOutcome::Accepted);
    assert_eq!(accepted.answered.as_ref().unwrap().by, "amy");

    assert_eq!(detail.refunds.len(), 2, "{:#?}", detail.refunds);
    let denied = &detail.refunds[0];
    assert_eq!(denied.refund_id, small);
    assert_eq!(denied.amount, usd(4_999));
    assert_eq!(denied.status, RefundProgress::Denied);
    assert_eq!(denied.requested.by, "amy");
    assert_eq!(denied.verified, None);
    assert_eq!(denied.denied.as_ref().unwrap().by, "max");
    assert_eq!(denied.denial_reason.as_deref(), Some("Seat was used"));
    let completed = &detail.refunds[1];
    assert_eq!(completed.refund_id, large);
    assert_eq!(completed.case_id, second);
    assert_eq!(completed.amount, usd(60_000));
    assert_eq!(completed.justification, "Charged twice");
    assert_eq!(completed.status, RefundProgress::Completed);
    assert_eq!(completed.requested.by, "amy");
    assert_eq!(completed.verified.as_ref().unwrap().by, "max");
    assert_eq!(completed.completed.as_ref().unwrap().by, "bill");
    assert_eq!(completed.denied, None);

    // Beta's page has only its own case and offer, still waiting for the customer.
    let beta = desk
        .fixture
        .db
        .account_detail(account_named(&desk.fixture.db, "Beta"))
        .unwrap();
    assert_eq!(beta.cases.len(), 1);
    assert_eq!(beta.cases[0].id, other);
    assert_eq!(beta.offers.len(), 1);
    assert_eq!(beta.offers[0].outcome, OfferOutcome::Pending);
    assert!(beta.refunds.is_empty());
}

#[test]
fn refunds_show_each_stage_while_they_are_open() {
    let mut desk = Desk::new();
    let case_id = desk.verified_case("Acme", "a-1");
    let acme = account_named(&desk.fixture.db, "Acme");
    let status = |desk: &Desk| desk.fixture.db.account_detail(acme).unwrap().refunds[0].status;

    let review = Uuid::now_v7();
    desk.run(
        case_id,
        CaseCommand::RequestRefund {
            refund_id: review,
            amount: usd(50_001),
            justification: "Overcharged".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    assert_eq!(status(&desk), RefundProgress::UnderReview);
    desk.run(
        case_id,
        CaseCommand::VerifyRefund { refund_id: review },
        &person("max", &[Role::Manager]),
    );
    assert_eq!(status(&desk), RefundProgress::Verified);

    // At or below the threshold (the case's refunds together): requested and straight with
    // billing.
    let beta_case = desk.verified_case("Beta", "b-1");
    desk.run(
        beta_case,
        CaseCommand::RequestRefund {
            refund_id: Uuid::now_v7(),
            amount: usd(50_000),
            justification: "Rounding".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    let beta = account_named(&desk.fixture.db, "Beta");
    let refunds = desk.fixture.db.account_detail(beta).unwrap().refunds;
    assert_eq!(refunds[0].status, RefundProgress::Requested);
    assert_eq!(refunds[0].verified, None);
}

#[test]
fn an_unknown_account_has_no_page() {
    let desk = Desk::new();
    assert!(matches!(
        desk.fixture.db.account_detail(Uuid::now_v7()),
        Err(StoreError::NotFound {
            entity: "account",
            ..
        })
    ));
}

#[test]
fn an_offer_outside_the_limits_waits_in_the_approval_queue_until_approved_or_answered() {
    let mut desk = Desk::new();
    let max = person("max", &[Role::Manager]);
    let approved = desk.verified_case("Acme", "a-1");
    let declined = desk.verified_case("Acme", "a-1");
    let withdrawn = desk.verified_case("Beta", "b-1");
    let within = desk.verified_case("Beta", "b-1");
    for case_id in [approved, declined, withdrawn] {
        desk.discount(case_id, 40);
    }
    desk.discount(within, 10);

    let mut waiting = desk.queue(Queue::OfferApprovals);
    waiting.sort();
    let mut expected = vec![approved, declined, withdrawn];
    expected.sort();
    assert_eq!(
        waiting, expected,
        "an offer inside the limits waits for no one"
    );
    assert_eq!(
        desk.fixture
            .db
            .queue_counts(&QueueViewer::named("amy"))
            .unwrap()
            .offer_approvals,
        3
    );

    desk.run(approved, CaseCommand::ApproveOffer, &max);
    desk.run(declined, CaseCommand::DeclineOffer, &amy());
    desk.run(
        withdrawn,
        CaseCommand::Withdraw {
            note: "changed their mind".into(),
        },
        &amy(),
    );
    assert!(desk.queue(Queue::OfferApprovals).is_empty());
    assert_eq!(
        desk.fixture
            .db
            .queue_counts(&QueueViewer::named("amy"))
            .unwrap()
            .offer_approvals,
        0
    );

    // A new proposal beyond the limits after a decline waits again.
    desk.discount(declined, 50);
    assert_eq!(desk.queue(Queue::OfferApprovals), vec![declined]);
}

#[test]
fn refunds_with_billing_are_in_the_processing_queue_until_completed_or_denied() {
    let mut desk = Desk::new();
    let max = person("max", &[Role::Manager]);
    let case_id = desk.verified_case("Acme", "a-1");
    let review = Uuid::now_v7();
    desk.run(
        case_id,
        CaseCommand::RequestRefund {
            refund_id: review,
            amount: usd(90_000),
            justification: "Overcharged".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    // Under review is not yet billing's work.
    assert!(desk.queue(Queue::RefundsToProcess).is_empty());
    assert_eq!(desk.queue(Queue::RefundApprovals), vec![case_id]);
    desk.run(
        case_id,
        CaseCommand::VerifyRefund { refund_id: review },
        &max,
    );
    assert_eq!(desk.queue(Queue::RefundsToProcess), vec![case_id]);
    assert!(desk.queue(Queue::RefundApprovals).is_empty());

    let other = desk.verified_case("Beta", "b-1");
    let small = Uuid::now_v7();
    desk.run(
        other,
        CaseCommand::RequestRefund {
            refund_id: small,
            amount: usd(1_000),
            justification: "Unused month".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    let mut processing = desk.queue(Queue::RefundsToProcess);
    processing.sort();
    let mut expected = vec![case_id, other];
    expected.sort();
    assert_eq!(processing, expected);
    assert_eq!(
        desk.fixture
            .db
            .queue_counts(&QueueViewer::named("amy"))
            .unwrap()
            .refunds_to_process,
        2
    );

    // Billing completes refunds; a manager may deny one.
    desk.run(
        case_id,
        CaseCommand::CompleteRefund { refund_id: review },
        &person("bill", &[Role::Billing]),
    );
    desk.run(
        other,
        CaseCommand::DenyRefund {
            refund_id: small,
            reason: "Month was used".into(),
        },
        &max,
    );
    assert!(desk.queue(Queue::RefundsToProcess).is_empty());
    assert_eq!(
        desk.fixture
            .db
            .queue_counts(&QueueViewer::named("amy"))
            .unwrap()
            .refunds_to_process,
        0
    );
}

#[test]
fn billings_heads_up_reaches_the_queue_of_billing_staff_and_nobody_elses() {
    let mut desk = Desk::new();
    let case_id = desk.verified_case("Acme", "a-1");
    let refund_id = Uuid::now_v7();
    // Above IntelliServe's 500.00: under review, and billing gets a heads-up.
    desk.run(
        case_id,
        CaseCommand::RequestRefund {
            refund_id,
            amount: usd(90_000),
            justification: "Charged twice in November".into(),
            charged_on: Some(jiff::civil::date(2026, 11, 2)),
        },
        &amy(),
    );
    let billing = QueueViewer {
        names: vec!["id-of-bea".into(), "Bea Billing".into()],
        roles: vec![Role::Billing],
    };
    let mine = desk.fixture.db.queue(Queue::MyTasks, &billing).unwrap();
    let heads_up: Vec<_> = mine
        .iter()
        .filter_map(|item| item.task.as_ref())
        .filter(|task| task.kind == holdfast_core::read_model::TaskKind::BillingHeadsUp)
        .collect();
    assert_eq!(heads_up.len(), 1, "{mine:?}");
    assert_eq!(heads_up[0].assignee_role, Some(Role::Billing));
    assert!(
        heads_up[0]
            .detail
            .as_deref()
            .is_some_and(|detail| detail.contains("Charged twice in November")),
        "the heads-up says why the refund is due: {:?}",
        heads_up[0].detail
    );
    assert_eq!(mine[0].case.id, case_id);
    assert_eq!(
        desk.fixture.db.queue_counts(&billing).unwrap().my_tasks,
        mine.len() as u32
    );
    // A manager reviews the refund (its own queue) but gets no heads-up meant for billing.
    let manager = QueueViewer {
        names: vec!["max".into()],
        roles: vec![Role::Manager],
    };
    let theirs = desk.fixture.db.queue(Queue::MyTasks, &manager).unwrap();
    assert!(
        theirs
            .iter()
            .all(|item| item.task.as_ref().is_some_and(
                |task| task.kind != holdfast_core::read_model::TaskKind::BillingHeadsUp
            )),
        "{theirs:?}"
    );
    // Once a manager verifies the refund the heads-up is done.
    desk.run(
        case_id,
        CaseCommand::VerifyRefund { refund_id },
        &person("max", &[Role::Manager]),
    );
    assert!(desk
        .fixture
        .db
        .queue(Queue::MyTasks, &billing)
        .unwrap()
        .iter()
        .all(|item| item
            .task
            .as_ref()
            .is_some_and(|task| task.kind != holdfast_core::read_model::TaskKind::BillingHeadsUp)));
}
