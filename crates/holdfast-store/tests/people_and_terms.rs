//! Issue 10 through the store: the account terms the rules need (plan price, billing period,
//! account manager, an A/R that may be unknown) survive import and reach the engine's facts; the
//! sales-rep roster says who has left; and the local user is one person by a stable id, whatever
//! they call themselves, with every change to them in the verified audit chain.

mod common;

use common::{now, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::error::Gate;
use holdfast_core::import::{read_accounts_csv, read_roster_csv};
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::record::{user_aggregate_id, USER, USER_CHANGED};
use holdfast_core::role::Role;
use holdfast_core::workflow::{CaseCommand, RepStatus};
use holdfast_core::CoreError;
use holdfast_store::accounts::{AccountQuery, ImportSummary};
use holdfast_store::events::AuditVerdict;
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, StoreError};
use uuid::Uuid;

const HEADER: &str = "external_id,name,contact_name,email,phone,preferred_channel,tier,\
                      hosting_server,plan,mrr,currency,customer_since,total_collected,\
                      accounts_receivable,original_sales_rep";

fn import(db: &mut Database, csv: &str) -> ImportSummary {
    let drafts = read_accounts_csv(csv.as_bytes()).unwrap();
    db.import_accounts(&drafts, now()).unwrap()
}

fn account_named(db: &Database, external_id: &str) -> Uuid {
    db.accounts(&AccountQuery::default())
        .unwrap()
        .items
        .into_iter()
        .find(|account| account.draft.external_id == external_id)
        .unwrap()
        .id
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

#[test]
fn plan_price_billing_period_and_manager_are_stored_and_reach_the_facts() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    let csv = format!(
        "{HEADER},plan_price,billing_period_start,billing_period_end,account_manager\n\
         A-1,Acme,,a@acme.io,,email,Pro,,,1000.00,USD,,,250.00,Rob Reyes,1000.00,2026-12-01,2027-01-01,Mia Chen\n\
         A-2,Beta,,b@beta.io,,email,Pro,,,49.00,USD,,,0,,,,,\n"
    );
    assert_eq!(import(db, &csv).created, 2);

    let acme = account_named(db, "A-1");
    let stored = db.account(acme).unwrap().draft;
    assert_eq!(stored.plan_price, Some(usd(100_000)));
    assert_eq!(stored.account_manager.as_deref(), Some("Mia Chen"));
    let facts = db.account_facts(acme).unwrap();
    assert_eq!(facts.plan_price, Some(usd(100_000)));
    assert_eq!(
        facts.billing_period_start,
        Some(jiff::civil::date(2026, 12, 1))
    );
    assert_eq!(
        facts.billing_period_end,
        Some(jiff::civil::date(2027, 1, 1))
    );
    assert_eq!(facts.account_manager.as_deref(), Some("Mia Chen"));
    assert_eq!(facts.accounts_receivable, Some(usd(25_000)));

    let beta = db.account_facts(account_named(db, "A-2")).unwrap();
    assert_eq!(
        (
            beta.plan_price,
            beta.billing_period_start,
            beta.account_manager
        ),
        (None, None, None)
    );
    assert_eq!(beta.accounts_receivable, Some(usd(0)), "0 is a known zero");

    // What was stored reads back exactly as imported: the same file again changes nothing.
    let again = import(db, &csv);
    assert_eq!((again.unchanged, again.updated), (2, 0));
    // A file without the new columns still imports, and now says there are no terms.
    let without =
        format!("{HEADER}\nA-1,Acme,,a@acme.io,,email,Pro,,,1000.00,USD,,,250.00,Rob Reyes\n");
    assert_eq!(import(db, &without).updated, 1);
    assert_eq!(db.account_facts(acme).unwrap().plan_price, None);
}

#[test]
fn an_empty_accounts_receivable_is_stored_as_unknown_not_zero() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    let csv = format!(
        "{HEADER}\nA-1,Acme,,a@acme.io,,email,Pro,,,10.00,USD,,,,\n\
         A-2,Beta,,b@beta.io,,email,Pro,,,10.00,USD,,,0.00,\n"
    );
    import(db, &csv);
    let acme = account_named(db, "A-1");
    assert_eq!(db.account(acme).unwrap().draft.accounts_receivable, None);
    assert_eq!(db.account_facts(acme).unwrap().accounts_receivable, None);
    let beta = account_named(db, "A-2");
    assert_eq!(
        db.account_facts(beta).unwrap().accounts_receivable,
        Some(usd(0))
    );
    // Unknown and zero are different rows: an import that learns the balance changes the account.
    let known = format!("{HEADER}\nA-1,Acme,,a@acme.io,,email,Pro,,,10.00,USD,,,0.00,\n");
    assert_eq!(import(db, &known).updated, 1);
    assert_eq!(
        db.account_facts(acme).unwrap().accounts_receivable,
        Some(usd(0))
    );
}

#[test]
fn the_roster_says_who_has_left_before_the_users_table_does() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    import(
        db,
        &format!("{HEADER}\nA-1,Acme,,a@acme.io,,email,Pro,,,10.00,USD,,,,Rob Reyes\n"),
    );
    let acme = account_named(db, "A-1");
    let status = |db: &Database| db.account_facts(acme).unwrap().original_sales_rep_status;
    assert_eq!(
        status(db),
        RepStatus::Unknown,
        "nobody has said anything about Rob"
    );

    db.upsert_user("Rob Reyes", &[Role::Sales], true).unwrap();
    assert_eq!(
        status(db),
        RepStatus::Active,
        "the users table, without a roster"
    );

    let roster =
        read_roster_csv("name,status\nRob Reyes,left\nMia Chen,active\n".as_bytes()).unwrap();
    let summary = db.import_sales_reps(&roster, now()).unwrap();
    assert_eq!(
        (summary.added, summary.changed, summary.unchanged),
        (2, 0, 0)
    );
    assert_eq!(
        status(db),
        RepStatus::Left,
        "the roster wins over the users table"
    );

    let later: jiff::Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let back =
        read_roster_csv("name,status\nRob Reyes,active\nMia Chen,active\n".as_bytes()).unwrap();
    let summary = db.import_sales_reps(&back, later).unwrap();
    assert_eq!(
        (summary.added, summary.changed, summary.unchanged),
        (0, 1, 1)
    );
    assert_eq!(status(db), RepStatus::Active);
    let reps = db.sales_reps().unwrap();
    let rob = reps.iter().find(|rep| rep.name == "Rob Reyes").unwrap();
    assert_eq!((rob.status, rob.changed_at), (RepStatus::Active, later));
    let mia = reps.iter().find(|rep| rep.name == "Mia Chen").unwrap();
    assert_eq!(
        mia.changed_at,
        now(),
        "an unchanged status keeps when it changed"
    );
}

fn wootrecruit() -> Policy {
    parse_policy(include_str!("../../../policies/wootrecruit.toml")).unwrap()
}

/// Tried as a new user would: a billing user is refused verifying her own refund, renames
/// herself in Settings, and is still refused, because she is still the same person.
#[test]
fn a_renamed_user_is_still_the_person_who_requested_the_refund() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    let policy = wootrecruit();
    db.set_policy(include_str!("../../../policies/wootrecruit.toml"))
        .unwrap();
    let bea = db
        .set_local_user(
            &LocalUserChange {
                name: "Bea".into(),
                roles: vec![Role::AccountManager, Role::Billing],
            },
            now(),
        )
        .unwrap();
    assert_ne!(bea.id, "Bea", "a new user's id is not their name");
    import(
        db,
        &format!("{HEADER}\nA-1,Acme,,a-1@example.com,,email,Standard,,,10.00,USD,,,,\n"),
    );
    let case_id = Uuid::now_v7();
    let actor = db.local_user().unwrap().unwrap().actor();
    assert_eq!(actor.user_id, bea.id);
    let run = |db: &mut Database, command: CaseCommand| {
        let actor = db.local_user().unwrap().unwrap().actor();
        db.run_case_command(case_id, &command, &actor, &policy, now())
    };
    run(
        db,
        CaseCommand::Receive {
            case_id,
            account_id: account_named(db, "A-1"),
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
    )
    .unwrap();
    run(
        db,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Reply from the address on file".into(),
        },
    )
    .unwrap();
    let refund_id = Uuid::now_v7();
    run(
        db,
        CaseCommand::RequestRefund {
            refund_id,
            amount: usd(12_500),
            justification: "Charged after the cancellation request".into(),
            charged_on: None,
        },
    )
    .unwrap();
    let second_verifier = |result: Result<_, StoreError>| {
        matches!(
            result,
            Err(StoreError::Rule(CoreError::GateNotMet {
                gate: Gate::SecondVerifier
            }))
        )
    };
    assert!(second_verifier(run(
        db,
        CaseCommand::VerifyRefund { refund_id }
    )));

    let renamed = db
        .set_local_user(
            &LocalUserChange {
                name: "Someone Else".into(),
                roles: vec![Role::Billing],
            },
            now(),
        )
        .unwrap();
    assert_eq!(renamed.id, bea.id, "a rename keeps the id");
    assert!(
        second_verifier(run(db, CaseCommand::VerifyRefund { refund_id })),
        "renaming oneself does not make one another person"
    );
    // The desk names her by her current name wherever the record keeps her id.
    assert_eq!(db.display_name(&bea.id).unwrap(), "Someone Else");
    let timeline = db.timeline(case_id).unwrap();
    assert!(timeline
        .iter()
        .all(|entry| entry.actor == bea.id && entry.actor_name == "Someone Else"));
}

#[test]
fn a_change_of_name_or_roles_is_in_the_verified_audit_chain() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    db.set_policy(include_str!("../../../policies/wootrecruit.toml"))
        .unwrap();
    let change = |name: &str, roles: &[Role]| LocalUserChange {
        name: name.into(),
        roles: roles.to_vec(),
    };
    let amy = db
        .set_local_user(&change("Amy", &[Role::Billing]), now())
        .unwrap();
    // Saving the same settings again is no change, and records nothing.
    db.set_local_user(&change(" Amy ", &[Role::Billing]), now())
        .unwrap();
    let later: jiff::Timestamp = "2026-11-22T08:30:00Z".parse().unwrap();
    db.set_local_user(
        &change("Amy Brooks", &[Role::Billing, Role::Manager]),
        later,
    )
    .unwrap();

    let history = db.events_of(user_aggregate_id(&amy.id)).unwrap();
    assert_eq!(history.len(), 2, "set up, then one change");
    let changed = &history[1].event;
    assert_eq!(
        (changed.aggregate_type.as_str(), changed.kind.as_str()),
        (USER, USER_CHANGED)
    );
    assert_eq!(changed.aggregate_version, 2);
    assert_eq!(changed.actor, amy.id, "who changed it");
    assert_eq!(changed.recorded_at, later, "when");
    assert_eq!(changed.policy_version, "wootrecruit@1");
    assert_eq!(
        changed.payload,
        serde_json::json!({
            "kind": "user_changed",
            "user_id": amy.id,
            "before": {"name": "Amy", "roles": ["billing"]},
            "after": {"name": "Amy Brooks", "roles": ["billing", "manager"]},
        })
    );
    assert_eq!(history[0].event.payload["before"], serde_json::Value::Null);
    assert_eq!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 2 }
    );

    // The recorded change is sealed like any event: editing it breaks the chain there.
    let path = fixture.path();
    drop(fixture.db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        fixture.key.to_hex().as_str()
    ))
    .unwrap();
    conn.execute(
        "UPDATE events SET payload = replace(payload, 'Amy Brooks', 'Not Amy') WHERE seq = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let db = Database::open(&path, &fixture.key).unwrap();
    assert!(matches!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Broken { seq: Some(2), .. }
    ));
}

/// A local profile is shared at one desk: handing it to another person is not a rename. The
/// other person verifies the refund; switching back is the first person again.
#[test]
fn switching_to_another_person_is_someone_else_and_a_rename_cannot_take_their_name() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    let change = |name: &str, roles: &[Role]| LocalUserChange {
        name: name.into(),
        roles: roles.to_vec(),
    };
    let amy = db
        .set_local_user(&change("Amy", &[Role::AccountManager]), now())
        .unwrap();
    let heather = db
        .switch_local_user(&change("Heather", &[Role::Billing]), now())
        .unwrap();
    assert_ne!(heather.id, amy.id);
    assert_eq!(
        db.local_user().unwrap().unwrap().actor().user_id,
        heather.id
    );
    let back = db
        .switch_local_user(&change("Amy", &[Role::AccountManager]), now())
        .unwrap();
    assert_eq!(back.id, amy.id, "switching back is the same person");
    match db.set_local_user(&change("Heather", &[Role::AccountManager]), now()) {
        Err(StoreError::Rule(CoreError::Invalid { field, .. })) => assert_eq!(field, "name"),
        other => panic!("a rename took another person's name: {other:?}"),
    }
    let names: Vec<String> = db.people().unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, vec!["Amy", "Heather"]);
    // Each hand-over is in the chain: Amy set up, Heather new, Amy back.
    assert_eq!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { events: 3 }
    );
}
