//! `holdfast-server verify-export FILE` through the command line's entry point: an export with
//! checkpoints signed by this server's signer verifies; an edited event, a removed line and a
//! checkpoint signed by another key are refused; `--expect-key` compares the file's key.

use std::path::{Path, PathBuf};

use clap::Parser as _;
use holdfast_core::audit::ChainHash;
use holdfast_core::audit_export::{
    verify_export, ExportCheckpoint, ExportHeader, ExportLine, ExportProfile,
};
use holdfast_core::record::EventRecord;
use serde_json::json;
use uuid::Uuid;

use crate::checkpoint::CheckpointSigner;
use crate::cli::{run, Cli};
use crate::error::ServerError;

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_secret([5; 32])
}

/// Lines: 1 header, 2 e1, 3 e2, 4 cp2, 5 e3, 6 e4, 7 cp4.
fn export(signer: &CheckpointSigner) -> Vec<String> {
    let mut previous = ChainHash::GENESIS;
    let mut body = Vec::new();
    for seq in 1..=4u64 {
        let event = EventRecord {
            id: Uuid::from_u128(u128::from(seq)),
            aggregate_type: "case".into(),
            aggregate_id: Uuid::from_u128(99),
            aggregate_version: seq,
            kind: "note_added".into(),
            actor: "Ann".into(),
            policy_version: "billsbee@1".into(),
            recorded_at: jiff::Timestamp::from_millisecond(1_790_000_000_000 + seq as i64)
                .expect("instant"),
            payload: json!({ "kind": "note_added", "text": format!("call {seq}") }),
        };
        previous = ChainHash::link(&previous, seq, &event);
        body.push(ExportLine::event(seq, &event, &previous).to_json());
        if seq % 2 == 0 {
            let signed = signer.sign(seq, &previous.to_hex());
            body.push(
                ExportLine::Checkpoint(ExportCheckpoint {
                    seq: signed.seq,
                    chain_hash: signed.chain_hash,
                    signature: signed.signature,
                })
                .to_json(),
            );
        }
    }
    let header = ExportHeader::new(
        ExportProfile {
            kind: "team".into(),
            organisation: Some("Billsbee".into()),
            server: Some("https://sync.example.com".into()),
            user: Some("Ann".into()),
        },
        4,
        Some(previous),
        Some(signer.public_key_hex()),
        2,
        None,
    );
    let mut lines = vec![ExportLine::Header(Box::new(header)).to_json()];
    lines.extend(body);
    lines
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{}\n", lines.join("\n"))).expect("written");
    path
}

async fn verify_export_cli(file: &Path, expect_key: Option<&str>) -> crate::Result<()> {
    let mut args = vec![
        "holdfast-server".to_owned(),
        "verify-export".into(),
        file.display().to_string(),
    ];
    if let Some(key) = expect_key {
        args.extend(["--expect-key".to_owned(), key.to_owned()]);
    }
    run(Cli::try_parse_from(args).expect("parses")).await
}

fn broken_line(result: crate::Result<()>) -> String {
    match result {
        Err(ServerError::Invalid { message, .. }) => message,
        other => panic!("expected a broken export, got {other:?}"),
    }
}

#[tokio::test]
async fn an_intact_export_verifies_through_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let lines = export(&signer());
    let file = write(dir.path(), "audit.jsonl", &lines);
    verify_export_cli(&file, None).await.expect("verifies");
    verify_export_cli(&file, Some(&signer().public_key_hex()))
        .await
        .expect("the expected key");
    let verified = verify_export(std::fs::read(&file).expect("read").as_slice()).expect("ok");
    assert_eq!((verified.events, verified.checkpoints), (4, 2));
    assert_eq!(
        super::verify_export::describe(&Ok(verified)).lines().next(),
        Some("verified: 4 events, 2 checkpoints")
    );
}

#[tokio::test]
async fn a_tampered_export_is_refused_with_its_first_broken_line() {
    let dir = tempfile::tempdir().expect("dir");
    let lines = export(&signer());

    let mut edited = lines.clone();
    edited[4] = edited[4].replace("call 3", "call 8");
    let file = write(dir.path(), "edited.jsonl", &edited);
    let message = broken_line(verify_export_cli(&file, None).await);
    assert!(message.contains("line 5:"), "{message}");

    let mut removed = lines.clone();
    removed.remove(1);
    let file = write(dir.path(), "removed.jsonl", &removed);
    let message = broken_line(verify_export_cli(&file, None).await);
    assert!(message.contains("line 2:"), "{message}");
    assert!(message.contains("event 1 is missing"), "{message}");

    let mut reordered = lines.clone();
    reordered.swap(4, 5);
    let file = write(dir.path(), "reordered.jsonl", &reordered);
    let message = broken_line(verify_export_cli(&file, None).await);
    assert!(message.contains("line 5:"), "{message}");

    // A checkpoint re-signed by another key (the header still names this server's key).
    let other = CheckpointSigner::from_secret([6; 32]);
    let mut forged = lines.clone();
    forged[3] = export(&other)[3].clone();
    let file = write(dir.path(), "forged.jsonl", &forged);
    let message = broken_line(verify_export_cli(&file, None).await);
    assert!(message.contains("line 4:"), "{message}");
    assert!(message.contains("not signed"), "{message}");

    // A file wholly signed by another key verifies on its own, but not against the key trusted.
    let file = write(dir.path(), "other.jsonl", &export(&other));
    verify_export_cli(&file, None)
        .await
        .expect("self-consistent");
    let message = broken_line(verify_export_cli(&file, Some(&signer().public_key_hex())).await);
    assert!(message.contains("line 1:"), "{message}");

    // A file that is not there.
    assert!(matches!(
        verify_export_cli(&dir.path().join("missing.jsonl"), None).await,
        Err(ServerError::Io { .. })
    ));
}
