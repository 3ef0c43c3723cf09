//! Reports (issue 14) through the store: real cases walked through the engine under Billsbee's
//! procedure, the report's figures and the weekly reason report checked against hand-computed
//! answers, the same after a reopen, a rebuild and an upgrade from before migration 0016, tier
//! and MRR following a re-import of the account, the cancellation sheet's rows, and a case that
//! arrives by sync counted on the desk that pulled it; the cases a report keeps in memory follow
//! every write (a command, a failed command, a re-import, a policy change, a rebuild, another
//! connection's commit, a sync).

mod common;
#[path = "support/team_server.rs"]
mod team_server;

use common::{draft, Fixture};
use holdfast_core::account::AccountDraft;
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, ChecklistWhen, Policy};
use holdfast_core::reports::{Filters, IsoWeek, Report};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::reports::CANCELLATION_SHEET_COLUMNS;
use holdfast_store::{Database, StoreError};
use jiff::civil::date;
use jiff::Timestamp;
use uuid::Uuid;

const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn person(name: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: name.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

fn sam() -> Actor {
    person("sam", &[Role::AccountManager])
}

fn maya() -> Actor {
    person("maya", &[Role::Manager])
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

/// Acme (USD, 1,234.50 a month, a customer since 2021-03-04), Bravo (EUR, 500.00 a month, no
/// start date), Cobalt (USD, 100.00 a month, no contact name, no phone).
/// Each of tier "standard", which Billsbee spells "Standard".
fn accounts() -> Vec<AccountDraft> {
    let acme = AccountDraft {
        tier: "standard".into(),
        ..draft("A-1", "Acme")
    };
    let bravo = AccountDraft {
        mrr: eur(50_000),
        total_collected: eur(600_000),
        accounts_receivable: Some(eur(0)),
        customer_since: None,
        contact_name: Some("Bruno Weiss".into()),
        phone: Some("+49 30 1234567".into()),
        tier: "standard".into(),
        ..draft("A-2", "Bravo")
    };
    let cobalt = AccountDraft {
        mrr: usd(10_000),
        total_collected: usd(0),
        contact_name: None,
        phone: None,
        tier: "standard".into(),
        ..draft("A-3", "Cobalt")
    };
    vec![acme, bravo, cobalt]
}

fn account(external_id: &str) -> Uuid {
    holdfast_core::account::account_id(external_id)
}

struct Desk<'a> {
    db: &'a mut Database,
    policy: &'a Policy,
}

impl Desk<'_> {
    fn run(&mut self, case_id: Uuid, by: &Actor, command: CaseCommand, now: &str) {
        self.db
            .run_case_command(case_id, &command, by, self.policy, at(now))
            .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    }

    fn receive(&mut self, account_ext: &str, received: &str) -> Uuid {
        let case_id = Uuid::now_v7();
        self.run(
            case_id,
            &sam(),
            CaseCommand::Receive {
                case_id,
                account_id: account(account_ext),
                channel: RequestChannel::Phone,
                requester_name: "Caller".into(),
                requester_contact: "+1 555 0100".into(),
                received_at: Some(at(received)),
            },
            received,
        );
        case_id
    }

    /// Logged in the sheet, its reason captured, routed to the manager's retention.
    fn logged(&mut self, case_id: Uuid, reason: &str, now: &str) {
        self.run(case_id, &sam(), CaseCommand::LogRequest, now);
        self.run(
            case_id,
            &sam(),
            CaseCommand::CaptureReason {
                reason_id: reason.into(),
                details: String::new(),
                pain_points: vec![],
            },
            now,
        );
        self.run(case_id, &sam(), CaseCommand::Route, now);
    }

    fn retention(&mut self, case_id: Uuid, retained: bool, now: &str) {
        self.run(
            case_id,
            &maya(),
            CaseCommand::RecordRetentionOutcome {
                retained,
                note: "Talked it through".into(),
                mitigations_tried: vec![],
            },
            now,
        );
    }

    fn finalize(&mut self, case_id: Uuid, effective: jiff::civil::Date, now: &str) {
        let items: Vec<String> = self
            .policy
            .finalization
            .checklist
            .iter()
            .filter(|item| item.when == ChecklistWhen::Before && item.step.is_none())
            .map(|item| item.id.clone())
            .collect();
        for item_id in items {
            self.run(
                case_id,
                &maya(),
                CaseCommand::ConfirmChecklistItem {
                    item_id,
                    note: String::new(),
                },
                now,
            );
        }
        self.run(
            case_id,
            &maya(),
            CaseCommand::Finalize {
                effective_date: effective,
                data_export_offered: false,
            },
            now,
        );
    }
}

struct Walked {
    cancelled: Uuid,
    saved: Uuid,
    withdrawn: Uuid,
    open: Uuid,
    earlier: Uuid,
}

/// Five Billsbee cases (New York time):
/// - `earlier`: Cobalt, received Mon 2026-09-28, logged (other), still open;
/// - `cancelled`: Acme, received Mon 2026-10-05 10:00, logged (cost), retention failed,
///   finalized 2026-10-05 12:00 with effect on 2026-10-06;
/// - `saved`: Bravo, received Tue 2026-10-06, logged (switching), kept by the manager's call
///   the same day;
/// - `withdrawn`: Cobalt, received Wed 2026-10-07, withdrawn that day, never logged;
/// - `open`: Acme, received Sun 2026-10-11 23:30 (Monday 03:30 UTC), logged (cost).
fn walk(db: &mut Database, policy: &Policy) -> Walked {
    let mut desk = Desk { db, policy };
    let earlier = desk.receive("A-3", "2026-09-28T14:00:00Z");
    desk.logged(earlier, "other", "2026-09-28T14:05:00Z");

    let cancelled = desk.receive("A-1", "2026-10-05T14:00:00Z");
    desk.logged(cancelled, "cost", "2026-10-05T14:10:00Z");
    desk.retention(cancelled, false, "2026-10-05T15:00:00Z");
    desk.finalize(cancelled, date(2026, 10, 6), "2026-10-05T16:00:00Z");

    let saved = desk.receive("A-2", "2026-10-06T15:00:00Z");
    desk.logged(saved, "switching", "2026-10-06T15:10:00Z");
    desk.retention(saved, true, "2026-10-06T18:00:00Z");

    let withdrawn = desk.receive("A-3", "2026-10-07T15:00:00Z");
    desk.run(
        withdrawn,
        &sam(),
        CaseCommand::Withdraw {
            note: "Changed their mind".into(),
        },
        "2026-10-07T20:00:00Z",
    );

    let open = desk.receive("A-1", "2026-10-12T03:30:00Z");
    desk.logged(open, "cost", "2026-10-12T03:40:00Z");
    Walked {
        cancelled,
        saved,
        withdrawn,
        open,
        earlier,
    }
}

fn billsbee_desk() -> (Fixture, Policy, Walked) {
    let mut fixture = Fixture::new();
    let policy = fixture.db.set_policy(BILLSBEE).unwrap();
    fixture
        .db
        .import_accounts(&accounts(), at("2026-09-01T12:00:00Z"))
        .unwrap();
    let walked = walk(&mut fixture.db, &policy);
    (fixture, policy, walked)
}

/// October 2026 in New York.
fn october() -> Filters {
    Filters {
        from: Some(at("2026-10-01T04:00:00Z")),
        to: Some(at("2026-11-01T04:00:00Z")),
        ..Filters::default()
    }
}

fn now() -> Timestamp {
    at("2026-11-20T15:00:00Z")
}

fn ids(tally: &holdfast_core::reports::Tally) -> Vec<Uuid> {
    let mut ids = tally.case_ids.clone();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

/// The hand-computed answers for October.
fn check_october(report: &Report, walked: &Walked) {
    let totals = &report.totals;
    assert_eq!(totals.received.count, 4, "the September case is outside");
    assert_eq!(
        ids(&totals.received),
        sorted(vec![
            walked.cancelled,
            walked.saved,
            walked.withdrawn,
            walked.open
        ])
    );
    assert_eq!(ids(&totals.cancelled), vec![walked.cancelled]);
    assert_eq!(ids(&totals.saved), vec![walked.saved]);
    assert_eq!(ids(&totals.saved_by_retention_call), vec![walked.saved]);
    assert_eq!(ids(&totals.withdrawn), vec![walked.withdrawn]);
    assert_eq!(totals.save_rate.basis_points, Some(5_000), "1 of 2");
    // Revenue per currency, never mixed: Acme's USD lost, Bravo's EUR saved.
    assert_eq!(totals.revenue_lost.len(), 1);
    assert_eq!(totals.revenue_lost[0].amount, usd(123_450));
    assert_eq!(totals.revenue_saved.len(), 1);
    assert_eq!(totals.revenue_saved[0].amount, eur(50_000));
    assert_eq!(totals.mrr_unknown.count, 0);

    // By reason (ids, in order; the withdrawn request has none).
    let reasons: Vec<(Option<&str>, &str, u32, u32, u32)> = report
        .by_reason
        .iter()
        .map(|group| {
            (
                group.key.as_deref(),
                group.label.as_str(),
                group.figures.received.count,
                group.figures.cancelled.count,
                group.figures.saved.count,
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (None, "No reason captured", 1, 0, 0),
            (Some("cost"), "Too expensive", 2, 1, 0),
            (
                Some("switching"),
                "Switching to another billing provider",
                1,
                0,
                1
            ),
        ],
        "{reasons:?}"
    );
    // The single tier, as the policy spells it; policy versions.
    assert_eq!(report.by_tier.len(), 1);
    assert_eq!(report.by_tier[0].key.as_deref(), Some("Standard"));
    assert_eq!(report.by_policy_version.len(), 1);
    assert_eq!(report.by_policy_version[0].figures.received.count, 4);

    // Weeks in New York: W41 (Oct 5-11) has three requests, the one received Sunday 23:30 New
    // York (Monday UTC) included; W42 has none received. October's first week starts Sep 28.
    let weeks: Vec<(String, u32, u32, u32)> = report
        .weekly
        .iter()
        .map(|week| {
            (
                week.week.label(),
                week.figures.received.count,
                week.figures.cancelled.count,
                week.figures.saved.count,
            )
        })
        .collect();
    assert_eq!(
        weeks,
        vec![
            ("2026-W40".into(), 0, 0, 0),
            ("2026-W41".into(), 4, 1, 1),
            ("2026-W42".into(), 0, 0, 0),
            ("2026-W43".into(), 0, 0, 0),
            ("2026-W44".into(), 0, 0, 0),
        ],
        "{weeks:?}"
    );
    assert_eq!(report.monthly.len(), 1);
    assert_eq!(report.monthly[0].figures.received.count, 4);

    // The save on 2026-10-06 is pending until day 91 (as of 2026-11-20, day 45).
    assert_eq!(ids(&report.saves_kept.pending), vec![walked.saved]);
    assert_eq!(report.saves_kept.kept.count, 0);
}

#[test]
fn the_reports_figures_from_the_store_match_the_hand_computed_answers_and_survive_a_reopen_and_a_rebuild(
) {
    let (fixture, _policy, walked) = billsbee_desk();
    let report = fixture.db.report(&october(), now()).unwrap();
    check_october(&report, &walked);

    // All five cases over the whole history: the September request counts too.
    let all = fixture.db.report(&Filters::default(), now()).unwrap();
    assert_eq!(all.totals.received.count, 5);
    assert_eq!(all.from, at("2026-09-28T14:00:00Z"));
    // Filters: Sam holds none of the saved cases (the manager's retention holds them).
    let cost = Filters {
        reason: Some("cost".into()),
        ..october()
    };
    let by_cost = fixture.db.report(&cost, now()).unwrap();
    assert_eq!(
        ids(&by_cost.totals.received),
        sorted(vec![walked.cancelled, walked.open])
    );

    let mut fixture = fixture.reopen();
    assert_eq!(fixture.db.report(&october(), now()).unwrap(), report);
    fixture.db.rebuild_read_models().unwrap();
    assert_eq!(
        fixture.db.report(&october(), now()).unwrap(),
        report,
        "the rebuild folds the same history from the log"
    );
    let _ = walked.earlier;
}

#[test]
fn the_weekly_reason_report_counts_a_week_in_the_policys_zone() {
    let (fixture, _policy, walked) = billsbee_desk();
    let week = IsoWeek::containing(date(2026, 10, 7));
    let weekly = fixture
        .db
        .weekly_reasons(week, &Filters::default())
        .unwrap();
    assert_eq!(weekly.week.label(), "2026-W41");
    assert_eq!(weekly.total.count, 4);
    assert_eq!(weekly.total_week_before.count, 1, "the September request");
    let rows: Vec<(Option<&str>, u32, Option<u32>, u32)> = weekly
        .reasons
        .iter()
        .map(|row| {
            (
                row.reason_id.as_deref(),
                row.this_week.count,
                row.share.basis_points,
                row.week_before.count,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (Some("cost"), 2, Some(5_000), 0),
            (None, 1, Some(2_500), 0),
            (Some("switching"), 1, Some(2_500), 0),
            (Some("other"), 0, Some(0), 1),
        ],
        "{rows:?}"
    );
    assert_eq!(
        ids(&weekly.reasons[0].this_week),
        sorted(vec![walked.cancelled, walked.open])
    );
}

#[test]
fn tier_and_mrr_are_the_accounts_current_values_after_a_re_import() {
    let (mut fixture, _policy, walked) = billsbee_desk();
    let mut acme = draft("A-1", "Acme");
    acme.mrr = usd(99_900);
    acme.tier = "Gold".into();
    fixture
        .db
        .import_accounts(&[acme], at("2026-11-01T12:00:00Z"))
        .unwrap();
    let report = fixture.db.report(&october(), now()).unwrap();
    assert_eq!(report.totals.revenue_lost[0].amount, usd(99_900));
    assert_eq!(
        ids(&report.totals.revenue_lost[0].case_ids_as_tally()),
        vec![walked.cancelled]
    );
    // A tier the policy does not know stays as the account spells it.
    let tiers: Vec<(Option<&str>, u32)> = report
        .by_tier
        .iter()
        .map(|group| (group.key.as_deref(), group.figures.received.count))
        .collect();
    assert_eq!(tiers, vec![(Some("Gold"), 2), (Some("Standard"), 2)]);
    let gold = Filters {
        tier: Some("gold".into()),
        ..october()
    };
    let report = fixture.db.report(&gold, now()).unwrap();
    assert_eq!(
        ids(&report.totals.received),
        sorted(vec![walked.cancelled, walked.open])
    );
}

/// The report `db` makes from the cases it keeps in memory, checked against the core's report
/// over every row read afresh (`report_cases` reads the rows each time).
fn check_kept(db: &Database, filters: &Filters, at_now: Timestamp, after: &str) -> Report {
    let policy = db.policy().unwrap().unwrap();
    let fresh = holdfast_core::reports::report(
        &db.report_cases().unwrap(),
        filters,
        &policy.sla.calendar.zone,
        at_now,
    );
    let kept = db.report(filters, at_now).unwrap();
    assert_eq!(kept, fresh, "after {after}");
    kept
}

#[test]
fn the_cases_a_report_keeps_in_memory_follow_every_write() {
    let (mut fixture, policy, walked) = billsbee_desk();
    let all = Filters::default();
    let first = check_kept(&fixture.db, &all, now(), "the first report");
    assert_eq!(first.totals.received.count, 5);

    // A command that makes a case, and commands on it.
    let late = {
        let mut desk = Desk {
            db: &mut fixture.db,
            policy: &policy,
        };
        let late = desk.receive("A-2", "2026-10-20T15:00:00Z");
        desk.logged(late, "cost", "2026-10-20T15:10:00Z");
        late
    };
    let report = check_kept(&fixture.db, &all, now(), "a new case");
    assert_eq!(report.totals.received.count, 6);
    assert!(report.totals.received.case_ids.contains(&late));

    // A command on a case the kept set holds: the open case is saved.
    Desk {
        db: &mut fixture.db,
        policy: &policy,
    }
    .retention(walked.open, true, "2026-10-21T15:00:00Z");
    let report = check_kept(&fixture.db, &all, now(), "a save");
    assert!(report.totals.saved.case_ids.contains(&walked.open));

    // A command refused by the engine writes nothing (its transaction is rolled back).
    let refused = fixture.db.run_case_command(
        walked.withdrawn,
        &CaseCommand::Withdraw {
            note: "Again".into(),
        },
        &sam(),
        &policy,
        at("2026-10-22T15:00:00Z"),
    );
    assert!(refused.is_err(), "a closed case takes no command");
    check_kept(&fixture.db, &all, now(), "a refused command");

    // A re-import moves the account's tier and MRR.
    let mut acme = draft("A-1", "Acme");
    acme.mrr = eur(12_300);
    acme.tier = "Gold".into();
    fixture
        .db
        .import_accounts(&[acme], at("2026-11-01T12:00:00Z"))
        .unwrap();
    let report = check_kept(&fixture.db, &all, now(), "a re-import");
    let tiers: Vec<Option<&str>> = report
        .by_tier
        .iter()
        .map(|group| group.key.as_deref())
        .collect();
    assert!(tiers.contains(&Some("Gold")), "{tiers:?}");

    // A policy change relabels the reasons.
    fixture
        .db
        .set_policy(&BILLSBEE.replace("label = \"Too expensive\"", "label = \"Costs too much\""))
        .unwrap();
    let report = check_kept(&fixture.db, &all, now(), "a policy change");
    let labels: Vec<&str> = report
        .by_reason
        .iter()
        .map(|group| group.label.as_str())
        .collect();
    assert!(labels.contains(&"Costs too much"), "{labels:?}");

    // A rebuild folds every row again.
    fixture.db.rebuild_read_models().unwrap();
    check_kept(&fixture.db, &all, now(), "a rebuild");

    // Another connection's commit (here: the report row of one case removed behind the store's
    // back) is seen too.
    {
        let other = rusqlite::Connection::open(fixture.dir.path().join("holdfast.db")).unwrap();
        other
            .execute_batch(&format!(
                "PRAGMA key = \"x'{}'\";",
                fixture.key.to_hex().as_str()
            ))
            .unwrap();
        other
            .execute(
                "DELETE FROM case_reports WHERE case_id = ?1",
                [late.to_string()],
            )
            .unwrap();
    }
    let report = check_kept(&fixture.db, &all, now(), "another connection's commit");
    assert!(!report.totals.received.case_ids.contains(&late));
}

trait AsTally {
    fn case_ids_as_tally(&self) -> holdfast_core::reports::Tally;
}

impl AsTally for holdfast_core::reports::CurrencyTotal {
    fn case_ids_as_tally(&self) -> holdfast_core::reports::Tally {
        holdfast_core::reports::Tally {
            count: self.count,
            case_ids: self.case_ids.clone(),
        }
    }
}

#[test]
fn an_inverted_range_and_a_profile_without_a_policy_are_refused() {
    let (fixture, _policy, _) = billsbee_desk();
    let inverted = Filters {
        from: Some(at("2026-11-01T00:00:00Z")),
        to: Some(at("2026-10-01T00:00:00Z")),
        ..Filters::default()
    };
    assert!(matches!(
        fixture.db.report(&inverted, now()),
        Err(StoreError::Rule(holdfast_core::CoreError::Invalid { ref field, .. })) if field == "to"
    ));
    let empty = Fixture::new();
    assert!(matches!(
        empty.db.report(&Filters::default(), now()),
        Err(StoreError::Rule(holdfast_core::CoreError::Invalid { ref field, .. })) if field == "policy"
    ));
}

/// name, phone, date, total collected, months, reason
type SheetLine<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    String,
    Option<Money>,
    Option<i32>,
    Option<&'a str>,
);

#[test]
fn billsbees_cancellation_sheet_lists_the_logged_requests_newest_first_with_its_columns() {
    let (fixture, _policy, _walked) = billsbee_desk();
    assert_eq!(
        CANCELLATION_SHEET_COLUMNS,
        [
            "Name",
            "Phone",
            "Date of cancellation",
            "Total amount collected",
            "Months in the program",
            "Reason for cancellation"
        ]
    );
    let sheet = fixture.db.cancellation_sheet().unwrap();
    let rows: Vec<SheetLine<'_>> = sheet
        .iter()
        .map(|row| {
            (
                row.name.as_deref(),
                row.phone.as_deref(),
                row.date_of_cancellation.to_string(),
                row.total_collected,
                row.months_in_program,
                row.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // Received Sunday 23:30 in New York: the 11th there, the 12th in UTC. Open, so its
            // date is the request's. 2021-03-04 to 2026-10-11: 67 whole months.
            (
                Some("Ana Silva"),
                Some("+1 (555) 010-2030"),
                "2026-10-11".into(),
                Some(usd(4_500_000)),
                Some(67),
                Some("Too expensive")
            ),
            // Saved, but logged on receipt as the procedure says; Bravo has no start date.
            (
                Some("Bruno Weiss"),
                Some("+49 30 1234567"),
                "2026-10-06".into(),
                Some(eur(600_000)),
                None,
                Some("Switching to another billing provider")
            ),
            // Finalized with effect on the 6th.
            (
                Some("Ana Silva"),
                Some("+1 (555) 010-2030"),
                "2026-10-06".into(),
                Some(usd(4_500_000)),
                Some(67),
                Some("Too expensive")
            ),
            // Cobalt names no contact (the account's name stands in) and no phone; nothing
            // collected is zero, not unknown. The withdrawn request was never logged.
            (
                Some("Cobalt"),
                None,
                "2026-09-28".into(),
                Some(usd(0)),
                Some(66),
                Some("Other")
            ),
        ],
        "{rows:#?}"
    );
}

/// The desk's file taken back to before migration 0016: opening it again fills every case's
/// report row from the event log, and the figures are the same.
#[test]
fn an_upgrade_from_before_migration_16_fills_the_reports_from_the_log() {
    let (fixture, _policy, walked) = billsbee_desk();
    let before = fixture.db.report(&october(), now()).unwrap();
    let path = fixture.path();
    let Fixture { dir, key, db } = fixture;
    drop(db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
            .unwrap();
        conn.execute_batch("DROP TABLE case_reports; PRAGMA user_version = 15;")
            .unwrap();
    }
    let db = Database::open(&path, &key).unwrap();
    let after = db.report(&october(), now()).unwrap();
    assert_eq!(after, before);
    check_october(&after, &walked);
    drop(dir);
}

mod by_sync {
    use super::*;
    use crate::team_server::Server;
    use holdfast_core::policy::VerificationMethod;

    const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

    fn joined(server: &Server, user: &holdfast_server::store::UserRecord) -> Fixture {
        let mut fixture = Fixture::new();
        fixture
            .db
            .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(user))
            .unwrap();
        fixture.db.set_policy(WOOTRECRUIT).unwrap();
        fixture
    }

    fn sync_round(server: &Server, db: &mut Database, user: &holdfast_server::store::UserRecord) {
        while let Some(request) = db.next_push(2).unwrap() {
            let response = server.push(user, &request);
            db.apply_push_response(&response, common::now()).unwrap();
        }
        server.pull_all(db, user, 3);
    }

    /// A case received and withdrawn on one desk is counted on the other once it pulled it;
    /// on the first desk it counts at once, while still pending.
    #[test]
    fn a_case_that_arrives_by_sync_is_counted() {
        let server = Server::start(WOOTRECRUIT);
        let amy = server.add_user("amy", &[Role::AccountManager]);
        let carla = server.add_user("carla", &[Role::Csm]);
        let mut first = joined(&server, &amy);
        let mut second = joined(&server, &carla);
        let policy = parse_policy(WOOTRECRUIT).unwrap();
        first
            .db
            .import_accounts(&[draft("A-1", "Acme")], common::now())
            .unwrap();
        let me = first.db.acting_user().unwrap().unwrap();
        let case_id = Uuid::now_v7();
        let run = |db: &mut Database, command: CaseCommand| {
            db.run_case_command(case_id, &command, &me, &policy, common::now())
                .unwrap_or_else(|e| panic!("{command:?}: {e}"));
        };
        run(
            &mut first.db,
            CaseCommand::Receive {
                case_id,
                account_id: account("A-1"),
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "a-1@example.com".into(),
                received_at: None,
            },
        );
        run(
            &mut first.db,
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("a-1@example.com".into()),
                evidence: "Reply from the address on file".into(),
            },
        );
        run(
            &mut first.db,
            CaseCommand::Withdraw {
                note: "Stays".into(),
            },
        );
        let pending = first.db.report(&Filters::default(), common::now()).unwrap();
        assert_eq!(ids(&pending.totals.received), vec![case_id]);
        assert_eq!(ids(&pending.totals.withdrawn), vec![case_id]);

        let nothing = second
            .db
            .report(&Filters::default(), common::now())
            .unwrap();
        assert_eq!(nothing.totals.received.count, 0);

        sync_round(&server, &mut first.db, &amy);
        sync_round(&server, &mut second.db, &carla);
        let pulled = second
            .db
            .report(&Filters::default(), common::now())
            .unwrap();
        assert_eq!(ids(&pulled.totals.received), vec![case_id]);
        assert_eq!(ids(&pulled.totals.withdrawn), vec![case_id]);
        assert_eq!(pulled.totals.revenue_saved.len(), 0);
        assert_eq!(
            check_kept(&second.db, &Filters::default(), common::now(), "a pull"),
            pulled
        );
        let confirmed = first.db.report(&Filters::default(), common::now()).unwrap();
        assert_eq!(
            confirmed, pulled,
            "both desks count the same confirmed case"
        );
        assert_eq!(
            check_kept(&first.db, &Filters::default(), common::now(), "a push"),
            confirmed
        );
    }
}

/// The cancellation sheet's XLSX and CSV exports read back (with `calamine` and `csv`): the
/// header row is exactly the sheet's columns, and every cell of every row is the store's row.
mod exports {
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use holdfast_core::workflow::CancellationSheetRow;
    use holdfast_store::exports::{money_number, SHEET_NAME};

    /// A spreadsheet's day number (days since 1899-12-30) as a date.
    fn from_serial(serial: f64) -> jiff::civil::Date {
        date(1899, 12, 30)
            .checked_add(jiff::Span::new().days(serial as i64))
            .unwrap()
    }

    fn text(value: &Option<String>) -> Data {
        value.clone().map_or(Data::Empty, Data::String)
    }

    #[test]
    fn the_xlsx_export_reads_back_as_the_sheet() {
        let (fixture, _policy, _walked) = billsbee_desk();
        let sheet = fixture.db.cancellation_sheet().unwrap();
        assert_eq!(sheet.len(), 4);
        let bytes = fixture.db.cancellation_sheet_xlsx().unwrap();
        let mut workbook: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), vec![SHEET_NAME.to_string()]);
        let range = workbook.worksheet_range(SHEET_NAME).unwrap();
        assert_eq!(range.get_size(), (sheet.len() + 1, 6));
        let header: Vec<Data> = range.rows().next().unwrap().to_vec();
        let columns: Vec<Data> = CANCELLATION_SHEET_COLUMNS
            .iter()
            .map(|title| Data::String(title.to_string()))
            .collect();
        assert_eq!(header, columns);
        for (cells, row) in range.rows().skip(1).zip(&sheet) {
            assert_eq!(cells[0], text(&row.name), "{row:?}");
            assert_eq!(cells[1], text(&row.phone), "{row:?}");
            let Data::DateTime(when) = &cells[2] else {
                panic!("the date is not a date cell: {:?}", cells[2]);
            };
            assert_eq!(from_serial(when.as_f64()), row.date_of_cancellation);
            assert_eq!(
                cells[3],
                row.total_collected
                    .map_or(Data::Empty, |money| Data::Float(money_number(money))),
                "{row:?}"
            );
            assert_eq!(
                cells[4],
                row.months_in_program
                    .map_or(Data::Empty, |months| Data::Float(f64::from(months))),
                "{row:?}"
            );
            assert_eq!(cells[5], text(&row.reason), "{row:?}");
        }
    }

    #[test]
    fn the_csv_export_reads_back_as_the_sheet() {
        let (fixture, _policy, _walked) = billsbee_desk();
        let sheet = fixture.db.cancellation_sheet().unwrap();
        let bytes = fixture.db.cancellation_sheet_csv().unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            CANCELLATION_SHEET_COLUMNS
        );
        let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(lines.len(), sheet.len());
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        for (line, row) in lines.iter().zip(&sheet) {
            let cell = |i: usize| line.get(i).unwrap();
            let known = |i: usize| Some(cell(i)).filter(|text| !text.is_empty());
            let money = known(3).map(|text| {
                let (amount, code) = text.split_once(' ').unwrap();
                let currency = [usd, eur].into_iter().find(|c| c.code() == code).unwrap();
                Money::parse(amount, currency).unwrap()
            });
            let read = CancellationSheetRow {
                name: known(0).map(String::from),
                phone: known(1).map(String::from),
                date_of_cancellation: cell(2).parse().unwrap(),
                total_collected: money,
                months_in_program: known(4).map(|months| months.parse().unwrap()),
                reason: known(5).map(String::from),
            };
            assert_eq!(&read, row);
        }
        // An empty sheet is the header alone.
        let empty = holdfast_store::exports::sheet_csv(&[]).unwrap();
        assert_eq!(
            String::from_utf8(empty).unwrap().trim_end(),
            CANCELLATION_SHEET_COLUMNS.join(",")
        );
    }
}
