//! Starting the app under tauri-driver with a fresh profile, finding controls by their role and
//! accessible name, and keeping a screenshot when a scenario fails.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub type Failure = Box<dyn std::error::Error + Send + Sync>;
pub type Outcome = Result<(), Failure>;
/// An element found on screen, or why not (what was looked for, and for how long).
pub type Found = Result<Element, Failure>;

/// Fails the scenario with a message (and so a screenshot) unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+).into());
        }
    };
}

const WAIT: Duration = Duration::from_secs(20);

/// Looks for an executable on PATH and in cargo's bin folder.
fn find_executable(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Everything the tests need from the machine; a missing piece fails the test with the fix.
fn require_environment() -> PathBuf {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the end-to-end tests with `cargo xtask test`, which starts Xvfb"
    );
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session (so no Secret Service): run the end-to-end tests with `cargo xtask test`"
    );
    assert!(
        find_executable("WebKitWebDriver").is_some(),
        "WebKitWebDriver is missing: install the Debian package webkit2gtk-driver (cargo xtask test does)"
    );
    find_executable("tauri-driver").expect(
        "tauri-driver is missing: `cargo install --locked tauri-driver` (cargo xtask test does)",
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("no free port on loopback")
}

/// The app the tests drive: the one this build made, or the installed one named by
/// `HOLDFAST_E2E_APP` (the bundle tests drive `/usr/bin/holdfast` from the installed `.deb`).
pub fn application() -> PathBuf {
    match std::env::var_os("HOLDFAST_E2E_APP") {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "HOLDFAST_E2E_APP names {}, which is not a file",
                path.display()
            );
            path
        }
        None => PathBuf::from(env!("CARGO_BIN_EXE_holdfast")),
    }
}

/// Where screenshots go: `target/e2e-screenshots/`, kept for review after the run.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("cannot create target/e2e-screenshots");
    dir
}

/// One running app: its driver process and the WebDriver session on its window.
pub struct App {
    driver: Child,
    pub client: Client,
}

impl App {
    /// Starts the built app with `profile` as its profile folder. The driver's ports are drawn
    /// free, but one can still be refused (a port a closed connection holds in TIME_WAIT, which
    /// WebKitWebDriver cannot bind): a driver that fails to give a session is stopped and the
    /// launch tried again on new ports.
    pub async fn launch(profile: &Path) -> App {
        Self::launch_with_env(profile, &[]).await
    }

    /// Starts the app as `launch` does, with these variables set in its environment (and its
    /// driver's), e.g. a HOME of the test's own.
    pub async fn launch_with_env(profile: &Path, env: &[(&str, &Path)]) -> App {
        const TRIES: usize = 3;
        for attempt in 1..=TRIES {
            match Self::try_launch(profile, env).await {
                Ok(app) => return app,
                Err(problem) if attempt < TRIES => {
                    eprintln!("e2e: launch {attempt} failed ({problem}); trying new ports");
                }
                Err(problem) => panic!("no WebDriver session with the app: {problem}"),
            }
        }
        unreachable!("the last try returns or panics")
    }

    async fn try_launch(profile: &Path, env: &[(&str, &Path)]) -> Result<App, String> {
        let tauri_driver = require_environment();
        let port = free_port();
        let native_port = free_port();
        let mut driver = Command::new(tauri_driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver did not start");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > WAIT {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(format!("tauri-driver did not listen on port {port}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({
            "browserName": "wry",
            "tauri:options": {
                "application": application(),
                "args": ["--profile", profile.display().to_string()],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        match ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => Ok(App { driver, client }),
            Err(error) => {
                let _ = driver.kill();
                let _ = driver.wait();
                Err(error.to_string())
            }
        }
    }

    /// Ends the session, which closes the app, and stops the driver.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    pub async fn screenshot(&self, name: &str) {
        match self.client.screenshot().await {
            Ok(png) => {
                let path = screenshot_dir().join(format!("{name}.png"));
                if let Err(error) = std::fs::write(&path, png) {
                    eprintln!("screenshot {} not saved: {error}", path.display());
                }
            }
            Err(error) => eprintln!("no screenshot for {name}: {error}"),
        }
    }

    /// Runs a scenario; on failure keeps a screenshot named after it, closes the app, and fails.
    pub async fn run_scenario<F>(self, name: &str, scenario: F) -> Option<App>
    where
        F: AsyncFnOnce(&App) -> Outcome,
    {
        match scenario(&self).await {
            Ok(()) => Some(self),
            Err(error) => {
                self.screenshot(&format!("FAILED-{name}")).await;
                self.quit().await;
                panic!("{name}: {error} ({error:?})");
            }
        }
    }

    /// Waits for the element at `xpath`; a failure names what was looked for.
    pub async fn wait_for(&self, xpath: &str) -> Found {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
            .map_err(|error| format!("{error}: nothing on screen matches {xpath}").into())
    }

    /// A button by its accessible name (aria-label or text).
    pub async fn button(&self, name: &str) -> Found {
        self.wait_for(&format!(
            "//button[@aria-label={q} or normalize-space(.)={q}]",
            q = xpath_literal(name)
        ))
        .await
    }

    /// Clicks the button named `name` once it is enabled: a button the previous step disabled
    /// while it ran would swallow the click, as it would a person's.
    pub async fn click(&self, name: &str) -> Outcome {
        let xpath = format!(
            "//button[(@aria-label={q} or normalize-space(.)={q}) and not(@disabled)]",
            q = xpath_literal(name)
        );
        let started = Instant::now();
        loop {
            // A list that re-renders between the find and the click (a refresh after a command
            // or a sync) replaces the button: find it again, as a person's eyes would.
            match self.wait_for(&xpath).await?.click().await {
                Err(error) if is_stale(&error) && started.elapsed() < WAIT => continue,
                outcome => return outcome.map(|_| ()).map_err(Into::into),
            }
        }
    }

    /// An input, select or textarea by the text of its label.
    pub async fn field(&self, label: &str) -> Found {
        self.wait_for(&format!(
            "//label[normalize-space(text()[1])={q}]/*[self::input or self::select or self::textarea]",
            q = xpath_literal(label)
        ))
        .await
    }

    /// A button by its accessible name, inside the element (a form, a list, a dialog) whose
    /// accessible name is `container`: for names that more than one step uses.
    pub async fn button_in(&self, container: &str, name: &str) -> Found {
        self.wait_for(&format!(
            "//*[@aria-label={c}]//button[@aria-label={q} or normalize-space(.)={q}]",
            c = xpath_literal(container),
            q = xpath_literal(name)
        ))
        .await
    }

    /// Any element by its accessible name (aria-label), e.g. a dialog or a status value.
    pub async fn named(&self, name: &str) -> Found {
        self.wait_for(&format!("//*[@aria-label={q}]", q = xpath_literal(name)))
            .await
    }

    /// The element the desk marks with `data-testid` (for a verdict whose text is the subject).
    pub async fn test_id(&self, id: &str) -> Found {
        self.wait_for(&format!("//*[@data-testid={q}]", q = xpath_literal(id)))
            .await
    }

    /// Resizes the window, e.g. to check the smallest layout the desk supports.
    pub async fn set_window_size(
        &self,
        width: u32,
        height: u32,
    ) -> Result<(), fantoccini::error::CmdError> {
        self.client.set_window_size(width, height).await
    }

    /// Presses `key` with Ctrl held, wherever the focus is, as a person presses a shortcut.
    pub async fn press_ctrl(&self, key: char) -> Result<(), fantoccini::error::CmdError> {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Control.into(),
            })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up {
                value: Key::Control.into(),
            });
        self.client.perform_actions(keys).await
    }

    /// Presses one key, wherever the focus is.
    pub async fn press(&self, key: Key) -> Result<(), fantoccini::error::CmdError> {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client.perform_actions(keys).await
    }

    /// A checkbox or radio button by the text of the label around it.
    pub async fn choice(&self, label: &str) -> Found {
        self.wait_for(&format!(
            "//label[normalize-space(.)={q}]/input[@type='checkbox' or @type='radio']",
            q = xpath_literal(label)
        ))
        .await
    }

    /// A checkbox or radio button by its label, inside the element (a form, a fieldset) whose
    /// accessible name is `container`: for labels that more than one form uses (role names).
    pub async fn choice_in(&self, container: &str, label: &str) -> Found {
        self.wait_for(&format!(
            "//*[@aria-label={c}]//label[normalize-space(.)={q}]/input[@type='checkbox' or @type='radio']",
            c = xpath_literal(container),
            q = xpath_literal(label)
        ))
        .await
    }

    /// A heading with exactly this text.
    pub async fn heading(&self, text: &str) -> Found {
        self.wait_for(&format!(
            "//*[self::h1 or self::h2][normalize-space(.)={q}]",
            q = xpath_literal(text)
        ))
        .await
    }

    /// An element with `role` (e.g. "status", "alert") whose text contains `text`.
    pub async fn role_with_text(&self, role: &str, text: &str) -> Found {
        self.wait_for(&format!(
            "//*[@role={r}][contains(normalize-space(.), {q})]",
            r = xpath_literal(role),
            q = xpath_literal(text)
        ))
        .await
    }

    /// A body row of the table named `table` that contains `text`.
    pub async fn row(&self, table: &str, text: &str) -> Found {
        let xpath = format!(
            "//table[@aria-label={t}]/tbody/tr[contains(normalize-space(.), {q})]",
            t = xpath_literal(table),
            q = xpath_literal(text)
        );
        // A virtualized list renders a row hidden until it is measured; a person sees it (and
        // reads its text) only once it is shown. A list refreshed meanwhile replaces its rows:
        // the row is then found again.
        let started = Instant::now();
        loop {
            let row = self.wait_for(&xpath).await?;
            match text_of(&row).await {
                Ok(shown) if !shown.is_empty() => return Ok(row),
                Err(error) if !is_stale(&error) => return Err(error.into()),
                _ => {}
            }
            if started.elapsed() > WAIT {
                return Err(format!("the {table} row with {text:?} is never shown").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The body rows of the table named `table`, once it has at least one.
    pub async fn rows(&self, table: &str) -> Result<Vec<Element>, Failure> {
        let xpath = format!(
            "//table[@aria-label={t}]/tbody/tr",
            t = xpath_literal(table)
        );
        self.wait_for(&xpath).await?;
        Ok(self.client.find_all(Locator::XPath(&xpath)).await?)
    }

    /// Waits until the table named `table` shows exactly `count` body rows, and returns them.
    pub async fn rows_exactly(&self, table: &str, count: usize) -> Result<Vec<Element>, Failure> {
        let xpath = format!(
            "//table[@aria-label={t}]/tbody/tr",
            t = xpath_literal(table)
        );
        let started = Instant::now();
        loop {
            let rows = self.client.find_all(Locator::XPath(&xpath)).await?;
            if rows.len() == count {
                return Ok(rows);
            }
            if started.elapsed() > WAIT {
                return Err(format!("{table} shows {} rows, expected {count}", rows.len()).into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// An item of the list named `list` that contains `text`.
    pub async fn list_item(&self, list: &str, text: &str) -> Found {
        self.wait_for(&format!(
            "//*[self::ol or self::ul][@aria-label={l}]/li[contains(normalize-space(.), {q})]",
            l = xpath_literal(list),
            q = xpath_literal(text)
        ))
        .await
    }

    /// Any element whose own text contains `text`.
    pub async fn text(&self, text: &str) -> Found {
        self.wait_for(&format!(
            "//*[contains(normalize-space(text()), {q})]",
            q = xpath_literal(text)
        ))
        .await
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// The text an element holds, cells joined by spaces (WebKitWebDriver's rendered text of a table
/// row can come back empty, so this reads the DOM).
/// Whether WebDriver refused because the element left the page (the UI re-rendered it).
pub fn is_stale(error: &fantoccini::error::CmdError) -> bool {
    matches!(
        error,
        fantoccini::error::CmdError::Standard(failure)
            if failure.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}

pub async fn text_of(element: &Element) -> Result<String, fantoccini::error::CmdError> {
    Ok(element
        .prop("innerText")
        .await?
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" "))
}

/// Quotes text for XPath 1.0, which has no escape character.
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
