//! End-to-end tests: the built app in a real window (Xvfb), driven through tauri-driver and
//! WebKitWebDriver as a person would, with a real Secret Service holding the database key.
//! `cargo xtask test` provides the display and the D-Bus session; without them these tests fail,
//! they never skip.

mod audit_trail;
mod billsbee;
mod case_workflow;
mod checklist_items;
mod desk;
mod desk_exports;
mod desktop_citizen;
mod due;
mod file_dialog;
mod harness;
mod heads_ups;
mod import_and_cases;
mod intelliserve;
mod keyboard_walks;
mod layout;
mod mail;
mod mapped_import;
mod palette;
mod privacy;
mod refund_status_check;
mod rejoin;
mod reminders;
mod reports;
mod review_screenshots;
mod sop_2017;
mod store_check;
mod sympathetic_reply;
mod team_sync;
mod tray;
mod win_back;
mod wootrecruit;
