//! The instant the shell decides case commands at. Always the system clock, except in a build
//! for the end-to-end tests (feature `e2e`), where `HOLDFAST_E2E_DAYS_AHEAD` moves it forward by
//! whole days: steps the engine allows only from a date on (a win-back check-in, months after the
//! cancellation) can then be walked through the window. A release build never reads it.

use jiff::Timestamp;

/// The variable only the end-to-end tests set, in a build with the `e2e` feature.
#[cfg(feature = "e2e")]
pub const DAYS_AHEAD_VAR: &str = "HOLDFAST_E2E_DAYS_AHEAD";

/// Now, as the case engine is to see it.
pub fn now() -> Timestamp {
    let now = Timestamp::now();
    #[cfg(feature = "e2e")]
    if let Some(days) = std::env::var(DAYS_AHEAD_VAR)
        .ok()
        .and_then(|days| days.trim().parse::<i64>().ok())
    {
        // Whole days of 24 hours: a timestamp has no calendar, and the engine reads dates in the
        // policy's zone.
        if let Ok(later) = now.checked_add(jiff::SignedDuration::from_hours(days * 24)) {
            return later;
        }
    }
    now
}
