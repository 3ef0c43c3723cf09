//! The server's .deb on this machine (issue 15): installed with `apt-get install ./….deb` as an
//! operator would, then checked as an operator depends on it: the `holdfast` system user, the
//! systemd unit (verified by `systemd-analyze verify`, its hardening read back and measured by
//! `systemd-analyze security`), the 0700 state folder, the settings as a conffile, the unit
//! enabled and not started; the installed binary's `--help`, and a real `serve` as the holdfast user (runuser) on a temporary port and
//! SQLite database, answering `GET /health` and `GET /v1/version` and stopping cleanly on
//! SIGTERM; an admin command as the README gives it makes the database in the state folder. Then
//! removed and purged: the data folder and that database stay both times.
//!
//! It changes the machine, so it is built only with the `package-tests` feature and needs root;
//! `cargo xtask test` builds the .deb and runs it so (as CI does). It fails, never skips, without
//! the .deb (`HOLDFAST_TEST_DEB`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The variable `cargo xtask test` names the .deb in.
const DEB_VAR: &str = "HOLDFAST_TEST_DEB";
const PACKAGE: &str = "holdfast-server";
const USER: &str = "holdfast";
const STATE_DIR: &str = "/var/lib/holdfast-server";
const SETTINGS: &str = "/etc/holdfast-server/holdfast-server.env";
const BINARY: &str = "/usr/bin/holdfast-server";
/// A file this test puts in the state folder as soon as the package made it: it tells the
/// cleanup, and a later run after an interrupted one, that the folder is this test's, not a
/// team's.
const MARKER: &str = "/var/lib/holdfast-server/left-by-the-package-test";
const ENABLED_LINK: &str = "/etc/systemd/system/multi-user.target.wants/holdfast-server.service";

fn command(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("{program} cannot be started: {error}"))
}

/// Runs a command that must succeed; its standard output.
fn run(program: &str, args: &[&str]) -> String {
    let output = command(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn installed() -> bool {
    let output = command("dpkg-query", &["-W", "-f=${Status}", PACKAGE]);
    output.status.success() && String::from_utf8_lossy(&output.stdout).contains("ok installed")
}

fn user_exists() -> bool {
    command("getent", &["passwd", USER]).status.success()
}

/// Undoes what this test did to the machine, also when it fails half-way: the package purged,
/// and the state folder and user removed when they are this test's (the marker is in the
/// folder, or there is no folder at all).
struct Cleanup;

impl Cleanup {
    fn clean() {
        if installed() {
            let _ = command("apt-get", &["purge", "-y", PACKAGE]);
        }
        let ours = Path::new(MARKER).exists() || !Path::new(STATE_DIR).exists();
        if ours {
            let _ = std::fs::remove_dir_all(STATE_DIR);
            if user_exists() {
                let _ = command("userdel", &[USER]);
            }
            let _ = command("groupdel", &[USER]);
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        Cleanup::clean();
    }
}

fn mode(path: &str) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{path}: {error}"))
        .permissions()
        .mode()
        & 0o7777
}

/// `(uid, gid)` of a user from `getent passwd`, with its home and shell.
fn passwd_entry(user: &str) -> (u32, u32, String, String) {
    let line = run("getent", &["passwd", user]);
    let fields: Vec<&str> = line.trim().split(':').collect();
    assert_eq!(fields.len(), 7, "{line}");
    (
        fields[2].parse().expect("a uid"),
        fields[3].parse().expect("a gid"),
        fields[5].to_owned(),
        fields[6].to_owned(),
    )
}

fn group_id(group: &str) -> u32 {
    let line = run("getent", &["group", group]);
    line.split(':')
        .nth(2)
        .expect("a gid")
        .parse()
        .expect("a number")
}

/// The unit file the package installed.
fn unit_path() -> PathBuf {
    let files = run("dpkg", &["-L", PACKAGE]);
    let unit = files
        .lines()
        .find(|line| line.ends_with("/systemd/system/holdfast-server.service"))
        .unwrap_or_else(|| panic!("the package has no systemd unit:\n{files}"));
    PathBuf::from(unit)
}

/// The unit's `Key=value` lines of one section, in order (a key may repeat).
fn section(unit: &str, name: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut entries = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{name}]");
        } else if inside && !line.is_empty() && !line.starts_with('#') {
            let (key, value) = line.split_once('=').expect("Key=value");
            entries.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    entries
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// One plain-HTTP GET: `(status line, body)`.
fn get(port: u16, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connected");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

/// The installed binary serving as the holdfast user, as the unit runs it (its settings in the
/// environment), on a temporary port and SQLite database; checked, then stopped with SIGTERM.
fn serve_as_the_user(holdfast_uid: u32) {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let root = scratch.path().to_str().expect("a UTF-8 path").to_owned();
    run("chown", &[&format!("{USER}:{USER}"), &root]);
    let data = format!("{root}/data");
    let port = free_port();
    let mut server = Command::new("runuser")
        .args(["-u", USER, "--", "env"])
        .arg(format!("HOLDFAST_LISTEN=127.0.0.1:{port}"))
        .arg(format!("HOLDFAST_DATA_DIR={data}"))
        .args([BINARY, "serve"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runuser started");
    // The server says when it listens; if it dies instead, its log ends and says why.
    let mut log = BufReader::new(server.stderr.take().expect("stderr"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = log.read_line(&mut line).expect("the server's log");
        seen.push_str(&line);
        if read == 0 {
            let status = server.wait().expect("runuser ended");
            panic!("the server stopped before serving ({status}):\n{seen}");
        }
        if line.contains("serving plain HTTP") {
            break;
        }
    }
    // Keep reading the log so the server never blocks on a full pipe.
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = log.read_to_string(&mut rest);
        rest
    });

    let (status, body) = get(port, "/health");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}\n{body}");
    assert!(body.contains(r#""status":"ok""#), "{body}");
    let (status, body) = get(port, "/v1/version");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}\n{body}");
    assert!(
        body.contains(&format!(r#""server":"{}""#, env!("CARGO_PKG_VERSION"))),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            r#""protocol":{}"#,
            holdfast_sync::protocol::PROTOCOL_VERSION
        )),
        "{body}"
    );

    // runuser's child is the server; it runs as holdfast.
    let children = std::fs::read_to_string(format!(
        "/proc/{pid}/task/{pid}/children",
        pid = server.id()
    ))
    .expect("runuser's children");
    let server_pid = children
        .split_whitespace()
        .next()
        .expect("the server's pid");
    let status = std::fs::read_to_string(format!("/proc/{server_pid}/status")).expect("status");
    let uid_line = status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .expect("a Uid line");
    assert!(
        uid_line
            .split_whitespace()
            .skip(1)
            .all(|uid| uid == holdfast_uid.to_string()),
        "the server does not run as {USER} ({holdfast_uid}): {uid_line}"
    );

    // SIGTERM (what systemd sends) stops it cleanly: runuser passes on its exit status.
    run("kill", &["-TERM", server_pid]);
    let exit = server.wait().expect("runuser ended");
    let rest = rest.join().expect("the log reader");
    assert!(
        exit.success(),
        "the server did not stop cleanly ({exit}):\n{seen}{rest}"
    );

    let database = format!("{data}/holdfast-server.db");
    let owner = std::fs::metadata(&database)
        .unwrap_or_else(|error| panic!("{database}: {error}"))
        .uid();
    assert_eq!(owner, holdfast_uid, "{database} is not the holdfast user's");
    assert_eq!(
        std::fs::metadata(format!("{data}.signing-key"))
            .expect("the signing key beside the data folder")
            .uid(),
        holdfast_uid
    );
}

#[test]
fn the_deb_installs_serves_and_keeps_the_data_when_removed() {
    let deb = std::env::var(DEB_VAR).unwrap_or_else(|_| {
        panic!(
            "{DEB_VAR} must name the holdfast-server .deb (cargo xtask test builds it and sets it)"
        )
    });
    let deb = std::fs::canonicalize(&deb).unwrap_or_else(|error| panic!("{deb}: {error}"));
    assert!(
        run("id", &["-u"]).trim() == "0",
        "the package test installs a .deb: it runs as root"
    );
    assert!(
        !installed(),
        "{PACKAGE} is installed on this machine; the package test installs and purges it, so \
         run it where it is not"
    );
    assert!(
        !Path::new(STATE_DIR).exists() || Path::new(MARKER).exists(),
        "{STATE_DIR} holds data this test did not leave; it will not touch it"
    );
    // Leftovers of an interrupted run, then the real thing.
    Cleanup::clean();
    assert!(!user_exists(), "the {USER} user is left from elsewhere");
    let _cleanup = Cleanup;

    let deb_arg = deb.to_str().expect("a UTF-8 path").to_owned();
    run(
        "apt-get",
        &["install", "-y", "--no-install-recommends", &deb_arg],
    );
    assert!(installed());
    std::fs::write(MARKER, "").expect("the marker");

    // The system user, made by the postinst: no login, its home the state folder.
    let (uid, gid, home, shell) = passwd_entry(USER);
    assert!(uid < 1000, "{USER} is not a system user (uid {uid})");
    assert_eq!(gid, group_id(USER));
    assert_eq!(home, STATE_DIR);
    assert!(shell.ends_with("nologin"), "{shell}");

    // The state folder: the user's alone.
    assert_eq!(mode(STATE_DIR), 0o700, "{STATE_DIR}");
    let meta = std::fs::metadata(STATE_DIR).expect("the state folder");
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));

    // The binary, and the settings as a conffile the service's group may read.
    assert_eq!(mode(BINARY), 0o755);
    let help = run(BINARY, &["--help"]);
    assert!(help.contains("serve"), "{help}");
    let conffiles = run("dpkg-query", &["-W", "-f=${Conffiles}", PACKAGE]);
    assert!(conffiles.contains(SETTINGS), "{conffiles}");
    assert_eq!(mode(SETTINGS), 0o640);
    let settings = std::fs::metadata(SETTINGS).expect("the settings");
    assert_eq!((settings.uid(), settings.gid()), (0, gid));
    let env = std::fs::read_to_string(SETTINGS).expect("the settings");
    assert!(env.contains("\nHOLDFAST_LISTEN=127.0.0.1:8787\n"), "{env}");
    assert!(
        env.contains("\nHOLDFAST_DATA_DIR=/var/lib/holdfast-server/data\n"),
        "{env}"
    );

    // The unit: verified by systemd, run as the user, hardened, its settings from the conffile.
    let unit_path = unit_path();
    let unit_arg = unit_path.to_str().expect("a UTF-8 path");
    let verify = command("systemd-analyze", &["verify", unit_arg]);
    let verify_log = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        verify.status.success(),
        "systemd-analyze verify failed:\n{verify_log}"
    );
    assert!(
        !verify_log.contains("holdfast-server.service:"),
        "systemd-analyze verify found problems in the unit:\n{verify_log}"
    );
    // systemd's own measure of the hardening: 0 (locked down) to 10 (nothing restricted; a
    // unit with no hardening scores 9.6 "UNSAFE").
    let security = run(
        "systemd-analyze",
        &["security", "--offline=true", "--no-pager", unit_arg],
    );
    let exposure: f64 = security
        .lines()
        .find_map(|line| {
            line.split("Overall exposure level for holdfast-server.service:")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{security}"));
    assert!(
        exposure <= 2.0,
        "the unit's exposure is {exposure}:\n{security}"
    );
    let unit = std::fs::read_to_string(&unit_path).expect("the unit");
    let service = section(&unit, "Service");
    let has = |key: &str, value: &str| {
        service
            .iter()
            .any(|(found_key, found)| found_key == key && found == value)
    };
    for (key, value) in [
        ("User", USER),
        ("Group", USER),
        ("ExecStart", "/usr/bin/holdfast-server serve"),
        ("EnvironmentFile", SETTINGS),
        ("Restart", "on-failure"),
        ("StateDirectory", "holdfast-server"),
        ("StateDirectoryMode", "0700"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert!(has(key, value), "the unit lacks {key}={value}:\n{unit}");
    }
    assert!(
        section(&unit, "Install").contains(&("WantedBy".into(), "multi-user.target".into())),
        "{unit}"
    );
    // Enabled (it comes up at boot), not started: nothing runs the binary yet.
    let link = std::fs::read_link(ENABLED_LINK).expect("the unit is enabled");
    assert!(link.ends_with("holdfast-server.service"), "{link:?}");
    let running = command("pgrep", &["-x", "holdfast-server"]);
    assert!(
        !running.status.success(),
        "the package started the server: {}",
        String::from_utf8_lossy(&running.stdout)
    );

    serve_as_the_user(uid);

    // An admin command as the README gives it: as holdfast, with the shipped settings read by a
    // shell; it makes the SQLite database in the state folder.
    run(
        "runuser",
        &[
            "-u",
            USER,
            "--",
            "sh",
            "-c",
            &format!("set -a; . {SETTINGS}; exec {BINARY} org create Acme"),
        ],
    );
    let database = format!("{STATE_DIR}/data/holdfast-server.db");
    assert_eq!(
        std::fs::metadata(&database)
            .unwrap_or_else(|error| panic!("{database}: {error}"))
            .uid(),
        uid
    );

    // Removed: the binary goes; the data, the user and the settings stay.
    run("apt-get", &["remove", "-y", PACKAGE]);
    assert!(!installed());
    assert!(!Path::new(BINARY).exists());
    assert!(
        Path::new(&database).is_file(),
        "remove deleted the database"
    );
    assert_eq!(mode(STATE_DIR), 0o700);
    assert!(user_exists());
    assert!(Path::new(SETTINGS).is_file(), "remove deleted the settings");

    // Purged: the settings and the unit's enablement go; the data still stays.
    run("apt-get", &["purge", "-y", PACKAGE]);
    assert!(!Path::new(SETTINGS).exists(), "purge kept the settings");
    assert!(std::fs::symlink_metadata(ENABLED_LINK).is_err());
    assert!(Path::new(&database).is_file(), "purge deleted the database");
}
