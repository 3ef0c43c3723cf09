//! The installed package (issue 15), driven through its window like the end-to-end tests:
//! `cargo xtask test bundle` builds the `.deb`, installs it with apt-get and runs these tests
//! against `/usr/bin/holdfast` (`HOLDFAST_E2E_APP`). The smoke test is the end-to-end suite's
//! import-and-case walk, run against the installed binary; `installed` adds the signed update
//! (and a forged one refused) and the package's removal. Without the installed package these tests
//! fail, saying so; they never skip.

// The end-to-end suite's own modules, shared: this suite uses part of each.
#[allow(dead_code)]
#[path = "../e2e/harness.rs"]
mod harness;
#[path = "../e2e/import_and_cases.rs"]
mod import_and_cases;
mod installed;
#[allow(dead_code)]
#[path = "../e2e/store_check.rs"]
mod store_check;
