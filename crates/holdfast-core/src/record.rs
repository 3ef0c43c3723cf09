//! The one event record: what every decided event looks like once it leaves the engine (its
//! aggregate, version, kind, actor, policy version, instant and payload), how it is built from the
//! engine's events, and its canonical bytes, the exact form the audit chain hashes. The device's
//! store, the sync protocol and the server all carry this type, so the hashed form is defined here
//! and nowhere else.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::Account;
use crate::personal;
use crate::workflow::CaseEvent;
use crate::CoreError;

/// The aggregate type of case events.
pub const CASE: &str = "case";
/// The aggregate type of account events.
pub const ACCOUNT: &str = "account";
/// The kind of the event an account import records per new or changed account.
pub const ACCOUNT_UPSERTED: &str = "account_upserted";
/// The aggregate type of a profile's user: changes to who they are (name) and what they may do
/// (roles).
pub const USER: &str = "user";
/// The kind of the event that records a user's name or roles set or changed.
pub const USER_CHANGED: &str = "user_changed";

/// The namespace of user aggregate ids (a fixed, random UUID).
const USER_NAMESPACE: Uuid = Uuid::from_u128(0x2b8e_71c4_05d9_4f3a_9e16_c7a0_3d58_e912);

/// The aggregate id of the user whose stable id is `user_id` (UUID v5), so a user id that is not
/// itself a UUID (a name, for profiles made before users had ids) still names one aggregate.
pub fn user_aggregate_id(user_id: &str) -> Uuid {
    Uuid::new_v5(&USER_NAMESPACE, user_id.as_bytes())
}

/// A user as one `user_changed` event describes them before or after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDescription {
    pub name: String,
    pub roles: Vec<crate::role::Role>,
}

/// One decided event, as recorded in a log and carried by sync.
///
/// `recorded_at` is a whole number of milliseconds when built here (see [`stored_instant`]): the
/// device keeps instants at that precision, and what is hashed must be exactly what is stored and
/// read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub id: Uuid,
    /// [`CASE`], [`ACCOUNT`] or [`USER`].
    pub aggregate_type: String,
    pub aggregate_id: Uuid,
    /// The aggregate's version after this event: 1 for the event that creates it.
    pub aggregate_version: u64,
    /// The payload's `kind`: what happened, in the domain's words.
    pub kind: String,
    /// Who decided it: the user's stable id (on profiles made before users had ids, and in a
    /// team, the user's name).
    pub actor: String,
    /// The version of the policy it was decided under.
    pub policy_version: String,
    pub recorded_at: Timestamp,
    /// The engine's event, tagged with its kind.
    pub payload: serde_json::Value,
}

/// `at` at the precision an event's instant is recorded and hashed at: whole milliseconds.
pub fn stored_instant(at: Timestamp) -> Timestamp {
    // Flooring (not rounding) keeps an instant inside the millisecond it happened in; every
    // millisecond since the epoch is a valid Timestamp, so the fallback is never taken.
    Timestamp::from_millisecond(at.as_millisecond()).unwrap_or(at)
}

/// Who recorded a batch of events, under which policy, when.
#[derive(Debug, Clone, Copy)]
pub struct Recording<'a> {
    pub actor: &'a str,
    pub policy_version: &'a str,
    pub at: Timestamp,
    /// A fresh random value for this batch, never stored: each event's personal-data salt is
    /// derived from it and the event's id (`personal::salt_for`), so an erased event's digest
    /// cannot be used to test a guess.
    pub personal_secret: [u8; 16],
}

impl EventRecord {
    /// The records of `events`, decided for the case `case_id` at version `from_version`, in
    /// order. `new_id(version, kind)` names each record (a fresh UUIDv7 on a device or server, a
    /// derived name where a rebase must find the same event again).
    pub fn for_case(
        case_id: Uuid,
        from_version: u64,
        events: &[CaseEvent],
        recording: Recording<'_>,
        mut new_id: impl FnMut(u64, &str) -> Uuid,
    ) -> Result<Vec<EventRecord>, CoreError> {
        events
            .iter()
            .zip(from_version + 1..)
            .map(|(event, version)| {
                let mut payload = encode(event)?;
                let kind = kind_of(&payload)?.to_owned();
                let id = new_id(version, &kind);
                personal::seal(
                    CASE,
                    &kind,
                    &mut payload,
                    personal::salt_for(&recording.personal_secret, id),
                );
                Ok(EventRecord {
                    id,
                    aggregate_type: CASE.to_owned(),
                    aggregate_id: case_id,
                    aggregate_version: version,
                    kind,
                    actor: recording.actor.to_owned(),
                    policy_version: recording.policy_version.to_owned(),
                    recorded_at: stored_instant(recording.at),
                    payload,
                })
            })
            .collect()
    }

    /// The record of an import creating or changing `account`, as its version `version`.
    pub fn account_upserted(
        id: Uuid,
        account: &Account,
        version: u64,
        recording: Recording<'_>,
    ) -> Result<EventRecord, CoreError> {
        #[derive(Serialize)]
        struct Upserted<'a> {
            kind: &'static str,
            account: &'a Account,
        }
        let mut payload = encode(&Upserted {
            kind: ACCOUNT_UPSERTED,
            account,
        })?;
        personal::seal(
            ACCOUNT,
            ACCOUNT_UPSERTED,
            &mut payload,
            personal::salt_for(&recording.personal_secret, id),
        );
        Ok(EventRecord {
            id,
            aggregate_type: ACCOUNT.to_owned(),
            aggregate_id: account.id,
            aggregate_version: version,
            kind: ACCOUNT_UPSERTED.to_owned(),
            actor: recording.actor.to_owned(),
            policy_version: recording.policy_version.to_owned(),
            recorded_at: stored_instant(recording.at),
            payload,
        })
    }

    /// The record of the user `user_id` set up (`before` is `None`) or changed, as the version
    /// `version` of their aggregate. The actor is whoever made the change.
    pub fn user_changed(
        id: Uuid,
        user_id: &str,
        before: Option<&UserDescription>,
        after: &UserDescription,
        version: u64,
        recording: Recording<'_>,
    ) -> Result<EventRecord, CoreError> {
        #[derive(Serialize)]
        struct Changed<'a> {
            kind: &'static str,
            user_id: &'a str,
            before: Option<&'a UserDescription>,
            after: &'a UserDescription,
        }
        Ok(EventRecord {
            id,
            aggregate_type: USER.to_owned(),
            aggregate_id: user_aggregate_id(user_id),
            aggregate_version: version,
            kind: USER_CHANGED.to_owned(),
            actor: recording.actor.to_owned(),
            policy_version: recording.policy_version.to_owned(),
            recorded_at: stored_instant(recording.at),
            payload: encode(&Changed {
                kind: USER_CHANGED,
                user_id,
                before,
                after,
            })?,
        })
    }

    /// The engine's case event this record carries.
    pub fn case_event(&self) -> Result<CaseEvent, CoreError> {
        serde_json::from_value(self.payload.clone()).map_err(|error| {
            CoreError::invalid(
                "payload",
                format!("not a case event ({}): {error}", self.kind),
            )
        })
    }

    /// The account an `account_upserted` record carries.
    pub fn upserted_account(&self) -> Result<Account, CoreError> {
        #[derive(Deserialize)]
        struct Upserted {
            account: Account,
        }
        serde_json::from_value::<Upserted>(self.payload.clone())
            .map(|upserted| upserted.account)
            .map_err(|error| {
                CoreError::invalid("payload", format!("not an account upsert: {error}"))
            })
    }

    /// The bytes the audit chain hashes for this event at position `seq` of its log: a JSON
    /// object with the fields in a fixed order and every object inside the payload with its keys
    /// sorted, so the same event gives the same bytes on every device and server, whatever order
    /// a JSON library keeps keys in.
    pub fn canonical_bytes(&self, seq: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"seq\":");
        out.extend_from_slice(seq.to_string().as_bytes());
        push_field(&mut out, "id", &self.id.to_string());
        push_field(&mut out, "aggregate_type", &self.aggregate_type);
        push_field(&mut out, "aggregate_id", &self.aggregate_id.to_string());
        out.extend_from_slice(b",\"aggregate_version\":");
        out.extend_from_slice(self.aggregate_version.to_string().as_bytes());
        push_field(&mut out, "kind", &self.kind);
        push_field(&mut out, "actor", &self.actor);
        push_field(&mut out, "policy_version", &self.policy_version);
        push_field(&mut out, "recorded_at", &self.recorded_at.to_string());
        out.extend_from_slice(b",\"payload\":");
        // Personal fields are hashed through their digest, so erasing them keeps these bytes.
        write_sorted(
            &mut out,
            &personal::hashed_form(&self.aggregate_type, &self.kind, &self.payload),
        );
        out.push(b'}');
        out
    }
}

fn encode(value: &impl Serialize) -> Result<serde_json::Value, CoreError> {
    serde_json::to_value(value)
        .map_err(|error| CoreError::invalid("payload", format!("cannot be recorded: {error}")))
}

fn kind_of(payload: &serde_json::Value) -> Result<&str, CoreError> {
    payload
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| CoreError::invalid("payload", "an event without a kind"))
}

fn push_field(out: &mut Vec<u8>, name: &str, text: &str) {
    out.push(b',');
    write_string(out, name);
    out.push(b':');
    write_string(out, text);
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    // A string always serialises.
    out.extend_from_slice(serde_json::to_string(text).unwrap_or_default().as_bytes());
}

/// `value` as compact JSON with every object's keys in byte order (`serde_json`'s default map).
pub(crate) fn write_sorted(out: &mut Vec<u8>, value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_sorted(out, value);
            }
            out.push(b'}');
        }
        serde_json::Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_sorted(out, item);
            }
            out.push(b']');
        }
        // Scalars have one compact form.
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(recorded_at: &str, payload: serde_json::Value) -> EventRecord {
        EventRecord {
            id: Uuid::from_u128(1),
            aggregate_type: CASE.into(),
            aggregate_id: Uuid::from_u128(2),
            aggregate_version: 3,
            kind: "acknowledged".into(),
            actor: "amy \"the\" manager".into(),
            policy_version: "intelliserve@4".into(),
            recorded_at: recorded_at.parse().unwrap(),
            payload,
        }
    }

    /// The canonical bytes are the audit chain's format: logs already written by earlier
    /// versions (the server's, which keep instants as text) verify only while these bytes stay
    /// exactly what they were.
    #[test]
    fn the_canonical_bytes_are_pinned() {
        let event = record(
            "2026-11-21T10:00:00.123Z",
            serde_json::json!({"kind": "acknowledged", "b": [1, {"z": null, "a": true}], "a": "é"}),
        );
        assert_eq!(
            String::from_utf8(event.canonical_bytes(7)).unwrap(),
            concat!(
                r#"{"seq":7,"id":"00000000-0000-0000-0000-000000000001","aggregate_type":"case","#,
                r#""aggregate_id":"00000000-0000-0000-0000-000000000002","aggregate_version":3,"#,
                r#""kind":"acknowledged","actor":"amy \"the\" manager","#,
                r#""policy_version":"intelliserve@4","recorded_at":"2026-11-21T10:00:00.123Z","#,
                r#""payload":{"a":"é","b":[1,{"a":true,"z":null}],"kind":"acknowledged"}}"#
            )
        );
    }

    #[test]
    fn the_canonical_bytes_match_the_earlier_serde_form() {
        // Earlier versions hashed `serde_json::to_vec` of an envelope struct in this field order.
        #[derive(Serialize)]
        struct Envelope<'a> {
            seq: u64,
            id: Uuid,
            aggregate_type: &'a str,
            aggregate_id: Uuid,
            aggregate_version: u64,
            kind: &'a str,
            actor: &'a str,
            policy_version: &'a str,
            recorded_at: Timestamp,
            payload: &'a serde_json::Value,
        }
        let event = record(
            "2026-11-21T10:00:00.123456789Z",
            // Keys inserted in order, so the earlier form is the same whether or not a build
            // keeps JSON objects in insertion order.
            serde_json::json!({"amount": {"currency": "EUR", "minor": -5}, "kind": "x", "n": 1.5}),
        );
        let earlier = serde_json::to_vec(&Envelope {
            seq: 42,
            id: event.id,
            aggregate_type: &event.aggregate_type,
            aggregate_id: event.aggregate_id,
            aggregate_version: event.aggregate_version,
            kind: &event.kind,
            actor: &event.actor,
            policy_version: &event.policy_version,
            recorded_at: event.recorded_at,
            payload: &event.payload,
        })
        .unwrap();
        assert_eq!(event.canonical_bytes(42), earlier);
    }

    #[test]
    fn recorded_instants_are_whole_milliseconds() {
        let at: Timestamp = "2026-11-21T10:00:00.123456789Z".parse().unwrap();
        assert_eq!(
            stored_instant(at),
            "2026-11-21T10:00:00.123Z".parse::<Timestamp>().unwrap()
        );
        let before_epoch: Timestamp = "1969-12-31T23:59:59.999999Z".parse().unwrap();
        assert_eq!(
            stored_instant(before_epoch).as_millisecond(),
            before_epoch.as_millisecond()
        );
        let records = EventRecord::for_case(
            Uuid::from_u128(9),
            4,
            &[CaseEvent::RequestLogged, CaseEvent::RequestLogged],
            Recording {
                actor: "amy",
                policy_version: "p@1",
                at,
                personal_secret: [0; 16],
            },
            |version, kind| {
                Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{version}{kind}").as_bytes())
            },
        )
        .unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].aggregate_version, 5);
        assert_eq!(records[1].aggregate_version, 6);
        assert_eq!(records[0].kind, "request_logged");
        assert_eq!(records[0].recorded_at, stored_instant(at));
        assert_eq!(records[1].case_event().unwrap(), CaseEvent::RequestLogged);
    }
}
