//! The desk's side of the kill test (tests/kill.rs, benches/kill.rs): a child runs case commands
//! through the encrypted store in a loop and acknowledges each case after `run_case_command`
//! returned; after each kill the database opens with its key, every acknowledged case's events
//! are in the log, and the audit chain verifies (`verify_audit_chain`).
// Each includer uses a different part of this file.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::Path;

use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::parse_policy;
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_store::accounts::AccountQuery;
use holdfast_store::events::AuditVerdict;
use holdfast_store::{Database, DatabaseKey};
use uuid::Uuid;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

const POLICY: &str = include_str!("../../../../policies/wootrecruit.toml");

fn draft() -> Result<AccountDraft, BoxError> {
    let usd = Currency::parse("USD")?;
    Ok(AccountDraft {
        external_id: "A-1".into(),
        name: "Acme".into(),
        contact_name: Some("Ana Silva".into()),
        email: Some("a-1@example.com".into()),
        phone: Some("+1 (555) 010-2030".into()),
        preferred_channel: PreferredChannel::Email,
        tier: "Professional".into(),
        hosting_server: None,
        plan: Some("Pro".into()),
        mrr: Money::new(123_450, usd),
        customer_since: None,
        total_collected: Money::new(4_500_000, usd),
        accounts_receivable: Some(Money::new(0, usd)),
        original_sales_rep: None,
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    })
}

/// The child's instructions: the database's path and its key.
pub fn instructions(path: &Path, key: &DatabaseKey) -> String {
    format!("{}\n{}", key.to_hex().as_str(), path.display())
}

fn parse(instructions: &str) -> Result<(DatabaseKey, &Path), BoxError> {
    let (key, path) = instructions.split_once('\n').ok_or("no key")?;
    Ok((DatabaseKey::from_hex(key)?, Path::new(path)))
}

/// A profile with one account.
pub fn prepare(path: &Path, key: &DatabaseKey) -> Result<(), BoxError> {
    let mut db = Database::open(path, key)?;
    db.import_accounts(&[draft()?], jiff::Timestamp::now())?;
    Ok(())
}

/// The child: receives a new case per command until killed (or `limit` commands for the
/// reference run), acknowledging each case id.
pub fn child(instructions: &str, limit: Option<u64>) -> Result<u64, BoxError> {
    let (key, path) = parse(instructions)?;
    let mut db = Database::open(path, &key)?;
    let policy = parse_policy(POLICY)?;
    let account_id = db.accounts(&AccountQuery::default())?.items[0].id;
    let amy = Actor {
        user_id: "amy".into(),
        roles: vec![Role::AccountManager],
        active: true,
    };
    let mut done = 0;
    while limit.is_none_or(|limit| done < limit) {
        let case_id = Uuid::now_v7();
        db.run_case_command(
            case_id,
            &CaseCommand::Receive {
                case_id,
                account_id,
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "a-1@example.com".into(),
                received_at: None,
            },
            &amy,
            &policy,
            jiff::Timestamp::now(),
        )?;
        done += 1;
        if limit.is_none() {
            super::kill_harness::acknowledge(&case_id.to_string());
        }
    }
    Ok(done)
}

/// After a kill: the database opens with its key, the audit chain verifies, and every
/// acknowledged case has its events in the log.
pub fn check(instructions: &str, acknowledged: &[String]) -> Result<u64, String> {
    let (key, path) = parse(instructions).map_err(|error| error.to_string())?;
    let db = Database::open(path, &key).map_err(|error| format!("does not open: {error}"))?;
    match db.verify_audit_chain().map_err(|error| error.to_string())? {
        AuditVerdict::Intact { .. } => {}
        broken => return Err(format!("the audit chain: {broken:?}")),
    }
    drop(db);
    let conn = rusqlite::Connection::open(path).map_err(|error| error.to_string())?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .map_err(|error| error.to_string())?;
    let mut statement = conn
        .prepare("SELECT DISTINCT aggregate_id FROM events WHERE aggregate_type = 'case'")
        .map_err(|error| error.to_string())?;
    let cases = statement
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<HashSet<String>>>())
        .map_err(|error| error.to_string())?;
    for id in acknowledged {
        if !cases.contains(id) {
            return Err(format!("acknowledged case {id} is not in the log"));
        }
    }
    Ok(acknowledged.len() as u64)
}
