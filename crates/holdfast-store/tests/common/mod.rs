//! Fixtures shared by the store's integration tests.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::money::{Currency, Money};
use holdfast_store::{Database, DatabaseKey};
use jiff::Timestamp;

pub fn now() -> Timestamp {
    "2026-11-21T10:00:00Z".parse().unwrap()
}

pub fn draft(external_id: &str, name: &str) -> AccountDraft {
    let usd = Currency::parse("USD").unwrap();
    AccountDraft {
        external_id: external_id.into(),
        name: name.into(),
        contact_name: Some("Ana Silva".into()),
        email: Some(format!("{}@example.com", external_id.to_lowercase())),
        phone: Some("+1 (555) 010-2030".into()),
        preferred_channel: PreferredChannel::Email,
        tier: "Professional".into(),
        hosting_server: Some("us-east-1".into()),
        plan: Some("Pro".into()),
        mrr: Money::new(123_450, usd),
        customer_since: Some(jiff::civil::date(2021, 3, 4)),
        total_collected: Money::new(4_500_000, usd),
        accounts_receivable: Some(Money::new(0, usd)),
        original_sales_rep: Some("Rob Reyes".into()),
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    }
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub key: DatabaseKey,
    pub db: Database,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = DatabaseKey::generate().unwrap();
        let db = Database::open(&dir.path().join("holdfast.db"), &key).unwrap();
        Fixture { dir, key, db }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("holdfast.db")
    }

    /// The app closed and started again: the database opened anew from its file.
    #[allow(dead_code)]
    pub fn reopen(self) -> Self {
        let Fixture { dir, key, db } = self;
        drop(db);
        let db = Database::open(&dir.path().join("holdfast.db"), &key).unwrap();
        Fixture { dir, key, db }
    }
}

/// The first response: the acknowledgement message, which acknowledges the request (no policy
/// takes a bare acknowledgement without a message to the customer).
pub fn acknowledge() -> holdfast_core::workflow::CaseCommand {
    holdfast_core::workflow::CaseCommand::RecordMessage {
        kind: holdfast_core::policy::MessageKind::Acknowledgement,
        channel: holdfast_core::account::PreferredChannel::Email,
        body: "We received your request to cancel.".into(),
        email: None,
    }
}
