//! Issue 12 through the API: a client id belongs to its user, importing accounts takes the roles
//! the policy names, and who reads the organisation's log.

use holdfast_core::role::Role;
use holdfast_sync::protocol::{PushedCommand, SyncCommand};

use super::*;
use crate::store::suite::{draft, now, POLICY};
use crate::store::NewUser;

fn note(text: &str) -> CaseCommand {
    CaseCommand::AddNote { text: text.into() }
}

#[tokio::test]
async fn a_push_under_a_colleagues_client_id_is_refused_and_the_colleagues_own_push_applies() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    let max = sign_in(&app, "max").await;
    let mias_client = Uuid::now_v7();
    let case_id = Uuid::now_v7();
    let opened = PushRequest {
        client_id: mias_client,
        commands: vec![
            case_command(1, case_id, 0, receive(case_id, app.f.account_id)),
            case_command(2, case_id, 1, CaseCommand::LogRequest),
        ],
    };
    let (status, body) = push(&app, &mia.access_token, &opened).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // max reads mia's client id and her last sequence number in the log he pulls…
    let log = pull_all(&app, &max.access_token).await;
    let (client_id, last_seq) = log
        .events
        .iter()
        .filter_map(|event| event.origin)
        .filter(|origin| origin.client_id == mias_client)
        .map(|origin| (origin.client_id, origin.seq))
        .max_by_key(|(_, seq)| *seq)
        .expect("mia's commands are in the log");
    // …and pushes the next one under them: refused, typed, nothing recorded.
    let forged = PushRequest {
        client_id,
        commands: vec![case_command(
            last_seq + 1,
            case_id,
            2,
            note("pushed by max as mia's desk"),
        )],
    };
    let (status, body) = push(&app, &max.access_token, &forged).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| message.contains("belongs to another user")),
        "{body}"
    );
    assert_eq!(pull_all(&app, &max.access_token).await.events, log.events);

    // mia's real command with that number is applied and in the log, as hers.
    let real = PushRequest {
        client_id: mias_client,
        commands: vec![case_command(last_seq + 1, case_id, 2, note("mia's note"))],
    };
    let (status, body) = push(&app, &mia.access_token, &real).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["results"][0]["outcome"]["outcome"], "applied",
        "{body}"
    );
    let events = pull_all(&app, &mia.access_token).await.events;
    let last = events.last().expect("an event");
    assert_eq!(
        (last.record.kind.as_str(), last.record.actor.as_str()),
        ("note_added", "mia")
    );
    assert_eq!(last.record.payload["text"], "mia's note");
}

#[tokio::test]
async fn an_import_by_a_role_the_policy_does_not_name_is_rejected_in_the_engines_words() {
    let app = app().await;
    let naming = POLICY.replace("[roles]\n", "[roles]\nimport_accounts = [\"manager\"]\n");
    app.store
        .publish_policy(app.f.organisation.id, 2, &naming, now())
        .await
        .expect("policy 2");
    let ann = sign_in(&app, "ann").await;
    let mut hijacked = draft("A-1", "Acme Dental");
    hijacked.email = Some("mallory@example.net".into());
    hijacked.tier = "Enterprise".into();
    let request = PushRequest {
        client_id: Uuid::now_v7(),
        commands: vec![PushedCommand {
            seq: 1,
            command: SyncCommand::ImportAccounts {
                accounts: vec![hijacked],
            },
            decided_at: now(),
        }],
    };
    let (status, body) = push(&app, &ann.access_token, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = &body["results"][0]["outcome"];
    assert_eq!(outcome["outcome"], "rejected", "{body}");
    assert!(
        outcome["rejection"]["message"]
            .as_str()
            .is_some_and(
                |message| message.contains("import accounts") && message.contains("manager")
            ),
        "{body}"
    );
    let account = app
        .store
        .account(app.f.organisation.id, app.f.account_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(account.draft.email.as_deref(), Some("rae@example.com"));
}

/// Every role reads the whole log (one chain, verified whole by the desk); a user without a role
/// reads nothing.
#[tokio::test]
async fn every_role_reads_the_log_and_a_user_without_a_role_reads_nothing() {
    let app = app().await;
    let mia = sign_in(&app, "mia").await;
    open_case(&app, &mia).await;
    let expected = pull_all(&app, &mia.access_token).await.events;
    assert!(!expected.is_empty());

    let add = |name: String, roles: Vec<Role>| {
        let hash = hash_password(PASSWORD, &fast_auth()).expect("hash");
        let store = app.store.clone();
        let organisation_id = app.f.organisation.id;
        async move {
            store
                .add_user(
                    NewUser {
                        organisation_id,
                        name,
                        roles,
                        password_hash: hash,
                    },
                    now(),
                )
                .await
                .expect("user")
        }
    };
    for role in Role::ALL {
        let name = format!("reader-{}", role.as_str());
        add(name.clone(), vec![role]).await;
        let session = sign_in(&app, &name).await;
        assert_eq!(
            pull_all(&app, &session.access_token).await.events,
            expected,
            "{role:?}"
        );
    }

    let nobody = add("newcomer".into(), Vec::new()).await;
    let session = sign_in(&app, "newcomer").await;
    for uri in ["/v1/pull?after=0&limit=1000", "/v1/pull"] {
        let (status, body) = call(Method::GET, uri)
            .token(&session.access_token)
            .json_response(&app)
            .await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{body}"
        );
        assert!(body.get("events").is_none(), "{body}");
    }
    // Given a role, the same user reads it.
    app.store
        .set_user_roles(nobody.id, &[Role::Csm])
        .await
        .expect("a role");
    assert_eq!(pull_all(&app, &session.access_token).await.events, expected);
}
