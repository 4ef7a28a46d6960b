//! What sync leaves for a person to see to: quarantined changes and their release, gaps in a
//! device's sequence, a clock running ahead, and conflicts.

use rusqlite::OptionalExtension;
use tend_domain::Change;

use crate::audit::{AuditEntry, Outcome};
use crate::error::{Result, StoreError};
use crate::{Store, WriteCtx};

use super::{
    Applied, ClockAhead, ConflictRecord, Hole, Quarantined, advance_sequence, bad, keys, meta_get,
    read_holes,
};

impl Store {
    /// The envelopes kept in quarantine, in the server's order.
    pub fn quarantine(&self) -> Result<Vec<Quarantined>> {
        self.read(|r| {
            let mut stmt = r.conn.prepare(
                "SELECT cursor, change_id, device_id, device_seq, envelope, reason, at
                 FROM sync_quarantine ORDER BY cursor",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(Quarantined {
                    cursor: u64::try_from(row.get::<_, i64>(0)?).map_err(bad)?,
                    change_id: row.get::<_, String>(1)?.parse().map_err(bad)?,
                    device_id: row.get::<_, String>(2)?.parse().map_err(bad)?,
                    device_seq: u64::try_from(row.get::<_, i64>(3)?).map_err(bad)?,
                    envelope: row.get(4)?,
                    reason: row.get(5)?,
                    at: row.get(6)?,
                });
            }
            Ok(out)
        })
    }

    /// Applies envelopes of the quarantine that now open (`opened`: their cursors and changes)
    /// and takes them out of it, in one transaction.
    pub fn release_quarantined(&self, ctx: WriteCtx, opened: &[(u64, Change)]) -> Result<Applied> {
        if opened.is_empty() {
            return Ok(Applied::default());
        }
        self.write(ctx, |tx| {
            for (cursor, change) in opened {
                let held: Option<String> = tx
                    .conn()
                    .query_row(
                        "SELECT change_id FROM sync_quarantine WHERE cursor = ?1",
                        [i64::try_from(*cursor).map_err(bad)?],
                        |r| r.get(0),
                    )
                    .optional()?;
                if held != Some(change.id.to_string()) {
                    return Err(StoreError::Corrupt(format!(
                        "the quarantine holds no change {} at cursor {cursor}",
                        change.id
                    )));
                }
                tx.conn().execute(
                    "DELETE FROM sync_quarantine WHERE cursor = ?1",
                    [i64::try_from(*cursor).map_err(bad)?],
                )?;
            }
            let changes: Vec<Change> = opened.iter().map(|(_, c)| c.clone()).collect();
            let applied = tx.apply_pulled(&changes)?;
            tx.audit(
                AuditEntry::new("sync.quarantine_released", Outcome::Ok)
                    .detail(serde_json::json!({ "changes": opened.len() })),
            )?;
            Ok(applied)
        })
    }

    /// Ends a sync round for the sequence check: moves each device's `through` over numbers now
    /// held, counts one more round for every hole still open (and forgets closed ones), and
    /// returns the holes.
    pub fn end_round_holes(&self) -> Result<Vec<Hole>> {
        self.local_write(|conn| {
            let open: Vec<String> = conn
                .prepare("SELECT device_id FROM sync_sequence WHERE max_seen > through")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for device in &open {
                advance_sequence(conn, device)?;
            }
            conn.execute(
                "UPDATE sync_sequence SET stuck_rounds = CASE WHEN max_seen > through
                 THEN stuck_rounds + 1 ELSE 0 END WHERE max_seen > through OR stuck_rounds > 0",
                [],
            )?;
            read_holes(conn)
        })
    }

    /// Devices whose numbers arrived with a hole, and for how many rounds it has stayed open.
    pub fn sequence_holes(&self) -> Result<Vec<Hole>> {
        self.read(|r| read_holes(r.conn))
    }

    /// The last desktop found with a clock far ahead of this one's, until its changes arrive in
    /// time again.
    pub fn clock_ahead(&self) -> Result<Option<ClockAhead>> {
        self.read(|r| {
            meta_get(r.conn, keys::CLOCK_AHEAD)?
                .map(|json| serde_json::from_str(&json).map_err(bad))
                .transpose()
        })
    }

    /// The fields in conflict, safety list first.
    pub fn conflicts(&self) -> Result<Vec<ConflictRecord>> {
        self.read(|r| {
            let mut stmt = r.conn.prepare(
                "SELECT id, entity, record_id, field, heads, safety FROM sync_conflict
                 ORDER BY safety DESC, entity, record_id, field",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(ConflictRecord {
                    id: row.get::<_, String>(0)?.parse().map_err(bad)?,
                    entity: row.get::<_, String>(1)?.parse().map_err(bad)?,
                    record_id: row.get::<_, String>(2)?.parse().map_err(bad)?,
                    field: row.get(3)?,
                    heads: serde_json::from_str(&row.get::<_, String>(4)?).map_err(bad)?,
                    safety: row.get(5)?,
                });
            }
            Ok(out)
        })
    }
}
