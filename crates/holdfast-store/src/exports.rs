//! Exports (issue 14): Billsbee's cancellation sheet as CSV and as XLSX, with exactly the sheet's
//! columns in its order (`CANCELLATION_SHEET_COLUMNS`) and its rows as
//! `Database::cancellation_sheet()` gives them, newest request first.
//!
//! - CSV: a header row, then one line per row; the date as `YYYY-MM-DD`, the total collected as
//!   the amount with its currency's decimal places and its code (`1234.50 USD`, the core's
//!   `Money` as written everywhere else: never converted, never a float), the months as a whole
//!   number; an unknown value is an empty cell.
//! - XLSX (`rust_xlsxwriter`): one worksheet, "Cancellation sheet", the header row bold and
//!   frozen; the date a date cell (`yyyy-mm-dd`); the total collected a number cell whose number
//!   format names its currency (`#,##0.00 "USD"`, `#,##0 "JPY"`), so a sheet of mixed currencies
//!   adds up in a spreadsheet only where a person chooses to and still shows each amount's
//!   currency; the months a number cell; an unknown value an empty cell.

use std::collections::HashMap;

use holdfast_core::money::{Currency, Money};
use holdfast_core::workflow::CancellationSheetRow;
use jiff::civil::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::error::{Result, StoreError};
use crate::reports::CANCELLATION_SHEET_COLUMNS;
use crate::Database;

/// The worksheet's name in the XLSX file.
pub const SHEET_NAME: &str = "Cancellation sheet";

impl Database {
    /// The cancellation sheet as a CSV file's bytes (`sheet_csv`).
    pub fn cancellation_sheet_csv(&self) -> Result<Vec<u8>> {
        sheet_csv(&self.cancellation_sheet()?)
    }

    /// The cancellation sheet as an XLSX file's bytes (`sheet_xlsx`).
    pub fn cancellation_sheet_xlsx(&self) -> Result<Vec<u8>> {
        sheet_xlsx(&self.cancellation_sheet()?)
    }
}

fn export_error(error: impl std::fmt::Display) -> StoreError {
    StoreError::Export(error.to_string())
}

/// The sheet's rows as CSV: the header (`CANCELLATION_SHEET_COLUMNS`), then a line per row.
pub fn sheet_csv(rows: &[CancellationSheetRow]) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(CANCELLATION_SHEET_COLUMNS)
        .map_err(export_error)?;
    for row in rows {
        writer
            .write_record([
                row.name.clone().unwrap_or_default(),
                row.phone.clone().unwrap_or_default(),
                row.date_of_cancellation.to_string(),
                row.total_collected
                    .map(|money| money.to_string())
                    .unwrap_or_default(),
                row.months_in_program
                    .map(|months| months.to_string())
                    .unwrap_or_default(),
                row.reason.clone().unwrap_or_default(),
            ])
            .map_err(export_error)?;
    }
    writer.into_inner().map_err(export_error)
}

/// The number format of an amount in `currency`: its decimal places and its code.
pub fn money_format(currency: Currency) -> String {
    let digits = currency.minor_digits() as usize;
    let decimals = if digits == 0 {
        String::new()
    } else {
        format!(".{}", "0".repeat(digits))
    };
    format!("#,##0{decimals} \"{}\"", currency.code())
}

/// An amount as the number a spreadsheet holds (minor units over the currency's scale).
pub fn money_number(money: Money) -> f64 {
    let scale = 10_f64.powi(money.currency.minor_digits() as i32);
    money.minor as f64 / scale
}

fn excel_date(date: Date) -> std::result::Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}

/// The sheet's rows as an XLSX workbook: one worksheet (`SHEET_NAME`), the header row bold and
/// frozen, dates as date cells, amounts as numbers in their currency's format.
pub fn sheet_xlsx(rows: &[CancellationSheetRow]) -> Result<Vec<u8>> {
    build_xlsx(rows).map_err(export_error)
}

fn build_xlsx(rows: &[CancellationSheetRow]) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut money_formats: HashMap<Currency, Format> = HashMap::new();
    for (column, title) in CANCELLATION_SHEET_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *title, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        if let Some(name) = &row.name {
            sheet.write_string(line, 0, name)?;
        }
        if let Some(phone) = &row.phone {
            sheet.write_string(line, 1, phone)?;
        }
        sheet.write_datetime_with_format(line, 2, excel_date(row.date_of_cancellation)?, &date)?;
        if let Some(money) = row.total_collected {
            let format = money_formats
                .entry(money.currency)
                .or_insert_with(|| Format::new().set_num_format(money_format(money.currency)));
            sheet.write_number_with_format(line, 3, money_number(money), format)?;
        }
        if let Some(months) = row.months_in_program {
            sheet.write_number(line, 4, f64::from(months))?;
        }
        if let Some(reason) = &row.reason {
            sheet.write_string(line, 5, reason)?;
        }
    }
    for (column, width) in [28.0, 20.0, 20.0, 22.0, 20.0, 40.0].into_iter().enumerate() {
        sheet.set_column_width(column as u16, width)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_their_currency_in_the_number_format() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(money_format(usd), "#,##0.00 \"USD\"");
        assert_eq!(money_format(jpy), "#,##0 \"JPY\"");
        assert_eq!(money_format(kwd), "#,##0.000 \"KWD\"");
        assert_eq!(money_number(Money::new(123_450, usd)), 1234.5);
        assert_eq!(money_number(Money::new(-5, jpy)), -5.0);
    }
}
