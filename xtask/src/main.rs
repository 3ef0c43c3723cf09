//! `cargo xtask`: the developer commands `run`, `test` and `bench`, which set up a fresh machine,
//! build the UI and then run the app, every check, or the benchmarks. Std only, so it builds in
//! seconds.

mod bundle;
mod e2e;
mod postgres;
mod server_package;
mod setup;
mod steps;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use steps::{header, Failure, Outcome, Step};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [-- <app args>]   set up, build the UI, then run the app (e.g. -- --profile /tmp/p)
  test                  set up, build the UI, then run every check and test, stopping at the
                        first failure: fmt, clippy, cargo test (with the sync server's
                        PostgreSQL tests against a throwaway cluster), svelte-check, vitest,
                        end-to-end
  test fast             the same without the end-to-end tests (and without their tools)
  test e2e              set up, build the UI, then only the end-to-end tests
  bench                 the benchmarks (release build): the store's and the sync server's (on
                        SQLite and a throwaway PostgreSQL cluster), each figure beside a raw-SQL
                        reference, the server under 200 desks at once beside one desk alone,
                        then the UI's (launch, filter change) beside a bare Tauri
                        window, through WebDriver like the end-to-end tests
  bench ui              only the UI's benchmark
  bundle                set up, then build the desktop release packages (.deb and .rpm) with the
                        Tauri CLI and print their sizes against the budget
  bundle server         the sync server's .deb (release build, with cargo-deb; installs
                        cargo-deb when missing): target/holdfast-server-deb/
  test bundle           only the installed desktop package's tests (as root): build the packages,
                        install the .deb, drive /usr/bin/holdfast (smoke test, a signed update, a
                        forged one refused), remove it; and lint the release workflow (`test`
                        runs these last)

Setup installs missing Debian/Ubuntu packages with apt-get when run as root (otherwise it prints
the command to run; `test` adds the PostgreSQL server, `postgresql`), checks Node.js, runs npm ci in ui/ when needed, and for the end-to-end tests
installs tauri-driver. See README.md.";

enum Task {
    Run(Vec<OsString>),
    Test(Scope),
    /// Only the UI's benchmark when true.
    Bench(bool),
    Bundle,
    /// The sync server's .deb.
    BundleServer,
    Help,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Fast,
    E2eOnly,
    BundleOnly,
}

fn main() -> ExitCode {
    let task = match parse(std::env::args_os().skip(1).collect()) {
        Ok(task) => task,
        Err(problem) => {
            eprintln!("xtask: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = match task {
        Task::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Task::Run(app_args) => enter_workspace().and_then(|()| run(&app_args)),
        Task::Test(scope) => enter_workspace().and_then(|()| test(scope)),
        Task::Bench(ui_only) => enter_workspace().and_then(|()| bench(ui_only)),
        Task::Bundle => enter_workspace().and_then(|()| {
            setup::prepare(false, false)?;
            bundle::bundle()
        }),
        Task::BundleServer => enter_workspace().and_then(|()| server_package::bundle().map(drop)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nxtask: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: Vec<OsString>) -> Result<Task, String> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Err("no command given".into());
    };
    match command.to_str() {
        Some("run") => {
            let mut rest: Vec<OsString> = args.collect();
            if rest.first().is_some_and(|arg| arg == "--") {
                rest.remove(0);
            }
            Ok(Task::Run(rest))
        }
        Some("test") => {
            let scope = match args.next() {
                None => Scope::All,
                Some(arg) if arg == "fast" => Scope::Fast,
                Some(arg) if arg == "e2e" => Scope::E2eOnly,
                Some(arg) if arg == "bundle" => Scope::BundleOnly,
                Some(arg) => {
                    return Err(format!(
                        "unknown test selection \"{}\"",
                        arg.to_string_lossy()
                    ))
                }
            };
            if let Some(extra) = args.next() {
                return Err(format!(
                    "unexpected argument \"{}\"",
                    extra.to_string_lossy()
                ));
            }
            Ok(Task::Test(scope))
        }
        Some("bench") => {
            let ui_only = match args.next() {
                None => false,
                Some(arg) if arg == "ui" => true,
                Some(arg) => {
                    return Err(format!(
                        "unknown bench selection \"{}\"",
                        arg.to_string_lossy()
                    ))
                }
            };
            if let Some(extra) = args.next() {
                return Err(format!(
                    "unexpected argument \"{}\"",
                    extra.to_string_lossy()
                ));
            }
            Ok(Task::Bench(ui_only))
        }
        Some("bundle") => match (args.next(), args.next()) {
            (None, _) => Ok(Task::Bundle),
            (Some(what), None) if what == "server" => Ok(Task::BundleServer),
            (Some(what), None) => Err(format!("unknown bundle \"{}\"", what.to_string_lossy())),
            (Some(_), Some(extra)) => Err(format!(
                "unexpected argument \"{}\"",
                extra.to_string_lossy()
            )),
        },
        Some("help" | "-h" | "--help") => Ok(Task::Help),
        _ => Err(format!("unknown command \"{}\"", command.to_string_lossy())),
    }
}

/// Every step runs from the workspace root, the parent of this package's folder.
fn enter_workspace() -> Outcome {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Failure::new("the workspace root (the parent of xtask/) cannot be found"))?;
    std::env::set_current_dir(&root).map_err(|error| {
        Failure::new(format!(
            "cannot enter the workspace root {}: {error}",
            root.display()
        ))
    })
}

fn build_ui() -> Outcome {
    Step::npm(&["run", "build"]).run()
}

fn run(app_args: &[OsString]) -> Outcome {
    setup::prepare(false, false)?;
    build_ui()?;
    Step::cargo(&["run", "-p", "holdfast", "--"])
        .args(app_args)
        .run()
}

/// The benchmarks print their own figures and ratios; they are not tests and never fail on speed.
/// The UI bench drives the release build through WebDriver, in the end-to-end tests' environment.
fn bench(ui_only: bool) -> Outcome {
    let linux = cfg!(target_os = "linux");
    let prepared = setup::prepare(linux, !ui_only)?;
    if ui_only {
        if !linux {
            return Err(Failure::new("the UI bench runs on Linux only"));
        }
        build_ui()?;
        return e2e::bench(prepared.tauri_driver_dir.as_deref());
    }
    Step::cargo(&["bench", "-p", "holdfast-store", "--bench", "engine"]).run()?;
    // Issue 13: what is due for one person over 100k cases and 300k tasks.
    Step::cargo(&["bench", "-p", "holdfast-store", "--bench", "due"]).run()?;
    // Issue 13: the reminder scheduler's idle cost, beside a loop that looks every second (the
    // app's crate embeds the built UI).
    build_ui()?;
    Step::cargo(&["bench", "-p", "holdfast", "--bench", "reminders"]).run()?;
    // Issue 16: mail delivery through the outbox to a loopback SMTP server, beside lettre directly.
    Step::cargo(&["bench", "-p", "holdfast", "--bench", "mail"]).run()?;
    // Issue 14: the Reports screen's figures over 100k cases and 12 months.
    Step::cargo(&["bench", "-p", "holdfast-store", "--bench", "reports"]).run()?;
    Step::cargo(&["bench", "-p", "holdfast-store", "--bench", "import"]).run()?;
    // Issue 12: the desk's store and the server's SQLite store, each killed 1,000 times.
    Step::cargo(&["bench", "-p", "holdfast-store", "--bench", "kill"]).run()?;
    Step::cargo(&["bench", "-p", "holdfast-server", "--bench", "kill"]).run()?;
    // The sync bench needs both figures, SQLite and PostgreSQL (it fails without the URL), the
    // latter on a throwaway cluster that is removed when `cluster` is dropped.
    let cluster = postgres::Cluster::start(setup::is_root())?;
    Step::cargo(&[
        "bench",
        "-p",
        "holdfast-server",
        "--bench",
        "sync",
        "--",
        "--require-postgres",
    ])
    .env("HOLDFAST_BENCH_POSTGRES_URL", cluster.url())
    .run()?;
    // Issue 16: webhook delivery throughput through the server's queue, beside direct POSTs.
    Step::cargo(&[
        "bench",
        "-p",
        "holdfast-server",
        "--bench",
        "heads_ups",
        "--",
        "--require-postgres",
    ])
    .env("HOLDFAST_BENCH_POSTGRES_URL", cluster.url())
    .run()?;
    // The load test: 200 desks pushing and pulling at once, on both backends.
    Step::cargo(&[
        "bench",
        "-p",
        "holdfast-server",
        "--bench",
        "load",
        "--",
        "--require-postgres",
    ])
    .env("HOLDFAST_BENCH_POSTGRES_URL", cluster.url())
    .run()?;
    drop(cluster);
    if linux {
        build_ui()?;
        e2e::bench(prepared.tauri_driver_dir.as_deref())?;
    } else {
        header("skipping the UI bench: it drives the app through WebDriver, on Linux only");
    }
    header("benchmarks done");
    Ok(())
}

fn test(scope: Scope) -> Outcome {
    let linux = cfg!(target_os = "linux");
    if matches!(scope, Scope::E2eOnly | Scope::BundleOnly) && !linux {
        return Err(Failure::new(
            "the end-to-end and package tests run on Linux only",
        ));
    }
    let e2e = linux && scope != Scope::Fast;

    let postgres = matches!(scope, Scope::All | Scope::Fast);
    let prepared = setup::prepare(e2e, postgres)?;
    build_ui()?;
    if postgres {
        Step::cargo(&["fmt", "--all", "--check"]).run()?;
        Step::cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ])
        .run()?;
        // Issue 15: the server's Containerfile linted, and its .deb built (release) for the
        // package test, which installs it (as root, on Debian/Ubuntu: CI runs so).
        if cfg!(unix) {
            server_package::lint_containerfile()?;
        } else {
            header(
                "skipping the Containerfile's lint: hadolint is installed on Linux and macOS only",
            );
        }
        let mut features = String::from("holdfast-server/postgres-tests");
        let deb = if server_package::can_test_package() {
            server_package::prepare_package_test()?;
            features.push(',');
            features.push_str(server_package::TEST_FEATURE);
            Some(server_package::bundle()?)
        } else {
            header(
                "skipping the server's package test: it installs the .deb with apt-get, as root \
                 on Debian/Ubuntu (CI runs it)",
            );
            None
        };
        // The sync server's PostgreSQL tests (built with its `postgres-tests` feature) run with
        // the rest, against a throwaway cluster that is stopped and deleted when `cluster` is
        // dropped, whether the tests pass or not.
        let cluster = postgres::Cluster::start(setup::is_root())?;
        let mut tests = Step::cargo(&["test", "--workspace", "--features", &features])
            .env(postgres::URL_VAR, cluster.url());
        if let Some(deb) = &deb {
            tests = tests.env(server_package::DEB_VAR, deb);
        }
        tests.run()?;
        drop(cluster);
        Step::npm(&["run", "check"]).run()?;
        Step::npm(&["test"]).run()?;
    }
    if e2e && scope != Scope::BundleOnly {
        e2e::run(prepared.tauri_driver_dir.as_deref())?;
    } else if scope == Scope::All {
        header("skipping the end-to-end tests: they run on Linux only");
    }
    if linux && matches!(scope, Scope::All | Scope::BundleOnly) {
        bundle::test(prepared.tauri_driver_dir.as_deref())?;
    } else if scope == Scope::All {
        header("skipping the package tests: they run on Linux only");
    }
    header("all steps passed");
    Ok(())
}
