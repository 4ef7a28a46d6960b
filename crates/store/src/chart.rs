//! Visits, clinical events and note templates as stored.

use rusqlite::{OptionalExtension, Row, params};
use tend_domain::chart::{
    Category, ClinicalEvent, Encounter, EncounterId, EventData, NoteTemplate, NoteTemplateId, Soap,
};
use tend_domain::patients::PatientId;
use tend_domain::{Entity, Fields, Value};

use crate::error::Result;
use crate::{Reader, WriteTx, parse_id};

use crate::rows::{bad, fields, instant as time};

/// The note parts of a visit, as the change log records them.
pub fn note_fields(note: &Soap) -> Fields {
    fields(vec![
        ("subjective", Value::from(note.subjective.as_str())),
        ("objective", Value::from(note.objective.as_str())),
        ("assessment", Value::from(note.assessment.as_str())),
        ("plan", Value::from(note.plan.as_str())),
    ])
}

/// Every field of a visit.
pub fn encounter_fields(e: &Encounter) -> Fields {
    let mut f = fields(vec![
        ("patient_id", Value::from(e.patient_id.to_string())),
        ("provider_id", Value::from(e.provider_id.to_string())),
        ("starts_at", Value::from(time(e.starts_at))),
        ("reason", Value::from(e.reason.clone())),
        (
            "template_id",
            Value::from(e.template_id.map(|t| t.to_string())),
        ),
        ("status", Value::from(e.status.as_str())),
        ("signed_at", Value::from(e.signed_at.map(time))),
        ("signed_by", Value::from(e.signed_by.map(|u| u.to_string()))),
        ("content_hash", Value::from(e.content_hash.clone())),
        ("error_reason", Value::from(e.error_reason.clone())),
    ]);
    f.extend(note_fields(&e.note));
    f
}

const ENCOUNTER_COLUMNS: &str = "id, patient_id, provider_id, starts_at, reason, subjective,
    objective, assessment, plan, template_id, status, signed_at, signed_by, content_hash,
    error_reason";

fn encounter_from_row(r: &Row<'_>) -> rusqlite::Result<Encounter> {
    let status: String = r.get(10)?;
    let template: Option<String> = r.get(9)?;
    let signed_by: Option<String> = r.get(12)?;
    Ok(Encounter {
        id: parse_id(r.get_ref(0)?)?,
        patient_id: parse_id(r.get_ref(1)?)?,
        provider_id: parse_id(r.get_ref(2)?)?,
        starts_at: r.get(3)?,
        reason: r.get(4)?,
        note: Soap {
            subjective: r.get(5)?,
            objective: r.get(6)?,
            assessment: r.get(7)?,
            plan: r.get(8)?,
        },
        template_id: template
            .map(|t| t.parse().map_err(|_| bad("template id")))
            .transpose()?,
        status: status.parse().map_err(|_| bad("visit status"))?,
        signed_at: r.get(11)?,
        signed_by: signed_by
            .map(|u| u.parse().map_err(|_| bad("signer")))
            .transpose()?,
        content_hash: r.get(13)?,
        error_reason: r.get(14)?,
    })
}

/// Every field of an event.
pub fn event_fields(e: &ClinicalEvent) -> Fields {
    fields(vec![
        ("patient_id", Value::from(e.patient_id.to_string())),
        ("category", Value::from(e.category.as_str())),
        ("kind", Value::from(e.data.kind())),
        (
            "subject_id",
            Value::from(e.subject_id.hyphenated().to_string()),
        ),
        (
            "encounter_id",
            Value::from(e.encounter_id.map(|i| i.to_string())),
        ),
        ("occurred_at", Value::from(time(e.occurred_at))),
        ("recorded_by", Value::from(e.recorded_by.to_string())),
        (
            "data",
            Value::from(serde_json::to_string(&e.data).unwrap_or_default()),
        ),
    ])
}

const EVENT_COLUMNS: &str = "id, patient_id, category, subject_id, encounter_id, occurred_at, recorded_by, data, created_at";

fn category(s: &str) -> rusqlite::Result<Category> {
    Category::ALL
        .into_iter()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| bad("event category"))
}

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<ClinicalEvent> {
    let cat: String = r.get(2)?;
    let encounter: Option<String> = r.get(4)?;
    let data: String = r.get(7)?;
    Ok(ClinicalEvent {
        id: parse_id(r.get_ref(0)?)?,
        patient_id: parse_id(r.get_ref(1)?)?,
        category: category(&cat)?,
        subject_id: parse_id(r.get_ref(3)?)?,
        encounter_id: encounter
            .map(|e| e.parse().map_err(|_| bad("visit id")))
            .transpose()?,
        occurred_at: r.get(5)?,
        recorded_by: parse_id(r.get_ref(6)?)?,
        data: serde_json::from_str::<EventData>(&data).map_err(|_| bad("event data"))?,
        recorded_at: r.get(8)?,
    })
}

/// Every field of a template.
pub fn template_fields(t: &NoteTemplate) -> Fields {
    let mut f = fields(vec![
        ("name", Value::from(t.name.as_str())),
        ("reason", Value::from(t.reason.clone())),
        ("archived", Value::from(t.archived)),
    ]);
    f.extend(note_fields(&t.note));
    f
}

fn template_from_row(r: &Row<'_>) -> rusqlite::Result<NoteTemplate> {
    Ok(NoteTemplate {
        id: parse_id(r.get_ref(0)?)?,
        name: r.get(1)?,
        reason: r.get(2)?,
        note: Soap {
            subjective: r.get(3)?,
            objective: r.get(4)?,
            assessment: r.get(5)?,
            plan: r.get(6)?,
        },
        archived: r.get(7)?,
    })
}

impl Reader<'_> {
    pub fn encounter(&self, id: EncounterId) -> Result<Option<Encounter>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {ENCOUNTER_COLUMNS} FROM encounter WHERE id = ?1"
            ))?
            .query_row([id.to_string()], encounter_from_row)
            .optional()?)
    }

    /// A patient's visits, newest first.
    pub fn encounters_of(
        &self,
        patient: PatientId,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Encounter>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENCOUNTER_COLUMNS} FROM encounter WHERE patient_id = ?1
             ORDER BY starts_at DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt
            .query_map(
                params![patient.to_string(), limit as i64, offset as i64],
                encounter_from_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn encounter_count(&self, patient: PatientId) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM encounter WHERE patient_id = ?1")?
            .query_row([patient.to_string()], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// A patient's events of the given categories, oldest first.
    pub fn events_of(
        &self,
        patient: PatientId,
        categories: &[Category],
    ) -> Result<Vec<ClinicalEvent>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM clinical_event WHERE patient_id = ?1 AND category = ?2
             ORDER BY occurred_at"
        ))?;
        let mut out = Vec::new();
        for c in categories {
            for e in stmt.query_map(params![patient.to_string(), c.as_str()], event_from_row)? {
                out.push(e?);
            }
        }
        Ok(out)
    }

    /// The latest `limit` events of one category, newest first, with every entered-in-error
    /// marker of that category (so the caller can tell which of them were voided).
    pub fn recent_events_of(
        &self,
        patient: PatientId,
        category: Category,
        limit: usize,
    ) -> Result<Vec<ClinicalEvent>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM clinical_event
             WHERE patient_id = ?1 AND category = ?2 AND kind != 'entered_in_error'
             ORDER BY occurred_at DESC LIMIT ?3"
        ))?;
        let mut out: Vec<ClinicalEvent> = stmt
            .query_map(
                params![patient.to_string(), category.as_str(), limit as i64],
                event_from_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut voids = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM clinical_event
             WHERE patient_id = ?1 AND category = ?2 AND kind = 'entered_in_error'"
        ))?;
        for e in voids.query_map(
            params![patient.to_string(), category.as_str()],
            event_from_row,
        )? {
            out.push(e?);
        }
        Ok(out)
    }

    /// All events about one subject (an allergy, a problem, a medication course, …).
    pub fn events_about(&self, subject: uuid::Uuid) -> Result<Vec<ClinicalEvent>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM clinical_event WHERE subject_id = ?1 ORDER BY created_at"
        ))?;
        let rows = stmt
            .query_map([subject.hyphenated().to_string()], event_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn note_templates(&self, include_archived: bool) -> Result<Vec<NoteTemplate>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, reason, subjective, objective, assessment, plan, archived
             FROM note_template WHERE archived = 0 OR ?1 ORDER BY name",
        )?;
        let rows = stmt
            .query_map([include_archived], template_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn note_template(&self, id: NoteTemplateId) -> Result<Option<NoteTemplate>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, name, reason, subjective, objective, assessment, plan, archived
                 FROM note_template WHERE id = ?1",
            )?
            .query_row([id.to_string()], template_from_row)
            .optional()?)
    }
}

impl WriteTx<'_> {
    /// Appends a clinical event (a create in the change log; events are never edited).
    pub fn append_event(&mut self, event: &ClinicalEvent) -> Result<tend_domain::ChangeId> {
        self.create(Entity::ClinicalEvent, event.id, event_fields(event))
    }
}
