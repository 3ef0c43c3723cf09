//! Issue 14, the audit export: `write_audit_export` writes the log, its chain and (in a joined
//! profile) the server's signed checkpoints; the file verifies from its text alone, and every kind
//! of tampering — with the file or with the database before the export — is named at its line.

mod common;
#[path = "support/team_server.rs"]
mod team_server;

use std::io::{Read, Write};
use std::sync::mpsc;

use common::{draft, now, Fixture};
use holdfast_core::role::Role;
use holdfast_store::audit_export::{verify_audit_export, AuditExportSummary, ExportBroken};
use holdfast_store::events::EventRecord;
use serde_json::json;
use team_server::Server;
use uuid::Uuid;

fn events(count: usize) -> Vec<EventRecord> {
    let case = Uuid::now_v7();
    (0..count)
        .map(|i| EventRecord {
            id: Uuid::now_v7(),
            aggregate_type: "case".into(),
            aggregate_id: case,
            aggregate_version: i as u64 + 1,
            kind: "note_added".into(),
            actor: "ann".into(),
            policy_version: "wootrecruit@1".into(),
            recorded_at: now() + jiff::SignedDuration::from_secs(i as i64),
            payload: json!({ "kind": "note_added", "text": format!("note {i}"), "amount": { "minor": i, "currency": "USD" } }),
        })
        .collect()
}

fn local_log(count: usize) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.db.record_events(&events(count)).unwrap();
    fixture
}

fn export_of(fixture: &Fixture) -> (Vec<String>, AuditExportSummary) {
    let mut out = Vec::new();
    let summary = fixture.db.write_audit_export(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    (text.lines().map(str::to_owned).collect(), summary)
}

fn check(lines: &[String]) -> Result<holdfast_store::audit_export::Verified, ExportBroken> {
    verify_audit_export(format!("{}\n", lines.join("\n")).as_bytes())
}

#[test]
fn a_local_profiles_export_verifies_and_says_it_has_no_checkpoints() {
    let fixture = local_log(6);
    let (lines, summary) = export_of(&fixture);
    assert_eq!(
        summary,
        AuditExportSummary {
            events: 6,
            checkpoints: 0
        }
    );
    assert_eq!(lines.len(), 7);
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(header["format"], "holdfast-audit-export");
    assert_eq!(header["profile"]["kind"], "local");
    assert_eq!(header["checkpoints"]["key"], serde_json::Value::Null);
    assert!(header["checkpoints"]["note"]
        .as_str()
        .unwrap()
        .starts_with("none"));
    let verified = check(&lines).unwrap();
    assert_eq!((verified.events, verified.checkpoints), (6, 0));
    // An empty profile's export verifies too.
    let (lines, _) = export_of(&Fixture::new());
    assert_eq!(check(&lines).unwrap().events, 0);
}

#[test]
fn each_kind_of_tampering_with_the_file_is_named_at_its_line() {
    let (lines, _) = export_of(&local_log(6));
    // An edited payload (event 3 is line 4).
    let mut edited = lines.clone();
    edited[3] = edited[3].replace("note 2", "note 9");
    assert_eq!(edited.len(), lines.len());
    assert_ne!(edited[3], lines[3]);
    assert_eq!(check(&edited).unwrap_err().line, 4);
    // A removed line: the next event is found in its place.
    let mut removed = lines.clone();
    removed.remove(2);
    let broken = check(&removed).unwrap_err();
    assert_eq!(broken.line, 3);
    assert!(broken.reason.contains("event 2 is missing"), "{broken}");
    // A reordered line.
    let mut reordered = lines.clone();
    reordered.swap(4, 5);
    assert_eq!(check(&reordered).unwrap_err().line, 5);
    // The end cut off.
    let mut cut = lines.clone();
    cut.pop();
    assert_eq!(check(&cut).unwrap_err().line, 7);
}

#[test]
fn a_database_edited_before_the_export_gives_a_file_that_names_the_event() {
    let fixture = local_log(5);
    let path = fixture.path();
    let Fixture { dir, key, db } = fixture;
    drop(db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
            .unwrap();
        conn.execute(
            "UPDATE events SET payload = replace(payload, 'note 3', 'note 7') WHERE seq = 4",
            [],
        )
        .unwrap();
    }
    let fixture = Fixture {
        db: holdfast_store::Database::open(&path, &key).unwrap(),
        dir,
        key,
    };
    let (lines, _) = export_of(&fixture);
    let broken = check(&lines).unwrap_err();
    assert_eq!(broken.line, 5, "{broken}");
}

/// WootRecruit's policy, naming who imports accounts: managers.
fn policy_source() -> String {
    include_str!("../../../policies/wootrecruit.toml")
        .replace("[roles]\n", "[roles]\nimport_accounts = [\"manager\"]\n")
}

#[test]
fn a_team_profiles_export_carries_the_servers_signed_checkpoints() {
    let server = Server::start(&policy_source());
    let ann = server.add_user("Ann", &[Role::Manager]);
    let mut desk = Fixture::new();
    desk.db
        .join_organisation("https://sync.example.com", Uuid::now_v7(), &server.me(&ann))
        .unwrap();
    desk.db.set_policy(&policy_source()).unwrap();
    let drafts: Vec<_> = (1..=5)
        .map(|i| draft(&format!("A-{i}"), &format!("Account {i}")))
        .collect();
    desk.db.import_accounts(&drafts, now()).unwrap();
    while let Some(request) = desk.db.next_push(10).unwrap() {
        let response = server.push(&ann, &request);
        desk.db.apply_push_response(&response, now()).unwrap();
    }
    // Pages of two events: checkpoints at 2, 4 and 5.
    server.pull_all(&mut desk.db, &ann, 2);

    let (lines, summary) = export_of(&desk);
    assert_eq!(
        summary,
        AuditExportSummary {
            events: 5,
            checkpoints: 3
        }
    );
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(header["profile"]["kind"], "team");
    assert_eq!(header["profile"]["organisation"], "WootRecruit");
    assert_eq!(header["checkpoints"]["key"], server.signer.public_key_hex());
    let verified = check(&lines).unwrap();
    assert_eq!((verified.events, verified.checkpoints), (5, 3));
    assert_eq!(
        verified.checkpoint_key,
        Some(server.signer.public_key_hex())
    );
    // Lines: header, e1, e2, cp2, e3, e4, cp4, e5, cp5.
    assert!(lines[3].contains("\"type\":\"checkpoint\""), "{}", lines[3]);

    // A checkpoint whose signature was changed is named.
    let mut forged = lines.clone();
    let at = forged[6].find("\"signature\":\"").unwrap() + 13;
    let flipped = if &forged[6][at..=at] == "a" { "b" } else { "a" };
    forged[6].replace_range(at..=at, flipped);
    let broken = check(&forged).unwrap_err();
    assert_eq!(broken.line, 7, "{broken}");
    // A checkpoint signed by another key, with the header claiming that key: the reader sees a
    // key that is not the server's.
    let other = holdfast_server::checkpoint::CheckpointSigner::from_secret([3; 32]);
    let mut swapped = lines.clone();
    swapped[0] = swapped[0].replace(&server.signer.public_key_hex(), &other.public_key_hex());
    assert_eq!(check(&swapped).unwrap_err().line, 4);
}

/// A `Write` that hands each chunk to a reader on another thread through a channel of a few
/// chunks: the writer waits while the reader is behind.
struct Pipe(mpsc::SyncSender<Vec<u8>>);

impl Write for Pipe {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(bytes.to_vec())
            .map_err(|_| std::io::Error::other("the reader stopped"))?;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Drain {
    from: mpsc::Receiver<Vec<u8>>,
    buffer: Vec<u8>,
    at: usize,
}

impl Read for Drain {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.buffer.len() {
            match self.from.recv() {
                Ok(chunk) => {
                    self.buffer = chunk;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buffer.len() - self.at);
        out[..n].copy_from_slice(&self.buffer[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn a_long_log_streams_through_a_pipe_while_it_is_checked() {
    const EVENTS: usize = 30_000;
    let mut fixture = Fixture::new();
    for chunk in events(EVENTS).chunks(5_000) {
        fixture.db.record_events(chunk).unwrap();
    }
    // A channel of four chunks (8 KiB each from the store's buffer): the whole file (~10 MB)
    // never sits anywhere at once, and the reader checks it while it is written.
    let (send, receive) = mpsc::sync_channel(4);
    let reader = std::thread::spawn(move || {
        let drain = std::io::BufReader::new(Drain {
            from: receive,
            buffer: Vec::new(),
            at: 0,
        });
        verify_audit_export(drain)
    });
    let summary = fixture.db.write_audit_export(Pipe(send)).unwrap();
    assert_eq!(summary.events, EVENTS as u64);
    let verified = reader.join().unwrap().unwrap();
    assert_eq!(verified.events, EVENTS as u64);
}

#[test]
fn an_upgrades_reseal_is_named_in_the_header() {
    let fixture = local_log(3);
    let path = fixture.path();
    let Fixture { dir, key, db } = fixture;
    drop(db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
            .unwrap();
        conn.execute(
            "INSERT INTO audit_reseals (resealed_at, schema_version, through_seq, links_changed, reason)
             VALUES (1790000000000, 10, 3, 3, 'upgrade')",
            [],
        )
        .unwrap();
    }
    let fixture = Fixture {
        db: holdfast_store::Database::open(&path, &key).unwrap(),
        dir,
        key,
    };
    let (lines, _) = export_of(&fixture);
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(header["reseals"][0]["through_seq"], 3);
    assert_eq!(header["reseals"][0]["schema_version"], 10);
    assert_eq!(check(&lines).unwrap().events, 3);
}
