//! Reading back what the app stored: the profile's database key from the Secret Service (as the
//! app gets it) and the events in the encrypted database, so a test can check the audit trail
//! behind what the window showed.

use std::path::Path;

/// One event of the audit trail, as stored.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub kind: String,
    /// Who did it, by the name the profile knows them by (events record the person's stable id).
    pub actor: String,
    /// The stable id the event records.
    pub actor_id: String,
    pub policy_version: String,
    pub payload: serde_json::Value,
}

/// The profile's database key, looked up in the Secret Service with `secret-tool`.
pub fn database_key(profile: &Path) -> String {
    let canonical = profile.canonicalize().expect("profile path");
    let key = std::process::Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "app.holdfast.desk",
            "username",
            &format!("database-key:{}", canonical.display()),
        ])
        .output()
        .expect("secret-tool (Debian package libsecret-tools) runs");
    let key = String::from_utf8_lossy(&key.stdout).trim().to_owned();
    assert_eq!(key.len(), 64, "the database key is 32 bytes of hex");
    key
}

/// The profile's database, opened with its key.
pub fn open_store(profile: &Path) -> rusqlite::Connection {
    let key = database_key(profile);
    let db = rusqlite::Connection::open(profile.join("holdfast.db")).expect("database file");
    db.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .expect("keyed");
    db
}

/// Every event in the order it was recorded.
pub fn stored_events(profile: &Path) -> Vec<StoredEvent> {
    let db = open_store(profile);
    let mut statement = db
        .prepare(
            "SELECT e.kind, coalesce(u.name, e.actor), e.policy_version, e.payload, e.actor
             FROM events e LEFT JOIN users u ON u.id = e.actor ORDER BY e.seq",
        )
        .expect("the events table");
    let events = statement
        .query_map([], |row| {
            let payload: String = row.get(3)?;
            Ok(StoredEvent {
                kind: row.get(0)?,
                actor: row.get(1)?,
                actor_id: row.get(4)?,
                policy_version: row.get(2)?,
                payload: serde_json::from_str(&payload).expect("an event's payload is JSON"),
            })
        })
        .expect("events readable")
        .collect::<Result<Vec<_>, _>>()
        .expect("events readable");
    events
}

/// The name the profile knows the person with stable id `id` by (events and their payloads
/// record ids: `requested_by`, `verified_by`, a checklist item's `by`).
pub fn user_name(profile: &Path, id: &str) -> String {
    open_store(profile)
        .query_row("SELECT name FROM users WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .unwrap_or_else(|error| panic!("no user with id {id:?}: {error}"))
}

/// Where the first event of `kind` is in the trail, failing with the whole trail when missing.
pub fn position_of(events: &[StoredEvent], kind: &str) -> usize {
    events
        .iter()
        .position(|e| e.kind == kind)
        .unwrap_or_else(|| {
            panic!(
                "no {kind} event stored; the trail is: {:?}",
                events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>()
            )
        })
}

/// The events of `kind`, failing with the whole trail when there are none.
pub fn events_of<'a>(events: &'a [StoredEvent], kind: &str) -> Vec<&'a StoredEvent> {
    let found: Vec<&StoredEvent> = events.iter().filter(|e| e.kind == kind).collect();
    assert!(
        !found.is_empty(),
        "no {kind} event stored; the trail is: {:?}",
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>()
    );
    found
}

/// The one event of `kind`.
pub fn only_event<'a>(events: &'a [StoredEvent], kind: &str) -> &'a StoredEvent {
    let found = events_of(events, kind);
    assert_eq!(found.len(), 1, "expected one {kind} event, found {found:?}");
    found[0]
}
