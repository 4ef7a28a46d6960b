//! The store's side of sync: this desktop's outbox, applying pages pulled from the server in one
//! transaction each (with the merge of [`tend_domain::record`]), the conflicts the merge finds,
//! and this desktop's sync settings, which stay in the encrypted database and never sync.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};
use tend_domain::record::{Head, materialize};
use tend_domain::{Change, ChangeId, ChangeKind, DeviceId, Entity, Fields, Hlc, Value};
use uuid::Uuid;

use crate::audit::{AuditEntry, Outcome, timestamp};
use crate::error::{Result, StoreError};
use crate::schema::{Sql, Table};
use crate::write::append_change;
use crate::{Store, WriteCtx, WriteTx};

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

fn bad(e: impl std::fmt::Display) -> StoreError {
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
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

fn meta_u64(conn: &Connection, key: &str) -> Result<u64> {
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

fn record_changes(conn: &Connection, entity: Entity, record_id: Uuid) -> Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CHANGE_COLUMNS} FROM change_log WHERE entity = ?1 AND record_id = ?2"
    ))?;
    let mut rows = stmt.query(params![entity.as_str(), record_id.hyphenated().to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(read_change(r)?);
    }
    Ok(out)
}

/// Whether a pulled change simply follows on from what this desktop holds: a create of a record
/// it has never heard of, or an edit whose every field replaces exactly the one value shown.
/// Then merging the record from all its changes would give what projecting this one gives.
fn follows_on(conn: &Connection, change: &Change) -> Result<bool> {
    let id = change.record_id.hyphenated().to_string();
    let others: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM change_log WHERE entity = ?1 AND record_id = ?2 AND change_id != ?3",
        )?
        .query_row(params![change.entity.as_str(), id, change.id.to_string()], |r| {
            r.get(0)
        })?;
    match change.kind {
        ChangeKind::Create => Ok(others == 0),
        ChangeKind::Update => {
            if others == 0 {
                return Ok(false);
            }
            let in_conflict: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM sync_conflict WHERE entity = ?1 AND record_id = ?2",
                )?
                .query_row(params![change.entity.as_str(), id], |r| r.get(0))?;
            if in_conflict > 0 {
                return Ok(false);
            }
            let mut created = None;
            for field in change.fields.keys() {
                let Some(replaced) = change.replaces.get(field) else {
                    return Ok(false);
                };
                let shown = match crate::write::field_clock(
                    conn,
                    change.entity,
                    change.record_id,
                    field,
                )? {
                    Some((head, _)) => head,
                    None => match created {
                        Some(head) => head,
                        None => {
                            let (head, _) =
                                crate::write::create_clock(conn, change.entity, change.record_id)?;
                            *created.insert(head)
                        }
                    },
                };
                if replaced.as_slice() != [shown] {
                    return Ok(false);
                }
            }
            Ok(true)
        }
    }
}

/// Rewrites a record's row, its fields' clocks and its conflicts from its changes.
fn rematerialize(conn: &Connection, entity: Entity, record_id: Uuid) -> Result<()> {
    let changes = record_changes(conn, entity, record_id)?;
    let state = materialize(entity, record_id, &changes);
    let Some(fields) = state.fields else {
        // Its create change has not arrived yet; the row appears when it does.
        return Ok(());
    };
    let created_at = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Create)
        .map(|c| c.recorded_at)
        .min()
        .unwrap_or_default();
    let updated_at = changes
        .iter()
        .map(|c| c.recorded_at)
        .max()
        .unwrap_or_default();
    let mut fields = fields;
    let mut written = false;
    for _ in 0..MAX_CLAIMANTS {
        match write_row(conn, entity, record_id, &fields, created_at, updated_at) {
            Err(StoreError::Duplicate { field }) => {
                let claim = state.shown.get(field).map(|(id, hlc)| (*hlc, *id));
                let value = fields.get(field).cloned().unwrap_or(Value::Null);
                match settle_claim(conn, entity, record_id, field, &value, claim)? {
                    Some(renamed) => {
                        fields.insert(field.to_owned(), renamed);
                    }
                    None => continue,
                }
            }
            other => {
                other?;
                written = true;
                break;
            }
        }
    }
    if !written {
        return Err(StoreError::Corrupt(
            "too many desktops chose the same username or fee code at once".into(),
        ));
    }
    if entity == Entity::Patient {
        crate::patients::reindex(conn, record_id)?;
    }
    let id = record_id.hyphenated().to_string();
    conn.execute(
        "DELETE FROM field_version WHERE entity = ?1 AND record_id = ?2",
        params![entity.as_str(), id],
    )?;
    let mut version = conn.prepare_cached(
        "INSERT INTO field_version (entity, record_id, field, hlc, device_id, change_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (field, (change_id, hlc)) in &state.shown {
        let device = changes
            .iter()
            .find(|c| c.id == *change_id)
            .map(|c| c.device_id.to_string())
            .unwrap_or_default();
        version.execute(params![
            entity.as_str(),
            id,
            field,
            hlc.to_string(),
            device,
            change_id.to_string()
        ])?;
    }
    conn.execute(
        "DELETE FROM sync_conflict WHERE entity = ?1 AND record_id = ?2",
        params![entity.as_str(), id],
    )?;
    let mut open = conn.prepare_cached(
        "INSERT INTO sync_conflict (id, entity, record_id, field, heads, safety)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in &state.conflicts {
        let heads: Vec<StoredHead> = c.heads.iter().map(StoredHead::from).collect();
        open.execute(params![
            c.id.hyphenated().to_string(),
            entity.as_str(),
            id,
            c.field,
            serde_json::to_string(&heads).map_err(bad)?,
            c.safety,
        ])?;
    }
    Ok(())
}

/// How many desktops may claim one username or fee code at once before sync gives up.
const MAX_CLAIMANTS: usize = 16;

/// The fields people choose whose values must be unique (usernames, fee codes), with the
/// longest value each may hold. Two desktops apart can both choose the same one.
pub(crate) fn chosen_unique(entity: Entity, field: &str) -> Option<usize> {
    match (entity, field) {
        (Entity::User, "username") => Some(32),
        (Entity::FeeItem, "code") => Some(20),
        _ => None,
    }
}

/// The value a record that lost a claim to a username or fee code shows instead: the value, a
/// dash and the end of its record id (which is random), within the field's length. Every desktop
/// picks the same loser and the same new value, so they agree; the admin can then rename it.
pub(crate) fn renamed(value: &Value, record_id: Uuid, max: usize) -> Value {
    let Value::Text(text) = value else {
        return value.clone();
    };
    let hex = record_id.simple().to_string();
    let tail = &hex[hex.len() - 6..];
    let tail = if text.chars().any(|c| c.is_lowercase()) {
        tail.to_owned()
    } else {
        tail.to_uppercase()
    };
    let keep: String = text
        .chars()
        .take(max.saturating_sub(tail.len() + 1))
        .collect();
    Value::Text(format!("{keep}-{tail}"))
}

/// The clock and change of the value a record holds for `field` (its last edit, or its create).
fn claim_of(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
    field: &str,
) -> Result<(Hlc, ChangeId)> {
    match crate::write::field_clock(conn, entity, record_id, field)? {
        Some((id, hlc)) => Ok((hlc, id)),
        None => {
            let (id, hlc) = crate::write::create_clock(conn, entity, record_id)?;
            Ok((hlc, id))
        }
    }
}

/// Two records claim the same username or fee code: the earlier claim (clock, then change id)
/// keeps it. Returns the value the incoming record shows instead when it loses, or `None` after
/// renaming the record already holding it, when that one loses.
fn settle_claim(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
    field: &'static str,
    value: &Value,
    incoming: Option<(Hlc, ChangeId)>,
) -> Result<Option<Value>> {
    let Some(max) = chosen_unique(entity, field) else {
        return Err(StoreError::Duplicate { field });
    };
    let table = Table::of(entity);
    let (column, _) = table.column(field)?;
    let holder: Option<String> = conn
        .query_row(
            &format!(
                "SELECT id FROM \"{}\" WHERE {column} = ?1 AND id != ?2",
                table.name()
            ),
            params![Sql(value), record_id.hyphenated().to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(holder) = holder else {
        return Err(StoreError::Duplicate { field });
    };
    let holder: Uuid = holder.parse().map_err(bad)?;
    let held = claim_of(conn, entity, holder, field)?;
    let incoming = incoming.unwrap_or((Hlc::ZERO, ChangeId::from_uuid(Uuid::nil())));
    if incoming < held {
        let new = renamed(value, holder, max);
        conn.execute(
            &format!(
                "UPDATE \"{}\" SET {column} = ?1 WHERE id = ?2",
                table.name()
            ),
            params![Sql(&new), holder.hyphenated().to_string()],
        )?;
        tracing::warn!(
            entity = entity.as_str(),
            field,
            "two desktops chose the same value; the later one was renamed"
        );
        Ok(None)
    } else {
        tracing::warn!(
            entity = entity.as_str(),
            field,
            "two desktops chose the same value; the later one was renamed"
        );
        Ok(Some(renamed(value, record_id, max)))
    }
}

/// Projects a pulled change that follows on from what this desktop shows, settling a clash of
/// usernames or fee codes chosen on two desktops.
fn project_pulled(conn: &Connection, change: &Change) -> Result<()> {
    let mut change = std::borrow::Cow::Borrowed(change);
    for _ in 0..MAX_CLAIMANTS {
        match crate::write::project(conn, &change) {
            Err(StoreError::Duplicate { field }) => {
                let value = change.fields.get(field).cloned().unwrap_or(Value::Null);
                let claim = Some((change.hlc, change.id));
                if let Some(new) =
                    settle_claim(conn, change.entity, change.record_id, field, &value, claim)?
                {
                    change.to_mut().fields.insert(field.to_owned(), new);
                }
            }
            other => return other,
        }
    }
    Err(StoreError::Corrupt(
        "too many desktops chose the same username or fee code at once".into(),
    ))
}

/// Inserts or replaces a record's row with the merged fields.
fn write_row(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
    fields: &Fields,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let table = Table::of(entity);
    let columns: Vec<&'static str> = fields
        .iter()
        .map(|(field, value)| table.check(field, value))
        .collect::<Result<_>>()?;
    let mut names = vec!["id", "created_at", "updated_at"];
    names.extend(&columns);
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sets: Vec<String> = names[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
        table.name(),
        names.join(", "),
        marks.join(", "),
        sets.join(", ")
    );
    let id = record_id.hyphenated().to_string();
    let (created, updated) = (timestamp(created_at), timestamp(updated_at));
    let values: Vec<Sql<'_>> = fields.values().map(Sql).collect();
    let head: [&dyn rusqlite::ToSql; 3] = [&id, &created, &updated];
    let all = head
        .into_iter()
        .chain(values.iter().map(|v| v as &dyn rusqlite::ToSql));
    conn.execute(&sql, params_from_iter(all))
        .map_err(|e| crate::write::unique_violation(table, e))?;
    Ok(())
}

impl WriteTx<'_> {
    /// Applies changes pulled from the server: each new one joins the change log, and every
    /// record they touch is merged again from all its changes. The clock moves past theirs.
    pub fn apply_pulled(&mut self, changes: &[Change]) -> Result<Applied> {
        let mut applied = Applied::default();
        let mut touched: BTreeSet<(Entity, Uuid)> = BTreeSet::new();
        let mut ids = Vec::new();
        let mut highest: BTreeMap<DeviceId, u64> = BTreeMap::new();
        let mut clocks: BTreeMap<DeviceId, u64> = BTreeMap::new();
        let now_ms = self.now_ms();
        for change in changes {
            let top = highest.entry(change.device_id).or_default();
            *top = (*top).max(change.device_seq);
            let known: Option<String> = self
                .conn()
                .prepare_cached("SELECT device_id FROM change_log WHERE change_id = ?1")?
                .query_row([change.id.to_string()], |r| r.get(0))
                .optional()?;
            if known.is_some() {
                applied.known += 1;
                continue;
            }
            let taken: Option<String> = self
                .conn()
                .prepare_cached(
                    "SELECT change_id FROM change_log WHERE device_id = ?1 AND device_seq = ?2",
                )?
                .query_row(
                    params![
                        change.device_id.to_string(),
                        i64::try_from(change.device_seq).map_err(bad)?
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::Corrupt(format!(
                    "the server holds a different change numbered {} from device {}",
                    change.device_seq, change.device_id
                )));
            }
            let table = Table::of(change.entity);
            for (field, value) in &change.fields {
                table.check(field, value)?;
            }
            append_change(self.conn(), change)?;
            let ahead = change.hlc.wall_ms.saturating_sub(now_ms);
            let worst = clocks.entry(change.device_id).or_default();
            *worst = if Hlc::is_far_ahead(change.hlc, now_ms) {
                (*worst).max(ahead)
            } else {
                *worst
            };
            self.observe(change.hlc)?;
            let key = (change.entity, change.record_id);
            if touched.contains(&key) || !follows_on(self.conn(), change)? {
                touched.insert(key);
            } else {
                // The usual case: a new record, or an edit of exactly what this desktop shows.
                // It projects as it did where it was made, without merging the whole record.
                project_pulled(self.conn(), change)?;
            }
            ids.push(change.id);
            applied.new += 1;
        }
        for (entity, record_id) in touched {
            rematerialize(self.conn(), entity, record_id)?;
        }
        for (device, seq) in highest {
            see_sequence(self.conn(), device, seq)?;
        }
        note_clocks(self.conn(), &clocks)?;
        self.cover(ids);
        Ok(applied)
    }
}

/// Keeps the last desktop found with a clock far ahead (`clocks`: each device of a page and how
/// far ahead its changes were, 0 when none was far ahead), and forgets it once its changes
/// arrive in time again.
fn note_clocks(conn: &Connection, clocks: &BTreeMap<DeviceId, u64>) -> Result<()> {
    if let Some((&device, &ahead_ms)) = clocks
        .iter()
        .filter(|(_, a)| **a > 0)
        .max_by_key(|(_, a)| **a)
    {
        let json = serde_json::to_string(&ClockAhead { device, ahead_ms }).map_err(bad)?;
        tracing::warn!(%device, ahead_ms, "a change arrived with a clock far ahead of this desktop's");
        return meta_set(conn, keys::CLOCK_AHEAD, Some(&json));
    }
    if let Some(json) = meta_get(conn, keys::CLOCK_AHEAD)? {
        let kept: ClockAhead = serde_json::from_str(&json).map_err(bad)?;
        if clocks.contains_key(&kept.device) {
            meta_set(conn, keys::CLOCK_AHEAD, None)?;
        }
    }
    Ok(())
}

/// Records that `device`'s numbers up to `seq` have been seen, and moves its `through` up over
/// every number now held (in the change log or the quarantine) without a gap.
fn see_sequence(conn: &Connection, device: DeviceId, seq: u64) -> Result<()> {
    let id = device.to_string();
    conn.prepare_cached(
        "INSERT INTO sync_sequence (device_id, through, max_seen) VALUES (?1, 0, ?2)
         ON CONFLICT (device_id) DO UPDATE SET max_seen = MAX(max_seen, excluded.max_seen)",
    )?
    .execute(params![id, i64::try_from(seq).map_err(bad)?])?;
    advance_sequence(conn, &id)
}

fn advance_sequence(conn: &Connection, device: &str) -> Result<()> {
    let (start, max_seen): (i64, i64) = conn
        .prepare_cached("SELECT through, max_seen FROM sync_sequence WHERE device_id = ?1")?
        .query_row([device], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut held = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM change_log WHERE device_id = ?1 AND device_seq = ?2)
             OR EXISTS (SELECT 1 FROM sync_quarantine WHERE device_id = ?1 AND device_seq = ?2)",
    )?;
    let mut through = start;
    while through < max_seen && held.query_row(params![device, through + 1], |r| r.get(0))? {
        through += 1;
    }
    if through != start {
        conn.prepare_cached("UPDATE sync_sequence SET through = ?2 WHERE device_id = ?1")?
            .execute(params![device, through])?;
    }
    Ok(())
}

/// Keeps an envelope that did not open, unless the change is one this desktop already holds
/// (its own, coming back damaged: nothing is missing).
fn insert_quarantined(conn: &Connection, q: &Quarantined) -> Result<bool> {
    let held: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM change_log WHERE change_id = ?1)")?
        .query_row([q.change_id.to_string()], |r| r.get(0))?;
    if held {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO sync_quarantine (cursor, change_id, device_id, device_seq, envelope, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (cursor) DO NOTHING",
    )?
    .execute(params![
        i64::try_from(q.cursor).map_err(bad)?,
        q.change_id.to_string(),
        q.device_id.to_string(),
        i64::try_from(q.device_seq).map_err(bad)?,
        q.envelope,
        q.reason,
        q.at,
    ])?;
    see_sequence(conn, q.device_id, q.device_seq)?;
    Ok(true)
}

fn read_holes(conn: &Connection) -> Result<Vec<Hole>> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, through, max_seen, stuck_rounds FROM sync_sequence
         WHERE max_seen > through ORDER BY device_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(Hole {
            device: row.get::<_, String>(0)?.parse().map_err(bad)?,
            missing_from: u64::try_from(row.get::<_, i64>(1)?).map_err(bad)? + 1,
            max_seen: u64::try_from(row.get::<_, i64>(2)?).map_err(bad)?,
            rounds: u32::try_from(row.get::<_, i64>(3)?).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

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

    /// The clinic keys this desktop holds, oldest epoch first.
    pub fn clinic_keys(&self) -> Result<Vec<StoredKey>> {
        self.read(|r| {
            let mut stmt = r
                .conn
                .prepare("SELECT epoch, scheme, secret FROM sync_key ORDER BY epoch, id")?;
            let rows = stmt.query_map([], |row| {
                Ok(StoredKey {
                    epoch: row.get(0)?,
                    scheme: row.get(1)?,
                    secret: zeroize::Zeroizing::new(row.get(2)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Keeps clinic keys (one already held is left as it was).
    pub fn add_clinic_keys(&self, keys: &[StoredKey], at: &str) -> Result<()> {
        self.local_write(|conn| {
            for k in keys {
                conn.execute(
                    "INSERT INTO sync_key (epoch, scheme, secret, added_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (secret) DO NOTHING",
                    params![k.epoch, k.scheme, *k.secret, at],
                )?;
            }
            Ok(())
        })
    }

    /// Forgets every clinic key (this desktop stops syncing).
    pub fn forget_clinic_keys(&self) -> Result<()> {
        self.local_write(|conn| {
            conn.execute("DELETE FROM sync_key", [])?;
            Ok(())
        })
    }

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

    /// Every synced record, conflict and change id in a fixed order: two desktops that have
    /// exchanged everything give the same text. For tests; it holds patient data, so it is
    /// never written anywhere, and only the tests' builds have it (feature `test-support`).
    #[cfg(feature = "test-support")]
    pub fn canonical_dump(&self) -> Result<String> {
        use crate::schema::read_value;
        self.read(|r| {
            let mut out = String::new();
            for entity in Entity::ALL {
                let table = Table::of(entity);
                let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
                let mut stmt = r.conn.prepare(&format!(
                    "SELECT id, created_at, updated_at, {} FROM \"{}\" ORDER BY id",
                    cols.join(", "),
                    table.name()
                ))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let mut fields = Fields::new();
                    for (i, (name, ty)) in table.columns.iter().enumerate() {
                        fields.insert((*name).to_owned(), read_value(*ty, row.get_ref(i + 3)?)?);
                    }
                    out.push_str(&format!(
                        "{entity} {} {} {} {}\n",
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        serde_json::to_string(&fields).map_err(bad)?
                    ));
                }
            }
            let mut stmt = r.conn.prepare(
                "SELECT id, entity, record_id, field, heads, safety FROM sync_conflict ORDER BY id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                out.push_str(&format!(
                    "conflict {} {} {} {} {} {}\n",
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?
                ));
            }
            let mut stmt = r
                .conn
                .prepare("SELECT change_id FROM change_log ORDER BY change_id")?;
            let ids: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            out.push_str(&format!("changes {}\n", ids.join(" ")));
            Ok(out)
        })
    }
}
