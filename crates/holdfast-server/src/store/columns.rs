//! Converting between the domain's values and the columns both backends keep them in: instants
//! as UTC milliseconds or RFC 3339 text, documents as JSON text, counters as signed 64-bit
//! integers, hashes as 32 bytes. One set of rules, so the two backends cannot read the same value
//! differently, and a stored value that does not convert is `ServerError::Corrupt`.

use holdfast_core::audit::ChainHash;
use holdfast_core::role::Role;
use jiff::Timestamp;
use uuid::Uuid;

use crate::error::{Result, ServerError};

pub(crate) fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

pub(crate) fn from_millis(value: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(value)
        .map_err(|_| ServerError::Corrupt(format!("{value} is not a valid instant")))
}

pub(crate) fn parse_time(text: &str, what: &str) -> Result<Timestamp> {
    text.parse()
        .map_err(|_| ServerError::Corrupt(format!("{what}: \"{text}\"")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| ServerError::Corrupt(error.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|error| ServerError::Corrupt(format!("{what}: {error}")))
}

pub(crate) fn sorted_roles(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
}

pub(crate) fn seq_i64(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| ServerError::invalid(what, "is out of range"))
}

pub(crate) fn seq_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| ServerError::Corrupt(format!("{what}: {value}")))
}

pub(crate) fn hash_of(bytes: &[u8], what: &str) -> Result<ChainHash> {
    ChainHash::from_slice(bytes)
        .ok_or_else(|| ServerError::Corrupt(format!("{what}: not 32 bytes")))
}

pub(crate) fn parse_uuid(text: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| ServerError::Corrupt(format!("{what}: \"{text}\"")))
}
