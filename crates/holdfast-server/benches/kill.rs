//! Issue 12: the server's SQLite store killed with SIGKILL at random points, 1,000 times by
//! default; after each kill the database opens, every acknowledged push is in it and the chain
//! verifies (tests/support/kill_server.rs). Printed beside a reference measured in the same run:
//! the same number of pushes made by one child that is never killed, with the ratio.
//!
//! Usage: `cargo bench -p holdfast-server --bench kill -- [--kills N]`.

#[path = "../tests/support/kill_harness.rs"]
mod kill_harness;
#[path = "../tests/support/kill_server.rs"]
mod kill_server;

use std::process::ExitCode;
use std::time::Instant;

fn kills() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == "--kills")
        .and_then(|index| args.get(index + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(1000)
}

fn main() -> ExitCode {
    if let Ok(dir) = std::env::var(kill_harness::CHILD_VAR) {
        let result = kill_server::child(std::path::Path::new(&dir), None);
        eprintln!("the child stopped without being killed: {result:?}");
        return ExitCode::FAILURE;
    }
    match bench(kills()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kill bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn bench(kills: u64) -> Result<(), kill_server::BoxError> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    kill_server::prepare(&data)?;
    let instructions = data.to_str().ok_or("a UTF-8 path")?.to_owned();
    let summary = kill_harness::run(kills, &[], &instructions, |acknowledged| {
        kill_server::check(&data, acknowledged)
    })?;
    // The reference: the same pushes, one process, no kills, no checks.
    let reference_dir = tempfile::tempdir()?;
    let reference_data = reference_dir.path().join("data");
    kill_server::prepare(&reference_data)?;
    let started = Instant::now();
    kill_server::child(&reference_data, Some(summary.acknowledged.max(1)))?;
    let reference = started.elapsed();
    println!(
        "server SQLite kill test: {} kills, {} acknowledged pushes, {} checks of acknowledged \
         pushes, all there, chain intact, database opens",
        summary.kills, summary.acknowledged, summary.checked
    );
    println!(
        "{:<44} {:>10.3} s   reference {:>10.3} s   ratio {:>7.2}x   (reference: the same {} \
         pushes by one process, never killed)",
        "kill, reopen and check after each",
        summary.elapsed.as_secs_f64(),
        reference.as_secs_f64(),
        summary.elapsed.as_secs_f64() / reference.as_secs_f64().max(1e-9),
        summary.acknowledged.max(1)
    );
    Ok(())
}
