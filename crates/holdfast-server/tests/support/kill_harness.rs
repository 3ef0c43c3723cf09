//! Crash testing by SIGKILL, shared by the server's and the desk's kill tests and benches
//! (included with `#[path]`): the current executable is started again as a child that writes
//! commands in a loop and prints `ACK <id>` after each one it was told is committed; the parent
//! kills it at a random point (after a random number of acknowledgements, then a random few
//! hundred microseconds, so some kills land inside a transaction or its fsync), then checks what
//! the child said was acknowledged against the database, before starting the next child.
// Each includer uses a different part of this file.
#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child's environment: the child's instructions (what to open), as text.
pub const CHILD_VAR: &str = "HOLDFAST_KILL_CHILD";

/// The child's word that `id` is committed: printed only after the write returned.
pub fn acknowledge(id: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ACK {id}");
    let _ = out.flush();
}

/// A random number below `bound` (std only: a freshly keyed hasher).
pub fn random_below(bound: u64) -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(bound);
    hasher.finish() % bound.max(1)
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub kills: u64,
    /// Acknowledged commands, over all children.
    pub acknowledged: u64,
    /// Acknowledged commands checked after kills (each check covers every one acknowledged so far).
    pub checked: u64,
    pub elapsed: Duration,
}

/// Starts `kills` children (`args` re-invoke this executable as the child, with `CHILD_VAR` set
/// to `instructions`), kills each with SIGKILL at a random point, and after each kill calls
/// `check` with every id acknowledged so far; `check` returns how many it checked, or what is
/// wrong (which ends the run with that message).
pub fn run(
    kills: u64,
    args: &[&str],
    instructions: &str,
    mut check: impl FnMut(&[String]) -> Result<u64, String>,
) -> Result<Summary, String> {
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let started = Instant::now();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut summary = Summary::default();
    for round in 0..kills {
        let mut child = Command::new(&exe)
            .args(args)
            .env(CHILD_VAR, instructions)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("starting the child: {error}"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| "the child has no stdout".to_owned())?;
        let mut lines = BufReader::new(stdout).lines();
        // Some rounds kill before the first acknowledgement (while the database opens).
        let wait_for = random_below(6);
        let mut seen = 0;
        while seen < wait_for {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(id) = line.strip_prefix("ACK ") {
                        acknowledged.push(id.to_owned());
                        seen += 1;
                    }
                }
                _ => {
                    return Err(format!(
                        "round {round}: the child ended before it was killed ({:?})",
                        child.wait()
                    ))
                }
            }
        }
        std::thread::sleep(Duration::from_micros(random_below(800)));
        child
            .kill()
            .map_err(|error| format!("round {round}: killing the child: {error}"))?;
        let _ = child.wait();
        // What it printed before it died was acknowledged too.
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("ACK ") {
                acknowledged.push(id.to_owned());
            }
        }
        summary.kills += 1;
        summary.checked += check(&acknowledged).map_err(|problem| {
            format!(
                "after kill {} ({} acknowledged): {problem}",
                round + 1,
                acknowledged.len()
            )
        })?;
    }
    summary.acknowledged = acknowledged.len() as u64;
    summary.elapsed = started.elapsed();
    Ok(summary)
}
