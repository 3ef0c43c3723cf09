//! A throwaway PostgreSQL cluster for the sync server's PostgreSQL tests: `initdb` into a fresh
//! temporary folder, started on a free loopback port (and a Unix socket in that folder), with
//! durability off (it is deleted afterwards). Dropping the `Cluster` stops it and removes the
//! folder, so it goes away when the tests fail too. PostgreSQL refuses to run as root, so as root
//! the folder is given to the `postgres` user (which Debian's `postgresql` package creates) and
//! the server's programs run as that user through `runuser`.

use std::ffi::OsString;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::steps::{header, probe, Failure, Outcome};

/// What the tests read the server's URL from (see crates/holdfast-server/tests/postgres.rs).
pub const URL_VAR: &str = "HOLDFAST_TEST_POSTGRES_URL";

/// The Debian package that provides the server programs (initdb, pg_ctl, postgres).
pub const PACKAGE: &str = "postgresql";

/// The OS user PostgreSQL runs as when xtask runs as root.
const SERVICE_USER: &str = "postgres";

/// A running throwaway cluster; stopped and deleted on drop.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// `Some(user)` when the programs run as another user (xtask runs as root).
    run_as: Option<String>,
    started: bool,
    url: String,
}

impl Cluster {
    /// Creates and starts a cluster; `as_root` says whether xtask runs as root.
    pub fn start(as_root: bool) -> Outcome<Cluster> {
        header("starting a throwaway PostgreSQL cluster for the server's PostgreSQL tests");
        let bin = server_bin_dir()?;
        let run_as = as_root.then(|| SERVICE_USER.to_owned());
        let dir = fresh_dir()?;
        // From here on, dropping `cluster` cleans up whatever was made.
        let mut cluster = Cluster {
            dir,
            bin,
            run_as,
            started: false,
            url: String::new(),
        };
        if let Some(user) = &cluster.run_as {
            give_to(&cluster.dir, user)?;
        }
        let data = cluster.dir.join("data");
        cluster.server_program(
            "initdb",
            &[
                "-D".into(),
                data.clone().into(),
                "-U".into(),
                "postgres".into(),
                "-A".into(),
                "trust".into(),
                "-E".into(),
                "UTF8".into(),
                "--locale=C".into(),
                "--no-sync".into(),
            ],
        )?;
        let port = free_port()?;
        let options = format!(
            "-k {socket} -p {port} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            socket = cluster.dir.display()
        );
        let start = cluster.server_program(
            "pg_ctl",
            &[
                "-D".into(),
                data.into(),
                "-l".into(),
                cluster.dir.join("server.log").into(),
                "-w".into(),
                "-t".into(),
                "60".into(),
                "-o".into(),
                options.into(),
                "start".into(),
            ],
        );
        if let Err(failure) = start {
            let log = fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default();
            return Err(Failure::new(format!("{failure}\nthe server's log:\n{log}")));
        }
        cluster.started = true;
        cluster.url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        println!(
            "PostgreSQL is running in {} at {}",
            cluster.dir.display(),
            cluster.url
        );
        Ok(cluster)
    }

    /// The URL the tests connect with (`postgres` superuser, trust authentication, loopback).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs one of the server's programs (as the service user when xtask is root), quietly;
    /// its output is shown when it fails.
    fn server_program(&self, name: &str, args: &[OsString]) -> Outcome {
        let program = self.bin.join(name);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        command
            .args(args)
            // The server's own programs must not pick up a developer's PG* settings.
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = command.output().map_err(|error| {
            Failure::new(format!(
                "{} could not be started: {error}",
                program.display()
            ))
        })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Failure::new(format!(
                "{name} failed ({}):\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        header("stopping and removing the throwaway PostgreSQL cluster");
        if self.started {
            let data = self.dir.join("data");
            let stopped = self.server_program(
                "pg_ctl",
                &[
                    "-D".into(),
                    data.into(),
                    "-m".into(),
                    "immediate".into(),
                    "-w".into(),
                    "stop".into(),
                ],
            );
            if let Err(failure) = stopped {
                eprintln!("xtask: could not stop PostgreSQL: {failure}");
            }
        }
        if let Err(error) = fs::remove_dir_all(&self.dir) {
            eprintln!("xtask: could not remove {}: {error}", self.dir.display());
        }
    }
}

/// The folder holding initdb and pg_ctl: Debian's `/usr/lib/postgresql/<version>/bin` (the
/// newest version installed), else the folder on PATH that has `initdb`.
fn server_bin_dir() -> Outcome<PathBuf> {
    let versions = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(versions)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let bin = entry.path().join("bin");
                    let version = version_key(&entry.file_name().to_string_lossy())?;
                    bin.join("initdb").is_file().then_some((version, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
        .ok_or_else(|| {
            Failure::new(format!(
                "PostgreSQL's server programs (initdb, pg_ctl) are neither in \
                 /usr/lib/postgresql/<version>/bin nor on PATH: install the Debian package \
                 `{PACKAGE}` (sudo apt-get install -y {PACKAGE}) or your system's PostgreSQL server"
            ))
        })
}

/// "15" → [15], "9.6" → [9, 6]; anything else is not a version folder.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// A new, private folder under the system's temporary folder.
fn fresh_dir() -> Outcome<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("holdfast-pg-{}-{nanos:09}", std::process::id()));
    fs::create_dir(&dir)
        .map_err(|error| Failure::new(format!("cannot create {}: {error}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
            .map_err(|error| Failure::new(format!("cannot restrict {}: {error}", dir.display())))?;
    }
    Ok(dir)
}

/// Hands `dir` to `user` (as root), so PostgreSQL running as that user can write in it.
fn give_to(dir: &Path, user: &str) -> Outcome {
    let id = |flag: &str| -> Option<u32> {
        let output = probe("id", &[flag, user]).filter(|output| output.status.success())?;
        String::from_utf8_lossy(&output.stdout).trim().parse().ok()
    };
    let (Some(uid), Some(gid)) = (id("-u"), id("-g")) else {
        return Err(Failure::new(format!(
            "there is no `{user}` user to run PostgreSQL as (it refuses to run as root); the \
             Debian package `{PACKAGE}` creates it"
        )));
    };
    #[cfg(unix)]
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(|error| {
        Failure::new(format!("cannot give {} to {user}: {error}", dir.display()))
    })?;
    #[cfg(not(unix))]
    let _ = (uid, gid);
    Ok(())
}

/// A loopback port nothing listens on right now.
fn free_port() -> Outcome<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| Failure::new(format!("no free loopback port: {error}")))
}

#[cfg(test)]
mod tests {
    use super::version_key;

    #[test]
    fn version_folders_sort_by_number() {
        let mut versions: Vec<Vec<u32>> = ["9.6", "15", "13", "16"]
            .iter()
            .filter_map(|name| version_key(name))
            .collect();
        versions.sort();
        assert_eq!(versions.last(), Some(&vec![16]));
        assert_eq!(versions.first(), Some(&vec![9, 6]));
        assert_eq!(version_key("main"), None);
        assert_eq!(version_key(""), None);
    }
}
