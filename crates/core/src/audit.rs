//! Reviewing the audit log: verifying its chain, and the deeper consistency check.

use serde::Serialize;
use serde_json::json;
use tend_domain::Action;
use tend_store::consistency::ConsistencyReport;
use tend_store::{AuditBreak, AuditEntry, Outcome};

use crate::{Result, Session, Tend};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerifyDto {
    /// Entries whose links verified (all of them when the chain is intact).
    pub verified: u64,
    pub intact: bool,
    pub first_break: Option<AuditBreak>,
}

/// Walks the whole chain. The verification itself is then audited (after the walk, so the
/// entry it adds is not part of what it checked).
pub fn verify(tend: &Tend, session: &Session) -> Result<AuditVerifyDto> {
    tend.authorize(session, Action::AuditReview)?;
    let report = tend.store().verify_audit()?;
    let dto = AuditVerifyDto {
        verified: report.verified,
        intact: report.is_intact(),
        first_break: report.first_break,
    };
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new(
                    "audit.verify",
                    if dto.intact {
                        Outcome::Ok
                    } else {
                        Outcome::Failed
                    },
                )
                .detail(json!({ "verified": dto.verified, "intact": dto.intact })),
            )
        })?;
    Ok(dto)
}

/// SQLite's and SQLCipher's integrity checks, then rows against the change log, every change
/// audited, gap-free sequences and the chain.
pub fn check_database(tend: &Tend, session: &Session) -> Result<ConsistencyReport> {
    tend.authorize(session, Action::AuditReview)?;
    tend.store().integrity_check()?;
    Ok(tend.store().check_consistency()?)
}

/// One entry of a record's audit trail, with who did it by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRowDto {
    pub at: chrono::DateTime<chrono::Utc>,
    pub user: Option<String>,
    pub action: String,
    pub outcome: String,
    pub detail: serde_json::Value,
}

/// What the audit log says about one record (a prescription, a patient), oldest first: who
/// created, signed, printed or changed it. Reviewing it is itself audited.
pub fn trail(tend: &Tend, session: &Session, record: uuid::Uuid) -> Result<Vec<AuditRowDto>> {
    tend.authorize(session, Action::AuditReview)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let names = crate::chart::user_names(&r)?;
        let rows = r
            .audit_of_record(record)?
            .into_iter()
            .map(|a| AuditRowDto {
                at: a.at,
                user: a.user_id.map(|u| crate::chart::name_of(&names, u)),
                action: a.action,
                outcome: a.outcome,
                detail: a.detail,
            })
            .collect();
        tx.audit(AuditEntry::new("audit.trail", Outcome::Ok).detail(json!({ "record": record })))?;
        Ok(rows)
    })
}
