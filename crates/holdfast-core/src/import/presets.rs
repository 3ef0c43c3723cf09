//! The mappings that ship with the app, for the account exports people already have: Stripe's
//! customers, HubSpot's companies, Salesforce's accounts and Chargebee's customers, each written
//! from the system's published column list (the export's header labels, and where the system's
//! own tools export by API name, those too). A preset fills what the export has; what it cannot
//! have (a tier, the MRR where the export carries none) is the person's to choose.

use serde::Serialize;
use ts_rs::TS;

use crate::import::mapping::{
    AccountField, AmountUnit, ColumnMapping, DateOrder, FieldMapping, FieldSource, Transform,
};
use crate::import::table::Table;

/// How a preset reads one field: its columns (each a list of the spellings the export uses, the
/// first found taken; several columns are joined) and the transformation.
struct PresetField {
    field: AccountField,
    columns: &'static [&'static [&'static str]],
    transform: PresetTransform,
}

#[derive(Clone, Copy)]
enum PresetTransform {
    Text,
    Date,
    Amount(AmountUnit),
    /// Yes counts as one unpaid invoice: the export says whether the customer is in arrears,
    /// not how many invoices are unpaid.
    OneIfYes,
}

/// A mapping that ships with the app.
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    /// Where its column list comes from, shown beside it.
    pub source: &'static str,
    fields: &'static [PresetField],
}

/// What the desk lists of a preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PresetInfo {
    pub id: String,
    pub name: String,
    pub source: String,
}

const fn field(
    field: AccountField,
    columns: &'static [&'static [&'static str]],
    transform: PresetTransform,
) -> PresetField {
    PresetField {
        field,
        columns,
        transform,
    }
}

use AccountField as F;
use PresetTransform as T;

pub const PRESETS: [Preset; 4] = [
    Preset {
        id: "stripe_customers",
        name: "Stripe customers",
        source: "Stripe Dashboard, Customers → Export (all columns)",
        fields: &[
            field(F::ExternalId, &[&["id", "Customer ID"]], T::Text),
            field(F::Name, &[&["Name", "Description"]], T::Text),
            field(F::Email, &[&["Email"]], T::Text),
            field(F::Phone, &[&["Phone"]], T::Text),
            field(F::CustomerSince, &[&["Created (UTC)", "Created"]], T::Date),
            field(F::Currency, &[&["Currency"]], T::Text),
            field(
                F::AccountsReceivable,
                &[&["Balance", "Account Balance"]],
                T::Amount(AmountUnit::Major),
            ),
            field(F::UnpaidInvoices, &[&["Delinquent"]], T::OneIfYes),
            field(
                F::TotalCollected,
                &[&["Total Spend"]],
                T::Amount(AmountUnit::Major),
            ),
            field(F::Plan, &[&["Plan"]], T::Text),
            field(F::Mrr, &[&["MRR"]], T::Amount(AmountUnit::Major)),
        ],
    },
    Preset {
        id: "hubspot_companies",
        name: "HubSpot companies",
        source: "HubSpot, Companies → Export (property labels)",
        fields: &[
            field(F::ExternalId, &[&["Record ID", "Company ID"]], T::Text),
            field(F::Name, &[&["Company name", "Name"]], T::Text),
            field(F::Phone, &[&["Phone Number"]], T::Text),
            field(F::Email, &[&["Email", "Company Email"]], T::Text),
            field(
                F::CustomerSince,
                &[&["Became a Customer Date", "Create Date"]],
                T::Date,
            ),
            field(F::AccountManager, &[&["Company owner"]], T::Text),
            field(
                F::Mrr,
                &[&["Recurring revenue amount", "Recurring Revenue Amount"]],
                T::Amount(AmountUnit::Major),
            ),
            field(
                F::TotalCollected,
                &[&["Total Revenue"]],
                T::Amount(AmountUnit::Major),
            ),
            field(F::Currency, &[&["Currency", "Company Currency"]], T::Text),
        ],
    },
    Preset {
        id: "salesforce_accounts",
        name: "Salesforce accounts",
        source: "Salesforce, an Accounts report or a Data Loader export (API names)",
        fields: &[
            field(F::ExternalId, &[&["Account ID", "Id"]], T::Text),
            field(F::Name, &[&["Account Name", "Name"]], T::Text),
            field(F::Phone, &[&["Phone"]], T::Text),
            field(
                F::CustomerSince,
                &[&["Created Date", "CreatedDate"]],
                T::Date,
            ),
            field(
                F::AccountManager,
                &[&["Account Owner", "Owner Name"]],
                T::Text,
            ),
            field(
                F::Currency,
                &[&["Account Currency", "CurrencyIsoCode"]],
                T::Text,
            ),
            field(F::OriginalSalesRep, &[&["Created By"]], T::Text),
        ],
    },
    Preset {
        id: "chargebee_customers",
        name: "Chargebee customers",
        source: "Chargebee, Customers → Export (customers.* columns) or a Customers report",
        fields: &[
            field(F::ExternalId, &[&["customers.id", "Customer Id"]], T::Text),
            field(F::Name, &[&["customers.company", "Company"]], T::Text),
            field(
                F::ContactName,
                &[
                    &["customers.first_name", "First Name"],
                    &["customers.last_name", "Last Name"],
                ],
                T::Text,
            ),
            field(F::Email, &[&["customers.email", "Email"]], T::Text),
            field(F::Phone, &[&["customers.phone", "Phone"]], T::Text),
            field(
                F::CustomerSince,
                &[&["customers.created_at", "Created At"]],
                T::Date,
            ),
            field(
                F::Currency,
                &[&[
                    "customers.preferred_currency_code",
                    "Preferred Currency Code",
                ]],
                T::Text,
            ),
            field(
                F::AccountManager,
                &[&["customers.account_manager", "Account Manager"]],
                T::Text,
            ),
        ],
    },
];

impl Preset {
    pub fn info(&self) -> PresetInfo {
        PresetInfo {
            id: self.id.into(),
            name: self.name.into(),
            source: self.source.into(),
        }
    }

    /// The preset's mapping for this file (the spellings its header uses), and how many of the
    /// preset's fields the file has. A file without the preset's id column has none of it.
    pub fn mapping_for(&self, table: &Table, order: DateOrder) -> (ColumnMapping, usize) {
        let mut fields = Vec::new();
        for preset_field in self.fields {
            let columns: Vec<String> = preset_field
                .columns
                .iter()
                .filter_map(|spellings| {
                    spellings
                        .iter()
                        .find_map(|spelling| table.column(spelling))
                        .and_then(|index| table.headers.get(index).cloned())
                })
                .collect();
            if columns.is_empty() {
                if preset_field.field == AccountField::ExternalId {
                    return (ColumnMapping::default(), 0);
                }
                continue;
            }
            let transform = match preset_field.transform {
                T::Text => Transform::Text,
                T::Date => Transform::Date { order },
                T::Amount(unit) => Transform::Amount { unit },
                T::OneIfYes => Transform::Flag {
                    when_true: "1".into(),
                    when_false: "0".into(),
                },
            };
            fields.push(FieldMapping {
                field: preset_field.field,
                source: FieldSource::Column { columns, transform },
            });
        }
        let matched = fields.len();
        (ColumnMapping { fields }, matched)
    }
}

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|preset| preset.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &str) -> Table {
        Table::from_csv(format!("{header}\n").as_bytes()).unwrap()
    }

    #[test]
    fn a_stripe_export_maps_by_its_own_labels() {
        let stripe = table(
            "id,Description,Email,Name,Created (UTC),Card ID,Currency,Balance,Delinquent,Plan",
        );
        let (mapping, matched) = preset("stripe_customers")
            .unwrap()
            .mapping_for(&stripe, DateOrder::MonthFirst);
        assert_eq!(matched, 8);
        assert_eq!(
            mapping.source(AccountField::CustomerSince),
            Some(&FieldSource::Column {
                columns: vec!["Created (UTC)".into()],
                transform: Transform::Date {
                    order: DateOrder::MonthFirst
                },
            })
        );
        assert_eq!(mapping.source(AccountField::Tier), None);
    }

    #[test]
    fn chargebee_joins_the_contact_s_names() {
        let chargebee =
            table("customers.id,customers.first_name,customers.last_name,customers.email");
        let (mapping, _) = preset("chargebee_customers")
            .unwrap()
            .mapping_for(&chargebee, DateOrder::DayFirst);
        let Some(FieldSource::Column { columns, .. }) = mapping.source(AccountField::ContactName)
        else {
            panic!("no contact name");
        };
        assert_eq!(columns, &["customers.first_name", "customers.last_name"]);
    }

    #[test]
    fn a_file_without_the_id_column_is_not_the_preset_s() {
        let other = table("Name,Email,Phone");
        for preset in &PRESETS {
            assert_eq!(preset.mapping_for(&other, DateOrder::MonthFirst).1, 0);
        }
    }
}
