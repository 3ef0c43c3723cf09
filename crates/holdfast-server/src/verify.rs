//! `holdfast-server verify`: re-derives an organisation's whole chain from its stored events (the
//! same links a client checks on pull, `holdfast_core::audit`) and checks every signed
//! checkpoint against the chain and the server's key, so an operator can prove the log is what
//! the server wrote.

use holdfast_core::audit::ChainHash;
use holdfast_sync::protocol::MAX_BATCH;
use uuid::Uuid;

use crate::checkpoint::{verify_checkpoint, CheckpointSigner};
use crate::error::Result;
use crate::store::ServerStore;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogVerdict {
    Intact {
        events: u64,
        checkpoints: u64,
    },
    /// The first problem, at the event (or checkpoint) `seq` when one can be named.
    Broken {
        seq: Option<u64>,
        message: String,
    },
}

impl std::fmt::Display for LogVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogVerdict::Intact {
                events,
                checkpoints,
            } => write!(
                f,
                "intact: {events} events, {checkpoints} signed checkpoints verified"
            ),
            LogVerdict::Broken {
                seq: Some(seq),
                message,
            } => {
                write!(f, "BROKEN at event {seq}: {message}")
            }
            LogVerdict::Broken { seq: None, message } => write!(f, "BROKEN: {message}"),
        }
    }
}

fn broken(seq: u64, message: impl Into<String>) -> LogVerdict {
    LogVerdict::Broken {
        seq: Some(seq),
        message: message.into(),
    }
}

/// Checks the organisation's log from its first event to its head, then its checkpoints.
pub async fn verify_log(store: &dyn ServerStore, organisation_id: Uuid) -> Result<LogVerdict> {
    let signer = CheckpointSigner::load(store).await?;
    verify_log_with_key(store, &signer.public_key_hex(), organisation_id).await
}

/// `verify_log` against the public key `key` (hex): the key file's, for a server whose key is
/// kept outside the database.
pub async fn verify_log_with_key(
    store: &dyn ServerStore,
    key: &str,
    organisation_id: Uuid,
) -> Result<LogVerdict> {
    let key = key.to_owned();
    let mut previous = ChainHash::GENESIS;
    // The chain hash at every position, to check the checkpoints against (32 bytes an event).
    let mut hashes: Vec<ChainHash> = Vec::new();
    loop {
        let page = store
            .events_after(organisation_id, hashes.len() as u64, MAX_BATCH)
            .await?;
        for event in &page.events {
            let expected_seq = hashes.len() as u64 + 1;
            if event.seq != expected_seq {
                return Ok(broken(
                    expected_seq,
                    format!("missing (found event {} in its place)", event.seq),
                ));
            }
            let hash = ChainHash::link(&previous, event.seq, &event.record);
            if hash.to_hex() != event.chain_hash {
                return Ok(broken(
                    event.seq,
                    "does not match its chain hash: it was changed, or an event before it was \
                     removed or moved",
                ));
            }
            hashes.push(hash);
            previous = hash;
        }
        if !page.more || page.events.is_empty() {
            break;
        }
    }
    let events = hashes.len() as u64;
    match store.head(organisation_id).await? {
        None if events == 0 => {}
        Some((seq, hash)) if seq == events && ChainHash(hash) == previous => {}
        Some((seq, _)) if seq > events => {
            return Ok(broken(
                events + 1,
                format!("the log ends at event {events} but its head says {seq}"),
            ))
        }
        _ => {
            return Ok(LogVerdict::Broken {
                seq: None,
                message: "the log's head does not match its last event".into(),
            })
        }
    }
    let mut checkpoints = 0u64;
    let mut after = 0u64;
    loop {
        let page = store
            .checkpoints_after(organisation_id, after, MAX_BATCH)
            .await?;
        for checkpoint in &page {
            if !verify_checkpoint(&key, checkpoint) {
                return Ok(broken(
                    checkpoint.seq,
                    "the checkpoint here is not signed by this server's key",
                ));
            }
            let at = usize::try_from(checkpoint.seq)
                .ok()
                .and_then(|seq| seq.checked_sub(1))
                .and_then(|index| hashes.get(index));
            match at {
                Some(hash) if hash.to_hex() == checkpoint.chain_hash => {}
                Some(_) => {
                    return Ok(broken(
                        checkpoint.seq,
                        "the chain here differs from the one the server signed: history was \
                         rewritten",
                    ))
                }
                None => {
                    return Ok(broken(
                        checkpoint.seq,
                        "the server signed the chain up to here, but the log is shorter",
                    ))
                }
            }
            checkpoints += 1;
            after = checkpoint.seq;
        }
        if page.len() < MAX_BATCH {
            break;
        }
    }
    Ok(LogVerdict::Intact {
        events,
        checkpoints,
    })
}
