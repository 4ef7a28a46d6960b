//! Conflicts two desktops' edits left, shown to those who may see them and settled by a person.

use serde_json::json;
use tend_domain::conflict_access::conflict_access;
use tend_domain::{Action, ChangeId, Value};
use tend_store::sync::ConflictRecord;
use tend_store::{AuditEntry, Outcome};

use crate::api::{ConflictValueDto, SyncConflictDto};
use crate::{Result, Session, Tend};

use super::refused;

fn show(value: &Value) -> String {
    match value {
        Value::Null => "(empty)".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Text(t) => t.clone(),
    }
}

/// The fields two desktops changed at once and nobody has settled, safety list first.
pub fn conflicts(tend: &Tend, session: &Session) -> Result<Vec<SyncConflictDto>> {
    tend.authorize(session, Action::SyncView)?;
    let list = tend.store().conflicts()?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        // Everyone learns that a record is in conflict; its values follow the permission
        // table (a receptionist does not read a draft note or a user's roles through sync).
        let shown = match conflict_access(c.entity, &c.field).see {
            None => Shown::Never,
            Some(action) if tend.authorize_quietly(session, action) => Shown::Values,
            Some(_) => Shown::NotToYou,
        };
        let access = conflict_access(c.entity, &c.field);
        let can_settle = tend.authorize_quietly(session, access.settle)
            && access
                .see
                .is_none_or(|a| tend.authorize_quietly(session, a));
        let mut dto = conflict_dto(tend, &c, shown)?;
        dto.can_settle = can_settle;
        out.push(dto);
    }
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("sync.conflicts_read", Outcome::Ok)
            .detail(json!({ "conflicts": out.len() })),
    )?;
    Ok(out)
}

/// How much of a conflict's values a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Values,
    /// Their role may not read this field.
    NotToYou,
    /// Nobody reads it (a password hash).
    Never,
}

fn conflict_dto(tend: &Tend, c: &ConflictRecord, shown: Shown) -> Result<SyncConflictDto> {
    let patient_id = tend.store().read(|r| r.patient_of(c.entity, c.record_id))?;
    let record = match patient_id {
        Some(id) => tend
            .store()
            .read(|r| r.patient(tend_domain::patients::PatientId::from_uuid(id)))?,
        None => None,
    };
    let patient = record.as_ref().map(|p| p.demographics.display_name());
    let mrn = record.as_ref().map(|p| p.mrn.to_string());
    let mut values = Vec::new();
    for (i, h) in c.heads.iter().enumerate() {
        let (by, device) = tend.store().read(|r| r.change_author(h.change_id))?;
        values.push(ConflictValueDto {
            change_id: h.change_id.to_string(),
            value: match shown {
                Shown::Values => show(&h.value),
                Shown::NotToYou => "(not shown: your role may not read this)".into(),
                Shown::Never => format!("changed on both desktops ({})", i + 1),
            },
            by,
            device,
            at: h.hlc.wall_ms.to_string(),
            shown: i == 0,
        });
    }
    Ok(SyncConflictDto {
        id: c.id.to_string(),
        entity: c.entity.as_str().to_owned(),
        record_id: c.record_id.to_string(),
        patient_id: patient_id.map(|p| p.to_string()),
        patient,
        mrn,
        field: c.field.clone(),
        safety: c.safety,
        can_settle: false,
        values,
    })
}

/// Settles a conflict by choosing one of its values: an edit that replaces every value the
/// field holds, synced like any other. A safety-list field needs a clinician.
pub fn resolve(tend: &Tend, session: &Session, conflict_id: &str, change_id: &str) -> Result<()> {
    tend.authorize(session, Action::ConflictResolve)?;
    let list = tend.store().conflicts()?;
    let conflict = list
        .iter()
        .find(|c| c.id.to_string() == conflict_id.trim())
        .ok_or_else(|| {
            refused(
                "conflict_settled",
                Some("conflict"),
                "this conflict is already settled (perhaps on another desktop)",
            )
        })?;
    // Settling needs the permission to write the field, and to see what is chosen between.
    let access = conflict_access(conflict.entity, &conflict.field);
    if let Some(see) = access.see {
        tend.authorize(session, see)?;
    }
    tend.authorize(session, access.settle)?;
    let chosen: ChangeId = crate::ids::parse_id("value", "one of the values shown", change_id)?;
    let head = conflict
        .heads
        .iter()
        .find(|h| h.change_id == chosen)
        .ok_or_else(|| {
            refused(
                "not_a_shown_value",
                Some("value"),
                "choose one of the values shown",
            )
        })?;
    let entity = conflict.entity;
    let record = conflict.record_id;
    let field = conflict.field.clone();
    let value = head.value.clone();
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.settle(entity, record, &field, value)?;
            tx.audit(
                AuditEntry::new("sync.resolve", Outcome::Ok)
                    .record(entity, record)
                    .detail(json!({ "field": field, "conflict": conflict_id })),
            )
        })?;
    Ok(())
}
