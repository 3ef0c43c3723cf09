//! "Copy diagnostics" (Settings › On this computer): what support needs to know about this copy
//! of Holdfast, as plain text for the clipboard. The version, the OS, what kind of profile it is
//! (local or on a team server; how its encryption key is kept), where syncing stands, the log
//! file and the latest warnings and errors from the log.
//!
//! Nothing in it identifies a customer or the person: no customer data, no user or organisation
//! name, no server address, no profile folder, no error message (which may quote what it refused);
//! the latest problems are log lines, which follow the log's rule (`logging.rs`).

use std::path::PathBuf;

use holdfast_store::Database;
use tauri::{AppHandle, Manager, Runtime};

use crate::commands::sync::{status_of, SyncState};
use crate::profile::KeySource;
use crate::session::SessionStatus;
use crate::state::AppState;

/// What the app's setup knows that the diagnostics tell: kept as managed state.
#[derive(Debug, Clone)]
pub struct AppFacts {
    /// The profile is the default one (not named with `--profile`).
    pub default_profile: bool,
    /// The log file being written, if the logger started.
    pub log_file: Option<PathBuf>,
}

/// How the profile's database is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Keyring,
    Passphrase,
    /// No key chosen yet (a new profile waiting for a passphrase), or none readable.
    NotSetUp,
}

/// Where syncing stands, by numbers and states only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFacts {
    pub state: SyncState,
    pub pending: u32,
    pub attention: u32,
    pub last_sync_at: Option<String>,
    pub last_round_failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    pub version: String,
    pub os: String,
    pub default_profile: bool,
    /// `unlocked`, `needs_passphrase`, `needs_new_passphrase` or `failed`.
    pub session: &'static str,
    pub key: KeyKind,
    /// `None` until the profile is open (whether it is on a team is in the database).
    pub sync: Option<SyncFacts>,
    pub database_schema: i64,
    pub log_file: Option<PathBuf>,
    pub recent_problems: Vec<String>,
}

impl Diagnostics {
    /// The text put on the clipboard.
    pub fn text(&self) -> String {
        let mut lines = vec![
            format!("Holdfast {}", self.version),
            format!("OS: {}", self.os),
            format!(
                "Profile: {}, {}, {}",
                if self.default_profile {
                    "default"
                } else {
                    "named with --profile"
                },
                match &self.sync {
                    None => "kind unknown until unlocked",
                    Some(sync) if sync.state == SyncState::LocalOnly => "local",
                    Some(_) => "team (joined a sync server)",
                },
                match self.key {
                    KeyKind::Keyring => "encrypted, key in the OS keyring",
                    KeyKind::Passphrase => "encrypted, key from a passphrase",
                    KeyKind::NotSetUp => "encryption key not set up yet",
                }
            ),
            format!("Session: {}", self.session),
            format!("Database schema: {}", self.database_schema),
        ];
        match &self.sync {
            Some(sync) if sync.state != SyncState::LocalOnly => lines.push(format!(
                "Sync: {}, {} pending, {} needing attention, last synced {}, last round {}",
                sync_state_word(sync.state),
                sync.pending,
                sync.attention,
                sync.last_sync_at.as_deref().unwrap_or("never"),
                if sync.last_round_failed {
                    "failed"
                } else {
                    "succeeded"
                }
            )),
            Some(_) => lines.push("Sync: not joined to a team server".to_owned()),
            None => lines.push("Sync: unknown until unlocked".to_owned()),
        }
        lines.push(format!(
            "Log file: {}",
            self.log_file
                .as_ref()
                .map_or("none".to_owned(), |path| path.display().to_string())
        ));
        if self.recent_problems.is_empty() {
            lines.push("Recent problems: none".to_owned());
        } else {
            lines.push(format!(
                "Recent problems (latest {}):",
                self.recent_problems.len()
            ));
            lines.extend(self.recent_problems.iter().map(|line| format!("  {line}")));
        }
        lines.join("\n") + "\n"
    }
}

fn sync_state_word(state: SyncState) -> &'static str {
    match state {
        SyncState::LocalOnly => "local only",
        SyncState::SignedOut => "signed out",
        SyncState::Offline => "offline",
        SyncState::Online => "online",
        SyncState::Syncing => "syncing",
        SyncState::Halted => "halted",
    }
}

/// The OS as support reads it: its name and architecture, and on Linux the distribution.
pub fn os_description() -> String {
    let base = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    #[cfg(target_os = "linux")]
    if let Ok(release) = std::fs::read_to_string("/etc/os-release") {
        if let Some(name) = release.lines().find_map(|line| {
            line.strip_prefix("PRETTY_NAME=")
                .map(|value| value.trim_matches('"').to_owned())
        }) {
            return format!("{base} ({name})");
        }
    }
    base
}

/// Gathers the diagnostics of the running app.
pub async fn collect<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    recent_problems: Vec<String>,
) -> Diagnostics {
    state.started().await;
    let facts = app
        .try_state::<AppFacts>()
        .map(|facts| facts.inner().clone());
    let session = match state.status() {
        SessionStatus::Unlocked { .. } => "unlocked",
        SessionStatus::NeedsPassphrase => "needs_passphrase",
        SessionStatus::NeedsNewPassphrase { .. } => "needs_new_passphrase",
        SessionStatus::Failed { .. } => "failed",
    };
    let key = match state.profile().and_then(|profile| profile.key_source()) {
        Ok(Some(KeySource::Keyring)) => KeyKind::Keyring,
        Ok(Some(KeySource::Passphrase { .. })) => KeyKind::Passphrase,
        Ok(None) | Err(_) => KeyKind::NotSetUp,
    };
    let sync = status_of(state).await.ok().map(|status| SyncFacts {
        state: status.state,
        pending: status.pending,
        attention: status.attention,
        last_sync_at: status.last_sync_at,
        last_round_failed: status.last_error.is_some(),
    });
    Diagnostics {
        version: app.package_info().version.to_string(),
        os: os_description(),
        default_profile: facts.as_ref().is_some_and(|facts| facts.default_profile),
        session,
        key,
        sync,
        database_schema: Database::schema_version(),
        log_file: facts.and_then(|facts| facts.log_file),
        recent_problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Diagnostics {
        Diagnostics {
            version: "0.1.0".into(),
            os: "linux x86_64 (Debian GNU/Linux 13 (trixie))".into(),
            default_profile: false,
            session: "unlocked",
            key: KeyKind::Keyring,
            sync: Some(SyncFacts {
                state: SyncState::Offline,
                pending: 3,
                attention: 1,
                last_sync_at: Some("2026-12-06T09:00:00Z".into()),
                last_round_failed: true,
            }),
            database_schema: 17,
            log_file: Some(PathBuf::from("/logs/holdfast-0123456789abcdef.log")),
            recent_problems: vec![
                "[2026-12-06][09:01:00][holdfast_app::sync][WARN] sync: round offline".into(),
            ],
        }
    }

    #[test]
    fn the_diagnostics_say_what_support_asks_first() {
        let text = sample().text();
        for expected in [
            "Holdfast 0.1.0",
            "OS: linux x86_64 (Debian GNU/Linux 13 (trixie))",
            "Profile: named with --profile, team (joined a sync server), encrypted, key in the OS keyring",
            "Session: unlocked",
            "Database schema: 17",
            "Sync: offline, 3 pending, 1 needing attention, last synced 2026-12-06T09:00:00Z, last round failed",
            "Log file: /logs/holdfast-0123456789abcdef.log",
            "Recent problems (latest 1):\n  [2026-12-06][09:01:00][holdfast_app::sync][WARN] sync: round offline",
        ] {
            assert!(text.contains(expected), "{expected:?} is missing from:\n{text}");
        }
    }

    #[test]
    fn a_local_profile_and_a_locked_one_say_so() {
        let mut local = sample();
        local.default_profile = true;
        local.key = KeyKind::Passphrase;
        local.sync = Some(SyncFacts {
            state: SyncState::LocalOnly,
            pending: 0,
            attention: 0,
            last_sync_at: None,
            last_round_failed: false,
        });
        local.recent_problems.clear();
        let text = local.text();
        assert!(
            text.contains("Profile: default, local, encrypted, key from a passphrase"),
            "{text}"
        );
        assert!(text.contains("Sync: not joined to a team server"), "{text}");
        assert!(text.contains("Recent problems: none"), "{text}");

        let mut locked = sample();
        locked.session = "needs_passphrase";
        locked.sync = None;
        let text = locked.text();
        assert!(text.contains("kind unknown until unlocked"), "{text}");
        assert!(text.contains("Sync: unknown until unlocked"), "{text}");
    }
}
