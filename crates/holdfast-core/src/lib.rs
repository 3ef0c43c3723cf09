//! Holdfast's rules. Everything that decides anything lives here, so that the desktop app and the
//! sync server decide the same way. No IO, no database, no Tauri, no async runtime: callers pass
//! in what they read (bytes, the current time, fresh ids) and persist what comes back.
// Nothing that serves a request may panic on what it was sent (issue 12): no unwrap, expect or
// unchecked indexing outside the tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod account;
pub mod audit;
pub mod audit_export;
pub mod business_hours;
pub mod case;
pub mod decision;
pub mod erasure;
pub mod error;
pub mod heads_up;
pub mod import;
pub mod money;
pub mod outbox;
pub mod personal;
pub mod policy;
pub mod proration;
pub mod queue;
pub mod read_model;
pub mod record;
pub mod reminders;
pub mod reports;
pub mod role;
pub mod sample;
pub mod workflow;

pub use error::CoreError;
