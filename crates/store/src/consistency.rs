//! A full consistency check: the rows equal the change log replayed, every change is covered by
//! exactly one audit entry, each device's sequence has no gaps, and the audit chain holds.
//! Used after crashes and restores (in tests and by `tend audit verify`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;
use serde::Serialize;
use tend_domain::record::materialize;
use tend_domain::{Change, ChangeKind, Entity, Fields};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::schema::Table;
use crate::sync::{CHANGE_COLUMNS, chosen_unique, read_change, renamed};
use crate::write::record_fields;
use crate::{Store, audit};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsistencyReport {
    pub changes: u64,
    pub records: u64,
    pub audit_entries: u64,
    /// Each problem found, in words; empty when all is well.
    pub problems: Vec<String>,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

const MAX_PROBLEMS: usize = 20;

impl Store {
    pub fn check_consistency(&self) -> Result<ConsistencyReport> {
        self.read(|r| check(r.conn, &self.audit_key))
    }
}

fn bad(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn check(conn: &Connection, audit_key: &audit::AuditKey) -> Result<ConsistencyReport> {
    let mut problems = Vec::new();
    let mut note = |p: String| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        }
    };

    // Merge each record's changes, as sync does.
    let mut by_record: BTreeMap<(Entity, Uuid), Vec<Change>> = BTreeMap::new();
    let mut change_ids: HashMap<String, u32> = HashMap::new();
    let mut stmt = conn.prepare(&format!("SELECT {CHANGE_COLUMNS} FROM change_log"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let change = read_change(r)?;
        change_ids.insert(change.id.to_string(), 0);
        by_record
            .entry((change.entity, change.record_id))
            .or_default()
            .push(change);
    }
    let mut replayed: BTreeMap<(Entity, Uuid), Fields> = BTreeMap::new();
    for ((entity, record_id), changes) in &by_record {
        let creates = changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Create)
            .count();
        if creates > 1 {
            note(format!("{entity} {record_id} is created twice"));
        }
        match materialize(*entity, *record_id, changes).fields {
            Some(fields) => {
                replayed.insert((*entity, *record_id), fields);
            }
            None => note(format!("{entity} {record_id} is updated but never created")),
        }
    }
    let changes = change_ids.len() as u64;

    // Every row equals its replay, and every replayed record has a row.
    let mut records = 0u64;
    for entity in Entity::ALL {
        let table = Table::of(entity);
        let mut stmt = conn.prepare(&format!("SELECT id FROM \"{}\"", table.name()))?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            records += 1;
            let record_id: Uuid = id.parse().map_err(bad)?;
            let row = record_fields(conn, entity, record_id)?;
            match replayed.remove(&(entity, record_id)) {
                None => note(format!(
                    "{entity} {record_id} has no changes in the change log"
                )),
                Some(expected) => {
                    // Only fields some change set: a column added by a later migration keeps
                    // its default until a change sets it.
                    for (field, value) in &row {
                        let Some(logged) = expected.get(field) else {
                            continue;
                        };
                        // A username or fee code two desktops chose at once shows renamed
                        // on the record whose claim came later.
                        let renamed = chosen_unique(entity, field)
                            .is_some_and(|max| &renamed(logged, record_id, max) == value);
                        if logged != value && !renamed {
                            note(format!(
                                "{entity} {record_id}: {field} differs from the change log"
                            ));
                        }
                    }
                }
            }
        }
    }
    for (entity, id) in replayed.keys() {
        note(format!("{entity} {id} is in the change log but has no row"));
    }

    // Every change is covered by exactly one audit entry.
    let mut audit_entries = 0u64;
    let mut stmt = conn.prepare("SELECT seq, changes FROM audit_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        audit_entries += 1;
        let seq: i64 = r.get(0)?;
        let listed: Vec<String> = serde_json::from_str(&r.get::<_, String>(1)?).map_err(bad)?;
        for id in listed {
            match change_ids.get_mut(&id) {
                Some(n) => *n += 1,
                None => note(format!(
                    "audit entry {seq} names a change that is not in the log"
                )),
            }
        }
    }
    let unaudited = change_ids.values().filter(|n| **n == 0).count();
    if unaudited > 0 {
        note(format!("{unaudited} changes have no audit entry"));
    }
    let twice = change_ids.values().filter(|n| **n > 1).count();
    if twice > 0 {
        note(format!(
            "{twice} changes are named by more than one audit entry"
        ));
    }

    // Each device's sequence is 1..=n with no gaps.
    let mut stmt = conn.prepare(
        "SELECT device_id, count(*), min(device_seq), max(device_seq) FROM change_log GROUP BY device_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (device, count, min, max): (String, i64, i64, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        if min != 1 || max != count {
            note(format!(
                "device {device}'s change sequence has gaps ({count} changes numbered {min} to {max})"
            ));
        }
    }

    let report = audit::verify(conn, audit_key)?;
    if let Some(b) = report.first_break {
        note(format!("audit chain: {}", b.problem));
    }

    Ok(ConsistencyReport {
        changes,
        records,
        audit_entries,
        problems,
    })
}
