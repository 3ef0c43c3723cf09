//! Issue 12, "imports are bounded or chunked": the device checks a whole import, all or nothing,
//! then queues it as consecutive commands of at most `MAX_IMPORT_ACCOUNTS` accounts, pushes one
//! part at a time, and names the accounts of a part the server rejected.

use super::*;
use crate::protocol::{MAX_BATCH, MAX_IMPORT_ACCOUNTS};

fn drafts(count: usize) -> Vec<AccountDraft> {
    (1..=count).map(|n| draft(&format!("X-{n:05}"))).collect()
}

fn imported(pending: &PendingCommand) -> Vec<String> {
    match &pending.command {
        SyncCommand::ImportAccounts { accounts } => accounts
            .iter()
            .map(|draft| draft.external_id.clone())
            .collect(),
        other => panic!("expected an import, got {other:?}"),
    }
}

#[test]
fn a_large_import_is_queued_in_parts_in_the_files_order() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, _) = synced(&mut script, &world, &mia);
    let all = drafts(2_500);
    let parts = 2_500_usize.div_ceil(MAX_IMPORT_ACCOUNTS);
    assert!(parts > 1, "2,500 accounts are more than one part");

    let seqs = replica
        .import_accounts(all.clone(), &world.context(&mia))
        .expect("queued");
    assert_eq!(seqs, (1..=parts as u64).collect::<Vec<_>>());
    assert_eq!(replica.pending().len(), parts);
    let mut in_order = Vec::new();
    for pending in replica.pending() {
        let part = imported(pending);
        assert!(part.len() <= MAX_IMPORT_ACCOUNTS, "{}", part.len());
        // Each part expects its own accounts, all new.
        match &pending.expected {
            Expected::Applied { accounts, .. } => assert_eq!(accounts.len(), part.len()),
            other => panic!("{other:?}"),
        }
        in_order.extend(part);
    }
    let wanted: Vec<String> = all.iter().map(|draft| draft.external_id.clone()).collect();
    assert_eq!(in_order, wanted);
    // Every account shows at once.
    assert!(replica.account(account_id("X-02500")).is_some());
}

#[test]
fn a_bad_row_anywhere_in_a_large_import_queues_nothing() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, _) = synced(&mut script, &world, &mia);
    let mut all = drafts(2_500);
    all[2_399].email = Some("not an address".into());
    let refused = replica.import_accounts(all, &world.context(&mia));
    match &refused {
        Err(ClientError::Refused(CoreError::Invalid { message, .. })) => {
            assert!(message.contains("account 2400 (X-02400)"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(replica.pending().is_empty());
    assert_eq!(replica.next_seq(), 1, "no number was taken");

    // The same external id in two parts is caught too.
    let mut twice = drafts(2_500);
    twice[2_000] = draft("X-00001");
    assert!(matches!(
        replica.import_accounts(twice, &world.context(&mia)),
        Err(ClientError::Refused(_))
    ));
    assert!(replica.pending().is_empty());
}

#[test]
fn a_push_carries_at_most_one_parts_accounts() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, case_id) = synced(&mut script, &world, &mia);
    let context = world.context(&mia);
    replica
        .decide(case_id, note("before"), &context)
        .expect("queued");
    replica
        .import_accounts(drafts(MAX_IMPORT_ACCOUNTS + 10), &context)
        .expect("queued");
    replica
        .decide(case_id, note("after"), &context)
        .expect("queued");

    let mut pushes = Vec::new();
    while let Some(push) = replica.next_push(MAX_BATCH).expect("syncing") {
        let carried: usize = push
            .commands
            .iter()
            .map(|pushed| pushed.command.imported_accounts())
            .sum();
        assert!(carried <= MAX_IMPORT_ACCOUNTS, "{carried}");
        pushes.push(
            push.commands
                .iter()
                .map(|pushed| pushed.seq)
                .collect::<Vec<_>>(),
        );
        let results = push
            .commands
            .iter()
            .map(|pushed| CommandResult {
                seq: pushed.seq,
                outcome: CommandOutcome::Applied,
            })
            .collect();
        replica
            .on_push_response(&PushResponse { results }, &context)
            .expect("answered");
    }
    // The note goes with the first part; the second part (10 accounts) and the note after it
    // go in the next push.
    assert_eq!(pushes, vec![vec![1, 2], vec![3, 4]]);

    // Small imports still travel together.
    let mut small = Replica::new(CLIENT, &script.public_key()).expect("a replica");
    small.apply_pull(&script.pull(0), &context).expect("pulled");
    small
        .import_accounts(vec![draft("S-1")], &context)
        .expect("queued");
    small
        .import_accounts(vec![draft("S-2")], &context)
        .expect("queued");
    let push = small
        .next_push(MAX_BATCH)
        .expect("syncing")
        .expect("a push");
    assert_eq!(push.commands.len(), 2);
}

#[test]
fn a_rejected_part_names_the_accounts_it_did_not_import() {
    let (mut script, world) = (Script::new(), World::new());
    let mia = person("mia", &[Role::Manager]);
    let (mut replica, _) = synced(&mut script, &world, &mia);
    let context = world.context(&mia);
    replica
        .import_accounts(drafts(2 * MAX_IMPORT_ACCOUNTS), &context)
        .expect("queued");
    let rejection = Rejection {
        field: None,
        message: "a user needs a role to import accounts".into(),
    };
    let response = PushResponse {
        results: vec![
            CommandResult {
                seq: 1,
                outcome: CommandOutcome::Applied,
            },
            CommandResult {
                seq: 2,
                outcome: CommandOutcome::Rejected {
                    rejection: rejection.clone(),
                },
            },
        ],
    };
    replica
        .on_push_response(&response, &context)
        .expect("answered");
    let notifications = replica.notifications();
    let [notification] = notifications.as_slice() else {
        panic!("one notification, got {notifications:?}");
    };
    assert_eq!(
        notification.command,
        format!(
            "import {MAX_IMPORT_ACCOUNTS} accounts, from X-{:05} to X-{:05} in the file",
            MAX_IMPORT_ACCOUNTS + 1,
            2 * MAX_IMPORT_ACCOUNTS
        )
    );
    assert_eq!(notification.problem, Problem::Rejected { rejection });
    // The first part stays: it waits for its events, still shown.
    assert!(replica.account(account_id("X-00001")).is_some());
    assert!(replica
        .account(account_id(&format!("X-{:05}", 2 * MAX_IMPORT_ACCOUNTS)))
        .is_none());
}
