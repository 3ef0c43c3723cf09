//! Messages to the customer: a policy template filled with the case's facts, then put on the
//! clipboard or opened in the mail client, and recorded on the case as sent. The subject of an
//! e-mail is the core's, from the policy, like the body.

use holdfast_core::account::PreferredChannel;
use holdfast_core::policy::MessageKind;
use holdfast_core::workflow::{compose_message, Addressee, CaseCommand, ComposedMessage};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::cases::{run_as_acting_user, CaseDetail};
use crate::commands::profile::no_policy;
use crate::commands::Args;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Deserialize, TS)]
pub struct ComposeMessageArgs {
    pub case_id: Uuid,
    pub kind: MessageKind,
}

/// The policy's template for `kind`, filled with the case's facts.
#[tauri::command]
pub async fn compose_case_message(
    state: State<'_, AppState>,
    Args(args): Args<ComposeMessageArgs>,
) -> Result<ComposedMessage, AppError> {
    state
        .with_database(move |database| compose(database, args.case_id, args.kind))
        .await
}

fn compose(
    database: &holdfast_store::Database,
    case_id: Uuid,
    kind: MessageKind,
) -> Result<ComposedMessage, AppError> {
    let policy = database.policy()?.ok_or_else(no_policy)?;
    let summary = database.case(case_id)?;
    let case = database
        .case_state(case_id)?
        .ok_or_else(|| no_case(case_id))?;
    let facts = database.account_facts(case.account_id)?;
    // The person at this desk signs what they write.
    let writer = database.local_user()?;
    let to = Addressee {
        customer_name: &summary.requester_name,
        account_name: &summary.account_name,
        sender_name: writer.as_ref().map(|user| user.name.as_str()),
    };
    compose_message(kind, &case, &policy, &facts, &to)
        .ok_or_else(|| AppError::validation("kind", "the policy has no such message"))
}

/// How the message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageDelivery {
    /// Copied, to paste into the chat, the ticket or the phone script.
    Clipboard,
    /// A new message in the OS's mail client, addressed to the account's e-mail.
    MailClient,
    /// Sent by Holdfast itself through the mail server in Settings → E-mail (issue 16): queued in
    /// the outbox and recorded on the case once the server takes it.
    Email,
}

#[derive(Debug, Deserialize, TS)]
pub struct SendMessageArgs {
    pub case_id: Uuid,
    pub kind: MessageKind,
    pub channel: PreferredChannel,
    /// The text as the person left it after reading (and perhaps editing) the template.
    pub body: String,
    pub delivery: MessageDelivery,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageSent {
    pub detail: CaseDetail,
    /// The message is on the clipboard, or open in the mail client.
    pub delivered: bool,
    /// Sent by e-mail: the message waiting in the outbox; the case records it once sent.
    pub queued: Option<holdfast_store::mail::OutboxEntry>,
}

/// Records the message on the case (the engine checks it first: the template exists, the channel
/// reaches the customer, the text is not empty), then hands it to the clipboard or the mail client.
/// Recording comes first so that a message that reached the customer is never missing from the
/// case; if the hand-over fails, the error says so and the case shows it as recorded.
#[tauri::command]
pub async fn send_case_message<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    Args(args): Args<SendMessageArgs>,
) -> Result<MessageSent, AppError> {
    if args.delivery == MessageDelivery::MailClient && args.channel != PreferredChannel::Email {
        return Err(AppError::validation(
            "delivery",
            "only an e-mail goes through the mail client; copy it for other channels",
        ));
    }
    if args.delivery == MessageDelivery::Email {
        return queue_email(&state, args).await;
    }
    let body = args.body.trim().to_owned();
    let command = CaseCommand::RecordMessage {
        kind: args.kind,
        channel: args.channel,
        body: body.clone(),
        email: None,
    };
    let case_id = args.case_id;
    let kind = args.kind;
    let delivery = args.delivery;
    let (detail, email, subject) = state
        .with_database(move |database| {
            // Composed before the message is recorded, so the subject is the one the person saw.
            let subject = match delivery {
                MessageDelivery::MailClient => compose(database, case_id, kind)?.subject,
                MessageDelivery::Clipboard | MessageDelivery::Email => String::new(),
            };
            let detail = run_as_acting_user(database, case_id, &command)?;
            let email = detail.account.draft.email.clone();
            Ok((detail, email, subject))
        })
        .await?;
    let handed_over = match args.delivery {
        MessageDelivery::Clipboard => app
            .clipboard()
            .write_text(body)
            .map_err(|error| error.to_string()),
        MessageDelivery::Email => Ok(()),
        MessageDelivery::MailClient => {
            let to = email.unwrap_or_default();
            let url = format!(
                "mailto:{}?subject={}&body={}",
                percent_encode(&to),
                percent_encode(&subject),
                percent_encode(&body)
            );
            app.opener()
                .open_url(url, None::<&str>)
                .map_err(|error| error.to_string())
        }
    };
    match handed_over {
        Ok(()) => Ok(MessageSent {
            detail,
            delivered: true,
            queued: None,
        }),
        Err(problem) => Err(AppError::internal(format!(
            "the message was recorded on the case, but it could not be handed over: {problem}"
        ))),
    }
}

/// Queues the message for the outbox (the engine checks it as it would the record) and wakes the
/// mail loop; the case records it once the mail server takes it.
async fn queue_email(state: &AppState, args: SendMessageArgs) -> Result<MessageSent, AppError> {
    if args.channel != PreferredChannel::Email {
        return Err(AppError::validation(
            "delivery",
            "only an e-mail is sent by e-mail; copy it for other channels",
        ));
    }
    let (detail, queued) = state
        .with_database(move |database| {
            let policy = database.policy()?.ok_or_else(no_policy)?;
            let subject = compose(database, args.case_id, args.kind)?.subject;
            let draft = holdfast_store::mail::OutboxDraft {
                case_id: args.case_id,
                kind: args.kind,
                subject,
                body: args.body,
            };
            let queued = database.queue_email(&draft, &policy, crate::clock::now())?;
            let detail = crate::commands::cases::detail(database, args.case_id)?;
            Ok((detail, queued))
        })
        .await?;
    state.mail().wake();
    Ok(MessageSent {
        detail,
        delivered: false,
        queued: Some(queued),
    })
}

fn no_case(case_id: Uuid) -> AppError {
    AppError::NotFound {
        entity: "case".into(),
        id: case_id.to_string(),
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters, as mailto: fields need.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn mailto_fields_are_percent_encoded() {
        assert_eq!(
            percent_encode("Hi Ana, 20% off & more?\nBye"),
            "Hi%20Ana%2C%2020%25%20off%20%26%20more%3F%0ABye"
        );
        assert_eq!(percent_encode("ana@acme.io"), "ana@acme.io");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}
