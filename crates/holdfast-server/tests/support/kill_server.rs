//! The server's side of the kill test (tests/kill.rs, benches/kill.rs): a child pushes case
//! commands through the SQLite store in a loop, each its own push transaction, and acknowledges
//! each after `push_command` returned (what the HTTP answer waits for); after each kill the
//! database must open, every acknowledged command's event must be there with its origin, and the
//! whole chain must verify (`holdfast-server verify`'s check).
// Each includer uses a different part of this file.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::Path;

use holdfast_core::account::{account_id, AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::store::sqlite::{SqliteStore, DATABASE_FILE};
use holdfast_server::store::{NewUser, ServerStore};
use holdfast_server::verify::{verify_log_with_key, LogVerdict};
use holdfast_sync::protocol::{CommandOutcome, PushedCommand, SyncCommand, MAX_BATCH};
use jiff::Timestamp;
use uuid::Uuid;

const ORGANISATION: &str = "Billsbee";
const POLICY: &str = include_str!("../../../../policies/billsbee.toml");
/// Checkpoints are not written by this test, so any key verifies the chain.
const ANY_KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn runtime() -> Result<tokio::runtime::Runtime, BoxError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn draft() -> Result<AccountDraft, BoxError> {
    let usd = Currency::parse("USD")?;
    Ok(AccountDraft {
        external_id: "A-1".into(),
        name: "Acme Dental".into(),
        contact_name: Some("Rae".into()),
        email: Some("rae@example.com".into()),
        phone: Some("+1 555 010 2030".into()),
        preferred_channel: PreferredChannel::Phone,
        tier: "Standard".into(),
        hosting_server: None,
        plan: Some("Pro".into()),
        mrr: Money::new(4_900, usd),
        customer_since: None,
        total_collected: Money::new(58_800, usd),
        accounts_receivable: Some(Money::new(0, usd)),
        original_sales_rep: None,
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    })
}

/// An organisation with a manager "mia" and one account, in `data_dir`.
pub fn prepare(data_dir: &Path) -> Result<(), BoxError> {
    runtime()?.block_on(async {
        let store = SqliteStore::open(data_dir)?;
        let now = Timestamp::now();
        let organisation = store.create_organisation(ORGANISATION, now).await?;
        store
            .publish_policy(organisation.id, 1, POLICY, now)
            .await?;
        let mia = store
            .add_user(
                NewUser {
                    organisation_id: organisation.id,
                    name: "mia".into(),
                    roles: vec![Role::Manager],
                    password_hash: "$argon2id$not-used-here".into(),
                },
                now,
            )
            .await?;
        let import = PushedCommand {
            seq: 1,
            command: SyncCommand::ImportAccounts {
                accounts: vec![draft()?],
            },
            decided_at: now,
        };
        store
            .push_command(mia.id, Uuid::now_v7(), &import, now)
            .await?;
        Ok(())
    })
}

/// The child: pushes `receive` commands for new cases, one push each, until killed (or until
/// `limit` commands, for the reference run), acknowledging each as `client/seq`.
pub fn child(data_dir: &Path, limit: Option<u64>) -> Result<u64, BoxError> {
    runtime()?.block_on(async {
        let store = SqliteStore::open(data_dir)?;
        let organisation = store
            .organisation_by_name(ORGANISATION)
            .await?
            .ok_or("no organisation")?;
        let mia = store
            .user_by_name(organisation.id, "mia")
            .await?
            .ok_or("no mia")?;
        let account = account_id("A-1");
        let client = Uuid::now_v7();
        let mut seq = 0;
        while limit.is_none_or(|limit| seq < limit) {
            seq += 1;
            let case_id = Uuid::now_v7();
            let command = PushedCommand {
                seq,
                command: SyncCommand::Case {
                    case_id,
                    base_version: 0,
                    command: CaseCommand::Receive {
                        case_id,
                        account_id: account,
                        channel: RequestChannel::Phone,
                        requester_name: "Rae".into(),
                        requester_contact: "+1 555 010 2030".into(),
                        received_at: None,
                    },
                },
                decided_at: Timestamp::now(),
            };
            let outcome = store
                .push_batch(mia.id, client, &[command], Timestamp::now())
                .await?;
            if outcome != [CommandOutcome::Applied] {
                return Err(format!("push {seq}: {outcome:?}").into());
            }
            if limit.is_none() {
                super::kill_harness::acknowledge(&format!("{client}/{seq}"));
            }
        }
        Ok(seq)
    })
}

/// After a kill: the database opens (and passes SQLite's quick check), every acknowledged
/// `client/seq` has its event, and the organisation's chain verifies from event 1 to its head.
pub fn check(data_dir: &Path, acknowledged: &[String]) -> Result<u64, String> {
    let quick: String = rusqlite::Connection::open(data_dir.join(DATABASE_FILE))
        .and_then(|conn| conn.query_row("PRAGMA quick_check", [], |row| row.get(0)))
        .map_err(|error| format!("the database does not open: {error}"))?;
    if quick != "ok" {
        return Err(format!("quick_check: {quick}"));
    }
    let found = runtime()
        .map_err(|error| error.to_string())?
        .block_on(async {
            let store = SqliteStore::open(data_dir).map_err(|error| error.to_string())?;
            let organisation = store
                .organisation_by_name(ORGANISATION)
                .await
                .map_err(|error| error.to_string())?
                .ok_or("the organisation is gone")?;
            match verify_log_with_key(&store, ANY_KEY, organisation.id)
                .await
                .map_err(|error| error.to_string())?
            {
                LogVerdict::Intact { .. } => {}
                broken => return Err(format!("the chain: {broken}")),
            }
            let mut origins = HashSet::new();
            let mut after = 0;
            loop {
                let page = store
                    .events_after(organisation.id, after, MAX_BATCH)
                    .await
                    .map_err(|error| error.to_string())?;
                for event in &page.events {
                    if let Some(origin) = event.origin {
                        origins.insert(format!("{}/{}", origin.client_id, origin.seq));
                    }
                    after = event.seq;
                }
                if !page.more {
                    break;
                }
            }
            Ok::<_, String>(origins)
        })?;
    for id in acknowledged {
        if !found.contains(id) {
            return Err(format!("acknowledged command {id} is not in the database"));
        }
    }
    Ok(acknowledged.len() as u64)
}
