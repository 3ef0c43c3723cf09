//! The mapping the desk proposes for a file, from its header and a sample of its values: Holdfast's
//! own export as it is, else a mapping the person saved whose columns the file has, else the
//! shipped preset the header matches best, else a guess from header words and values. The person
//! corrects it before anything is imported.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::account::PreferredChannel;
use crate::import::mapping::{
    parse_date, parse_flag, AccountField, AmountUnit, ColumnMapping, DateOrder, FieldKind,
    FieldMapping, FieldSource, Transform,
};
use crate::import::presets::PRESETS;
use crate::import::table::{canonical_header, Table};
use crate::import::ACCOUNT_COLUMNS;
use crate::money::Currency;

/// A mapping saved under a name for the next import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SavedMapping {
    pub name: String,
    pub mapping: ColumnMapping,
}

/// Where a proposed mapping comes from, shown to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProposalOrigin {
    /// The file has Holdfast's own headers.
    Holdfast,
    Saved {
        name: String,
    },
    Preset {
        id: String,
        name: String,
    },
    /// Guessed from the headers and values; to be checked.
    Guessed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Proposal {
    pub origin: ProposalOrigin,
    pub mapping: ColumnMapping,
}

/// How many rows' values a proposal looks at.
pub const SAMPLE_ROWS: usize = 50;

/// Fewest of a preset's fields a file must have for the preset to be proposed.
const PRESET_MIN_FIELDS: usize = 3;

pub fn propose(table: &Table, saved: &[SavedMapping]) -> Proposal {
    let sample = table.sample(SAMPLE_ROWS);
    let order = file_date_order(table);
    let own = ColumnMapping::by_name(&table.headers);
    let own_columns = ACCOUNT_COLUMNS
        .iter()
        .filter(|column| {
            own.fields
                .iter()
                .any(|mapping| mapping.field.column() == **column)
        })
        .count();
    if own_columns == ACCOUNT_COLUMNS.len() {
        return Proposal {
            origin: ProposalOrigin::Holdfast,
            mapping: own,
        };
    }
    let fitting_saved = saved
        .iter()
        .filter(|saved| names_only_present_columns(&saved.mapping, table))
        .max_by_key(|saved| columns_named(&saved.mapping));
    if let Some(saved) = fitting_saved {
        return Proposal {
            origin: ProposalOrigin::Saved {
                name: saved.name.clone(),
            },
            mapping: saved.mapping.clone(),
        };
    }
    let best_preset = PRESETS
        .iter()
        .map(|preset| (preset, preset.mapping_for(table, order)))
        .filter(|(_, (_, matched))| *matched >= PRESET_MIN_FIELDS)
        .max_by_key(|(_, (_, matched))| *matched);
    let (origin, mut mapping) = match best_preset {
        Some((preset, (mapping, _))) => (
            ProposalOrigin::Preset {
                id: preset.id.into(),
                name: preset.name.into(),
            },
            mapping,
        ),
        None => (ProposalOrigin::Guessed, guess(table, &sample, order)),
    };
    complete(&mut mapping, table, &sample, order);
    Proposal { origin, mapping }
}

fn names_only_present_columns(mapping: &ColumnMapping, table: &Table) -> bool {
    mapping.fields.iter().all(|field| match &field.source {
        FieldSource::Column { columns, .. } => {
            columns.iter().all(|column| table.column(column).is_some())
        }
        FieldSource::Fixed { .. } => true,
    })
}

fn columns_named(mapping: &ColumnMapping) -> usize {
    mapping
        .fields
        .iter()
        .filter(|field| matches!(field.source, FieldSource::Column { .. }))
        .count()
}

/// Header words that name each field in the exports people have (compared canonically).
fn synonyms(field: AccountField) -> &'static [&'static str] {
    match field {
        AccountField::ExternalId => &[
            "externalid",
            "id",
            "customerid",
            "accountid",
            "recordid",
            "companyid",
            "accountnumber",
            "customernumber",
        ],
        AccountField::Name => &[
            "name",
            "accountname",
            "companyname",
            "company",
            "customername",
            "organization",
            "organisation",
            "businessname",
        ],
        AccountField::ContactName => &["contactname", "contact", "fullname", "primarycontact"],
        AccountField::Email => &["email", "emailaddress", "contactemail", "mail"],
        AccountField::Phone => &[
            "phone",
            "phonenumber",
            "telephone",
            "mobile",
            "contactphone",
        ],
        AccountField::PreferredChannel => &["preferredchannel", "channel", "contactpreference"],
        AccountField::Tier => &["tier", "level", "customerlevel", "segment", "plantier"],
        AccountField::HostingServer => &["hostingserver", "server", "region", "datacenter"],
        AccountField::Plan => &["plan", "planname", "product", "subscription"],
        AccountField::Mrr => &["mrr", "monthlyrecurringrevenue", "monthlyrevenue"],
        AccountField::Currency => &["currency", "currencycode", "preferredcurrencycode"],
        AccountField::CustomerSince => &[
            "customersince",
            "created",
            "createdutc",
            "createdat",
            "createdate",
            "createddate",
            "signupdate",
            "startdate",
        ],
        AccountField::TotalCollected => &[
            "totalcollected",
            "totalspend",
            "totalpaid",
            "lifetimevalue",
            "totalrevenue",
        ],
        AccountField::AccountsReceivable => &[
            "accountsreceivable",
            "balance",
            "accountbalance",
            "amountdue",
            "outstanding",
        ],
        AccountField::OriginalSalesRep => &["originalsalesrep", "salesrep", "closedby"],
        AccountField::UnpaidInvoices => &["unpaidinvoices", "delinquent", "overdueinvoices"],
        AccountField::PlanPrice => &["planprice", "price"],
        AccountField::BillingPeriodStart => &["billingperiodstart", "currentperiodstart"],
        AccountField::BillingPeriodEnd => &["billingperiodend", "currentperiodend"],
        AccountField::AccountManager => &[
            "accountmanager",
            "owner",
            "accountowner",
            "companyowner",
            "csm",
        ],
    }
}

/// A mapping from header words, then from values for the columns no header word claimed.
fn guess(table: &Table, sample: &[Vec<String>], order: DateOrder) -> ColumnMapping {
    let mut taken = std::collections::BTreeSet::new();
    let mut fields = Vec::new();
    for field in AccountField::ALL {
        let found =
            synonyms(field).iter().find_map(|word| {
                table.headers.iter().enumerate().find(|(index, header)| {
                    !taken.contains(index) && canonical_header(header) == *word
                })
            });
        if let Some((index, header)) = found {
            taken.insert(index);
            fields.push(FieldMapping {
                field,
                source: FieldSource::Column {
                    columns: vec![header.clone()],
                    transform: fitting_transform(field, header, index, sample, order),
                },
            });
        }
    }
    // Values tell an e-mail or a currency column whatever its header says.
    let mut claim_by_values = |field: AccountField, looks: fn(&str) -> bool| {
        if fields
            .iter()
            .any(|mapping: &FieldMapping| mapping.field == field)
        {
            return;
        }
        let found = table
            .headers
            .iter()
            .enumerate()
            .find(|(index, _)| !taken.contains(index) && column_looks(sample, *index, looks));
        if let Some((index, header)) = found {
            taken.insert(index);
            fields.push(FieldMapping {
                field,
                source: FieldSource::Column {
                    columns: vec![header.clone()],
                    transform: Transform::Text,
                },
            });
        }
    };
    claim_by_values(AccountField::Email, |cell| {
        cell.contains('@') && !cell.contains(' ')
    });
    claim_by_values(AccountField::Currency, |cell| {
        cell.len() == 3 && Currency::parse(cell).is_ok()
    });
    ColumnMapping { fields }
}

/// Whether every non-empty sampled cell of the column looks like the field (and at least one is
/// there).
fn column_looks(sample: &[Vec<String>], index: usize, looks: fn(&str) -> bool) -> bool {
    let mut cells = sample
        .iter()
        .filter_map(|row| row.get(index))
        .filter(|cell| !cell.is_empty())
        .peekable();
    cells.peek().is_some() && cells.all(|cell| looks(cell))
}

fn fitting_transform(
    field: AccountField,
    header: &str,
    index: usize,
    sample: &[Vec<String>],
    order: DateOrder,
) -> Transform {
    match field.kind() {
        FieldKind::Date => Transform::Date { order },
        FieldKind::Amount => {
            let lower = header.to_lowercase();
            let minor = lower.contains("cents") || lower.contains("minor");
            Transform::Amount {
                unit: if minor {
                    AmountUnit::Minor
                } else {
                    AmountUnit::Major
                },
            }
        }
        FieldKind::Count
            if column_looks(sample, index, |cell| {
                parse_flag(cell).is_some() && cell.parse::<u32>().map_or(true, |n| n <= 1)
            }) && !column_looks(sample, index, |cell| cell.parse::<u32>().is_ok()) =>
        {
            Transform::Flag {
                when_true: "1".into(),
                when_false: "0".into(),
            }
        }
        _ => Transform::Text,
    }
}

/// What every proposal gets: a preferred channel (the file's, or e-mail when there is an e-mail
/// column, else phone), and transformations that fit the values of the columns already chosen.
fn complete(mapping: &mut ColumnMapping, table: &Table, sample: &[Vec<String>], order: DateOrder) {
    if mapping.source(AccountField::PreferredChannel).is_none() {
        let channel = if mapping.source(AccountField::Email).is_some() {
            PreferredChannel::Email
        } else {
            PreferredChannel::Phone
        };
        mapping.fields.push(FieldMapping {
            field: AccountField::PreferredChannel,
            source: FieldSource::Fixed {
                value: channel.as_str().into(),
            },
        });
    }
    for field in &mut mapping.fields {
        if let FieldSource::Column { columns, transform } = &mut field.source {
            if let (Some(first), Transform::Text) = (columns.first(), &transform) {
                if let Some(index) = table.column(first) {
                    *transform = fitting_transform(field.field, first, index, sample, order);
                }
            }
        }
    }
    mapping.fields.sort_by_key(|field| field.field);
}

/// Day first when a sampled slashed date can only be read that way (`25/03/2024`), else month
/// first, which is how the US exports of these systems write them.
/// The order the file's slashed dates are read in, from its first `SAMPLE_ROWS` rows: the one the
/// proposal and every preset read for this file use.
pub fn file_date_order(table: &Table) -> DateOrder {
    date_order(table, &table.sample(SAMPLE_ROWS))
}

fn date_order(table: &Table, sample: &[Vec<String>]) -> DateOrder {
    let day_first = (0..table.headers.len()).any(|index| {
        sample.iter().filter_map(|row| row.get(index)).any(|cell| {
            parse_date(cell, DateOrder::MonthFirst).is_none()
                && parse_date(cell, DateOrder::DayFirst).is_some()
        })
    });
    if day_first {
        DateOrder::DayFirst
    } else {
        DateOrder::MonthFirst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        Table::from_csv(csv.as_bytes()).unwrap()
    }

    #[test]
    fn holdfast_s_own_export_is_taken_as_it_is() {
        let own = table("External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep\n");
        assert_eq!(propose(&own, &[]).origin, ProposalOrigin::Holdfast);
    }

    #[test]
    fn a_stripe_export_gets_the_stripe_preset_and_a_channel() {
        let stripe = table(
            "id,Description,Email,Name,Created (UTC),Currency,Balance,Delinquent\n\
             cus_1,,a@b.io,Acme,2024-03-05 14:01,usd,12.5,false\n",
        );
        let proposal = propose(&stripe, &[]);
        assert_eq!(
            proposal.origin,
            ProposalOrigin::Preset {
                id: "stripe_customers".into(),
                name: "Stripe customers".into()
            }
        );
        assert_eq!(
            proposal.mapping.source(AccountField::PreferredChannel),
            Some(&FieldSource::Fixed {
                value: "email".into()
            })
        );
    }

    #[test]
    fn a_saved_mapping_whose_columns_the_file_has_comes_first() {
        let file = table("Customer,Mail,Level\nAcme,a@b.io,Gold\n");
        let saved = SavedMapping {
            name: "Our CRM".into(),
            mapping: ColumnMapping {
                fields: vec![FieldMapping {
                    field: AccountField::Tier,
                    source: FieldSource::Column {
                        columns: vec!["Level".into()],
                        transform: Transform::Text,
                    },
                }],
            },
        };
        let elsewhere = SavedMapping {
            name: "Other".into(),
            mapping: ColumnMapping {
                fields: vec![FieldMapping {
                    field: AccountField::Tier,
                    source: FieldSource::Column {
                        columns: vec!["Segment".into()],
                        transform: Transform::Text,
                    },
                }],
            },
        };
        let proposal = propose(&file, &[elsewhere, saved]);
        assert_eq!(
            proposal.origin,
            ProposalOrigin::Saved {
                name: "Our CRM".into()
            }
        );
    }

    #[test]
    fn a_guess_reads_headers_and_values() {
        let file = table(
            "Customer Number,Company,Contact,Signup Date,Money,Who\n\
             7,Acme,Ana,25/03/2024,EUR,ana@acme.io\n",
        );
        let proposal = propose(&file, &[]);
        assert_eq!(proposal.origin, ProposalOrigin::Guessed);
        let column = |field| match proposal.mapping.source(field) {
            Some(FieldSource::Column { columns, .. }) => columns[0].clone(),
            other => panic!("{field:?}: {other:?}"),
        };
        assert_eq!(column(AccountField::ExternalId), "Customer Number");
        assert_eq!(column(AccountField::Name), "Company");
        assert_eq!(column(AccountField::Email), "Who");
        assert_eq!(column(AccountField::Currency), "Money");
        assert_eq!(
            proposal.mapping.source(AccountField::CustomerSince),
            Some(&FieldSource::Column {
                columns: vec!["Signup Date".into()],
                transform: Transform::Date {
                    order: DateOrder::DayFirst
                }
            })
        );
    }
}
