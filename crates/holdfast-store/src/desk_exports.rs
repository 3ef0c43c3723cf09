//! Exports of the desk's lists (issue 14): the cases, as the inbox selects them (its filters and
//! its order, every row rather than a page), and every task, each as CSV and as XLSX. The rows
//! are read here (`Database::case_export_rows`, `Database::task_export_rows`) and written by the
//! pure functions below, so the shell reads under the database and writes the file without
//! holding it. Both sides report their progress row by row for the desk's progress bar.
//!
//! - Instants (received, first response due and sent, closed, a task's due time) are written in
//!   one time zone, the policy's (UTC without a policy), which the column's title names
//!   ("Received (America/New_York)"): in XLSX as date-time cells (`yyyy-mm-dd hh:mm`), in CSV as
//!   `YYYY-MM-DD HH:MM:SS`. Dates (the effective date) are date cells / `YYYY-MM-DD`.
//! - Money (the account's MRR) is a number cell whose format names its currency (the
//!   cancellation sheet's `money_format`), beside a Currency column, so a person can total by
//!   currency and never adds two currencies unknowingly; in CSV the amount with its currency's
//!   decimal places (`49.00`) and the code in the Currency column.
//! - Words, not values: statuses, outcomes, routes, channels and task kinds as the desk says
//!   them; the reason as the policy labels it (its id when the policy no longer has it).
//! - An unknown value (no owner, not closed, no deadline) is an empty cell, never a zero.
//! - XLSX: one worksheet, the header row bold and frozen, columns sized to be read.

use std::collections::HashMap;

use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::money::{Currency, Money};
use holdfast_core::read_model::TaskKind;
use holdfast_core::role::Role;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use uuid::Uuid;

use crate::cases::InboxQuery;
use crate::due::task_words;
use crate::error::{Result, StoreError};
use crate::exports::{money_format, money_number};
use crate::page::from_millis;
use crate::Database;

/// The cases worksheet's name.
pub const CASES_SHEET: &str = "Cases";
/// The tasks worksheet's name.
pub const TASKS_SHEET: &str = "Tasks";

/// The cases export's columns, in order; the instants' titles are followed by the zone
/// (`case_columns`).
pub const CASE_COLUMNS: [&str; 19] = [
    "Case id",
    "Account",
    "Account external id",
    "Tier",
    "Status",
    "Outcome",
    "Route",
    "Reason",
    "Requester",
    "Requester contact",
    "Channel",
    "Received",
    "First response due",
    "First response sent",
    "Owner",
    "Closed",
    "Effective date",
    "MRR",
    "Currency",
];

/// The columns of `CASE_COLUMNS` that hold instants (their titles name the zone).
const CASE_INSTANTS: [usize; 4] = [11, 12, 13, 15];

/// The tasks export's columns, in order.
pub const TASK_COLUMNS: [&str; 10] = [
    "Task",
    "Detail",
    "Case id",
    "Account",
    "Assignee",
    "Assignee role",
    "Due",
    "Done",
    "Status",
    "Case status",
];

/// The column of `TASK_COLUMNS` that holds an instant.
const TASK_INSTANTS: [usize; 1] = [6];

/// Rows read or written so far, of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the rows from the database.
    Reading,
    /// Writing them into the file's format.
    Writing,
}

/// Progress is reported after every this many rows (and at the end).
pub const PROGRESS_EVERY: u64 = 1_000;

/// One case as the export writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseExportRow {
    pub case_id: Uuid,
    pub account: String,
    pub account_external_id: String,
    pub tier: String,
    pub status: CaseStatus,
    /// How the case closed, in words ("Saved by an offer"); `None` while open.
    pub outcome: Option<String>,
    pub route: Option<String>,
    /// The reason's label (its id when the policy no longer has it).
    pub reason: Option<String>,
    pub requester: String,
    pub requester_contact: String,
    pub channel: RequestChannel,
    pub received_at: Timestamp,
    pub first_response_due: Option<Timestamp>,
    pub first_response_sent: Option<Timestamp>,
    pub owner: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub effective_date: Option<Date>,
    pub mrr: Money,
}

/// One task as the export writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExportRow {
    pub kind: TaskKind,
    pub detail: Option<String>,
    pub case_id: Uuid,
    pub account: String,
    pub assignee: Option<String>,
    pub assignee_role: Option<Role>,
    pub due_at: Option<Timestamp>,
    pub done: bool,
    pub case_status: CaseStatus,
}

impl TaskExportRow {
    /// "Done", "Overdue" (open and past its due time at `now`) or "Open".
    pub fn status_at(&self, now: Timestamp) -> &'static str {
        if self.done {
            "Done"
        } else if self.due_at.is_some_and(|due| due < now) {
            "Overdue"
        } else {
            "Open"
        }
    }
}

/// A case's status as the desk says it.
pub fn status_words(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Received => "Received",
        CaseStatus::InProgress => "In progress",
        CaseStatus::Saved => "Saved",
        CaseStatus::Cancelled => "Cancelled",
        CaseStatus::Withdrawn => "Withdrawn",
        CaseStatus::VerificationFailed => "Verification failed",
    }
}

/// A request channel as the desk says it.
pub fn channel_words(channel: RequestChannel) -> &'static str {
    match channel {
        RequestChannel::Email => "Email",
        RequestChannel::Phone => "Phone",
        RequestChannel::Chat => "Chat",
        RequestChannel::WebForm => "Web form",
        RequestChannel::Sms => "SMS",
    }
}

/// A route as stored (`save_call`) in words; an unknown one as it is.
pub fn route_words(route: &str) -> String {
    match route {
        "save_call" => "Save call",
        "sympathetic_reply" => "Sympathetic reply",
        "escalate_to_csm" => "Escalate to a CSM",
        "manager_retention" => "Manager retention",
        "continue" => "Continue",
        "hand_off" => "Hand-off",
        other => other,
    }
    .to_owned()
}

/// How a case closed, as stored (`saved_by_offer`), in words; an unknown one as it is.
pub fn outcome_words(closed_as: &str) -> String {
    match closed_as {
        "cancelled" => "Cancelled",
        "saved_by_offer" => "Saved by an offer",
        "saved_by_csm" => "Saved by the CSM",
        "saved_by_retention_call" => "Saved by a retention call",
        "withdrawn" => "Withdrawn",
        "verification_failed" => "Verification failed",
        other => other,
    }
    .to_owned()
}

/// A role in the desk's words.
pub fn role_words(role: Role) -> &'static str {
    match role {
        Role::AccountManager => "Account manager",
        Role::Csm => "CSM",
        Role::Manager => "Manager",
        Role::Billing => "Billing",
        Role::Sales => "Sales",
        Role::Admin => "Admin",
    }
}

/// The column titles with the zone after each instant's title.
fn titles(columns: &[&str], instants: &[usize], zone: &TimeZone) -> Vec<String> {
    let name = zone.iana_name().unwrap_or("UTC");
    columns
        .iter()
        .enumerate()
        .map(|(index, title)| {
            if instants.contains(&index) {
                format!("{title} ({name})")
            } else {
                (*title).to_owned()
            }
        })
        .collect()
}

/// The cases export's column titles in `zone`.
pub fn case_columns(zone: &TimeZone) -> Vec<String> {
    titles(&CASE_COLUMNS, &CASE_INSTANTS, zone)
}

/// The tasks export's column titles in `zone`.
pub fn task_columns(zone: &TimeZone) -> Vec<String> {
    titles(&TASK_COLUMNS, &TASK_INSTANTS, zone)
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} \"{value}\""))
}

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| corrupt("id", text))
}

fn instant(millis: Option<i64>) -> Result<Option<Timestamp>> {
    millis.map(from_millis).transpose()
}

/// Reports progress every `PROGRESS_EVERY` rows.
fn tick(progress: &mut dyn FnMut(Progress), stage: Stage, done: u64, total: u64) {
    if done % PROGRESS_EVERY == 0 || done == total {
        progress(Progress { stage, done, total });
    }
}

impl Database {
    /// The zone the exports write instants in: the policy's, UTC without one.
    pub fn export_zone(&self) -> Result<TimeZone> {
        Ok(self
            .policy()?
            .map(|policy| policy.sla.calendar.zone)
            .unwrap_or(TimeZone::UTC))
    }

    /// Every case `query` selects (its filters and its order; its cursor and page size are
    /// ignored: all of them, not a page), with what the export writes of each. Bad filters are
    /// refused as the inbox refuses them. Reads from one snapshot.
    pub fn case_export_rows(
        &self,
        query: &InboxQuery,
        now: Timestamp,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<CaseExportRow>> {
        let query = InboxQuery {
            after: None,
            limit: None,
            ..query.clone()
        };
        let labels: HashMap<String, String> = self
            .policy()?
            .map(|policy| {
                policy
                    .reasons
                    .into_iter()
                    .map(|reason| (reason.id, reason.label))
                    .collect()
            })
            .unwrap_or_default();
        let snapshot = self.conn.unchecked_transaction()?;
        let selection = self.inbox_selection(&query, now)?;
        let params = selection.bound();
        let total: i64 = snapshot.query_row(
            &format!(
                "SELECT count(*) FROM {} {}",
                selection.tables, selection.filter
            ),
            params.as_slice(),
            |row| row.get(0),
        )?;
        let total = total.max(0) as u64;
        let mut statement = snapshot.prepare(&format!(
            "SELECT c.id, a.name, a.external_id, a.tier, c.status, r.closed_as, r.route,
                    c.reason_id, c.requester_name, c.requester_contact, c.channel, c.received_at,
                    c.first_response_due, c.acknowledged_at, c.owner, r.closed_at,
                    r.effective_date, a.mrr_minor, a.currency
             FROM {} LEFT JOIN case_reports r ON r.case_id = c.id
             {}
             ORDER BY {}",
            selection.tables, selection.filter, selection.order
        ))?;
        let mut rows = statement.query(params.as_slice())?;
        let mut out = Vec::with_capacity(total as usize);
        progress(Progress {
            stage: Stage::Reading,
            done: 0,
            total,
        });
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let status: String = row.get(4)?;
            let channel: String = row.get(10)?;
            let reason: Option<String> = row.get(7)?;
            let effective: Option<String> = row.get(16)?;
            let currency: String = row.get(18)?;
            let currency =
                Currency::parse(&currency).map_err(|_| corrupt("currency", &currency))?;
            out.push(CaseExportRow {
                case_id: uuid(&id)?,
                account: row.get(1)?,
                account_external_id: row.get(2)?,
                tier: row.get(3)?,
                status: CaseStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
                outcome: row.get::<_, Option<String>>(5)?.map(|o| outcome_words(&o)),
                route: row.get::<_, Option<String>>(6)?.map(|r| route_words(&r)),
                reason: reason.map(|id| labels.get(&id).cloned().unwrap_or(id)),
                requester: row.get(8)?,
                requester_contact: row.get(9)?,
                channel: RequestChannel::parse(&channel)
                    .ok_or_else(|| corrupt("channel", &channel))?,
                received_at: from_millis(row.get(11)?)?,
                first_response_due: instant(row.get(12)?)?,
                first_response_sent: instant(row.get(13)?)?,
                owner: row.get(14)?,
                closed_at: instant(row.get(15)?)?,
                effective_date: effective
                    .map(|date| date.parse().map_err(|_| corrupt("effective date", &date)))
                    .transpose()?,
                mrr: Money::new(row.get(17)?, currency),
            });
            tick(progress, Stage::Reading, out.len() as u64, total);
        }
        Ok(out)
    }

    /// Every task, open ones first, each by its due time; with its case's account and status.
    pub fn task_export_rows(
        &self,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<TaskExportRow>> {
        let snapshot = self.conn.unchecked_transaction()?;
        let total: i64 = snapshot.query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))?;
        let total = total.max(0) as u64;
        let mut statement = snapshot.prepare(
            "SELECT t.kind, t.detail, t.case_id, a.name, t.assignee, t.assignee_role, t.due_at,
                    t.open, c.status
             FROM tasks t JOIN cases c ON c.id = t.case_id JOIN accounts a ON a.id = c.account_id
             ORDER BY t.open DESC, t.due_at IS NULL, t.due_at, t.id",
        )?;
        let mut rows = statement.query([])?;
        let mut out = Vec::with_capacity(total as usize);
        progress(Progress {
            stage: Stage::Reading,
            done: 0,
            total,
        });
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let case_id: String = row.get(2)?;
            let role: Option<String> = row.get(5)?;
            let status: String = row.get(8)?;
            out.push(TaskExportRow {
                kind: TaskKind::parse(&kind).ok_or_else(|| corrupt("task kind", &kind))?,
                detail: row.get(1)?,
                case_id: uuid(&case_id)?,
                account: row.get(3)?,
                assignee: row.get(4)?,
                assignee_role: role
                    .map(|role| Role::parse(&role).ok_or_else(|| corrupt("role", &role)))
                    .transpose()?,
                due_at: instant(row.get(6)?)?,
                done: row.get::<_, i64>(7)? == 0,
                case_status: CaseStatus::parse(&status)
                    .ok_or_else(|| corrupt("status", &status))?,
            });
            tick(progress, Stage::Reading, out.len() as u64, total);
        }
        Ok(out)
    }
}

fn export_error(error: impl std::fmt::Display) -> StoreError {
    StoreError::Export(error.to_string())
}

/// An instant in `zone` as CSV writes it: `YYYY-MM-DD HH:MM:SS`.
pub fn csv_instant(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .datetime()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// An amount as CSV writes it: its currency's decimal places, no code (the Currency column).
pub fn csv_amount(money: Money) -> String {
    let text = money.to_string();
    text.rsplit_once(' ')
        .map(|(amount, _)| amount.to_owned())
        .unwrap_or(text)
}

fn opt(text: &Option<String>) -> String {
    text.clone().unwrap_or_default()
}

fn opt_instant(at: Option<Timestamp>, zone: &TimeZone) -> String {
    at.map(|at| csv_instant(at, zone)).unwrap_or_default()
}

/// The cases as CSV: the header (`case_columns`), then a line per case.
pub fn cases_csv(
    rows: &[CaseExportRow],
    zone: &TimeZone,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(case_columns(zone))
        .map_err(export_error)?;
    let total = rows.len() as u64;
    for (index, row) in rows.iter().enumerate() {
        writer
            .write_record([
                row.case_id.to_string(),
                row.account.clone(),
                row.account_external_id.clone(),
                row.tier.clone(),
                status_words(row.status).to_owned(),
                opt(&row.outcome),
                opt(&row.route),
                opt(&row.reason),
                row.requester.clone(),
                row.requester_contact.clone(),
                channel_words(row.channel).to_owned(),
                csv_instant(row.received_at, zone),
                opt_instant(row.first_response_due, zone),
                opt_instant(row.first_response_sent, zone),
                opt(&row.owner),
                opt_instant(row.closed_at, zone),
                row.effective_date
                    .map(|date| date.to_string())
                    .unwrap_or_default(),
                csv_amount(row.mrr),
                row.mrr.currency.code().to_owned(),
            ])
            .map_err(export_error)?;
        tick(progress, Stage::Writing, index as u64 + 1, total);
    }
    writer.into_inner().map_err(export_error)
}

/// The tasks as CSV: the header (`task_columns`), then a line per task; "Status" judged at `now`.
pub fn tasks_csv(
    rows: &[TaskExportRow],
    zone: &TimeZone,
    now: Timestamp,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(task_columns(zone))
        .map_err(export_error)?;
    let total = rows.len() as u64;
    for (index, row) in rows.iter().enumerate() {
        writer
            .write_record([
                task_words(row.kind),
                opt(&row.detail),
                row.case_id.to_string(),
                row.account.clone(),
                opt(&row.assignee),
                row.assignee_role
                    .map(|role| role_words(role).to_owned())
                    .unwrap_or_default(),
                opt_instant(row.due_at, zone),
                if row.done { "Yes" } else { "No" }.to_owned(),
                row.status_at(now).to_owned(),
                status_words(row.case_status).to_owned(),
            ])
            .map_err(export_error)?;
        tick(progress, Stage::Writing, index as u64 + 1, total);
    }
    writer.into_inner().map_err(export_error)
}

/// An instant in `zone` as an Excel date-time (to the second).
pub fn excel_instant(
    at: Timestamp,
    zone: &TimeZone,
) -> std::result::Result<ExcelDateTime, XlsxError> {
    let local = at.to_zoned(zone.clone()).datetime();
    ExcelDateTime::from_ymd(local.year() as u16, local.month() as u8, local.day() as u8)?.and_hms(
        local.hour() as u16,
        local.minute() as u8,
        f64::from(local.second()),
    )
}

fn excel_date(date: Date) -> std::result::Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}

/// What every worksheet of these exports shares: the bold, frozen header and the cell formats.
struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    instant: Format,
    date: Format,
    money: HashMap<Currency, Format>,
}

impl Sheet<'_> {
    fn header(&mut self, titles: &[String], widths: &[f64]) -> std::result::Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        for (column, title) in titles.iter().enumerate() {
            self.sheet
                .write_string_with_format(0, column as u16, title, &bold)?;
        }
        for (column, width) in widths.iter().enumerate() {
            self.sheet.set_column_width(column as u16, *width)?;
        }
        self.sheet.set_freeze_panes(1, 0)?;
        Ok(())
    }

    fn text(&mut self, line: u32, column: u16, text: &str) -> std::result::Result<(), XlsxError> {
        if !text.is_empty() {
            self.sheet.write_string(line, column, text)?;
        }
        Ok(())
    }

    fn maybe(
        &mut self,
        line: u32,
        column: u16,
        text: &Option<String>,
    ) -> std::result::Result<(), XlsxError> {
        match text {
            Some(text) => self.text(line, column, text),
            None => Ok(()),
        }
    }

    fn at(
        &mut self,
        line: u32,
        column: u16,
        at: Option<Timestamp>,
        zone: &TimeZone,
    ) -> std::result::Result<(), XlsxError> {
        if let Some(at) = at {
            self.sheet.write_datetime_with_format(
                line,
                column,
                excel_instant(at, zone)?,
                &self.instant,
            )?;
        }
        Ok(())
    }

    fn money(
        &mut self,
        line: u32,
        column: u16,
        money: Money,
    ) -> std::result::Result<(), XlsxError> {
        let format = self
            .money
            .entry(money.currency)
            .or_insert_with(|| Format::new().set_num_format(money_format(money.currency)));
        self.sheet
            .write_number_with_format(line, column, money_number(money), format)?;
        Ok(())
    }
}

fn line_of(index: usize) -> std::result::Result<u32, XlsxError> {
    u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)
}

fn new_sheet(sheet: &mut Worksheet) -> Sheet<'_> {
    Sheet {
        sheet,
        instant: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        money: HashMap::new(),
    }
}

/// The cases as an XLSX workbook: one worksheet (`CASES_SHEET`).
pub fn cases_xlsx(
    rows: &[CaseExportRow],
    zone: &TimeZone,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>> {
    build_cases_xlsx(rows, zone, progress).map_err(export_error)
}

fn build_cases_xlsx(
    rows: &[CaseExportRow],
    zone: &TimeZone,
    progress: &mut dyn FnMut(Progress),
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(CASES_SHEET)?;
    let mut sheet = new_sheet(worksheet);
    sheet.header(
        &case_columns(zone),
        &[
            38.0, 28.0, 18.0, 12.0, 14.0, 24.0, 18.0, 28.0, 22.0, 28.0, 10.0, 24.0, 24.0, 24.0,
            18.0, 24.0, 14.0, 14.0, 9.0,
        ],
    )?;
    let total = rows.len() as u64;
    for (index, row) in rows.iter().enumerate() {
        let line = line_of(index)?;
        sheet.text(line, 0, &row.case_id.to_string())?;
        sheet.text(line, 1, &row.account)?;
        sheet.text(line, 2, &row.account_external_id)?;
        sheet.text(line, 3, &row.tier)?;
        sheet.text(line, 4, status_words(row.status))?;
        sheet.maybe(line, 5, &row.outcome)?;
        sheet.maybe(line, 6, &row.route)?;
        sheet.maybe(line, 7, &row.reason)?;
        sheet.text(line, 8, &row.requester)?;
        sheet.text(line, 9, &row.requester_contact)?;
        sheet.text(line, 10, channel_words(row.channel))?;
        sheet.at(line, 11, Some(row.received_at), zone)?;
        sheet.at(line, 12, row.first_response_due, zone)?;
        sheet.at(line, 13, row.first_response_sent, zone)?;
        sheet.maybe(line, 14, &row.owner)?;
        sheet.at(line, 15, row.closed_at, zone)?;
        if let Some(date) = row.effective_date {
            sheet
                .sheet
                .write_datetime_with_format(line, 16, excel_date(date)?, &sheet.date)?;
        }
        sheet.money(line, 17, row.mrr)?;
        sheet.text(line, 18, row.mrr.currency.code())?;
        tick(progress, Stage::Writing, index as u64 + 1, total);
    }
    workbook.save_to_buffer()
}

/// The tasks as an XLSX workbook: one worksheet (`TASKS_SHEET`); "Done" a boolean cell, "Status"
/// judged at `now`.
pub fn tasks_xlsx(
    rows: &[TaskExportRow],
    zone: &TimeZone,
    now: Timestamp,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>> {
    build_tasks_xlsx(rows, zone, now, progress).map_err(export_error)
}

fn build_tasks_xlsx(
    rows: &[TaskExportRow],
    zone: &TimeZone,
    now: Timestamp,
    progress: &mut dyn FnMut(Progress),
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(TASKS_SHEET)?;
    let mut sheet = new_sheet(worksheet);
    sheet.header(
        &task_columns(zone),
        &[22.0, 48.0, 38.0, 28.0, 20.0, 16.0, 24.0, 8.0, 10.0, 16.0],
    )?;
    let total = rows.len() as u64;
    for (index, row) in rows.iter().enumerate() {
        let line = line_of(index)?;
        sheet.text(line, 0, &task_words(row.kind))?;
        sheet.maybe(line, 1, &row.detail)?;
        sheet.text(line, 2, &row.case_id.to_string())?;
        sheet.text(line, 3, &row.account)?;
        sheet.maybe(line, 4, &row.assignee)?;
        if let Some(role) = row.assignee_role {
            sheet.text(line, 5, role_words(role))?;
        }
        sheet.at(line, 6, row.due_at, zone)?;
        sheet.sheet.write_boolean(line, 7, row.done)?;
        sheet.text(line, 8, row.status_at(now))?;
        sheet.text(line, 9, status_words(row.case_status))?;
        tick(progress, Stage::Writing, index as u64 + 1, total);
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_in_the_zone_the_title_names() {
        let zone = TimeZone::get("America/New_York").unwrap();
        let at: Timestamp = "2026-12-06T14:30:05Z".parse().unwrap();
        assert_eq!(csv_instant(at, &zone), "2026-12-06 09:30:05");
        assert_eq!(csv_instant(at, &TimeZone::UTC), "2026-12-06 14:30:05");
        let columns = case_columns(&zone);
        assert_eq!(columns[11], "Received (America/New_York)");
        assert_eq!(columns[0], "Case id");
        assert_eq!(task_columns(&TimeZone::UTC)[6], "Due (UTC)");
    }

    #[test]
    fn amounts_keep_their_decimal_places_without_the_code() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(csv_amount(Money::new(4_900, usd)), "49.00");
        assert_eq!(csv_amount(Money::new(12_000, jpy)), "12000");
    }

    #[test]
    fn a_task_is_overdue_only_while_open_and_past_due() {
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        let mut task = TaskExportRow {
            kind: TaskKind::SaveCall,
            detail: None,
            case_id: Uuid::nil(),
            account: "A".into(),
            assignee: None,
            assignee_role: None,
            due_at: Some("2026-12-06T11:00:00Z".parse().unwrap()),
            done: false,
            case_status: CaseStatus::InProgress,
        };
        assert_eq!(task.status_at(now), "Overdue");
        task.due_at = Some("2026-12-06T13:00:00Z".parse().unwrap());
        assert_eq!(task.status_at(now), "Open");
        task.due_at = Some("2026-12-06T11:00:00Z".parse().unwrap());
        task.done = true;
        assert_eq!(task.status_at(now), "Done");
    }
}
