//! The cases and tasks exports (issue 14) through the store: real cases walked through the
//! engine under Billsbee's procedure (New York time), exported as XLSX and CSV and read back
//! (calamine, csv), every cell compared with the row the store read and with hand-known values;
//! the inbox's filters and order carried into the cases export; progress reported to the end.

mod common;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{acknowledge, draft, Fixture};
use holdfast_core::account::AccountDraft;
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{ChecklistWhen, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::cases::{InboxQuery, InboxSort};
use holdfast_store::desk_exports::{
    case_columns, cases_csv, cases_xlsx, channel_words, role_words, status_words, task_columns,
    tasks_csv, tasks_xlsx, CaseExportRow, Progress, Stage, TaskExportRow, CASES_SHEET, TASKS_SHEET,
};
use holdfast_store::due::task_words;
use holdfast_store::exports::money_number;
use holdfast_store::Database;
use jiff::civil::{date, Date, DateTime};
use jiff::tz::TimeZone;
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

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

fn jpy(minor: i64) -> Money {
    Money::new(minor, Currency::parse("JPY").unwrap())
}

/// Acme (USD 1,234.50 a month), Bravo (EUR 500.00), Cobalt (JPY 12,000), all "standard".
fn accounts() -> Vec<AccountDraft> {
    vec![
        AccountDraft {
            tier: "standard".into(),
            ..draft("A-1", "Acme")
        },
        AccountDraft {
            mrr: eur(50_000),
            total_collected: eur(600_000),
            accounts_receivable: Some(eur(0)),
            tier: "standard".into(),
            ..draft("A-2", "Bravo")
        },
        AccountDraft {
            mrr: jpy(12_000),
            total_collected: jpy(0),
            accounts_receivable: Some(jpy(0)),
            tier: "standard".into(),
            ..draft("A-3", "Cobalt")
        },
    ]
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
                account_id: holdfast_core::account::account_id(account_ext),
                channel: RequestChannel::Phone,
                requester_name: format!("Caller of {account_ext}"),
                requester_contact: "+1 555 0100".into(),
                received_at: Some(at(received)),
            },
            received,
        );
        case_id
    }

    fn routed(&mut self, case_id: Uuid, reason: &str, now: &str) {
        self.run(case_id, &sam(), acknowledge(), now);
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

    fn hand_off(&mut self, case_id: Uuid, to: Option<&str>, to_role: Option<Role>, now: &str) {
        self.run(
            case_id,
            &sam(),
            CaseCommand::HandOff {
                task_id: None,
                to: to.map(String::from),
                to_role,
                reason: "They know this customer".into(),
            },
            now,
        );
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

    fn finalize(&mut self, case_id: Uuid, effective: Date, now: &str) {
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
}

/// - `cancelled`: Acme, received 2026-10-05 10:00 New York, acknowledged and routed 10:10,
///   retention failed, finalized with effect on 2026-10-06;
/// - `saved`: Bravo, received 2026-10-06 11:00, kept by the manager's call;
/// - `withdrawn`: Cobalt, received 2026-10-07 11:00, withdrawn, never acknowledged;
/// - `open`: Cobalt, received 2026-10-12 (03:30 UTC), routed, still open.
fn walk(db: &mut Database, policy: &Policy) -> Walked {
    let mut desk = Desk { db, policy };
    let cancelled = desk.receive("A-1", "2026-10-05T14:00:00Z");
    desk.routed(cancelled, "cost", "2026-10-05T14:10:00Z");
    desk.hand_off(cancelled, Some("bob"), None, "2026-10-05T14:20:00Z");
    desk.retention(cancelled, false, "2026-10-05T15:00:00Z");
    desk.finalize(cancelled, date(2026, 10, 6), "2026-10-05T16:00:00Z");

    let saved = desk.receive("A-2", "2026-10-06T15:00:00Z");
    desk.routed(saved, "switching", "2026-10-06T15:10:00Z");
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

    let open = desk.receive("A-3", "2026-10-12T03:30:00Z");
    desk.routed(open, "cost", "2026-10-12T03:40:00Z");
    desk.hand_off(open, None, Some(Role::Billing), "2026-10-12T03:50:00Z");
    Walked {
        cancelled,
        saved,
        withdrawn,
        open,
    }
}

fn desk() -> (Fixture, Policy, Walked) {
    let mut fixture = Fixture::new();
    let policy = fixture.db.set_policy(BILLSBEE).unwrap();
    fixture
        .db
        .import_accounts(&accounts(), at("2026-09-01T12:00:00Z"))
        .unwrap();
    let walked = walk(&mut fixture.db, &policy);
    (fixture, policy, walked)
}

fn now() -> Timestamp {
    at("2026-11-20T15:00:00Z")
}

fn rows(db: &Database, query: &InboxQuery) -> Vec<CaseExportRow> {
    db.case_export_rows(query, now(), &mut |_| {}).unwrap()
}

/// A spreadsheet's serial date-time (days since 1899-12-30, the time as the fraction) back as a
/// civil date-time, to the second.
fn from_serial(serial: f64) -> DateTime {
    let days = serial.floor();
    let seconds = ((serial - days) * 86_400.0).round() as i64;
    date(1899, 12, 30)
        .to_datetime(jiff::civil::time(0, 0, 0, 0))
        .checked_add(jiff::Span::new().days(days as i64).seconds(seconds))
        .unwrap()
}

fn text(value: &str) -> Data {
    if value.is_empty() {
        Data::Empty
    } else {
        Data::String(value.to_owned())
    }
}

fn maybe(value: &Option<String>) -> Data {
    text(value.as_deref().unwrap_or(""))
}

/// `cell` is a date-time cell holding `at` in `zone`, or empty when `at` is `None`.
fn assert_instant(cell: &Data, at: Option<Timestamp>, zone: &TimeZone, what: &str) {
    match (cell, at) {
        (Data::Empty, None) => {}
        (Data::DateTime(value), Some(at)) => {
            assert_eq!(
                from_serial(value.as_f64()),
                at.to_zoned(zone.clone()).datetime(),
                "{what}"
            );
        }
        (cell, at) => panic!("{what}: {cell:?} for {at:?}"),
    }
}

fn workbook(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap()
}

#[test]
fn the_cases_export_reads_back_cell_by_cell_as_xlsx() {
    let (fixture, _policy, walked) = desk();
    let zone = fixture.db.export_zone().unwrap();
    assert_eq!(zone.iana_name(), Some("America/New_York"));
    let cases = rows(&fixture.db, &InboxQuery::default());
    assert_eq!(cases.len(), 4);
    // The inbox's default order: the most recent request first.
    let order: Vec<Uuid> = cases.iter().map(|row| row.case_id).collect();
    assert_eq!(
        order,
        vec![
            walked.open,
            walked.withdrawn,
            walked.saved,
            walked.cancelled
        ]
    );

    let mut book = workbook(cases_xlsx(&cases, &zone, &mut |_| {}).unwrap());
    assert_eq!(book.sheet_names(), vec![CASES_SHEET.to_string()]);
    let range = book.worksheet_range(CASES_SHEET).unwrap();
    assert_eq!(range.get_size(), (5, 19));
    let header: Vec<Data> = range.rows().next().unwrap().to_vec();
    let titles: Vec<Data> = case_columns(&zone).into_iter().map(Data::String).collect();
    assert_eq!(header, titles);
    assert_eq!(
        header[11],
        Data::String("Received (America/New_York)".into())
    );
    for (cells, row) in range.rows().skip(1).zip(&cases) {
        let what = format!("{row:?}");
        assert_eq!(cells[0], text(&row.case_id.to_string()), "{what}");
        assert_eq!(cells[1], text(&row.account), "{what}");
        assert_eq!(cells[2], text(&row.account_external_id), "{what}");
        assert_eq!(cells[3], text(&row.tier), "{what}");
        assert_eq!(cells[4], text(status_words(row.status)), "{what}");
        assert_eq!(cells[5], maybe(&row.outcome), "{what}");
        assert_eq!(cells[6], maybe(&row.route), "{what}");
        assert_eq!(cells[7], maybe(&row.reason), "{what}");
        assert_eq!(cells[8], text(&row.requester), "{what}");
        assert_eq!(cells[9], text(&row.requester_contact), "{what}");
        assert_eq!(cells[10], text(channel_words(row.channel)), "{what}");
        assert_instant(&cells[11], Some(row.received_at), &zone, &what);
        assert_instant(&cells[12], row.first_response_due, &zone, &what);
        assert_instant(&cells[13], row.first_response_sent, &zone, &what);
        assert_eq!(cells[14], maybe(&row.owner), "{what}");
        assert_instant(&cells[15], row.closed_at, &zone, &what);
        match (&cells[16], row.effective_date) {
            (Data::Empty, None) => {}
            (Data::DateTime(value), Some(effective)) => {
                assert_eq!(from_serial(value.as_f64()).date(), effective, "{what}")
            }
            (cell, effective) => panic!("{what}: {cell:?} for {effective:?}"),
        }
        assert_eq!(cells[17], Data::Float(money_number(row.mrr)), "{what}");
        assert_eq!(cells[18], text(row.mrr.currency.code()), "{what}");
    }

    // What a manager reads on the cancelled case's line, by hand.
    let cancelled = &range.rows().nth(4).unwrap().to_vec();
    assert_eq!(cancelled[1], text("Acme"));
    assert_eq!(cancelled[2], text("A-1"));
    assert_eq!(cancelled[4], text("Cancelled"));
    assert_eq!(cancelled[5], text("Cancelled"));
    assert_eq!(cancelled[7], text("Too expensive"), "the policy's label");
    assert_eq!(cancelled[10], text("Phone"));
    let Data::DateTime(received) = &cancelled[11] else {
        panic!("received is not a date-time cell: {:?}", cancelled[11]);
    };
    assert_eq!(
        from_serial(received.as_f64()),
        date(2026, 10, 5).at(10, 0, 0, 0),
        "10:00 in New York"
    );
    let Data::DateTime(sent) = &cancelled[13] else {
        panic!(
            "the first response is not a date-time cell: {:?}",
            cancelled[13]
        );
    };
    assert_eq!(
        from_serial(sent.as_f64()),
        date(2026, 10, 5).at(10, 10, 0, 0)
    );
    let Data::DateTime(effective) = &cancelled[16] else {
        panic!("the effective date is not a date cell: {:?}", cancelled[16]);
    };
    assert_eq!(from_serial(effective.as_f64()).date(), date(2026, 10, 6));
    assert_eq!(cancelled[17], Data::Float(1234.5));
    assert_eq!(cancelled[18], text("USD"));
    // The saved case's outcome says how it was kept; the withdrawn one was never answered.
    let saved = &range.rows().nth(3).unwrap().to_vec();
    assert_eq!(saved[4], text("Saved"));
    assert_eq!(saved[5], text("Saved by a retention call"));
    assert_eq!(saved[17], Data::Float(500.0));
    assert_eq!(saved[18], text("EUR"));
    let withdrawn = &range.rows().nth(2).unwrap().to_vec();
    assert_eq!(withdrawn[4], text("Withdrawn"));
    assert_eq!(withdrawn[13], Data::Empty);
    assert_eq!(withdrawn[16], Data::Empty);
    assert_eq!(withdrawn[17], Data::Float(12_000.0));
    assert_eq!(withdrawn[18], text("JPY"));
}

#[test]
fn the_cases_export_reads_back_cell_by_cell_as_csv() {
    let (fixture, _policy, walked) = desk();
    let zone = fixture.db.export_zone().unwrap();
    let cases = rows(&fixture.db, &InboxQuery::default());
    let bytes = cases_csv(&cases, &zone, &mut |_| {}).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        case_columns(&zone)
    );
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), cases.len());
    let instant = |at: Option<Timestamp>| {
        at.map(|at| {
            at.to_zoned(zone.clone())
                .datetime()
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
    };
    for (line, row) in lines.iter().zip(&cases) {
        let expected = vec![
            row.case_id.to_string(),
            row.account.clone(),
            row.account_external_id.clone(),
            row.tier.clone(),
            status_words(row.status).to_owned(),
            row.outcome.clone().unwrap_or_default(),
            row.route.clone().unwrap_or_default(),
            row.reason.clone().unwrap_or_default(),
            row.requester.clone(),
            row.requester_contact.clone(),
            channel_words(row.channel).to_owned(),
            instant(Some(row.received_at)),
            instant(row.first_response_due),
            instant(row.first_response_sent),
            row.owner.clone().unwrap_or_default(),
            instant(row.closed_at),
            row.effective_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            row.mrr.to_string().split(' ').next().unwrap().to_owned(),
            row.mrr.currency.code().to_owned(),
        ];
        assert_eq!(line.iter().collect::<Vec<_>>(), expected, "{row:?}");
    }
    // By hand: the cancelled case, last (oldest).
    let cancelled = &lines[3];
    assert_eq!(&cancelled[0], walked.cancelled.to_string());
    assert_eq!(&cancelled[4], "Cancelled");
    assert_eq!(&cancelled[11], "2026-10-05 10:00:00");
    assert_eq!(&cancelled[16], "2026-10-06");
    assert_eq!(&cancelled[17], "1234.50");
    assert_eq!(&cancelled[18], "USD");
    assert_eq!(&lines[1][17], "12000", "JPY has no decimal places");
    assert_eq!(&lines[1][13], "", "never answered: empty, not a zero");
}

#[test]
fn the_cases_export_follows_the_inbox_filters_and_order() {
    let (fixture, _policy, walked) = desk();
    let only = |query: InboxQuery| -> Vec<Uuid> {
        rows(&fixture.db, &query)
            .iter()
            .map(|row| row.case_id)
            .collect()
    };
    assert_eq!(
        only(InboxQuery {
            statuses: vec![CaseStatus::Cancelled],
            ..InboxQuery::default()
        }),
        vec![walked.cancelled]
    );
    assert_eq!(
        only(InboxQuery {
            reason_id: Some("cost".into()),
            ..InboxQuery::default()
        }),
        vec![walked.open, walked.cancelled]
    );
    assert_eq!(
        only(InboxQuery {
            search: Some("Bravo".into()),
            ..InboxQuery::default()
        }),
        vec![walked.saved]
    );
    // By account name (Acme, Bravo, Cobalt; Cobalt's two cases oldest first).
    assert_eq!(
        only(InboxQuery {
            sort: InboxSort::AccountName,
            ..InboxQuery::default()
        }),
        vec![
            walked.cancelled,
            walked.saved,
            walked.withdrawn,
            walked.open
        ]
    );
    // A page size and a cursor do not cut the export short: every row, not a page.
    assert_eq!(
        only(InboxQuery {
            limit: Some(1),
            ..InboxQuery::default()
        })
        .len(),
        4
    );
    // A filter the inbox refuses is refused here too.
    let refused = fixture.db.case_export_rows(
        &InboxQuery {
            tier: Some("  ".into()),
            ..InboxQuery::default()
        },
        now(),
        &mut |_| {},
    );
    assert!(refused.is_err(), "{refused:?}");
}

#[test]
fn the_exports_report_their_progress_to_the_end() {
    let (fixture, _policy, _walked) = desk();
    let zone = fixture.db.export_zone().unwrap();
    let mut seen: Vec<Progress> = Vec::new();
    let cases = fixture
        .db
        .case_export_rows(&InboxQuery::default(), now(), &mut |p| seen.push(p))
        .unwrap();
    cases_xlsx(&cases, &zone, &mut |p| seen.push(p)).unwrap();
    assert_eq!(
        seen.first(),
        Some(&Progress {
            stage: Stage::Reading,
            done: 0,
            total: 4
        })
    );
    assert!(seen.contains(&Progress {
        stage: Stage::Reading,
        done: 4,
        total: 4
    }));
    assert_eq!(
        seen.last(),
        Some(&Progress {
            stage: Stage::Writing,
            done: 4,
            total: 4
        })
    );
}

fn task_rows(db: &Database) -> Vec<TaskExportRow> {
    db.task_export_rows(&mut |_| {}).unwrap()
}

#[test]
fn the_tasks_export_reads_back_cell_by_cell() {
    let (fixture, _policy, walked) = desk();
    let zone = fixture.db.export_zone().unwrap();
    let tasks = task_rows(&fixture.db);
    let raw = rusqlite::Connection::open(fixture.path()).unwrap();
    raw.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        fixture.key.to_hex().as_str()
    ))
    .unwrap();
    let stored: i64 = raw
        .query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))
        .unwrap();
    assert_eq!(tasks.len() as i64, stored);
    // Bob's hand-off on the cancelled case, and billing's on the open one.
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    // Open tasks first.
    let first_done = tasks.iter().position(|t| t.done).unwrap_or(tasks.len());
    assert!(tasks[first_done..].iter().all(|t| t.done), "{tasks:?}");

    let mut book = workbook(tasks_xlsx(&tasks, &zone, now(), &mut |_| {}).unwrap());
    assert_eq!(book.sheet_names(), vec![TASKS_SHEET.to_string()]);
    let range = book.worksheet_range(TASKS_SHEET).unwrap();
    assert_eq!(range.get_size(), (tasks.len() + 1, 10));
    let header: Vec<Data> = range.rows().next().unwrap().to_vec();
    let titles: Vec<Data> = task_columns(&zone).into_iter().map(Data::String).collect();
    assert_eq!(header, titles);
    for (cells, row) in range.rows().skip(1).zip(&tasks) {
        let what = format!("{row:?}");
        assert_eq!(cells[0], text(&task_words(row.kind)), "{what}");
        assert_eq!(cells[1], maybe(&row.detail), "{what}");
        assert_eq!(cells[2], text(&row.case_id.to_string()), "{what}");
        assert_eq!(cells[3], text(&row.account), "{what}");
        assert_eq!(cells[4], maybe(&row.assignee), "{what}");
        assert_eq!(
            cells[5],
            text(row.assignee_role.map(role_words).unwrap_or("")),
            "{what}"
        );
        assert_instant(&cells[6], row.due_at, &zone, &what);
        assert_eq!(cells[7], Data::Bool(row.done), "{what}");
        assert_eq!(cells[8], text(row.status_at(now())), "{what}");
        assert_eq!(cells[9], text(status_words(row.case_status)), "{what}");
    }

    let bytes = tasks_csv(&tasks, &zone, now(), &mut |_| {}).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        task_columns(&zone)
    );
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), tasks.len());
    for (line, row) in lines.iter().zip(&tasks) {
        assert_eq!(&line[0], task_words(row.kind));
        assert_eq!(&line[2], row.case_id.to_string());
        assert_eq!(&line[3], row.account);
        assert_eq!(&line[7], if row.done { "Yes" } else { "No" });
        assert_eq!(&line[8], row.status_at(now()));
        assert_eq!(&line[9], status_words(row.case_status));
        let due = row
            .due_at
            .map(|at| {
                at.to_zoned(zone.clone())
                    .datetime()
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        assert_eq!(&line[6], due);
    }
    // By hand: billing's open hand-off on Cobalt, overdue since 2026-10-11 23:50 in New York;
    // Bob's on Acme's cancelled case, done when the case closed.
    let open: Vec<&str> = lines[0].iter().collect();
    assert_eq!(
        open,
        [
            "Case handed off",
            "They know this customer",
            &walked.open.to_string(),
            "Cobalt",
            "",
            "Billing",
            "2026-10-11 23:50:00",
            "No",
            "Overdue",
            "In progress",
        ]
    );
    let done: Vec<&str> = lines[1].iter().collect();
    assert_eq!(
        (done[3], done[4], done[5], done[7], done[8], done[9]),
        ("Acme", "bob", "", "Yes", "Done", "Cancelled")
    );
    let cells = range.rows().nth(2).unwrap();
    assert_eq!(cells[7], Data::Bool(true));
    assert_eq!(cells[5], Data::Empty);
}
