//! Applying pulled changes: each record's changes merged into its row again, claims on a
//! unique value settled, clocks and sequences noted, what cannot be opened quarantined.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use tend_domain::record::materialize;
use tend_domain::{Change, ChangeId, ChangeKind, DeviceId, Entity, Fields, Hlc, Value};
use uuid::Uuid;

use crate::WriteTx;
use crate::audit::timestamp;
use crate::error::{Result, StoreError};
use crate::schema::{Sql, Table};
use crate::write::append_change;

use super::{
    Applied, CHANGE_COLUMNS, ClockAhead, Hole, Quarantined, StoredHead, bad, keys, meta_get,
    meta_set, read_change,
};

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

pub(super) fn advance_sequence(conn: &Connection, device: &str) -> Result<()> {
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
pub(super) fn insert_quarantined(conn: &Connection, q: &Quarantined) -> Result<bool> {
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

pub(super) fn read_holes(conn: &Connection) -> Result<Vec<Hole>> {
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
