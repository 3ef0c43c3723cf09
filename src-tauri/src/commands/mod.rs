//! The commands the window calls. Each parses its input, calls the store or the core, and maps
//! the error; no rule of the procedure is decided here.

pub mod accounts;
pub mod cases;
pub mod messages;
pub mod notes;
pub mod one_time_codes;
pub mod profile;
pub mod queues;
pub mod session;
pub mod sync;
