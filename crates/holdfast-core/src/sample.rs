//! The sample accounts and cancellation requests a first start can load, so a new user walks the
//! chosen procedure before importing real data: one account per tier of the policy and the cases
//! that exercise its rules (a high balance for a save call, a rep who left, unpaid invoices, a
//! long-term customer, a billing period to prorate). Every one is marked as a sample by its
//! external id and its name, and they are removed together.

use jiff::civil::Date;
use jiff::{Span, Timestamp};
use uuid::Uuid;

use crate::account::{account_id, AccountDraft, PreferredChannel};
use crate::case::RequestChannel;
use crate::money::Money;
use crate::policy::Policy;
use crate::workflow::CaseCommand;

/// Every sample account's external id starts with this; nothing else may.
pub const SAMPLE_PREFIX: &str = "sample-";

/// Shown after every sample account's name.
pub const SAMPLE_MARK: &str = "(sample)";

pub fn is_sample(external_id: &str) -> bool {
    external_id.starts_with(SAMPLE_PREFIX)
}

/// One sample customer, in the policy's currency; amounts are in its units.
struct Customer {
    company: &'static str,
    contact: &'static str,
    email: &'static str,
    phone: &'static str,
    mrr: i64,
    receivable: i64,
    collected: i64,
    unpaid_invoices: u32,
    years: i16,
    rep: &'static str,
    server: &'static str,
}

const CUSTOMERS: [Customer; 6] = [
    Customer {
        company: "Alder & Finch Bakery",
        contact: "Maya Alder",
        email: "maya@alder-finch.example",
        phone: "+1 555 010 0101",
        mrr: 49,
        receivable: 0,
        collected: 1_176,
        unpaid_invoices: 0,
        years: 2,
        rep: "Rob Reyes",
        server: "us-east-1",
    },
    Customer {
        company: "Brightwater Clinics",
        contact: "Tomás Brightwater",
        email: "tomas@brightwater.example",
        phone: "+1 555 010 0202",
        mrr: 890,
        receivable: 1_780,
        collected: 42_720,
        unpaid_invoices: 2,
        years: 4,
        rep: "Dana Whitfield",
        server: "us-west-2",
    },
    Customer {
        company: "Cobalt Freight",
        contact: "Ines Cobalt",
        email: "ines@cobaltfreight.example",
        phone: "+44 20 7946 0303",
        mrr: 2_400,
        receivable: 0,
        collected: 172_800,
        unpaid_invoices: 0,
        years: 6,
        rep: "Rob Reyes",
        server: "eu-west-1",
    },
    Customer {
        company: "Driftwood Studio",
        contact: "Kai Driftwood",
        email: "kai@driftwood.example",
        phone: "+1 555 010 0404",
        mrr: 129,
        receivable: 258,
        collected: 3_096,
        unpaid_invoices: 1,
        years: 1,
        rep: "",
        server: "us-east-1",
    },
    Customer {
        company: "Evergreen Public Library",
        contact: "Ruth Evergreen",
        email: "ruth@evergreen-library.example",
        phone: "+1 555 010 0505",
        mrr: 450,
        receivable: 0,
        collected: 21_600,
        unpaid_invoices: 0,
        years: 4,
        rep: "Dana Whitfield",
        server: "us-west-2",
    },
    Customer {
        company: "Foxglove Analytics",
        contact: "Sam Foxglove",
        email: "sam@foxglove.example",
        phone: "+1 555 010 0606",
        mrr: 1_200,
        receivable: 3_600,
        collected: 28_800,
        unpaid_invoices: 3,
        years: 2,
        rep: "Lee Marsh",
        server: "eu-west-1",
    },
];

/// The sample accounts for `policy`: its tiers in turn, its currency, customers for `today`.
pub fn sample_accounts(policy: &Policy, today: Date) -> Vec<AccountDraft> {
    let currency = policy.currency;
    let scale = 10_i64.pow(currency.minor_digits());
    let money = |units: i64| Money::new(units * scale, currency);
    CUSTOMERS
        .iter()
        .enumerate()
        .map(|(index, customer)| {
            let tier = policy
                .tiers
                .get(index % policy.tiers.len().max(1))
                .cloned()
                .unwrap_or_else(|| "Standard".into());
            let period_start = today.first_of_month();
            let period_end = period_start
                .checked_add(Span::new().months(1))
                .unwrap_or(period_start);
            AccountDraft {
                external_id: format!("{SAMPLE_PREFIX}{}", index + 1),
                name: format!("{} {SAMPLE_MARK}", customer.company),
                contact_name: Some(customer.contact.into()),
                email: Some(customer.email.into()),
                phone: Some(customer.phone.into()),
                preferred_channel: if index % 3 == 1 {
                    PreferredChannel::Phone
                } else {
                    PreferredChannel::Email
                },
                tier,
                hosting_server: Some(customer.server.into()),
                plan: Some("Annual".into()),
                mrr: money(customer.mrr),
                customer_since: today.checked_sub(Span::new().years(customer.years)).ok(),
                total_collected: money(customer.collected),
                accounts_receivable: Some(money(customer.receivable)),
                original_sales_rep: (!customer.rep.is_empty()).then(|| customer.rep.into()),
                unpaid_invoices: customer.unpaid_invoices,
                plan_price: Some(money(customer.mrr)),
                billing_period_start: Some(period_start),
                billing_period_end: Some(period_end),
                account_manager: Some("Jordan Blake".into()),
            }
        })
        .collect()
}

/// The sample cancellation requests: four of the accounts asked, over the last days, by e-mail,
/// phone and web form, so the inbox has something due, something overdue and something new.
pub fn sample_requests(accounts: &[AccountDraft], now: Timestamp) -> Vec<(Uuid, CaseCommand)> {
    let asked = [
        (0, RequestChannel::Email, 2),
        (1, RequestChannel::Phone, 26),
        (2, RequestChannel::Email, 50),
        (5, RequestChannel::WebForm, 5),
    ];
    asked
        .iter()
        .filter_map(|(index, channel, hours_ago)| {
            let account = accounts.get(*index)?;
            let case_id = Uuid::new_v5(&account_id(&account.external_id), b"sample request");
            let contact = match channel {
                RequestChannel::Phone => account.phone.clone(),
                _ => account.email.clone(),
            }
            .unwrap_or_default();
            let received_at = now.checked_sub(Span::new().hours(*hours_ago)).ok();
            Some((
                case_id,
                CaseCommand::Receive {
                    case_id,
                    account_id: account_id(&account.external_id),
                    channel: *channel,
                    requester_name: account.contact_name.clone().unwrap_or_default(),
                    requester_contact: contact,
                    received_at,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::validate_draft;

    #[test]
    fn every_preset_gets_valid_marked_accounts_in_its_tiers() {
        for source in [
            include_str!("../../../policies/wootrecruit.toml"),
            include_str!("../../../policies/account-cancellation-2017.toml"),
            include_str!("../../../policies/billsbee.toml"),
            include_str!("../../../policies/kodif-order-cancellation.toml"),
            include_str!("../../../policies/intelliserve.toml"),
        ] {
            let policy = crate::policy::parse_policy(source).unwrap();
            let accounts = sample_accounts(&policy, jiff::civil::date(2026, 12, 6));
            assert_eq!(accounts.len(), CUSTOMERS.len());
            for account in &accounts {
                validate_draft(account).unwrap();
                assert!(is_sample(&account.external_id));
                assert!(account.name.ends_with(SAMPLE_MARK));
                assert!(policy.tiers.contains(&account.tier) || policy.tiers.is_empty());
                assert_eq!(account.mrr.currency, policy.currency);
            }
            let requests =
                sample_requests(&accounts, Timestamp::from_second(1_765_000_000).unwrap());
            assert_eq!(requests.len(), 4);
        }
    }
}
