//! Issue 12, "imports are bounded or chunked", from a desk joined to a team server: a large import
//! is checked whole, queued in parts of at most `MAX_IMPORT_ACCOUNTS` accounts, pushed one part
//! per push, and every account arrives; a part the server rejects (the user's role changed in
//! between) is named to the user, and the parts before it stay. Against a real `holdfast-server`
//! store (SQLite) driven in-process through its sync functions, as `team_sync` does.

mod common;
#[path = "support/team_server.rs"]
mod team_server;

use common::{draft, now, Fixture};
use holdfast_core::account::{account_id, AccountDraft};
use holdfast_core::role::Role;
use holdfast_server::store::{ServerStore, UserRecord};
use holdfast_store::Database;
use holdfast_sync::client::Problem;
use holdfast_sync::protocol::{SyncCommand, MAX_BATCH, MAX_IMPORT_ACCOUNTS};
use team_server::Server;
use uuid::Uuid;

/// WootRecruit's policy, naming who imports accounts: managers.
fn policy_source() -> String {
    include_str!("../../../policies/wootrecruit.toml")
        .replace("[roles]\n", "[roles]\nimport_accounts = [\"manager\"]\n")
}

/// Sends the desk's next push as the app's sync loop does (`next_push(MAX_BATCH)`) and takes the
/// answer; returns the accounts the push carried, or `None` when nothing waits.
fn push_once(server: &Server, db: &mut Database, user: &UserRecord) -> Option<usize> {
    let request = db.next_push(MAX_BATCH).unwrap()?;
    let carried = request
        .commands
        .iter()
        .map(|pushed| pushed.command.imported_accounts())
        .sum();
    let response = server.push(user, &request);
    db.apply_push_response(&response, now()).unwrap();
    Some(carried)
}

fn has_account(server: &Server, external_id: &str) -> bool {
    server
        .runtime
        .block_on(
            server
                .store
                .account(server.organisation, account_id(external_id)),
        )
        .unwrap()
        .is_some()
}

fn joined(server: &Server, user: &UserRecord) -> Fixture {
    let mut fixture = Fixture::new();
    fixture
        .db
        .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(user))
        .unwrap();
    fixture.db.set_policy(&policy_source()).unwrap();
    fixture
}

fn drafts(count: usize) -> Vec<AccountDraft> {
    (1..=count)
        .map(|n| draft(&format!("W-{n:05}"), &format!("Account {n}")))
        .collect()
}

fn external_id(n: usize) -> String {
    format!("W-{n:05}")
}

/// The parts the desk queued, as the external ids each carries.
fn queued_parts(db: &Database) -> Vec<Vec<String>> {
    db.replica()
        .unwrap()
        .pending()
        .iter()
        .map(|pending| match &pending.command {
            SyncCommand::ImportAccounts { accounts } => accounts
                .iter()
                .map(|draft| draft.external_id.clone())
                .collect(),
            other => panic!("expected an import, got {other:?}"),
        })
        .collect()
}

#[test]
fn a_large_import_travels_in_parts_and_every_account_arrives() {
    let server = Server::start(&policy_source());
    let mia = server.add_user("mia", &[Role::Manager]);
    let mut desk = joined(&server, &mia);
    let all = drafts(2_500);

    let summary = desk.db.import_accounts(&all, now()).unwrap();
    assert_eq!(summary.created, 2_500);

    // Queued as consecutive parts of at most the bound, in the file's order.
    let parts = queued_parts(&desk.db);
    assert_eq!(parts.len(), 2_500_usize.div_ceil(MAX_IMPORT_ACCOUNTS));
    assert!(parts.iter().all(|part| part.len() <= MAX_IMPORT_ACCOUNTS));
    let in_order: Vec<String> = parts.concat();
    assert_eq!(in_order, (1..=2_500).map(external_id).collect::<Vec<_>>());

    // One part per push: no push carries more than the bound.
    let mut pushes = Vec::new();
    while let Some(carried) = push_once(&server, &mut desk.db, &mia) {
        pushes.push(carried);
    }
    assert_eq!(pushes.len(), parts.len());
    assert!(pushes.iter().all(|&carried| carried <= MAX_IMPORT_ACCOUNTS));
    assert_eq!(pushes.iter().sum::<usize>(), 2_500);

    // Every account is on the server, and the desk settles them all.
    for n in [1, MAX_IMPORT_ACCOUNTS, MAX_IMPORT_ACCOUNTS + 1, 2_500] {
        assert!(has_account(&server, &external_id(n)), "{}", external_id(n));
    }
    server.pull_all(&mut desk.db, &mia, MAX_BATCH);
    assert!(desk.db.replica().unwrap().pending().is_empty());
    assert!(desk.db.replica().unwrap().notifications().is_empty());
    let last = desk.db.account(account_id(&external_id(2_500))).unwrap();
    assert_eq!(last.draft.name, "Account 2500");
}

#[test]
fn a_bad_row_in_a_large_import_queues_nothing() {
    let server = Server::start(&policy_source());
    let mia = server.add_user("mia", &[Role::Manager]);
    let mut desk = joined(&server, &mia);
    let mut all = drafts(2_500);
    all[2_399].email = Some("not an address".into());

    let refused = desk.db.import_accounts(&all, now());
    assert!(refused.is_err(), "{refused:?}");
    assert!(desk.db.replica().unwrap().pending().is_empty());
    assert!(desk.db.account(account_id(&external_id(1))).is_err());
    assert_eq!(push_once(&server, &mut desk.db, &mia), None);
}

#[test]
fn a_part_rejected_after_a_role_change_names_its_accounts_and_earlier_parts_stay() {
    let server = Server::start(&policy_source());
    let mia = server.add_user("mia", &[Role::Manager]);
    let mut desk = joined(&server, &mia);
    let count = 2 * MAX_IMPORT_ACCOUNTS + 10;
    desk.db.import_accounts(&drafts(count), now()).unwrap();
    assert_eq!(queued_parts(&desk.db).len(), 3);

    // The first part goes through; then an administrator makes mia an account manager, whom
    // this policy does not let import.
    assert_eq!(
        push_once(&server, &mut desk.db, &mia),
        Some(MAX_IMPORT_ACCOUNTS)
    );
    server
        .runtime
        .block_on(server.store.set_user_roles(mia.id, &[Role::AccountManager]))
        .unwrap();
    while push_once(&server, &mut desk.db, &mia).is_some() {}
    // The desk takes the rejected parts' accounts off its list at once; the first part stays.
    assert!(desk.db.account(account_id(&external_id(1))).is_ok());
    assert!(desk.db.account(account_id(&external_id(count))).is_err());

    // The server kept the first part and imported nothing of the others.
    assert!(has_account(&server, &external_id(MAX_IMPORT_ACCOUNTS)));
    assert!(!has_account(&server, &external_id(MAX_IMPORT_ACCOUNTS + 1)));
    assert!(!has_account(&server, &external_id(count)));

    // The user is told which accounts were not imported, and why, like any other rejection.
    let notifications = desk.db.replica().unwrap().notifications();
    let told: Vec<(String, bool)> = notifications
        .iter()
        .map(|notification| {
            let Problem::Rejected { rejection } = &notification.problem else {
                panic!("expected a rejection, got {notification:?}");
            };
            (
                notification.command.clone(),
                rejection.message.contains("import accounts"),
            )
        })
        .collect();
    assert_eq!(
        told,
        vec![
            (
                format!(
                    "import {MAX_IMPORT_ACCOUNTS} accounts, from {} to {} in the file",
                    external_id(MAX_IMPORT_ACCOUNTS + 1),
                    external_id(2 * MAX_IMPORT_ACCOUNTS)
                ),
                true
            ),
            (
                format!(
                    "import 10 accounts, from {} to {} in the file",
                    external_id(2 * MAX_IMPORT_ACCOUNTS + 1),
                    external_id(count)
                ),
                true
            ),
        ]
    );

    // After the pull, the desk shows what the server has: the first part, not the rest.
    server.pull_all(&mut desk.db, &mia, MAX_BATCH);
    assert!(desk.db.replica().unwrap().pending().is_empty());
    assert!(desk.db.account(account_id(&external_id(1))).is_ok());
    assert!(desk
        .db
        .account(account_id(&external_id(MAX_IMPORT_ACCOUNTS + 1)))
        .is_err());
}

#[test]
fn a_rejected_import_puts_the_accounts_it_changed_back_as_the_server_has_them() {
    let server = Server::start(&policy_source());
    let mia = server.add_user("mia", &[Role::Manager]);
    let mut desk = joined(&server, &mia);
    desk.db.import_accounts(&drafts(3), now()).unwrap();
    while push_once(&server, &mut desk.db, &mia).is_some() {}
    server.pull_all(&mut desk.db, &mia, MAX_BATCH);

    let mut renamed = drafts(3);
    renamed[1].name = "Renamed on this desk".into();
    desk.db.import_accounts(&renamed, now()).unwrap();
    let shown = desk.db.account(account_id(&external_id(2))).unwrap();
    assert_eq!(shown.draft.name, "Renamed on this desk");

    server
        .runtime
        .block_on(server.store.set_user_roles(mia.id, &[Role::AccountManager]))
        .unwrap();
    while push_once(&server, &mut desk.db, &mia).is_some() {}
    assert_eq!(desk.db.replica().unwrap().notifications().len(), 1);
    let shown = desk.db.account(account_id(&external_id(2))).unwrap();
    assert_eq!(shown.draft.name, "Account 2");
}
