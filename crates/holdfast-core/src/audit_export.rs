//! The audit export (issue 14): a file, JSON Lines, that carries a profile's audit chain and the
//! server's signed checkpoints over it, so that a reader outside the app can check it from the
//! file alone (and the server's public key, which the file carries for the reader to compare
//! with the one they trust).
//!
//! The format, version 1 (one JSON object per line, each with a `type`):
//!
//! 1. **One header line**, first: `{"type":"header","format":"holdfast-audit-export",
//!    "version":1,"algorithm":"holdfast-chain-v1","chain":…,"genesis":"00…00","profile":{…},
//!    "events":N,"head":"hex"|null,"checkpoints":{…},"exported_at":…}`. `events` and `head` are
//!    the log's length and last chain hash when it was written, so a cut-off end is caught.
//!    `checkpoints` says who signs (`key`: the server's Ed25519 public key, hex, or null for a
//!    local profile, with a `note` saying why there are none), how (`message`) and how many
//!    checkpoint lines follow (`count`).
//! 2. **One line per event**, in order from 1 with no gaps: `{"type":"event","seq":n,
//!    "canonical":"…","chain_hash":"hex"}`. `canonical` is the exact text the chain hashes (the
//!    event's canonical form, `EventRecord::canonical_bytes`: a compact JSON object with `seq`
//!    first), so a reader hashes its UTF-8 bytes as they are and reads the event from the same
//!    text.
//! 3. **Checkpoint lines**, each right after the event it signs: `{"type":"checkpoint","seq":n,
//!    "chain_hash":"hex","signature":"hex"}`. Interleaving them keeps verification one pass
//!    holding one hash.
//!
//! The chain: `hash(0)` is `genesis` (32 zero bytes); `hash(n) = SHA-256(hash(n-1) ‖
//! u64_be(len(canonical(n))) ‖ canonical(n))` (`ChainHash::next`). A checkpoint's signature is
//! Ed25519 over the ASCII text `holdfast-checkpoint:v1:{seq}:{chain_hash}` ([`checkpoint_message`]).

use std::io::BufRead;

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::audit::ChainHash;
use crate::record::EventRecord;

/// The `format` of the header line.
pub const FORMAT: &str = "holdfast-audit-export";
/// The format's version this code writes and reads.
pub const VERSION: u32 = 1;
/// The chain's algorithm name, as the header carries it.
pub const ALGORITHM: &str = "holdfast-chain-v1";
/// The chain's definition in words, as the header carries it.
pub const CHAIN_DEFINITION: &str = "hash(0) = genesis; hash(n) = SHA-256(hash(n-1) || \
     u64 big-endian byte length of canonical(n) || UTF-8 bytes of canonical(n)); each event \
     line's `canonical` is canonical(n), its `chain_hash` is hash(n), in hex";
/// How a checkpoint's signature is made, as the header carries it.
pub const CHECKPOINT_MESSAGE: &str =
    "Ed25519 over the ASCII text holdfast-checkpoint:v1:{seq}:{chain_hash}";

/// The bytes a checkpoint's signature covers (the sync protocol signs the same bytes).
pub fn checkpoint_message(seq: u64, chain_hash: &str) -> Vec<u8> {
    format!("holdfast-checkpoint:v1:{seq}:{chain_hash}").into_bytes()
}

/// Whose log this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportProfile {
    /// `local` (a profile of its own) or `team` (joined to a sync server's organisation).
    pub kind: String,
    /// The organisation's name (team profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The sync server's address (team profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The user the profile acts as, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// The checkpoints' part of the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportCheckpoints {
    /// The server's Ed25519 public key (hex), or none when no server signs this log.
    pub key: Option<String>,
    pub message: String,
    /// How many checkpoint lines the file holds.
    pub count: u64,
    /// Why there are none, when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A time the profile's chain was linked again (a schema upgrade's re-seal, see "Audit trail:
/// the hashed form" in docs/decisions.md): the links up to `through_seq` were recomputed then, so
/// an edit made before it is sealed in. Informative: the file says so, the chain cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReseal {
    pub resealed_at: String,
    pub schema_version: i64,
    pub through_seq: u64,
    pub links_changed: u64,
    pub reason: String,
}

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportHeader {
    pub format: String,
    pub version: u32,
    pub algorithm: String,
    pub chain: String,
    pub genesis: String,
    pub profile: ExportProfile,
    /// How many event lines follow.
    pub events: u64,
    /// The last event's chain hash (none for an empty log).
    pub head: Option<String>,
    pub checkpoints: ExportCheckpoints,
    /// When the file was written (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<String>,
    /// The times the chain was linked again on an upgrade, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reseals: Vec<ExportReseal>,
}

impl ExportHeader {
    /// A version-1 header; `checkpoint_key` is the server's public key (hex) for a team profile.
    pub fn new(
        profile: ExportProfile,
        events: u64,
        head: Option<ChainHash>,
        checkpoint_key: Option<String>,
        checkpoints: u64,
        exported_at: Option<String>,
    ) -> ExportHeader {
        let note = match (&checkpoint_key, checkpoints) {
            (None, _) => Some(
                "none: this profile is not joined to a sync server, so no server has signed its \
                 chain; the chain and its head are what this file proves"
                    .to_owned(),
            ),
            (Some(_), 0) => Some("none yet: the server has signed no part of this log".to_owned()),
            _ => None,
        };
        ExportHeader {
            format: FORMAT.to_owned(),
            version: VERSION,
            algorithm: ALGORITHM.to_owned(),
            chain: CHAIN_DEFINITION.to_owned(),
            genesis: ChainHash::GENESIS.to_hex(),
            profile,
            events,
            head: head.map(|hash| hash.to_hex()),
            checkpoints: ExportCheckpoints {
                key: checkpoint_key,
                message: CHECKPOINT_MESSAGE.to_owned(),
                count: checkpoints,
                note,
            },
            exported_at,
            reseals: Vec::new(),
        }
    }
}

/// One event line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportEvent {
    pub seq: u64,
    /// The exact text the chain hashes.
    pub canonical: String,
    pub chain_hash: String,
}

/// One checkpoint line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportCheckpoint {
    pub seq: u64,
    pub chain_hash: String,
    pub signature: String,
}

/// Writes `line` and its newline.
pub fn write_line(out: &mut impl std::io::Write, line: &ExportLine) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

/// Any line of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExportLine {
    Header(Box<ExportHeader>),
    Event(ExportEvent),
    Checkpoint(ExportCheckpoint),
}

impl ExportLine {
    /// The line's text, without its newline.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (string keys, no maps of other keys).
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The line for `event` at `seq`, whose link is `hash`.
    pub fn event(seq: u64, event: &EventRecord, hash: &ChainHash) -> ExportLine {
        ExportLine::Event(ExportEvent {
            seq,
            canonical: String::from_utf8_lossy(&event.canonical_bytes(seq)).into_owned(),
            chain_hash: hash.to_hex(),
        })
    }
}

/// What a file that verifies holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub events: u64,
    pub checkpoints: u64,
    /// The key the checkpoints were checked against: compare it with the server's key you trust.
    pub checkpoint_key: Option<String>,
    pub profile: ExportProfile,
    pub head: Option<ChainHash>,
}

/// The first line of the file that does not verify (1-based; one past the last line when the
/// file ends too soon), and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ExportBroken {
    pub line: u64,
    pub reason: String,
}

fn broken(line: u64, reason: impl Into<String>) -> ExportBroken {
    ExportBroken {
        line,
        reason: reason.into(),
    }
}

/// `seq` and the record of a canonical form, read back.
#[derive(Deserialize)]
struct CanonicalEvent {
    seq: u64,
    #[serde(flatten)]
    record: EventRecord,
}

fn parse_key(hex_key: &str) -> Option<VerifyingKey> {
    hex::decode(hex_key)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
}

fn signed_by(key: &VerifyingKey, checkpoint: &ExportCheckpoint) -> bool {
    let Some(signature) = hex::decode(&checkpoint.signature)
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| Signature::from_bytes(&bytes))
    else {
        return false;
    };
    key.verify(
        &checkpoint_message(checkpoint.seq, &checkpoint.chain_hash),
        &signature,
    )
    .is_ok()
}

fn check_header(header: &ExportHeader) -> Result<Option<VerifyingKey>, ExportBroken> {
    if header.format != FORMAT {
        return Err(broken(
            1,
            format!("the format is {:?}, not {FORMAT}", header.format),
        ));
    }
    if header.version != VERSION {
        return Err(broken(
            1,
            format!(
                "version {} of the format; this reader knows version {VERSION}",
                header.version
            ),
        ));
    }
    if header.algorithm != ALGORITHM {
        return Err(broken(
            1,
            format!(
                "the chain's algorithm {:?} is not {ALGORITHM}",
                header.algorithm
            ),
        ));
    }
    if header.genesis != ChainHash::GENESIS.to_hex() {
        return Err(broken(
            1,
            "the chain's genesis is not the algorithm's (32 zero bytes)",
        ));
    }
    if let Some(head) = &header.head {
        if hex::decode(head)
            .ok()
            .and_then(|bytes| ChainHash::from_slice(&bytes))
            .is_none()
        {
            return Err(broken(1, "the head is not a 32-byte hash in hex"));
        }
    }
    match &header.checkpoints.key {
        None => Ok(None),
        Some(key) => parse_key(key)
            .map(Some)
            .ok_or_else(|| broken(1, "the checkpoint key is not an Ed25519 public key in hex")),
    }
}

/// Checks an audit export from its text alone: the header, every event's link from the genesis
/// (each event's canonical form must read back as an event at its position and hash to its
/// chain hash), each checkpoint's signature with the header's key and its hash against the chain
/// at its event, and at the end the header's count and head. The first line that fails is named:
/// an edited event, a removed or moved line, a checkpoint not signed by the key or not over this
/// chain, a cut-off end.
pub fn verify_export(reader: impl BufRead) -> Result<Verified, ExportBroken> {
    let mut lines = reader.lines();
    let header = match lines.next() {
        None => return Err(broken(1, "the file is empty: no header")),
        Some(line) => line.map_err(|error| broken(1, format!("cannot be read: {error}")))?,
    };
    let header = match serde_json::from_str::<ExportLine>(&header) {
        Ok(ExportLine::Header(header)) => *header,
        Ok(_) | Err(_) => {
            return Err(broken(
                1,
                "the first line is not the header of a Holdfast audit export",
            ))
        }
    };
    let key = check_header(&header)?;

    let mut previous = ChainHash::GENESIS;
    let mut events = 0u64;
    let mut checkpoints = 0u64;
    let mut last_event_line = 1u64;
    let mut line_number = 1u64;
    for line in lines {
        line_number += 1;
        let at = line_number;
        let text = line.map_err(|error| broken(at, format!("cannot be read: {error}")))?;
        let parsed = serde_json::from_str::<ExportLine>(&text)
            .map_err(|error| broken(at, format!("not a line of this format: {error}")))?;
        match parsed {
            ExportLine::Header(_) => return Err(broken(at, "a second header")),
            ExportLine::Event(event) => {
                let expected = events + 1;
                if event.seq > expected {
                    return Err(broken(
                        at,
                        format!(
                            "event {expected} is missing (found event {} in its place)",
                            event.seq
                        ),
                    ));
                }
                if event.seq < expected {
                    return Err(broken(
                        at,
                        format!(
                            "event {} is out of order (it comes after event {events})",
                            event.seq
                        ),
                    ));
                }
                if event.seq > header.events {
                    return Err(broken(
                        at,
                        format!(
                            "event {} is past the end the header names ({} events)",
                            event.seq, header.events
                        ),
                    ));
                }
                let hash = ChainHash::next(&previous, event.canonical.as_bytes());
                if hash.to_hex() != event.chain_hash {
                    return Err(broken(
                        at,
                        format!(
                            "event {} does not match its chain hash: it was changed, or an event \
                             before it was removed or moved",
                            event.seq
                        ),
                    ));
                }
                let canonical = serde_json::from_str::<CanonicalEvent>(&event.canonical)
                    .ok()
                    .filter(|read| read.seq == event.seq)
                    .filter(|read| {
                        read.record.canonical_bytes(event.seq) == event.canonical.as_bytes()
                    });
                if canonical.is_none() {
                    return Err(broken(
                        at,
                        format!(
                            "event {}'s hashed text is not the canonical form of an event at \
                             this position",
                            event.seq
                        ),
                    ));
                }
                previous = hash;
                events = expected;
                last_event_line = at;
            }
            ExportLine::Checkpoint(checkpoint) => {
                let Some(key) = &key else {
                    return Err(broken(
                        at,
                        "a checkpoint, but the header names no key to check it with",
                    ));
                };
                if checkpoint.seq > events {
                    return Err(broken(
                        at,
                        format!(
                            "event {} is missing (found the checkpoint at event {} in its place)",
                            events + 1,
                            checkpoint.seq
                        ),
                    ));
                }
                if checkpoint.seq != events || events == 0 {
                    return Err(broken(
                        at,
                        format!(
                            "the checkpoint at event {} is out of place (it must follow that \
                             event; it follows event {events})",
                            checkpoint.seq
                        ),
                    ));
                }
                if !signed_by(key, &checkpoint) {
                    return Err(broken(
                        at,
                        format!(
                            "the checkpoint at event {} is not signed by the header's key",
                            checkpoint.seq
                        ),
                    ));
                }
                if checkpoint.chain_hash != previous.to_hex() {
                    return Err(broken(
                        at,
                        format!(
                            "the chain at event {} differs from the one the server signed: \
                             history was rewritten",
                            checkpoint.seq
                        ),
                    ));
                }
                checkpoints += 1;
            }
        }
    }
    let end = line_number + 1;
    if events < header.events {
        return Err(broken(
            end,
            format!(
                "the file ends at event {events} but its header says {}: lines were removed \
                 from the end",
                header.events
            ),
        ));
    }
    let head = (events > 0).then_some(previous);
    if header.head != head.map(|hash| hash.to_hex()) {
        return Err(broken(
            last_event_line,
            "the last event's chain hash is not the head the header names",
        ));
    }
    if checkpoints != header.checkpoints.count {
        return Err(broken(
            end,
            format!(
                "the header lists {} checkpoints but the file holds {checkpoints}: checkpoint \
                 lines were removed or added",
                header.checkpoints.count
            ),
        ));
    }
    Ok(Verified {
        events,
        checkpoints,
        checkpoint_key: header.checkpoints.key,
        profile: header.profile,
        head,
    })
}

#[cfg(test)]
mod tests;
