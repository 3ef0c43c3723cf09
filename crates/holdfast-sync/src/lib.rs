//! Sync between the desktop and the sync server (DESIGN §5): server-authoritative named commands
//! with client rebase. `protocol` is the wire format both sides share; the server re-decides every
//! pushed command with `holdfast-core`, and the client (`client`) rebases its pending commands on
//! what it pulls. `client` and `protocol` stay pure (no IO); `transport` carries the messages to
//! the server over HTTPS and is behind the `transport` feature, so that the store, which needs only
//! the protocol and the engine, builds without an HTTP client.
// Nothing that serves a request may panic on what it was sent (issue 12): no unwrap, expect or
// unchecked indexing outside the tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod client;
#[cfg(feature = "transport")]
pub mod heads_up;
#[cfg(feature = "test-receiver")]
pub mod heads_up_receiver;
pub mod protocol;
#[cfg(feature = "transport")]
pub mod transport;
