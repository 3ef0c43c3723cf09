//! The desktop packages (issue 15): `cargo xtask bundle` builds the release `.deb` and `.rpm`
//! through the Tauri CLI (the npm `@tauri-apps/cli` pinned in ui/'s lockfile) and prints their
//! sizes against the budget; `cargo xtask test bundle` (part of `cargo xtask test`) builds the
//! packages with a throwaway updater key, installs the `.deb` with apt-get, drives the installed
//! `/usr/bin/holdfast` through the end-to-end harness (a smoke test, then a signed update served
//! from a local HTTP server and a forged one refused), removes the package, and lints the release
//! workflow. Linux (Debian/Ubuntu) only, as root for the install.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::steps::{header, Failure, Outcome, Step};

/// The `.deb` must stay under this (issue 15's size budget).
const DEB_BUDGET_BYTES: u64 = 15 * 1024 * 1024;
/// The Tauri CLI, as ui/'s `npm ci` installs it.
const TAURI_CLI: &str = "ui/node_modules/.bin/tauri";
/// Where the bundle tests keep their keys, packages and the files the update server serves.
const WORK: &str = "target/bundle-test";
/// The version the update test offers over the installed one.
const NEWER_VERSION: &str = "99.0.0";
/// The workflow linters, from PyPI, pinned.
const LINTERS: &[&str] = &["zizmor==1.33.1", "check-jsonschema==0.39.0"];

/// The packages one build made.
pub struct Packages {
    pub deb: PathBuf,
    pub rpm: PathBuf,
}

/// Builds the release `.deb` and `.rpm` with the repository's configuration (plus `config`, a
/// JSON file of overrides, when given), prints their sizes and checks the budget.
pub fn build(config: Option<&Path>) -> Outcome<Packages> {
    let mut step = Step::new(TAURI_CLI, &["build", "--ci", "--bundles", "deb,rpm"]);
    if let Some(config) = config {
        step = step.args(["--config".as_ref(), config.as_os_str()]);
    }
    step.run()?;
    let packages = Packages {
        deb: only_file("target/release/bundle/deb", ".deb")?,
        rpm: only_file("target/release/bundle/rpm", ".rpm")?,
    };
    header("the packages' sizes");
    for path in [&packages.deb, &packages.rpm] {
        let size = fs::metadata(path)
            .map_err(|error| Failure::new(format!("{}: {error}", path.display())))?
            .len();
        println!(
            "{:<48} {:>6.2} MiB",
            file_name(path),
            size as f64 / (1024.0 * 1024.0)
        );
    }
    let deb_size = fs::metadata(&packages.deb)
        .map_err(|error| Failure::new(error.to_string()))?
        .len();
    let verdict = if deb_size < DEB_BUDGET_BYTES {
        "within"
    } else {
        "OVER"
    };
    println!(
        "the .deb: {:.2} MiB, {verdict} the {} MiB budget",
        deb_size as f64 / (1024.0 * 1024.0),
        DEB_BUDGET_BYTES / (1024 * 1024)
    );
    if deb_size >= DEB_BUDGET_BYTES {
        return Err(Failure::new(format!(
            "the .deb is {deb_size} bytes, over the budget of {DEB_BUDGET_BYTES}"
        )));
    }
    Ok(packages)
}

/// The one file ending in `suffix` in `dir` (a build leaves one package per format; a stale one
/// from another version is removed before each build by `clean_bundles`).
fn only_file(dir: &str, suffix: &str) -> Outcome<PathBuf> {
    let found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|error| Failure::new(format!("{dir}: {error}")))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Failure::new(format!("the build left no {suffix} in {dir}"))),
        many => Err(Failure::new(format!(
            "the build left {} {suffix} files in {dir}; expected one",
            many.len()
        ))),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Removes the packages an earlier build left, so each build's are the only ones.
fn clean_bundles() -> Outcome {
    for dir in ["target/release/bundle/deb", "target/release/bundle/rpm"] {
        if Path::new(dir).exists() {
            fs::remove_dir_all(dir).map_err(|error| Failure::new(format!("{dir}: {error}")))?;
        }
    }
    Ok(())
}

/// A throwaway minisign key pair for the update test: `(private key file, public key text)`.
fn test_key(work: &Path, name: &str) -> Outcome<(PathBuf, String)> {
    let key = work.join(name);
    Step::new(
        TAURI_CLI,
        &["signer", "generate", "--ci", "--force", "-p", "", "-w"],
    )
    .args([key.as_os_str()])
    .run()?;
    let public = fs::read_to_string(key.with_extension("key.pub"))
        .or_else(|_| fs::read_to_string(format!("{}.pub", key.display())))
        .map_err(|error| Failure::new(format!("the public key of {}: {error}", key.display())))?;
    Ok((key, public.trim().to_owned()))
}

/// Signs `file` with `key`; the signature's text (what a release manifest carries).
fn sign(key: &Path, file: &Path) -> Outcome<String> {
    Step::new(TAURI_CLI, &["signer", "sign", "-p", "", "-f"])
        .args([key.as_os_str(), file.as_os_str()])
        .run()?;
    let signature = PathBuf::from(format!("{}.sig", file.display()));
    fs::read_to_string(&signature)
        .map(|text| text.trim().to_owned())
        .map_err(|error| Failure::new(format!("{}: {error}", signature.display())))
}

/// A free port for the update server, below Linux's ephemeral range (32768 and up): the port is
/// fixed when the package is built, minutes before the test listens on it, and a port from the
/// ephemeral range can meanwhile become the source port of one of the tests' own connections
/// (seen once: the listener's bind failed with "address in use").
fn free_port() -> Outcome<u16> {
    let start = 20_000 + (std::process::id() % 10_000) as u16;
    (start..32_000)
        .chain(20_000..start)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .ok_or_else(|| Failure::new("no free port on loopback between 20000 and 32000"))
}

fn write(path: &Path, text: &str) -> Outcome {
    fs::write(path, text).map_err(|error| Failure::new(format!("{}: {error}", path.display())))
}

/// A release manifest offering `version` as the `.deb` at `url` with `signature`.
fn manifest(version: &str, url: &str, signature: &str) -> String {
    format!(
        "{{\n  \"version\": \"{version}\",\n  \"notes\": \"Holdfast {version}: the update test's release.\",\n  \"pub_date\": \"2026-12-06T10:00:00Z\",\n  \"platforms\": {{\n    \"linux-x86_64-deb\": {{ \"signature\": \"{signature}\", \"url\": \"{url}\" }}\n  }}\n}}\n"
    )
}

/// The bundle tests (see the module's comment). `tauri_driver_dir` is where setup found
/// tauri-driver.
pub fn test(tauri_driver_dir: Option<&Path>) -> Outcome {
    if !crate::setup::is_root() {
        return Err(Failure::new(
            "the bundle tests install and remove the package with apt-get: run them as root",
        ));
    }
    lint_workflows()?;

    let work = PathBuf::from(WORK);
    if work.exists() {
        fs::remove_dir_all(&work).map_err(|error| Failure::new(format!("{WORK}: {error}")))?;
    }
    let serve = work.join("serve");
    fs::create_dir_all(&serve).map_err(|error| Failure::new(format!("{WORK}: {error}")))?;
    let work = fs::canonicalize(&work).map_err(|error| Failure::new(error.to_string()))?;
    let serve = work.join("serve");

    // The installed app trusts a key made for this run and asks a server on this machine; the
    // repository's configuration (the release key, the https release server) is left as it is.
    header("a throwaway updater key and a forger's key");
    let (key, public) = test_key(&work, "updater.key")?;
    let (forger, _) = test_key(&work, "forger.key")?;
    let port = free_port()?;
    let endpoint = format!("http://127.0.0.1:{port}/latest.json");
    let updater = format!(
        "\"updater\": {{ \"pubkey\": \"{public}\", \"endpoints\": [\"{endpoint}\"], \"dangerousInsecureTransportProtocol\": true }}"
    );
    let installed_config = work.join("installed.json");
    write(
        &installed_config,
        &format!("{{ \"plugins\": {{ {updater} }} }}\n"),
    )?;
    let newer_config = work.join("newer.json");
    write(
        &newer_config,
        &format!("{{ \"version\": \"{NEWER_VERSION}\", \"plugins\": {{ {updater} }} }}\n"),
    )?;

    header(&format!(
        "the newer version ({NEWER_VERSION}) the update server offers"
    ));
    clean_bundles()?;
    let newer = build(Some(&newer_config))?;
    let newer_deb = serve.join(file_name(&newer.deb));
    fs::copy(&newer.deb, &newer_deb).map_err(|error| Failure::new(error.to_string()))?;
    let signature = sign(&key, &newer_deb)?;
    let forged_deb = serve.join(format!("forged-{}", file_name(&newer.deb)));
    fs::copy(&newer.deb, &forged_deb).map_err(|error| Failure::new(error.to_string()))?;
    let forged_signature = sign(&forger, &forged_deb)?;
    let url = |path: &Path| format!("http://127.0.0.1:{port}/{}", file_name(path));
    write(
        &serve.join("latest-good.json"),
        &manifest(NEWER_VERSION, &url(&newer_deb), &signature),
    )?;
    write(
        &serve.join("latest-forged.json"),
        &manifest(NEWER_VERSION, &url(&forged_deb), &forged_signature),
    )?;

    header("the version to install");
    clean_bundles()?;
    let installed = build(Some(&installed_config))?;

    // Whatever the tests do, the package is removed afterwards (the update test removes it
    // itself when it gets that far).
    let outcome = install_and_drive(&installed, &serve, port, tauri_driver_dir);
    let removed = if crate::setup::is_installed("holdfast") {
        Step::new("apt-get", &["remove", "-y", "holdfast"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    } else {
        Ok(())
    };
    outcome.and(removed)
}

/// What the package put in place: the program, the desktop entry (which hands a `holdfast://`
/// link to the app) and the icons.
fn check_installed_files() -> Outcome {
    header("the installed files");
    let entry_path = "/usr/share/applications/Holdfast.desktop";
    let entry = fs::read_to_string(entry_path)
        .map_err(|error| Failure::new(format!("{entry_path}: {error}")))?;
    for line in [
        "Exec=holdfast %u",
        "MimeType=x-scheme-handler/holdfast",
        "Icon=holdfast",
        "Name=Holdfast",
    ] {
        if !entry.lines().any(|found| found.trim() == line) {
            return Err(Failure::new(format!(
                "{entry_path} has no line \"{line}\":\n{entry}"
            )));
        }
    }
    for path in [
        "/usr/bin/holdfast",
        "/usr/share/icons/hicolor/32x32/apps/holdfast.png",
        "/usr/share/icons/hicolor/128x128/apps/holdfast.png",
    ] {
        if !Path::new(path).is_file() {
            return Err(Failure::new(format!("the package put no {path}")));
        }
    }
    println!("{entry_path}, /usr/bin/holdfast and the icons are in place");
    Ok(())
}

fn install_and_drive(
    installed: &Packages,
    serve: &Path,
    port: u16,
    tauri_driver_dir: Option<&Path>,
) -> Outcome {
    let deb = fs::canonicalize(&installed.deb).map_err(|error| Failure::new(error.to_string()))?;
    // `./` keeps apt-get from reading the path as a package name; it resolves the dependencies.
    Step::new("apt-get", &["install", "-y", "--no-install-recommends"])
        .args([format!("{}", deb.display())])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    check_installed_files()?;
    // The updater installs the newer package through sudo when pkexec is not there (root here).
    crate::setup::ensure_packages(&["sudo"])?;
    crate::e2e::installed(
        tauri_driver_dir,
        &[
            ("HOLDFAST_E2E_APP", Path::new("/usr/bin/holdfast")),
            ("HOLDFAST_UPDATE_DIR", serve),
        ],
        port,
    )
}

/// The release workflow, checked by zizmor (GitHub Actions' security linter, offline) and against
/// GitHub's workflow schema (check-jsonschema), both from PyPI into a virtualenv under target/.
fn lint_workflows() -> Outcome {
    let venv = Path::new("target/lint-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        Step::new("python3", &["-m", "venv"])
            .args([venv.as_os_str()])
            .run()?;
    }
    Step::new(&python, &["-m", "pip", "install", "--quiet"])
        .args(LINTERS)
        .run()?;
    let workflow = ".github/workflows/release.yml";
    Step::new(venv.join("bin/zizmor"), &["--offline", workflow]).run()?;
    Step::new(
        venv.join("bin/check-jsonschema"),
        &["--builtin-schema", "vendor.github-workflows", workflow],
    )
    .run()
}

/// `cargo xtask bundle`: the packages with the repository's configuration.
pub fn bundle() -> Outcome {
    clean_bundles()?;
    let packages = build(None)?;
    header("the packages");
    println!("{}\n{}", packages.deb.display(), packages.rpm.display());
    Ok(())
}
