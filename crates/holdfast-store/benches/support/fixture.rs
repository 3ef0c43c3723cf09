//! The benchmarks' shared desk profile: 100k accounts and 100k cases (every other case
//! acknowledged, so 150k events), built through the store's own import and case engine so the
//! event log and the read models are what a busy desk would have. The profile's policy and local
//! user are set as the first start would set them. Included with `#[path]` by the store's engine
//! bench and the app's UI bench, so both measure the same data.

use std::time::{Duration, Instant};

use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::Policy;
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::settings::LocalUserChange;
use holdfast_store::Database;
use jiff::Timestamp;
use uuid::Uuid;

pub const ACCOUNTS: usize = 100_000;
pub const CASES: usize = 100_000;

/// The preset the profile follows.
pub const POLICY_SOURCE: &str = include_str!("../../../../policies/intelliserve.toml");

/// The first response: the acknowledgement message, recorded as sent, which acknowledges the
/// request (the policy accepts no bare acknowledgement).
pub fn acknowledge() -> CaseCommand {
    CaseCommand::RecordMessage {
        kind: holdfast_core::policy::MessageKind::Acknowledgement,
        channel: holdfast_core::account::PreferredChannel::Email,
        body: "Thank you for reaching out about your IntelliServe account.".into(),
        email: None,
    }
}

/// What was built, for the benchmarks that go on to work on it.
pub struct Fixture {
    pub policy: Policy,
    /// The profile's local user, who received every case.
    pub actor: Actor,
    /// The clock the cases were received and acknowledged by.
    pub now: Timestamp,
    /// In the order they were received; the even ones are acknowledged (in progress), the odd
    /// ones still received.
    pub case_ids: Vec<Uuid>,
    pub events: usize,
    pub built_in: Duration,
}

/// Fills `db` (new and empty) with the desk profile.
pub fn build(db: &mut Database) -> Result<Fixture, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let policy = db.set_policy(POLICY_SOURCE)?;
    let now: Timestamp = "2026-11-24T15:00:00Z".parse()?;
    let user = db.set_local_user(
        &LocalUserChange {
            name: "amy".into(),
            roles: vec![Role::AccountManager],
        },
        now,
    )?;
    let actor = user.actor();
    let usd = Currency::parse("USD")?;

    db.set_bulk_loading(true)?;
    let tiers = policy.tiers.clone();
    let drafts: Vec<AccountDraft> = (0..ACCOUNTS)
        .map(|i| AccountDraft {
            external_id: format!("ACC-{i:06}"),
            name: format!("Customer {i:06}"),
            contact_name: Some(format!("Contact {i}")),
            email: Some(format!("c{i}@example.com")),
            phone: Some(format!("+1 555 {:07}", i)),
            preferred_channel: PreferredChannel::Email,
            tier: tiers[i % tiers.len()].clone(),
            hosting_server: None,
            plan: Some("Pro".into()),
            mrr: Money::new(10_000 + (i as i64 % 500) * 100, usd),
            customer_since: None,
            total_collected: Money::new(1_000_000, usd),
            accounts_receivable: Some(Money::new((i as i64 % 3) * 60_000, usd)),
            original_sales_rep: None,
            unpaid_invoices: 0,
            plan_price: None,
            billing_period_start: None,
            billing_period_end: None,
            account_manager: None,
        })
        .collect();
    db.import_accounts(&drafts, now)?;
    let account_ids: Vec<Uuid> = {
        let mut ids = Vec::with_capacity(ACCOUNTS);
        let mut query = AccountQuery {
            limit: Some(500),
            ..Default::default()
        };
        loop {
            let page = db.accounts(&query)?;
            ids.extend(page.items.iter().map(|a| a.id));
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        ids
    };
    let mut case_ids = Vec::with_capacity(CASES);
    let mut events = 0;
    for i in 0..CASES {
        let case_id = Uuid::now_v7();
        let received_at = now - jiff::SignedDuration::from_mins((i % 20_000) as i64);
        db.run_case_command(
            case_id,
            &CaseCommand::Receive {
                case_id,
                account_id: account_ids[i % account_ids.len()],
                channel: RequestChannel::Email,
                requester_name: format!("Requester {i}"),
                requester_contact: format!("c{i}@example.com"),
                received_at: Some(received_at),
            },
            &actor,
            &policy,
            now,
        )?;
        events += 1;
        if i % 2 == 0 {
            db.run_case_command(case_id, &acknowledge(), &actor, &policy, now)?;
            events += 1;
        }
        case_ids.push(case_id);
    }
    db.set_bulk_loading(false)?;
    Ok(Fixture {
        policy,
        actor,
        now,
        case_ids,
        events,
        built_in: started.elapsed(),
    })
}

impl Fixture {
    pub fn describe(&self) -> String {
        format!(
            "fixture: {ACCOUNTS} accounts, {CASES} cases, {} events, built in {:.1} s",
            self.events,
            self.built_in.as_secs_f64()
        )
    }
}
