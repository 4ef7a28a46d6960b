//! The audit log as the admin's screen and `tend audit --json` see it.

use serde::Serialize;
use tend_store::AuditBreak;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AuditVerifyDto {
    /// Entries whose links verified (all of them when the chain is intact).
    pub verified: u64,
    pub intact: bool,
    pub first_break: Option<AuditBreakDto>,
}

/// One entry of a record's audit trail, with who did it by name.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AuditRowDto {
    /// The row's place in the chain; the viewer pages back from the smallest shown.
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub user: Option<String>,
    pub action: String,
    pub outcome: String,
    pub detail: serde_json::Value,
}

/// One break-glass opening, as the admins' review list shows it: who, whom, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BreakGlassRowDto {
    pub at: chrono::DateTime<chrono::Utc>,
    pub until: chrono::DateTime<chrono::Utc>,
    pub user: String,
    pub patient: String,
    pub mrn: String,
    pub reason: String,
}

/// The first place the audit chain does not hold, in words an auditor can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AuditBreakDto {
    pub seq: i64,
    pub problem: String,
}

impl From<AuditBreak> for AuditBreakDto {
    fn from(b: AuditBreak) -> Self {
        AuditBreakDto {
            seq: b.seq,
            problem: b.problem,
        }
    }
}
