//! The one write path. A [`WriteTx`] is a SQLite transaction that, for every record it creates or
//! edits, writes the row, appends a [`Change`] to the change log (with a persisted hybrid logical
//! clock and the device's next gap-free sequence number) and keeps each field's clock; and it
//! refuses to commit changes that no audit entry covers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use tend_domain::change::MAX_CHANGE_BYTES;
use tend_domain::{Change, ChangeId, ChangeKind, Entity, Fields, Hlc, UserId};
use uuid::Uuid;

use crate::audit::{self, AuditEntry, AuditKey, timestamp};
use crate::error::{Result, StoreError};
use crate::schema::{Sql, Table, read_value};
use crate::{Identity, Reader};

/// Who is writing and when. `now` comes from the caller; the store never reads the clock.
#[derive(Debug, Clone, Copy)]
pub struct WriteCtx {
    pub user: Option<UserId>,
    pub now: DateTime<Utc>,
}

pub struct WriteTx<'c> {
    tx: Transaction<'c>,
    ctx: WriteCtx,
    identity: &'c Identity,
    audit_key: &'c AuditKey,
    hlc: Option<Hlc>,
    unaudited: Vec<ChangeId>,
}

impl std::fmt::Debug for WriteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx")
            .field("ctx", &self.ctx)
            .finish_non_exhaustive()
    }
}

impl<'c> WriteTx<'c> {
    pub(crate) fn new(
        tx: Transaction<'c>,
        ctx: WriteCtx,
        identity: &'c Identity,
        audit_key: &'c AuditKey,
    ) -> Self {
        WriteTx {
            tx,
            ctx,
            identity,
            audit_key,
            hlc: None,
            unaudited: Vec::new(),
        }
    }

    pub fn ctx(&self) -> WriteCtx {
        self.ctx
    }

    pub fn identity(&self) -> Identity {
        *self.identity
    }

    /// Reads inside this transaction (they see its own writes).
    pub fn read(&self) -> Reader<'_> {
        Reader::new(&self.tx)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Creates a record with all its fields.
    pub fn create(
        &mut self,
        entity: Entity,
        record_id: impl Into<Uuid>,
        fields: Fields,
    ) -> Result<ChangeId> {
        let change = self.stamp(
            entity,
            record_id.into(),
            ChangeKind::Create,
            fields,
            BTreeMap::new(),
        )?;
        check_size(&change)?;
        append_change(&self.tx, &change)?;
        project(&self.tx, &change)?;
        self.unaudited.push(change.id);
        Ok(change.id)
    }

    /// Sets some fields of an existing record. Fields whose value does not change are left out;
    /// when none change, nothing is written and `None` is returned.
    pub fn update(
        &mut self,
        entity: Entity,
        record_id: impl Into<Uuid>,
        fields: Fields,
    ) -> Result<Option<ChangeId>> {
        let record_id = record_id.into();
        let current = current_values(&self.tx, entity, record_id, fields.keys())?;
        let changed: Fields = fields
            .into_iter()
            .filter(|(field, value)| current.get(field) != Some(value))
            .collect();
        self.edit(entity, record_id, changed)
    }

    /// Settles a field in conflict on `value`: an edit that replaces every value the field
    /// holds, written even when `value` is the one shown.
    pub fn settle(
        &mut self,
        entity: Entity,
        record_id: Uuid,
        field: &str,
        value: tend_domain::Value,
    ) -> Result<ChangeId> {
        current_values(&self.tx, entity, record_id, [field.to_owned()].iter())?;
        let fields: Fields = [(field.to_owned(), value)].into();
        self.edit(entity, record_id, fields)?
            .ok_or(StoreError::NotFound {
                entity: entity.as_str(),
            })
    }

    fn edit(
        &mut self,
        entity: Entity,
        record_id: Uuid,
        changed: Fields,
    ) -> Result<Option<ChangeId>> {
        if changed.is_empty() {
            return Ok(None);
        }
        let mut base = BTreeMap::new();
        let mut replaces = BTreeMap::new();
        let mut created: Option<(ChangeId, Hlc)> = None;
        for field in changed.keys() {
            // Every value the field holds now: one, or several when it is in conflict. This
            // edit replaces them all, which is how a conflict is resolved.
            let heads = match conflict_heads(&self.tx, entity, record_id, field)? {
                Some(heads) => heads,
                None => match field_clock(&self.tx, entity, record_id, field)? {
                    Some(head) => vec![head],
                    // Never edited since creation: the value is the one the create change set.
                    None => match created {
                        Some(head) => vec![head],
                        None => vec![*created.insert(create_clock(&self.tx, entity, record_id)?)],
                    },
                },
            };
            let shown = heads.iter().map(|(_, hlc)| *hlc).max().unwrap_or(Hlc::ZERO);
            base.insert(field.clone(), shown);
            replaces.insert(
                field.clone(),
                heads
                    .into_iter()
                    .map(|(id, _)| id)
                    .filter(|id| !id.as_uuid().is_nil())
                    .collect::<Vec<_>>(),
            );
        }
        let mut change = self.stamp(entity, record_id, ChangeKind::Update, changed, base)?;
        change.replaces = replaces;
        check_size(&change)?;
        append_change(&self.tx, &change)?;
        project(&self.tx, &change)?;
        self.unaudited.push(change.id);
        Ok(Some(change.id))
    }

    /// The next number of one of this device's series, kept in `meta` under `key`. The counter
    /// only grows, inside the transaction that uses the number, so a rolled-back transaction
    /// gives its number back and a committed one never gives it again.
    pub(crate) fn next_in_series(&mut self, key: &str, what: &str) -> Result<u32> {
        let next: Option<String> = self
            .tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        let next: u32 = match next {
            Some(n) => n
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("the {what} counter is unreadable")))?,
            None => 1,
        };
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![key, (next + 1).to_string()],
        )?;
        Ok(next)
    }

    /// Appends an audit entry covering every change made since the previous one.
    pub fn audit(&mut self, entry: AuditEntry) -> Result<()> {
        let changes = std::mem::take(&mut self.unaudited);
        audit::append(
            &self.tx,
            self.audit_key,
            audit::NewRow {
                at: self.ctx.now,
                device_id: self.identity.device_id,
                user_id: self.ctx.user,
                entry: &entry,
                changes: &changes,
            },
        )?;
        Ok(())
    }

    /// Commits, after checking every change is audited and saving the clock.
    pub(crate) fn commit(self) -> Result<()> {
        if !self.unaudited.is_empty() {
            return Err(StoreError::Unaudited);
        }
        if let Some(hlc) = self.hlc {
            self.tx.execute(
                "INSERT INTO meta (key, value) VALUES ('hlc', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [hlc.to_string()],
            )?;
        }
        self.tx.commit()?;
        Ok(())
    }

    /// Moves this device's clock past a change that arrived from elsewhere.
    pub(crate) fn observe(&mut self, remote: Hlc) -> Result<()> {
        let last = self.last_hlc()?;
        self.hlc = Some(last.observe(remote, self.now_ms()));
        Ok(())
    }

    /// This transaction's time, in milliseconds since 1970 (0 before it).
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.ctx.now.timestamp_millis()).unwrap_or(0)
    }

    /// Changes that the next audit entry covers, besides those this transaction made.
    pub(crate) fn cover(&mut self, changes: impl IntoIterator<Item = ChangeId>) {
        self.unaudited.extend(changes);
    }

    fn last_hlc(&mut self) -> Result<Hlc> {
        Ok(match self.hlc {
            Some(hlc) => hlc,
            None => {
                let text: Option<String> = self
                    .tx
                    .query_row("SELECT value FROM meta WHERE key = 'hlc'", [], |r| r.get(0))
                    .optional()?;
                match text {
                    Some(t) => t.parse().map_err(|_| {
                        StoreError::Corrupt("the stored clock is unreadable".into())
                    })?,
                    None => Hlc::ZERO,
                }
            }
        })
    }

    fn next_hlc(&mut self) -> Result<Hlc> {
        let last = self.last_hlc()?;
        let now_ms = u64::try_from(self.ctx.now.timestamp_millis()).unwrap_or(0);
        let next = last.tick(now_ms);
        self.hlc = Some(next);
        Ok(next)
    }

    fn stamp(
        &mut self,
        entity: Entity,
        record_id: Uuid,
        kind: ChangeKind,
        fields: Fields,
        base: BTreeMap<String, Hlc>,
    ) -> Result<Change> {
        let table = Table::of(entity);
        for (field, value) in &fields {
            table.check(field, value)?;
        }
        let device_seq: i64 = self.tx.query_row(
            "SELECT COALESCE(MAX(device_seq), 0) + 1 FROM change_log WHERE device_id = ?1",
            [self.identity.device_id.to_string()],
            |r| r.get(0),
        )?;
        Ok(Change {
            id: ChangeId::new(),
            device_id: self.identity.device_id,
            device_seq: u64::try_from(device_seq).unwrap_or(0),
            hlc: self.next_hlc()?,
            user_id: self.ctx.user,
            entity,
            record_id,
            kind,
            fields,
            base,
            replaces: BTreeMap::new(),
            recorded_at: self.ctx.now,
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Appends a change to the change log.
/// A change must fit what sync carries ([`MAX_CHANGE_BYTES`]), or its desktop's outbox would
/// hold it for ever: refused before it is written, naming its largest field.
fn check_size(change: &Change) -> Result<()> {
    let bytes = serde_json::to_vec(change)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .len();
    if bytes <= MAX_CHANGE_BYTES {
        return Ok(());
    }
    let largest = change
        .fields
        .iter()
        .max_by_key(|(_, v)| serde_json::to_vec(v).map_or(0, |b| b.len()))
        .map(|(field, _)| field.as_str())
        .unwrap_or_default();
    let field = Table::of(change.entity)
        .column(largest)
        .map_or("record", |(name, _)| name);
    Err(StoreError::Validation(tend_domain::ValidationError::new(
        field,
        tend_domain::words!(
            "is too large to keep and sync ({kib} KiB; a record may be at most {max_kib} KiB)",
            kib = bytes / 1024,
            max_kib = MAX_CHANGE_BYTES / 1024
        ),
    )))
}

pub(crate) fn append_change(conn: &Connection, change: &Change) -> Result<()> {
    conn.execute(
        "INSERT INTO change_log (change_id, device_id, device_seq, hlc, user_id, entity, record_id,
                                 kind, fields, base, recorded_at, replaces)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            change.id.to_string(),
            change.device_id.to_string(),
            i64::try_from(change.device_seq).unwrap_or(i64::MAX),
            change.hlc.to_string(),
            change.user_id.map(|u| u.to_string()),
            change.entity.as_str(),
            change.record_id.hyphenated().to_string(),
            change.kind.as_str(),
            json(&change.fields)?,
            json(&change.base)?,
            timestamp(change.recorded_at),
            json(&change.replaces)?,
        ],
    )?;
    Ok(())
}

/// Writes a change into its record's row and the fields' clocks.
pub(crate) fn project(conn: &Connection, change: &Change) -> Result<()> {
    let table = Table::of(change.entity);
    let columns: Vec<&'static str> = change
        .fields
        .iter()
        .map(|(field, value)| table.check(field, value))
        .collect::<Result<_>>()?;
    let values = change.fields.values().map(Sql);
    let id = change.record_id.hyphenated().to_string();
    let at = timestamp(change.recorded_at);
    let result = match change.kind {
        ChangeKind::Create => {
            let names = columns.join(", ");
            let marks = (0..columns.len())
                .map(|i| format!("?{}", i + 4))
                .collect::<Vec<_>>();
            let sql = format!(
                "INSERT INTO \"{}\" (id, created_at, updated_at{}{names}) VALUES (?1, ?2, ?3{}{})",
                table.name(),
                if columns.is_empty() { "" } else { ", " },
                if columns.is_empty() { "" } else { ", " },
                marks.join(", ")
            );
            let head: [&dyn rusqlite::ToSql; 3] = [&id, &at, &at];
            let params: Vec<&dyn rusqlite::ToSql> = head.into_iter().collect();
            let owned: Vec<Sql<'_>> = values.collect();
            let all = params
                .into_iter()
                .chain(owned.iter().map(|v| v as &dyn rusqlite::ToSql));
            conn.execute(&sql, params_from_iter(all))
        }
        ChangeKind::Update => {
            let sets = columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ?{}", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE \"{}\" SET updated_at = max(updated_at, ?2), {sets} WHERE id = ?1",
                table.name()
            );
            let owned: Vec<Sql<'_>> = values.collect();
            let head: [&dyn rusqlite::ToSql; 2] = [&id, &at];
            let all = head
                .into_iter()
                .chain(owned.iter().map(|v| v as &dyn rusqlite::ToSql));
            match conn.execute(&sql, params_from_iter(all)) {
                Ok(0) => {
                    return Err(StoreError::NotFound {
                        entity: change.entity.as_str(),
                    });
                }
                other => other,
            }
        }
    };
    result.map_err(|e| unique_violation(table, e))?;
    // Derived rows (the patient search index) follow their record in the same transaction,
    // when the change touches what the index holds.
    if change.entity == Entity::Patient
        && (change.kind == ChangeKind::Create
            || change
                .fields
                .keys()
                .any(|f| crate::patients::INDEXED_FIELDS.contains(&f.as_str())))
    {
        crate::patients::reindex(conn, change.record_id)?;
    }
    // A field's clock is its create change's until it is first edited, so a new record writes
    // no clock rows (a patient with twenty fields would otherwise write twenty).
    if change.kind == ChangeKind::Create {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO field_version (entity, record_id, field, hlc, device_id, change_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (entity, record_id, field) DO UPDATE
         SET hlc = excluded.hlc, device_id = excluded.device_id, change_id = excluded.change_id",
    )?;
    let hlc = change.hlc.to_string();
    let device = change.device_id.to_string();
    let change_id = change.id.to_string();
    let mut resolved = conn.prepare_cached(
        "DELETE FROM sync_conflict WHERE entity = ?1 AND record_id = ?2 AND field = ?3",
    )?;
    for field in change.fields.keys() {
        resolved.execute(params![change.entity.as_str(), id, field])?;
        stmt.execute(params![
            change.entity.as_str(),
            id,
            field,
            hlc,
            device,
            change_id
        ])?;
    }
    Ok(())
}

fn parse_clock(text: &str) -> Result<Hlc> {
    text.parse()
        .map_err(|_| StoreError::Corrupt("a field clock is unreadable".into()))
}

/// The change and clock of the last edit of one field, if it was ever edited after creation.
pub(crate) fn field_clock(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
    field: &str,
) -> Result<Option<(ChangeId, Hlc)>> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT change_id, hlc FROM field_version
             WHERE entity = ?1 AND record_id = ?2 AND field = ?3",
        )?
        .query_row(
            params![entity.as_str(), record_id.hyphenated().to_string(), field],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(id, hlc)| Ok((parse_change_id(&id)?, parse_clock(&hlc)?)))
        .transpose()
}

/// The heads of a field in conflict, if it is.
fn conflict_heads(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
    field: &str,
) -> Result<Option<Vec<(ChangeId, Hlc)>>> {
    let heads: Option<String> = conn
        .prepare_cached(
            "SELECT heads FROM sync_conflict WHERE entity = ?1 AND record_id = ?2 AND field = ?3",
        )?
        .query_row(
            params![entity.as_str(), record_id.hyphenated().to_string(), field],
            |r| r.get(0),
        )
        .optional()?;
    let Some(heads) = heads else { return Ok(None) };
    let heads: Vec<crate::sync::StoredHead> = serde_json::from_str(&heads)
        .map_err(|_| StoreError::Corrupt("a conflict's values are unreadable".into()))?;
    Ok(Some(
        heads.into_iter().map(|h| (h.change_id, h.hlc)).collect(),
    ))
}

fn parse_change_id(text: &str) -> Result<ChangeId> {
    text.parse()
        .map_err(|_| StoreError::Corrupt("a change id is unreadable".into()))
}

/// The change that created a record and its clock (a nil id and `Hlc::ZERO` if the log has
/// none).
pub(crate) fn create_clock(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
) -> Result<(ChangeId, Hlc)> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT change_id, hlc FROM change_log
             WHERE entity = ?1 AND record_id = ?2 AND kind = 'create'
             ORDER BY hlc LIMIT 1",
        )?
        .query_row(
            params![entity.as_str(), record_id.hyphenated().to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((id, hlc)) => Ok((parse_change_id(&id)?, parse_clock(&hlc)?)),
        None => Ok((ChangeId::from_uuid(Uuid::nil()), Hlc::ZERO)),
    }
}

/// Turns SQLite's "UNIQUE constraint failed: user.username" into a field-named error.
pub(crate) fn unique_violation(table: &Table, e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(err, Some(msg)) = &e
        && err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    {
        let column = msg.rsplit('.').next().unwrap_or_default();
        if let Ok((field, _)) = table.column(column) {
            return StoreError::Duplicate { field };
        }
    }
    e.into()
}

/// The current values of some fields of a record, read back as domain values.
pub(crate) fn current_values<'f>(
    conn: &Connection,
    entity: Entity,
    record_id: Uuid,
    fields: impl Iterator<Item = &'f String>,
) -> Result<Fields> {
    let table = Table::of(entity);
    let columns: Vec<_> = fields.map(|f| table.column(f)).collect::<Result<_>>()?;
    if columns.is_empty() {
        return Ok(Fields::new());
    }
    let list = columns
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {list} FROM \"{}\" WHERE id = ?1", table.name());
    conn.query_row(&sql, [record_id.hyphenated().to_string()], |r| {
        columns
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| Ok(((*name).to_owned(), read_value(*ty, r.get_ref(i)?)?)))
            .collect::<rusqlite::Result<Fields>>()
    })
    .optional()?
    .ok_or(StoreError::NotFound {
        entity: entity.as_str(),
    })
}

/// Reads a whole record (all change-set columns) as fields; used to check projections.
pub(crate) fn record_fields(conn: &Connection, entity: Entity, record_id: Uuid) -> Result<Fields> {
    let names: Vec<String> = Table::of(entity)
        .columns
        .iter()
        .map(|(c, _)| (*c).to_owned())
        .collect();
    current_values(conn, entity, record_id, names.iter())
}
