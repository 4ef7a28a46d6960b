//! What sync's screens read about a change: whose patient, who made it, on which device, and
//! the fields in conflict.

use rusqlite::{OptionalExtension, params};
use tend_domain::{ChangeId, DeviceId, Entity};
use uuid::Uuid;

use crate::error::Result;
use crate::schema::Table;

use super::bad;

impl crate::Reader<'_> {
    /// The patient a record is about: the patient itself, or the one its `patient_id` names.
    pub fn patient_of(&self, entity: Entity, record_id: Uuid) -> Result<Option<Uuid>> {
        if entity == Entity::Patient {
            return Ok(Some(record_id));
        }
        let table = Table::of(entity);
        if table.column("patient_id").is_err() {
            return Ok(None);
        }
        let id: Option<String> = self
            .conn
            .query_row(
                &format!("SELECT patient_id FROM \"{}\" WHERE id = ?1", table.name()),
                [record_id.hyphenated().to_string()],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|i| i.parse().map_err(bad)).transpose()
    }

    /// Who made a change and on which desktop, as people read them.
    pub fn change_author(&self, change: ChangeId) -> Result<(String, String)> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT u.display_name, d.code, d.name FROM change_log c
                 LEFT JOIN user u ON u.id = c.user_id
                 LEFT JOIN device d ON d.id = c.device_id
                 WHERE c.change_id = ?1",
                [change.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (user, code, name) = row.unwrap_or_default();
        let device = match (code, name) {
            (Some(c), Some(n)) => format!("{n} ({c})"),
            (Some(c), None) => c,
            _ => "another desktop".into(),
        };
        Ok((user.unwrap_or_else(|| "the system".into()), device))
    }

    /// The fields of a record that are in conflict.
    pub fn conflicted_fields(&self, entity: Entity, record_id: Uuid) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT field FROM sync_conflict WHERE entity = ?1 AND record_id = ?2 ORDER BY field",
        )?;
        let fields = stmt
            .query_map(
                params![entity.as_str(), record_id.hyphenated().to_string()],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(fields)
    }

    /// A desktop as people read it: `Reception (K7)`, or its code, or a short id when this
    /// desktop has not heard of it yet.
    pub fn device_label(&self, device: DeviceId) -> Result<String> {
        let row: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached("SELECT code, name FROM device WHERE id = ?1")?
            .query_row([device.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match row {
            Some((Some(c), Some(n))) => format!("{n} ({c})"),
            Some((Some(c), None)) => c,
            _ => {
                let id = device.to_string();
                format!("{} (not yet known here)", &id[..8])
            }
        })
    }

    /// A device's X25519 public key, from its device record.
    pub fn device_public_key(&self, device: DeviceId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT public_key FROM device WHERE id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// A device's name as its desktop registered it.
    pub fn device_code_of(&self, device: DeviceId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT code FROM device WHERE id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn device_name(&self, device: DeviceId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM device WHERE id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }
}
