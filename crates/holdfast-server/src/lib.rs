//! Holdfast's sync server: organisations, users and roles, sign-in, push (every command decided
//! again with `holdfast-core` against the server's own records) and pull of the organisation's
//! hash-chained event log with signed checkpoints. Storage is behind `store::ServerStore`
//! (SQLite by default); the HTTP API is `http`; the command line is `cli`.
// Nothing that serves a request may panic on what it was sent (issue 12): no unwrap, expect or
// unchecked indexing outside the tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod admin;
pub mod auth;
pub mod checkpoint;
pub mod cli;
#[cfg(test)]
mod durability_tests;
pub mod error;
pub mod heads_ups;
#[cfg(test)]
mod heads_ups_tests;
pub mod http;
#[cfg(test)]
mod http_tests;
pub mod listen;
pub mod observe;
#[cfg(test)]
mod operate_tests;
pub mod password_policy;
pub mod push;
pub mod retention;
pub mod sign_in_gate;
pub mod signing_key;
pub mod store;
pub mod sync;
pub mod verify;
pub mod verify_export;
#[cfg(test)]
mod verify_export_tests;

pub use error::{Result, ServerError};
