//! The first databases a process keys, keyed on several threads at once, all open. SQLite runs
//! SQLCipher's initialisation (`SQLITE_EXTRA_INIT`) after it has marked itself initialised and
//! let go of its init mutex, so a thread could key a connection while another was still
//! initialising SQLCipher and be refused ("An error occurred with PRAGMA key or rekey"): a CI
//! run failed on it. The window is a few microseconds at the start of a process, so the test
//! starts fresh processes, each keying from many threads at once, until one of them would have
//! been refused (about one process in seventy before the fix, on this 2-core machine).

use std::process::Command;
use std::sync::{Arc, Barrier};

use holdfast_store::{Database, DatabaseKey};

const CHILD_VAR: &str = "HOLDFAST_FIRST_OPEN_CHILD";
const THREADS: usize = 32;
const PROCESSES: usize = 300;

/// The child: keys the database named in `CHILD_VAR` from `THREADS` threads released together,
/// as the first thing this process does with SQLite; exits non-zero naming any refusal.
#[test]
fn first_open_child() {
    let Ok(instructions) = std::env::var(CHILD_VAR) else {
        return;
    };
    let (path, hex) = instructions.split_once('\n').unwrap();
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let path = std::path::PathBuf::from(path);
            let key = DatabaseKey::from_hex(hex).unwrap();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                Database::check_key(&path, &key).map_err(|e| e.to_string())
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .filter_map(|handle| handle.join().unwrap().err())
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn the_first_databases_keyed_at_once_on_several_threads_all_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holdfast.db");
    let key = DatabaseKey::generate().unwrap();
    drop(Database::open(&path, &key).unwrap());
    let instructions = format!("{}\n{}", path.display(), key.to_hex().as_str());
    let me = std::env::current_exe().unwrap();
    for process in 0..PROCESSES {
        let output = Command::new(&me)
            .args([
                "first_open_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_VAR, &instructions)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "process {process} of {PROCESSES}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
