//! The storage test suite every `ServerStore` backend must pass: each function takes a fresh,
//! empty store. `store_suite!(expr)` expands to one `#[tokio::test]` per function, with `expr`
//! building the store (see the SQLite backend's tests; a PostgreSQL backend enables the
//! `test-suite` feature and invokes the macro the same way).
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use holdfast_core::account::{account_id, AccountDraft, PreferredChannel};
use holdfast_core::audit::ChainHash;
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::MessageKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_sync::protocol::{CommandOutcome, PushedCommand, SyncCommand, SyncedEvent};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::{NewToken, NewUser, Organisation, ServerStore, TokenHash, TokenKind, TokenPair};
use crate::checkpoint::{verify_checkpoint, CheckpointSigner};
use crate::error::ServerError;
use crate::store::UserRecord;

/// Expands to one test per suite function, each on a fresh store built by `$make`.
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@tests $make;
            users_roles_and_deactivation,
            tokens_expire_rotate_and_revoke,
            sign_in_failures_are_counted_in_a_window,
            policy_versions_increase,
            push_applies_and_rejects_by_the_servers_records,
            a_repeated_command_returns_its_stored_outcome_and_applies_nothing,
            a_gap_is_an_error,
            a_push_batch_decides_in_order_in_one_transaction,
            a_guarded_step_on_a_moved_case_is_a_recorded_conflict,
            a_plain_command_is_decided_again_on_the_moved_state,
            a_deactivated_user_pushes_nothing,
            account_imports_upsert_by_external_id,
            pull_pages_in_counter_order_with_origins_and_a_verifiable_chain,
            checkpoints_are_signed_and_verifiable,
            the_whole_log_and_its_checkpoints_verify,
            an_erasure_takes_the_customer_out_of_the_log_and_it_still_verifies,
            the_retention_period_erases_closed_cases_on_the_server,
        );
        $crate::store_suite!(@tests $make; the_database_answers_a_ping);
        $crate::store_suite!(@signin $make;
            sign_in_attempts_are_reserved_before_the_password_check,
            concurrent_reservations_never_pass_a_limit,
            a_correct_password_forgets_only_its_own_addresss_failures,
            a_reused_refresh_token_ends_its_whole_session,
            sessions_are_listed_and_revoked,
        );
    };
    (@signin $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::suite_signin::$name(&store).await;
            }
        )*
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::suite::$name(&store).await;
            }
        )*
    };
}

/// The Billsbee policy: only managers finalize; the request is logged before finalization.
pub const POLICY: &str = include_str!("../../../../policies/billsbee.toml");

pub fn t(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

pub fn now() -> Timestamp {
    t("2026-11-23T15:00:00Z")
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("USD"))
}

pub fn draft(external_id: &str, name: &str) -> AccountDraft {
    AccountDraft {
        external_id: external_id.into(),
        name: name.into(),
        contact_name: Some("Rae".into()),
        email: Some("rae@example.com".into()),
        phone: Some("+1 555 010 2030".into()),
        preferred_channel: PreferredChannel::Phone,
        tier: "Standard".into(),
        hosting_server: None,
        plan: Some("Pro".into()),
        mrr: usd(4_900),
        customer_since: Some(jiff::civil::date(2022, 5, 1)),
        total_collected: usd(58_800),
        accounts_receivable: Some(usd(0)),
        original_sales_rep: None,
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    }
}

/// An organisation with the Billsbee policy, a manager "mia", a second manager "max" and an
/// account manager "ann", and one account "A-1".
pub struct Fixture {
    pub organisation: Organisation,
    pub mia: UserRecord,
    pub max: UserRecord,
    pub ann: UserRecord,
    pub account_id: Uuid,
}

pub async fn fixture(store: &dyn ServerStore) -> Fixture {
    let organisation = store
        .create_organisation("Billsbee", now())
        .await
        .expect("organisation");
    store
        .publish_policy(organisation.id, 1, POLICY, now())
        .await
        .expect("policy");
    let add = |name: &str, roles: Vec<Role>| NewUser {
        organisation_id: organisation.id,
        name: name.into(),
        roles,
        password_hash: "$argon2id$not-used-here".into(),
    };
    let mia = store
        .add_user(add("mia", vec![Role::Manager]), now())
        .await
        .expect("mia");
    let max = store
        .add_user(add("max", vec![Role::Manager]), now())
        .await
        .expect("max");
    let ann = store
        .add_user(add("ann", vec![Role::AccountManager]), now())
        .await
        .expect("ann");
    let import = PushedCommand {
        seq: 1,
        command: SyncCommand::ImportAccounts {
            accounts: vec![draft("A-1", "Acme Dental")],
        },
        decided_at: now(),
    };
    let outcome = store
        .push_command(ann.id, Uuid::from_u128(0xa11), &import, now())
        .await
        .expect("import");
    assert_eq!(outcome, CommandOutcome::Applied);
    Fixture {
        organisation,
        mia,
        max,
        ann,
        account_id: account_id("A-1"),
    }
}

pub fn case_command(
    seq: u64,
    case_id: Uuid,
    base_version: u64,
    command: CaseCommand,
) -> PushedCommand {
    PushedCommand {
        seq,
        command: SyncCommand::Case {
            case_id,
            base_version,
            command,
        },
        decided_at: now(),
    }
}

pub fn receive(case_id: Uuid, account_id: Uuid) -> CaseCommand {
    CaseCommand::Receive {
        case_id,
        account_id,
        channel: RequestChannel::Phone,
        requester_name: "Rae".into(),
        requester_contact: "+1 555 010 2030".into(),
        received_at: None,
    }
}

/// The first response: the acknowledgement message, which acknowledges the request.
pub fn acknowledge() -> CaseCommand {
    CaseCommand::RecordMessage {
        kind: MessageKind::Acknowledgement,
        channel: PreferredChannel::Email,
        body: "We received your request to cancel.".into(),
        email: None,
    }
}

pub fn finalize() -> CaseCommand {
    CaseCommand::Finalize {
        effective_date: "2026-12-31".parse().expect("a date"),
        data_export_offered: true,
    }
}

/// Opens a case as `user` from client `client` (seqs 1 and 2): received, then logged, so a
/// manager may finalize it at version 2.
pub async fn open_logged_case(
    store: &dyn ServerStore,
    user: &UserRecord,
    client: Uuid,
    account: Uuid,
) -> Uuid {
    let case_id = Uuid::now_v7();
    for (seq, base, command) in [
        (1, 0, receive(case_id, account)),
        (2, 1, CaseCommand::LogRequest),
    ] {
        let outcome = store
            .push_command(
                user.id,
                client,
                &case_command(seq, case_id, base, command),
                now(),
            )
            .await
            .expect("pushed");
        assert_eq!(outcome, CommandOutcome::Applied, "seq {seq}");
    }
    case_id
}

/// What Billsbee waits for before a manager finalizes a received and logged case: the reason for
/// leaving recorded (the sheet has a column for it), the case routed to manager retention, the
/// manager's retention attempt recorded (no offer made, and why), and the suspension of the
/// services in Billsbee confirmed by the manager who did it. One event each.
pub fn steps_before_finalization() -> Vec<CaseCommand> {
    vec![
        CaseCommand::CaptureReason {
            reason_id: "business_closing".into(),
            details: "Closing the practice at the end of the year".into(),
            pain_points: Vec::new(),
        },
        CaseCommand::Route,
        CaseCommand::RecordRetentionOutcome {
            retained: false,
            note: "No offer made: the client is closing the business".into(),
            mitigations_tried: Vec::new(),
        },
        CaseCommand::ConfirmChecklistItem {
            item_id: "services_suspended".into(),
            note: "Suspended in Billsbee".into(),
        },
    ]
}

/// Takes a case opened by `open_logged_case` (version 2) through `steps_before_finalization` as
/// the manager `manager` from a fresh client (seqs 1 to 4), and returns the case's version after
/// them: the version a manager finalizes it at.
pub async fn make_ready_to_finalize(
    store: &dyn ServerStore,
    manager: &UserRecord,
    case_id: Uuid,
) -> u64 {
    let client = Uuid::now_v7();
    let mut version = 2;
    for (seq, command) in (1..).zip(steps_before_finalization()) {
        let outcome = store
            .push_command(
                manager.id,
                client,
                &case_command(seq, case_id, version, command),
                now(),
            )
            .await
            .expect("pushed");
        assert_eq!(outcome, CommandOutcome::Applied, "seq {seq}");
        version += 1;
    }
    version
}

async fn all_events(store: &dyn ServerStore, organisation: Uuid) -> Vec<SyncedEvent> {
    store
        .events_after(organisation, 0, 10_000)
        .await
        .expect("events")
        .events
}

async fn case_events(
    store: &dyn ServerStore,
    organisation: Uuid,
    case_id: Uuid,
) -> Vec<SyncedEvent> {
    all_events(store, organisation)
        .await
        .into_iter()
        .filter(|event| event.record.aggregate_id == case_id)
        .collect()
}

pub async fn users_roles_and_deactivation(store: &dyn ServerStore) {
    let org = store.create_organisation("Acme", now()).await.expect("org");
    assert!(matches!(
        store.create_organisation("Acme", now()).await,
        Err(ServerError::AlreadyExists { .. })
    ));
    assert_eq!(
        store.organisation_by_name("Acme").await.expect("read"),
        Some(org.clone())
    );
    assert_eq!(
        store.organisation(org.id).await.expect("read"),
        Some(org.clone())
    );
    let user = store
        .add_user(
            NewUser {
                organisation_id: org.id,
                name: "ann".into(),
                roles: vec![Role::Csm, Role::AccountManager, Role::Csm],
                password_hash: "hash-1".into(),
            },
            now(),
        )
        .await
        .expect("user");
    assert!(user.active);
    assert_eq!(
        user.roles,
        vec![Role::AccountManager, Role::Csm],
        "sorted, no duplicates"
    );
    assert!(matches!(
        store
            .add_user(
                NewUser {
                    organisation_id: org.id,
                    name: "ann".into(),
                    roles: vec![],
                    password_hash: "x".into()
                },
                now()
            )
            .await,
        Err(ServerError::AlreadyExists { .. })
    ));
    let other = store
        .create_organisation("Other", now())
        .await
        .expect("org");
    assert_eq!(
        store.user_by_name(other.id, "ann").await.expect("read"),
        None
    );
    assert_eq!(
        store.user_by_name(org.id, "ann").await.expect("read"),
        Some(user.clone())
    );

    let user = store
        .set_user_roles(user.id, &[Role::Manager])
        .await
        .expect("roles");
    assert_eq!(user.roles, vec![Role::Manager]);
    let user = store
        .set_user_active(user.id, false)
        .await
        .expect("deactivated");
    assert!(!user.active);
    assert_eq!(store.user(user.id).await.expect("read"), Some(user.clone()));
    assert!(matches!(
        store.set_user_active(Uuid::now_v7(), false).await,
        Err(ServerError::NotFound { .. })
    ));
    let user = store
        .set_password_hash(user.id, "hash-2", now())
        .await
        .expect("password");
    assert_eq!(user.password_hash, "hash-2");
}

fn pair(access: &str, refresh: &str, at: Timestamp) -> TokenPair {
    TokenPair {
        access: NewToken {
            hash: TokenHash::of(access),
            kind: TokenKind::Access,
            expires_at: at + SignedDuration::from_mins(15),
        },
        refresh: NewToken {
            hash: TokenHash::of(refresh),
            kind: TokenKind::Refresh,
            expires_at: at + SignedDuration::from_hours(24),
        },
    }
}

pub async fn tokens_expire_rotate_and_revoke(store: &dyn ServerStore) {
    let f = fixture(store).await;
    store
        .insert_tokens(f.mia.id, &pair("a1", "r1", now()), now())
        .await
        .expect("tokens");
    let user_of = |token: &'static str, kind, at| async move {
        store
            .token_user(&TokenHash::of(token), kind, at)
            .await
            .expect("read")
            .map(|user| user.name)
    };
    assert_eq!(
        user_of("a1", TokenKind::Access, now()).await,
        Some("mia".into())
    );
    assert_eq!(
        user_of("a1", TokenKind::Refresh, now()).await,
        None,
        "kinds are apart"
    );
    assert_eq!(
        user_of(
            "a1",
            TokenKind::Access,
            now() + SignedDuration::from_mins(16)
        )
        .await,
        None,
        "expired"
    );
    assert_eq!(user_of("nope", TokenKind::Access, now()).await, None);

    // Rotation: once only.
    let rotated = store
        .rotate_refresh_token(&TokenHash::of("r1"), &pair("a2", "r2", now()), now())
        .await
        .expect("rotate");
    assert_eq!(rotated.map(|user| user.name), Some("mia".into()));
    assert_eq!(
        store
            .rotate_refresh_token(&TokenHash::of("r1"), &pair("a3", "r3", now()), now())
            .await
            .expect("rotate again"),
        None
    );
    assert_eq!(
        user_of("a3", TokenKind::Access, now()).await,
        None,
        "nothing issued"
    );
    // Using r1 again showed it was copied: the session r2 continues ends too.
    assert_eq!(user_of("r2", TokenKind::Refresh, now()).await, None);
    assert_eq!(user_of("a2", TokenKind::Access, now()).await, None);

    store
        .insert_tokens(f.mia.id, &pair("a4", "r4", now()), now())
        .await
        .expect("tokens");
    assert!(store
        .revoke_token(&TokenHash::of("r4"), now())
        .await
        .expect("revoke"));
    assert!(!store
        .revoke_token(&TokenHash::of("r4"), now())
        .await
        .expect("again"));
    assert_eq!(user_of("r4", TokenKind::Refresh, now()).await, None);

    // A password reset revokes everything the user holds.
    store
        .insert_tokens(f.mia.id, &pair("a5", "r5", now()), now())
        .await
        .expect("tokens");
    assert_eq!(
        user_of("a5", TokenKind::Access, now()).await,
        Some("mia".into())
    );
    store
        .set_password_hash(f.mia.id, "new", now())
        .await
        .expect("reset");
    assert_eq!(user_of("a5", TokenKind::Access, now()).await, None);
    assert_eq!(user_of("r5", TokenKind::Refresh, now()).await, None);
}

pub async fn sign_in_failures_are_counted_in_a_window(store: &dyn ServerStore) {
    let subjects = ["user:acme/ann".to_owned(), "addr:10.0.0.1".to_owned()];
    for minute in 0..3 {
        store
            .record_sign_in_failure(&subjects, now() + SignedDuration::from_mins(minute))
            .await
            .expect("recorded");
    }
    let window = store
        .sign_in_failures("user:acme/ann", now())
        .await
        .expect("read");
    assert_eq!(window.count, 3);
    assert_eq!(window.oldest, Some(now()));
    let later = store
        .sign_in_failures("addr:10.0.0.1", now() + SignedDuration::from_mins(1))
        .await
        .expect("read");
    assert_eq!(later.count, 2, "failures before the window are not counted");
    assert_eq!(later.oldest, Some(now() + SignedDuration::from_mins(1)));
    assert_eq!(
        store
            .sign_in_failures("addr:10.0.0.2", now())
            .await
            .expect("read")
            .count,
        0
    );

    store
        .clear_sign_in_failures("user:acme/ann")
        .await
        .expect("cleared");
    assert_eq!(
        store
            .sign_in_failures("user:acme/ann", now())
            .await
            .expect("read")
            .count,
        0
    );
    assert_eq!(
        store
            .sign_in_failures("addr:10.0.0.1", now())
            .await
            .expect("read")
            .count,
        3
    );
    let pruned = store
        .prune_sign_in_failures(now() + SignedDuration::from_mins(2))
        .await
        .expect("pruned");
    assert_eq!(pruned, 2);
}

pub async fn policy_versions_increase(store: &dyn ServerStore) {
    let org = store.create_organisation("Acme", now()).await.expect("org");
    assert_eq!(store.current_policy(org.id).await.expect("read"), None);
    store
        .publish_policy(org.id, 1, "v1", now())
        .await
        .expect("v1");
    let v3 = store
        .publish_policy(org.id, 3, "v3", now())
        .await
        .expect("v3");
    for stale in [1, 2, 3] {
        assert!(matches!(
            store.publish_policy(org.id, stale, "old", now()).await,
            Err(ServerError::PolicyVersion { current: 3, .. })
        ));
    }
    assert_eq!(store.current_policy(org.id).await.expect("read"), Some(v3));
}

pub async fn push_applies_and_rejects_by_the_servers_records(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = open_logged_case(store, &f.ann, client, f.account_id).await;
    let ready = make_ready_to_finalize(store, &f.mia, case_id).await;
    // The account manager's client believes she may finalize; the server's records say no.
    let outcome = store
        .push_command(
            f.ann.id,
            client,
            &case_command(3, case_id, ready, finalize()),
            now(),
        )
        .await
        .expect("pushed");
    let CommandOutcome::Rejected { rejection } = outcome else {
        panic!("expected a rejection, got {outcome:?}");
    };
    assert!(
        rejection.message.contains("manager"),
        "{}",
        rejection.message
    );
    assert_eq!(
        case_events(store, f.organisation.id, case_id).await.len() as u64,
        ready,
        "nothing recorded"
    );

    // A manager finalizes.
    let outcome = store
        .push_command(
            f.mia.id,
            Uuid::now_v7(),
            &case_command(1, case_id, ready, finalize()),
            now(),
        )
        .await
        .expect("pushed");
    assert_eq!(outcome, CommandOutcome::Applied);
    let events = case_events(store, f.organisation.id, case_id).await;
    assert_eq!(
        events.last().map(|event| event.record.kind.as_str()),
        Some("finalized")
    );
    assert_eq!(
        events.last().map(|event| event.record.actor.as_str()),
        Some("mia")
    );

    // A command for a case never received is rejected, not an error.
    let outcome = store
        .push_command(
            f.mia.id,
            Uuid::from_u128(7),
            &case_command(1, Uuid::now_v7(), 0, acknowledge()),
            now(),
        )
        .await
        .expect("pushed");
    assert!(matches!(outcome, CommandOutcome::Rejected { .. }));
}

pub async fn a_repeated_command_returns_its_stored_outcome_and_applies_nothing(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = open_logged_case(store, &f.mia, client, f.account_id).await;
    let before = all_events(store, f.organisation.id).await.len();
    // Seq 2 again (the acknowledgement was lost): applied, and nothing new is recorded.
    let outcome = store
        .push_command(
            f.mia.id,
            client,
            &case_command(2, case_id, 1, CaseCommand::LogRequest),
            now(),
        )
        .await
        .expect("retry");
    assert_eq!(outcome, CommandOutcome::Applied);
    assert_eq!(all_events(store, f.organisation.id).await.len(), before);

    // A rejected command repeated is the same rejection, even after the state changed. (ann
    // pushes from her own desk: a client id belongs to the user who first pushed with it.)
    let client = Uuid::now_v7();
    let rejected = store
        .push_command(
            f.ann.id,
            client,
            &case_command(1, case_id, 2, finalize()),
            now(),
        )
        .await
        .expect("pushed");
    assert!(matches!(rejected, CommandOutcome::Rejected { .. }));
    store
        .set_user_roles(f.ann.id, &[Role::Manager])
        .await
        .expect("promoted");
    let again = store
        .push_command(
            f.ann.id,
            client,
            &case_command(1, case_id, 2, finalize()),
            now(),
        )
        .await
        .expect("retry");
    assert_eq!(again, rejected);
    assert_eq!(all_events(store, f.organisation.id).await.len(), before);
}

pub async fn a_gap_is_an_error(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = Uuid::now_v7();
    let result = store
        .push_command(
            f.mia.id,
            client,
            &case_command(2, case_id, 0, receive(case_id, f.account_id)),
            now(),
        )
        .await;
    assert!(
        matches!(
            result,
            Err(ServerError::SequenceGap {
                expected: 1,
                got: 2
            })
        ),
        "{result:?}"
    );
    assert!(case_events(store, f.organisation.id, case_id)
        .await
        .is_empty());
}

pub async fn a_push_batch_decides_in_order_in_one_transaction(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = Uuid::now_v7();
    let batch = vec![
        case_command(1, case_id, 0, receive(case_id, f.account_id)),
        case_command(2, case_id, 1, acknowledge()),
        // Decided against the state the two before it left: the acknowledgement message is
        // recorded as sent and acknowledges the request, so the case is at version 3.
        case_command(3, case_id, 3, CaseCommand::LogRequest),
    ];
    let outcomes = store
        .push_batch(f.mia.id, client, &batch, now())
        .await
        .expect("pushed");
    assert_eq!(outcomes, vec![CommandOutcome::Applied; 3]);
    let recorded = case_events(store, f.organisation.id, case_id).await;
    let kinds: Vec<&str> = recorded
        .iter()
        .map(|event| event.record.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["received", "message_sent", "acknowledged", "request_logged"]
    );

    // The same batch again (the answer was lost) applies nothing and answers the same.
    let again = store
        .push_batch(f.mia.id, client, &batch, now())
        .await
        .expect("retried");
    assert_eq!(again, outcomes);
    assert_eq!(
        case_events(store, f.organisation.id, case_id).await.len(),
        4
    );

    // A batch whose later command fails leaves nothing of its earlier ones behind.
    let other = Uuid::now_v7();
    let broken = vec![
        case_command(4, other, 0, receive(other, f.account_id)),
        case_command(6, other, 1, acknowledge()),
    ];
    let result = store.push_batch(f.mia.id, client, &broken, now()).await;
    assert!(
        matches!(
            result,
            Err(ServerError::SequenceGap {
                expected: 5,
                got: 6
            })
        ),
        "{result:?}"
    );
    assert!(case_events(store, f.organisation.id, other)
        .await
        .is_empty());
}

pub async fn a_guarded_step_on_a_moved_case_is_a_recorded_conflict(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let case_id = open_logged_case(store, &f.mia, Uuid::now_v7(), f.account_id).await;
    let ready = make_ready_to_finalize(store, &f.mia, case_id).await;
    assert_eq!(ready, 6);
    // Both managers decided "finalize" offline against the case ready to finalize.
    let first = store
        .push_command(
            f.mia.id,
            Uuid::from_u128(1),
            &case_command(1, case_id, ready, finalize()),
            now(),
        )
        .await
        .expect("mia");
    assert_eq!(first, CommandOutcome::Applied);
    let second = store
        .push_command(
            f.max.id,
            Uuid::from_u128(2),
            &case_command(1, case_id, ready, finalize()),
            now(),
        )
        .await
        .expect("max");
    let CommandOutcome::Conflict {
        base_version,
        server_version,
        ..
    } = second
    else {
        panic!("expected a conflict, got {second:?}");
    };
    assert_eq!((base_version, server_version), (6, 7));
    let events = case_events(store, f.organisation.id, case_id).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event.record.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "received",
            "request_logged",
            "reason_captured",
            "routed",
            "retention_outcome_recorded",
            "checklist_item_confirmed",
            "finalized",
            "conflict_recorded"
        ]
    );
    let conflict = &events[7];
    assert_eq!(conflict.record.actor, "max");
    assert_eq!(conflict.record.aggregate_version, 8);
    assert_eq!(conflict.record.payload["command"], "finalize");
    assert_eq!(conflict.record.payload["by"], "max");
}

pub async fn a_plain_command_is_decided_again_on_the_moved_state(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let case_id = open_logged_case(store, &f.mia, Uuid::now_v7(), f.account_id).await;
    store
        .push_command(
            f.mia.id,
            Uuid::from_u128(1),
            &case_command(1, case_id, 2, acknowledge()),
            now(),
        )
        .await
        .expect("moved");
    // A note decided against version 2 lands after the acknowledgement (the message sent and
    // the request acknowledged, versions 3 and 4): the server's order.
    let note = CaseCommand::AddNote {
        text: "called back".into(),
    };
    let outcome = store
        .push_command(
            f.ann.id,
            Uuid::from_u128(2),
            &case_command(1, case_id, 2, note),
            now(),
        )
        .await
        .expect("note");
    assert_eq!(outcome, CommandOutcome::Applied);
    let events = case_events(store, f.organisation.id, case_id).await;
    assert_eq!(
        events
            .last()
            .map(|event| (event.record.kind.as_str(), event.record.aggregate_version)),
        Some(("note_added", 5))
    );
}

pub async fn a_deactivated_user_pushes_nothing(store: &dyn ServerStore) {
    let f = fixture(store).await;
    store
        .set_user_active(f.mia.id, false)
        .await
        .expect("deactivated");
    let case_id = Uuid::now_v7();
    let result = store
        .push_command(
            f.mia.id,
            Uuid::now_v7(),
            &case_command(1, case_id, 0, receive(case_id, f.account_id)),
            now(),
        )
        .await;
    assert!(
        matches!(result, Err(ServerError::Inactive(_))),
        "{result:?}"
    );
    assert!(case_events(store, f.organisation.id, case_id)
        .await
        .is_empty());
}

pub async fn account_imports_upsert_by_external_id(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let client = Uuid::from_u128(0xa11);
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (account.version, account.draft.name.as_str()),
        (1, "Acme Dental")
    );
    let mut renamed = draft("A-1", "Acme Dental Group");
    renamed.unpaid_invoices = 2;
    let import = |seq, accounts| PushedCommand {
        seq,
        command: SyncCommand::ImportAccounts { accounts },
        decided_at: now(),
    };
    let outcome = store
        .push_command(
            f.ann.id,
            client,
            &import(2, vec![renamed.clone(), draft("A-2", "Bolt")]),
            now(),
        )
        .await
        .expect("import");
    assert_eq!(outcome, CommandOutcome::Applied);
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!((account.version, account.draft.unpaid_invoices), (2, 2));
    // The same file again changes nothing and records nothing.
    let before = all_events(store, f.organisation.id).await.len();
    store
        .push_command(
            f.ann.id,
            client,
            &import(3, vec![renamed, draft("A-2", "Bolt")]),
            now(),
        )
        .await
        .expect("import");
    assert_eq!(all_events(store, f.organisation.id).await.len(), before);
    let account_events: Vec<SyncedEvent> = all_events(store, f.organisation.id)
        .await
        .into_iter()
        .filter(|event| event.record.aggregate_type == "account")
        .collect();
    assert_eq!(account_events.len(), 3);
    assert!(account_events
        .iter()
        .all(|event| event.record.kind == "account_upserted"));
    // An invalid row rejects the whole import.
    let mut bad = draft("A-3", "Cobalt");
    bad.email = Some("not an address".into());
    let outcome = store
        .push_command(
            f.ann.id,
            client,
            &import(4, vec![draft("A-4", "Dune"), bad]),
            now(),
        )
        .await
        .expect("import");
    let CommandOutcome::Rejected { rejection } = outcome else {
        panic!("expected a rejection, got {outcome:?}");
    };
    assert_eq!(rejection.field.as_deref(), Some("email"));
    assert_eq!(
        store
            .account(f.organisation.id, account_id("A-4"))
            .await
            .expect("read"),
        None
    );
}

pub async fn pull_pages_in_counter_order_with_origins_and_a_verifiable_chain(
    store: &dyn ServerStore,
) {
    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = open_logged_case(store, &f.mia, client, f.account_id).await;
    let other = store
        .create_organisation("Elsewhere", now())
        .await
        .expect("org");
    assert!(store
        .events_after(other.id, 0, 10)
        .await
        .expect("read")
        .events
        .is_empty());

    let mut pulled = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .events_after(f.organisation.id, after, 2)
            .await
            .expect("page");
        assert!(page.events.len() <= 2);
        if let Some(last) = page.events.last() {
            after = last.seq;
        }
        pulled.extend(page.events);
        if !page.more {
            break;
        }
    }
    let seqs: Vec<u64> = pulled.iter().map(|event| event.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "account, received, logged");
    assert_eq!(pulled[0].origin.map(|origin| origin.seq), Some(1));
    assert_eq!(
        pulled[2]
            .origin
            .map(|origin| (origin.client_id, origin.seq)),
        Some((client, 2))
    );
    assert_eq!(pulled[2].record.aggregate_id, case_id);

    let mut previous = ChainHash::GENESIS;
    for event in &pulled {
        previous = holdfast_sync::client::expected_hash(&previous, event);
        assert_eq!(previous.to_hex(), event.chain_hash, "event {}", event.seq);
    }
    assert_eq!(
        store.head(f.organisation.id).await.expect("head"),
        Some((3, previous.0))
    );
}

pub async fn checkpoints_are_signed_and_verifiable(store: &dyn ServerStore) {
    let signer = CheckpointSigner::load(store).await.expect("key");
    let again = CheckpointSigner::load(store).await.expect("key");
    assert_eq!(
        signer.public_key_hex(),
        again.public_key_hex(),
        "one key per database"
    );
    let f = fixture(store).await;
    let events = all_events(store, f.organisation.id).await;
    let last = events.last().expect("an event");
    let checkpoint = signer.sign(last.seq, &last.chain_hash);
    assert!(verify_checkpoint(&signer.public_key_hex(), &checkpoint));
    let mut forged = checkpoint.clone();
    forged.chain_hash = ChainHash::GENESIS.to_hex();
    assert!(!verify_checkpoint(&signer.public_key_hex(), &forged));

    store
        .record_checkpoint(f.organisation.id, &checkpoint)
        .await
        .expect("kept");
    store
        .record_checkpoint(f.organisation.id, &forged)
        .await
        .expect("ignored");
    assert_eq!(
        store
            .checkpoint_at_or_before(f.organisation.id, last.seq + 5)
            .await
            .expect("read"),
        Some(checkpoint.clone()),
        "the first one stored is kept"
    );
    assert_eq!(
        store
            .checkpoint_at_or_before(f.organisation.id, last.seq - 1)
            .await
            .expect("read"),
        None
    );
}

pub async fn the_whole_log_and_its_checkpoints_verify(store: &dyn ServerStore) {
    use crate::verify::{verify_log, LogVerdict};

    let empty = store
        .create_organisation("Empty", now())
        .await
        .expect("org");
    assert_eq!(
        verify_log(store, empty.id).await.expect("verified"),
        LogVerdict::Intact {
            events: 0,
            checkpoints: 0
        }
    );

    let f = fixture(store).await;
    open_logged_case(store, &f.mia, Uuid::now_v7(), f.account_id).await;
    let signer = CheckpointSigner::load(store).await.expect("key");
    let events = all_events(store, f.organisation.id).await;
    for event in &events[1..] {
        store
            .record_checkpoint(
                f.organisation.id,
                &signer.sign(event.seq, &event.chain_hash),
            )
            .await
            .expect("kept");
    }
    assert_eq!(
        verify_log(store, f.organisation.id)
            .await
            .expect("verified"),
        LogVerdict::Intact {
            events: 3,
            checkpoints: 2
        }
    );

    // A checkpoint the server's key signed over another chain at event 1: the history it saw
    // there is not the one the log holds now.
    store
        .record_checkpoint(
            f.organisation.id,
            &signer.sign(1, &ChainHash::GENESIS.to_hex()),
        )
        .await
        .expect("kept");
    assert!(matches!(
        verify_log(store, f.organisation.id).await.expect("verified"),
        LogVerdict::Broken { seq: Some(1), ref message } if message.contains("rewritten")
    ));
}

/// Issue 14: erasing a customer's personal data. Only the policy's roles may; the account and every
/// case of it (one opened in the same push too) keep their events in their hashed form, so the
/// chain and the checkpoints signed before still verify; the account's stored draft loses its
/// name and contacts, keeping the amounts; and importing the billing export again leaves it
/// erased.
pub async fn an_erasure_takes_the_customer_out_of_the_log_and_it_still_verifies(
    store: &dyn ServerStore,
) {
    use crate::verify::{verify_log, LogVerdict};

    let f = fixture(store).await;
    let case_id = open_logged_case(store, &f.mia, Uuid::now_v7(), f.account_id).await;
    let signer = CheckpointSigner::load(store).await.expect("key");
    let last = all_events(store, f.organisation.id)
        .await
        .pop()
        .expect("events");
    store
        .record_checkpoint(f.organisation.id, &signer.sign(last.seq, &last.chain_hash))
        .await
        .expect("kept");
    let personal = ["Acme Dental", "rae@example.com", "555 010 2030", "\"Rae\""];
    let log_text = |events: &[SyncedEvent]| serde_json::to_string(events).expect("json");
    let before = log_text(&all_events(store, f.organisation.id).await);
    assert!(
        personal.iter().all(|text| before.contains(text)),
        "{before}"
    );

    let erase = |seq| PushedCommand {
        seq,
        command: SyncCommand::ErasePersonalData {
            account_id: f.account_id,
        },
        decided_at: now(),
    };
    // Billsbee names nobody for it: managers and administrators may, an account manager may not.
    let refused = store
        .push_command(f.ann.id, Uuid::now_v7(), &erase(1), now())
        .await
        .expect("pushed");
    assert!(
        matches!(refused, CommandOutcome::Rejected { ref rejection } if rejection.message.contains("manager")),
        "{refused:?}"
    );
    // A case opened in the same push as the erasure is erased with the rest.
    let second = Uuid::now_v7();
    let outcomes = store
        .push_batch(
            f.max.id,
            Uuid::now_v7(),
            &[
                case_command(1, second, 0, receive(second, f.account_id)),
                erase(2),
            ],
            now(),
        )
        .await
        .expect("pushed");
    assert_eq!(
        outcomes,
        vec![CommandOutcome::Applied, CommandOutcome::Applied]
    );

    let events = all_events(store, f.organisation.id).await;
    let after = log_text(&events);
    for text in personal {
        assert!(!after.contains(text), "{text} is still in the log: {after}");
    }
    let erasure = events.last().expect("the erasure");
    assert_eq!(erasure.record.kind, "personal_data_erased");
    assert_eq!(
        erasure.record.aggregate_version, 2,
        "the account's next version"
    );
    for id in [case_id, second] {
        let received = events
            .iter()
            .find(|event| event.record.aggregate_id == id && event.record.kind == "received")
            .expect("received");
        assert_eq!(received.record.payload["requester_name"], "(erased)");
    }
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(account.draft.name, "(erased)");
    assert_eq!((account.draft.email, account.draft.phone), (None, None));
    assert_eq!(account.draft.mrr, draft("A-1", "x").mrr, "amounts stay");
    assert_eq!(account.version, 2);
    assert!(matches!(
        verify_log(store, f.organisation.id)
            .await
            .expect("verified"),
        LogVerdict::Intact { checkpoints: 1, .. }
    ));

    // The billing export imported again leaves the erased customer erased.
    let import = PushedCommand {
        seq: 2,
        command: SyncCommand::ImportAccounts {
            accounts: vec![draft("A-1", "Acme Dental")],
        },
        decided_at: now(),
    };
    let outcome = store
        .push_command(f.ann.id, Uuid::from_u128(0xa11), &import, now())
        .await
        .expect("import");
    assert_eq!(outcome, CommandOutcome::Applied);
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (account.draft.name.as_str(), account.version),
        ("(erased)", 2)
    );
    assert_eq!(
        all_events(store, f.organisation.id).await.len(),
        events.len()
    );
}

/// Issue 14: the policy's retention period applied by the server itself. A withdrawn case is kept
/// until 12 months after it closed, to the second in the policy's zone, then its personal data and
/// its account's are erased by one recorded erasure (no device asked for it), the log still
/// verifies, and the next look finds nothing more to do.
pub async fn the_retention_period_erases_closed_cases_on_the_server(store: &dyn ServerStore) {
    use crate::retention::apply;
    use crate::verify::{verify_log, LogVerdict};

    let f = fixture(store).await;
    let client = Uuid::now_v7();
    let case_id = open_logged_case(store, &f.mia, client, f.account_id).await;
    let withdrawn = store
        .push_command(
            f.mia.id,
            client,
            &case_command(
                3,
                case_id,
                2,
                CaseCommand::Withdraw {
                    note: "Rae decided to stay with us".into(),
                },
            ),
            now(),
        )
        .await
        .expect("pushed");
    assert_eq!(withdrawn, CommandOutcome::Applied);
    // Without a period in the policy nothing is ever due.
    assert!(apply(store, f.organisation.id, t("2036-01-01T00:00:00Z"))
        .await
        .expect("applied")
        .is_empty());
    store
        .publish_policy(
            f.organisation.id,
            2,
            &format!(
                "{}\n[privacy]\nerase_closed_cases_after_months = 12\n",
                POLICY.replace("version = 1", "version = 2")
            ),
            now(),
        )
        .await
        .expect("published");

    // Closed 2026-11-23 15:00 UTC: due at the same instant a year on.
    assert!(apply(store, f.organisation.id, t("2027-11-23T14:59:59Z"))
        .await
        .expect("applied")
        .is_empty());
    let before = all_events(store, f.organisation.id).await.len();
    let erased = apply(store, f.organisation.id, t("2027-11-23T15:00:00Z"))
        .await
        .expect("applied");
    assert_eq!(erased.len(), 1, "{erased:?}");
    assert!(erased[0].account, "the account has nothing else open");
    assert_eq!(erased[0].cases, vec![case_id]);
    let events = all_events(store, f.organisation.id).await;
    assert_eq!(events.len(), before + 1);
    let erasure = events.last().expect("the erasure");
    assert_eq!(erasure.record.kind, "personal_data_erased");
    assert_eq!(erasure.record.actor, crate::push::RETENTION_ACTOR);
    assert_eq!(erasure.origin, None);
    assert_eq!(erasure.record.payload["reason"], "retention");
    let text = serde_json::to_string(&events).expect("json");
    for personal in [
        "Acme Dental",
        "rae@example.com",
        "decided to stay",
        "\"Rae\"",
    ] {
        assert!(!text.contains(personal), "{personal} is still in the log");
    }
    let account = store
        .account(f.organisation.id, f.account_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (account.draft.name.as_str(), account.version),
        ("(erased)", 2)
    );
    assert!(matches!(
        verify_log(store, f.organisation.id)
            .await
            .expect("verified"),
        LogVerdict::Intact { .. }
    ));
    assert!(apply(store, f.organisation.id, t("2028-01-01T00:00:00Z"))
        .await
        .expect("applied")
        .is_empty());
}

/// `GET /health` asks the store to answer (issue 12, operating it).
pub async fn the_database_answers_a_ping(store: &dyn ServerStore) {
    store.ping().await.expect("the database answers");
    // Twice: a ping leaves nothing held.
    store.ping().await.expect("the database answers again");
}
