//! The mail loop against a real SMTP server on loopback (Debian's python3-aiosmtpd, started by
//! each test from `tests/smtp/server.py`, which `cargo xtask test` installs): a message arrives
//! with its headers and body and is recorded on its case once; a refused recipient is final and
//! shown on the case in words; a dropped connection is retried and the message goes once; a
//! message queued while the server is down survives a restart and goes once the server is up.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::outbox::FailureKind;
use holdfast_core::policy::MessageKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::{CaseCommand, CaseEvent, EmailReceipt};
use holdfast_store::mail::{MailSecurity, MailSettings, OutboxDraft, OutboxEntry, OutboxState};
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, DatabaseKey};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::{deliver_due, recover, send_test, Attempt, MailRuntime};
use crate::database::SharedDatabase;
use crate::secrets::memory::MemoryVault;
use crate::secrets::SecretVault;

const INTELLISERVE: &str = include_str!("../../policies/intelliserve.toml");

/// The SMTP server: Debian's python3-aiosmtpd under the system's Python.
pub struct SmtpServer {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl SmtpServer {
    /// Starts the server keeping its messages in `dir`, on `port` (0: a free one), and waits
    /// until it accepts connections.
    pub fn start(dir: &Path, port: u16) -> SmtpServer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let _ = std::fs::remove_file(dir.join("port"));
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--dir")
            .arg(dir)
            .arg("--port")
            .arg(port.to_string())
            .spawn()
            .expect("python3 runs (apt-get install python3-aiosmtpd)");
        let port_file = dir.join("port");
        loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                let port = port.trim().parse().unwrap();
                return SmtpServer {
                    child,
                    dir: dir.to_owned(),
                    port,
                };
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the SMTP server stopped: {status} (is python3-aiosmtpd installed?)");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The messages it took, in order: (recipients, the data as received).
    pub fn messages(&self) -> Vec<(String, String)> {
        messages_in(&self.dir)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn messages_in(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for n in 1.. {
        let Ok(data) = std::fs::read_to_string(dir.join(format!("{n}.eml"))) else {
            break;
        };
        let rcpt = std::fs::read_to_string(dir.join(format!("{n}.rcpt"))).unwrap();
        found.push((rcpt.trim().to_owned(), data));
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn settings(port: u16) -> MailSettings {
    MailSettings {
        host: "127.0.0.1".into(),
        port,
        security: MailSecurity::Plain,
        username: None,
        from_address: "desk@holdfast.example".into(),
        from_name: Some("Acme Support".into()),
    }
}

/// A profile on the IntelliServe preset with one case for the customer at `email`.
struct Desk {
    dir: tempfile::TempDir,
    key: DatabaseKey,
    case_id: Uuid,
}

impl Desk {
    fn new(email: &str, port: u16) -> (Desk, Database) {
        let dir = tempfile::tempdir().unwrap();
        let key = DatabaseKey::generate().unwrap();
        let mut db = Database::open(&dir.path().join("holdfast.db"), &key).unwrap();
        let policy = db.set_policy(INTELLISERVE).unwrap();
        let user = db
            .set_local_user(
                &LocalUserChange {
                    name: "Mia Manager".into(),
                    roles: vec![Role::Manager],
                },
                Timestamp::now(),
            )
            .unwrap();
        let usd = Currency::parse("USD").unwrap();
        let account = AccountDraft {
            external_id: "A-1".into(),
            name: "Acme".into(),
            contact_name: Some("Ana Silva".into()),
            email: Some(email.into()),
            phone: None,
            preferred_channel: PreferredChannel::Email,
            tier: "Professional".into(),
            hosting_server: None,
            plan: None,
            mrr: Money::new(10_000, usd),
            customer_since: None,
            total_collected: Money::new(100_000, usd),
            accounts_receivable: Some(Money::new(0, usd)),
            original_sales_rep: None,
            unpaid_invoices: 0,
            plan_price: None,
            billing_period_start: None,
            billing_period_end: None,
            account_manager: None,
        };
        db.import_accounts(&[account], Timestamp::now()).unwrap();
        let case_id = Uuid::now_v7();
        db.run_case_command(
            case_id,
            &CaseCommand::Receive {
                case_id,
                account_id: holdfast_core::account::account_id("A-1"),
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: email.into(),
                received_at: None,
            },
            &user.actor(),
            &policy,
            Timestamp::now(),
        )
        .unwrap();
        db.set_mail_settings(&settings(port)).unwrap();
        (Desk { dir, key, case_id }, db)
    }

    /// The profile opened again, as after a restart.
    fn open(&self) -> Database {
        Database::open(&self.dir.path().join("holdfast.db"), &self.key).unwrap()
    }
}

fn shared(db: Database) -> SharedDatabase {
    SharedDatabase::open_in_background(move || crate::session::Opened {
        database: Some(db),
        status: crate::session::SessionStatus::NeedsPassphrase,
    })
}

fn runtime() -> MailRuntime {
    MailRuntime::new(MemoryVault::default().entry("mail-password:test"))
}

fn queue(db: &mut Database, case_id: Uuid) -> OutboxEntry {
    let policy = db.policy().unwrap().unwrap();
    db.queue_email(
        &OutboxDraft {
            case_id,
            kind: MessageKind::Acknowledgement,
            subject: "Your IntelliServe cancellation".into(),
            body: "Hi Ana,\n\nwe received your request. Ünïcode stays.\n\nMia".into(),
        },
        &policy,
        Timestamp::now(),
    )
    .unwrap()
}

/// The receipts the case records, in order.
async fn recorded(database: &SharedDatabase, case_id: Uuid) -> Vec<EmailReceipt> {
    database
        .with_database(move |db| {
            Ok(db
                .events_of(case_id)?
                .iter()
                .filter_map(|recorded| match recorded.event.case_event().unwrap() {
                    CaseEvent::MessageSent { email, .. } => email,
                    _ => None,
                })
                .collect())
        })
        .await
        .unwrap()
}

async fn outbox(database: &SharedDatabase, case_id: Uuid) -> Vec<OutboxEntry> {
    database
        .with_database(move |db| Ok(db.case_outbox(case_id)?))
        .await
        .unwrap()
}

fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    let head = data.split("\r\n\r\n").next().unwrap();
    head.split("\r\n")
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_message_arrives_with_its_headers_and_body_and_is_recorded_on_its_case_once() {
    let mail = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(mail.path(), 0);
    let (desk, mut db) = Desk::new("ana@acme.example", server.port);
    let entry = queue(&mut db, desk.case_id);
    let database = shared(db);
    let runtime = runtime();

    let attempts = deliver_due(&database, &runtime, Timestamp::now())
        .await
        .unwrap();
    assert!(
        matches!(&attempts[..], [(_, Attempt::Sent(_))]),
        "{attempts:?}"
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let (rcpt, data) = &messages[0];
    assert_eq!(rcpt, "ana@acme.example");
    assert_eq!(
        header(data, "From"),
        Some("\"Acme Support\" <desk@holdfast.example>")
    );
    assert_eq!(header(data, "To"), Some("ana@acme.example"));
    assert_eq!(
        header(data, "Subject"),
        Some("Your IntelliServe cancellation")
    );
    assert_eq!(header(data, "Message-ID"), Some(entry.message_id.as_str()));
    let date = header(data, "Date").expect("a Date header");
    assert!(date.ends_with("+0000"), "{date}");
    assert_eq!(
        header(data, "Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    // The body, decoded as a mail reader would (quoted-printable or base64 for non-ASCII).
    let body = decode_body(data);
    assert_eq!(
        body,
        "Hi Ana,\r\n\r\nwe received your request. Ünïcode stays.\r\n\r\nMia"
    );

    // Recorded on the case with the server's receipt; nothing left waiting.
    assert_eq!(
        recorded(&database, desk.case_id).await,
        [EmailReceipt {
            message_id: entry.message_id.clone(),
            server_reply: "250 2.0.0 Ok: queued as 1".into(),
        }]
    );
    assert!(outbox(&database, desk.case_id).await.is_empty());
    // Another look sends nothing again.
    let later = Timestamp::now() + SignedDuration::from_hours(1);
    assert!(deliver_due(&database, &runtime, later)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(server.messages().len(), 1);
    server.stop();
}

/// The body of a single-part message as text: lettre picks 7bit, quoted-printable or base64.
fn decode_body(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    let encoding = head
        .split("\r\n")
        .find_map(|line| line.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit");
    match encoding {
        "base64" => {
            let joined: String = body.split("\r\n").collect();
            String::from_utf8(base64_decode(&joined)).unwrap()
        }
        "quoted-printable" => {
            let mut bytes = Vec::new();
            let text = body.replace("=\r\n", "");
            let raw = text.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                if raw[i] == b'=' && i + 2 < raw.len() {
                    let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    bytes.push(raw[i]);
                    i += 1;
                }
            }
            String::from_utf8(bytes)
                .unwrap()
                .trim_end_matches("\r\n")
                .to_owned()
        }
        _ => body.trim_end_matches("\r\n").to_owned(),
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|byte| *byte != b'=') {
        let value = ALPHABET.iter().position(|c| *c == byte).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_recipient_is_final_and_shown_on_the_case_in_words() {
    let mail = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(mail.path(), 0);
    let (desk, mut db) = Desk::new("refuse.me@acme.example", server.port);
    let entry = queue(&mut db, desk.case_id);
    let database = shared(db);
    let runtime = runtime();

    let attempts = deliver_due(&database, &runtime, Timestamp::now())
        .await
        .unwrap();
    assert!(
        matches!(&attempts[..], [(_, Attempt::Failed(failure))] if failure.kind == FailureKind::Permanent),
        "{attempts:?}"
    );
    let shown = outbox(&database, desk.case_id).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].id, shown[0].state),
        (entry.id, OutboxState::Failed)
    );
    let problem = shown[0].problem.as_deref().unwrap();
    assert!(
        problem.starts_with("The mail server refused the message"),
        "{problem}"
    );
    assert!(problem.contains("Recipient address rejected"), "{problem}");
    // Never tried again, and the case records no send.
    let later = Timestamp::now() + SignedDuration::from_hours(2);
    assert!(deliver_due(&database, &runtime, later)
        .await
        .unwrap()
        .is_empty());
    assert!(recorded(&database, desk.case_id).await.is_empty());
    assert!(server.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_is_shown_retried_later_and_the_message_goes_once() {
    let mail = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(mail.path(), 0);
    let (desk, mut db) = Desk::new("ana@acme.example", server.port);
    let entry = queue(&mut db, desk.case_id);
    let database = shared(db);
    let runtime = runtime();
    std::fs::write(mail.path().join("drop-next"), "").unwrap();

    let now = Timestamp::now();
    let attempts = deliver_due(&database, &runtime, now).await.unwrap();
    assert!(
        matches!(&attempts[..], [(_, Attempt::Failed(failure))] if failure.kind == FailureKind::Temporary),
        "{attempts:?}"
    );
    let shown = outbox(&database, desk.case_id).await;
    assert_eq!(shown[0].state, OutboxState::Queued);
    assert!(
        shown[0]
            .problem
            .as_deref()
            .unwrap()
            .starts_with("The mail server could not be reached, or it dropped the connection"),
        "{:?}",
        shown[0].problem
    );
    // Not before its retry is due; then once.
    assert!(deliver_due(&database, &runtime, now)
        .await
        .unwrap()
        .is_empty());
    let retry = shown[0].next_attempt_at;
    let attempts = deliver_due(&database, &runtime, retry).await.unwrap();
    assert!(
        matches!(&attempts[..], [(_, Attempt::Sent(_))]),
        "{attempts:?}"
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        header(&messages[0].1, "Message-ID"),
        Some(entry.message_id.as_str())
    );
    assert_eq!(recorded(&database, desk.case_id).await.len(), 1);
    assert!(outbox(&database, desk.case_id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_queued_while_the_server_is_down_survives_a_restart_and_goes_once_it_is_up() {
    let mail = tempfile::tempdir().unwrap();
    let port = free_port();
    let (desk, mut db) = Desk::new("ana@acme.example", port);
    let entry = queue(&mut db, desk.case_id);
    let database = shared(db);
    let runtime = runtime();

    // No server: the attempt fails, in words, and waits.
    let now = Timestamp::now();
    let attempts = deliver_due(&database, &runtime, now).await.unwrap();
    assert!(
        matches!(&attempts[..], [(_, Attempt::Failed(failure))] if failure.kind == FailureKind::Temporary),
        "{attempts:?}"
    );
    let retry = outbox(&database, desk.case_id).await[0].next_attempt_at;
    drop(database);

    // Holdfast restarts, and the mail server comes up.
    let database = shared(desk.open());
    assert_eq!(recover(&database).await.unwrap(), 0);
    let server = SmtpServer::start(mail.path(), port);
    let attempts = deliver_due(&database, &runtime, retry).await.unwrap();
    assert!(
        matches!(&attempts[..], [(_, Attempt::Sent(_))]),
        "{attempts:?}"
    );
    let later = retry + SignedDuration::from_hours(1);
    assert!(deliver_due(&database, &runtime, later)
        .await
        .unwrap()
        .is_empty());
    drop(database);
    let database = shared(desk.open());
    assert_eq!(recover(&database).await.unwrap(), 0);
    assert!(deliver_due(&database, &runtime, later)
        .await
        .unwrap()
        .is_empty());
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "sent once");
    assert_eq!(
        header(&messages[0].1, "Message-ID"),
        Some(entry.message_id.as_str())
    );
    assert_eq!(recorded(&database, desk.case_id).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_test_message_from_settings_arrives_and_an_unreachable_server_is_said_in_words() {
    let mail = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(mail.path(), 0);
    let receipt = send_test(&settings(server.port), None, "mia@acme.example")
        .await
        .unwrap();
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].0, "mia@acme.example");
    assert_eq!(
        header(&messages[0].1, "Subject"),
        Some("Holdfast test message")
    );
    assert_eq!(
        header(&messages[0].1, "Message-ID"),
        Some(receipt.message_id.as_str())
    );
    server.stop();

    let down = send_test(&settings(free_port()), None, "mia@acme.example")
        .await
        .unwrap_err();
    assert_eq!(down.kind, FailureKind::Temporary);
    assert!(
        down.words
            .starts_with("The mail server could not be reached"),
        "{}",
        down.words
    );
    // A user name without a saved password is said, not tried.
    let signed_in = MailSettings {
        username: Some("mia".into()),
        ..settings(free_port())
    };
    let missing = send_test(&signed_in, None, "mia@acme.example")
        .await
        .unwrap_err();
    assert!(
        missing.words.contains("password is not saved"),
        "{}",
        missing.words
    );
}
