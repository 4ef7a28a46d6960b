//! Visits and their notes: start (from a template), edit the draft, sign, add addenda, mark
//! entered in error; and the clinic's note templates.

use chrono::{DateTime, Utc};
use serde_json::json;
use tend_domain::chart::{
    Category, ClinicalEvent, Encounter, EncounterId, EncounterStatus, EventData, EventId,
    NoteTemplate, NoteTemplateId, Soap, content_hash,
};
use tend_domain::error::{optional_text, required_text};
use tend_domain::patients::parse_note;
use tend_domain::words;
use tend_domain::{Action, Entity, Value};
use tend_store::{AuditEntry, Outcome, WriteTx, encounter_fields, note_fields, template_fields};

use crate::api::{AddendumDto, TemplateDto, VisitDto, VisitSummaryDto};
use crate::chart::{name_of, user_names};
use crate::ids::parse_id;
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

fn load(tx: &WriteTx<'_>, id: &str) -> Result<Encounter> {
    let id: EncounterId = parse_id("visit", "a visit", id)?;
    tx.read()
        .encounter(id)?
        .ok_or_else(|| CoreError::refused("no_such_visit", Some("visit"), "there is no such visit"))
}

/// The visit as the UI shows it, with its addenda.
fn dto(tx: &WriteTx<'_>, e: &Encounter) -> Result<VisitDto> {
    let r = tx.read();
    let names = user_names(&r)?;
    let mrn = r
        .patient(e.patient_id)?
        .map(|p| p.mrn.to_string())
        .unwrap_or_default();
    let addenda = r
        .events_about(e.id.as_uuid())?
        .into_iter()
        .filter_map(|ev| match ev.data {
            EventData::Addendum { text } => Some(AddendumDto {
                text,
                recorded_at: ev.recorded_at,
                recorded_by: name_of(&names, ev.recorded_by.as_uuid()),
            }),
            _ => None,
        })
        .collect();
    let merged = r.merged_into(e.patient_id)?;
    Ok(VisitDto::new(
        e,
        mrn,
        &|id| name_of(&names, id),
        addenda,
        &merged,
    ))
}

fn audit(tx: &mut WriteTx<'_>, action: &'static str, e: &Encounter) -> Result<()> {
    tx.audit(
        AuditEntry::new(action, Outcome::Ok)
            .record(Entity::Encounter, e.id)
            .detail(json!({ "patient": e.patient_id })),
    )?;
    Ok(())
}

fn refused(r: tend_domain::chart::NoteRefusal) -> CoreError {
    CoreError::refused(r.code(), Some("note"), r.message())
}

/// Starts a visit for the patient with the signed-in clinician as its author, optionally from
/// a template (whose text becomes the draft).
pub fn start(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    reason: &str,
    starts_at: Option<DateTime<Utc>>,
    template: Option<&str>,
) -> Result<VisitDto> {
    tend.authorize(session, Action::NoteWrite)?;
    let reason = optional_text("reason", reason, 200)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let patient = find(&tx.read(), mrn)?;
        let template = match template {
            Some(t) => Some(find_template(tx, t)?),
            None => None,
        };
        let e = Encounter {
            id: EncounterId::new(),
            patient_id: patient.id,
            provider_id: session.user_id(),
            starts_at: starts_at.unwrap_or(now),
            reason: reason
                .clone()
                .or_else(|| template.as_ref().and_then(|t| t.reason.clone())),
            note: template
                .as_ref()
                .map(|t| t.note.clone())
                .unwrap_or_default(),
            template_id: template.as_ref().map(|t| t.id),
            status: EncounterStatus::Draft,
            signed_at: None,
            signed_by: None,
            content_hash: None,
            error_reason: None,
        };
        tx.create(Entity::Encounter, e.id, encounter_fields(&e))?;
        audit(tx, "visit.start", &e)?;
        dto(tx, &e)
    })
}

/// A visit with its note and addenda. Audited as a chart read.
pub fn get(tend: &Tend, session: &Session, visit: &str) -> Result<VisitDto> {
    let id: EncounterId = parse_id("visit", "a visit", visit)?;
    let patient = tend
        .store()
        .read(|r| r.encounter(id))?
        .ok_or_else(|| {
            CoreError::refused("no_such_visit", Some("visit"), "there is no such visit")
        })?
        .patient_id;
    tend.authorize_chart(session, Action::NoteRead, patient.as_uuid())?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let e = load(tx, visit)?;
        let out = dto(tx, &e)?;
        tx.audit(
            AuditEntry::new("chart.read", Outcome::Ok)
                .record(Entity::Encounter, e.id)
                .detail(json!({ "patient": e.patient_id, "section": "note" })),
        )?;
        Ok(out)
    })
}

/// The patient's visits, newest first.
pub fn list(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    limit: usize,
    offset: usize,
) -> Result<Vec<VisitSummaryDto>> {
    let patient = tend.store().read(|r| find(r, mrn))?;
    tend.authorize_chart(session, Action::ChartRead, patient.id.as_uuid())?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let p = find(&r, mrn)?;
        let names = user_names(&r)?;
        let visits = r
            .encounters_of(p.id, limit.clamp(1, 500), offset)?
            .iter()
            .map(|e| VisitSummaryDto {
                id: e.id.as_uuid(),
                starts_at: e.starts_at,
                provider: name_of(&names, e.provider_id.as_uuid()),
                reason: e.reason.clone(),
                status: e.status,
            })
            .collect();
        tx.audit(
            AuditEntry::new("chart.read", Outcome::Ok)
                .record(Entity::Patient, p.id)
                .detail(json!({ "mrn": p.mrn.to_string(), "section": "visits" })),
        )?;
        Ok(visits)
    })
}

/// The note's four parts as typed; `None` leaves a part as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoteEdit<'a> {
    pub reason: Option<&'a str>,
    pub subjective: Option<&'a str>,
    pub objective: Option<&'a str>,
    pub assessment: Option<&'a str>,
    pub plan: Option<&'a str>,
}

/// Edits the draft. Only its author may, and only until it is signed.
pub fn edit_note(
    tend: &Tend,
    session: &Session,
    visit: &str,
    edit: &NoteEdit<'_>,
) -> Result<VisitDto> {
    tend.authorize(session, Action::NoteWrite)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let e = load(tx, visit)?;
        e.check_edit(session.user_id()).map_err(refused)?;
        let note = Soap::parse(
            edit.subjective.unwrap_or(&e.note.subjective),
            edit.objective.unwrap_or(&e.note.objective),
            edit.assessment.unwrap_or(&e.note.assessment),
            edit.plan.unwrap_or(&e.note.plan),
        )?;
        let mut fields = note_fields(&note);
        if let Some(reason) = edit.reason {
            fields.insert(
                "reason".into(),
                Value::from(optional_text("reason", reason, 200)?),
            );
        }
        if tx.update(Entity::Encounter, e.id, fields)?.is_some() {
            audit(tx, "visit.edit_note", &e)?;
        }
        let e = load(tx, visit)?;
        dto(tx, &e)
    })
}

/// Signs the note: it is frozen under its content hash from now on.
pub fn sign(tend: &Tend, session: &Session, visit: &str) -> Result<VisitDto> {
    tend.authorize(session, Action::NoteSign)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut e = load(tx, visit)?;
        e.check_sign(session.user_id()).map_err(refused)?;
        e.status = EncounterStatus::Signed;
        e.signed_at = Some(now);
        e.signed_by = Some(session.user_id());
        e.content_hash = Some(content_hash(&e));
        tx.update(
            Entity::Encounter,
            e.id,
            [
                ("status".to_owned(), Value::from(e.status.as_str())),
                (
                    "signed_at".to_owned(),
                    Value::from(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                ),
                (
                    "signed_by".to_owned(),
                    Value::from(session.user_id().to_string()),
                ),
                (
                    "content_hash".to_owned(),
                    Value::from(e.content_hash.clone()),
                ),
            ]
            .into(),
        )?;
        tx.audit(
            AuditEntry::new("visit.sign", Outcome::Ok)
                .record(Entity::Encounter, e.id)
                .detail(json!({ "patient": e.patient_id, "content_hash": e.content_hash })),
        )?;
        let e = load(tx, visit)?;
        dto(tx, &e)
    })
}

/// Adds text to a signed note without changing it.
pub fn add_addendum(tend: &Tend, session: &Session, visit: &str, text: &str) -> Result<VisitDto> {
    tend.authorize(session, Action::NoteAddendum)?;
    let text = parse_note("text", text, 20_000)?.ok_or_else(|| {
        CoreError::refused(
            "addendum_empty",
            Some("text"),
            "an addendum needs some text",
        )
    })?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let e = load(tx, visit)?;
        e.check_addendum().map_err(refused)?;
        tx.append_event(&ClinicalEvent {
            id: EventId::new(),
            patient_id: e.patient_id,
            category: Category::Note,
            subject_id: e.id.as_uuid(),
            encounter_id: Some(e.id),
            occurred_at: now,
            recorded_at: now,
            recorded_by: session.user_id(),
            data: EventData::Addendum { text: text.clone() },
        })?;
        audit(tx, "visit.addendum", &e)?;
        dto(tx, &e)
    })
}

/// Marks a visit as entered in error (the wrong patient, a duplicate visit). A draft may be
/// voided by its author; a signed visit too, with the reason kept.
pub fn mark_entered_in_error(
    tend: &Tend,
    session: &Session,
    visit: &str,
    reason: &str,
) -> Result<VisitDto> {
    tend.authorize(session, Action::NoteWrite)?;
    let reason = required_text("reason", reason, 500)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let e = load(tx, visit)?;
        if e.status == EncounterStatus::EnteredInError {
            return Err(CoreError::refused(
                "visit_already_entered_in_error",
                Some("visit"),
                "this visit is already marked as entered in error",
            ));
        }
        if e.provider_id != session.user_id() {
            return Err(refused(tend_domain::chart::NoteRefusal::NotAuthor));
        }
        tx.update(
            Entity::Encounter,
            e.id,
            [
                (
                    "status".to_owned(),
                    Value::from(EncounterStatus::EnteredInError.as_str()),
                ),
                ("error_reason".to_owned(), Value::from(reason.as_str())),
            ]
            .into(),
        )?;
        audit(tx, "visit.entered_in_error", &e)?;
        let e = load(tx, visit)?;
        dto(tx, &e)
    })
}

fn find_template(tx: &WriteTx<'_>, key: &str) -> Result<NoteTemplate> {
    let r = tx.read();
    if let Ok(id) = key.trim().parse::<NoteTemplateId>()
        && let Some(t) = r.note_template(id)?
    {
        return Ok(t);
    }
    r.note_templates(false)?
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(key.trim()))
        .ok_or_else(|| {
            CoreError::refused(
                "no_such_template",
                Some("template"),
                words!("there is no template \"{key}\"", key = key.trim()),
            )
        })
}

pub fn templates(tend: &Tend, session: &Session) -> Result<Vec<TemplateDto>> {
    tend.authorize(session, Action::NoteRead)?;
    Ok(tend
        .store()
        .read(|r| r.note_templates(false))?
        .iter()
        .map(TemplateDto::from)
        .collect())
}

/// The template form.
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateForm<'a> {
    pub name: &'a str,
    pub reason: &'a str,
    pub subjective: &'a str,
    pub objective: &'a str,
    pub assessment: &'a str,
    pub plan: &'a str,
}

fn template_from(
    form: &TemplateForm<'_>,
    id: NoteTemplateId,
    archived: bool,
) -> Result<NoteTemplate> {
    Ok(NoteTemplate {
        id,
        name: required_text("name", form.name, 80)?,
        reason: optional_text("reason", form.reason, 200)?,
        note: Soap::parse(form.subjective, form.objective, form.assessment, form.plan)?,
        archived,
    })
}

/// Creates a template, or replaces the one with `id`.
pub fn save_template(
    tend: &Tend,
    session: &Session,
    id: Option<&str>,
    form: &TemplateForm<'_>,
) -> Result<TemplateDto> {
    tend.authorize(session, Action::NoteTemplateEdit)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let t = match id {
            None => {
                let t = template_from(form, NoteTemplateId::new(), false)?;
                if tx
                    .read()
                    .note_templates(true)?
                    .iter()
                    .any(|o| o.name.eq_ignore_ascii_case(&t.name))
                {
                    return Err(CoreError::refused(
                        "template_exists",
                        Some("name"),
                        words!(
                            "there is already a template called \"{name}\"",
                            name = t.name
                        ),
                    ));
                }
                tx.create(Entity::NoteTemplate, t.id, template_fields(&t))?;
                t
            }
            Some(id) => {
                let existing = find_template(tx, id)?;
                let t = template_from(form, existing.id, existing.archived)?;
                tx.update(Entity::NoteTemplate, t.id, template_fields(&t))?;
                t
            }
        };
        tx.audit(
            AuditEntry::new("note_template.save", Outcome::Ok)
                .record(Entity::NoteTemplate, t.id)
                .detail(json!({ "name": t.name })),
        )?;
        Ok(TemplateDto::from(&t))
    })
}

/// Archives a template: it is no longer offered, and the visits made from it are unaffected.
pub fn archive_template(tend: &Tend, session: &Session, id: &str) -> Result<()> {
    tend.authorize(session, Action::NoteTemplateEdit)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let t = find_template(tx, id)?;
        tx.update(
            Entity::NoteTemplate,
            t.id,
            [("archived".to_owned(), Value::Bool(true))].into(),
        )?;
        tx.audit(
            AuditEntry::new("note_template.archive", Outcome::Ok)
                .record(Entity::NoteTemplate, t.id),
        )?;
        Ok::<_, CoreError>(())
    })
}
