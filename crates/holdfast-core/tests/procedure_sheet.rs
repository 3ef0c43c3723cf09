//! Billsbee's cancellation sheet: every cancelled case has its whole row (name, phone number,
//! date of cancellation, total amount collected, months in the program, reason), and a row with a
//! blank keeps the case from being finalized.

mod common;

use common::{person, usd, Case};
use holdfast_core::account::PreferredChannel;
use holdfast_core::error::Gate;
use holdfast_core::policy::parse_policy;
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    cancellation_sheet_row, checklist, AccountFacts, CaseCommand, RepStatus,
};
use holdfast_core::CoreError;
use jiff::civil::date;

const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

fn bramble() -> AccountFacts {
    AccountFacts {
        tier: "Standard".into(),
        email: Some("dana@brambledental.com".into()),
        phone: Some("+1 555 010 4242".into()),
        accounts_receivable: Some(usd(0)),
        original_sales_rep_status: RepStatus::Unknown,
        preferred_channel: Some(PreferredChannel::Phone),
        account_name: Some("Bramble Dental".into()),
        contact_name: Some("Dana Bramble".into()),
        total_collected: Some(usd(1_080_000)),
        // The request (`common::now`) is on 2026-11-24: 30 whole months after 2024-05-01 and a
        // day short of the 31st on 2024-04-25.
        customer_since: Some(date(2024, 4, 25)),
        ..AccountFacts::default()
    }
}

fn sam() -> holdfast_core::workflow::Actor {
    person("sam", &[Role::AccountManager])
}

fn maya() -> holdfast_core::workflow::Actor {
    person("maya", &[Role::Manager])
}

/// A Billsbee case with everything done but the finalization: logged, the reason and the
/// manager's retention attempt recorded, the suspension confirmed.
fn ready(account: AccountFacts) -> Case {
    // Billsbee verifies by a call back, but no step waits for it (and a client without a phone
    // on file cannot be called back).
    let mut case = Case::received(parse_policy(BILLSBEE).unwrap(), account);
    case.ok(&sam(), CaseCommand::LogRequest);
    case.capture_reason(&sam(), "business_closing");
    case.ok(&sam(), CaseCommand::Route);
    case.retention_attempted(&maya(), "Closing the practice; nothing would keep them");
    case.confirm_checklist_before(&maya());
    case
}

fn finalize(on: jiff::civil::Date) -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: on,
        data_export_offered: false,
    }
}

#[test]
fn billsbee_a_cancelled_case_has_its_whole_sheet_row() {
    let mut case = ready(bramble());
    let policy = parse_policy(BILLSBEE).unwrap();
    // Before the cancellation the row's date is the request's.
    let row = cancellation_sheet_row(case.state(), &policy, &bramble());
    assert_eq!(row.date_of_cancellation, date(2026, 11, 24));
    assert_eq!(row.months_in_program, Some(30));
    case.ok(&maya(), finalize(date(2026, 11, 25)));
    let row = cancellation_sheet_row(case.state(), &policy, &bramble());
    assert_eq!(row.name.as_deref(), Some("Dana Bramble"));
    assert_eq!(row.phone.as_deref(), Some("+1 555 010 4242"));
    assert_eq!(row.date_of_cancellation, date(2026, 11, 25));
    assert_eq!(row.total_collected, Some(usd(1_080_000)));
    // 2024-04-25 to 2026-11-25: exactly 31 months.
    assert_eq!(row.months_in_program, Some(31));
    assert_eq!(
        row.reason.as_deref(),
        Some("Closing or changing the business")
    );
    assert!(row.missing().is_empty());
    // The desk reads the same row from the checklist.
    let list = checklist(case.state(), &policy, &bramble(), &maya());
    assert_eq!(list.cancellation_sheet, Some(row));
}

#[test]
fn billsbee_does_not_cancel_a_case_whose_sheet_row_has_a_blank() {
    for blank in ["phone", "total collected", "customer since"] {
        let mut account = bramble();
        match blank {
            "phone" => account.phone = None,
            "total collected" => account.total_collected = None,
            _ => account.customer_since = None,
        }
        let mut case = ready(account.clone());
        assert_eq!(
            case.run(&maya(), finalize(date(2026, 11, 25))),
            Err(CoreError::GateNotMet {
                gate: Gate::CancellationSheetComplete
            }),
            "a row without its {blank}"
        );
        let policy = parse_policy(BILLSBEE).unwrap();
        let list = checklist(case.state(), &policy, &account, &maya());
        assert!(
            list.blockers
                .iter()
                .any(|blocker| blocker.gate == Gate::CancellationSheetComplete),
            "the checklist names the blank row ({blank})"
        );
    }
    // A client with no contact name is named by the account.
    let mut account = bramble();
    account.contact_name = None;
    let mut case = ready(account.clone());
    case.ok(&maya(), finalize(date(2026, 11, 25)));
    let policy = parse_policy(BILLSBEE).unwrap();
    let row = cancellation_sheet_row(case.state(), &policy, &account);
    assert_eq!(row.name.as_deref(), Some("Bramble Dental"));
}

#[test]
fn a_procedure_without_a_sheet_is_not_held_by_one() {
    let policy = parse_policy(WOOTRECRUIT).unwrap();
    let mut account = bramble();
    account.phone = None;
    let case = Case::received(policy.clone(), account.clone());
    let list = checklist(case.state(), &policy, &account, &sam());
    assert_eq!(list.cancellation_sheet, None);
    assert!(!list
        .blockers
        .iter()
        .any(|blocker| blocker.gate == Gate::CancellationSheetComplete));
}
