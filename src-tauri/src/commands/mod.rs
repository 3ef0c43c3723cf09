//! The commands the window calls. Each parses its input, calls the store or the core, and maps
//! the error; no rule of the procedure is decided here. `list.rs` names every command once; the
//! invoke handler, the window's capability, `COMMAND_NAMES` and the TypeScript bindings all come
//! from it.

pub mod accounts;
pub mod args;
pub mod audit;
pub mod cases;
pub mod desktop;
pub mod due;
pub mod exports;
pub mod heads_ups;
pub mod imports;
pub mod mail;
pub mod messages;
pub mod notes;
pub mod one_time_codes;
pub mod privacy;
pub mod profile;
pub mod queues;
pub mod reports;
pub mod roster;
pub mod sample_data;
pub mod session;
pub mod sync;
pub mod updates;

pub use args::Args;

include!("list.rs");
pub(crate) use for_each_command;

macro_rules! names {
    ($($module:ident::$name:ident($args:ty) -> $result:ty),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

/// The name of every command, as the window invokes it.
pub const COMMAND_NAMES: &[&str] = for_each_command!(names);

/// The invoke handler for every command in `list.rs`.
macro_rules! handler {
    ($($module:ident::$name:ident($args:ty) -> $result:ty),* $(,)?) => {
        tauri::generate_handler![$($crate::commands::$module::$name),*]
    };
}
pub(crate) use handler;
