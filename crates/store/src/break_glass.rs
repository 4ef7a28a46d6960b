//! Break-glass openings of a chart: who opened whose chart, when, why, and until when.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;
use tend_domain::UserId;
use uuid::Uuid;

use crate::error::Result;
use crate::rows::instant;
use crate::{Reader, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakGlass {
    pub user_id: String,
    pub patient_id: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Reader<'_> {
    /// Whether `user` holds an opening of `patient`'s chart that lasts past `now`.
    pub fn break_glass_open(
        &self,
        user: UserId,
        patient: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM break_glass
             WHERE user_id = ?1 AND patient_id = ?2 AND until > ?3",
            params![user.to_string(), patient.to_string(), instant(now)],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// The openings, newest first.
    pub fn break_glass_list(&self, limit: u32) -> Result<Vec<BreakGlass>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, patient_id, reason, at, until FROM break_glass
             ORDER BY at DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(BreakGlass {
                user_id: r.get(0)?,
                patient_id: r.get(1)?,
                reason: r.get(2)?,
                at: r.get(3)?,
                until: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl WriteTx<'_> {
    /// Records an opening (the caller audits it in the same transaction).
    pub fn record_break_glass(
        &mut self,
        user: UserId,
        patient: Uuid,
        reason: &str,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO break_glass (user_id, patient_id, reason, at, until)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                user.to_string(),
                patient.to_string(),
                reason,
                instant(at),
                instant(until)
            ],
        )?;
        Ok(())
    }
}
