//! Issue 12 on the desk: importing accounts takes the roles the policy names (a local profile
//! asks the engine with its user, as the server does), and a case whose identity was verified
//! through a contact that a later import changed shows it and is verified again.

mod common;

use common::*;
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{parse_policy, Policy, Step, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{checklist, CaseCommand, CONTACT_CHANGED_WARNING};
use holdfast_core::CoreError;
use holdfast_store::accounts::AccountQuery;
use holdfast_store::settings::LocalUserChange;
use holdfast_store::StoreError;
use uuid::Uuid;

const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

fn naming_importers() -> String {
    let named = WOOTRECRUIT.replace("[roles]\n", "[roles]\nimport_accounts = [\"manager\"]\n");
    assert_ne!(named, WOOTRECRUIT);
    named
}

fn be(fixture: &mut Fixture, name: &str, roles: &[Role]) {
    fixture
        .db
        .set_local_user(
            &LocalUserChange {
                name: name.into(),
                roles: roles.to_vec(),
            },
            now(),
        )
        .unwrap();
}

#[test]
fn a_local_import_takes_a_role_the_policy_names() {
    let mut fixture = Fixture::new();
    fixture.db.set_policy(&naming_importers()).unwrap();
    be(&mut fixture, "amy", &[Role::AccountManager]);
    let refused = fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap_err();
    assert!(
        matches!(
            &refused,
            StoreError::Rule(CoreError::RoleRequired {
                step: Step::ImportAccounts,
                needed,
            }) if needed == &[Role::Manager]
        ),
        "{refused:?}"
    );
    assert!(fixture
        .db
        .accounts(&AccountQuery::default())
        .unwrap()
        .items
        .is_empty());

    be(&mut fixture, "amy", &[Role::AccountManager, Role::Manager]);
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    // A policy that names nobody keeps any role, as before the step existed.
    fixture.db.set_policy(WOOTRECRUIT).unwrap();
    be(&mut fixture, "amy", &[Role::AccountManager]);
    fixture
        .db
        .import_accounts(&[draft("A-2", "Bolt")], now())
        .unwrap();
}

#[test]
fn a_contact_changed_by_an_import_after_verification_is_shown_and_verified_again() {
    let mut fixture = Fixture::new();
    let policy: Policy = parse_policy(WOOTRECRUIT).unwrap();
    fixture.db.set_policy(WOOTRECRUIT).unwrap();
    be(&mut fixture, "amy", &[Role::AccountManager]);
    let amy = fixture.db.acting_user().unwrap().unwrap();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let account_id = fixture.db.accounts(&AccountQuery::default()).unwrap().items[0].id;
    let case_id = Uuid::now_v7();
    let run = |db: &mut holdfast_store::Database, command: CaseCommand| {
        db.run_case_command(case_id, &command, &amy, &policy, now())
    };
    run(
        &mut fixture.db,
        CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Email,
            requester_name: "Ana Silva".into(),
            requester_contact: "a-1@example.com".into(),
            received_at: None,
        },
    )
    .unwrap();
    run(
        &mut fixture.db,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "Replied from the address on file".into(),
        },
    )
    .unwrap();
    let shown = |db: &holdfast_store::Database| {
        let state = db.case_state(case_id).unwrap().unwrap();
        let facts = db.account_facts(state.account_id).unwrap();
        let list = checklist(&state, &policy, &facts, &amy);
        (list.identity_verified, list.contact_warning)
    };
    assert_eq!(shown(&fixture.db), (true, None));

    let mut changed = draft("A-1", "Acme");
    changed.email = Some("mallory@example.net".into());
    fixture.db.import_accounts(&[changed], now()).unwrap();
    assert_eq!(
        shown(&fixture.db),
        (false, Some(CONTACT_CHANGED_WARNING.to_owned()))
    );
    // The case reopened to another verification, through the contact on file now; the stored
    // state (kept beside the case's row) says which contact the verification used.
    let fixture = fixture.reopen();
    let mut db = fixture.db;
    assert!(run(
        &mut db,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("a-1@example.com".into()),
            evidence: "the old address".into(),
        },
    )
    .is_err());
    run(
        &mut db,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("mallory@example.net".into()),
            evidence: "Replied from the address on file now".into(),
        },
    )
    .unwrap();
    assert_eq!(shown(&db), (true, None));
}
