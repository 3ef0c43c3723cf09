//! Issue 16 through the store: sample data loaded in one step and removed in one step with the
//! audit chain still verifying; a re-import that says what changed, including the accounts the
//! file no longer names; and column mappings saved under a name.

mod common;

use common::{now, Fixture};
use holdfast_core::case::RequestChannel;
use holdfast_core::import::mapping::{
    AccountField, ColumnMapping, FieldMapping, FieldSource, Transform,
};
use holdfast_core::import::read_accounts_csv;
use holdfast_core::policy::parse_policy;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_store::accounts::AccountQuery;
use holdfast_store::cases::InboxQuery;
use holdfast_store::events::AuditVerdict;
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, StoreError};

const POLICY: &str = include_str!("../../../policies/account-cancellation-2017.toml");

const HEADER: &str = "external_id,name,contact_name,email,phone,preferred_channel,tier,\
                      hosting_server,plan,mrr,currency,customer_since,total_collected,\
                      accounts_receivable,original_sales_rep";

fn ready(db: &mut Database) {
    db.set_policy(POLICY).unwrap();
    db.set_local_user(
        &LocalUserChange {
            name: "Ana".into(),
            roles: vec![Role::AccountManager, Role::Manager],
        },
        now(),
    )
    .unwrap();
}

fn external_ids(db: &Database) -> Vec<String> {
    db.accounts(&AccountQuery::default())
        .unwrap()
        .items
        .into_iter()
        .map(|account| account.draft.external_id)
        .collect()
}

#[test]
fn sample_data_loads_in_one_step_and_goes_in_one_step_leaving_real_work_and_a_verified_chain() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    ready(db);
    let policy = parse_policy(POLICY).unwrap();

    let loaded = db.load_sample_data(now()).unwrap();
    assert_eq!((loaded.accounts, loaded.cases), (6, 4));
    let inbox = db.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(inbox.items.len(), 4);
    assert!(inbox
        .items
        .iter()
        .all(|case| case.account_name.ends_with("(sample)")));
    assert!(
        matches!(db.load_sample_data(now()), Err(StoreError::Rule(_))),
        "loaded once"
    );

    // Real work meanwhile: an imported account and a case on it.
    let drafts = read_accounts_csv(
        format!("{HEADER}\nR-1,Real Co,,r@real.io,,email,Essentials,,,49,USD,,,0,\n").as_bytes(),
    )
    .unwrap();
    db.import_accounts(&drafts, now()).unwrap();
    let actor = db.acting_user().unwrap().unwrap();
    let real_case = uuid::Uuid::now_v7();
    let real_account = holdfast_core::account::account_id("R-1");
    db.run_case_command(
        real_case,
        &CaseCommand::Receive {
            case_id: real_case,
            account_id: real_account,
            channel: RequestChannel::Email,
            requester_name: "Rae".into(),
            requester_contact: "r@real.io".into(),
            received_at: None,
        },
        &actor,
        &policy,
        now(),
    )
    .unwrap();
    let sample_case = inbox.items[0].id;
    db.run_case_command(
        sample_case,
        &CaseCommand::AddNote {
            text: "Walked the verification step".into(),
        },
        &actor,
        &policy,
        now(),
    )
    .unwrap();

    let removed = db.remove_sample_data(now()).unwrap();
    assert_eq!((removed.accounts, removed.cases), (6, 4));
    assert!(removed.events >= 5, "{removed:?}");
    assert!(removed.relinked >= 1, "the real case's event is kept");

    assert_eq!(external_ids(db), ["R-1"]);
    let inbox = db.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(
        inbox.items.iter().map(|case| case.id).collect::<Vec<_>>(),
        [real_case]
    );
    assert_eq!(db.timeline(real_case).unwrap().len(), 1);
    assert!(db.timeline(sample_case).unwrap().is_empty());
    assert!(db.sample_data().unwrap().is_none());
    assert!(matches!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));

    // The export verifies and says the chain was re-sealed, and why.
    let mut export = Vec::new();
    db.write_audit_export(&mut export).unwrap();
    holdfast_store::audit_export::verify_audit_export(export.as_slice()).unwrap();
    let text = String::from_utf8(export).unwrap();
    assert!(
        text.contains("sample data removed"),
        "the re-seal is in the export"
    );

    // And after a restart.
    let fixture = fixture.reopen();
    assert!(matches!(
        fixture.db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));
    assert_eq!(external_ids(&fixture.db), ["R-1"]);
}

#[test]
fn without_a_procedure_or_a_person_there_is_no_sample_data_and_nothing_is_removed_twice() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    assert!(matches!(
        db.load_sample_data(now()),
        Err(StoreError::Rule(_))
    ));
    db.set_policy(POLICY).unwrap();
    assert!(matches!(
        db.load_sample_data(now()),
        Err(StoreError::Rule(_))
    ));
    assert!(external_ids(db).is_empty());
    ready(db);
    db.load_sample_data(now()).unwrap();
    db.remove_sample_data(now()).unwrap();
    assert!(matches!(
        db.remove_sample_data(now()),
        Err(StoreError::Rule(_))
    ));
    // Loaded again after removal: a fresh start each time.
    assert_eq!(db.load_sample_data(now()).unwrap().accounts, 6);
    assert!(matches!(
        db.verify_audit_chain().unwrap(),
        AuditVerdict::Intact { .. }
    ));
}

#[test]
fn a_re_import_says_what_is_new_changed_the_same_and_no_longer_in_the_file() {
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    ready(db);
    db.load_sample_data(now()).unwrap();
    let first = read_accounts_csv(
        format!(
            "{HEADER}\n\
             A-1,Acme,,a@acme.io,,email,Essentials,,,49,USD,,,0,\n\
             A-2,Beta,,b@beta.io,,email,Essentials,,,49,USD,,,0,\n\
             A-3,Gamma,,g@gamma.io,,email,Essentials,,,49,USD,,,0,\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let summary = db.import_accounts(&first, now()).unwrap();
    assert_eq!(
        (summary.created, summary.not_in_file),
        (3, 0),
        "samples are not counted"
    );

    let second = read_accounts_csv(
        format!(
            "{HEADER}\n\
             A-1,Acme,,a@acme.io,,email,Essentials,,,49,USD,,,0,\n\
             A-2,Beta Ltd,,b@beta.io,,email,Essentials,,,49,USD,,,0,\n\
             A-4,Delta,,d@delta.io,,email,Essentials,,,49,USD,,,0,\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let missing = db.not_in_file(&second).unwrap();
    assert_eq!(missing.count, 1);
    assert_eq!(missing.first[0].external_id, "A-3");
    let summary = db.import_accounts(&second, now()).unwrap();
    assert_eq!(
        (
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.not_in_file
        ),
        (1, 1, 1, 1)
    );
    assert!(
        external_ids(db).contains(&"A-3".to_owned()),
        "kept, only listed"
    );
}

#[test]
fn mappings_are_saved_by_name_replaced_and_forgotten() {
    let fixture = Fixture::new();
    let db = &fixture.db;
    let mapping = ColumnMapping {
        fields: vec![FieldMapping {
            field: AccountField::Tier,
            source: FieldSource::Column {
                columns: vec!["Level".into()],
                transform: Transform::Text,
            },
        }],
    };
    assert!(matches!(
        db.save_mapping("  ", &mapping),
        Err(StoreError::Rule(_))
    ));
    db.save_mapping(" Our CRM ", &mapping).unwrap();
    db.save_mapping("Billing", &ColumnMapping::default())
        .unwrap();
    db.save_mapping("Our CRM", &mapping).unwrap();
    let saved = db.saved_mappings().unwrap();
    assert_eq!(
        saved
            .iter()
            .map(|saved| saved.name.as_str())
            .collect::<Vec<_>>(),
        ["Billing", "Our CRM"]
    );
    assert_eq!(saved[1].mapping, mapping);
    db.delete_mapping("Billing").unwrap();
    assert!(matches!(
        db.delete_mapping("Billing"),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(db.saved_mappings().unwrap().len(), 1);
}

#[test]
fn sample_data_sends_no_heads_up_and_after_its_removal_the_next_real_event_still_does() {
    use holdfast_core::heads_up::{HeadsUpFormat, Subscription};
    let mut fixture = Fixture::new();
    let db = &mut fixture.db;
    ready(db);
    let policy = parse_policy(POLICY).unwrap();
    db.save_heads_up_subscription(&Subscription {
        name: "crm".into(),
        url: "http://127.0.0.1:9/hook".into(),
        format: HeadsUpFormat::Signed,
        kinds: vec!["received".into()],
    })
    .unwrap();
    db.load_sample_data(now()).unwrap();
    assert_eq!(
        db.queue_heads_ups(now()).unwrap(),
        0,
        "the sample's requests stay here"
    );

    let drafts = read_accounts_csv(
        format!(
            "{HEADER}\nR-1,Real Co,,r@real.io,,email,Essentials,,,49,USD,,,0,\n\
             R-2,Other Co,,o@other.io,,email,Essentials,,,49,USD,,,0,\n"
        )
        .as_bytes(),
    )
    .unwrap();
    db.import_accounts(&drafts, now()).unwrap();
    let actor = db.acting_user().unwrap().unwrap();
    let receive = |db: &mut Database, external_id: &str| {
        let case_id = uuid::Uuid::now_v7();
        db.run_case_command(
            case_id,
            &CaseCommand::Receive {
                case_id,
                account_id: holdfast_core::account::account_id(external_id),
                channel: RequestChannel::Email,
                requester_name: "Rae".into(),
                requester_contact: "r@real.io".into(),
                received_at: None,
            },
            &actor,
            &policy,
            now(),
        )
        .unwrap();
    };
    receive(db, "R-1");
    assert_eq!(db.queue_heads_ups(now()).unwrap(), 1);

    db.remove_sample_data(now()).unwrap();
    // The real case's event was linked again at a lower number; it is not sent twice.
    assert_eq!(db.queue_heads_ups(now()).unwrap(), 0);
    receive(db, "R-2");
    assert_eq!(
        db.queue_heads_ups(now()).unwrap(),
        1,
        "the queue's cursor followed the log's new numbers"
    );
    assert_eq!(db.heads_up_deliveries(10).unwrap().len(), 2);
}
