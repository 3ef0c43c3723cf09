//! E-mail the desk sends itself (issue 16): the profile's SMTP settings (the password is in the OS
//! keyring, never here) and the outbox, a table of messages waiting for the mail server that
//! survives restarts. The shell's mail loop takes one due message at a time (`claim_due_email`),
//! hands it to the server, and then either records the send on the case and marks the row sent
//! (`record_email_sent`), or notes the failure and when to try again (`email_failed`, by the
//! core's `outbox::after_failure`).
//!
//! Each message is handed to the server at most once per attempt, with the same Message-ID every
//! time. A row is marked `sending` (committed) before the attempt starts; if Holdfast stops during
//! the attempt, the row is found `sending` at the next start (`recover_interrupted_emails`): when
//! the case already records that Message-ID the send was recorded and only the row's mark was
//! lost, so it is marked sent; otherwise nobody can know whether the server took it, and the row
//! becomes `uncertain`, shown on the case and never sent again by itself.

use holdfast_core::account::PreferredChannel;
use holdfast_core::outbox::{after_failure, AfterFailure, FailureKind};
use holdfast_core::policy::{MessageKind, Policy};
use holdfast_core::workflow::{CaseCommand, CaseEvent, EmailReceipt};
use holdfast_core::CoreError;
use jiff::Timestamp;
use rusqlite::{named_params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, from_millis, to_millis};
use crate::Database;

const MAIL_SETTINGS: &str = "mail";

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a mail server on this machine (`localhost`, `127.0.0.1`, `::1`).
    Plain,
}

/// The profile's outgoing mail server. The password, when there is one, is in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    /// Signs in with this name (and the keyring's password); none for a server that takes mail
    /// without signing in.
    pub username: Option<String>,
    /// The sender's address and the name shown with it.
    pub from_address: String,
    pub from_name: Option<String>,
}

impl MailSettings {
    /// Trimmed, with empty optional fields as none; refused with the field when the host, the
    /// port or the sender is missing or malformed, or when `plain` names another machine.
    pub fn validated(&self) -> Result<MailSettings> {
        let invalid =
            |field: &str, message: &str| StoreError::Rule(CoreError::invalid(field, message));
        let host = self.host.trim().to_owned();
        if host.is_empty() || host.contains(char::is_whitespace) || host.len() > 253 {
            return Err(invalid("host", "enter the mail server's host name"));
        }
        if self.port == 0 {
            return Err(invalid(
                "port",
                "enter the mail server's port (587, 465, 25)",
            ));
        }
        if self.security == MailSecurity::Plain && !is_loopback(&host) {
            return Err(invalid(
                "security",
                "an unencrypted connection is only allowed to a mail server on this machine",
            ));
        }
        let optional = |text: &Option<String>| {
            text.as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let from_address = self.from_address.trim().to_owned();
        if !looks_like_address(&from_address) {
            return Err(invalid("from_address", "enter the sender's e-mail address"));
        }
        let from_name = optional(&self.from_name);
        if from_name
            .as_deref()
            .is_some_and(|name| name.contains(['\r', '\n']))
        {
            return Err(invalid("from_name", "the sender's name is one line"));
        }
        Ok(MailSettings {
            host,
            port: self.port,
            security: self.security,
            username: optional(&self.username),
            from_address,
            from_name,
        })
    }

    /// The domain of the Message-IDs this desk makes: the sender's.
    pub fn message_id_domain(&self) -> &str {
        self.from_address
            .rsplit_once('@')
            .map_or("holdfast.invalid", |(_, domain)| domain)
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One `@`, something on each side, no spaces or line breaks.
pub fn looks_like_address(address: &str) -> bool {
    match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !address.contains(|c: char| c.is_whitespace() || c.is_control())
                && address.len() <= 254
        }
        None => false,
    }
}

/// Where a message in the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Failed,
    Uncertain,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Uncertain => "uncertain",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            "uncertain" => OutboxState::Uncertain,
            other => return Err(StoreError::Corrupt(format!("an outbox state ({other})"))),
        })
    }
}

/// A message in the outbox, as the case shows it and the mail loop sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OutboxEntry {
    pub id: Uuid,
    /// The Message-ID header, `<...@...>`, the same on every attempt.
    pub message_id: String,
    pub case_id: Uuid,
    pub kind: MessageKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub state: OutboxState,
    /// Attempts made so far.
    pub attempts: u32,
    pub queued_at: Timestamp,
    /// When a queued message is tried next.
    pub next_attempt_at: Timestamp,
    /// The last attempt's problem, in words (the server's own reply included).
    pub problem: Option<String>,
}

/// What is queued: the composed message for one case's customer.
#[derive(Debug, Clone)]
pub struct OutboxDraft {
    pub case_id: Uuid,
    pub kind: MessageKind,
    pub subject: String,
    pub body: String,
}

const ENTRY_COLUMNS: &str = "id, message_id, case_id, kind, recipient, subject, body, state,
    attempts, queued_at, next_attempt_at, problem";

fn read_entry(row: &Row<'_>) -> rusqlite::Result<Result<OutboxEntry>> {
    let id: String = row.get(0)?;
    let message_id: String = row.get(1)?;
    let case_id: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let recipient: String = row.get(4)?;
    let subject: String = row.get(5)?;
    let body: String = row.get(6)?;
    let state: String = row.get(7)?;
    let attempts: u32 = row.get(8)?;
    let queued_at: i64 = row.get(9)?;
    let next_attempt_at: i64 = row.get(10)?;
    let problem: Option<String> = row.get(11)?;
    Ok((|| {
        let uuid = |text: &str| {
            Uuid::parse_str(text).map_err(|_| StoreError::Corrupt("an outbox row's id".into()))
        };
        Ok(OutboxEntry {
            id: uuid(&id)?,
            message_id,
            case_id: uuid(&case_id)?,
            kind: serde_json::from_str(&kind)
                .map_err(|_| StoreError::Corrupt("an outbox row's kind".into()))?,
            recipient,
            subject,
            body,
            state: OutboxState::parse(&state)?,
            attempts,
            queued_at: from_millis(queued_at)?,
            next_attempt_at: from_millis(next_attempt_at)?,
            problem,
        })
    })())
}

/// The words shown on a row Holdfast stopped in the middle of sending.
pub const INTERRUPTED: &str = "Holdfast stopped while this message was being handed to the mail server, so it may or may not have been sent. It is not sent again by itself: check the sent mail, and send it again from the case if it did not arrive.";

impl Database {
    /// The profile's outgoing mail server, if one was set.
    pub fn mail_settings(&self) -> Result<Option<MailSettings>> {
        self.setting(MAIL_SETTINGS)?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|_| StoreError::Corrupt("the mail settings".into()))
            })
            .transpose()
    }

    /// Sets the outgoing mail server (validated first; refused, nothing changes).
    pub fn set_mail_settings(&self, settings: &MailSettings) -> Result<MailSettings> {
        let settings = settings.validated()?;
        let json =
            serde_json::to_string(&settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.set_setting(MAIL_SETTINGS, &json)?;
        Ok(settings)
    }

    /// Queues the message for the case's customer, checked first exactly as recording it would be
    /// (the template exists, the account has an e-mail address, the text is not empty), so a
    /// message the case would refuse never waits in the outbox. The address is the account's
    /// now; the Message-ID is made here, once.
    pub fn queue_email(
        &mut self,
        draft: &OutboxDraft,
        policy: &Policy,
        now: Timestamp,
    ) -> Result<OutboxEntry> {
        let settings = self.mail_settings()?.ok_or_else(|| {
            StoreError::Rule(CoreError::invalid(
                "delivery",
                "set up the mail server in Settings before sending by e-mail",
            ))
        })?;
        let actor = self.acting_user()?.ok_or_else(|| {
            StoreError::Rule(CoreError::invalid(
                "actor",
                "choose who is at the desk before sending a message",
            ))
        })?;
        let subject = draft.subject.trim();
        if subject.contains(['\r', '\n']) || subject.chars().count() > 998 {
            return Err(StoreError::Rule(CoreError::invalid(
                "subject",
                "the subject is one line",
            )));
        }
        let body = draft.body.trim().to_owned();
        let check = CaseCommand::RecordMessage {
            kind: draft.kind,
            channel: PreferredChannel::Email,
            body: body.clone(),
            email: None,
        };
        self.preview_case_command(draft.case_id, &check, &actor, policy, now)?;
        let account_id = self
            .case_state(draft.case_id)?
            .ok_or_else(|| StoreError::NotFound {
                entity: "case",
                id: draft.case_id.to_string(),
            })?
            .account_id;
        let account = crate::accounts::account_in(&self.conn, account_id)?.draft;
        // Sample data is for walking the procedure here: its addresses are nobody's.
        if holdfast_core::sample::is_sample(&account.external_id) {
            return Err(StoreError::Rule(CoreError::invalid(
                "delivery",
                "a sample account's message is not sent; copy it to see what would go",
            )));
        }
        let recipient = account
            .email
            .filter(|address| looks_like_address(address))
            .ok_or_else(|| {
                StoreError::Rule(CoreError::invalid(
                    "email",
                    "the account has no e-mail address to send to",
                ))
            })?;
        let id = Uuid::now_v7();
        let message_id = format!("<{}@{}>", id.simple(), settings.message_id_domain());
        let kind =
            serde_json::to_string(&draft.kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO mail_outbox (id, message_id, case_id, account_id, kind, recipient,
                subject, body, queued_by, queued_at, state, attempts, next_attempt_at)
             VALUES (:id, :message_id, :case_id, :account_id, :kind, :recipient, :subject, :body,
                :queued_by, :now, 'queued', 0, :now)",
            named_params! {
                ":id": id.to_string(),
                ":message_id": message_id,
                ":case_id": draft.case_id.to_string(),
                ":account_id": account_id.to_string(),
                ":kind": kind,
                ":recipient": recipient,
                ":subject": subject,
                ":body": body,
                ":queued_by": actor.user_id,
                ":now": to_millis(now),
            },
        )?;
        self.outbox_entry(id)
    }

    pub fn outbox_entry(&self, id: Uuid) -> Result<OutboxEntry> {
        self.conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM mail_outbox WHERE id = ?1"),
                [id.to_string()],
                read_entry,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "outbox message",
                id: id.to_string(),
            })?
    }

    /// The case's messages that are not sent (waiting, being sent, failed, uncertain), oldest
    /// first: what the case shows beside its record of messages sent.
    pub fn case_outbox(&self, case_id: Uuid) -> Result<Vec<OutboxEntry>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM mail_outbox WHERE case_id = ?1 AND state != 'sent'
             ORDER BY queued_at, id"
        ))?;
        let rows = statement.query_map([case_id.to_string()], read_entry)?;
        collect_rows(rows)
    }

    /// When the next queued message is due, if any waits.
    pub fn next_email_due(&self) -> Result<Option<Timestamp>> {
        let next: Option<i64> = self.conn.query_row(
            "SELECT min(next_attempt_at) FROM mail_outbox WHERE state = 'queued'",
            [],
            |row| row.get(0),
        )?;
        next.map(from_millis).transpose()
    }

    /// Takes the first message due at `now` for an attempt: marks it `sending` and counts the
    /// attempt, committed before the attempt begins.
    pub fn claim_due_email(&mut self, now: Timestamp) -> Result<Option<OutboxEntry>> {
        let tx = self.conn.transaction()?;
        let id: Option<String> = tx
            .query_row(
                "SELECT id FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT 1",
                [to_millis(now)],
                |row| row.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?1",
            [&id],
        )?;
        tx.commit()?;
        let id = Uuid::parse_str(&id).map_err(|_| StoreError::Corrupt("an outbox id".into()))?;
        self.outbox_entry(id).map(Some)
    }

    /// The mail server took the message: the send is recorded on the case (through the normal
    /// command path, so in a team profile it syncs like any other event), then the row is marked
    /// sent and its text cleared (the case's record keeps it). A case that refuses the record
    /// (it changed meanwhile) still has the row marked sent, with the refusal as its problem: the
    /// message did go out and must not go again.
    pub fn record_email_sent(
        &mut self,
        id: Uuid,
        receipt: &EmailReceipt,
        now: Timestamp,
    ) -> Result<()> {
        let entry = self.outbox_entry(id)?;
        let recorded = (|| {
            let policy = self.policy()?.ok_or_else(|| {
                StoreError::Rule(CoreError::invalid("policy", "the profile has no policy"))
            })?;
            let actor = self.acting_user()?.ok_or_else(|| {
                StoreError::Rule(CoreError::invalid("actor", "nobody is at the desk"))
            })?;
            let command = CaseCommand::RecordMessage {
                kind: entry.kind,
                channel: PreferredChannel::Email,
                body: entry.body.clone(),
                email: Some(receipt.clone()),
            };
            self.run_case_command(entry.case_id, &command, &actor, &policy, now)
        })();
        let problem = match recorded {
            Ok(_) => None,
            Err(StoreError::Rule(error)) => Some(format!(
                "Sent, but the case did not take the record of it: {error}"
            )),
            Err(StoreError::NotFound { .. }) => {
                Some("Sent, but its case is no longer on this desk".to_owned())
            }
            Err(other) => return Err(other),
        };
        self.conn.execute(
            "UPDATE mail_outbox SET state = 'sent', subject = '', body = '', recipient = '',
                problem = :problem, server_reply = :reply, sent_at = :now
             WHERE id = :id",
            named_params! {
                ":problem": problem,
                ":reply": receipt.server_reply,
                ":now": to_millis(now),
                ":id": id.to_string(),
            },
        )?;
        Ok(())
    }

    /// The attempt failed with `problem` (words for the case): tried again later, or given up,
    /// by the core's rule.
    pub fn email_failed(
        &mut self,
        id: Uuid,
        kind: FailureKind,
        problem: &str,
        now: Timestamp,
    ) -> Result<OutboxEntry> {
        let entry = self.outbox_entry(id)?;
        let (state, next) = match after_failure(kind, entry.attempts, entry.queued_at, now) {
            AfterFailure::RetryAt(next) => (OutboxState::Queued, next),
            AfterFailure::GiveUp => (OutboxState::Failed, entry.next_attempt_at),
        };
        self.conn.execute(
            "UPDATE mail_outbox SET state = :state, next_attempt_at = :next, problem = :problem
             WHERE id = :id",
            named_params! {
                ":state": state.as_str(),
                ":next": to_millis(next),
                ":problem": problem,
                ":id": id.to_string(),
            },
        )?;
        self.outbox_entry(id)
    }

    /// At start-up: rows left `sending` by a Holdfast that stopped mid-attempt. One whose
    /// Message-ID the case already records is marked sent; any other becomes `uncertain` (see the
    /// module's comment). Returns how many became uncertain.
    pub fn recover_interrupted_emails(&mut self) -> Result<u32> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM mail_outbox WHERE state = 'sending'"
        ))?;
        let rows = statement.query_map([], read_entry)?;
        let interrupted = collect_rows(rows)?;
        drop(statement);
        let mut uncertain = 0;
        for entry in interrupted {
            let recorded =
                self.events_of(entry.case_id)?.iter().find_map(|recorded| {
                    match recorded.event.case_event() {
                        Ok(CaseEvent::MessageSent {
                            email: Some(receipt),
                            ..
                        }) if receipt.message_id == entry.message_id => Some(receipt),
                        _ => None,
                    }
                });
            match recorded {
                Some(receipt) => {
                    self.conn.execute(
                        "UPDATE mail_outbox SET state = 'sent', subject = '', body = '',
                            recipient = '', server_reply = ?1
                         WHERE id = ?2",
                        [&receipt.server_reply, &entry.id.to_string()],
                    )?;
                }
                None => {
                    uncertain += 1;
                    self.conn.execute(
                        "UPDATE mail_outbox SET state = 'uncertain', problem = ?1 WHERE id = ?2",
                        [INTERRUPTED, &entry.id.to_string()],
                    )?;
                }
            }
        }
        Ok(uncertain)
    }
}

/// Erasure (issue 14): a customer's messages in the outbox go with their other personal data,
/// unsent or not (an unsent one can no longer be sent: its text and address are gone): the
/// whole account's when the account is erased, else the erased cases'.
pub(crate) fn erase_outbox(
    tx: &rusqlite::Transaction<'_>,
    account_id: Option<Uuid>,
    cases: &[Uuid],
) -> Result<()> {
    if let Some(account_id) = account_id {
        tx.execute(
            "DELETE FROM mail_outbox WHERE account_id = ?1",
            [account_id.to_string()],
        )?;
    }
    for case_id in cases {
        tx.execute(
            "DELETE FROM mail_outbox WHERE case_id = ?1",
            [case_id.to_string()],
        )?;
    }
    Ok(())
}
