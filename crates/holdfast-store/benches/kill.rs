//! Issue 12: the desk's encrypted store killed with SIGKILL at random points, 1,000 times by
//! default; after each kill the database opens, every acknowledged command is in it and the
//! audit chain verifies (tests/support/kill_desk.rs). Printed beside a reference measured in the same run:
//! the same number of commands made by one child that is never killed, with the ratio.
//!
//! Usage: `cargo bench -p holdfast-store --bench kill -- [--kills N]`.

#[path = "../tests/support/kill_desk.rs"]
mod kill_desk;
#[path = "../../holdfast-server/tests/support/kill_harness.rs"]
mod kill_harness;

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
    if let Ok(instructions) = std::env::var(kill_harness::CHILD_VAR) {
        let result = kill_desk::child(&instructions, None);
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

fn bench(kills: u64) -> Result<(), kill_desk::BoxError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("holdfast.db");
    let key = holdfast_store::DatabaseKey::generate()?;
    kill_desk::prepare(&path, &key)?;
    let instructions = kill_desk::instructions(&path, &key);
    let summary = kill_harness::run(kills, &[], &instructions, |acknowledged| {
        kill_desk::check(&instructions, acknowledged)
    })?;
    // The reference: the same commands, one process, no kills, no checks.
    let reference_dir = tempfile::tempdir()?;
    let reference_path = reference_dir.path().join("holdfast.db");
    kill_desk::prepare(&reference_path, &key)?;
    let reference_instructions = kill_desk::instructions(&reference_path, &key);
    let started = Instant::now();
    kill_desk::child(&reference_instructions, Some(summary.acknowledged.max(1)))?;
    let reference = started.elapsed();
    println!(
        "desk store kill test: {} kills, {} acknowledged commands, {} checks of acknowledged \
         commands, all there, chain intact, database opens",
        summary.kills, summary.acknowledged, summary.checked
    );
    println!(
        "{:<44} {:>10.3} s   reference {:>10.3} s   ratio {:>7.2}x   (reference: the same {} \
         commands by one process, never killed)",
        "kill, reopen and check after each",
        summary.elapsed.as_secs_f64(),
        reference.as_secs_f64(),
        summary.elapsed.as_secs_f64() / reference.as_secs_f64().max(1e-9),
        summary.acknowledged.max(1)
    );
    Ok(())
}
