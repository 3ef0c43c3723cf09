//! How a file's columns become an account's fields: for each field, a column (or several, joined)
//! with the transformation that keeps its meaning (a Unix time or `2024-03-05 14:01` to a date,
//! `12.5` or cents to an amount, a yes/no to a count), or one value for every row. A mapping is
//! checked against the file's header before any row is read, and applied row by row into the
//! account rules' own checks (`import::read_accounts`).

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::account::PreferredChannel;
use crate::error::RowProblem;
use crate::import::table::{canonical_header, Table};
use crate::money::{Currency, Money};

/// A field of an account that an import fills, by the name Holdfast's own export gives its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountField {
    ExternalId,
    Name,
    ContactName,
    Email,
    Phone,
    PreferredChannel,
    Tier,
    HostingServer,
    Plan,
    Mrr,
    Currency,
    CustomerSince,
    TotalCollected,
    AccountsReceivable,
    OriginalSalesRep,
    UnpaidInvoices,
    PlanPrice,
    BillingPeriodStart,
    BillingPeriodEnd,
    AccountManager,
}

/// What kind of value a field holds, which decides the transformations that fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Amount,
    Count,
    Channel,
    Currency,
}

impl AccountField {
    pub const ALL: [AccountField; 20] = [
        AccountField::ExternalId,
        AccountField::Name,
        AccountField::ContactName,
        AccountField::Email,
        AccountField::Phone,
        AccountField::PreferredChannel,
        AccountField::Tier,
        AccountField::HostingServer,
        AccountField::Plan,
        AccountField::Mrr,
        AccountField::Currency,
        AccountField::CustomerSince,
        AccountField::TotalCollected,
        AccountField::AccountsReceivable,
        AccountField::OriginalSalesRep,
        AccountField::UnpaidInvoices,
        AccountField::PlanPrice,
        AccountField::BillingPeriodStart,
        AccountField::BillingPeriodEnd,
        AccountField::AccountManager,
    ];

    /// The field's column in Holdfast's own account export (`ACCOUNT_COLUMNS` and the optional
    /// ones), which is also how problems name it.
    pub fn column(self) -> &'static str {
        match self {
            AccountField::ExternalId => "external_id",
            AccountField::Name => "name",
            AccountField::ContactName => "contact_name",
            AccountField::Email => "email",
            AccountField::Phone => "phone",
            AccountField::PreferredChannel => "preferred_channel",
            AccountField::Tier => "tier",
            AccountField::HostingServer => "hosting_server",
            AccountField::Plan => "plan",
            AccountField::Mrr => "mrr",
            AccountField::Currency => "currency",
            AccountField::CustomerSince => "customer_since",
            AccountField::TotalCollected => "total_collected",
            AccountField::AccountsReceivable => "accounts_receivable",
            AccountField::OriginalSalesRep => "original_sales_rep",
            AccountField::UnpaidInvoices => "unpaid_invoices",
            AccountField::PlanPrice => "plan_price",
            AccountField::BillingPeriodStart => "billing_period_start",
            AccountField::BillingPeriodEnd => "billing_period_end",
            AccountField::AccountManager => "account_manager",
        }
    }

    pub fn kind(self) -> FieldKind {
        match self {
            AccountField::CustomerSince
            | AccountField::BillingPeriodStart
            | AccountField::BillingPeriodEnd => FieldKind::Date,
            AccountField::Mrr
            | AccountField::TotalCollected
            | AccountField::AccountsReceivable
            | AccountField::PlanPrice => FieldKind::Amount,
            AccountField::UnpaidInvoices => FieldKind::Count,
            AccountField::PreferredChannel => FieldKind::Channel,
            AccountField::Currency => FieldKind::Currency,
            _ => FieldKind::Text,
        }
    }

    /// A field every account needs: a mapping must fill it from a column or a value.
    pub fn required(self) -> bool {
        matches!(
            self,
            AccountField::ExternalId
                | AccountField::Name
                | AccountField::PreferredChannel
                | AccountField::Tier
                | AccountField::Mrr
                | AccountField::Currency
        )
    }

    /// Fields that tell one account from another: one value for every row would make every
    /// account the same, so they only come from columns.
    pub fn per_account(self) -> bool {
        matches!(
            self,
            AccountField::ExternalId
                | AccountField::Name
                | AccountField::ContactName
                | AccountField::Email
                | AccountField::Phone
        )
    }
}

/// Whether a date written with slashes or dots puts the day or the month first (`03/05/2024`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// Whether a column's amounts are in the currency's units (`12.50`) or its minor units (`1250`,
/// as billing systems' APIs write them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AmountUnit {
    Major,
    Minor,
}

/// How a column's text becomes the field's, keeping its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    /// As written.
    Text,
    /// A date in any common form (ISO, with a time, a Unix time in seconds or milliseconds, a
    /// month's name, or slashes in the given order) to `YYYY-MM-DD`. A time is dropped: the date
    /// is the one written, and a Unix time's date is taken in UTC.
    Date { order: DateOrder },
    /// An amount, a currency sign or code around it allowed.
    Amount { unit: AmountUnit },
    /// A yes/no column (`true`, `yes`, `1`, `y`; `false`, `no`, `0`, `n`; empty is no) to the
    /// field's text for each.
    Flag {
        when_true: String,
        when_false: String,
    },
}

/// Where one field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldSource {
    /// The file's columns by header, their non-empty cells joined with a space (a first and a
    /// last name), then transformed.
    Column {
        columns: Vec<String>,
        transform: Transform,
    },
    /// The same value for every row (a tier when the export has none).
    Fixed { value: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldMapping {
    pub field: AccountField,
    pub source: FieldSource,
}

/// A file's columns mapped to accounts' fields; a field left out stays empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ColumnMapping {
    pub fields: Vec<FieldMapping>,
}

/// A mapping checked against a file's header: each field's columns by index.
#[derive(Debug, Clone)]
pub struct BoundMapping {
    sources: BTreeMap<AccountField, BoundSource>,
}

#[derive(Debug, Clone)]
enum BoundSource {
    Columns {
        indices: Vec<usize>,
        headers: Vec<String>,
        transform: Transform,
    },
    Fixed(String),
}

/// Most characters a fixed value may have, like a cell.
const MAX_FIXED_CHARS: usize = 500;

impl ColumnMapping {
    /// Maps every header that names one of Holdfast's own fields to it, as written.
    pub fn by_name(headers: &[String]) -> ColumnMapping {
        let fields = AccountField::ALL
            .into_iter()
            .filter_map(|field| {
                let wanted = field.column().replace('_', "");
                headers
                    .iter()
                    .find(|header| canonical_header(header) == wanted)
                    .map(|header| FieldMapping {
                        field,
                        source: FieldSource::Column {
                            columns: vec![header.clone()],
                            transform: Transform::Text,
                        },
                    })
            })
            .collect();
        ColumnMapping { fields }
    }

    pub fn source(&self, field: AccountField) -> Option<&FieldSource> {
        self.fields
            .iter()
            .find(|mapping| mapping.field == field)
            .map(|mapping| &mapping.source)
    }

    /// Checks the mapping against the file's header: every column it names is there, every
    /// required field is filled, no field twice, fixed values fit their field. Each problem is on
    /// line 1, at the field's column name.
    pub fn bind(&self, table: &Table) -> Result<BoundMapping, Vec<RowProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field: AccountField, message: String| {
            problems.push(RowProblem {
                line: 1,
                column: Some(field.column().into()),
                message,
            })
        };
        let mut sources = BTreeMap::new();
        for mapping in &self.fields {
            let field = mapping.field;
            if sources.contains_key(&field) {
                problem(field, "is mapped twice".into());
                continue;
            }
            let bound = match &mapping.source {
                FieldSource::Column { columns, transform } => {
                    if columns.is_empty() {
                        problem(field, "names no column".into());
                        continue;
                    }
                    let mut indices = Vec::new();
                    for column in columns {
                        match table.column(column) {
                            Some(index) => indices.push(index),
                            None => problem(field, format!("the file has no column \"{column}\"")),
                        }
                    }
                    if let Err(message) = transform_fits(field, transform) {
                        problem(field, message);
                    }
                    BoundSource::Columns {
                        indices,
                        headers: columns.clone(),
                        transform: transform.clone(),
                    }
                }
                FieldSource::Fixed { value } => {
                    let value = value.trim();
                    if field.per_account() {
                        problem(
                            field,
                            "differs from account to account: choose a column, not one value"
                                .into(),
                        );
                    } else if value.is_empty() {
                        problem(field, "has no value to give every row".into());
                    } else if value.chars().count() > MAX_FIXED_CHARS {
                        problem(
                            field,
                            format!("is longer than {MAX_FIXED_CHARS} characters"),
                        );
                    } else if let Err(message) = fixed_fits(field, value) {
                        problem(field, message);
                    }
                    BoundSource::Fixed(value.to_owned())
                }
            };
            sources.insert(field, bound);
        }
        for field in AccountField::ALL {
            if field.required() && !sources.contains_key(&field) {
                problem(
                    field,
                    "is required: choose a column, or a value for every row".into(),
                );
            }
        }
        if !sources.contains_key(&AccountField::Email)
            && !sources.contains_key(&AccountField::Phone)
        {
            problem(
                AccountField::Email,
                "an e-mail or a phone column is required to reach the customer".into(),
            );
        }
        if problems.is_empty() {
            Ok(BoundMapping { sources })
        } else {
            Err(problems)
        }
    }
}

/// Whether a transformation keeps the field's meaning (a date cannot become an amount).
fn transform_fits(field: AccountField, transform: &Transform) -> Result<(), String> {
    let fits = match transform {
        Transform::Text | Transform::Flag { .. } => true,
        Transform::Date { .. } => field.kind() == FieldKind::Date,
        Transform::Amount { .. } => field.kind() == FieldKind::Amount,
    };
    if fits {
        Ok(())
    } else {
        Err("cannot take that transformation: it does not hold that kind of value".into())
    }
}

fn fixed_fits(field: AccountField, value: &str) -> Result<(), String> {
    match field.kind() {
        FieldKind::Channel => PreferredChannel::parse(value)
            .map(|_| ())
            .map_err(|error| error.to_string()),
        FieldKind::Currency => Currency::parse(value)
            .map(|_| ())
            .map_err(|error| error.to_string()),
        FieldKind::Date => value
            .parse::<Date>()
            .map(|_| ())
            .map_err(|_| format!("\"{value}\" is not a date written as YYYY-MM-DD")),
        FieldKind::Count => value
            .parse::<u32>()
            .map(|_| ())
            .map_err(|_| format!("\"{value}\" is not a whole number")),
        // Amounts are checked on each row, against that row's currency.
        FieldKind::Amount | FieldKind::Text => Ok(()),
    }
}

impl BoundMapping {
    /// The row's text for every field, in `AccountField::ALL`'s order, ready for the account
    /// rules, and the problems of the cells that could not be transformed (field, message): those
    /// fields' texts are left empty.
    pub fn apply(&self, cells: &[String]) -> (Vec<String>, Vec<(String, String)>) {
        let mut problems = Vec::new();
        let mut texts: Vec<String> = vec![String::new(); AccountField::ALL.len()];
        // The currency first: an amount in minor units needs its number of decimals.
        let currency = self
            .raw(AccountField::Currency, cells)
            .and_then(|code| Currency::parse(code.trim()).ok());
        for (text, field) in texts.iter_mut().zip(AccountField::ALL) {
            let Some(source) = self.sources.get(&field) else {
                continue;
            };
            match source {
                BoundSource::Fixed(value) => *text = value.clone(),
                BoundSource::Columns {
                    indices,
                    headers,
                    transform,
                } => {
                    let joined = join_cells(indices, cells);
                    let named = headers.join(" + ");
                    match transform_cell(&joined, transform, currency) {
                        Ok(transformed) => *text = transformed,
                        Err(message) => problems
                            .push((field.column().to_owned(), format!("\"{named}\": {message}"))),
                    }
                }
            }
        }
        (texts, problems)
    }

    fn raw(&self, field: AccountField, cells: &[String]) -> Option<String> {
        match self.sources.get(&field)? {
            BoundSource::Fixed(value) => Some(value.clone()),
            BoundSource::Columns { indices, .. } => Some(join_cells(indices, cells)),
        }
    }
}

fn join_cells(indices: &[usize], cells: &[String]) -> String {
    let mut joined = String::new();
    for cell in indices
        .iter()
        .filter_map(|index| cells.get(*index))
        .filter(|cell| !cell.is_empty())
    {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(cell);
    }
    joined
}

fn transform_cell(
    text: &str,
    transform: &Transform,
    currency: Option<Currency>,
) -> Result<String, String> {
    if text.is_empty() {
        return Ok(match transform {
            Transform::Flag { when_false, .. } => when_false.clone(),
            _ => String::new(),
        });
    }
    match transform {
        Transform::Text => Ok(text.to_owned()),
        Transform::Date { order } => parse_date(text, *order)
            .map(|date| date.to_string())
            .ok_or_else(|| format!("\"{text}\" is not a date")),
        Transform::Amount { unit } => amount_text(text, *unit, currency),
        Transform::Flag {
            when_true,
            when_false,
        } => match parse_flag(text) {
            Some(true) => Ok(when_true.clone()),
            Some(false) => Ok(when_false.clone()),
            None => Err(format!("\"{text}\" is neither yes nor no")),
        },
    }
}

pub(crate) fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "t" => Some(true),
        "false" | "no" | "n" | "0" | "f" => Some(false),
        _ => None,
    }
}

/// An amount without the sign or code around it (`$1,234.50`, `1234.50 USD`), in the currency's
/// units; minor units are divided by the currency's decimals first.
fn amount_text(text: &str, unit: AmountUnit, currency: Option<Currency>) -> Result<String, String> {
    let bare: String = text
        .trim()
        .trim_matches(|c: char| c.is_alphabetic() || c.is_whitespace() || "$€£¥".contains(c))
        .to_owned();
    if bare.is_empty() {
        return Err(format!("\"{text}\" is not an amount"));
    }
    match unit {
        AmountUnit::Major => Ok(bare),
        AmountUnit::Minor => {
            // Without a currency the row's currency problem is the one to show.
            let Some(currency) = currency else {
                return Ok(bare);
            };
            let minor: i64 = bare
                .parse()
                .map_err(|_| format!("\"{text}\" is not a whole number of minor units"))?;
            // Displayed as "12.50 USD": the amount is the part before the code.
            let shown = Money::new(minor, currency).to_string();
            Ok(shown
                .split_once(' ')
                .map_or(shown.clone(), |(amount, _)| amount.to_owned()))
        }
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date in the common forms exports write; `None` when it is none of them.
pub(crate) fn parse_date(text: &str, order: DateOrder) -> Option<Date> {
    let text = text.trim();
    if text.bytes().all(|b| b.is_ascii_digit()) {
        // A Unix time: seconds have 9 or 10 digits for the years 1973-2286, milliseconds 12 or 13.
        let number: i64 = text.parse().ok()?;
        let instant = match text.len() {
            9 | 10 => Timestamp::from_second(number).ok()?,
            12 | 13 => Timestamp::from_millisecond(number).ok()?,
            _ => return None,
        };
        return Some(instant.to_zoned(jiff::tz::TimeZone::UTC).date());
    }
    // The date part of an ISO date-time (`2024-03-05T14:01:00Z`, `2024-03-05 14:01`).
    let date_part = text.split(['T', ' ']).next().unwrap_or(text);
    if let Ok(date) = date_part.parse::<Date>() {
        return Some(date);
    }
    let words: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace() || c == '-' || c == '/' || c == '.')
        .filter(|word| !word.is_empty())
        .collect();
    let month_of = |word: &str| {
        let lower = word.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|month| lower.starts_with(month) && lower.len() >= 3)
            .map(|index| index as i8 + 1)
    };
    let number = |word: &str| word.parse::<i16>().ok();
    let (year, month, day) = match words.as_slice() {
        // `5 Mar 2024`, `05-Mar-2024`, with a time after.
        [day, month, year, ..] if month_of(month).is_some() && number(day).is_some() => {
            (number(year)?, month_of(month)?, number(day)?)
        }
        // `Mar 5, 2024`, `March 5 2024`.
        [month, day, year, ..] if month_of(month).is_some() => {
            (number(year)?, month_of(month)?, number(day)?)
        }
        // `03/05/2024`, `5.3.2024`: the order decides which is the month.
        [first, second, year, ..] if year.len() == 4 => {
            let (first, second) = (number(first)?, number(second)?);
            match order {
                DateOrder::MonthFirst => (number(year)?, i8::try_from(first).ok()?, second),
                DateOrder::DayFirst => (number(year)?, i8::try_from(second).ok()?, first),
            }
        }
        _ => return None,
    };
    Date::new(year, month, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_exports_write() {
        let march_5 = jiff::civil::date(2024, 3, 5);
        let month_first = DateOrder::MonthFirst;
        for text in [
            "2024-03-05",
            "2024-03-05 14:01",
            "2024-03-05T14:01:00.000Z",
            "2024-03-05T23:30:00-05:00",
            "1709647260",
            "1709647260000",
            "5 Mar 2024",
            "05-Mar-2024 14:01",
            "March 5, 2024",
            "03/05/2024",
            "3/5/2024 2:01 PM",
        ] {
            assert_eq!(parse_date(text, month_first), Some(march_5), "{text}");
        }
        assert_eq!(parse_date("05/03/2024", DateOrder::DayFirst), Some(march_5));
        assert_eq!(parse_date("05.03.2024", DateOrder::DayFirst), Some(march_5));
        for bad in [
            "",
            "soon",
            "2024-02-30",
            "13/13/2024",
            "12345",
            "31/02/2024",
        ] {
            assert_eq!(parse_date(bad, DateOrder::DayFirst), None, "{bad}");
        }
    }

    #[test]
    fn amounts_keep_their_value() {
        let usd = Currency::parse("USD").ok();
        let jpy = Currency::parse("JPY").ok();
        assert_eq!(
            amount_text("$1,234.50", AmountUnit::Major, usd).unwrap(),
            "1,234.50"
        );
        assert_eq!(
            amount_text("12.5 USD", AmountUnit::Major, usd).unwrap(),
            "12.5"
        );
        assert_eq!(
            amount_text("1250", AmountUnit::Minor, usd).unwrap(),
            "12.50"
        );
        assert_eq!(amount_text("1250", AmountUnit::Minor, jpy).unwrap(), "1250");
        assert!(amount_text("12.5", AmountUnit::Minor, usd).is_err());
        assert!(amount_text("USD", AmountUnit::Major, usd).is_err());
    }

    #[test]
    fn flags_read_yes_and_no() {
        let delinquent = Transform::Flag {
            when_true: "1".into(),
            when_false: "0".into(),
        };
        assert_eq!(transform_cell("TRUE", &delinquent, None).unwrap(), "1");
        assert_eq!(transform_cell("no", &delinquent, None).unwrap(), "0");
        assert_eq!(transform_cell("", &delinquent, None).unwrap(), "0");
        assert!(transform_cell("maybe", &delinquent, None).is_err());
    }
}
