//! One-time codes, keyed by whoever decides. A desk draws the code and the person sends it to a
//! contact on file; the command carries the code as typed (over TLS to the server). Before
//! deciding, the decider seals it with its own secret key: the log keeps only an HMAC of the case
//! and the code under that key, which nobody without the key can test guesses against (a six-digit
//! code's plain hash falls to brute force in milliseconds). The server seals with a key of its
//! own per organisation, so the code a requester reads back is checked by the server, and no
//! pulled event lets a desk recover or forge a code. A local profile seals with its device key.
//!
//! A desk joined to a team predicts the server's answer: a code entered against a code the
//! server sealed is one it cannot check, so it is accepted provisionally (`Unchecked`) and the
//! server, which receives the typed code, confirms it or records it as wrong when it is pushed.

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{CaseCommand, CaseState};
use crate::CoreError;

/// The digits of a code a desk sends: at least six, so the attempts the policy allows stay a
/// negligible chance of guessing it; at most twelve, to be read aloud.
const SENT_CODE_DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
/// The longest code anyone may enter (after blanks and dashes are dropped).
const MAX_ENTERED_CODE: usize = 32;
/// Domain separation for the per-key HMAC.
const DIGEST_CONTEXT: &[u8] = b"holdfast one-time code v1\0";
const KEY_ID_CONTEXT: &[u8] = b"holdfast one-time code key id v1\0";
const DERIVE_CONTEXT: &[u8] = b"holdfast one-time code key v1\0";

/// A one-time code as a command carries it. Only the typed form is ever stored or sent: the
/// sealed and unchecked forms exist only between a decider's sealing and its decision, so no
/// client can push a digest it copied from a pulled event, or claim a code was checked.
#[derive(Clone, PartialEq, Eq)]
pub enum OneTimeCode {
    /// As drawn or typed: what a desk queues and pushes. The decider seals it before deciding.
    Typed { code: String },
    /// Sealed by the decider: the HMAC of the case and the code under the key named `key`.
    Sealed { digest: String, key: String },
    /// Entered on a desk against a code sealed by a key the desk does not hold (its server's):
    /// accepted provisionally; the server checks the typed code when the command is pushed.
    Unchecked,
    /// The plain hash an outbox written before codes were keyed holds: it cannot be sealed, and
    /// the engine refuses it with a word to send a new code.
    Legacy(String),
}

/// The forms a command's code takes on the wire and in an outbox.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredCode {
    Tagged(TaggedCode),
    Legacy(String),
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
enum TaggedCode {
    Typed { code: String },
}

impl Serialize for OneTimeCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OneTimeCode::Typed { code } => {
                TaggedCode::Typed { code: code.clone() }.serialize(serializer)
            }
            OneTimeCode::Legacy(hash) => serializer.serialize_str(hash),
            OneTimeCode::Sealed { .. } | OneTimeCode::Unchecked => Err(serde::ser::Error::custom(
                "a sealed one-time code is never stored or sent",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for OneTimeCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredCode::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom(
                "a one-time code must be the code as typed: {\"form\": \"typed\", \"code\": \"…\"}",
            )
        })?;
        Ok(match stored {
            StoredCode::Tagged(TaggedCode::Typed { code }) => OneTimeCode::Typed { code },
            StoredCode::Legacy(hash) => OneTimeCode::Legacy(hash),
        })
    }
}

impl OneTimeCode {
    /// The code as a person typed or a desk drew it.
    pub fn typed(code: impl Into<String>) -> OneTimeCode {
        OneTimeCode::Typed { code: code.into() }
    }
}

/// The code itself is never printed, not even in a debug log.
impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OneTimeCode::Typed { .. } => f.write_str("Typed { code: <redacted> }"),
            OneTimeCode::Sealed { key, .. } => {
                write!(f, "Sealed {{ digest: <redacted>, key: {key:?} }}")
            }
            OneTimeCode::Unchecked => f.write_str("Unchecked"),
            OneTimeCode::Legacy(_) => f.write_str("Legacy(<redacted>)"),
        }
    }
}

/// A code as people type it: blanks and dashes are dropped and letters compared without case,
/// so "123 456", "123-456" and "123456" are the same code.
fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A secret key that seals one-time codes, and the id its sealed codes are recorded with.
pub struct CodeKey {
    id: String,
    secret: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl CodeKey {
    /// The key for `secret`, recorded as `<holder>:<fingerprint>` (e.g. `server:…`, `device:…`):
    /// a code sealed by another key, or by this holder before its key changed, is told apart.
    pub fn new(holder: &str, secret: [u8; 32]) -> CodeKey {
        let secret = Zeroizing::new(secret);
        let mut fingerprint = Sha256::new();
        fingerprint.update(KEY_ID_CONTEXT);
        fingerprint.update(secret.as_slice());
        let fingerprint = fingerprint.finalize();
        let short = fingerprint.get(..8).unwrap_or_default();
        CodeKey {
            id: format!("{holder}:{}", hex::encode(short)),
            secret,
        }
    }

    /// A key derived from another secret (`master`, e.g. a database key or a server's signing
    /// key) for one purpose (`scope`, e.g. an organisation's id), so no new secret needs keeping.
    pub fn derive(holder: &str, master: &[u8], scope: &[u8]) -> CodeKey {
        let mut secret = [0u8; 32];
        // An HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(master) {
            mac.update(DERIVE_CONTEXT);
            mac.update(scope);
            secret.copy_from_slice(&mac.finalize().into_bytes());
        }
        let key = CodeKey::new(holder, secret);
        zeroize::Zeroize::zeroize(&mut secret);
        key
    }

    /// The id sealed codes record.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn digest(&self, case_id: Uuid, normalized: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret.as_slice()) else {
            return String::new();
        };
        mac.update(DIGEST_CONTEXT);
        mac.update(case_id.as_bytes());
        mac.update(normalized.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// `command` with its typed code sealed by this key, for a decider that holds the key
    /// (the server, a local profile). Commands without a code are returned as they are. A code
    /// already sealed or unchecked is refused: only the decider seals.
    pub fn seal(&self, case_id: Uuid, command: &CaseCommand) -> Result<CaseCommand, CoreError> {
        match command {
            CaseCommand::SendOneTimeCode { code, contact } => Ok(CaseCommand::SendOneTimeCode {
                code: self.seal_sent(case_id, code)?,
                contact: contact.clone(),
            }),
            CaseCommand::EnterOneTimeCode { code } => Ok(CaseCommand::EnterOneTimeCode {
                code: self.seal_entered(case_id, code)?,
            }),
            other => Ok(other.clone()),
        }
    }

    /// Like `seal`, for a desk predicting its server's answer: a code entered against a code
    /// this key did not seal (the server sealed it) cannot be checked here and becomes
    /// `Unchecked` (its form is still checked).
    pub fn seal_predicting(
        &self,
        case_id: Uuid,
        state: Option<&CaseState>,
        command: &CaseCommand,
    ) -> Result<CaseCommand, CoreError> {
        if let CaseCommand::EnterOneTimeCode { code } = command {
            let sent_under_other_key = state
                .and_then(|state| state.one_time_code.as_ref())
                .is_some_and(|sent| sent.key.as_deref() != Some(self.id()));
            if sent_under_other_key {
                self.seal_entered(case_id, code)?;
                return Ok(CaseCommand::EnterOneTimeCode {
                    code: OneTimeCode::Unchecked,
                });
            }
        }
        self.seal(case_id, command)
    }

    fn seal_sent(&self, case_id: Uuid, code: &OneTimeCode) -> Result<OneTimeCode, CoreError> {
        let typed = typed_code(code)?;
        let normalized = normalize(typed);
        if !SENT_CODE_DIGITS.contains(&normalized.len())
            || !normalized.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(CoreError::invalid(
                "code",
                format!(
                    "a code sent is {} to {} digits",
                    SENT_CODE_DIGITS.start(),
                    SENT_CODE_DIGITS.end()
                ),
            ));
        }
        Ok(self.sealed(case_id, &normalized))
    }

    fn seal_entered(&self, case_id: Uuid, code: &OneTimeCode) -> Result<OneTimeCode, CoreError> {
        let typed = typed_code(code)?;
        let normalized = normalize(typed);
        if normalized.is_empty() {
            return Err(CoreError::invalid(
                "code",
                "type the code the requester read back",
            ));
        }
        if normalized.len() > MAX_ENTERED_CODE
            || !normalized.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(CoreError::invalid(
                "code",
                "a code is letters and digits only, as it was sent",
            ));
        }
        Ok(self.sealed(case_id, &normalized))
    }

    fn sealed(&self, case_id: Uuid, normalized: &str) -> OneTimeCode {
        OneTimeCode::Sealed {
            digest: self.digest(case_id, normalized),
            key: self.id.clone(),
        }
    }
}

fn typed_code(code: &OneTimeCode) -> Result<&str, CoreError> {
    match code {
        OneTimeCode::Typed { code } => Ok(code),
        OneTimeCode::Legacy(_) => Err(legacy_code()),
        OneTimeCode::Sealed { .. } | OneTimeCode::Unchecked => Err(CoreError::invalid(
            "code",
            "must be the code as typed; only the one who decides seals it",
        )),
    }
}

pub(crate) fn legacy_code() -> CoreError {
    CoreError::invalid(
        "code",
        "this code was queued by an older version of Holdfast and cannot be checked; send a new \
         code",
    )
}

/// Why a code that reached the engine unsealed is refused: what sealing would have said of
/// its form (a decider that cannot seal a malformed code passes it on for the engine to refuse
/// in the procedure's words), else that the decider forgot to seal it.
pub(crate) fn refuse_unsealed(code: &OneTimeCode, sending: bool) -> CoreError {
    let probe = CodeKey::new("probe", [0; 32]);
    let checked = if sending {
        probe.seal_sent(Uuid::nil(), code)
    } else {
        probe.seal_entered(Uuid::nil(), code)
    };
    match checked {
        Err(error) => error,
        Ok(_) => CoreError::invalid(
            "code",
            "must be sealed by the one who decides before it is decided",
        ),
    }
}

/// A sealed code's digest as the engine keeps it (lowercase hex of 32 bytes), or `None` when
/// `text` is not one.
pub(crate) fn normalize_digest(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

/// Compares two digests of the same length without stopping at the first difference.
pub(crate) fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Uuid {
        Uuid::from_u128(7)
    }

    fn digest_of(code: &OneTimeCode) -> (String, String) {
        match code {
            OneTimeCode::Sealed { digest, key } => (digest.clone(), key.clone()),
            other => panic!("not sealed: {other:?}"),
        }
    }

    fn sealed_entry(key: &CodeKey, typed: &str) -> (String, String) {
        let command = key
            .seal(
                case(),
                &CaseCommand::EnterOneTimeCode {
                    code: OneTimeCode::typed(typed),
                },
            )
            .unwrap();
        match command {
            CaseCommand::EnterOneTimeCode { code } => digest_of(&code),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_same_code_seals_alike_however_it_is_typed() {
        let key = CodeKey::new("server", [1; 32]);
        let (plain, id) = sealed_entry(&key, "123456");
        assert_eq!(sealed_entry(&key, " 123-456\n").0, plain);
        assert_eq!(sealed_entry(&key, "ab-cd").0, sealed_entry(&key, "ABCD").0);
        assert_ne!(sealed_entry(&key, "123457").0, plain);
        assert!(id.starts_with("server:"));
        assert!(normalize_digest(&plain).is_some());
    }

    #[test]
    fn a_digest_depends_on_the_key_and_the_case_and_is_not_the_plain_hash() {
        let key = CodeKey::new("server", [1; 32]);
        let other_key = CodeKey::new("server", [2; 32]);
        let (digest, id) = sealed_entry(&key, "123456");
        let (other_digest, other_id) = sealed_entry(&other_key, "123456");
        assert_ne!(digest, other_digest, "another key, another digest");
        assert_ne!(id, other_id, "keys are told apart by their ids");
        assert_ne!(
            key.digest(Uuid::from_u128(8), "123456"),
            digest,
            "another case, another digest"
        );
        // SHA-256("123456"): what the log held before codes were keyed.
        assert_ne!(
            digest,
            "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"
        );
    }

    #[test]
    fn a_sent_code_is_six_to_twelve_digits() {
        let key = CodeKey::new("device", [3; 32]);
        let send = |code: &str| {
            key.seal(
                case(),
                &CaseCommand::SendOneTimeCode {
                    code: OneTimeCode::typed(code),
                    contact: "a@b.c".into(),
                },
            )
        };
        assert!(send("123 456").is_ok());
        assert!(send("123456789012").is_ok());
        for weak in ["12345", "1234567890123", "12345a", ""] {
            assert!(
                matches!(send(weak), Err(CoreError::Invalid { ref field, .. }) if field == "code"),
                "{weak:?} is refused"
            );
        }
    }

    #[test]
    fn only_a_typed_code_is_sealed() {
        let key = CodeKey::new("server", [1; 32]);
        for forged in [
            OneTimeCode::Unchecked,
            OneTimeCode::Sealed {
                digest: "00".repeat(32),
                key: key.id().to_owned(),
            },
        ] {
            let refused = key.seal(case(), &CaseCommand::EnterOneTimeCode { code: forged });
            assert!(
                matches!(refused, Err(CoreError::Invalid { ref field, .. }) if field == "code")
            );
        }
        for junk in ["", "   ", "12;DROP", &"9".repeat(33)] {
            assert!(key
                .seal(
                    case(),
                    &CaseCommand::EnterOneTimeCode {
                        code: OneTimeCode::typed(junk)
                    }
                )
                .is_err());
        }
    }

    #[test]
    fn derived_keys_differ_by_scope_and_never_print_their_secret() {
        let a = CodeKey::derive("server", b"master", b"org-a");
        let b = CodeKey::derive("server", b"master", b"org-b");
        assert_ne!(a.id(), b.id());
        assert_eq!(
            a.id(),
            CodeKey::derive("server", b"master", b"org-a").id(),
            "derivation is stable across restarts"
        );
        let printed = format!("{a:?} {:?}", OneTimeCode::typed("123456"));
        assert!(!printed.contains("123456"));
        assert!(!printed.contains("master"));
    }

    #[test]
    fn only_the_typed_form_is_stored_or_sent() {
        let typed = CaseCommand::EnterOneTimeCode {
            code: OneTimeCode::typed("482913"),
        };
        let json = serde_json::to_string(&typed).unwrap();
        assert_eq!(serde_json::from_str::<CaseCommand>(&json).unwrap(), typed);
        // A client cannot push a digest copied from a pulled event, nor claim a check.
        let key = CodeKey::new("server", [1; 32]);
        let sealed = key.seal(case(), &typed).unwrap();
        assert!(serde_json::to_string(&sealed).is_err());
        let forged = json.replace(
            r#"{"form":"typed","code":"482913"}"#,
            &format!(
                r#"{{"form":"sealed","digest":"{}","key":"{}"}}"#,
                "0".repeat(64),
                key.id()
            ),
        );
        assert_ne!(forged, json);
        assert!(serde_json::from_str::<CaseCommand>(&forged).is_err());
        let unchecked = json.replace(
            r#"{"form":"typed","code":"482913"}"#,
            r#"{"form":"unchecked"}"#,
        );
        assert!(serde_json::from_str::<CaseCommand>(&unchecked).is_err());
    }

    #[test]
    fn an_outbox_from_before_keyed_codes_still_loads_and_its_code_is_refused() {
        let typed = serde_json::to_value(CaseCommand::SendOneTimeCode {
            code: OneTimeCode::typed("482913"),
            contact: "a@b.c".into(),
        })
        .unwrap();
        let mut old = typed.clone();
        let body = old.as_object_mut().unwrap();
        assert!(body.remove("code").is_some());
        body.insert("code_hash".into(), "ab".repeat(32).into());
        let loaded: CaseCommand = serde_json::from_value(old).unwrap();
        let key = CodeKey::new("device", [1; 32]);
        assert_eq!(key.seal(case(), &loaded), Err(legacy_code()));
    }

    #[test]
    fn digests_compare_whole() {
        let key = CodeKey::new("server", [1; 32]);
        let (digest, _) = sealed_entry(&key, "123456");
        assert!(same_digest(&digest, &digest));
        assert!(!same_digest(&digest, &sealed_entry(&key, "654321").0));
        assert!(!same_digest(&digest, &digest[1..]));
    }
}
