//! Setup shared by `run` and `test`: the system packages (Debian/Ubuntu, installed with apt-get
//! when running as root), Node.js and the UI's npm packages, for the end-to-end tests the extra
//! system packages and tauri-driver, and for the sync server's PostgreSQL tests the PostgreSQL
//! server (`postgresql`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::steps::{cargo_program, header, npm_program, probe, probe_ok, Failure, Outcome, Step};

/// What building and running the app needs (Tauri's Linux prerequisites, plus D-Bus for the
/// keyring).
const RUN_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libgtk-3-dev",
    "libdbus-1-dev",
];

/// What the end-to-end tests add: the WebKit WebDriver, a virtual display, and a Secret Service.
const E2E_PACKAGES: &[&str] = &[
    "webkit2gtk-driver",
    // Drives the native file dialog in the end-to-end tests (it is not part of the web page).
    "xdotool",
    "xvfb",
    "xauth",
    "gnome-keyring",
    "dbus",
    "dbus-x11",
    "libsecret-tools",
    // The tests' own tray host and window manager's close (tests/e2e/tray_host.py): a
    // StatusNotifierWatcher on D-Bus that clicks the tray's menu, and WM_DELETE_WINDOW on X.
    "python3-dbus",
    "python3-gi",
    "python3-xlib",
    // A real notification daemon for the reminders' end-to-end test (`dunstctl` reads it back).
    "dunst",
    // Reads the X clipboard back after "Copy diagnostics" (tests/e2e/desktop_citizen.rs).
    "xclip",
];

/// What the mail tests, the e-mail end-to-end test and the mail bench send to (issue 16): a real
/// SMTP server on loopback, tests/smtp/server.py on Debian's aiosmtpd under /usr/bin/python3.
/// Installed for every test and bench run (those ask for the end-to-end tools or PostgreSQL).
const MAIL_TEST_PACKAGES: &[&str] = &["python3-aiosmtpd"];

const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// What setup found that later steps need.
pub struct Prepared {
    /// The folder holding a working `tauri-driver`, when the end-to-end tools were asked for.
    pub tauri_driver_dir: Option<PathBuf>,
}

/// Makes sure everything is installed; `e2e` adds what the end-to-end tests need, `postgres` the
/// PostgreSQL server the sync server's PostgreSQL tests run against.
pub fn prepare(e2e: bool, postgres: bool) -> Outcome<Prepared> {
    system_packages(e2e, postgres)?;
    node()?;
    ui_packages()?;
    let tauri_driver_dir = if e2e { Some(tauri_driver()?) } else { None };
    Ok(Prepared { tauri_driver_dir })
}

fn system_packages(e2e: bool, postgres: bool) -> Outcome {
    if !cfg!(target_os = "linux") {
        println!(
            "note: xtask installs system packages on Debian/Ubuntu only; on {} see README.md \
             for what to install",
            std::env::consts::OS
        );
        return Ok(());
    }
    let mut wanted: Vec<&str> = RUN_PACKAGES.to_vec();
    if e2e {
        wanted.extend_from_slice(E2E_PACKAGES);
    }
    if postgres {
        wanted.push(crate::postgres::PACKAGE);
    }
    if e2e || postgres {
        wanted.extend_from_slice(MAIL_TEST_PACKAGES);
    }
    if probe("dpkg-query", &["--version"]).is_none() {
        println!(
            "note: this Linux has no dpkg, so xtask cannot check system packages; make sure the \
             equivalents of these are installed (see README.md): {}",
            wanted.join(" ")
        );
        return Ok(());
    }

    header("checking system packages (dpkg-query)");
    let missing = missing_packages(&wanted);
    if missing.is_empty() {
        println!("all {} packages are installed", wanted.len());
        return Ok(());
    }
    if !is_root() {
        return Err(Failure::new(format!(
            "missing system packages: {list}\ninstall them, then run this again:\n\n    sudo \
             apt-get install -y {list}\n",
            list = missing.join(" ")
        )));
    }

    println!("missing: {}", missing.join(" "));
    Step::new("apt-get", &["update"]).run()?;
    Step::new("apt-get", &["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    let still_missing = missing_packages(&missing);
    if still_missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "apt-get finished but these packages are still not installed: {}",
            still_missing.join(" ")
        )))
    }
}

/// Installs these Debian packages when any is missing (as root).
pub fn ensure_packages(packages: &[&str]) -> Outcome {
    let missing = missing_packages(packages);
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(Failure::new(format!(
            "missing system packages: {list}; install them with: sudo apt-get install -y {list}",
            list = missing.join(" ")
        )));
    }
    Step::new("apt-get", &["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
}

fn missing_packages<'a>(packages: &[&'a str]) -> Vec<&'a str> {
    packages
        .iter()
        .copied()
        .filter(|package| !is_installed(package))
        .collect()
}

pub fn is_installed(package: &str) -> bool {
    // One line per installed architecture; an unknown package is an error with no output.
    probe("dpkg-query", &["-W", "-f=${Status}\n", package]).is_some_and(|output| {
        output.status.success()
            && String::from_utf8_lossy(&output.stdout)
                .lines()
                .any(|status| status.trim() == "install ok installed")
    })
}

pub fn is_root() -> bool {
    probe("id", &["-u"]).is_some_and(|output| {
        output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == "0"
    })
}

/// Node.js and npm, in a version all the UI's tools accept (Vite, its Svelte plugin and jsdom:
/// ^20.19 || ^22.12 || >=24).
fn node() -> Outcome {
    header("checking Node.js and npm");
    let Some(output) = probe("node", &["--version"]).filter(|output| output.status.success())
    else {
        return Err(Failure::new(
            "Node.js is not on PATH: install Node.js 20.19 or newer (it comes with npm); see \
             README.md",
        ));
    };
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !node_is_supported(&version) {
        return Err(Failure::new(format!(
            "Node.js {version} is too old for the UI's tools: install Node.js 20.19+, 22.12+ or \
             24+; see README.md"
        )));
    }
    let Some(npm) = probe(npm_program(), &["--version"]).filter(|output| output.status.success())
    else {
        return Err(Failure::new(
            "npm is not on PATH (it normally comes with Node.js); see README.md",
        ));
    };
    println!(
        "node {version}, npm {}",
        String::from_utf8_lossy(&npm.stdout).trim()
    );
    Ok(())
}

fn node_is_supported(version: &str) -> bool {
    let mut parts = version.trim_start_matches('v').split('.');
    let mut number = || parts.next().and_then(|part| part.parse::<u32>().ok());
    let (Some(major), Some(minor)) = (number(), number()) else {
        return false;
    };
    match major {
        20 => minor >= 19,
        22 => minor >= 12,
        _ => major >= 24,
    }
}

/// `npm ci` when ui/node_modules is missing or older than ui/package-lock.json.
fn ui_packages() -> Outcome {
    let lock = Path::new("ui/package-lock.json");
    let installed_lock = Path::new("ui/node_modules/.package-lock.json");
    let up_to_date = match (modified(lock), modified(installed_lock)) {
        (Some(wanted), Some(installed)) => wanted <= installed,
        _ => false,
    };
    if up_to_date {
        header("ui/node_modules matches ui/package-lock.json; skipping npm ci");
        Ok(())
    } else {
        Step::npm(&["ci"]).run()
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

/// A working tauri-driver, installed with cargo if needed; returns the folder it is in.
fn tauri_driver() -> Outcome<PathBuf> {
    header("checking tauri-driver");
    if let Some(dir) = find_tauri_driver() {
        println!("found in {}", dir.display());
        return Ok(dir);
    }
    Step::new(
        cargo_program(),
        &[
            "install",
            "--locked",
            "tauri-driver",
            "--version",
            TAURI_DRIVER_VERSION,
        ],
    )
    .run()?;
    find_tauri_driver().ok_or_else(|| {
        Failure::new(
            "tauri-driver was installed but cannot be run from PATH or the cargo bin folder \
             ($CARGO_HOME/bin or ~/.cargo/bin)",
        )
    })
}

fn find_tauri_driver() -> Option<PathBuf> {
    let program = if cfg!(windows) {
        "tauri-driver.exe"
    } else {
        "tauri-driver"
    };
    if probe_ok(program, &["--help"]) {
        if let Some(dir) = on_path(program) {
            return Some(dir);
        }
    }
    cargo_bin_dirs()
        .into_iter()
        .find(|dir| probe_ok(dir.join(program), &["--help"]))
}

/// The folder on PATH that holds `program`.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| dir.join(program).is_file())
}

/// Where `cargo install` puts programs: $CARGO_HOME/bin, and ~/.cargo/bin.
fn cargo_bin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(cargo_home).join("bin"));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    if let Some(home) = home {
        let dir = PathBuf::from(home).join(".cargo").join("bin");
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::node_is_supported;

    #[test]
    fn node_versions_match_what_vite_accepts() {
        for good in ["v20.19.0", "v20.20.2", "v22.12.0", "v24.1.0", "v25.0.0"] {
            assert!(node_is_supported(good), "{good}");
        }
        for bad in [
            "v18.20.0", "v20.18.1", "v21.7.0", "v22.11.0", "v23.0.0", "", "vX",
        ] {
            assert!(!node_is_supported(bad), "{bad}");
        }
    }
}
