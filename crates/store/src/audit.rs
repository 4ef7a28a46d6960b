//! The audit log: an append-only table whose rows form an HMAC-keyed hash chain.
//!
//! Row `n` stores `mac_n = HMAC(k, "tend-audit-v1" ‖ mac_{n-1} ‖ n ‖ its fields)`, with `mac_0`
//! derived from the database id, and `k` derived from the database key (HKDF). A separate head
//! row holds `(n, mac_n)` under its own MAC, so editing a row, deleting one, reordering two or
//! cutting off the tail each break the chain at a place `verify` can name.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tend_domain::{AuditId, ChangeId, DatabaseId, DeviceId, Entity, UserId};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::key::DbKey;

type HmacSha256 = Hmac<Sha256>;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    /// Refused by the permission table or a rule.
    Denied,
    /// Attempted and failed (a wrong password).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// What a use case records about itself. The store adds who, when, where and which changes.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// A stable dotted name: `user.sign_in`, `user.create`, `backup.create`.
    pub action: &'static str,
    pub outcome: Outcome,
    pub entity: Option<Entity>,
    pub record_id: Option<Uuid>,
    /// A small JSON object with what an auditor needs (never a password or its hash).
    pub detail: serde_json::Value,
}

impl AuditEntry {
    pub fn new(action: &'static str, outcome: Outcome) -> Self {
        AuditEntry {
            action,
            outcome,
            entity: None,
            record_id: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn record(mut self, entity: Entity, id: impl Into<Uuid>) -> Self {
        self.entity = Some(entity);
        self.record_id = Some(id.into());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The MAC key of the chain, derived from the database key and bound to the database id.
#[derive(Clone)]
pub(crate) struct AuditKey {
    key: Zeroizing<[u8; 32]>,
    database_id: DatabaseId,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    pub fn new(db_key: &DbKey, database_id: DatabaseId) -> Self {
        AuditKey {
            key: db_key.derive(database_id.as_uuid().as_bytes(), "tend/audit-chain/v1"),
            database_id,
        }
    }

    fn hmac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; a 32-byte key cannot be refused.
        <HmacSha256 as KeyInit>::new_from_slice(self.key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }

    fn genesis(&self) -> [u8; 32] {
        let mut mac = self.hmac();
        mac.update(b"tend-audit-genesis-v1");
        mac.update(self.database_id.as_uuid().as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn row_mac(&self, prev_mac: &[u8], row: &RowFields<'_>) -> [u8; 32] {
        let mut mac = self.hmac();
        mac.update(b"tend-audit-v1");
        mac.update(prev_mac);
        mac.update(&row.seq.to_be_bytes());
        for field in row.fields() {
            match field {
                Some(bytes) => {
                    mac.update(&(bytes.len() as u64).to_be_bytes());
                    mac.update(bytes);
                }
                None => mac.update(&u64::MAX.to_be_bytes()),
            }
        }
        mac.finalize().into_bytes().into()
    }

    fn head_mac(&self, seq: i64, mac_bytes: &[u8]) -> [u8; 32] {
        let mut mac = self.hmac();
        mac.update(b"tend-audit-head-v1");
        mac.update(&seq.to_be_bytes());
        mac.update(mac_bytes);
        mac.finalize().into_bytes().into()
    }
}

/// The columns a row's MAC covers, as stored.
struct RowFields<'a> {
    seq: i64,
    id: &'a str,
    at: &'a str,
    device_id: &'a str,
    user_id: Option<&'a str>,
    action: &'a str,
    outcome: &'a str,
    entity: Option<&'a str>,
    record_id: Option<&'a str>,
    changes: &'a str,
    detail: &'a str,
}

impl RowFields<'_> {
    fn fields(&self) -> [Option<&[u8]>; 10] {
        [
            Some(self.id.as_bytes()),
            Some(self.at.as_bytes()),
            Some(self.device_id.as_bytes()),
            self.user_id.map(str::as_bytes),
            Some(self.action.as_bytes()),
            Some(self.outcome.as_bytes()),
            self.entity.map(str::as_bytes),
            self.record_id.map(str::as_bytes),
            Some(self.changes.as_bytes()),
            Some(self.detail.as_bytes()),
        ]
    }
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Starts the chain of a new database.
pub(crate) fn init(conn: &Connection, key: &AuditKey) -> Result<()> {
    let genesis = key.genesis();
    conn.execute(
        "INSERT INTO audit_head (id, seq, mac, head_mac) VALUES (1, 0, ?1, ?2)",
        params![genesis, key.head_mac(0, &genesis)],
    )?;
    Ok(())
}

/// Everything about an appended row that the caller supplies.
pub(crate) struct NewRow<'a> {
    pub at: DateTime<Utc>,
    pub device_id: DeviceId,
    pub user_id: Option<UserId>,
    pub entry: &'a AuditEntry,
    pub changes: &'a [ChangeId],
}

/// Appends one row and moves the head, inside the caller's transaction.
pub(crate) fn append(conn: &Connection, key: &AuditKey, row: NewRow<'_>) -> Result<i64> {
    let (prev_seq, prev_mac): (i64, Vec<u8>) = conn
        .query_row("SELECT seq, mac FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::Corrupt("the audit log has no head".into()))?;
    let seq = prev_seq + 1;
    let id = AuditId::new().to_string();
    let at = timestamp(row.at);
    let device_id = row.device_id.to_string();
    let user_id = row.user_id.map(|u| u.to_string());
    let entity = row.entry.entity.map(Entity::as_str);
    let record_id = row.entry.record_id.map(|r| r.hyphenated().to_string());
    let changes =
        serde_json::to_string(row.changes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let detail = row.entry.detail.to_string();
    let fields = RowFields {
        seq,
        id: &id,
        at: &at,
        device_id: &device_id,
        user_id: user_id.as_deref(),
        action: row.entry.action,
        outcome: row.entry.outcome.as_str(),
        entity,
        record_id: record_id.as_deref(),
        changes: &changes,
        detail: &detail,
    };
    let mac = key.row_mac(&prev_mac, &fields);
    conn.execute(
        "INSERT INTO audit_log (seq, id, at, device_id, user_id, action, outcome, entity,
                                record_id, changes, detail, prev_mac, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            seq,
            id,
            at,
            device_id,
            user_id,
            fields.action,
            fields.outcome,
            entity,
            record_id,
            changes,
            detail,
            prev_mac,
            mac
        ],
    )?;
    conn.execute(
        "UPDATE audit_head SET seq = ?1, mac = ?2, head_mac = ?3 WHERE id = 1",
        params![seq, mac, key.head_mac(seq, &mac)],
    )?;
    Ok(seq)
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries that verified before the first break (all of them when intact).
    pub verified: u64,
    pub first_break: Option<AuditBreak>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// The first place the chain does not hold, in words an auditor can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    pub seq: i64,
    pub problem: String,
}

/// Walks every row in order and checks each link, then the head.
pub(crate) fn verify(conn: &Connection, key: &AuditKey) -> Result<AuditReport> {
    let mut stmt = conn.prepare(
        "SELECT seq, id, at, device_id, user_id, action, outcome, entity, record_id, changes,
                detail, prev_mac, mac
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut running = key.genesis().to_vec();
    let mut verified = 0u64;
    let broken = |seq: i64, problem: String, verified: u64| {
        Ok(AuditReport {
            verified,
            first_break: Some(AuditBreak { seq, problem }),
        })
    };
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let strings: Vec<Option<String>> = (1..=10)
            .map(|i| r.get(i))
            .collect::<rusqlite::Result<_>>()?;
        let prev_mac: Vec<u8> = r.get(11)?;
        let mac: Vec<u8> = r.get(12)?;
        if seq != expected_seq {
            let problem = if seq > expected_seq {
                format!("entries {expected_seq} to {} are missing", seq - 1)
            } else {
                format!("entry {seq} appears twice or out of order")
            };
            return broken(expected_seq, problem, verified);
        }
        if !bool::from(prev_mac.ct_eq(&running)) {
            return broken(
                seq,
                format!(
                    "entry {seq} does not follow the entry before it (rows removed or reordered)"
                ),
                verified,
            );
        }
        let s = |i: usize| strings[i].as_deref();
        let fields = RowFields {
            seq,
            id: s(0).unwrap_or_default(),
            at: s(1).unwrap_or_default(),
            device_id: s(2).unwrap_or_default(),
            user_id: s(3),
            action: s(4).unwrap_or_default(),
            outcome: s(5).unwrap_or_default(),
            entity: s(6),
            record_id: s(7),
            changes: s(8).unwrap_or_default(),
            detail: s(9).unwrap_or_default(),
        };
        let computed = key.row_mac(&prev_mac, &fields);
        if !bool::from(computed.ct_eq(mac.as_slice())) {
            return broken(
                seq,
                format!("entry {seq} was changed after it was written"),
                verified,
            );
        }
        running = mac;
        expected_seq += 1;
        verified += 1;
    }
    let last = expected_seq - 1;
    let head: Option<(i64, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((head_seq, head_mac_value, head_mac)) = head else {
        return broken(
            last + 1,
            "the record of the log's last entry is missing".into(),
            verified,
        );
    };
    if !bool::from(
        key.head_mac(head_seq, &head_mac_value)
            .ct_eq(head_mac.as_slice()),
    ) {
        return broken(
            head_seq,
            "the record of the log's last entry was changed".into(),
            verified,
        );
    }
    if head_seq != last || !bool::from(head_mac_value.ct_eq(&running)) {
        let problem = if head_seq > last {
            format!(
                "the log ends at entry {last} but {head_seq} entries were written: entries were removed from the end"
            )
        } else {
            format!("the log has entries after {head_seq}, the last one written through Tend")
        };
        return broken(last.min(head_seq) + 1, problem, verified);
    }
    Ok(AuditReport {
        verified,
        first_break: None,
    })
}

/// A cheap check for start-up: the head's own MAC and the newest row agree with it.
pub(crate) fn verify_head(conn: &Connection, key: &AuditKey) -> Result<Option<AuditBreak>> {
    let (head_seq, head_value, head_mac): (i64, Vec<u8>, Vec<u8>) = match conn
        .query_row(
            "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
    {
        Some(head) => head,
        None => {
            return Ok(Some(AuditBreak {
                seq: 0,
                problem: "the record of the log's last entry is missing".into(),
            }));
        }
    };
    if !bool::from(
        key.head_mac(head_seq, &head_value)
            .ct_eq(head_mac.as_slice()),
    ) {
        return Ok(Some(AuditBreak {
            seq: head_seq,
            problem: "the record of the log's last entry was changed".into(),
        }));
    }
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let agrees = match &last {
        Some((seq, mac)) => *seq == head_seq && bool::from(mac.ct_eq(&head_value)),
        None => head_seq == 0,
    };
    Ok((!agrees).then(|| AuditBreak {
        seq: last.map_or(0, |(seq, _)| seq),
        problem: "the newest entries of the log do not match its head (run `tend audit verify`)"
            .into(),
    }))
}

/// One audit row as a person reads it (the MACs stay behind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<Uuid>,
    pub action: String,
    pub outcome: String,
    pub detail: serde_json::Value,
}

/// What the audit viewer filters by; every part optional. `before` pages back: rows with a
/// smaller sequence number than the last one shown.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub user_id: Option<Uuid>,
    /// The start of the action's name: `rx.` for everything about prescriptions.
    pub action_prefix: Option<String>,
    pub outcome: Option<String>,
    pub before: Option<i64>,
    pub limit: usize,
}

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    let user: Option<String> = r.get(2)?;
    let detail: String = r.get(5)?;
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        user_id: user.and_then(|u| Uuid::parse_str(&u).ok()),
        action: r.get(3)?,
        outcome: r.get(4)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
    })
}

impl crate::Reader<'_> {
    /// Audit rows matching `filter`, newest first, at most `filter.limit` (1 to 500).
    pub fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, user_id, action, outcome, detail FROM audit_log
             WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
               AND (?3 IS NULL OR user_id = ?3)
               AND (?4 IS NULL OR substr(action, 1, length(?4)) = ?4)
               AND (?5 IS NULL OR outcome = ?5) AND (?6 IS NULL OR seq < ?6)
             ORDER BY seq DESC LIMIT ?7",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![
                filter.from.map(timestamp),
                filter.to.map(timestamp),
                filter.user_id.map(|u| u.to_string()),
                filter.action_prefix,
                filter.outcome,
                filter.before,
                filter.limit.clamp(1, 500) as i64,
            ],
            audit_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Everything the audit log says about one record, oldest first.
    pub fn audit_of_record(&self, record: Uuid) -> Result<Vec<AuditRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, user_id, action, outcome, detail FROM audit_log
             WHERE record_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([record.to_string()], audit_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
