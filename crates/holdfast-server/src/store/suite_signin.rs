//! Issue 12's part of the storage suite (run by `store_suite!` on every backend): sign-in
//! attempts reserved before the password check, and sessions (token families).
// Test code, built into the library only for the backends' test suites: a failed expectation
// is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use jiff::SignedDuration;

use super::suite::{fixture, now};
use super::{
    Admission, AttemptSubjects, NewToken, ServerStore, SignInLimits, TokenHash, TokenKind,
    TokenPair,
};

fn window() -> SignedDuration {
    SignedDuration::from_mins(15)
}

fn limits() -> SignInLimits {
    SignInLimits {
        per_user_address: 3,
        per_address: 10,
        per_user: 5,
        per_user_ceiling: 100,
    }
}

fn subjects(user: &str, address: &str) -> AttemptSubjects {
    AttemptSubjects {
        user: format!("user:billsbee/{user}"),
        pair: format!("pair:billsbee/{user}@{address}"),
        address: format!("addr:{address}"),
    }
}

async fn count(store: &dyn ServerStore, subject: &str) -> u32 {
    store
        .sign_in_failures(subject, now() - window())
        .await
        .expect("read")
        .count
}

/// Runs futures concurrently on this task and returns their outputs in order.
pub async fn join_all<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send + 'a>>>) -> Vec<T> {
    let mut futures = futures.into_iter().map(Some).collect::<Vec<_>>();
    let mut outputs = futures.iter().map(|_| None).collect::<Vec<Option<T>>>();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|output| output.expect("every future finished"))
        .collect()
}

pub async fn sign_in_attempts_are_reserved_before_the_password_check(store: &dyn ServerStore) {
    let home = subjects("ann", "10.0.0.1");
    let mut attempts = Vec::new();
    for _ in 0..3 {
        match store
            .reserve_sign_in_attempt(&home, &limits(), window(), now())
            .await
            .expect("reserve")
        {
            Admission::Reserved(attempt) => attempts.push(attempt),
            refused => panic!("expected a reservation, got {refused:?}"),
        }
    }
    attempts.sort();
    attempts.dedup();
    assert_eq!(attempts.len(), 3, "each attempt has its own id");
    // Each reservation is already counted as a failure of every subject.
    for subject in [&home.user, &home.pair, &home.address] {
        assert_eq!(count(store, subject).await, 3, "{subject}");
    }
    // The account from this address has reached its limit: refused, and nothing recorded.
    assert_eq!(
        store
            .reserve_sign_in_attempt(&home, &limits(), window(), now())
            .await
            .expect("reserve"),
        Admission::Refused {
            lifts_at: now() + window()
        }
    );
    assert_eq!(count(store, &home.pair).await, 3);
    // The same account from another address may still try.
    let elsewhere = subjects("ann", "10.0.0.2");
    assert!(matches!(
        store
            .reserve_sign_in_attempt(&elsewhere, &limits(), window(), now())
            .await
            .expect("reserve"),
        Admission::Reserved(_)
    ));
    // Once the failures leave the window, the home address may try again.
    let later = now() + window() + SignedDuration::from_secs(1);
    assert!(matches!(
        store
            .reserve_sign_in_attempt(&home, &limits(), window(), later)
            .await
            .expect("reserve"),
        Admission::Reserved(_)
    ));
}

pub async fn concurrent_reservations_never_pass_a_limit(store: &dyn ServerStore) {
    let home = subjects("ann", "10.0.0.1");
    let limits = SignInLimits {
        per_user_address: 5,
        per_user: 5,
        ..limits()
    };
    let tries = (0..15)
        .map(|_| {
            Box::pin(store.reserve_sign_in_attempt(&home, &limits, window(), now()))
                as Pin<Box<dyn Future<Output = _> + Send + '_>>
        })
        .collect();
    let answers = join_all(tries).await;
    let reserved = answers
        .iter()
        .filter(|answer| matches!(answer, Ok(Admission::Reserved(_))))
        .count();
    let refused = answers
        .iter()
        .filter(|answer| matches!(answer, Ok(Admission::Refused { .. })))
        .count();
    assert_eq!((reserved, refused), (5, 10), "{answers:?}");
    assert_eq!(count(store, &home.pair).await, 5);
    assert_eq!(count(store, &home.address).await, 5);
}

pub async fn a_correct_password_forgets_only_its_own_addresss_failures(store: &dyn ServerStore) {
    let (home, elsewhere) = (subjects("ann", "10.0.0.1"), subjects("ann", "10.0.0.2"));
    let reserve = |subjects: AttemptSubjects| async move {
        match store
            .reserve_sign_in_attempt(&subjects, &limits(), window(), now())
            .await
            .expect("reserve")
        {
            Admission::Reserved(attempt) => attempt,
            refused => panic!("expected a reservation, got {refused:?}"),
        }
    };
    reserve(elsewhere.clone()).await;
    // Another account's failure from the home address.
    reserve(subjects("max", "10.0.0.1")).await;
    reserve(home.clone()).await;
    reserve(home.clone()).await;
    let right = reserve(home.clone()).await;
    store
        .sign_in_attempt_succeeded(&home, right)
        .await
        .expect("succeeded");
    assert_eq!(count(store, &home.pair).await, 0, "ann's typos at home");
    assert_eq!(
        count(store, &home.user).await,
        1,
        "the failure elsewhere stays"
    );
    assert_eq!(count(store, &elsewhere.pair).await, 1);
    assert_eq!(
        count(store, &home.address).await,
        3,
        "the address keeps its failures (ann's two and max's), not the right password"
    );
    assert_eq!(count(store, "pair:billsbee/max@10.0.0.1").await, 1);
}

fn pair(access: &str, refresh: &str) -> TokenPair {
    TokenPair {
        access: NewToken {
            hash: TokenHash::of(access),
            kind: TokenKind::Access,
            expires_at: now() + SignedDuration::from_mins(15),
        },
        refresh: NewToken {
            hash: TokenHash::of(refresh),
            kind: TokenKind::Refresh,
            expires_at: now() + SignedDuration::from_hours(24),
        },
    }
}

async fn live(store: &dyn ServerStore, token: &str, kind: TokenKind) -> bool {
    store
        .token_user(&TokenHash::of(token), kind, now())
        .await
        .expect("read")
        .is_some()
}

pub async fn a_reused_refresh_token_ends_its_whole_session(store: &dyn ServerStore) {
    let f = fixture(store).await;
    store
        .insert_tokens(f.mia.id, &pair("a1", "r1"), now())
        .await
        .expect("tokens");
    // Another session of the same user, from another desk.
    store
        .insert_tokens(f.mia.id, &pair("other-a", "other-r"), now())
        .await
        .expect("tokens");
    // A thief with a copy of r1 refreshes first, then keeps refreshing.
    assert!(store
        .rotate_refresh_token(&TokenHash::of("r1"), &pair("a2", "r2"), now())
        .await
        .expect("rotate")
        .is_some());
    assert!(store
        .rotate_refresh_token(&TokenHash::of("r2"), &pair("a3", "r3"), now())
        .await
        .expect("rotate")
        .is_some());
    assert!(live(store, "a3", TokenKind::Access).await);
    // The user's desk presents r1: refused, and the whole session ends.
    assert_eq!(
        store
            .rotate_refresh_token(&TokenHash::of("r1"), &pair("a4", "r4"), now())
            .await
            .expect("reuse"),
        None
    );
    for (token, kind) in [
        ("a3", TokenKind::Access),
        ("r3", TokenKind::Refresh),
        ("a4", TokenKind::Access),
        ("r4", TokenKind::Refresh),
    ] {
        assert!(!live(store, token, kind).await, "{token}");
    }
    assert_eq!(
        store
            .rotate_refresh_token(&TokenHash::of("r3"), &pair("a5", "r5"), now())
            .await
            .expect("rotate"),
        None,
        "the thief's chain stops"
    );
    // The other session is untouched.
    assert!(live(store, "other-a", TokenKind::Access).await);
    assert!(live(store, "other-r", TokenKind::Refresh).await);

    // Revoking an access token ends only that token; revoking a refresh token ends its session.
    assert!(store
        .revoke_token(&TokenHash::of("other-a"), now())
        .await
        .expect("revoke"));
    assert!(live(store, "other-r", TokenKind::Refresh).await);
    assert!(store
        .rotate_refresh_token(&TokenHash::of("other-r"), &pair("b1", "s1"), now())
        .await
        .expect("rotate")
        .is_some());
    assert!(store
        .revoke_token(&TokenHash::of("s1"), now())
        .await
        .expect("revoke"));
    assert!(!live(store, "b1", TokenKind::Access).await);
    assert_eq!(
        store
            .user_sessions(f.mia.id, now())
            .await
            .expect("sessions"),
        Vec::new()
    );
}

pub async fn sessions_are_listed_and_revoked(store: &dyn ServerStore) {
    let f = fixture(store).await;
    let minute = |n: i64| now() + SignedDuration::from_mins(n);
    store
        .insert_tokens(f.mia.id, &pair("a1", "r1"), now())
        .await
        .expect("tokens");
    store
        .insert_tokens(f.mia.id, &pair("b1", "s1"), minute(1))
        .await
        .expect("tokens");
    store
        .insert_tokens(f.max.id, &pair("c1", "t1"), now())
        .await
        .expect("tokens");
    let mut renewed = pair("a2", "r2");
    renewed.refresh.expires_at = minute(5) + SignedDuration::from_hours(24);
    store
        .rotate_refresh_token(&TokenHash::of("r1"), &renewed, minute(5))
        .await
        .expect("rotate")
        .expect("live");

    let sessions = store
        .user_sessions(f.mia.id, minute(6))
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let (first, second) = (&sessions[0], &sessions[1]);
    assert_eq!(first.created_at, now());
    assert_eq!(first.last_used_at, minute(5), "the refresh is its last use");
    assert_eq!(first.expires_at, renewed.refresh.expires_at);
    assert_eq!(second.created_at, minute(1));
    assert_eq!(second.last_used_at, minute(1));
    assert_eq!(second.expires_at, now() + SignedDuration::from_hours(24));

    // One session: its tokens stop working; the other stays.
    assert_eq!(
        store
            .revoke_sessions(f.mia.id, Some(first.id), minute(7))
            .await
            .expect("revoke"),
        1
    );
    assert!(!live(store, "a2", TokenKind::Access).await);
    assert!(!live(store, "r2", TokenKind::Refresh).await);
    assert!(live(store, "b1", TokenKind::Access).await);
    assert_eq!(
        store
            .revoke_sessions(f.mia.id, Some(first.id), minute(7))
            .await
            .expect("again"),
        0
    );
    // Another user's session is not mia's to revoke.
    let max_session = store
        .user_sessions(f.max.id, now())
        .await
        .expect("sessions")
        .first()
        .expect("max's session")
        .id;
    assert_eq!(
        store
            .revoke_sessions(f.mia.id, Some(max_session), minute(7))
            .await
            .expect("revoke"),
        0
    );
    assert!(live(store, "c1", TokenKind::Access).await);
    // All of them.
    assert_eq!(
        store
            .revoke_sessions(f.mia.id, None, minute(8))
            .await
            .expect("revoke all"),
        1
    );
    assert!(!live(store, "b1", TokenKind::Access).await);
    assert!(store
        .user_sessions(f.mia.id, minute(8))
        .await
        .expect("sessions")
        .is_empty());
    // An expired session is not listed; a password reset ends every session.
    assert!(store
        .user_sessions(f.max.id, now() + SignedDuration::from_hours(25))
        .await
        .expect("sessions")
        .is_empty());
    store
        .set_password_hash(f.max.id, "new", minute(9))
        .await
        .expect("reset");
    assert!(store
        .user_sessions(f.max.id, minute(9))
        .await
        .expect("sessions")
        .is_empty());
}
