//! Accounts from the exports people already have: a billing system's file through the proposed
//! mapping, corrected by the person, as CSV and as XLSX, all or nothing with every problem on its
//! line.

use holdfast_core::account::PreferredChannel;
use holdfast_core::import::mapping::{
    AccountField, AmountUnit, ColumnMapping, FieldMapping, FieldSource, Transform,
};
use holdfast_core::import::proposal::{propose, ProposalOrigin};
use holdfast_core::import::read_accounts;
use holdfast_core::import::table::Table;
use holdfast_core::CoreError;

const STRIPE: &str =
    "id,Description,Email,Name,Created (UTC),Card ID,Currency,Balance,Delinquent\n\
cus_Q1,VIP,ana@acme.io,Acme Corp,2024-03-05 14:01,card_1,usd,12.5,false\n\
cus_Q2,,bo@beta.io,Beta GmbH,1709647260,card_2,eur,0,true\n";

/// What the person adds to Stripe's preset: the tier and MRR the export does not have.
fn corrected(mut mapping: ColumnMapping) -> ColumnMapping {
    mapping.fields.push(FieldMapping {
        field: AccountField::Tier,
        source: FieldSource::Fixed {
            value: "Professional".into(),
        },
    });
    mapping.fields.push(FieldMapping {
        field: AccountField::Mrr,
        source: FieldSource::Fixed { value: "0".into() },
    });
    mapping
}

fn problems(
    result: Result<Vec<holdfast_core::account::AccountDraft>, CoreError>,
) -> Vec<(u64, Option<String>, String)> {
    match result {
        Err(CoreError::InvalidRows { problems }) => problems
            .into_iter()
            .map(|problem| (problem.line, problem.column, problem.message))
            .collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn a_stripe_export_imports_through_its_preset_once_the_tier_and_mrr_are_given() {
    let table = Table::from_csv(STRIPE.as_bytes()).unwrap();
    let proposal = propose(&table, &[]);
    assert!(
        matches!(proposal.origin, ProposalOrigin::Preset { ref id, .. } if id == "stripe_customers")
    );

    // As proposed, the file cannot be imported: the export has no tier and no MRR.
    let missing = problems(read_accounts(&table, &proposal.mapping));
    let columns: Vec<_> = missing
        .iter()
        .map(|(line, column, _)| (*line, column.clone().unwrap()))
        .collect();
    assert_eq!(columns, [(1, "tier".to_owned()), (1, "mrr".to_owned())]);

    let drafts = read_accounts(&table, &corrected(proposal.mapping)).unwrap();
    let acme = &drafts[0];
    assert_eq!(acme.external_id, "cus_Q1");
    assert_eq!(acme.name, "Acme Corp");
    assert_eq!(acme.customer_since, Some(jiff::civil::date(2024, 3, 5)));
    assert_eq!(
        acme.accounts_receivable.map(|money| money.minor),
        Some(1250)
    );
    assert_eq!(acme.unpaid_invoices, 0);
    assert_eq!(acme.preferred_channel, PreferredChannel::Email);
    assert_eq!(acme.tier, "Professional");
    let beta = &drafts[1];
    assert_eq!(
        beta.customer_since,
        Some(jiff::civil::date(2024, 3, 5)),
        "a Unix time"
    );
    assert_eq!(beta.unpaid_invoices, 1, "delinquent: an unpaid invoice");
    assert_eq!(beta.mrr.currency.code(), "EUR");
}

#[test]
fn every_bad_cell_is_named_with_its_line_and_nothing_is_read() {
    let table = Table::from_csv(
        "id,Email,Name,Created (UTC),Currency,Balance,Delinquent\n\
         cus_1,ana@acme.io,Acme,yesterday,usd,12.5,false\n\
         cus_2,not-mail,Beta,2024-03-05,usd,12.555,maybe\n\
         cus_1,cy@c.io,Gamma,2024-03-05,xyz,1,no\n"
            .as_bytes(),
    )
    .unwrap();
    let mapping = corrected(propose(&table, &[]).mapping);
    let found = problems(read_accounts(&table, &mapping));
    let at: Vec<_> = found
        .iter()
        .map(|(line, column, _)| (*line, column.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        at,
        [
            (2, "customer_since".to_owned()),
            (3, "unpaid_invoices".to_owned()),
            (3, "email".to_owned()),
            (3, "accounts_receivable".to_owned()),
            (4, "currency".to_owned()),
        ]
    );
    assert!(
        found[0]
            .2
            .contains("\"Created (UTC)\": \"yesterday\" is not a date"),
        "{found:?}"
    );
}

#[test]
fn a_mapping_naming_a_missing_column_or_a_wrong_value_is_refused_before_any_row() {
    let table = Table::from_csv(STRIPE.as_bytes()).unwrap();
    let mut mapping = corrected(propose(&table, &[]).mapping);
    mapping.fields.push(FieldMapping {
        field: AccountField::Plan,
        source: FieldSource::Column {
            columns: vec!["Product".into()],
            transform: Transform::Text,
        },
    });
    mapping.fields.push(FieldMapping {
        field: AccountField::ExternalId,
        source: FieldSource::Fixed { value: "x".into() },
    });
    mapping
        .fields
        .retain(|field| field.field != AccountField::PreferredChannel);
    mapping.fields.push(FieldMapping {
        field: AccountField::PreferredChannel,
        source: FieldSource::Fixed {
            value: "pigeon".into(),
        },
    });
    let found = problems(read_accounts(&table, &mapping));
    let fields: Vec<_> = found
        .iter()
        .map(|(_, column, _)| column.clone().unwrap())
        .collect();
    assert_eq!(fields, ["plan", "external_id", "preferred_channel"]);
    assert!(found.iter().all(|(line, _, _)| *line == 1));
}

#[test]
fn amounts_in_cents_and_names_in_two_columns() {
    let table = Table::from_csv(
        "customers.id,customers.first_name,customers.last_name,customers.company,customers.email,customers.created_at,customers.preferred_currency_code,mrr_cents\n\
         cb_1,Ana,Silva,Acme,ana@acme.io,05-Mar-2024,JPY,4900\n\
         cb_2,Bo,,Beta,bo@beta.io,1709647260,USD,4900\n"
            .as_bytes(),
    )
    .unwrap();
    let proposal = propose(&table, &[]);
    assert!(
        matches!(proposal.origin, ProposalOrigin::Preset { ref id, .. } if id == "chargebee_customers")
    );
    let mut mapping = proposal.mapping;
    mapping.fields.push(FieldMapping {
        field: AccountField::Mrr,
        source: FieldSource::Column {
            columns: vec!["mrr_cents".into()],
            transform: Transform::Amount {
                unit: AmountUnit::Minor,
            },
        },
    });
    mapping.fields.push(FieldMapping {
        field: AccountField::Tier,
        source: FieldSource::Fixed {
            value: "SMB".into(),
        },
    });
    let drafts = read_accounts(&table, &mapping).unwrap();
    assert_eq!(drafts[0].contact_name.as_deref(), Some("Ana Silva"));
    assert_eq!(drafts[0].mrr.minor, 4900, "yen have no minor unit");
    assert_eq!(drafts[1].contact_name.as_deref(), Some("Bo"));
    assert_eq!(drafts[1].mrr.minor, 4900, "4900 cents are 49.00 dollars");
    assert_eq!(drafts[1].mrr.to_string(), "49.00 USD");
}

#[test]
fn an_xlsx_export_reads_like_its_csv_with_the_sheet_s_row_numbers() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "id",
        "Email",
        "Name",
        "Created (UTC)",
        "Currency",
        "Balance",
        "Delinquent",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let rows: [(&str, &str, &str, f64, bool); 2] = [
        ("cus_1", "ana@acme.io", "Acme", 12.5, false),
        ("cus_2", "bo@beta.io", "Beta", 1234.0, true),
    ];
    for (index, (id, email, name, balance, delinquent)) in rows.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, *id).unwrap();
        sheet.write_string(row, 1, *email).unwrap();
        sheet.write_string(row, 2, *name).unwrap();
        sheet
            .write_datetime_with_format(row, 3, ExcelDateTime::from_ymd(2024, 3, 5).unwrap(), &date)
            .unwrap();
        sheet.write_string(row, 4, "usd").unwrap();
        sheet.write_number(row, 5, *balance).unwrap();
        sheet.write_boolean(row, 6, *delinquent).unwrap();
    }
    // A bad row, to be named by its row number in the sheet.
    sheet.write_string(3, 0, "cus_3").unwrap();
    sheet.write_string(3, 1, "no mail").unwrap();
    sheet.write_string(3, 2, "Gamma").unwrap();
    sheet.write_string(3, 4, "usd").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let table = Table::from_xlsx(&bytes).unwrap();
    let mapping = corrected(propose(&table, &[]).mapping);
    let found = problems(read_accounts(&table, &mapping));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1.as_deref()), (4, Some("email")));

    let mut good = table.clone();
    good.rows.truncate(2);
    let drafts = read_accounts(&good, &mapping).unwrap();
    assert_eq!(
        drafts[0].customer_since,
        Some(jiff::civil::date(2024, 3, 5))
    );
    assert_eq!(
        drafts[0].accounts_receivable.map(|money| money.minor),
        Some(1250)
    );
    assert_eq!(
        drafts[1].accounts_receivable.map(|money| money.minor),
        Some(123_400)
    );
    assert_eq!(drafts[1].unpaid_invoices, 1);
}
