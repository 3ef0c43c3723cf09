//! The end-to-end environment: a private D-Bus session with a freshly created, unlocked
//! gnome-keyring (a real Secret Service) and a virtual X display, isolated from the developer's
//! own keyring and desktop. The e2e tests run in it, and so does the UI bench, which drives the app
//! the same way. Linux only.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::steps::{cargo_program, Failure, Outcome, Step};

/// Run by `sh -c` inside `dbus-run-session`. gnome-keyring-daemon creates the login keyring with
/// this password (it is a throwaway, in a throwaway folder), unlocks it, and makes it the default
/// collection; it prints GNOME_KEYRING_CONTROL=... which nothing here needs, so it is discarded.
/// It returns a moment before it owns its D-Bus name, so the script waits for the name (else the
/// first client would D-Bus-activate a second daemon). The probe stores and removes a secret so a
/// broken Secret Service fails here, with a clear message, not inside a test. The command to run
/// comes as the script's arguments.
const SESSION_SCRIPT: &str = r#"
printf 'holdfast-e2e' | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
  || { echo 'xtask: gnome-keyring-daemon did not start' >&2; exit 1; }
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || { echo 'xtask: gnome-keyring-daemon did not take the Secret Service name' >&2; exit 1; }
  sleep 0.1
done
{ printf 'probe' | secret-tool store --label='Holdfast e2e probe' service holdfast-e2e-probe account probe \
  && secret-tool clear service holdfast-e2e-probe account probe; } \
  || { echo 'xtask: the Secret Service in the test session does not accept secrets' >&2; exit 1; }
exec xvfb-run -a -s '-screen 0 1280x800x24' sh -c "$ON_DISPLAY" sh "$@"
"#;

/// Run by `sh -c` on the virtual display, before the command: dunst, a real notification daemon
/// (the reminders' end-to-end test reads its notifications back with `dunstctl`), with a config
/// that keeps notifications until they are acted on, so none expires while a test looks for it.
/// The script waits until dunst owns the notification name, so the app's first notification
/// finds it.
const ON_DISPLAY: &str = r#"
config="$XDG_RUNTIME_DIR/dunstrc"
printf '[urgency_low]\ntimeout = 0\n[urgency_normal]\ntimeout = 0\n[urgency_critical]\ntimeout = 0\n' > "$config"
dunst -config "$config" >/dev/null 2>&1 &
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q 'boolean true'; do
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || { echo 'xtask: dunst did not take the notification name' >&2; exit 1; }
  sleep 0.1
done
exec "$@"
"#;

/// The end-to-end tests.
pub fn run(tauri_driver_dir: Option<&Path>) -> Outcome {
    let mut args = vec![
        "test",
        "-p",
        "holdfast",
        "--features",
        "e2e",
        "--test",
        "e2e",
        "--",
        "--test-threads=1",
    ];
    // While working on one procedure's walk: `E2E_FILTER=billsbee cargo xtask test e2e` runs only
    // the tests whose name contains it. CI never sets it.
    let filter = std::env::var("E2E_FILTER").unwrap_or_default();
    if !filter.is_empty() {
        args.push(&filter);
    }
    in_session(tauri_driver_dir, &args)
}

/// The installed package's tests (`tests/bundle`), against the app `env` names, with the update
/// server's port.
pub fn installed(
    tauri_driver_dir: Option<&Path>,
    env: &[(&str, &Path)],
    update_port: u16,
) -> Outcome {
    let port = update_port.to_string();
    let mut extra: Vec<(&str, OsString)> = env
        .iter()
        .map(|(key, value)| (*key, value.as_os_str().to_owned()))
        .collect();
    extra.push(("HOLDFAST_UPDATE_PORT", OsString::from(&port)));
    in_session_with(
        tauri_driver_dir,
        &[
            "test",
            "-p",
            "holdfast",
            "--features",
            "e2e",
            "--test",
            "bundle",
            "--",
            "--test-threads=1",
        ],
        &extra,
    )
}

/// The UI bench (release build): the desk and a bare window driven through WebDriver.
pub fn bench(tauri_driver_dir: Option<&Path>) -> Outcome {
    in_session(
        tauri_driver_dir,
        &["bench", "-p", "holdfast", "--bench", "ui"],
    )
}

/// Runs `cargo <cargo_args>` in the environment.
fn in_session(tauri_driver_dir: Option<&Path>, cargo_args: &[&str]) -> Outcome {
    in_session_with(tauri_driver_dir, cargo_args, &[])
}

/// `in_session` with these variables added to the environment.
fn in_session_with(
    tauri_driver_dir: Option<&Path>,
    cargo_args: &[&str],
    extra: &[(&str, OsString)],
) -> Outcome {
    let session = SessionDir::create()?;
    let mut step = Step::new(
        "dbus-run-session",
        &["--", "sh", "-c", SESSION_SCRIPT, "sh"],
    )
    .args([cargo_program()])
    .args(cargo_args)
    .titled(format!(
        "cargo {} (in dbus-run-session with an unlocked gnome-keyring, under xvfb-run)",
        cargo_args.join(" ")
    ))
    .env("PATH", path_with(tauri_driver_dir)?)
    // The keyring files and the keyring's control socket live in the session folder, so
    // neither the developer's login keyring nor its running daemon is touched.
    .env("XDG_DATA_HOME", session.data())
    .env("XDG_RUNTIME_DIR", session.runtime())
    .env_remove("GNOME_KEYRING_CONTROL")
    // The app must open on Xvfb even when started from a Wayland desktop.
    .env_remove("WAYLAND_DISPLAY")
    .env("GDK_BACKEND", "x11")
    .env("ON_DISPLAY", ON_DISPLAY);
    for (key, value) in extra {
        step = step.env(key, value.clone());
    }
    let result = step.run();
    drop(session);
    result
}

/// PATH with the folder holding tauri-driver first, so the tests find the one setup checked.
fn path_with(dir: Option<&Path>) -> Outcome<OsString> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = dir.map(Path::to_path_buf).into_iter().collect();
    dirs.extend(std::env::split_paths(&current));
    std::env::join_paths(dirs)
        .map_err(|error| Failure::new(format!("PATH cannot hold the tauri-driver folder: {error}")))
}

/// A folder for one e2e run's keyring and runtime files, removed afterwards.
struct SessionDir(PathBuf);

impl SessionDir {
    fn create() -> Outcome<Self> {
        let root = std::env::temp_dir().join(format!("holdfast-e2e-{}", std::process::id()));
        // Left over from an earlier run with the same process id: start fresh, since a keyring
        // created with another password could not be unlocked.
        if root.exists() {
            fs::remove_dir_all(&root).map_err(|error| {
                Failure::new(format!("{} cannot be removed: {error}", root.display()))
            })?;
        }
        let session = SessionDir(root);
        for dir in [session.data(), session.runtime()] {
            fs::create_dir_all(&dir).map_err(|error| {
                Failure::new(format!("{} cannot be created: {error}", dir.display()))
            })?;
        }
        restrict_to_owner(&session.runtime())?;
        Ok(session)
    }

    fn data(&self) -> PathBuf {
        self.0.join("data")
    }

    fn runtime(&self) -> PathBuf {
        self.0.join("runtime")
    }
}

impl Drop for SessionDir {
    fn drop(&mut self) {
        // Best effort: it is in the temp folder, and a failure here must not hide the result.
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// XDG_RUNTIME_DIR must be private to its user.
#[cfg(unix)]
fn restrict_to_owner(dir: &Path) -> Outcome {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|error| Failure::new(format!("{} cannot be made private: {error}", dir.display())))
}

#[cfg(not(unix))]
fn restrict_to_owner(_dir: &Path) -> Outcome {
    Ok(())
}
