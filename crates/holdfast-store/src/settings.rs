//! The profile's own settings: the policy it works under and who its local user is. Stored in the
//! encrypted database like everything else about the profile.

use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::role::Role;
use holdfast_core::workflow::Actor;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, StoreError};
use crate::Database;

const POLICY: &str = "policy";
const LOCAL_USER: &str = "local_user";

/// The person using this profile, until the sync server says who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalUser {
    pub name: String,
    pub roles: Vec<Role>,
}

impl LocalUser {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.name.clone(),
            roles: self.roles.clone(),
            active: true,
        }
    }
}

impl Database {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The policy this profile works under, if one was chosen.
    pub fn policy(&self) -> Result<Option<Policy>> {
        let Some(source) = self.setting(POLICY)? else {
            return Ok(None);
        };
        if let Some((parsed_from, policy)) = self.parsed_policy.borrow().as_ref() {
            if *parsed_from == source {
                return Ok(Some(policy.clone()));
            }
        }
        let policy = parse_policy(&source)
            .map_err(|e| StoreError::Corrupt(format!("the stored policy no longer parses: {e}")))?;
        *self.parsed_policy.borrow_mut() = Some((source, policy.clone()));
        Ok(Some(policy))
    }

    /// The policy's text as chosen or published.
    pub fn policy_source(&self) -> Result<Option<String>> {
        self.setting(POLICY)
    }

    /// Makes `source` the profile's policy; it must parse.
    pub fn set_policy(&self, source: &str) -> Result<Policy> {
        let policy = parse_policy(source).map_err(|e| {
            StoreError::Rule(holdfast_core::CoreError::invalid("policy", e.to_string()))
        })?;
        self.set_setting(POLICY, source)?;
        Ok(policy)
    }

    pub fn local_user(&self) -> Result<Option<LocalUser>> {
        self.setting(LOCAL_USER)?
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| {
                    StoreError::Corrupt(format!("the stored local user is damaged: {e}"))
                })
            })
            .transpose()
    }

    /// Records who uses this profile (and makes them someone work can be assigned to).
    pub fn set_local_user(&mut self, user: &LocalUser) -> Result<()> {
        let name = user.name.trim();
        if name.is_empty() {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "name",
                "say who you are",
            )));
        }
        if user.roles.is_empty() {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "roles",
                "choose at least one role",
            )));
        }
        let user = LocalUser {
            name: name.to_owned(),
            roles: user.roles.clone(),
        };
        let json = serde_json::to_string(&user).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.set_setting(LOCAL_USER, &json)?;
        self.upsert_user(&user.name, &user.roles, true)
    }
}
