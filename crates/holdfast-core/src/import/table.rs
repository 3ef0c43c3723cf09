//! A file to import, read as a table of text cells: a header row and numbered rows, from a CSV
//! export or the first sheet of an XLSX workbook, with every row that cannot be read as a problem
//! on its line. Mapping the cells to accounts is `mapping`'s work; this only reads.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use crate::error::RowProblem;

/// A file's cells: the header row and each non-empty row with the line it starts on (the sheet's
/// row number in a workbook), and the rows that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Rows that cannot be read or do not fit the header; the file imports nothing while any is.
    pub problems: Vec<RowProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub line: u64,
    /// One cell per header, trimmed.
    pub cells: Vec<String>,
}

/// Why a file is not a table at all (no header row, not a workbook); nothing of it is read.
pub fn unreadable(message: String) -> Vec<RowProblem> {
    vec![RowProblem {
        line: 1,
        column: None,
        message,
    }]
}

impl Table {
    /// Reads a CSV file (comma-separated, quoted as RFC 4180, a UTF-8 byte-order mark allowed).
    pub fn from_csv(input: impl Read) -> Result<Table, Vec<RowProblem>> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers: Vec<String> = match reader.headers() {
            Ok(headers) => headers.iter().map(clean_header).collect(),
            Err(error) => {
                return Err(unreadable(format!(
                    "the header row cannot be read: {error}"
                )))
            }
        };
        let mut table = Table {
            headers,
            ..Table::default()
        };
        let mut record = csv::StringRecord::new();
        let mut index: u64 = 0;
        loop {
            index += 1;
            // Line of the record's start; a record can span lines when a quoted cell holds one.
            let fallback_line = index + 1;
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(fallback_line, |p| p.line());
                    let cells = record.iter().map(str::to_owned).collect();
                    table.push(line, cells);
                }
                Err(error) => {
                    let line = error.position().map_or(fallback_line, |p| p.line());
                    table.problems.push(RowProblem {
                        line,
                        column: None,
                        message: format!("the row cannot be read: {error}"),
                    });
                    // A broken UTF-8 or quote error leaves the reader able to go on; an I/O
                    // error does not, and would repeat forever.
                    if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                }
            }
        }
        Ok(table)
    }

    /// Reads the first sheet of an XLSX workbook: its first row is the header. Dates the sheet
    /// formats as dates become `YYYY-MM-DD` (with the time when it has one), whole numbers lose
    /// Excel's `.0`, and a cell holding an error (`#N/A`, `#REF!`) is a problem on its row.
    pub fn from_xlsx(bytes: &[u8]) -> Result<Table, Vec<RowProblem>> {
        let mut workbook = Xlsx::new(Cursor::new(bytes))
            .map_err(|error| unreadable(format!("the file is not an XLSX workbook: {error}")))?;
        let Some(sheet) = workbook.sheet_names().first().cloned() else {
            return Err(unreadable("the workbook has no sheet".into()));
        };
        let range = workbook.worksheet_range(&sheet).map_err(|error| {
            unreadable(format!("the sheet \"{sheet}\" cannot be read: {error}"))
        })?;
        // The range starts at the sheet's first used cell; its row numbers are the sheet's.
        let first_row = range.start().map_or(0, |(row, _)| row) as u64;
        let mut rows = range.rows();
        let Some(header_row) = rows.next() else {
            return Err(unreadable("the sheet is empty".into()));
        };
        let mut table = Table {
            headers: header_row
                .iter()
                .map(|cell| clean_header(&cell_text(cell).unwrap_or_default()))
                .collect(),
            ..Table::default()
        };
        for (offset, row) in rows.enumerate() {
            let line = first_row + offset as u64 + 2;
            let mut cells = Vec::with_capacity(row.len());
            let mut broken = None;
            for (column, cell) in row.iter().enumerate() {
                match cell_text(cell) {
                    Ok(text) => cells.push(text),
                    Err(message) => {
                        broken.get_or_insert((column, message));
                        cells.push(String::new());
                    }
                }
            }
            if let Some((column, message)) = broken {
                table.problems.push(RowProblem {
                    line,
                    column: table.headers.get(column).cloned(),
                    message,
                });
                continue;
            }
            // Trailing empty cells of a shorter header are not cells of a column.
            while cells.len() > table.headers.len() && cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            table.push(line, cells);
        }
        Ok(table)
    }

    fn push(&mut self, line: u64, cells: Vec<String>) {
        if cells.iter().all(String::is_empty) {
            return;
        }
        // A sheet's rows are as wide as its used range (trailing empty cells are dropped), so a
        // row that does not fit the header is a malformed CSV row, or a sheet's stray cells.
        if cells.len() != self.headers.len() {
            self.problems.push(RowProblem {
                line,
                column: None,
                message: format!(
                    "the row has {} cells but the header has {}",
                    cells.len(),
                    self.headers.len()
                ),
            });
            return;
        }
        self.rows.push(TableRow { line, cells });
    }

    /// The column of `header`, matched as `canonical_header` matches.
    pub fn column(&self, header: &str) -> Option<usize> {
        let wanted = canonical_header(header);
        self.headers
            .iter()
            .position(|candidate| canonical_header(candidate) == wanted)
    }

    /// The first `count` rows' cells, for proposing a mapping from values.
    pub fn sample(&self, count: usize) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .take(count)
            .map(|row| row.cells.clone())
            .collect()
    }
}

fn clean_header(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_owned()
}

/// A header compared without regard to case, spaces, dashes, dots or underscores: "External ID",
/// "external_id" and "customers.external-id" differ only in "customers".
pub fn canonical_header(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.trim().to_owned(),
        Data::Bool(flag) => flag.to_string(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => float_text(*number),
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::DateTime(moment) if moment.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
            if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            }
        }
        Data::DateTime(duration) => float_text(duration.as_f64()),
        Data::Error(error) => return Err(format!("the cell holds the error {error}")),
    })
}

/// A number as a person reads it in the sheet: 1234 and not 1234.0, 12.5 and not 12.500000001
/// where the float is the nearest to a short decimal.
fn float_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        // Rust prints the shortest text that reads back as the same float.
        format!("{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_table_keeps_lines_and_flags_rows_that_do_not_fit() {
        let table = Table::from_csv(
            "\u{feff}id , Email\n1,a@b.io\n2,\"multi\nline\"\n3\n4,x,y\n,\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(table.headers, ["id", "Email"]);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[1].line, 3);
        assert_eq!(table.rows[1].cells[1], "multi\nline");
        let lines: Vec<u64> = table.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [5, 6], "a row of empty cells is no row");
    }

    #[test]
    fn a_workbook_that_is_not_one_is_refused_in_words() {
        let problems = Table::from_xlsx(b"id,email\n1,a@b.io\n").unwrap_err();
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].message.contains("not an XLSX workbook"));
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(float_text(1234.0), "1234");
        assert_eq!(float_text(12.5), "12.5");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
    }
}
