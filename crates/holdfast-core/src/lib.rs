//! Holdfast's rules. Everything that decides anything lives here, so that the desktop app and the
//! sync server decide the same way. No IO, no database, no Tauri, no async runtime: callers pass
//! in what they read (bytes, the current time, fresh ids) and persist what comes back.

pub mod account;
pub mod audit;
pub mod business_hours;
pub mod case;
pub mod decision;
pub mod error;
pub mod import;
pub mod money;
pub mod policy;
pub mod proration;
pub mod queue;
pub mod read_model;
pub mod record;
pub mod role;
pub mod workflow;

pub use error::CoreError;
