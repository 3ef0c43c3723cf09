//! Issue 12's sign-in tests through the router: attempts reserved before the password check,
//! the gate on password checks, load shedding, the stand-in hash for unknown users, bounded
//! names, uncached token answers, token families and a lockout nobody can impose from afar.

use std::future::Future;
use std::pin::Pin;

use axum::http::{header, Method, StatusCode};
use holdfast_sync::protocol::Session;
use serde_json::{json, Value};

use super::{app_with, call, fast_auth, sign_in_body, App, PASSWORD};
use crate::auth::AuthConfig;
use crate::http::{router, AppState};
use crate::store::suite_signin::join_all;
use crate::store::ServerStore;

/// The app and its state (the gate and the request permits are shared with the router).
async fn app_and_state(auth: AuthConfig) -> (App, AppState) {
    let app = app_with(auth.clone()).await;
    let state = AppState::new(app.store.clone(), auth).await.expect("state");
    let app = App {
        router: router(state.clone()),
        ..app
    };
    (app, state)
}

fn from(address: [u8; 4], user: &str, password: &str) -> super::Call {
    let mut call = call(Method::POST, "/v1/session").json(sign_in_body(user, password));
    call.address = address;
    call
}

async fn failures(app: &App, subject: &str) -> u32 {
    app.store
        .sign_in_failures(
            subject,
            jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1),
        )
        .await
        .expect("read")
        .count
}

#[tokio::test]
async fn parallel_wrong_passwords_reach_the_password_check_at_most_the_limit() {
    let (app, state) = app_and_state(AuthConfig {
        max_failures_per_user: 5,
        max_failures_per_user_address: 5,
        max_failures_per_address: 100,
        max_password_checks: 2,
        max_sign_ins_in_flight: 64,
        ..fast_auth()
    })
    .await;
    let guesses = (0..15)
        .map(|n| {
            Box::pin(
                call(Method::POST, "/v1/session")
                    .json(sign_in_body("mia", &format!("guess number {n}")))
                    .json_response(&app),
            ) as Pin<Box<dyn Future<Output = (StatusCode, Value)> + Send + '_>>
        })
        .collect();
    let answers = join_all(guesses).await;
    assert_eq!(
        state.sign_in_gate.verifications(),
        5,
        "only the attempts the limit allows reach Argon2"
    );
    let count = |status: StatusCode, kind: &str| {
        answers
            .iter()
            .filter(|(s, body)| *s == status && body["kind"] == kind)
            .count()
    };
    assert_eq!(
        count(StatusCode::UNAUTHORIZED, "unauthorized"),
        5,
        "{answers:?}"
    );
    assert_eq!(
        count(StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        10,
        "{answers:?}"
    );
    assert_eq!(failures(&app, "user:billsbee/mia").await, 5);
}

#[tokio::test]
async fn a_full_gate_answers_503_with_retry_after_and_records_nothing() {
    let (app, state) = app_and_state(AuthConfig {
        max_password_checks: 1,
        max_sign_ins_in_flight: 2,
        ..fast_auth()
    })
    .await;
    let places = state.sign_in_gate.fill();
    assert_eq!(places.len(), 2);
    let (status, headers, bytes) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .send(&app)
        .await;
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["kind"], "unavailable");
    assert_eq!(body["retry_after_secs"], 1);
    assert_eq!(
        headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(state.sign_in_gate.verifications(), 0);
    assert_eq!(
        failures(&app, "user:billsbee/mia").await,
        0,
        "nothing recorded"
    );
    drop(places);
    let (status, _) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn requests_past_the_concurrency_limit_are_shed_with_503() {
    let (app, state) = app_and_state(fast_auth()).await;
    let state = state.with_max_concurrent_requests(1);
    let app = App {
        router: router(state.clone()),
        ..app
    };
    let busy = state
        .requests
        .clone()
        .try_acquire_owned()
        .expect("the one permit");
    let (status, headers, bytes) = call(Method::GET, "/v1/me").send(&app).await;
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["kind"], "unavailable");
    assert!(headers.contains_key(header::RETRY_AFTER));
    drop(busy);
    let (status, body) = call(Method::GET, "/v1/me").json_response(&app).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
}

#[tokio::test]
async fn unknown_users_are_checked_against_a_stand_in_hash_with_the_same_parameters() {
    let (app, state) = app_and_state(fast_auth()).await;
    let (m, t, p) = fast_auth().argon2;
    assert!(
        state
            .sign_in_gate
            .stand_in_hash()
            .contains(&format!("m={m},t={t},p={p}")),
        "{}",
        state.sign_in_gate.stand_in_hash()
    );
    let (status, _) = call(Method::POST, "/v1/session")
        .json(sign_in_body("nobody", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        state.sign_in_gate.verifications(),
        1,
        "an unknown user costs a password check too"
    );
    let (status, _) = call(Method::POST, "/v1/session")
        .json(json!({"organisation": "Nowhere", "user": "mia", "password": PASSWORD}))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(state.sign_in_gate.verifications(), 2);
}

#[tokio::test]
async fn sign_in_names_are_bounded_and_nothing_is_stored() {
    let app = app_with(fast_auth()).await;
    let long = "n".repeat(holdfast_sync::protocol::MAX_SIGN_IN_NAME_BYTES + 1);
    for (body, field) in [
        (sign_in_body(&long, PASSWORD), "user"),
        (
            json!({"organisation": long, "user": "mia", "password": PASSWORD}),
            "organisation",
        ),
        (
            sign_in_body(
                "mia",
                &"p".repeat(holdfast_sync::protocol::MAX_SIGN_IN_PASSWORD_BYTES + 1),
            ),
            "password",
        ),
    ] {
        let (status, answer) = call(Method::POST, "/v1/session")
            .json(body)
            .json_response(&app)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["kind"], "validation");
        assert_eq!(answer["field"], field);
    }
    assert_eq!(
        failures(&app, "addr:127.0.0.1").await,
        0,
        "nothing recorded"
    );
    // At the bound, a name is an ordinary (wrong) one.
    let (status, _) = call(Method::POST, "/v1/session")
        .json(sign_in_body(
            &"n".repeat(holdfast_sync::protocol::MAX_SIGN_IN_NAME_BYTES),
            PASSWORD,
        ))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn token_answers_are_never_cached() {
    let app = app_with(fast_auth()).await;
    let (status, headers, bytes) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .send(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let session: Session = serde_json::from_slice(&bytes).expect("session");
    let (status, headers, _) = call(Method::POST, "/v1/session/refresh")
        .json(json!({"refresh_token": session.refresh_token}))
        .send(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

async fn refresh(app: &App, token: &str) -> (StatusCode, Value) {
    call(Method::POST, "/v1/session/refresh")
        .json(json!({"refresh_token": token}))
        .json_response(app)
        .await
}

#[tokio::test]
async fn a_reused_refresh_token_stops_the_thiefs_chain() {
    let app = app_with(fast_auth()).await;
    let (_, body) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .json_response(&app)
        .await;
    let session: Session = serde_json::from_value(body).expect("session");
    // The thief copied the refresh token and uses it first, then keeps its chain going.
    let (status, body) = refresh(&app, &session.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    let stolen: Session = serde_json::from_value(body).expect("session");
    let (status, body) = refresh(&app, &stolen.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    let stolen: Session = serde_json::from_value(body).expect("session");
    // The user's desk refreshes with the token it holds: refused, and the session ends.
    let (status, body) = refresh(&app, &session.refresh_token).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (status, _) = refresh(&app, &stolen.refresh_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the thief's chain stops");
    let (status, _) = call(Method::GET, "/v1/me")
        .token(&stolen.access_token)
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "its access token too");
    // Signing in again works.
    let (status, _) = call(Method::POST, "/v1/session")
        .json(sign_in_body("mia", PASSWORD))
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_attacker_hammering_a_user_does_not_lock_them_out_at_their_own_address() {
    let app = app_with(AuthConfig {
        max_failures_per_user: 5,
        max_failures_per_user_address: 5,
        max_failures_per_user_ceiling: 8,
        max_failures_per_address: 20,
        ..fast_auth()
    })
    .await;
    let attacker = [203, 0, 113, 9];
    for _ in 0..5 {
        let (status, _) = from(attacker, "mia", "a wrong guess")
            .json_response(&app)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = from(attacker, "mia", "a wrong guess")
        .json_response(&app)
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's address is done"
    );
    // The account's count is used up: a second attacker address gets one guess, no more.
    let second = [203, 0, 113, 10];
    let (status, _) = from(second, "mia", "a wrong guess")
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = from(second, "mia", "a wrong guess")
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // Mia, at her own desk, signs in.
    let home = [192, 0, 2, 1];
    let (status, body) = from(home, "mia", PASSWORD).json_response(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // While the account is under attack, a desk that mistypes waits out the window.
    let typo = [192, 0, 2, 2];
    let (status, _) = from(typo, "mia", "a typo").json_response(&app).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = from(typo, "mia", PASSWORD).json_response(&app).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Other accounts are not affected.
    let (status, _) = from(attacker, "max", PASSWORD).json_response(&app).await;
    assert_eq!(status, StatusCode::OK);

    // With the ceiling reached (8 failures from everywhere), nobody may try the account.
    let (status, _) = from([203, 0, 113, 11], "mia", "a wrong guess")
        .json_response(&app)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = from([192, 0, 2, 3], "mia", PASSWORD)
        .json_response(&app)
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
}
