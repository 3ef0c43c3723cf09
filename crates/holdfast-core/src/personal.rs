//! A customer's personal data in the event log, and how it is erased without breaking the audit
//! chain (issue 14).
//!
//! Each kind of event declares which of its payload's fields hold personal data (a name, a
//! contact, free text someone typed about the customer). An event that has any is *sealed* when it
//! is recorded: its payload carries a random salt under `_personal`. The audit chain never hashes
//! those fields as they are: it hashes the event's *hashed form*, in which each personal field is
//! replaced by its erased value and the salt by a digest, SHA-256 over the salt and the fields'
//! original values. Erasing an event stores exactly that hashed form: the fields are gone, the
//! salt with them (so the digest cannot be used to test a guess), and the bytes the chain hashes
//! are the same as before, so every link, checkpoint and export still verifies.
//!
//! Events recorded before sealing existed have no salt and are hashed as they are; they are
//! reported as not erasable in place (`legacy_personal_fields`), never silently altered.

use std::borrow::Cow;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::record::{ACCOUNT, CASE};

/// The payload key that holds an event's salt, or after erasure (and in the hashed form) its
/// digest.
pub const PERSONAL_KEY: &str = "_personal";
/// The text an erased personal text field reads.
pub const ERASED: &str = "(erased)";

/// What an erased field becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redaction {
    /// A text field that must stay text: `ERASED`; in an object or a list, every text in it.
    Text,
    /// An optional field: `null`.
    Absent,
}

/// One personal field of a kind of event: a JSON pointer into its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PersonalField {
    pointer: &'static str,
    redaction: Redaction,
}

const fn text(pointer: &'static str) -> PersonalField {
    PersonalField {
        pointer,
        redaction: Redaction::Text,
    }
}

const fn absent(pointer: &'static str) -> PersonalField {
    PersonalField {
        pointer,
        redaction: Redaction::Absent,
    }
}

/// The personal fields of the events of `aggregate_type` and `kind`, in a fixed order (the
/// digest's). Amounts, dates, ids, reasons' ids, outcomes and who did what are kept: they are the
/// financial and audit record. Free text is personal: people write about the customer in it.
fn personal_fields(aggregate_type: &str, kind: &str) -> &'static [PersonalField] {
    const ACCOUNT_FIELDS: &[PersonalField] = &[
        text("/account/name"),
        absent("/account/contact_name"),
        absent("/account/email"),
        absent("/account/phone"),
    ];
    const RECEIVED: &[PersonalField] = &[text("/requester_name"), text("/requester_contact")];
    const OPTIONAL_NOTE: &[PersonalField] = &[absent("/note")];
    const VERIFIED: &[PersonalField] = &[absent("/contact_used"), text("/evidence")];
    const CONTACT: &[PersonalField] = &[text("/contact")];
    const FIELDS: &[PersonalField] = &[text("/fields")];
    const DETAILS: &[PersonalField] = &[text("/details")];
    const SAVE_CALL_PHONE: &[PersonalField] = &[absent("/save_call_phone")];
    const JUSTIFICATION: &[PersonalField] = &[text("/justification")];
    const REASON: &[PersonalField] = &[text("/reason")];
    const TEXT: &[PersonalField] = &[text("/text")];
    const BODY: &[PersonalField] = &[text("/body")];
    const NOTE: &[PersonalField] = &[text("/note")];
    match (aggregate_type, kind) {
        (ACCOUNT, crate::record::ACCOUNT_UPSERTED) => ACCOUNT_FIELDS,
        (CASE, "received") => RECEIVED,
        (CASE, "acknowledged") => OPTIONAL_NOTE,
        (CASE, "identity_verified") => VERIFIED,
        (CASE, "one_time_code_sent") => CONTACT,
        (CASE, "form_received") => FIELDS,
        (CASE, "reason_captured") => DETAILS,
        (CASE, "routed") => SAVE_CALL_PHONE,
        (CASE, "refund_requested") => JUSTIFICATION,
        (CASE, "refund_denied" | "handed_off") => REASON,
        (CASE, "feedback_recorded" | "note_added") => TEXT,
        (CASE, "message_sent") => BODY,
        (
            CASE,
            "verification_failed"
            | "escalated"
            | "csm_outcome_recorded"
            | "retention_outcome_recorded"
            | "refund_status_checked"
            | "checklist_item_confirmed"
            | "win_back_outcome_recorded"
            | "withdrawn",
        ) => NOTE,
        _ => &[],
    }
}

/// Whether events of this kind hold personal data.
pub fn has_personal_fields(aggregate_type: &str, kind: &str) -> bool {
    !personal_fields(aggregate_type, kind).is_empty()
}

/// The salt of the event `event_id`, derived from the batch's secret: a fresh random value per
/// recorded batch that is never stored, so after erasure nothing recovers the salt.
pub fn salt_for(batch_secret: &[u8; 16], event_id: Uuid) -> [u8; 16] {
    let mut hasher = Sha256::new();
    hasher.update(b"holdfast personal salt v1");
    hasher.update(batch_secret);
    hasher.update(event_id.as_bytes());
    let digest: [u8; 32] = hasher.finalize().into();
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&digest[..16]);
    salt
}

/// Seals `payload` (of an event of `aggregate_type` and `kind`) with `salt` when it has personal
/// fields; a payload without any is left as it is.
pub fn seal(aggregate_type: &str, kind: &str, payload: &mut Value, salt: [u8; 16]) {
    if !has_personal_fields(aggregate_type, kind) {
        return;
    }
    if let Value::Object(map) = payload {
        let mut personal = Map::new();
        personal.insert("salt".into(), Value::String(hex::encode(salt)));
        map.insert(PERSONAL_KEY.into(), Value::Object(personal));
    }
}

/// Where a payload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// No personal fields, or none declared for its kind.
    None,
    /// Sealed and still holding its personal data.
    Sealed,
    /// Erased: only the digest is left.
    Erased,
    /// Personal fields recorded before sealing existed: hashed as they are.
    Legacy,
}

/// How `payload` stands with respect to its personal data.
pub fn sealing(aggregate_type: &str, kind: &str, payload: &Value) -> Sealing {
    if !has_personal_fields(aggregate_type, kind) {
        return Sealing::None;
    }
    match payload.get(PERSONAL_KEY) {
        Some(personal) if personal.get("salt").is_some() => Sealing::Sealed,
        Some(personal) if personal.get("digest").is_some() => Sealing::Erased,
        _ => Sealing::Legacy,
    }
}

/// The form the audit chain hashes: a sealed payload with its personal fields erased and its salt
/// replaced by the digest over their values. Any other payload (none declared, already erased, a
/// legacy one, or one whose salt is not 16 bytes of hex) is hashed as it is.
pub fn hashed_form<'a>(aggregate_type: &str, kind: &str, payload: &'a Value) -> Cow<'a, Value> {
    let fields = personal_fields(aggregate_type, kind);
    let Some(salt) = payload
        .get(PERSONAL_KEY)
        .and_then(|personal| personal.get("salt"))
        .and_then(Value::as_str)
        .and_then(|salt| hex::decode(salt).ok())
        .filter(|salt| salt.len() == 16)
    else {
        return Cow::Borrowed(payload);
    };
    let mut hasher = Sha256::new();
    hasher.update(b"holdfast personal v1");
    hasher.update(&salt);
    let mut hashed = payload.clone();
    for field in fields {
        let original = payload.pointer(field.pointer);
        let mut bytes = Vec::new();
        match original {
            // A field left out and one written as null are the same fact.
            None | Some(Value::Null) => bytes.push(0),
            Some(value) => {
                bytes.push(1);
                crate::record::write_sorted(&mut bytes, value);
            }
        }
        hasher.update((field.pointer.len() as u64).to_be_bytes());
        hasher.update(field.pointer.as_bytes());
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(&bytes);
        if let Some(slot) = hashed.pointer_mut(field.pointer) {
            redact(slot, field.redaction);
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    if let Value::Object(map) = &mut hashed {
        let mut personal = Map::new();
        personal.insert("digest".into(), Value::String(hex::encode(digest)));
        map.insert(PERSONAL_KEY.into(), Value::Object(personal));
    }
    Cow::Owned(hashed)
}

fn redact(slot: &mut Value, redaction: Redaction) {
    match (slot, redaction) {
        (Value::Null, _) => {}
        (slot, Redaction::Absent) => *slot = Value::Null,
        (Value::Object(map), Redaction::Text) => map
            .values_mut()
            .for_each(|value| redact(value, Redaction::Text)),
        (Value::Array(items), Redaction::Text) => items
            .iter_mut()
            .for_each(|value| redact(value, Redaction::Text)),
        (slot, Redaction::Text) => *slot = Value::String(ERASED.into()),
    }
}

/// What erasing an event leaves in its payload: its hashed form. `None` when there is nothing to
/// erase (no personal fields, or already erased) or it cannot be erased in place (`Legacy`).
pub fn erased(aggregate_type: &str, kind: &str, payload: &Value) -> Option<Value> {
    match sealing(aggregate_type, kind, payload) {
        Sealing::Sealed => Some(hashed_form(aggregate_type, kind, payload).into_owned()),
        Sealing::None | Sealing::Erased | Sealing::Legacy => None,
    }
}

/// The personal values `payload` holds, by field (the pointer without its leading `/`), for a
/// customer's data export. Erased and empty fields are left out.
pub fn personal_values(aggregate_type: &str, kind: &str, payload: &Value) -> Vec<(String, Value)> {
    if sealing(aggregate_type, kind, payload) == Sealing::Erased {
        return Vec::new();
    }
    personal_fields(aggregate_type, kind)
        .iter()
        .filter_map(|field| {
            let value = payload.pointer(field.pointer)?;
            (!value.is_null()).then(|| {
                (
                    field.pointer.trim_start_matches('/').replace('/', "."),
                    value.clone(),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sealed_received() -> Value {
        let mut payload = json!({
            "kind": "received",
            "case_id": "00000000-0000-0000-0000-000000000002",
            "requester_name": "Ada Lovelace",
            "requester_contact": "ada@example.com",
            "channel": "email",
        });
        seal(CASE, "received", &mut payload, [7; 16]);
        payload
    }

    #[test]
    fn erasing_keeps_the_hashed_form_so_the_chain_hashes_the_same_bytes() {
        let payload = sealed_received();
        let before = hashed_form(CASE, "received", &payload).into_owned();
        let erased = erased(CASE, "received", &payload).unwrap();
        assert_eq!(hashed_form(CASE, "received", &erased).into_owned(), before);
        assert_eq!(erased["requester_name"], ERASED);
        assert_eq!(erased["requester_contact"], ERASED);
        assert_eq!(erased["channel"], "email");
        let text = erased.to_string();
        assert!(!text.contains("Ada") && !text.contains("ada@"), "{text}");
        assert!(erased[PERSONAL_KEY].get("salt").is_none());
        assert_eq!(sealing(CASE, "received", &erased), Sealing::Erased);
        assert_eq!(super::erased(CASE, "received", &erased), None);
    }

    #[test]
    fn the_hashed_form_changes_when_a_personal_value_changes() {
        let payload = sealed_received();
        let mut edited = payload.clone();
        edited["requester_name"] = json!("Ada Byron");
        assert_ne!(
            hashed_form(CASE, "received", &payload),
            hashed_form(CASE, "received", &edited)
        );
        let mut resalted = payload.clone();
        seal(CASE, "received", &mut resalted, [8; 16]);
        assert_ne!(
            hashed_form(CASE, "received", &payload),
            hashed_form(CASE, "received", &resalted)
        );
        // A field left out is distinct from one that is there.
        let mut note = json!({"kind": "acknowledged", "at": "2026-01-01T00:00:00Z"});
        seal(CASE, "acknowledged", &mut note, [1; 16]);
        let mut with_note = note.clone();
        with_note["note"] = json!("");
        assert_ne!(
            hashed_form(CASE, "acknowledged", &note),
            hashed_form(CASE, "acknowledged", &with_note)
        );
    }

    #[test]
    fn optional_fields_become_null_and_objects_keep_their_keys() {
        let mut account = json!({"kind": "account_upserted", "account": {
            "name": "Ada Lovelace", "email": "ada@example.com", "phone": null,
            "external_id": "C-1", "mrr": {"minor": 4900, "currency": "USD"}}});
        seal(ACCOUNT, "account_upserted", &mut account, [2; 16]);
        let erased = erased(ACCOUNT, "account_upserted", &account).unwrap();
        assert_eq!(erased["account"]["name"], ERASED);
        assert_eq!(erased["account"]["email"], Value::Null);
        assert_eq!(erased["account"]["external_id"], "C-1");
        assert_eq!(erased["account"]["mrr"]["minor"], 4900);

        let mut form = json!({"kind": "form_received", "fields": {"name": "Ada", "plan": "Pro"}});
        seal(CASE, "form_received", &mut form, [3; 16]);
        let erased = super::erased(CASE, "form_received", &form).unwrap();
        assert_eq!(erased["fields"], json!({"name": ERASED, "plan": ERASED}));
    }

    #[test]
    fn unsealed_and_impersonal_payloads_are_hashed_as_they_are() {
        let legacy = json!({"kind": "received", "requester_name": "Ada"});
        assert_eq!(sealing(CASE, "received", &legacy), Sealing::Legacy);
        assert!(matches!(
            hashed_form(CASE, "received", &legacy),
            Cow::Borrowed(_)
        ));
        assert_eq!(erased(CASE, "received", &legacy), None);

        let mut offer = json!({"kind": "offer_accepted", "offer_id": "discount"});
        seal(CASE, "offer_accepted", &mut offer, [1; 16]);
        assert!(offer.get(PERSONAL_KEY).is_none());
        assert_eq!(sealing(CASE, "offer_accepted", &offer), Sealing::None);
    }

    #[test]
    fn a_salt_depends_on_the_batch_secret_and_the_event() {
        let a = salt_for(&[1; 16], Uuid::from_u128(1));
        assert_ne!(a, salt_for(&[1; 16], Uuid::from_u128(2)));
        assert_ne!(a, salt_for(&[2; 16], Uuid::from_u128(1)));
        assert_eq!(a, salt_for(&[1; 16], Uuid::from_u128(1)));
    }

    #[test]
    fn the_personal_values_are_listed_for_an_export_until_erased() {
        let payload = sealed_received();
        let values = personal_values(CASE, "received", &payload);
        assert_eq!(
            values,
            vec![
                ("requester_name".into(), json!("Ada Lovelace")),
                ("requester_contact".into(), json!("ada@example.com")),
            ]
        );
        let erased = erased(CASE, "received", &payload).unwrap();
        assert!(personal_values(CASE, "received", &erased).is_empty());
    }
}
