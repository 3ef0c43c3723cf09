//! Holdfast's local storage: one SQLCipher-encrypted SQLite database per profile, its numbered
//! migrations, and the tables the desk reads (accounts, cases). Decisions come from
//! `holdfast-core`; this crate only persists them, one transaction per command.

pub mod account_history;
pub mod accounts;
pub mod audit_export;
pub mod case_commands;
pub mod cases;
pub mod customer_data;
pub mod database;
pub mod desk_exports;
pub mod due;
pub mod erasure;
pub mod error;
pub mod events;
pub mod exports;
pub mod heads_ups;
pub mod import_mappings;
pub mod key;
pub mod mail;
mod migrations;
pub mod notes;
pub mod page;
mod projection;
pub mod queues;
pub mod reports;
pub mod roster;
pub mod sample_data;
pub mod settings;
pub mod sync;

pub use database::Database;
pub use error::StoreError;
pub use key::DatabaseKey;
