//! Issue 16, e-mail that is really sent: Settings → E-mail filled in by keyboard (a real SMTP
//! server on loopback, tests/smtp/server.py on Debian's aiosmtpd), a test message sent from
//! Settings, then the 2017 SOP's sympathetic reply sent by e-mail from its case: it arrives at the
//! server with its headers and body, and the case records it with the server's Message-ID.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fantoccini::key::Key;

use crate::desk::open_case;
use crate::ensure;
use crate::harness::{App, Outcome};
use crate::import_and_cases::{import, set_up_profile_for, write_csv};
use crate::store_check::{only_event, stored_events, user_name};

const PROCEDURE: &str = "Account Cancellation and Refunds (2017)";

const ESSENTIALS_CSV: &str = "\
External ID,Name,Contact name,Email,Phone,Preferred channel,Tier,Hosting server,Plan,MRR,Currency,Customer since,Total collected,Accounts receivable,Original sales rep
E-1,Elm Street Bakery,Eli Park,eli@elmbakery.com,+1 555 010 3131,email,Essentials,server-2,Starter,29,USD,2024-02-01,348,0,
R-1,Rose Florist,Rosa Lind,refuse.rosa@rosefloral.example,+1 555 010 4242,email,Essentials,server-2,Starter,29,USD,2024-03-01,290,0,
";

/// Opens the account's case, routes it, and waits for the sympathetic reply to be drafted.
async fn drafted_reply(app: &App, search: &str, account: &str) -> Outcome {
    open_case(app, search, account).await?;
    app.click("Route case").await?;
    app.text("Sympathetic reply with the exit survey").await?;
    let started = Instant::now();
    loop {
        let body = app.field("Message").await?.prop("value").await?;
        if body.is_some_and(|body| !body.is_empty()) {
            return Ok(());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(20),
            "no reply was drafted after routing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The SMTP server, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
}

impl SmtpServer {
    fn start(dir: &Path) -> SmtpServer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--dir")
            .arg(dir)
            .spawn()
            .expect("python3 runs (apt-get install python3-aiosmtpd)");
        let started = Instant::now();
        loop {
            if let Ok(port) = std::fs::read_to_string(dir.join("port")) {
                return SmtpServer {
                    child,
                    port: port.trim().parse().expect("a port"),
                };
            }
            assert!(
                child.try_wait().expect("the server").is_none(),
                "the SMTP server stopped (is python3-aiosmtpd installed?)"
            );
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the SMTP server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `n`-th message the server took (from 1): its recipients and its data.
fn message(dir: &Path, n: usize) -> Option<(String, String)> {
    let data = std::fs::read_to_string(dir.join(format!("{n}.eml"))).ok()?;
    let rcpt = std::fs::read_to_string(dir.join(format!("{n}.rcpt"))).ok()?;
    Some((rcpt.trim().to_owned(), data))
}

fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    let head = data.split("\r\n\r\n").next()?;
    head.split("\r\n")
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

/// Types `text` into whatever has the focus, key by key.
async fn type_text(app: &App, text: &str) -> Outcome {
    app.client.active_element().await?.send_keys(text).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_set_up_in_settings_by_keyboard_sends_the_cases_message_to_the_mail_server() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let profile = workspace.path().join("profile");
    let mail = workspace.path().join("mail");
    std::fs::create_dir_all(&mail).expect("mail dir");
    let server = SmtpServer::start(&mail);
    let csv = write_csv(workspace.path(), "accounts.csv", ESSENTIALS_CSV);
    let port = server.port.to_string();

    let app = App::launch(&profile).await;
    let app = app
        .run_scenario("mail", async |app: &App| {
            set_up_profile_for(app, &["Account manager"], PROCEDURE).await?;
            import(app, &csv).await?;
            app.role_with_text("status", "Imported: 2 new").await?;

            // Settings → E-mail, by keyboard: the server, no encryption (it is on this
            // computer), its port, the sender; Enter saves.
            app.click("Settings").await?;
            app.heading("E-mail").await?;
            app.field("Mail server").await?.click().await?;
            type_text(app, "127.0.0.1").await?;
            app.press(Key::Tab).await?;
            // The security list: typing the option's first letter picks "None (…)".
            type_text(app, "N").await?;
            let security = app.field("Security").await?.prop("value").await?;
            ensure!(
                security.as_deref() == Some("plain"),
                "the keyboard picked no encryption: {security:?}"
            );
            app.press(Key::Tab).await?;
            app.press_ctrl('a').await?;
            type_text(app, &port).await?;
            // Past the user name and password: this server takes mail without signing in.
            app.press(Key::Tab).await?;
            app.press(Key::Tab).await?;
            app.press(Key::Tab).await?;
            type_text(app, "desk@elmbakery-support.example").await?;
            app.press(Key::Tab).await?;
            type_text(app, "Amy at Support").await?;
            app.press(Key::Enter).await?;
            app.role_with_text(
                "status",
                "Saved. Messages sent by e-mail go through this server.",
            )
            .await?;
            app.screenshot("mail-settings").await;

            // A test message to the sender's own address.
            app.click("Send a test message").await?;
            app.role_with_text("status", "Sent to desk@elmbakery-support.example.")
                .await?;
            let (to, data) = message(&mail, 1).ok_or("the test message did not arrive")?;
            ensure!(
                to == "desk@elmbakery-support.example",
                "test message to {to}"
            );
            ensure!(
                header(&data, "Subject") == Some("Holdfast test message"),
                "test message: {data}"
            );

            // The case: routing drafts the sympathetic reply; it goes by e-mail.
            drafted_reply(app, "elm", "Elm Street Bakery").await?;
            app.click("Send by e-mail").await?;
            app.role_with_text("status", "Queued to eli@elmbakery.com")
                .await?;
            // The mail loop sends it; the case shows the record with the server's receipt.
            app.list_item("Timeline", "sent through the mail server as")
                .await?;
            app.list_item("Timeline", "Acknowledged").await?;
            app.screenshot("mail-sent").await;

            // A recipient the server refuses: not sent, and the case says why, in words.
            drafted_reply(app, "rose", "Rose Florist").await?;
            app.click("Send by e-mail").await?;
            app.list_item("E-mail outbox", "Not sent.").await?;
            app.list_item("E-mail outbox", "Recipient address rejected")
                .await?;
            app.set_window_size(1024, 640).await?;
            app.client
                .execute(
                    "document.querySelector('[aria-label=\"E-mail outbox\"]').scrollIntoView({block: 'center'})",
                    vec![],
                )
                .await?;
            app.screenshot("mail-refused-1024").await;
            app.click("Settings").await?;
            app.heading("E-mail").await?;
            app.client
                .execute(
                    "document.getElementById('settings-mail').scrollIntoView()",
                    vec![],
                )
                .await?;
            app.screenshot("mail-settings-1024").await;
            // The sender's name changed and saved with the button; the next test message has it.
            let name = app.field("Sender name").await?;
            name.clear().await?;
            name.send_keys("Elm Street Support").await?;
            app.click("Save e-mail settings").await?;
            app.click("Send a test message").await?;
            let started = Instant::now();
            while message(&mail, 3).is_none() {
                ensure!(
                    started.elapsed() < Duration::from_secs(20),
                    "the second test message did not arrive"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let (_, data) = message(&mail, 3).ok_or("the second test message")?;
            ensure!(
                header(&data, "From")
                    == Some("\"Elm Street Support\" <desk@elmbakery-support.example>"),
                "the saved sender: {data}"
            );
            Ok(())
        })
        .await
        .expect("scenario passed");
    app.quit().await;

    let (to, data) = message(&mail, 2).expect("the reply arrived at the mail server");
    assert_eq!(to, "eli@elmbakery.com");
    assert_eq!(
        header(&data, "From"),
        Some("\"Amy at Support\" <desk@elmbakery-support.example>")
    );
    assert_eq!(header(&data, "To"), Some("eli@elmbakery.com"));
    assert_eq!(
        header(&data, "Subject"),
        Some("Your request to cancel your Elm Street Bakery account")
    );
    assert!(header(&data, "Date").is_some(), "{data}");
    assert!(
        data.contains("Hi Eli Park, we're sorry to see you go."),
        "the body as drafted: {data}"
    );
    // After it only the second test message: the reply went once, nothing to the refused one.
    let (to, _) = message(&mail, 3).expect("the second test message");
    assert_eq!(to, "desk@elmbakery-support.example");
    assert!(message(&mail, 4).is_none(), "sent once");
    let events = stored_events(&profile);
    let sent = only_event(&events, "message_sent");
    assert_eq!(sent.payload["message"], "sympathetic_reply", "{sent:?}");
    assert_eq!(sent.payload["channel"], "email", "{sent:?}");
    assert_eq!(
        sent.payload["email"]["message_id"].as_str(),
        header(&data, "Message-ID"),
        "{sent:?}"
    );
    assert_eq!(
        sent.payload["email"]["server_reply"], "250 2.0.0 Ok: queued as 2",
        "{sent:?}"
    );
    assert_eq!(user_name(&profile, &sent.actor_id), "Amy Account");
    only_event(&events, "acknowledged");
}
