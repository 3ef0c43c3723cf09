//! E-mail the desk sends itself over SMTP (issue 16): the mail server from Settings, its password
//! from the OS keyring, and the loop that empties the outbox (`holdfast_store::mail`). The loop
//! takes one due message at a time, hands it to the server with its stable Message-ID, and
//! records the send on the case with the server's reply (through the normal command path, so a
//! team profile syncs it like any other event); a failure is noted on the row in words, and
//! retried or given up by the core's rule (`holdfast_core::outbox`). It wakes when a message is
//! queued, when the next retry is due, and at least every minute. Nothing it logs names a
//! customer, an address, a message or a secret.

use std::sync::Arc;
use std::time::Duration;

use holdfast_core::outbox::FailureKind;
use holdfast_core::workflow::EmailReceipt;
use holdfast_store::mail::{MailSecurity, MailSettings, OutboxEntry};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::database::SharedDatabase;
use crate::error::AppError;
use crate::secrets::{SecretError, SecretStore};

/// How long one conversation with the mail server may stall before it counts as dropped.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The loop looks at least this often (a message queued by another path, a profile unlocked).
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// The mail loop's shared parts: the keyring entry of the server's password and the loop's
/// wake-up.
pub struct MailRuntime {
    password: Result<Arc<dyn SecretStore>, SecretError>,
    wake: Notify,
}

impl MailRuntime {
    pub fn new(password: Result<Arc<dyn SecretStore>, SecretError>) -> Self {
        MailRuntime {
            password,
            wake: Notify::new(),
        }
    }

    /// Tells the loop to look now (a message was queued, the settings changed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The mail server's password, if one is saved.
    pub fn password(&self) -> Result<Option<String>, AppError> {
        let entry = self.password.as_ref().map_err(keyring_error)?;
        entry.read().map_err(|error| keyring_error(&error))
    }

    /// Saves the password (or removes it, given none or an empty one).
    pub fn set_password(&self, password: Option<&str>) -> Result<(), AppError> {
        let entry = self.password.as_ref().map_err(keyring_error)?;
        match password.filter(|password| !password.is_empty()) {
            Some(password) => entry.write(password),
            None => entry.delete(),
        }
        .map_err(|error| keyring_error(&error))
    }
}

fn keyring_error(error: &SecretError) -> AppError {
    AppError::Storage {
        message: format!("the mail server's password could not be kept: {error}"),
    }
}

/// Why an attempt failed, in words for the case, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFailure {
    pub kind: FailureKind,
    pub words: String,
}

impl MailFailure {
    fn temporary(words: impl Into<String>) -> Self {
        MailFailure {
            kind: FailureKind::Temporary,
            words: words.into(),
        }
    }

    fn permanent(words: impl Into<String>) -> Self {
        MailFailure {
            kind: FailureKind::Permanent,
            words: words.into(),
        }
    }
}

/// A connection to the configured mail server, ready to send.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The transport `settings` describe, signing in with `password` when there is a user name.
    pub fn new(settings: &MailSettings, password: Option<String>) -> Result<Mailer, MailFailure> {
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|error| {
                MailFailure::temporary(format!(
                    "The secure connection to the mail server could not be set up ({error})."
                ))
            })
        };
        let tls = match settings.security {
            MailSecurity::Starttls => Tls::Required(tls(&settings.host)?),
            MailSecurity::Tls => Tls::Wrapper(tls(&settings.host)?),
            MailSecurity::Plain => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(username) = &settings.username {
            let Some(password) = password else {
                return Err(MailFailure::temporary(
                    "The mail server's password is not saved on this computer: enter it in Settings → E-mail.",
                ));
            };
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        let address = settings.from_address.parse().map_err(|_| {
            MailFailure::temporary("The sender's address in Settings → E-mail is not an address.")
        })?;
        Ok(Mailer {
            transport: builder.build(),
            from: Mailbox::new(settings.from_name.clone(), address),
        })
    }

    /// Hands one message to the server: plain text, with `message_id` and the date as headers.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        message_id: &str,
    ) -> Result<EmailReceipt, MailFailure> {
        let to: Mailbox = to.parse().map_err(|_| {
            MailFailure::permanent(
                "The account's e-mail address is not an address a mail server takes.",
            )
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(message_id.to_owned()))
            .date_now()
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|error| {
                MailFailure::permanent(format!("The message could not be written ({error})."))
            })?;
        let response = self
            .transport
            .send(message)
            .await
            .map_err(|error| classify(&error))?;
        let reply = std::iter::once(response.code().to_string())
            .chain(response.message().map(str::to_owned))
            .collect::<Vec<_>>()
            .join(" ");
        let reply: String = reply
            .chars()
            .take(holdfast_core::workflow::MAX_SERVER_REPLY_CHARS)
            .collect();
        Ok(EmailReceipt {
            message_id: message_id.to_owned(),
            server_reply: reply,
        })
    }
}

/// A refusal (5xx) is final, except a refused sign-in, which Settings can fix; a 4xx, a timeout,
/// a failed TLS handshake and a connection refused or dropped are tried again.
fn classify(error: &lettre::transport::smtp::Error) -> MailFailure {
    let code = error.status().map(|code| code.to_string());
    if matches!(code.as_deref(), Some("530" | "534" | "535")) {
        MailFailure::temporary(format!(
            "The mail server did not accept the user name and password in Settings → E-mail ({error})."
        ))
    } else if error.is_permanent() {
        MailFailure::permanent(format!("The mail server refused the message: {error}."))
    } else if error.is_transient() {
        MailFailure::temporary(format!(
            "The mail server asked to try again later: {error}."
        ))
    } else if error.is_timeout() {
        MailFailure::temporary("The mail server did not answer in time.")
    } else if error.is_tls() {
        MailFailure::temporary(format!(
            "The secure connection to the mail server failed ({error})."
        ))
    } else {
        MailFailure::temporary(format!(
            "The mail server could not be reached, or it dropped the connection ({error})."
        ))
    }
}

/// What a message's attempt came to, for the log and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent(EmailReceipt),
    Failed(MailFailure),
}

/// Sends every message due at `now`, one after the other; what each attempt came to. Does nothing
/// without mail settings. Run by the loop; the tests call it directly.
pub async fn deliver_due(
    database: &SharedDatabase,
    runtime: &MailRuntime,
    now: jiff::Timestamp,
) -> Result<Vec<(OutboxEntry, Attempt)>, AppError> {
    let Some(settings) = database
        .with_database_unobserved(|database| Ok(database.mail_settings()?))
        .await?
    else {
        return Ok(Vec::new());
    };
    // The keyring is asked only for a server that signs in.
    let password = match settings.username {
        Some(_) => runtime.password()?,
        None => None,
    };
    let mailer = Mailer::new(&settings, password);
    let mut attempts = Vec::new();
    loop {
        let Some(entry) = database
            .with_database_unobserved(move |database| Ok(database.claim_due_email(now)?))
            .await?
        else {
            return Ok(attempts);
        };
        let attempt = match &mailer {
            Ok(mailer) => match mailer
                .send(
                    &entry.recipient,
                    &entry.subject,
                    &entry.body,
                    &entry.message_id,
                )
                .await
            {
                Ok(receipt) => Attempt::Sent(receipt),
                Err(failure) => Attempt::Failed(failure),
            },
            Err(failure) => Attempt::Failed(failure.clone()),
        };
        let id = entry.id;
        let outcome = attempt.clone();
        database
            .with_database(move |database| {
                match outcome {
                    // Recorded when the server took it (the round's `now` if that is later:
                    // a test's round run ahead of the clock).
                    Attempt::Sent(receipt) => {
                        database.record_email_sent(id, &receipt, now.max(crate::clock::now()))?
                    }
                    Attempt::Failed(failure) => {
                        database.email_failed(id, failure.kind, &failure.words, now)?;
                    }
                }
                Ok(())
            })
            .await?;
        let stop =
            matches!(&attempt, Attempt::Failed(failure) if failure.kind == FailureKind::Temporary);
        attempts.push((entry, attempt));
        // The server is down or refusing for now: the others wait for their own retry.
        if stop {
            return Ok(attempts);
        }
    }
}

/// Rows a previous run left mid-attempt become sent or uncertain (`recover_interrupted_emails`);
/// done once, before this run's first attempt.
pub async fn recover(database: &SharedDatabase) -> Result<u32, AppError> {
    database
        .with_database(|database| Ok(database.recover_interrupted_emails()?))
        .await
}

/// The loop, for as long as the app runs.
pub fn spawn_loop(database: SharedDatabase, runtime: Arc<MailRuntime>) {
    tauri::async_runtime::spawn(async move {
        database.started().await;
        let mut recovered = false;
        loop {
            if !recovered {
                match recover(&database).await {
                    Ok(uncertain) => {
                        recovered = true;
                        if uncertain > 0 {
                            log::warn!("mail: {uncertain} message(s) were being sent when Holdfast stopped; shown on their cases");
                        }
                    }
                    Err(AppError::Locked { .. }) => {}
                    Err(error) => log::warn!(
                        "mail: the outbox could not be checked ({})",
                        crate::logging::error_kind(&error)
                    ),
                }
            }
            if recovered {
                match deliver_due(&database, &runtime, crate::clock::now()).await {
                    Ok(attempts) => {
                        let sent = attempts
                            .iter()
                            .filter(|(_, attempt)| matches!(attempt, Attempt::Sent(_)))
                            .count();
                        let failed = attempts.len() - sent;
                        if !attempts.is_empty() {
                            log::info!("mail: {sent} message(s) sent, {failed} attempt(s) failed");
                        }
                    }
                    Err(error) => log::warn!(
                        "mail: the outbox could not be emptied ({})",
                        crate::logging::error_kind(&error)
                    ),
                }
            }
            let wait = next_wait(&database).await;
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = runtime.wake.notified() => {}
            }
        }
    });
}

/// Until the next queued message is due, at most `LOOK_EVERY`.
async fn next_wait(database: &SharedDatabase) -> Duration {
    let next = database
        .with_database_unobserved(|database| Ok(database.next_email_due()?))
        .await
        .ok()
        .flatten();
    match next {
        Some(next) => {
            let until = next.duration_since(crate::clock::now());
            Duration::try_from(until)
                .unwrap_or(Duration::ZERO)
                .min(LOOK_EVERY)
        }
        None => LOOK_EVERY,
    }
}

#[cfg(test)]
#[path = "mail_tests.rs"]
mod tests;

/// The test message Settings sends: to `to`, from the configured sender.
pub async fn send_test(
    settings: &MailSettings,
    password: Option<String>,
    to: &str,
) -> Result<EmailReceipt, MailFailure> {
    let mailer = Mailer::new(settings, password)?;
    let message_id = format!(
        "<test-{}@{}>",
        uuid::Uuid::now_v7().simple(),
        settings.message_id_domain()
    );
    mailer
        .send(
            to,
            "Holdfast test message",
            "This is a test message from Holdfast. The mail server settings work: messages to customers sent by e-mail will go through this server.",
            &message_id,
        )
        .await
}
