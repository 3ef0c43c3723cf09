//! Issue 12, "what the server takes on trust", as storage tests every backend must pass (like
//! `suite`): `store_suite_trust!(expr)` expands to one `#[tokio::test]` per function.
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use holdfast_core::policy::Step;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_sync::protocol::{CommandOutcome, PushedCommand, SyncCommand, SyncedEvent};
use uuid::Uuid;

use super::suite::{case_command, draft, fixture, now, open_logged_case, POLICY};
use super::ServerStore;
use crate::error::ServerError;

/// Expands to one test per function of this suite, each on a fresh store built by `$make`.
#[macro_export]
macro_rules! store_suite_trust {
    ($make:expr) => {
        $crate::store_suite_trust!(@tests $make;
            a_client_id_belongs_to_the_user_who_first_pushed_with_it,
            importing_accounts_takes_a_role_the_policy_names,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::suite_trust::$name(&store).await;
            }
        )*
    };
}

async fn all_events(store: &dyn ServerStore, organisation: Uuid) -> Vec<SyncedEvent> {
    store
        .events_after(organisation, 0, 10_000)
        .await
        .expect("events")
        .events
}

fn note(text: &str) -> CaseCommand {
    CaseCommand::AddNote { text: text.into() }
}

/// The attack of issue 12: max reads mia's client id and next sequence number in the pulled log
/// and pushes under them. Before, his command was applied as his and mia's real command, with the
/// same number, was answered "applied" as a duplicate and dropped.
pub async fn a_client_id_belongs_to_the_user_who_first_pushed_with_it(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let mias_client = Uuid::now_v7();
    let case_id = open_logged_case(store, &f.mia, mias_client, f.account_id).await;
    let before = all_events(store, f.organisation.id).await;
    let seen = before
        .iter()
        .filter_map(|event| event.origin)
        .find(|origin| origin.client_id == mias_client)
        .expect("the pulled log names mia's client");
    assert_eq!(seen.seq, 1);

    for pushed in [
        // The next number: refused, nothing recorded.
        case_command(3, case_id, 2, note("max, as mia's desk")),
        // A number mia used: refused too, not answered with mia's stored outcome.
        case_command(2, case_id, 1, CaseCommand::LogRequest),
    ] {
        let result = store
            .push_batch(f.max.id, mias_client, std::slice::from_ref(&pushed), now())
            .await;
        assert!(
            matches!(
                result,
                Err(ServerError::ClientOfAnotherUser { client_id }) if client_id == mias_client
            ),
            "{result:?}"
        );
        let result = store
            .push_command(f.max.id, mias_client, &pushed, now())
            .await;
        assert!(
            matches!(result, Err(ServerError::ClientOfAnotherUser { .. })),
            "{result:?}"
        );
    }
    assert_eq!(all_events(store, f.organisation.id).await, before);

    // Mia's real command with that number is applied, as hers.
    let outcome = store
        .push_command(
            f.mia.id,
            mias_client,
            &case_command(3, case_id, 2, note("mia's own note")),
            now(),
        )
        .await
        .expect("mia pushes");
    assert_eq!(outcome, CommandOutcome::Applied);
    let after = all_events(store, f.organisation.id).await;
    let last = after.last().expect("an event");
    assert_eq!(
        (
            last.record.kind.as_str(),
            last.record.actor.as_str(),
            last.origin.map(|origin| (origin.client_id, origin.seq))
        ),
        ("note_added", "mia", Some((mias_client, 3)))
    );
    assert_eq!(last.record.payload["text"], "mia's own note");

    // Max's own client works as before.
    let outcome = store
        .push_command(
            f.max.id,
            Uuid::now_v7(),
            &case_command(1, case_id, 3, note("max's note")),
            now(),
        )
        .await
        .expect("max pushes");
    assert_eq!(outcome, CommandOutcome::Applied);
}

/// Once the policy names who imports accounts, nobody else changes the contact on file, tier,
/// receivable or sales rep that verification and routing read.
pub async fn importing_accounts_takes_a_role_the_policy_names(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let naming = POLICY.replace("[roles]\n", "[roles]\nimport_accounts = [\"manager\"]\n");
    assert_ne!(naming, POLICY, "the policy has a [roles] table");
    store
        .publish_policy(f.organisation.id, 2, &naming, now())
        .await
        .expect("policy 2");
    let mut hijacked = draft("A-1", "Acme Dental");
    hijacked.email = Some("mallory@example.net".into());
    let import = |seq| PushedCommand {
        seq,
        command: SyncCommand::ImportAccounts {
            accounts: vec![hijacked.clone()],
        },
        decided_at: now(),
    };
    let before = all_events(store, f.organisation.id).await.len();
    // ann (an account manager) imported A-1 under policy 1 from this client.
    let outcome = store
        .push_command(f.ann.id, Uuid::from_u128(0xa11), &import(2), now())
        .await
        .expect("pushed");
    let CommandOutcome::Rejected { rejection } = outcome else {
        panic!("expected a rejection, got {outcome:?}");
    };
    assert_eq!(
        rejection.message,
        holdfast_core::CoreError::RoleRequired {
            step: Step::ImportAccounts,
            needed: vec![Role::Manager],
        }
        .to_string()
    );
    assert_eq!(all_events(store, f.organisation.id).await.len(), before);
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(account.draft.email.as_deref(), Some("rae@example.com"));

    // A manager may.
    let outcome = store
        .push_command(f.mia.id, Uuid::now_v7(), &import(1), now())
        .await
        .expect("pushed");
    assert_eq!(outcome, CommandOutcome::Applied);
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(account.draft.email.as_deref(), Some("mallory@example.net"));
}
