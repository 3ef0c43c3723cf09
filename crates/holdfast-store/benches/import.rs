//! Issue 16: importing accounts from a billing system's export through a column mapping. A 100k-row
//! Stripe customer export (its own column labels; dates as `2024-03-05 14:01` and Unix times,
//! amounts in units, `Delinquent` as true/false) is written as CSV and as an XLSX workbook, and:
//!
//! - the preview (the file read, the mapping proposed and applied, every row checked against the
//!   account rules) is printed beside a raw read of the same file (every record into memory with
//!   the `csv` crate; every cell of the sheet as text with `calamine`), with the ratio;
//! - the same at 10k rows, against the limit of one second;
//! - the import (the same, then the 100k accounts written to a fresh encrypted profile in one
//!   transaction, with the re-import summary's accounts no longer in the file) beside the raw read.

#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;

use std::io::Write;
use std::time::{Duration, Instant};

use holdfast_core::import::mapping::{AccountField, FieldMapping, FieldSource};
use holdfast_core::import::proposal::propose;
use holdfast_core::import::read_accounts;
use holdfast_core::import::table::Table;
use holdfast_store::{Database, DatabaseKey};
use measure::{median, print_beside, Against};

const ROWS: usize = 100_000;
const PREVIEW_ROWS: usize = 10_000;
const SAMPLES: usize = 5;
const IMPORT_SAMPLES: usize = 3;
const HEADERS: [&str; 9] = [
    "id",
    "Description",
    "Email",
    "Name",
    "Created (UTC)",
    "Currency",
    "Balance",
    "Delinquent",
    "MRR",
];

fn row(i: usize) -> [String; 9] {
    let created = if i % 2 == 0 {
        format!(
            "20{:02}-{:02}-{:02} 14:01",
            15 + i % 10,
            1 + i % 12,
            1 + i % 28
        )
    } else {
        (1_500_000_000 + i as i64 * 997).to_string()
    };
    [
        format!("cus_{i:08}"),
        if i % 7 == 0 {
            "VIP".into()
        } else {
            String::new()
        },
        format!("billing{i}@customer{}.example", i % 5000),
        format!("Customer {i} Ltd"),
        created,
        ["usd", "eur", "gbp"][i % 3].into(),
        format!("{}.{:02}", i % 900, i % 100),
        (i % 11 == 0).to_string(),
        format!("{}", 49 + i % 2000),
    ]
}

fn write_csv(path: &std::path::Path, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{}", HEADERS.join(","))?;
    for i in 0..rows {
        writeln!(out, "{}", row(i).join(","))?;
    }
    out.flush()?;
    Ok(())
}

fn write_xlsx(path: &std::path::Path, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in HEADERS.iter().enumerate() {
        sheet.write_string(0, column as u16, *header)?;
    }
    for i in 0..rows {
        let cells = row(i);
        let line = i as u32 + 1;
        for (column, cell) in cells.iter().enumerate() {
            match column {
                6 | 8 => sheet.write_number(line, column as u16, cell.parse::<f64>()?)?,
                7 => sheet.write_boolean(line, column as u16, cell == "true")?,
                _ => sheet.write_string(line, column as u16, cell)?,
            };
        }
    }
    workbook.save(path)?;
    Ok(())
}

/// The preview's work: read, propose, apply the proposal with the tier the export lacks.
fn preview(bytes: &[u8], xlsx: bool) -> Vec<holdfast_core::account::AccountDraft> {
    let table = if xlsx {
        Table::from_xlsx(bytes)
    } else {
        Table::from_csv(bytes)
    }
    .expect("a table");
    let mut mapping = propose(&table, &[]).mapping;
    mapping.fields.push(FieldMapping {
        field: AccountField::Tier,
        source: FieldSource::Fixed {
            value: "Professional".into(),
        },
    });
    read_accounts(&table, &mapping).expect("every row good")
}

fn raw_csv(bytes: &[u8]) -> usize {
    let mut reader = csv::Reader::from_reader(bytes);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    records.len()
}

fn raw_xlsx(bytes: &[u8]) -> usize {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let sheet = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&sheet).expect("a sheet");
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect();
    cells.len()
}

fn time<T>(samples: usize, mut work: impl FnMut() -> T) -> Duration {
    let times = (0..samples)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(work());
            started.elapsed()
        })
        .collect();
    median(times)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let csv_path = dir.path().join("stripe-customers.csv");
    let xlsx_path = dir.path().join("stripe-customers.xlsx");
    let small_csv = dir.path().join("stripe-customers-10k.csv");
    let small_xlsx = dir.path().join("stripe-customers-10k.xlsx");
    write_csv(&csv_path, ROWS)?;
    write_xlsx(&xlsx_path, ROWS)?;
    write_csv(&small_csv, PREVIEW_ROWS)?;
    write_xlsx(&small_xlsx, PREVIEW_ROWS)?;
    let csv_bytes = std::fs::read(&csv_path)?;
    let xlsx_bytes = std::fs::read(&xlsx_path)?;
    let small_csv = std::fs::read(&small_csv)?;
    let small_xlsx = std::fs::read(&small_xlsx)?;
    assert_eq!(preview(&csv_bytes, false).len(), ROWS);
    assert_eq!(preview(&xlsx_bytes, true).len(), ROWS);
    println!(
        "import: a Stripe customer export, {ROWS} rows, {:.1} MiB as CSV, {:.1} MiB as XLSX",
        csv_bytes.len() as f64 / 1048576.0,
        xlsx_bytes.len() as f64 / 1048576.0
    );

    let raw = time(SAMPLES, || raw_csv(&csv_bytes));
    let ours = time(SAMPLES, || preview(&csv_bytes, false));
    print_beside(
        "mapped CSV preview: 100k rows",
        ours,
        "raw csv read",
        raw,
        Against::PartOf("an import"),
    );
    let raw_small = time(SAMPLES, || raw_csv(&small_csv));
    let ours_small = time(SAMPLES, || preview(&small_csv, false));
    print_beside(
        "mapped CSV preview: 10k rows",
        ours_small,
        "raw csv read",
        raw_small,
        Against::Limit(1000.0),
    );

    let raw_sheet = time(SAMPLES, || raw_xlsx(&xlsx_bytes));
    let ours_sheet = time(SAMPLES, || preview(&xlsx_bytes, true));
    print_beside(
        "mapped XLSX preview: 100k rows",
        ours_sheet,
        "raw calamine read",
        raw_sheet,
        Against::PartOf("an import"),
    );
    let raw_small_sheet = time(SAMPLES, || raw_xlsx(&small_xlsx));
    let ours_small_sheet = time(SAMPLES, || preview(&small_xlsx, true));
    print_beside(
        "mapped XLSX preview: 10k rows",
        ours_small_sheet,
        "raw calamine read",
        raw_small_sheet,
        Against::Limit(1000.0),
    );

    // The import: preview, then every account written to a fresh profile.
    for (name, bytes, xlsx, raw, reference) in [
        (
            "mapped CSV import: 100k rows",
            &csv_bytes,
            false,
            raw,
            "raw csv read",
        ),
        (
            "mapped XLSX import: 100k rows",
            &xlsx_bytes,
            true,
            raw_sheet,
            "raw calamine read",
        ),
    ] {
        let mut times = Vec::new();
        for sample in 0..IMPORT_SAMPLES {
            let key = DatabaseKey::generate()?;
            let mut db = Database::open(&dir.path().join(format!("{name}-{sample}.db")), &key)?;
            let started = Instant::now();
            let drafts = preview(bytes, xlsx);
            let summary = db.import_accounts(&drafts, jiff::Timestamp::now())?;
            times.push(started.elapsed());
            assert_eq!(summary.created as usize, ROWS);
        }
        print_beside(name, median(times), reference, raw, Against::NoLimit);
    }
    Ok(())
}
