//! Issue 12: the desk's encrypted store under SIGKILL. A child process runs case commands in a
//! loop and prints each acknowledged one; it is killed at random points, 20 times here (1,000
//! times in `cargo xtask bench`: benches/kill.rs); after each kill the database opens, every
//! acknowledged command is in it and the audit chain verifies.

#[path = "support/kill_desk.rs"]
mod kill_desk;
#[path = "../../holdfast-server/tests/support/kill_harness.rs"]
mod kill_harness;

use holdfast_store::DatabaseKey;
use kill_harness::CHILD_VAR;

/// The child: only does anything when the parent test started it.
#[test]
fn kill_child() {
    if let Ok(instructions) = std::env::var(CHILD_VAR) {
        let result = kill_desk::child(&instructions, None);
        panic!("the child stopped without being killed: {result:?}");
    }
}

#[test]
fn every_acknowledged_command_survives_sigkill_and_the_audit_chain_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("holdfast.db");
    let key = DatabaseKey::generate().expect("key");
    kill_desk::prepare(&path, &key).expect("prepared");
    let instructions = kill_desk::instructions(&path, &key);
    let summary = kill_harness::run(
        20,
        &["kill_child", "--exact", "--nocapture", "--test-threads=1"],
        &instructions,
        |acknowledged| kill_desk::check(&instructions, acknowledged),
    )
    .unwrap_or_else(|problem| panic!("{problem}"));
    assert_eq!(summary.kills, 20);
    assert!(summary.acknowledged > 0, "{summary:?}");
}
