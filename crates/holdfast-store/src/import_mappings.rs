//! Column mappings saved under a name for the next import from the same system, kept in the
//! profile's settings (encrypted like everything else). They belong to this desk: a mapping is a
//! person's way of reading their export, not a rule of the procedure.

use holdfast_core::import::mapping::ColumnMapping;
use holdfast_core::import::proposal::SavedMapping;
use holdfast_core::CoreError;

use crate::error::{Result, StoreError};
use crate::Database;

const KEY_PREFIX: &str = "import_mapping:";

/// Longest name a saved mapping may have.
const MAX_NAME_CHARS: usize = 80;

fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Rule(CoreError::invalid(
            "name",
            "give the mapping a name",
        )));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(StoreError::Rule(CoreError::invalid(
            "name",
            format!("a mapping's name has at most {MAX_NAME_CHARS} characters"),
        )));
    }
    Ok(name.to_owned())
}

impl Database {
    /// The saved mappings, by name.
    pub fn saved_mappings(&self) -> Result<Vec<SavedMapping>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT substr(key, ?2), value FROM settings WHERE key GLOB ?1 ORDER BY key",
        )?;
        let rows = statement
            .query_map(
                rusqlite::params![format!("{KEY_PREFIX}*"), KEY_PREFIX.len() as i64 + 1],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(name, json)| {
                let mapping: ColumnMapping = serde_json::from_str(&json).map_err(|e| {
                    StoreError::Corrupt(format!("the saved mapping \"{name}\": {e}"))
                })?;
                Ok(SavedMapping { name, mapping })
            })
            .collect()
    }

    /// Saves `mapping` under `name`, replacing a mapping of that name.
    pub fn save_mapping(&self, name: &str, mapping: &ColumnMapping) -> Result<SavedMapping> {
        let name = checked_name(name)?;
        let json = serde_json::to_string(mapping)
            .map_err(|e| StoreError::Corrupt(format!("the mapping cannot be written: {e}")))?;
        self.set_setting(&format!("{KEY_PREFIX}{name}"), &json)?;
        Ok(SavedMapping {
            name,
            mapping: mapping.clone(),
        })
    }

    /// Forgets the mapping saved under `name`.
    pub fn delete_mapping(&self, name: &str) -> Result<()> {
        let removed = self.conn.execute(
            "DELETE FROM settings WHERE key = ?1",
            [format!("{KEY_PREFIX}{}", name.trim())],
        )?;
        if removed == 0 {
            return Err(StoreError::NotFound {
                entity: "saved mapping",
                id: name.trim().to_owned(),
            });
        }
        Ok(())
    }
}
