//! Mail delivery throughput (issue 16): 200 messages through the outbox (queued, then sent by the
//! mail loop's `deliver_due`, each recorded on its case and marked sent) to a real SMTP server on
//! loopback (tests/smtp/server.py on Debian's aiosmtpd), beside a reference measured in the same
//! run: lettre sending the same 200 messages straight to the same server, with no outbox and no
//! record. Both open one connection per message. Prints messages per second of each and the ratio.

use std::path::Path;
use std::process::{Child, Command};
use std::time::Instant;

use holdfast_app::database::SharedDatabase;
use holdfast_app::mail::{deliver_due, Attempt, MailRuntime, Mailer};
use holdfast_app::secrets::SecretError;
use holdfast_app::session::{Opened, SessionStatus};
use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::MessageKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_store::mail::{MailSecurity, MailSettings, OutboxDraft};
use holdfast_store::settings::LocalUserChange;
use holdfast_store::{Database, DatabaseKey};
use jiff::Timestamp;
use uuid::Uuid;

const MESSAGES: usize = 200;
const BODY: &str = "Hi Ana,\n\nThank you for reaching out about your IntelliServe account. We value your business and appreciate the opportunity to address your cancellation request.\n\nBest regards,\nSam";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(dir: &Path) -> Result<(Server, u16), Box<dyn std::error::Error>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
    let child = Command::new("/usr/bin/python3")
        .arg(script)
        .arg("--dir")
        .arg(dir)
        .spawn()?;
    let mut server = Server(child);
    loop {
        if let Ok(port) = std::fs::read_to_string(dir.join("port")) {
            return Ok((server, port.trim().parse()?));
        }
        if let Some(status) = server.0.try_wait()? {
            return Err(format!(
                "the SMTP server stopped: {status} (apt-get install python3-aiosmtpd)"
            )
            .into());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
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

/// A desk used by Sam on IntelliServe with `MESSAGES` cases, each with a message queued.
fn desk(dir: &Path, port: u16) -> Result<Database, Box<dyn std::error::Error>> {
    let key = DatabaseKey::generate()?;
    let mut db = Database::open(&dir.join("holdfast.db"), &key)?;
    let now = Timestamp::now();
    let usd = Currency::parse("USD")?;
    let policy = db.set_policy(include_str!("../policies/intelliserve.toml"))?;
    db.set_local_user(
        &LocalUserChange {
            name: "sam".into(),
            roles: vec![Role::AccountManager],
        },
        now,
    )?;
    let drafts: Vec<AccountDraft> = (0..MESSAGES)
        .map(|n| AccountDraft {
            external_id: format!("A-{n}"),
            name: format!("Acme {n}"),
            contact_name: Some("Ana Silva".into()),
            email: Some(format!("ana{n}@acme.example")),
            phone: None,
            preferred_channel: PreferredChannel::Email,
            tier: "Professional".into(),
            hosting_server: None,
            plan: None,
            mrr: Money::new(31_000, usd),
            customer_since: None,
            total_collected: Money::new(0, usd),
            accounts_receivable: Some(Money::new(0, usd)),
            original_sales_rep: None,
            unpaid_invoices: 0,
            plan_price: None,
            billing_period_start: None,
            billing_period_end: None,
            account_manager: None,
        })
        .collect();
    db.import_accounts(&drafts, now)?;
    db.set_mail_settings(&settings(port))?;
    let me = db.acting_user()?.ok_or("sam uses the desk")?;
    for n in 0..MESSAGES {
        let case_id = Uuid::now_v7();
        db.run_case_command(
            case_id,
            &CaseCommand::Receive {
                case_id,
                account_id: holdfast_core::account::account_id(&format!("A-{n}")),
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: format!("ana{n}@acme.example"),
                received_at: None,
            },
            &me,
            &policy,
            now,
        )?;
        db.queue_email(
            &OutboxDraft {
                case_id,
                kind: MessageKind::Acknowledgement,
                subject: "Your IntelliServe cancellation request".into(),
                body: BODY.into(),
            },
            &policy,
            now,
        )?;
    }
    Ok(db)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mail = tempfile::tempdir()?;
    let (_server, port) = start_server(mail.path())?;
    let dir = tempfile::tempdir()?;
    let db = desk(dir.path(), port)?;
    let profile_dir = dir.path().display().to_string();
    let database = SharedDatabase::open_in_background(move || Opened {
        database: Some(db),
        status: SessionStatus::Unlocked { profile_dir },
    });
    let runtime = MailRuntime::new(Err(SecretError::Unavailable("no password needed".into())));

    tauri::async_runtime::block_on(async {
        database.started().await;
        // The outbox: claim, send, record on the case, mark sent, for each message.
        let started = Instant::now();
        let attempts = deliver_due(&database, &runtime, Timestamp::now()).await?;
        let outbox = started.elapsed();
        let sent = attempts
            .iter()
            .filter(|(_, attempt)| matches!(attempt, Attempt::Sent(_)))
            .count();
        if sent != MESSAGES {
            return Err(format!("the outbox sent {sent} of {MESSAGES}").into());
        }

        // The reference: lettre straight to the same server.
        let mailer = Mailer::new(&settings(port), None).map_err(|failure| failure.words)?;
        let started = Instant::now();
        for n in 0..MESSAGES {
            mailer
                .send(
                    &format!("ana{n}@acme.example"),
                    "Your IntelliServe cancellation request",
                    BODY,
                    &format!("<ref-{n}-{}@holdfast.example>", Uuid::now_v7().simple()),
                )
                .await
                .map_err(|failure| failure.words)?;
        }
        let direct = started.elapsed();

        let rate = |elapsed: std::time::Duration| MESSAGES as f64 / elapsed.as_secs_f64();
        println!("mail delivery to a loopback SMTP server (aiosmtpd), {MESSAGES} messages, one connection each");
        println!(
            "  through the outbox (claim, send, record on the case, mark sent): {:>8.1} messages/s ({:.0} ms)",
            rate(outbox),
            outbox.as_secs_f64() * 1000.0
        );
        println!(
            "  reference, lettre directly (no outbox, no record):              {:>8.1} messages/s ({:.0} ms)",
            rate(direct),
            direct.as_secs_f64() * 1000.0
        );
        println!(
            "  ratio (outbox time / reference time): {:.2}",
            outbox.as_secs_f64() / direct.as_secs_f64()
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
