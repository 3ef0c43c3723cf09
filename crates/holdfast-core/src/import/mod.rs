//! Reading customer accounts from a CSV export: every row is checked against the account rules, and
//! a file with any bad row yields every problem and no accounts, so an import is all or nothing;
//! and the checks an import passes as a whole before it is applied, on a device or the server.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use jiff::civil::Date;

use crate::account::{
    check_billing_period, check_channel_reachable, validate_draft, validate_email, validate_phone,
    AccountDraft, PreferredChannel,
};
use crate::error::RowProblem;
pub use crate::import::mapping::{AccountField, ColumnMapping};
use crate::import::table::{canonical_header, Table};
use crate::money::{Currency, Money};
use crate::policy::{Policy, Step};
use crate::workflow::{may_take, Actor, RepStatus};
use crate::CoreError;

pub mod mapping;
pub mod presets;
pub mod proposal;
pub mod table;

/// The columns an account export must have, by their canonical names. Headers are matched without
/// regard to case, spaces, dashes or underscores, so "External ID" and "external_id" are the same.
pub const ACCOUNT_COLUMNS: [&str; 15] = [
    "external_id",
    "name",
    "contact_name",
    "email",
    "phone",
    "preferred_channel",
    "tier",
    "hosting_server",
    "plan",
    "mrr",
    "currency",
    "customer_since",
    "total_collected",
    "accounts_receivable",
    "original_sales_rep",
];

/// Columns a file may have; when absent, every account takes the default.
pub const OPTIONAL_ACCOUNT_COLUMNS: [&str; 5] = [
    // How many of the account's invoices are unpaid (empty: none), from the billing system.
    "unpaid_invoices",
    // The plan's price for one billing period, in the account's currency (empty: not known, so
    // no prorated refund is computed).
    "plan_price",
    // The billing period paid for: its first day, and the first day after it (both or neither).
    "billing_period_start",
    "billing_period_end",
    // Who manages the account (a person's name), for policies that route high-value accounts.
    "account_manager",
];

/// Longest text accepted in any one cell; longer is almost always a broken quote swallowing rows.
const MAX_CELL_CHARS: usize = 500;

/// Reads every account in a CSV file in Holdfast's own format (the 15 columns by name), or every
/// problem with it.
pub fn read_accounts_csv(input: impl Read) -> Result<Vec<AccountDraft>, CoreError> {
    let table = Table::from_csv(input).map_err(|problems| CoreError::InvalidRows { problems })?;
    let mapping =
        own_format(&table.headers).map_err(|problems| CoreError::InvalidRows { problems })?;
    read_accounts(&table, &mapping)
}

/// Reads every account of a table through a mapping, or every problem with the file: the
/// mapping's own (on line 1), the rows that cannot be read, every cell that cannot be transformed
/// or breaks an account rule, and external ids that repeat. All or nothing.
pub fn read_accounts(
    table: &Table,
    mapping: &ColumnMapping,
) -> Result<Vec<AccountDraft>, CoreError> {
    let bound = mapping
        .bind(table)
        .map_err(|problems| CoreError::InvalidRows { problems })?;
    let mut problems = table.problems.clone();
    let mut drafts = Vec::with_capacity(table.rows.len());
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let (texts, cell_problems) = bound.apply(&row.cells);
        let untransformed: BTreeSet<String> = cell_problems
            .iter()
            .map(|(column, _)| column.clone())
            .collect();
        problems.extend(
            cell_problems
                .into_iter()
                .map(|(column, message)| RowProblem {
                    line,
                    column: Some(column),
                    message,
                }),
        );
        match (Row { cells: &texts }).to_draft() {
            Ok(_) if !untransformed.is_empty() => {}
            Ok(draft) => {
                if crate::sample::is_sample(&draft.external_id) {
                    problems.push(RowProblem {
                        line,
                        column: Some("external_id".into()),
                        message: format!(
                            "\"{}\": ids starting with \"{}\" are kept for the sample data",
                            draft.external_id,
                            crate::sample::SAMPLE_PREFIX
                        ),
                    });
                } else if let Some(first) = first_line_of.get(&draft.external_id) {
                    problems.push(RowProblem {
                        line,
                        column: Some("external_id".into()),
                        message: format!(
                            "\"{}\" already appears on line {first}",
                            draft.external_id
                        ),
                    });
                } else {
                    first_line_of.insert(draft.external_id.clone(), line);
                    drafts.push(draft);
                }
            }
            // A cell that could not be transformed is named once, not again as empty.
            Err(row_problems) => problems.extend(
                row_problems
                    .into_iter()
                    .filter(|(column, _)| !untransformed.contains(column))
                    .map(|(column, message)| RowProblem {
                        line,
                        column: Some(column),
                        message,
                    }),
            ),
        }
    }

    if !problems.is_empty() {
        problems.sort_by_key(|problem| problem.line);
        return Err(CoreError::InvalidRows { problems });
    }
    if drafts.is_empty() {
        return Err(CoreError::InvalidRows {
            problems: vec![RowProblem {
                line: 1,
                column: None,
                message: "the file has a header but no accounts".into(),
            }],
        });
    }
    Ok(drafts)
}

/// Holdfast's own format: each column by its name, the 15 required ones all there, none twice;
/// the mapping an import without one uses.
pub fn own_format(headers: &[String]) -> Result<ColumnMapping, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for header in headers {
        let key = canonical_header(header);
        let known = ACCOUNT_COLUMNS
            .iter()
            .chain(OPTIONAL_ACCOUNT_COLUMNS.iter())
            .find(|column| column.replace('_', "") == key);
        if let Some(column) = known {
            if !seen.insert(*column) {
                problems.push(RowProblem {
                    line: 1,
                    column: Some((*column).into()),
                    message: format!("the column \"{header}\" appears twice"),
                });
            }
        }
    }
    for column in ACCOUNT_COLUMNS {
        if !seen.contains(column) {
            problems.push(RowProblem {
                line: 1,
                column: Some(column.into()),
                message: format!("the header has no \"{column}\" column"),
            });
        }
    }
    if problems.is_empty() {
        Ok(ColumnMapping::by_name(headers))
    } else {
        Err(problems)
    }
}

/// A row's text for every field, in `AccountField::ALL`'s order (`BoundMapping::apply`).
struct Row<'a> {
    cells: &'a [String],
}

type CellProblems = Vec<(String, String)>;

impl Row<'_> {
    fn cell(&self, column: &'static str) -> &str {
        AccountField::ALL
            .iter()
            .position(|field| field.column() == column)
            .and_then(|index| self.cells.get(index))
            .map_or("", String::as_str)
    }

    fn optional(&self, column: &'static str, problems: &mut CellProblems) -> Option<String> {
        let value = self.cell(column);
        if value.chars().count() > MAX_CELL_CHARS {
            problems.push((
                column.into(),
                format!("is longer than {MAX_CELL_CHARS} characters"),
            ));
            return None;
        }
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn required(&self, column: &'static str, problems: &mut CellProblems) -> Option<String> {
        let value = self.optional(column, problems);
        if value.is_none() && self.cell(column).is_empty() {
            problems.push((column.into(), "is required".into()));
        }
        value
    }

    fn to_draft(&self) -> Result<AccountDraft, CellProblems> {
        let mut problems: CellProblems = Vec::new();
        let note = |result: Result<String, CoreError>, problems: &mut CellProblems| match result {
            Ok(value) => Some(value),
            Err(CoreError::Invalid { field, message }) => {
                problems.push((field, message));
                None
            }
            Err(other) => {
                problems.push(("row".into(), other.to_string()));
                None
            }
        };

        let external_id = self.required("external_id", &mut problems);
        let name = self.required("name", &mut problems);
        let contact_name = self.optional("contact_name", &mut problems);
        let email = self
            .optional("email", &mut problems)
            .and_then(|email| note(validate_email(&email), &mut problems));
        let phone = self
            .optional("phone", &mut problems)
            .and_then(|phone| note(validate_phone(&phone), &mut problems));
        let email_given = !self.cell("email").is_empty();
        let phone_given = !self.cell("phone").is_empty();
        if !email_given && !phone_given {
            problems.push((
                "email".into(),
                "an e-mail address or a phone number is required".into(),
            ));
        }
        let preferred_channel = match self.required("preferred_channel", &mut problems) {
            Some(text) => match PreferredChannel::parse(&text) {
                Ok(channel) => {
                    // Only judge reachability on contacts that were given and valid.
                    if email.is_some() == email_given && phone.is_some() == phone_given {
                        if let Err(CoreError::Invalid { field, message }) =
                            check_channel_reachable(channel, email.as_deref(), phone.as_deref())
                        {
                            problems.push((field, message));
                        }
                    }
                    Some(channel)
                }
                Err(error) => {
                    note(Err(error), &mut problems);
                    None
                }
            },
            None => None,
        };
        let tier = self.required("tier", &mut problems);
        let hosting_server = self.optional("hosting_server", &mut problems);
        let plan = self.optional("plan", &mut problems);
        let currency = self.required("currency", &mut problems).and_then(|code| {
            match Currency::parse(&code) {
                Ok(currency) => Some(currency),
                Err(error) => {
                    problems.push(("currency".into(), error.to_string()));
                    None
                }
            }
        });
        // `Some(None)`: the cell is empty; `None`: a problem was noted (or the currency is bad,
        // which is noted once, at its own column).
        let amount = |column: &'static str, problems: &mut CellProblems| {
            let text = self.cell(column);
            if text.is_empty() {
                return Some(None);
            }
            let currency = currency?;
            match Money::parse_non_negative(text, currency) {
                Ok(money) => Some(Some(money)),
                Err(error) => {
                    problems.push((column.into(), error.to_string()));
                    None
                }
            }
        };
        let mrr = match amount("mrr", &mut problems) {
            Some(None) => {
                problems.push(("mrr".into(), "is required".into()));
                None
            }
            found => found.flatten(),
        };
        // An empty total is nothing collected yet; an empty A/R is unknown, which is not zero.
        let total_collected = amount("total_collected", &mut problems)
            .and_then(|found| found.or(currency.map(|currency| Money::new(0, currency))));
        let accounts_receivable = amount("accounts_receivable", &mut problems);
        let plan_price = amount("plan_price", &mut problems).flatten();
        let date = |column: &'static str, problems: &mut CellProblems| match self.cell(column) {
            "" => None,
            text => match text.parse::<Date>() {
                Ok(date) => Some(date),
                Err(_) => {
                    problems.push((
                        column.into(),
                        format!("\"{text}\" is not a date written as YYYY-MM-DD"),
                    ));
                    None
                }
            },
        };
        let customer_since = date("customer_since", &mut problems);
        let billing_period_start = date("billing_period_start", &mut problems);
        let billing_period_end = date("billing_period_end", &mut problems);
        let period_cells_read = !problems
            .iter()
            .any(|(column, _)| column.starts_with("billing_period_"));
        if period_cells_read {
            if let Err(CoreError::Invalid { field, message }) =
                check_billing_period(billing_period_start, billing_period_end)
            {
                problems.push((field, message));
            }
        }
        let account_manager = self.optional("account_manager", &mut problems);
        let original_sales_rep = self.optional("original_sales_rep", &mut problems);
        let unpaid_invoices = match self.cell("unpaid_invoices") {
            "" => 0,
            text => match text.parse::<u32>() {
                Ok(count) if count <= 10_000 => count,
                _ => {
                    problems.push((
                        "unpaid_invoices".into(),
                        format!("\"{text}\" is not a number of invoices (0 to 10000)"),
                    ));
                    0
                }
            },
        };

        match (
            external_id,
            name,
            preferred_channel,
            tier,
            mrr,
            total_collected,
            accounts_receivable,
        ) {
            (
                Some(external_id),
                Some(name),
                Some(preferred_channel),
                Some(tier),
                Some(mrr),
                Some(total_collected),
                Some(accounts_receivable),
            ) if problems.is_empty() => Ok(AccountDraft {
                external_id,
                name,
                contact_name,
                email,
                phone,
                preferred_channel,
                tier,
                hosting_server,
                plan,
                mrr,
                customer_since,
                total_collected,
                accounts_receivable,
                original_sales_rep,
                unpaid_invoices,
                plan_price,
                billing_period_start,
                billing_period_end,
                account_manager,
            }),
            _ => Err(problems),
        }
    }
}

/// One line of the sales-rep roster: a rep (named as the account export names them) and whether
/// they still work here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub name: String,
    /// `Active` or `Left`; a roster never says `Unknown`.
    pub status: RepStatus,
}

/// Reads a sales-rep roster (`name,status`, status `active` or `left`), or every problem with it:
/// all or nothing, like an account import, each problem with its line and column.
pub fn read_roster_csv(input: impl Read) -> Result<Vec<RosterEntry>, CoreError> {
    let invalid = |problems| CoreError::InvalidRows { problems };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers().cloned().map_err(|error| {
        invalid(vec![RowProblem {
            line: 1,
            column: None,
            message: format!("the header row cannot be read: {error}"),
        }])
    })?;
    let find = |wanted: &str| headers.iter().position(|h| canonical_header(h) == wanted);
    let (name_at, status_at) = match (find("name"), find("status")) {
        (Some(name), Some(status)) => (name, status),
        (name, status) => {
            let missing = [("name", name), ("status", status)]
                .into_iter()
                .filter(|(_, found)| found.is_none())
                .map(|(column, _)| RowProblem {
                    line: 1,
                    column: Some(column.into()),
                    message: format!("the header has no \"{column}\" column"),
                })
                .collect();
            return Err(invalid(missing));
        }
    };
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let fallback_line = index as u64 + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(RowProblem {
                    line: error.position().map_or(fallback_line, |p| p.line()),
                    column: None,
                    message: format!("the row cannot be read: {error}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(fallback_line, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut problem = |column: &str, message: String| {
            problems.push(RowProblem {
                line,
                column: Some(column.into()),
                message,
            })
        };
        let name = record.get(name_at).unwrap_or("");
        let status = record.get(status_at).unwrap_or("");
        if name.is_empty() {
            problem("name", "is required".into());
        } else if name.chars().count() > MAX_CELL_CHARS {
            problem(
                "name",
                format!("is longer than {MAX_CELL_CHARS} characters"),
            );
        }
        let status = match status.to_ascii_lowercase().as_str() {
            "active" => Some(RepStatus::Active),
            "left" => Some(RepStatus::Left),
            _ => {
                problem("status", format!("\"{status}\" is not one of active, left"));
                None
            }
        };
        if let Some(first) = first_line_of.get(name) {
            problem(
                "name",
                format!("\"{name}\" already appears on line {first}"),
            );
            continue;
        }
        if let (Some(status), false) = (status, name.is_empty()) {
            first_line_of.insert(name.to_owned(), line);
            entries.push(RosterEntry {
                name: name.to_owned(),
                status,
            });
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    if entries.is_empty() {
        return Err(invalid(vec![RowProblem {
            line: 1,
            column: None,
            message: "the file has a header but no sales reps".into(),
        }]));
    }
    Ok(entries)
}

/// Whether `actor` may import accounts under `policy`: active, and holding a role the policy names
/// for `import_accounts` (any role when it names none, or when there is no policy yet). The desk
/// asks this to show the import disabled with its reason; `check_import` asks it again.
pub fn may_import(actor: &Actor, policy: Option<&Policy>) -> Result<(), CoreError> {
    if !actor.active {
        return Err(CoreError::InactiveUser {
            user_id: actor.user_id.clone(),
        });
    }
    if actor.roles.is_empty() {
        return Err(CoreError::invalid(
            "actor",
            "a user needs a role to import accounts",
        ));
    }
    match policy {
        Some(policy) => may_take(actor, Step::ImportAccounts, policy),
        None => Ok(()),
    }
}

/// Whether an account import may be applied as a whole: a user who may import (`may_import`),
/// every row valid, every external id once. The error names the row.
pub fn check_import(
    actor: &Actor,
    policy: Option<&Policy>,
    drafts: &[AccountDraft],
) -> Result<(), CoreError> {
    may_import(actor, policy)?;
    let mut seen = BTreeSet::new();
    for (index, draft) in drafts.iter().enumerate() {
        if let Err(error) = validate_draft(draft) {
            let (field, message) = match error {
                CoreError::Invalid { field, message } => (field, message),
                other => ("account".to_owned(), other.to_string()),
            };
            return Err(CoreError::Invalid {
                field,
                message: format!(
                    "account {} ({}): {message}",
                    index + 1,
                    draft.external_id.trim()
                ),
            });
        }
        if !seen.insert(draft.external_id.trim().to_owned()) {
            return Err(CoreError::invalid(
                "external_id",
                format!(
                    "\"{}\" appears more than once in the import",
                    draft.external_id.trim()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep\n";

    fn problems(csv: &str) -> Vec<RowProblem> {
        match read_accounts_csv(csv.as_bytes()) {
            Err(CoreError::InvalidRows { problems }) => problems,
            other => panic!("expected invalid rows, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_well_formed_export() {
        let csv = format!(
            "{HEADER}A-1,Acme Corp,Ana Silva,ana@acme.io,+1 555 010 2030,email,Professional,us-east-1,Pro,\"1,234.50\",usd,2021-03-04,\"45,000.00\",0,Rob Reyes\n\
             A-2,\"Beta, Inc.\",,,555-010-9999,phone,Essentials,,,49,EUR,,,,\n"
        );
        let drafts = read_accounts_csv(csv.as_bytes()).unwrap();
        assert_eq!(drafts.len(), 2);
        let acme = &drafts[0];
        assert_eq!(acme.external_id, "A-1");
        assert_eq!(acme.mrr.minor, 123_450);
        assert_eq!(acme.mrr.currency.code(), "USD");
        assert_eq!(acme.total_collected.minor, 4_500_000);
        assert_eq!(acme.customer_since, Some(jiff::civil::date(2021, 3, 4)));
        assert_eq!(acme.original_sales_rep.as_deref(), Some("Rob Reyes"));
        let beta = &drafts[1];
        assert_eq!(beta.name, "Beta, Inc.");
        assert_eq!(beta.email, None);
        assert_eq!(beta.accounts_receivable, None, "an empty A/R is unknown");
        assert_eq!(
            beta.total_collected.minor, 0,
            "an empty total is nothing collected"
        );
        assert_eq!(beta.preferred_channel, PreferredChannel::Phone);
    }

    #[test]
    fn reports_every_bad_row_with_its_line_and_column() {
        let csv = format!(
            "{HEADER}A-1,Acme,,ana@acme.io,,email,Pro,,,10,USD,,,,\n\
             ,NoId,,x@y.io,,email,Pro,,,10,USD,,,,\n\
             A-3,Bad mail,,not-mail,,email,Pro,,,10,USD,,,,\n\
             A-4,Bad money,,a@b.io,,email,Pro,,,12.345,USD,,,,\n\
             A-5,Bad date,,a@b.io,,email,Pro,,,10,USD,03/04/2021,,,\n\
             A-1,Duplicate,,a@b.io,,email,Pro,,,10,USD,,,,\n\
             A-7,Short row\n\
             A-8,Wrong channel,,a@b.io,,fax,Pro,,,10,USD,,,,\n\
             A-9,Unreachable,,a@b.io,,sms,Pro,,,10,USD,,,,\n\
             A-10,Negative,,a@b.io,,email,Pro,,,-5,USD,,,,\n"
        );
        let found: Vec<(u64, Option<String>)> = problems(&csv)
            .into_iter()
            .map(|p| (p.line, p.column))
            .collect();
        let col = |c: &str| Some(c.to_string());
        assert_eq!(
            found,
            vec![
                (3, col("external_id")),
                (4, col("email")),
                (5, col("mrr")),
                (6, col("customer_since")),
                (7, col("external_id")),
                (8, None),
                (9, col("preferred_channel")),
                (10, col("preferred_channel")),
                (11, col("mrr")),
            ]
        );
    }

    #[test]
    fn unpaid_invoices_are_an_optional_column_of_counts() {
        let without = format!("{HEADER}A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,\n");
        assert_eq!(
            read_accounts_csv(without.as_bytes()).unwrap()[0].unpaid_invoices,
            0
        );

        let header = HEADER.replace('\n', ",Unpaid invoices\n");
        let with = format!(
            "{header}A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,,2\nA-2,Beta,,b@beta.io,,email,Pro,,,10,USD,,,,,\n"
        );
        let drafts = read_accounts_csv(with.as_bytes()).unwrap();
        assert_eq!(drafts[0].unpaid_invoices, 2);
        assert_eq!(drafts[1].unpaid_invoices, 0, "an empty cell is none");

        let bad = format!("{header}A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,,-1\n");
        let found = problems(&bad);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].column.as_deref(), Some("unpaid_invoices"));
        assert_eq!(found[0].line, 2);
    }

    #[test]
    fn plan_price_billing_period_and_account_manager_are_optional_columns() {
        let without = format!("{HEADER}A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,\n");
        let draft = &read_accounts_csv(without.as_bytes()).unwrap()[0];
        assert_eq!(draft.plan_price, None);
        assert_eq!(draft.billing_period_start, None);
        assert_eq!(draft.billing_period_end, None);
        assert_eq!(draft.account_manager, None);

        let header = HEADER.replace(
            '\n',
            ",Plan price,Billing period start,Billing period end,Account manager\n",
        );
        let with = format!(
            "{header}A-1,Acme,,a@acme.io,,email,Pro,,,10,EUR,,,,,\"1,200.00\",2026-12-01,2027-01-01,Mia Chen\n\
             A-2,Beta,,b@beta.io,,email,Pro,,,10,USD,,,,,,,,\n"
        );
        let drafts = read_accounts_csv(with.as_bytes()).unwrap();
        let acme = &drafts[0];
        assert_eq!(
            acme.plan_price.map(|p| (p.minor, p.currency.code())),
            Some((120_000, "EUR"))
        );
        assert_eq!(
            acme.billing_period_start,
            Some(jiff::civil::date(2026, 12, 1))
        );
        assert_eq!(acme.billing_period_end, Some(jiff::civil::date(2027, 1, 1)));
        assert_eq!(acme.account_manager.as_deref(), Some("Mia Chen"));
        assert_eq!(drafts[1].plan_price, None);
        assert_eq!(drafts[1].billing_period_start, None);
        assert_eq!(drafts[1].account_manager, None);
    }

    #[test]
    fn a_billing_period_is_both_days_or_neither_and_ends_after_it_starts() {
        let header = HEADER.replace(
            '\n',
            ",Plan price,Billing period start,Billing period end\n",
        );
        let bad = format!(
            "{header}A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,,99,2026-12-01,\n\
             A-2,Beta,,b@beta.io,,email,Pro,,,10,USD,,,,,99,,2027-01-01\n\
             A-3,Gamma,,c@gamma.io,,email,Pro,,,10,USD,,,,,99,2026-12-01,2026-12-01\n\
             A-4,Delta,,d@delta.io,,email,Pro,,,10,USD,,,,,-1,2026-12-01,12/31/2026\n\
             A-5,Fine,,e@fine.io,,email,Pro,,,10,USD,,,,,99,2026-12-01,2026-12-02\n"
        );
        let found: Vec<(u64, Option<String>)> = problems(&bad)
            .into_iter()
            .map(|p| (p.line, p.column))
            .collect();
        let col = |c: &str| Some(c.to_string());
        assert_eq!(
            found,
            vec![
                (2, col("billing_period_end")),
                (3, col("billing_period_start")),
                (4, col("billing_period_end")),
                (5, col("plan_price")),
                (5, col("billing_period_end")),
            ]
        );
    }

    #[test]
    fn an_empty_accounts_receivable_is_unknown_not_zero() {
        let csv = format!(
            "{HEADER}A-1,Acme,,a@acme.io,,email,Pro,,,10,USD,,,,\n\
             A-2,Beta,,b@beta.io,,email,Pro,,,10,USD,,,0,\n\
             A-3,Gamma,,c@gamma.io,,email,Pro,,,10,USD,,,\"1,000.00\",\n"
        );
        let drafts = read_accounts_csv(csv.as_bytes()).unwrap();
        assert_eq!(drafts[0].accounts_receivable, None);
        assert_eq!(drafts[1].accounts_receivable.map(|m| m.minor), Some(0));
        assert_eq!(
            drafts[2].accounts_receivable.map(|m| m.minor),
            Some(100_000)
        );
        let facts = crate::decision::account_facts(
            &drafts[0],
            crate::workflow::RepStatus::Unknown,
            Vec::new(),
        );
        assert_eq!(facts.accounts_receivable, None);
    }

    #[test]
    fn drafts_stored_before_the_new_fields_still_read() {
        let stored = serde_json::json!({
            "external_id": "A-1", "name": "Acme", "contact_name": null, "email": "a@acme.io",
            "phone": null, "preferred_channel": "email", "tier": "Pro", "hosting_server": null,
            "plan": null, "mrr": {"minor": 1000, "currency": "USD"}, "customer_since": null,
            "total_collected": {"minor": 0, "currency": "USD"},
            "accounts_receivable": {"minor": 2500, "currency": "USD"},
            "original_sales_rep": null
        });
        let draft: AccountDraft = serde_json::from_value(stored).unwrap();
        assert_eq!(draft.accounts_receivable.map(|m| m.minor), Some(2500));
        assert_eq!((draft.plan_price, draft.account_manager), (None, None));
    }

    #[test]
    fn a_roster_is_names_with_active_or_left() {
        let entries =
            read_roster_csv("Name,Status\nRob Reyes,left\nMia Chen,Active\n".as_bytes()).unwrap();
        assert_eq!(
            entries,
            vec![
                RosterEntry {
                    name: "Rob Reyes".into(),
                    status: RepStatus::Left
                },
                RosterEntry {
                    name: "Mia Chen".into(),
                    status: RepStatus::Active
                },
            ]
        );
        let bad = "name,status\nRob,gone\n,active\nMia,active\nMia,left\n";
        let found: Vec<(u64, Option<String>)> = match read_roster_csv(bad.as_bytes()) {
            Err(CoreError::InvalidRows { problems }) => {
                problems.into_iter().map(|p| (p.line, p.column)).collect()
            }
            other => panic!("expected invalid rows, got {other:?}"),
        };
        let col = |c: &str| Some(c.to_string());
        assert_eq!(
            found,
            vec![(2, col("status")), (3, col("name")), (5, col("name"))]
        );
        assert!(read_roster_csv("name\nRob\n".as_bytes()).is_err());
    }

    #[test]
    fn a_missing_column_is_a_header_problem() {
        let found = problems("external_id,name\nA-1,Acme\n");
        assert!(found.iter().all(|p| p.line == 1));
        assert!(found
            .iter()
            .any(|p| p.column.as_deref() == Some("preferred_channel")));
        assert_eq!(found.len(), ACCOUNT_COLUMNS.len() - 2);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(problems(HEADER).len(), 1);
    }

    #[test]
    fn quoted_newlines_keep_line_numbers_true() {
        let csv = format!(
            "{HEADER}A-1,\"Acme\nCorp\",,a@b.io,,email,Pro,,,10,USD,,,,\n\
             A-2,Bad,,a@b.io,,email,Pro,,,ten,USD,,,,\n"
        );
        assert_eq!(problems(&csv)[0].line, 4);
    }
}
