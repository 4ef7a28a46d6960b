//! Reviewing the audit log: verifying its chain, and the deeper consistency check.

use serde_json::json;
use tend_domain::words;
use tend_domain::{Action, ValidationError};
use tend_store::consistency::ConsistencyReport;
use tend_store::{AuditEntry, AuditFilter, Outcome};

use crate::api::forms::AuditSearch;
use crate::api::{AuditRowDto, AuditVerifyDto, BreakGlassRowDto};
use crate::{Result, Session, Tend};

/// Walks the whole chain. The verification itself is then audited (after the walk, so the
/// entry it adds is not part of what it checked).
pub fn verify(tend: &Tend, session: &Session) -> Result<AuditVerifyDto> {
    tend.authorize(session, Action::AuditReview)?;
    let report = tend.store().verify_audit()?;
    let dto = AuditVerifyDto {
        verified: report.verified,
        intact: report.is_intact(),
        first_break: report.first_break.map(Into::into),
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
                seq: a.seq,
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

/// The audit log, newest first, filtered. Reviewing it is itself audited.
pub fn search(tend: &Tend, session: &Session, q: &AuditSearch) -> Result<Vec<AuditRowDto>> {
    tend.authorize(session, Action::AuditReview)?;
    let tz = tend.clinic_context()?.timezone;
    let day = |field: &'static str,
               s: &str,
               next: bool|
     -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let d = crate::schedule::parse_day(field, s)?;
        let d = if next { d.succ_opt().unwrap_or(d) } else { d };
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        Ok(midnight
            .and_local_timezone(tz)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc)))
    };
    let from = day("from", &q.from, false)?;
    let to = day("to", &q.to, true)?;
    if let (Some(a), Some(b)) = (from, to)
        && b <= a
    {
        return Err(ValidationError::new("to", "is before the first day").into());
    }
    for (field, value) in [
        ("user", &q.user),
        ("action", &q.action),
        ("outcome", &q.outcome),
    ] {
        tend_domain::error::search_text(field, value)?;
    }
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let user_id = match text(&q.user) {
            None => None,
            Some(name) => {
                let name = tend_domain::Username::parse(&name).map_err(|_| {
                    ValidationError::new(
                        "user",
                        words!("there is no user called {name}", name = name),
                    )
                })?;
                let record = r.user_by_username(&name)?.ok_or_else(|| {
                    ValidationError::new(
                        "user",
                        words!("there is no user called {name}", name = name),
                    )
                })?;
                Some(record.user.id.as_uuid())
            }
        };
        let filter = AuditFilter {
            from,
            to,
            user_id,
            action_prefix: text(&q.action),
            outcome: text(&q.outcome),
            before: q.before,
            limit: if q.limit == 0 { 100 } else { q.limit.min(1000) },
        };
        let names = crate::chart::user_names(&r)?;
        let rows = r
            .audit_search(&filter)?
            .into_iter()
            .map(|a| AuditRowDto {
                seq: a.seq,
                at: a.at,
                user: a.user_id.map(|u| crate::chart::name_of(&names, u)),
                action: a.action,
                outcome: a.outcome,
                detail: a.detail,
            })
            .collect();
        tx.audit(AuditEntry::new("audit.search", Outcome::Ok).detail(json!({
            "from": q.from, "to": q.to, "user": q.user, "action": q.action, "outcome": q.outcome,
        })))?;
        Ok(rows)
    })
}

/// Records that someone read something outside the chart (a prescription, an invoice, a
/// statement, the sync conflicts, a search's results, counted and never with what was typed):
/// reads are audited as chart reads are, in a small transaction of their own after the read.
pub(crate) fn record_read(tend: &Tend, session: &Session, entry: AuditEntry) -> Result<()> {
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| tx.audit(entry))?;
    Ok(())
}

/// Every break-glass opening of a chart on this desktop, newest first, for admins to review.
/// Reading the list is itself audited.
pub fn break_glass_review(tend: &Tend, session: &Session) -> Result<Vec<BreakGlassRowDto>> {
    tend.authorize(session, Action::AuditReview)?;
    let rows = tend.store().read(|r| {
        let names = crate::chart::user_names(r)?;
        let list = r.break_glass_list(500)?;
        list.into_iter()
            .map(|b| {
                let patient = b
                    .patient_id
                    .parse::<uuid::Uuid>()
                    .ok()
                    .map(tend_domain::patients::PatientId::from_uuid)
                    .map(|id| r.patient(id))
                    .transpose()?
                    .flatten();
                let user = b
                    .user_id
                    .parse::<uuid::Uuid>()
                    .ok()
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or_else(|| b.user_id.clone());
                Ok(BreakGlassRowDto {
                    at: b.at,
                    until: b.until,
                    user,
                    patient: patient
                        .as_ref()
                        .map(|p| p.demographics.display_name())
                        .unwrap_or_default(),
                    mrn: patient.map(|p| p.mrn.to_string()).unwrap_or_default(),
                    reason: b.reason,
                })
            })
            .collect::<Result<Vec<_>>>()
    })?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("audit.break_glass_review", Outcome::Ok)
                    .detail(json!({ "count": rows.len() })),
            )
        })?;
    Ok(rows)
}
