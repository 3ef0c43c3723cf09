//! The arguments the window passes to a command, read by the shell itself so that a refusal is
//! the typed `AppError::InvalidArguments` the UI branches on, never Tauri's plain string.
//!
//! A command takes its arguments as `Args(args): Args<SomeArgs>`. Tauri names the IPC key after
//! the pattern: for a tuple-struct pattern it is the struct's name in camelCase, so `Args(..)`
//! reads the window's `invoke(command, { args })`, and the body uses `args` as before.
//!
//! The message says where (`field`, a path inside `args` such as `command.terms.amount`) and what
//! was wrong in the words of the type that refused it, but never repeats the value that was sent:
//! a passphrase or a password sent as a number, or a key in a misspelt variant, stays out of the
//! error, the UI and any log it reaches.

use serde::Deserialize;
use tauri::ipc::{CommandArg, CommandItem, InvokeBody, InvokeError};
use tauri::Runtime;

use crate::error::AppError;

/// The key the window passes a command's arguments under.
pub const ARGS_KEY: &str = "args";

/// A field path is cut to this many characters: it is made of the keys the window sent.
const MAX_FIELD_CHARS: usize = 120;

/// A command's arguments, deserialised by the shell; see the module's documentation.
#[derive(Debug)]
pub struct Args<T>(pub T);

impl<'de, T: Deserialize<'de>, R: Runtime> CommandArg<'de, R> for Args<T> {
    fn from_command(item: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        read(item.name, item.message.payload())
            .map(Args)
            .map_err(InvokeError::from)
    }
}

/// Reads `T` from the `args` key of an invoke's body, or says why it cannot.
pub fn read<'de, T: Deserialize<'de>>(command: &str, body: &'de InvokeBody) -> Result<T, AppError> {
    let refuse = |field: Option<String>, message: String| AppError::InvalidArguments {
        command: command.to_owned(),
        field,
        message,
    };
    let value = match body {
        InvokeBody::Json(body) => body.get(ARGS_KEY).ok_or_else(|| {
            refuse(
                None,
                format!("no arguments were sent; expected them under `{ARGS_KEY}`"),
            )
        })?,
        InvokeBody::Raw(_) => {
            return Err(refuse(
                None,
                "the arguments were sent as bytes; expected JSON".into(),
            ))
        }
    };
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let (missing, message) = describe(&error.inner().to_string());
        let field = match (path.as_str(), missing) {
            (".", None) => None,
            (".", Some(missing)) => Some(missing),
            (path, None) => Some(path.to_owned()),
            (path, Some(missing)) => Some(format!("{path}.{missing}")),
        };
        refuse(field.map(|field| cut(&field)), message)
    })
}

/// serde's message without the value that was sent: `(missing field, message)`.
///
/// serde words its errors `invalid type: <what was sent>, expected <what is wanted>`, `invalid
/// value: …`, ``unknown variant `<sent>`, expected one of …``, ``unknown field `<sent>`, …`` and
/// ``missing field `<name>` ``; what was sent is dropped from each, keeping only its kind ("a
/// string", "an integer"). Any other message comes from the type that refused the value (a
/// malformed id or instant): those types hold no secrets.
fn describe(message: &str) -> (Option<String>, String) {
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((sent, wanted)) = rest.rsplit_once(", expected ") {
            return (None, format!("expected {wanted}, got {}", kind(sent)));
        }
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        if let Some((sent, wanted)) = rest.rsplit_once(", expected ") {
            return (
                None,
                format!("expected {wanted}; the {} sent is not", bare_kind(sent)),
            );
        }
    }
    if message.starts_with("unknown variant ") {
        return (None, unknown("variant", message));
    }
    if message.starts_with("unknown field ") {
        return (None, unknown("field", message));
    }
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return (Some(name.to_owned()), "is missing".into());
    }
    (None, message.to_owned())
}

/// ``unknown variant `<sent>`, expected one of `a`, `b` `` without `<sent>`.
fn unknown(what: &str, message: &str) -> String {
    match message.rsplit_once(", expected ") {
        Some((_, wanted)) => format!("unknown {what}; expected {wanted}"),
        None => match message.rsplit_once(", there are no ") {
            Some((_, none)) => format!("unknown {what}; there are no {none}"),
            None => format!("unknown {what}"),
        },
    }
}

/// serde's `Unexpected` is written `<kind> <value>` (``integer `5` ``, `string "x"`) or `<kind>`
/// alone (`map`, `sequence`): the kind, without the value.
fn bare_kind(sent: &str) -> &str {
    sent.split(['`', '"'])
        .next()
        .map(str::trim)
        .filter(|kind| !kind.is_empty())
        .unwrap_or("value")
}

/// "a string", "an integer", "null".
fn kind(sent: &str) -> String {
    match bare_kind(sent) {
        "null" => "null".into(),
        kind if kind.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O']) => format!("an {kind}"),
        kind => format!("a {kind}"),
    }
}

fn cut(field: &str) -> String {
    if field.chars().count() <= MAX_FIELD_CHARS {
        return field.to_owned();
    }
    let mut cut: String = field.chars().take(MAX_FIELD_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::commands::cases::CaseArgs;
    use crate::commands::session::PassphraseArgs;
    use crate::commands::sync::ServerSignIn;

    fn refusal<T: for<'de> Deserialize<'de> + std::fmt::Debug>(
        args: serde_json::Value,
    ) -> AppError {
        read::<T>("the_command", &InvokeBody::Json(json!({ "args": args }))).unwrap_err()
    }

    fn refused(field: Option<&str>, message: &str) -> AppError {
        AppError::InvalidArguments {
            command: "the_command".into(),
            field: field.map(Into::into),
            message: message.into(),
        }
    }

    #[test]
    fn a_refusal_names_the_field_and_what_was_wrong() {
        assert_eq!(
            refusal::<CaseArgs>(json!({})),
            refused(Some("case_id"), "is missing")
        );
        assert_eq!(
            refusal::<CaseArgs>(json!({ "case_id": 7 })),
            refused(
                Some("case_id"),
                "expected a formatted UUID string, got an integer"
            )
        );
        let AppError::InvalidArguments { field, message, .. } =
            refusal::<CaseArgs>(json!({ "case_id": "not-a-uuid" }))
        else {
            panic!("not an argument refusal");
        };
        assert_eq!(field.as_deref(), Some("case_id"));
        assert!(message.contains("UUID"), "{message}");
        assert_eq!(
            refusal::<CaseArgs>(json!(null)),
            refused(None, "expected struct CaseArgs, got null")
        );
        assert_eq!(
            read::<CaseArgs>("the_command", &InvokeBody::Json(json!({}))).unwrap_err(),
            refused(None, "no arguments were sent; expected them under `args`")
        );
        assert_eq!(
            read::<CaseArgs>("the_command", &InvokeBody::Raw(vec![1, 2])).unwrap_err(),
            refused(None, "the arguments were sent as bytes; expected JSON")
        );
    }

    #[test]
    fn a_nested_field_and_an_out_of_range_number_are_named() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            days: u32,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            inner: Inner,
        }
        assert_eq!(
            refusal::<Outer>(json!({ "inner": { "days": -4 } })),
            refused(Some("inner.days"), "expected u32; the integer sent is not")
        );
        assert_eq!(
            refusal::<Outer>(json!({ "inner": {} })),
            refused(Some("inner.days"), "is missing")
        );
    }

    #[test]
    fn a_refusal_never_repeats_what_was_sent() {
        for args in [
            json!({ "passphrase": 918_273_645 }),
            json!({ "passphrase": ["hunter2-secret"] }),
            json!({ "passphrase": { "hunter2-secret": true } }),
        ] {
            let error = refusal::<PassphraseArgs>(args.clone());
            let shown = format!("{error} {}", serde_json::to_string(&error).unwrap());
            for secret in ["918273645", "hunter2-secret"] {
                assert!(!shown.contains(secret), "{args}: {shown}");
            }
            assert!(shown.contains("passphrase"), "{shown}");
        }
        let error = refusal::<ServerSignIn>(json!({
            "address": "https://sync.example", "organisation": "acme", "user": "amy",
            "password": 31_415_926_535_u64,
        }));
        assert_eq!(
            error,
            refused(Some("password"), "expected a string, got an integer")
        );
        let error = refusal::<crate::commands::cases::CaseCommandArgs>(json!({
            "case_id": "0190b5d0-0000-7000-8000-000000000000",
            "command": { "command": "hunter2-secret" },
        }));
        let shown = serde_json::to_string(&error).unwrap();
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("unknown variant"), "{shown}");
    }

    #[test]
    fn a_long_field_path_is_cut() {
        let long = "k".repeat(MAX_FIELD_CHARS + 40);
        let cut = cut(&long);
        assert_eq!(cut.chars().count(), MAX_FIELD_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(super::cut("case_id"), "case_id");
    }
}
