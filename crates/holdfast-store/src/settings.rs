//! The profile's own settings: the policy it works under and who its local user is (a stable id,
//! a name to show, roles; every change to them recorded in the audit trail). Stored in the
//! encrypted database like everything else about the profile.

use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::record::{user_aggregate_id, EventRecord, Recording, UserDescription};
use holdfast_core::role::Role;
use holdfast_core::workflow::Actor;
use jiff::Timestamp;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::Database;

const POLICY: &str = "policy";
const LOCAL_USER: &str = "local_user";

/// The person using this profile, until the sync server says who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalUser {
    /// Who they are, for every rule that compares people ("another person verifies"): created
    /// once, kept when the name or roles change. A profile made before users had ids kept the
    /// name it had then as its id; in a profile joined to a team server it is the server's user.
    #[serde(default)]
    pub id: String,
    /// What the desk shows.
    pub name: String,
    pub roles: Vec<Role>,
}

/// What the person using a profile may say about themselves: a name and roles (never their id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalUserChange {
    pub name: String,
    pub roles: Vec<Role>,
}

impl LocalUser {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id.clone(),
            roles: self.roles.clone(),
            active: true,
        }
    }

    fn description(&self) -> UserDescription {
        UserDescription {
            name: self.name.clone(),
            roles: self.roles.clone(),
        }
    }
}

impl Database {
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<()> {
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
                serde_json::from_str::<LocalUser>(&json)
                    .map(|mut user| {
                        // Written before users had ids and not migrated: the name was the id.
                        if user.id.is_empty() {
                            user.id = user.name.clone();
                        }
                        user
                    })
                    .map_err(|e| {
                        StoreError::Corrupt(format!("the stored local user is damaged: {e}"))
                    })
            })
            .transpose()
    }

    /// Records who uses this profile (and makes them someone work can be assigned to): the first
    /// time, a new user with a new id; afterwards, the same user with a new name or roles. Every
    /// change is recorded in the audit trail as a `user_changed` event, by the user themselves.
    pub fn set_local_user(
        &mut self,
        change: &LocalUserChange,
        now: Timestamp,
    ) -> Result<LocalUser> {
        let name = change.name.trim();
        if name.is_empty() {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "name",
                "say who you are",
            )));
        }
        if change.roles.is_empty() {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "roles",
                "choose at least one role",
            )));
        }
        let before = self.local_user()?;
        let user = LocalUser {
            id: before
                .as_ref()
                .map_or_else(|| Uuid::now_v7().to_string(), |user| user.id.clone()),
            name: name.to_owned(),
            roles: change.roles.clone(),
        };
        if before.as_ref() == Some(&user) {
            return Ok(user);
        }
        let taken: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM users WHERE name = ?1 AND id <> ?2",
                [&user.name, &user.id],
                |row| row.get(0),
            )
            .optional()?;
        if taken.is_some() {
            // Taking another person's name would make the desk show two people as one.
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "name",
                format!(
                    "{} is another person on this profile: switch to them instead",
                    user.name
                ),
            )));
        }
        self.save_local_user(&user, before.as_ref().map(LocalUser::description), now)?;
        Ok(user)
    }

    /// Hands this profile to another person (a local profile is shared at one desk, where one
    /// person requests a refund and another verifies it): the user of that name the profile knows,
    /// with the roles given, or a new user with a new id. Unlike a rename, the desk then acts as
    /// someone else, and the audit trail says who took over, when and with which roles.
    pub fn switch_local_user(
        &mut self,
        change: &LocalUserChange,
        now: Timestamp,
    ) -> Result<LocalUser> {
        let name = change.name.trim();
        if name.is_empty() || change.roles.is_empty() {
            // The same words as a change of name or roles.
            return self.set_local_user(change, now);
        }
        let current = self.local_user()?;
        let known: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT id, roles FROM users WHERE name = ?1",
                [name],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let (id, before) = match known {
            Some((id, roles)) => {
                let roles = serde_json::from_str(&roles)
                    .map_err(|e| StoreError::Corrupt(format!("user row: roles ({e})")))?;
                let before = UserDescription {
                    name: name.to_owned(),
                    roles,
                };
                (id, Some(before))
            }
            None => (Uuid::now_v7().to_string(), None),
        };
        let user = LocalUser {
            id,
            name: name.to_owned(),
            roles: change.roles.clone(),
        };
        if current.as_ref() == Some(&user) {
            return Ok(user);
        }
        self.save_local_user(&user, before, now)?;
        Ok(user)
    }

    /// Keeps `user` as the profile's user and, in a profile of its own, records the change by
    /// them on their aggregate (`before`: how the profile knew them, `None` for someone new).
    fn save_local_user(
        &mut self,
        user: &LocalUser,
        before: Option<UserDescription>,
        now: Timestamp,
    ) -> Result<()> {
        let policy_version = self
            .policy()?
            .map(|policy| policy.version_tag())
            .unwrap_or_default();
        let tx = self.conn.transaction()?;
        write_local_user(&tx, user, true)?;
        // A joined profile's log is the organisation's, copied from the server: the server says
        // who its users are, so nothing is recorded here.
        if self.synced.is_none() {
            let version: i64 = tx.query_row(
                "SELECT coalesce(max(aggregate_version), 0) FROM events WHERE aggregate_id = ?1",
                [user_aggregate_id(&user.id).to_string()],
                |row| row.get(0),
            )?;
            let event = EventRecord::user_changed(
                Uuid::now_v7(),
                &user.id,
                before.as_ref(),
                &user.description(),
                version as u64 + 1,
                Recording {
                    actor: &user.id,
                    policy_version: &policy_version,
                    at: now,
                    personal_secret: crate::events::fresh_secret()?,
                },
            )?;
            crate::events::append(&tx, &event)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The profile's user as the team server describes them (id and name are the server's user).
    pub(crate) fn adopt_local_user(&mut self, user: &LocalUser, active: bool) -> Result<()> {
        let tx = self.conn.transaction()?;
        write_local_user(&tx, user, active)?;
        tx.commit()?;
        Ok(())
    }
}

/// Keeps `user` as the profile's user and as a person work can be assigned to, inside `tx`.
fn write_local_user(tx: &rusqlite::Transaction<'_>, user: &LocalUser, active: bool) -> Result<()> {
    let json = serde_json::to_string(user).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [LOCAL_USER, &json],
    )?;
    let roles =
        serde_json::to_string(&user.roles).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // Names are unique in the table: a row that still holds the new name under another id is a
    // former local user's (before ids, each name had a row), and this person now answers to it.
    tx.execute(
        "DELETE FROM users WHERE name = ?1 AND id <> ?2",
        [&user.name, &user.id],
    )?;
    tx.execute(
        "INSERT INTO users (id, name, roles, active) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles,
            active = excluded.active",
        rusqlite::params![user.id, user.name, roles, active],
    )?;
    Ok(())
}

const REMINDERS: &str = "reminders";

/// The most quiet times a person keeps.
pub const MAX_QUIET_TIMES: usize = 20;
/// The longest lead before a first response's deadline: a working day.
pub const MAX_LEAD_MINUTES: u32 = 8 * 60;

/// How reminders reach the person at this desk (issue 13): the zone their day is counted in
/// ("today" in the Due view), their working days and hours, their quiet times (reminders wait
/// outside the one and inside the others), and how long before a first response's deadline it is
/// raised. Until the person sets them: the policy's zone, any time, 15 minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReminderSettings {
    /// An IANA time zone ("America/New_York").
    pub zone: String,
    /// Their working days and hours; `None`: any time.
    #[ts(optional = nullable)]
    pub working: Option<holdfast_core::reminders::QuietTime>,
    pub quiet: Vec<holdfast_core::reminders::QuietTime>,
    pub lead_minutes: u32,
}

impl ReminderSettings {
    fn zone(&self) -> Result<jiff::tz::TimeZone> {
        jiff::tz::TimeZone::get(self.zone.trim()).map_err(|_| {
            StoreError::Rule(holdfast_core::CoreError::invalid(
                "zone",
                format!(
                    "\"{}\" is not a time zone this desk knows (write it as \"Europe/Berlin\")",
                    self.zone.trim()
                ),
            ))
        })
    }

    /// Refuses settings that say nothing a person could mean, naming the field.
    pub fn validate(&self) -> Result<()> {
        self.zone()?;
        if self.lead_minutes > MAX_LEAD_MINUTES {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "lead_minutes",
                format!("at most {MAX_LEAD_MINUTES} minutes (a working day)"),
            )));
        }
        if self.quiet.len() > MAX_QUIET_TIMES {
            return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                "quiet",
                format!("at most {MAX_QUIET_TIMES} quiet times"),
            )));
        }
        let spans = self
            .working
            .iter()
            .map(|span| ("working", span))
            .chain(self.quiet.iter().map(|span| ("quiet", span)));
        for (field, span) in spans {
            if span.days.is_empty() {
                return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                    field,
                    "choose at least one day",
                )));
            }
            if span.days.iter().any(|day| !(1..=7).contains(day)) {
                return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                    field,
                    "days are 1 (Monday) to 7 (Sunday)",
                )));
            }
            if span.from == span.to {
                return Err(StoreError::Rule(holdfast_core::CoreError::invalid(
                    field,
                    "the start and the end are the same time",
                )));
            }
        }
        Ok(())
    }

    /// The planner's settings (`reminders::plan`).
    pub fn planner(&self) -> Result<holdfast_core::reminders::Settings> {
        Ok(holdfast_core::reminders::Settings {
            lead: jiff::SignedDuration::from_mins(i64::from(self.lead_minutes)),
            hours: holdfast_core::reminders::PersonalHours {
                zone: self.zone()?,
                working: self.working.clone(),
                quiet: self.quiet.clone(),
            },
            ..holdfast_core::reminders::Settings::default()
        })
    }

    /// The zone the person's day is counted in.
    pub fn time_zone(&self) -> Result<jiff::tz::TimeZone> {
        self.zone()
    }
}

impl Database {
    /// The acting user's reminder settings (each person at a shared desk has their own), or the
    /// defaults (the policy's zone, any time, 15 minutes).
    pub fn reminder_settings(&self) -> Result<ReminderSettings> {
        if let Some(json) = self.setting(&self.reminder_settings_key()?)? {
            return serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("the stored reminder settings are damaged: {e}"))
            });
        }
        let zone = self
            .policy()?
            .map_or_else(|| "UTC".to_owned(), |policy| policy.sla.calendar.zone_name);
        Ok(ReminderSettings {
            zone,
            working: None,
            quiet: Vec::new(),
            lead_minutes: 15,
        })
    }

    /// Keeps `settings` (validated first: bad settings are refused and change nothing), with the
    /// zone's name trimmed and each span's days sorted once.
    pub fn set_reminder_settings(&self, settings: &ReminderSettings) -> Result<ReminderSettings> {
        settings.validate()?;
        let mut kept = settings.clone();
        kept.zone = kept.zone.trim().to_owned();
        for span in kept.working.iter_mut().chain(kept.quiet.iter_mut()) {
            span.days.sort_unstable();
            span.days.dedup();
        }
        let json = serde_json::to_string(&kept).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.set_setting(&self.reminder_settings_key()?, &json)?;
        Ok(kept)
    }

    fn reminder_settings_key(&self) -> Result<String> {
        Ok(format!("{REMINDERS}/{}", self.reminder_person()?))
    }
}
