//! Patients: search, registration with the duplicate check, demographics, merge and unmerge.

use serde_json::json;
use tend_domain::patients::search::parse_query;
use tend_domain::patients::{LIKELY_DUPLICATE, Mrn, PatientForm, PatientId, duplicate_score};
use tend_domain::record::on_safety_list;
use tend_domain::words;
use tend_domain::{Action, Entity, Value};
use tend_store::{
    AuditEntry, FILED_UNDER_PATIENT, Outcome, PatientRecord, Reader, StoreError,
    demographics_fields, person_key,
};
use uuid::Uuid;

use crate::api::{DuplicateDto, MergeDto, PatientDto, PatientSummaryDto};
use crate::{CoreError, Result, Session, Tend};

/// The most hits a search returns.
pub const MAX_RESULTS: usize = 50;

/// Finds a patient by MRN as typed. A merged record answers with the one it was merged into.
pub(crate) fn find(reader: &Reader<'_>, mrn: &str) -> Result<PatientRecord> {
    let mrn = Mrn::parse(mrn)?;
    let mut record = reader.patient_by_mrn(&mrn)?.ok_or_else(|| {
        CoreError::refused(
            "no_such_patient",
            Some("mrn"),
            words!("there is no patient {mrn}", mrn = mrn),
        )
    })?;
    // Follow the merge chain (a bounded walk, in case of a damaged loop).
    for _ in 0..16 {
        let Some(next) = record.merged_into else {
            return Ok(record);
        };
        record = reader
            .patient(next)?
            .ok_or(StoreError::NotFound { entity: "patient" })?;
    }
    Err(StoreError::Corrupt("a chain of merged patients does not end".into()).into())
}

/// Search by name (accents, case, one typo and word order do not matter), phone (any
/// formatting), MRN or birth date. Best first; at most `limit` (capped at 50).
pub fn search(
    tend: &Tend,
    session: &Session,
    query: &str,
    limit: usize,
) -> Result<Vec<PatientSummaryDto>> {
    tend.authorize(session, Action::PatientSearch)?;
    let today = tend.today()?;
    let q = parse_query(tend_domain::error::search_text("query", query)?);
    let found: Vec<PatientSummaryDto> = tend.store().read(|r| {
        let hits = r.search_patients(&q, limit.clamp(1, MAX_RESULTS))?;
        hits.iter()
            .map(|p| {
                let merged_into = match p.merged_into {
                    Some(id) => r.patient(id)?.map(|s| s.mrn.to_string()),
                    None => None,
                };
                Ok(PatientSummaryDto::new(p, today, merged_into))
            })
            .collect::<Result<_>>()
    })?;
    // Who searched, and how many people it showed them; never what was typed.
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("patient.search", Outcome::Ok)
            .detail(serde_json::json!({ "results": found.len() })),
    )?;
    Ok(found)
}

/// Registered patients who may be the person on the form, most likely first. Called as the
/// form is filled in, before saving.
pub fn check_duplicates(
    tend: &Tend,
    session: &Session,
    form: &PatientForm,
) -> Result<Vec<DuplicateDto>> {
    tend.authorize(session, Action::PatientRegister)?;
    let today = tend.today()?;
    let demographics = form.validate(today)?;
    tend.store()
        .read(|r| likely_duplicates(r, &demographics, None, today))
}

fn likely_duplicates(
    r: &Reader<'_>,
    d: &tend_domain::patients::Demographics,
    except: Option<PatientId>,
    today: chrono::NaiveDate,
) -> Result<Vec<DuplicateDto>> {
    let key = person_key(d);
    let mut found: Vec<DuplicateDto> = r
        .duplicate_candidates(&key)?
        .iter()
        .filter(|p| Some(p.id) != except)
        .filter_map(|p| {
            let score = duplicate_score(&key, &p.person_key());
            (score.score >= LIKELY_DUPLICATE).then(|| DuplicateDto::new(p, &score, today))
        })
        .collect();
    found.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.patient.mrn.cmp(&b.patient.mrn))
    });
    found.truncate(10);
    Ok(found)
}

/// What to do when the new patient looks like someone already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicates {
    /// Refuse with `possible_duplicates`, so the person can pick the existing record.
    Refuse,
    /// The person looked and says this is someone new.
    RegisterAnyway,
}

/// Registers a patient with the next MRN of this device. Possible duplicates are checked in the
/// same transaction as the insert.
pub fn register(
    tend: &Tend,
    session: &Session,
    form: &PatientForm,
    on_duplicates: OnDuplicates,
) -> Result<PatientDto> {
    tend.authorize(session, Action::PatientRegister)?;
    let today = tend.today()?;
    let demographics = form.validate(today)?;
    let record = tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let duplicates = likely_duplicates(&tx.read(), &demographics, None, today)?;
        if !duplicates.is_empty() && on_duplicates == OnDuplicates::Refuse {
            return Err(CoreError::PossibleDuplicates(duplicates));
        }
        let record = PatientRecord {
            id: PatientId::new(),
            mrn: tx.allocate_mrn()?,
            demographics: demographics.clone(),
            merged_into: None,
            created_at: tx.ctx().now,
        };
        tx.create(Entity::Patient, record.id, record.fields())?;
        tx.audit(
            AuditEntry::new("patient.register", Outcome::Ok)
                .record(Entity::Patient, record.id)
                .detail(json!({
                    "mrn": record.mrn.to_string(),
                    "registered_despite": duplicates.iter().map(|d| d.patient.mrn.clone()).collect::<Vec<_>>(),
                })),
        )?;
        Ok(record)
    })?;
    Ok(PatientDto::new(&record, today))
}

/// A patient's registration details. Audited as a read of the chart's front page.
pub fn get(tend: &Tend, session: &Session, mrn: &str) -> Result<PatientDto> {
    tend.authorize(session, Action::PatientView)?;
    let today = tend.today()?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        tx.audit(
            AuditEntry::new("patient.view", Outcome::Ok)
                .record(Entity::Patient, p.id)
                .detail(json!({ "mrn": p.mrn.to_string() })),
        )?;
        Ok(PatientDto::new(&p, today))
    })
}

/// Replaces a patient's demographics with the form's; only what changed is written.
pub fn edit(tend: &Tend, session: &Session, mrn: &str, form: &PatientForm) -> Result<PatientDto> {
    tend.authorize(session, Action::PatientEdit)?;
    let today = tend.today()?;
    let demographics = form.validate(today)?;
    let may_settle_safety = tend.authorize_quietly(session, Action::SafetyConflictResolve);
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        let fields = demographics_fields(&demographics);
        // Changing a safety-list field that two desktops changed at once settles that conflict,
        // which is a clinician's decision.
        if !may_settle_safety {
            let before = demographics_fields(&p.demographics);
            for field in tx
                .read()
                .conflicted_fields(Entity::Patient, p.id.as_uuid())?
            {
                let touched = fields
                    .get(&field)
                    .is_some_and(|v| before.get(&field) != Some(v));
                if touched && on_safety_list(Entity::Patient, &field) {
                    return Err(CoreError::refused(
                        "unresolved_conflict",
                        demographics_field_name(&field),
                        "two desktops recorded different values here at the same time; a \
                         clinician must choose between them (Sync → Conflicts)",
                    ));
                }
            }
        }
        let change = tx.update(Entity::Patient, p.id, fields)?;
        if change.is_some() {
            tx.audit(
                AuditEntry::new("patient.edit", Outcome::Ok)
                    .record(Entity::Patient, p.id)
                    .detail(json!({ "mrn": p.mrn.to_string() })),
            )?;
        }
        let updated = tx
            .read()
            .patient(p.id)?
            .ok_or(StoreError::NotFound { entity: "patient" })?;
        Ok(PatientDto::new(&updated, today))
    })
}

/// The form's name for a demographics column.
fn demographics_field_name(column: &str) -> Option<&'static str> {
    match column {
        "birth_date" => Some("birth_date"),
        "sex" => Some("sex"),
        "national_id" => Some("national_id"),
        _ => None,
    }
}

/// Merges the duplicate record into the survivor: every visit and clinical event filed under
/// the duplicate moves to the survivor, and the duplicate becomes a pointer to it. Nothing is
/// deleted; the audit entry lists what moved, which is how `unmerge` undoes it.
pub fn merge(
    tend: &Tend,
    session: &Session,
    survivor_mrn: &str,
    duplicate_mrn: &str,
) -> Result<MergeDto> {
    tend.authorize(session, Action::PatientMerge)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let survivor = find(&tx.read(), survivor_mrn)?;
        let duplicate = tx
            .read()
            .patient_by_mrn(&Mrn::parse(duplicate_mrn)?)?
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_patient",
                    Some("duplicate"),
                    words!(
                        "there is no patient {duplicate_mrn}",
                        duplicate_mrn = duplicate_mrn
                    ),
                )
            })?;
        if duplicate.merged_into.is_some() {
            return Err(CoreError::refused(
                "patient_already_merged",
                Some("duplicate"),
                words!(
                    "{mrn} was already merged into another record",
                    mrn = duplicate.mrn
                ),
            ));
        }
        if duplicate.id == survivor.id {
            return Err(CoreError::refused(
                "merge_into_self",
                Some("duplicate"),
                "a patient cannot be merged into themselves",
            ));
        }
        let mut moved = serde_json::Map::new();
        let (mut visits, mut events) = (0, 0);
        for entity in FILED_UNDER_PATIENT {
            let ids = tx.read().records_filed_under(*entity, duplicate.id)?;
            for id in &ids {
                tx.update(*entity, *id, refile(survivor.id))?;
            }
            match entity {
                Entity::Encounter => visits += ids.len(),
                _ => events += ids.len(),
            }
            moved.insert(entity.as_str().into(), json!(ids));
        }
        tx.update(
            Entity::Patient,
            duplicate.id,
            [(
                "merged_into".to_owned(),
                Value::from(survivor.id.to_string()),
            )]
            .into(),
        )?;
        tx.audit(
            AuditEntry::new("patient.merge", Outcome::Ok)
                .record(Entity::Patient, duplicate.id)
                .detail(json!({
                    "survivor": survivor.id,
                    "survivor_mrn": survivor.mrn.to_string(),
                    "merged_mrn": duplicate.mrn.to_string(),
                    "moved": moved,
                })),
        )?;
        Ok(MergeDto {
            survivor_mrn: survivor.mrn.to_string(),
            merged_mrn: duplicate.mrn.to_string(),
            visits_moved: visits,
            events_moved: events,
        })
    })
}

fn refile(to: PatientId) -> tend_domain::Fields {
    [("patient_id".to_owned(), Value::from(to.to_string()))].into()
}

/// Undoes the last merge of `merged_mrn`: the records that merge moved (and that are still
/// with the survivor) go back, and the record is a patient of its own again.
pub fn unmerge(tend: &Tend, session: &Session, merged_mrn: &str) -> Result<MergeDto> {
    tend.authorize(session, Action::PatientMerge)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let merged = tx
            .read()
            .patient_by_mrn(&Mrn::parse(merged_mrn)?)?
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_patient",
                    Some("mrn"),
                    words!("there is no patient {merged_mrn}", merged_mrn = merged_mrn),
                )
            })?;
        let Some(survivor_id) = merged.merged_into else {
            return Err(CoreError::refused(
                "patient_not_merged",
                Some("mrn"),
                words!("{mrn} is not merged into another record", mrn = merged.mrn),
            ));
        };
        let entry = tx
            .read()
            .latest_audit_detail("patient.merge", merged.id.as_uuid())?
            .ok_or_else(|| {
                StoreError::Corrupt("the merge has no audit entry to undo it from".into())
            })?;
        let (mut visits, mut events) = (0, 0);
        for entity in FILED_UNDER_PATIENT {
            let ids: Vec<Uuid> = entry["moved"][entity.as_str()]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
                .unwrap_or_default();
            let still_there: std::collections::HashSet<Uuid> = tx
                .read()
                .records_filed_under(*entity, survivor_id)?
                .into_iter()
                .collect();
            for id in ids.iter().filter(|id| still_there.contains(id)) {
                tx.update(*entity, *id, refile(merged.id))?;
                match entity {
                    Entity::Encounter => visits += 1,
                    _ => events += 1,
                }
            }
        }
        tx.update(
            Entity::Patient,
            merged.id,
            [("merged_into".to_owned(), Value::Null)].into(),
        )?;
        let survivor = tx
            .read()
            .patient(survivor_id)?
            .ok_or(StoreError::NotFound { entity: "patient" })?;
        tx.audit(
            AuditEntry::new("patient.unmerge", Outcome::Ok)
                .record(Entity::Patient, merged.id)
                .detail(json!({
                    "survivor_mrn": survivor.mrn.to_string(),
                    "merged_mrn": merged.mrn.to_string(),
                    "visits_moved_back": visits,
                    "events_moved_back": events,
                })),
        )?;
        Ok(MergeDto {
            survivor_mrn: survivor.mrn.to_string(),
            merged_mrn: merged.mrn.to_string(),
            visits_moved: visits,
            events_moved: events,
        })
    })
}

/// How many patients the clinic has (merged records not counted).
pub fn count(tend: &Tend, session: &Session) -> Result<u64> {
    tend.authorize(session, Action::PatientSearch)?;
    Ok(tend.store().read(|r| r.patient_count())?)
}
