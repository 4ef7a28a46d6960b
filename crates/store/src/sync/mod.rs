//! The store's side of sync: this desktop's outbox, applying pages pulled from the server in one
//! transaction each (with the merge of [`tend_domain::record`]), the conflicts the merge finds,
//! and this desktop's sync settings, which stay in the encrypted database and never sync.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tend_domain::record::Head;
use tend_domain::{Change, ChangeId, DeviceId, Entity, Hlc, Value};
use uuid::Uuid;

use crate::audit::{AuditEntry, Outcome};
use crate::error::{Result, StoreError};
use crate::{Store, WriteCtx};

mod clinic_keys;
#[cfg(feature = "test-support")]
mod dump;
mod merge;
mod problems;
mod reads;

use merge::{advance_sequence, insert_quarantined, read_holes};
pub(crate) use merge::{chosen_unique, renamed};

/// One value of a field in conflict, as `sync_conflict.heads` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHead {
    pub change_id: ChangeId,
    pub hlc: Hlc,
    pub value: Value,
}

impl From<&Head> for StoredHead {
    fn from(h: &Head) -> Self {
        StoredHead {
            change_id: h.change_id,
            hlc: h.hlc,
            value: h.value.clone(),
        }
    }
}

/// A field whose concurrent edits are not reconciled yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRecord {
    pub id: Uuid,
    pub entity: Entity,
    pub record_id: Uuid,
    pub field: String,
    /// The shown value first.
    pub heads: Vec<StoredHead>,
    pub safety: bool,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes new to this desktop.
    pub new: usize,
    /// Changes it already had (its own, or a page seen before).
    pub known: usize,
}

/// An envelope pulled from the server that did not open here: kept in quarantine, with why, while
/// the pull moves on past it. It is tried again at every round (a key or a newer version of Tend
/// may open it later) and shown to admins with the device it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// The server's cursor of the change.
    pub cursor: u64,
    pub change_id: ChangeId,
    pub device_id: DeviceId,
    pub device_seq: u64,
    /// The envelope as the server sent it (JSON), still sealed.
    pub envelope: String,
    /// Why it did not open, in words (no patient data: nothing of it was read).
    pub reason: String,
    /// When it was kept, RFC 3339.
    pub at: String,
}

/// A clinic key as this desktop keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub epoch: u32,
    /// `v1` or `v2` (`tend_sync::KeyScheme`).
    pub scheme: String,
    /// The key, hex.
    pub secret: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("epoch", &self.epoch)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// A device whose sequence numbers arrived here with a hole: the server holds back (or lost)
/// the changes from `missing_from`, though it sent later ones, up to `max_seen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hole {
    pub device: DeviceId,
    pub missing_from: u64,
    pub max_seen: u64,
    /// Sync rounds that have ended with the hole open.
    pub rounds: u32,
}

/// How many rounds a hole may stay open before it is shown as an error: a change pushed between
/// two pages of one pull can leave one for a round.
pub const HOLE_ROUNDS: u32 = 3;

/// Another desktop's clock found far ahead of this desktop's ([`Hlc::is_far_ahead`]): its
/// changes were kept, and this desktop's clock did not follow it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockAhead {
    pub device: DeviceId,
    /// How far ahead, in milliseconds, of this desktop's time when its change arrived.
    pub ahead_ms: u64,
}

/// Keys of this desktop's sync settings in `meta`.
pub mod keys {
    /// The server's base URL.
    pub const SERVER: &str = "sync.server";
    /// This device's bearer token at the server.
    pub const TOKEN: &str = "sync.token";
    /// The clinic's sync id (its clinic record's id).
    pub const CLINIC: &str = "sync.clinic";
    /// This desktop's X25519 secret, hex: opens the clinic keys granted to it.
    pub const DEVICE_SECRET: &str = "sync.device_secret";
    /// SHA-256 of the sync server certificate's public key (base64url), when the clinic pins
    /// its own server's certificate.
    pub const PIN: &str = "sync.pin";
    /// Set when an admin allowed plain http to a server on the clinic's own network.
    pub const INSECURE: &str = "sync.insecure_http";
    /// JSON list of the devices this desktop revoked: never granted a key again.
    pub const REVOKED: &str = "sync.revoked";
    /// Set on a manager desktop when the clinic key must change (a desktop was revoked and the
    /// rotation did not finish): the next round makes it.
    pub const ROTATE_DUE: &str = "sync.rotate_due";
    /// The highest server cursor applied here.
    pub const CURSOR: &str = "sync.cursor";
    /// The highest of this device's sequence numbers the server has acknowledged.
    pub const ACKED: &str = "sync.acked_through";
    /// JSON list of the device ids this desktop succeeded after restores from backups.
    pub const PREDECESSORS: &str = "sync.predecessors";
    /// Set when this desktop must announce its new identity before the next sync.
    pub const ANNOUNCE: &str = "sync.announce";
    /// The clinic key made for an enrolment not yet answered, hex: asked again with the same
    /// key, a server that took the first request answers the second.
    pub const PENDING_KEY: &str = "sync.pending_clinic_key";
    /// When the last sync finished, and how.
    pub const LAST_OK: &str = "sync.last_ok";
    pub const LAST_ERROR: &str = "sync.last_error";
    /// JSON [`super::ClockAhead`]: the last desktop whose changes arrived with a clock far ahead.
    pub const CLOCK_AHEAD: &str = "sync.clock_ahead";
}

pub(super) fn bad(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// After a restore from a backup, applied to the restored copy before it replaces the database:
/// this desktop becomes a new device (its old sequence numbers after the backup may be held by
/// the server for changes the backup lacks), the old one is remembered as its predecessor, and
/// the next sync announces it.
pub(crate) fn succeed_device(
    conn: &Connection,
    device_id: DeviceId,
    code: tend_domain::DeviceCode,
) -> Result<()> {
    let old: String = meta_get(conn, "device_id")?.unwrap_or_default();
    let mut predecessors: Vec<DeviceId> = match meta_get(conn, keys::PREDECESSORS)? {
        Some(json) => serde_json::from_str(&json).map_err(bad)?,
        None => Vec::new(),
    };
    if let Ok(old) = old.parse() {
        predecessors.push(old);
    }
    let predecessors = serde_json::to_string(&predecessors).map_err(bad)?;
    meta_set(conn, "device_id", Some(&device_id.to_string()))?;
    meta_set(conn, "device_code", Some(&code.to_string()))?;
    meta_set(conn, keys::PREDECESSORS, Some(&predecessors))?;
    meta_set(conn, keys::ACKED, Some("0"))?;
    meta_set(conn, keys::ANNOUNCE, Some("1"))?;
    Ok(())
}

/// After a restore onto a computer that does not replace the desktop the backup came from: the
/// copy gets a device identity of its own and forgets the sync server, its token and the clinic
/// keys, so it can never act as that desktop.
pub(crate) fn detach_device(
    conn: &Connection,
    device_id: DeviceId,
    code: tend_domain::DeviceCode,
) -> Result<()> {
    conn.execute("DELETE FROM meta WHERE key LIKE 'sync.%'", [])?;
    conn.execute("DELETE FROM sync_key", [])?;
    conn.execute("DELETE FROM sync_quarantine", [])?;
    meta_set(conn, "device_id", Some(&device_id.to_string()))?;
    meta_set(conn, "device_code", Some(&code.to_string()))?;
    Ok(())
}

/// The desktop a database syncs as, if it syncs.
pub(crate) fn syncing_desktop(conn: &Connection) -> Result<Option<SyncingDesktop>> {
    if meta_get(conn, keys::TOKEN)?.is_none() {
        return Ok(None);
    }
    let identity = crate::read_identity(conn)?;
    let name = crate::Reader::new(conn).device_name(identity.device_id)?;
    Ok(Some(SyncingDesktop {
        device_id: identity.device_id,
        code: identity.device_code,
        name: name.unwrap_or_default(),
    }))
}

/// A desktop that syncs, as a backup of it names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncingDesktop {
    pub device_id: DeviceId,
    pub code: tend_domain::DeviceCode,
    pub name: String,
}

pub(crate) fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(super) fn meta_u64(conn: &Connection, key: &str) -> Result<u64> {
    meta_get(conn, key)?
        .map(|v| v.parse().map_err(|_| bad(format!("{key} is unreadable"))))
        .transpose()
        .map(Option::unwrap_or_default)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) => conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, v],
        )?,
        None => conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
    };
    Ok(())
}

pub(crate) const CHANGE_COLUMNS: &str = "change_id, device_id, device_seq, hlc, user_id, entity, record_id, \
                              kind, fields, base, recorded_at, replaces";

/// A change as the change log holds it.
pub(crate) fn read_change(r: &rusqlite::Row<'_>) -> Result<Change> {
    let text = |i: usize| -> Result<String> { Ok(r.get::<_, String>(i)?) };
    let user: Option<String> = r.get(4)?;
    Ok(Change {
        id: text(0)?.parse().map_err(bad)?,
        device_id: text(1)?.parse().map_err(bad)?,
        device_seq: u64::try_from(r.get::<_, i64>(2)?).map_err(bad)?,
        hlc: text(3)?.parse().map_err(bad)?,
        user_id: user.map(|u| u.parse()).transpose().map_err(bad)?,
        entity: text(5)?.parse().map_err(bad)?,
        record_id: text(6)?.parse().map_err(bad)?,
        kind: text(7)?.parse().map_err(bad)?,
        fields: serde_json::from_str(&text(8)?).map_err(bad)?,
        base: serde_json::from_str(&text(9)?).map_err(bad)?,
        recorded_at: text(10)?
            .parse::<chrono::DateTime<chrono::Utc>>()
            .map_err(bad)?,
        replaces: serde_json::from_str(&text(11)?).map_err(bad)?,
    })
}

impl Store {
    /// A sync setting of this desktop.
    pub fn sync_setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|r| meta_get(r.conn, key))
    }

    /// Sets (or with `None`, removes) sync settings of this desktop, all at once.
    pub fn set_sync_settings(&self, pairs: &[(&str, Option<&str>)]) -> Result<()> {
        self.local_write(|conn| {
            for (k, v) in pairs {
                meta_set(conn, k, *v)?;
            }
            Ok(())
        })
    }

    /// The server cursor applied here, and the highest own sequence number acknowledged.
    pub fn sync_position(&self) -> Result<(u64, u64)> {
        self.read(|r| {
            Ok((
                meta_u64(r.conn, keys::CURSOR)?,
                meta_u64(r.conn, keys::ACKED)?,
            ))
        })
    }

    /// The changes of `device` after sequence number `after`, in order, at most `limit`.
    pub fn outbox(&self, device: DeviceId, after: u64, limit: usize) -> Result<Vec<Change>> {
        let device = device.to_string();
        self.read(|r| {
            let mut stmt = r.conn.prepare_cached(&format!(
                "SELECT {CHANGE_COLUMNS} FROM change_log
                 WHERE device_id = ?1 AND device_seq > ?2 ORDER BY device_seq LIMIT ?3"
            ))?;
            let mut rows = stmt.query(params![
                device,
                i64::try_from(after).map_err(bad)?,
                i64::try_from(limit).map_err(bad)?
            ])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(read_change(row)?);
            }
            Ok(out)
        })
    }

    /// The devices whose changes this desktop pushes: those it succeeded after restores from
    /// backups, oldest first, then itself.
    pub fn sync_devices(&self) -> Result<Vec<DeviceId>> {
        let mut devices: Vec<DeviceId> = match self.sync_setting(keys::PREDECESSORS)? {
            Some(json) => serde_json::from_str(&json).map_err(bad)?,
            None => Vec::new(),
        };
        devices.push(self.identity().device_id);
        Ok(devices)
    }

    /// How many of this device's changes the server has not acknowledged: its newest sequence
    /// number less the acknowledged one, since a device numbers its changes from 1 without gaps
    /// (the consistency check holds it to that). Read from the end of the (device, sequence)
    /// index, so the sync badge's poll costs the same whatever the clinic's size; counting the
    /// changes instead walked the whole index, 0.11 s and a full 32 MiB page cache every few
    /// seconds in a clinic of 100,000 patients that had never synced.
    pub fn pending_changes(&self) -> Result<u64> {
        let device = self.identity().device_id.to_string();
        self.read(|r| {
            let acked = meta_u64(r.conn, keys::ACKED)?;
            let newest: i64 = r.conn.query_row(
                "SELECT COALESCE(MAX(device_seq), 0) FROM change_log WHERE device_id = ?1",
                params![device],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(newest).map_err(bad)?.saturating_sub(acked))
        })
    }

    /// Records that the server holds this device's changes up to `seq` (never moves back).
    pub fn set_acked(&self, seq: u64) -> Result<()> {
        self.local_write(|conn| {
            if seq > meta_u64(conn, keys::ACKED)? {
                meta_set(conn, keys::ACKED, Some(&seq.to_string()))?;
            }
            Ok(())
        })
    }

    /// Applies one page pulled from the server and moves the cursor to `cursor`, in one
    /// transaction: either both happen or neither. `expected_from` is the cursor the page
    /// follows; if another pull moved it meanwhile, nothing is applied.
    ///
    /// Envelopes of the page that did not open are `quarantined`: kept, and passed over.
    pub fn apply_page(
        &self,
        ctx: WriteCtx,
        expected_from: u64,
        cursor: u64,
        changes: &[Change],
        quarantined: &[Quarantined],
    ) -> Result<Applied> {
        self.write(ctx, |tx| {
            let at = meta_u64(tx.conn(), keys::CURSOR)?;
            if at != expected_from {
                return Err(StoreError::Corrupt(format!(
                    "the sync cursor moved from {expected_from} to {at} during a pull"
                )));
            }
            if cursor < at {
                return Err(StoreError::Corrupt(format!(
                    "a page would move the sync cursor back from {at} to {cursor}"
                )));
            }
            let mut kept = Vec::new();
            for q in quarantined {
                if insert_quarantined(tx.conn(), q)? {
                    kept.push(q.device_id.to_string());
                }
            }
            if !kept.is_empty() {
                tracing::warn!(
                    count = kept.len(),
                    "pulled changes that do not open were kept in quarantine"
                );
                tx.audit(AuditEntry::new("sync.quarantine", Outcome::Failed).detail(
                    serde_json::json!({
                        "changes": kept.len(),
                        "devices": kept.iter().collect::<BTreeSet<_>>(),
                    }),
                ))?;
            }
            let applied = tx.apply_pulled(changes)?;
            meta_set(tx.conn(), keys::CURSOR, Some(&cursor.to_string()))?;
            if applied.new > 0 {
                tx.audit(
                    AuditEntry::new("sync.pull", Outcome::Ok).detail(serde_json::json!({
                        "changes": applied.new,
                        "cursor": cursor,
                    })),
                )?;
            }
            Ok(applied)
        })
    }

    /// A desktop as people read it (see [`crate::Reader::device_label`]).
    pub fn device_label(&self, device: DeviceId) -> Result<String> {
        self.read(|r| r.device_label(device))
    }

    /// Moves the sync cursor back to the start, so the next round pulls every change again:
    /// what this desktop holds is passed over, and whatever a server withheld or a network
    /// damaged arrives. Audited by `ctx.user`.
    pub fn pull_everything_again(&self, ctx: WriteCtx) -> Result<()> {
        self.write(ctx, |tx| {
            let was = meta_u64(tx.conn(), keys::CURSOR)?;
            meta_set(tx.conn(), keys::CURSOR, Some("0"))?;
            tx.audit(
                AuditEntry::new("sync.pull_again", Outcome::Ok)
                    .detail(serde_json::json!({ "cursor_was": was })),
            )
        })
    }
}
