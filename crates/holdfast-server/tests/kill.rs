//! Issue 12: the server's SQLite store under SIGKILL. A child process pushes commands in a loop
//! and prints each acknowledged one; it is killed at random points, 20 times here (1,000 times in
//! `cargo xtask bench`: benches/kill.rs); after each kill the database opens, every acknowledged
//! command is in it and the chain verifies.

#[path = "support/kill_harness.rs"]
mod kill_harness;
#[path = "support/kill_server.rs"]
mod kill_server;

use kill_harness::CHILD_VAR;

/// The child: only does anything when the parent test started it.
#[test]
fn kill_child() {
    if let Ok(dir) = std::env::var(CHILD_VAR) {
        let result = kill_server::child(std::path::Path::new(&dir), None);
        panic!("the child stopped without being killed: {result:?}");
    }
}

#[test]
fn every_acknowledged_push_survives_sigkill_and_the_chain_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    kill_server::prepare(&data).expect("prepared");
    let instructions = data.to_str().expect("utf-8").to_owned();
    let summary = kill_harness::run(
        20,
        &["kill_child", "--exact", "--nocapture", "--test-threads=1"],
        &instructions,
        |acknowledged| kill_server::check(&data, acknowledged),
    )
    .unwrap_or_else(|problem| panic!("{problem}"));
    assert_eq!(summary.kills, 20);
    assert!(summary.acknowledged > 0, "{summary:?}");
}
