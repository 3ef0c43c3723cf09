//! The audit chain: each recorded event's hash is SHA-256 over the previous event's hash and the
//! event's canonical bytes, so changing, removing or reordering any event breaks every link after
//! it. The chain's head (last sequence number and hash) is kept apart, so cutting events off the
//! end is caught too. Pure: callers hand in what they stored.

use sha2::{Digest, Sha256};

use crate::record::EventRecord;

/// A link's hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// What the first event is chained to.
    pub const GENESIS: ChainHash = ChainHash([0; 32]);

    /// The hash of the event that follows `previous` and whose canonical bytes are `canonical`.
    pub fn next(previous: &ChainHash, canonical: &[u8]) -> ChainHash {
        let mut hasher = Sha256::new();
        hasher.update(previous.0);
        // The length keeps the boundary between the two inputs unambiguous.
        hasher.update((canonical.len() as u64).to_be_bytes());
        hasher.update(canonical);
        ChainHash(hasher.finalize().into())
    }

    /// The hash of `event` recorded at position `seq`, after `previous`: the one way every log
    /// (the device's, the server's, a pulled page) links an event.
    pub fn link(previous: &ChainHash, seq: u64, event: &EventRecord) -> ChainHash {
        ChainHash::next(previous, &event.canonical_bytes(seq))
    }

    pub fn from_slice(bytes: &[u8]) -> Option<ChainHash> {
        <[u8; 32]>::try_from(bytes).ok().map(ChainHash)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainHash({})", &self.to_hex()[..12])
    }
}

/// One stored event as the verifier reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    /// Position in the log, from 1 with no gaps.
    pub seq: u64,
    pub canonical: Vec<u8>,
    pub hash: ChainHash,
}

/// Where the chain first fails, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokenLink {
    #[error("event {seq} does not match its hash: it was changed, or an event before it was removed or moved")]
    HashMismatch { seq: u64 },
    #[error("event {expected} is missing (found {found} in its place)")]
    Gap { expected: u64, found: u64 },
    #[error(
        "the log ends at event {last} but its head says {head}: events were removed from the end"
    )]
    Truncated { last: u64, head: u64 },
    #[error("the log's head does not match its last event")]
    HeadMismatch,
}

/// Checks every link in order from the first event, without a head: the number of links and the
/// last hash, or the first link that fails. For a log whose end cannot be read, this says whether
/// the part before it holds.
pub fn verify_links(
    links: impl IntoIterator<Item = StoredLink>,
) -> Result<(u64, ChainHash), BrokenLink> {
    let mut previous = ChainHash::GENESIS;
    let mut count = 0u64;
    for link in links {
        let expected = count + 1;
        if link.seq != expected {
            return Err(BrokenLink::Gap {
                expected,
                found: link.seq,
            });
        }
        let hash = ChainHash::next(&previous, &link.canonical);
        if hash != link.hash {
            return Err(BrokenLink::HashMismatch { seq: link.seq });
        }
        previous = hash;
        count = expected;
    }
    Ok((count, previous))
}

/// Checks every link in order against the recorded head (`None` for an empty log). Returns the
/// number of events verified.
pub fn verify_chain(
    links: impl IntoIterator<Item = StoredLink>,
    head: Option<(u64, ChainHash)>,
) -> Result<u64, BrokenLink> {
    let (count, previous) = verify_links(links)?;
    match head {
        None if count == 0 => Ok(0),
        None => Err(BrokenLink::HeadMismatch),
        Some((head_seq, _)) if head_seq > count => Err(BrokenLink::Truncated {
            last: count,
            head: head_seq,
        }),
        Some((head_seq, head_hash)) if head_seq == count && head_hash == previous => Ok(count),
        Some(_) => Err(BrokenLink::HeadMismatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(events: &[&str]) -> (Vec<StoredLink>, Option<(u64, ChainHash)>) {
        let mut previous = ChainHash::GENESIS;
        let links: Vec<StoredLink> = events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                previous = ChainHash::next(&previous, event.as_bytes());
                StoredLink {
                    seq: index as u64 + 1,
                    canonical: event.as_bytes().to_vec(),
                    hash: previous,
                }
            })
            .collect();
        let head = links.last().map(|link| (link.seq, link.hash));
        (links, head)
    }

    const EVENTS: [&str; 4] = [
        r#"{"kind":"case_received"}"#,
        r#"{"kind":"identity_verified"}"#,
        r#"{"kind":"offer_proposed"}"#,
        r#"{"kind":"offer_declined"}"#,
    ];

    #[test]
    fn an_intact_chain_verifies() {
        let (links, head) = chain(&EVENTS);
        assert_eq!(verify_chain(links, head), Ok(4));
        assert_eq!(verify_chain(Vec::new(), None), Ok(0));
    }

    #[test]
    fn a_changed_event_is_the_first_broken_link() {
        for victim in 0..EVENTS.len() {
            let (mut links, head) = chain(&EVENTS);
            links[victim].canonical[2] ^= 1;
            assert_eq!(
                verify_chain(links, head),
                Err(BrokenLink::HashMismatch {
                    seq: victim as u64 + 1
                })
            );
        }
    }

    #[test]
    fn removed_or_reordered_events_are_caught() {
        for victim in 0..EVENTS.len() {
            let (mut links, head) = chain(&EVENTS);
            links.remove(victim);
            assert!(verify_chain(links, head).is_err(), "removing {victim}");
        }
        for first in 0..EVENTS.len() - 1 {
            let (mut links, head) = chain(&EVENTS);
            links.swap(first, first + 1);
            assert!(verify_chain(links, head).is_err(), "swapping {first}");
            // Renumbering after the swap still breaks the hashes.
            let (mut links, head) = chain(&EVENTS);
            let (a, b) = (
                links[first].canonical.clone(),
                links[first + 1].canonical.clone(),
            );
            links[first].canonical = b;
            links[first + 1].canonical = a;
            assert_eq!(
                verify_chain(links, head),
                Err(BrokenLink::HashMismatch {
                    seq: first as u64 + 1
                })
            );
        }
    }

    #[test]
    fn a_rehashed_forgery_does_not_match_the_head() {
        let (_, head) = chain(&EVENTS);
        let (forged, _) = chain(&[
            EVENTS[0],
            EVENTS[1],
            r#"{"kind":"offer_accepted"}"#,
            EVENTS[3],
        ]);
        assert_eq!(verify_chain(forged, head), Err(BrokenLink::HeadMismatch));
    }
}
