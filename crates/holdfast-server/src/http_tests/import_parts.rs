//! Issue 12 through the API: an import command carrying more than `MAX_IMPORT_ACCOUNTS`
//! accounts is answered `rejected` on `accounts`, and nothing of it reaches the log.

use holdfast_core::account::account_id;
use holdfast_sync::protocol::{PushedCommand, SyncCommand, MAX_IMPORT_ACCOUNTS};

use super::*;
use crate::store::suite::{draft, now};

fn import(seq: u64, count: usize) -> PushedCommand {
    PushedCommand {
        seq,
        command: SyncCommand::ImportAccounts {
            accounts: (1..=count)
                .map(|n| draft(&format!("H-{n:05}"), "Acme Dental"))
                .collect(),
        },
        decided_at: now(),
    }
}

#[tokio::test]
async fn an_import_command_over_the_bound_is_rejected_through_the_api_and_writes_nothing() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    let head = app.store.head(app.f.organisation.id).await.expect("head");
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![import(1, MAX_IMPORT_ACCOUNTS + 1)],
    };

    let (status, body) = push(&app, &mia.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = &body["results"][0]["outcome"];
    assert_eq!(outcome["outcome"], "rejected", "{body}");
    assert_eq!(outcome["rejection"]["field"], "accounts", "{body}");
    assert_eq!(
        app.store.head(app.f.organisation.id).await.expect("head"),
        head
    );
    let stored = app
        .store
        .account(app.f.organisation.id, account_id("H-00001"))
        .await
        .expect("read");
    assert_eq!(stored, None);

    // The next command, within the bound, is applied.
    let request = PushRequest {
        client_id: request.client_id,
        commands: vec![import(2, MAX_IMPORT_ACCOUNTS)],
    };
    let (status, body) = push(&app, &mia.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["results"][0]["outcome"]["outcome"], "applied",
        "{body}"
    );
}
