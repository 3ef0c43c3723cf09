//! The step runner: every command a task runs is a `Step` that prints a `==> ...` header, runs with
//! the terminal's output, and on failure says which step it was. Also the quiet probes that setup
//! uses to ask whether a tool is there.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Why a task stopped; printed once by `main`, which then exits non-zero.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Outcome<T = ()> = Result<T, Failure>;

/// The cargo that is running xtask (cargo sets `CARGO` for `cargo run`), so every step uses the
/// same toolchain; plain `cargo` when xtask is started some other way.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// npm is a batch file on Windows, which `Command` does not find under its bare name.
pub fn npm_program() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

/// Prints a header line the same way steps do, for work that is not a single command.
pub fn header(text: &str) {
    println!("\n==> {text}");
    // A failed flush only garbles the order of output; it is not worth failing a step over.
    let _ = std::io::stdout().flush();
}

/// One command of a task.
pub struct Step {
    program: OsString,
    shown_program: String,
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    env: Vec<(String, Option<OsString>)>,
    title: Option<String>,
}

impl Step {
    pub fn new(program: impl Into<OsString>, args: &[&str]) -> Self {
        let program = program.into();
        let shown_program = Path::new(&program)
            .file_stem()
            .unwrap_or(program.as_os_str())
            .to_string_lossy()
            .into_owned();
        Step {
            program,
            shown_program,
            args: args.iter().map(OsString::from).collect(),
            dir: None,
            env: Vec::new(),
            title: None,
        }
    }

    pub fn cargo(args: &[&str]) -> Self {
        Step::new(cargo_program(), args)
    }

    /// An npm command run in `ui/`.
    pub fn npm(args: &[&str]) -> Self {
        Step::new(npm_program(), args).in_dir("ui")
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_os_string()));
        self
    }

    /// Runs in this folder, relative to the workspace root.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.env.push((key.to_owned(), Some(value.into())));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.push((key.to_owned(), None));
        self
    }

    /// Shows this in the header instead of the command line (for wrappers whose command line
    /// would say little, like a shell script).
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    fn describe(&self) -> String {
        if let Some(title) = &self.title {
            return title.clone();
        }
        let mut line = self.shown_program.clone();
        for arg in &self.args {
            line.push(' ');
            line.push_str(&quoted(&arg.to_string_lossy()));
        }
        if let Some(dir) = &self.dir {
            line.push_str(&format!(" (in {}/)", dir.display()));
        }
        line
    }

    pub fn run(self) -> Outcome {
        let description = self.describe();
        header(&description);
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        match command.status() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Failure::new(format!(
                "step failed: {description} ({status})"
            ))),
            Err(error) if error.kind() == ErrorKind::NotFound => Err(Failure::new(format!(
                "step failed: {description} ({} was not found on PATH)",
                self.shown_program
            ))),
            Err(error) => Err(Failure::new(format!(
                "step failed: {description} (it could not be started: {error})"
            ))),
        }
    }
}

/// Runs a command without showing its output, for checks; `None` when it cannot be started.
pub fn probe(program: impl AsRef<OsStr>, args: &[&str]) -> Option<Output> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
}

/// Whether a command can be started and exits successfully.
pub fn probe_ok(program: impl AsRef<OsStr>, args: &[&str]) -> bool {
    probe(program, args).is_some_and(|output| output.status.success())
}

/// An argument as a shell would need it, so a header can be pasted back into a terminal.
fn quoted(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,+@%".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}
