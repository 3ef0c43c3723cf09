use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::json;
use uuid::Uuid;

use super::*;

fn record(i: u64) -> EventRecord {
    EventRecord {
        id: Uuid::from_u128(u128::from(i) + 1),
        aggregate_type: "case".into(),
        aggregate_id: Uuid::from_u128(7),
        aggregate_version: i,
        kind: "note_added".into(),
        actor: "ann".into(),
        policy_version: "wootrecruit@1".into(),
        recorded_at: jiff::Timestamp::from_millisecond(1_700_000_000_000 + i as i64).unwrap(),
        payload: json!({ "kind": "note_added", "text": format!("note {i}"), "z": 1, "a": [1, 2] }),
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn sign(key: &SigningKey, seq: u64, hash: &ChainHash) -> ExportLine {
    let chain_hash = hash.to_hex();
    ExportLine::Checkpoint(ExportCheckpoint {
        seq,
        signature: hex::encode(key.sign(&checkpoint_message(seq, &chain_hash)).to_bytes()),
        chain_hash,
    })
}

/// An export of `events` events, signed at each seq in `signed` (by `key` when given).
fn export(events: u64, signed: &[u64], key: Option<&SigningKey>) -> Vec<String> {
    let mut previous = ChainHash::GENESIS;
    let mut body = Vec::new();
    for seq in 1..=events {
        let event = record(seq);
        previous = ChainHash::link(&previous, seq, &event);
        body.push(ExportLine::event(seq, &event, &previous).to_json());
        if let Some(key) = key.filter(|_| signed.contains(&seq)) {
            body.push(sign(key, seq, &previous).to_json());
        }
    }
    let header = ExportHeader::new(
        ExportProfile {
            kind: "team".into(),
            organisation: Some("Billsbee".into()),
            server: Some("https://sync.example.com".into()),
            user: Some("ann".into()),
        },
        events,
        (events > 0).then_some(previous),
        key.map(|key| hex::encode(key.verifying_key().to_bytes())),
        if key.is_some() {
            signed.len() as u64
        } else {
            0
        },
        None,
    );
    let mut lines = vec![ExportLine::Header(Box::new(header)).to_json()];
    lines.extend(body);
    lines
}

fn check(lines: &[String]) -> Result<Verified, ExportBroken> {
    verify_export(format!("{}\n", lines.join("\n")).as_bytes())
}

fn line_of(result: Result<Verified, ExportBroken>) -> u64 {
    result.expect_err("tampering is caught").line
}

/// Lines: 1 header, 2 e1, 3 e2, 4 cp2, 5 e3, 6 e4, 7 cp4, 8 e5.
fn signed() -> Vec<String> {
    export(5, &[2, 4], Some(&key()))
}

#[test]
fn an_untouched_export_verifies() {
    let verified = check(&signed()).unwrap();
    assert_eq!(verified.events, 5);
    assert_eq!(verified.checkpoints, 2);
    assert_eq!(
        verified.checkpoint_key,
        Some(hex::encode(key().verifying_key().to_bytes()))
    );
    let local = export(3, &[], None);
    let verified = check(&local).unwrap();
    assert_eq!((verified.events, verified.checkpoints), (3, 0));
    assert!(local[0].contains("not joined to a sync server"));
    assert_eq!(check(&export(0, &[], None)).unwrap().events, 0);
}

#[test]
fn an_edited_event_is_named_at_its_line() {
    for (line, seq) in [(2usize, 1u64), (3, 2), (5, 3), (8, 5)] {
        let mut lines = signed();
        lines[line - 1] = lines[line - 1].replace(&format!("note {seq}"), "note X");
        assert_eq!(line_of(check(&lines)), line as u64, "event {seq}");
    }
    // Editing and re-hashing one event breaks the next one's link.
    let mut lines = export(4, &[], None);
    let forged = record(2);
    let forged = EventRecord {
        actor: "mallory".into(),
        ..forged
    };
    let previous = ChainHash::link(&ChainHash::GENESIS, 1, &record(1));
    let hash = ChainHash::link(&previous, 2, &forged);
    lines[2] = ExportLine::event(2, &forged, &hash).to_json();
    let broken = check(&lines).unwrap_err();
    assert_eq!(broken.line, 4, "{broken}");
}

#[test]
fn a_removed_line_is_named_where_it_was() {
    let mut lines = signed();
    lines.remove(2); // event 2
    let broken = check(&lines).unwrap_err();
    assert_eq!(broken.line, 3, "{broken}");
    assert!(broken.reason.contains("event 2 is missing"), "{broken}");
    // The last event: the file ends too soon.
    let mut lines = signed();
    lines.pop();
    assert_eq!(line_of(check(&lines)), 8);
    // A checkpoint line: the count in the header no longer holds.
    let mut lines = signed();
    lines.remove(3);
    assert_eq!(line_of(check(&lines)), 8);
}

#[test]
fn a_reordered_line_is_named() {
    let mut lines = signed();
    lines.swap(1, 2); // events 1 and 2
    assert_eq!(line_of(check(&lines)), 2);
    let mut lines = signed();
    lines.swap(4, 5); // event 3 and event 4
    assert_eq!(line_of(check(&lines)), 5);
    let mut lines = signed();
    lines.swap(3, 4); // checkpoint 2 after event 3
    assert_eq!(line_of(check(&lines)), 5);
}

#[test]
fn a_bad_checkpoint_is_named() {
    // Signed by another key.
    let mut lines = signed();
    let hash = ChainHash::link(
        &ChainHash::link(&ChainHash::GENESIS, 1, &record(1)),
        2,
        &record(2),
    );
    lines[3] = sign(&SigningKey::from_bytes(&[4; 32]), 2, &hash).to_json();
    let broken = check(&lines).unwrap_err();
    assert_eq!(broken.line, 4);
    assert!(broken.reason.contains("not signed"), "{broken}");
    // A flipped signature byte.
    let mut lines = signed();
    let signature_at = lines[6].find("\"signature\":\"").unwrap() + 13;
    let flipped = if &lines[6][signature_at..=signature_at] == "0" {
        "1"
    } else {
        "0"
    };
    lines[6].replace_range(signature_at..=signature_at, flipped);
    assert_eq!(line_of(check(&lines)), 7);
    // A genuine signature over another chain: a rewritten history.
    let mut lines = signed();
    lines[3] = sign(&key(), 2, &ChainHash([1; 32])).to_json();
    let broken = check(&lines).unwrap_err();
    assert_eq!(broken.line, 4);
    assert!(broken.reason.contains("rewritten"), "{broken}");
    // A checkpoint in a local profile's file, which names no key.
    let mut lines = export(2, &[], None);
    lines.push(sign(&key(), 2, &ChainHash([1; 32])).to_json());
    assert_eq!(line_of(check(&lines)), 4);
}

#[test]
fn the_header_is_checked() {
    assert_eq!(line_of(verify_export(&b""[..])), 1);
    assert_eq!(line_of(verify_export(&b"{\"type\":\"event\"}\n"[..])), 1);
    let mut lines = signed();
    lines[0] = lines[0].replace("\"version\":1", "\"version\":2");
    assert_eq!(line_of(check(&lines)), 1);
    // A changed head: the last event no longer ends the chain the header names.
    let mut lines = export(3, &[], None);
    let head = lines[0].find("\"head\":\"").unwrap() + 8;
    lines[0].replace_range(head..head + 2, "ff");
    assert_eq!(line_of(check(&lines)), 4);
    // A second header, and text that is not a line of the format.
    let mut lines = signed();
    lines.insert(2, lines[0].clone());
    assert_eq!(line_of(check(&lines)), 3);
    let mut lines = signed();
    lines.insert(4, "not json".into());
    assert_eq!(line_of(check(&lines)), 5);
}

#[test]
fn the_hashed_text_must_be_the_canonical_form() {
    // Same hash chain, but over text that is not an event's canonical form: refused.
    let canonical = r#"{"seq":1,"note":"anything"}"#;
    let hash = ChainHash::next(&ChainHash::GENESIS, canonical.as_bytes());
    let line = ExportLine::Event(ExportEvent {
        seq: 1,
        canonical: canonical.into(),
        chain_hash: hash.to_hex(),
    });
    let header = ExportHeader::new(
        ExportProfile {
            kind: "local".into(),
            organisation: None,
            server: None,
            user: None,
        },
        1,
        Some(hash),
        None,
        0,
        None,
    );
    let lines = vec![
        ExportLine::Header(Box::new(header)).to_json(),
        line.to_json(),
    ];
    let broken = check(&lines).unwrap_err();
    assert_eq!(broken.line, 2);
    assert!(broken.reason.contains("canonical"), "{broken}");
}

#[test]
fn the_signed_message_is_the_sync_protocols() {
    assert_eq!(
        checkpoint_message(12, "ab"),
        b"holdfast-checkpoint:v1:12:ab".to_vec()
    );
}
