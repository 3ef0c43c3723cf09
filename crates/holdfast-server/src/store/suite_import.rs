//! Issue 12, "imports are bounded or chunked", as storage tests every backend must pass (like
//! `suite`): `store_suite_import!(expr)` expands to one `#[tokio::test]` per function.
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use holdfast_core::account::{account_id, AccountDraft};
use holdfast_sync::protocol::{
    CommandOutcome, PushRequest, PushedCommand, SyncCommand, MAX_IMPORT_ACCOUNTS,
};
use uuid::Uuid;

use super::suite::{draft, fixture, now};
use super::ServerStore;

/// Expands to one test per function of this suite, each on a fresh store built by `$make`.
#[macro_export]
macro_rules! store_suite_import {
    ($make:expr) => {
        $crate::store_suite_import!(@tests $make;
            an_import_command_over_the_bound_is_rejected_and_writes_nothing,
            a_push_of_many_import_parts_lands_every_account_in_order,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::suite_import::$name(&store).await;
            }
        )*
    };
}

fn drafts(prefix: &str, count: usize) -> Vec<AccountDraft> {
    (1..=count)
        .map(|n| draft(&format!("{prefix}-{n:05}"), &format!("Account {n}")))
        .collect()
}

fn import(seq: u64, accounts: Vec<AccountDraft>) -> PushedCommand {
    PushedCommand {
        seq,
        command: SyncCommand::ImportAccounts { accounts },
        decided_at: now(),
    }
}

async fn event_count(store: &dyn ServerStore, organisation: Uuid) -> usize {
    store
        .events_after(organisation, 0, 100_000)
        .await
        .expect("events")
        .events
        .len()
}

/// One command carrying more accounts than `MAX_IMPORT_ACCOUNTS` is answered with a rejection
/// naming the bound; none of its accounts is written, nor any event, and sending it again gets
/// the same answer. A command of exactly the bound is applied.
pub async fn an_import_command_over_the_bound_is_rejected_and_writes_nothing(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let before = event_count(store, f.organisation.id).await;
    let oversized = import(1, drafts("BIG", MAX_IMPORT_ACCOUNTS + 1));

    let outcomes = store
        .push_batch(f.mia.id, client, std::slice::from_ref(&oversized), now())
        .await
        .expect("answered");
    let [CommandOutcome::Rejected { rejection }] = outcomes.as_slice() else {
        panic!("expected one rejection, got {outcomes:?}");
    };
    assert_eq!(rejection.field.as_deref(), Some("accounts"));
    assert!(
        rejection
            .message
            .contains(&format!("at most {MAX_IMPORT_ACCOUNTS} accounts")),
        "{}",
        rejection.message
    );
    assert_eq!(event_count(store, f.organisation.id).await, before);
    for external_id in ["BIG-00001", &format!("BIG-{:05}", MAX_IMPORT_ACCOUNTS + 1)] {
        let stored = store
            .account(f.organisation.id, account_id(external_id))
            .await
            .expect("read");
        assert_eq!(stored, None, "{external_id} was not imported");
    }
    // Sent again (a lost answer), it is answered the same and still writes nothing.
    let again = store
        .push_batch(f.mia.id, client, std::slice::from_ref(&oversized), now())
        .await
        .expect("answered");
    assert_eq!(again, outcomes);
    assert_eq!(event_count(store, f.organisation.id).await, before);

    // The bound itself is applied.
    let outcome = store
        .push_command(
            f.mia.id,
            client,
            &import(2, drafts("FIT", MAX_IMPORT_ACCOUNTS)),
            now(),
        )
        .await
        .expect("pushed");
    assert_eq!(outcome, CommandOutcome::Applied);
    assert_eq!(
        event_count(store, f.organisation.id).await,
        before + MAX_IMPORT_ACCOUNTS
    );
}

/// A push carrying several import parts (an older desk's outbox, or one built by hand) is
/// committed part by part (`sync::import_parts`), and every account arrives, in the file's order,
/// with every command answered in order.
pub async fn a_push_of_many_import_parts_lands_every_account_in_order(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let before = event_count(store, f.organisation.id).await;
    let all = drafts("P", 2_500);
    let commands: Vec<PushedCommand> = all
        .chunks(MAX_IMPORT_ACCOUNTS)
        .zip(1..)
        .map(|(chunk, seq)| import(seq, chunk.to_vec()))
        .collect();
    let parts = commands.len();
    assert_eq!(parts, 2_500_usize.div_ceil(MAX_IMPORT_ACCOUNTS));
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands,
    };
    let codes = holdfast_core::workflow::CodeKey::new("server", [3; 32]);
    let response = crate::sync::push(store, &f.mia, &request, &codes, now())
        .await
        .expect("pushed");
    let answered: Vec<(u64, CommandOutcome)> = response
        .results
        .into_iter()
        .map(|result| (result.seq, result.outcome))
        .collect();
    let expected: Vec<(u64, CommandOutcome)> = (1..=parts as u64)
        .map(|seq| (seq, CommandOutcome::Applied))
        .collect();
    assert_eq!(answered, expected);

    let events = store
        .events_after(f.organisation.id, before as u64, 100_000)
        .await
        .expect("events")
        .events;
    let landed: Vec<Uuid> = events
        .iter()
        .map(|event| event.record.aggregate_id)
        .collect();
    let wanted: Vec<Uuid> = all
        .iter()
        .map(|draft| account_id(&draft.external_id))
        .collect();
    assert_eq!(landed, wanted, "every account, once, in the file's order");
    let last = store
        .account(f.organisation.id, account_id("P-02500"))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(last.draft.name, "Account 2500");
}
