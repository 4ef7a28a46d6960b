//! Reading the chart: the banner every screen shows, the summary in one call, and the full
//! lists. Every read is audited in the same transaction that reads.

pub mod records;
pub mod visits;

use std::collections::HashMap;

use serde_json::json;
use tend_domain::chart::{AllergyList, Category, ChartFacts, Status, fold_events};
use tend_domain::patients::age_on;
use tend_domain::{Action, Entity, ValidationError};
use tend_store::{AuditEntry, Outcome, PatientRecord, Reader, WriteTx};
use uuid::Uuid;

use crate::api::{
    AllergiesDto, AllergyDto, BannerDto, ChartSummaryDto, ImmunizationDto, MedicationDto,
    ProblemDto, TrendPointDto, TrendsDto, VisitSummaryDto, VitalsDto,
};
use crate::api::{BreakGlassDto, ChartListsDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

/// How many recent vitals the summary reads for its latest values and trends.
const TREND_POINTS: usize = 20;
/// How many visits the summary lists.
const LAST_VISITS: usize = 10;

pub(crate) fn allergies_dto(list: &AllergyList) -> AllergiesDto {
    let (state, active) = match list {
        AllergyList::NotAsked => ("not_asked", Vec::new()),
        AllergyList::NoneKnown { .. } => ("none_known", Vec::new()),
        AllergyList::Recorded { .. } => (
            "recorded",
            list.active().into_iter().map(AllergyDto::from).collect(),
        ),
    };
    AllergiesDto { state, active }
}

fn banner(r: &Reader<'_>, p: &PatientRecord, today: chrono::NaiveDate) -> Result<BannerDto> {
    let facts = fold_events(&r.events_of(p.id, &[Category::Allergy])?);
    let d = &p.demographics;
    Ok(BannerDto {
        patient_id: p.id.as_uuid(),
        mrn: p.mrn.to_string(),
        display_name: d.display_name(),
        birth_date: d.birth_date,
        age: age_on(d.birth_date, today).to_string(),
        sex: d.sex.as_str(),
        allergies: allergies_dto(&facts.allergies),
        conflicts: safety_conflicts(r, p)?,
    })
}

/// The safety-list fields of a patient's record in conflict between desktops.
fn safety_conflicts(r: &Reader<'_>, p: &PatientRecord) -> Result<Vec<String>> {
    Ok(r.conflicted_fields(Entity::Patient, p.id.as_uuid())?
        .into_iter()
        .filter(|f| tend_domain::record::on_safety_list(Entity::Patient, f))
        .collect())
}

fn audit_read(tx: &mut WriteTx<'_>, p: &PatientRecord, section: &str) -> Result<()> {
    tx.audit(
        AuditEntry::new("chart.read", Outcome::Ok)
            .record(Entity::Patient, p.id)
            .detail(json!({ "mrn": p.mrn.to_string(), "section": section })),
    )?;
    Ok(())
}

/// Display names of users by id, for "seen by" columns.
pub(crate) fn user_names(r: &Reader<'_>) -> Result<HashMap<Uuid, String>> {
    Ok(r.users()?
        .into_iter()
        .map(|u| (u.id.as_uuid(), u.display_name))
        .collect())
}

pub(crate) fn name_of(names: &HashMap<Uuid, String>, id: Uuid) -> String {
    names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| "(unknown user)".into())
}

/// Name, age, sex, MRN and allergies: what every screen about a patient shows first. Open to
/// every role, the front desk included, because an allergy must never be missed.
pub fn banner_of(tend: &Tend, session: &Session, mrn: &str) -> Result<BannerDto> {
    tend.authorize(session, Action::PatientView)?;
    let today = tend.today()?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        let b = banner(&tx.read(), &p, today)?;
        audit_read(tx, &p, "banner")?;
        Ok(b)
    })
}

/// The chart summary: banner, active problems, current medications, the last ten visits, the
/// latest vitals and their trend.
pub fn summary(tend: &Tend, session: &Session, mrn: &str) -> Result<ChartSummaryDto> {
    let patient = tend.store().read(|r| find(r, mrn))?;
    tend.authorize_chart(session, Action::ChartRead, patient.id.as_uuid())?;
    let ctx = tend.clinic_context()?;
    let today = tend.now().with_timezone(&ctx.timezone).date_naive();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let p = find(&r, mrn)?;
        let age = age_on(p.demographics.birth_date, today).years;
        let facts: ChartFacts = fold_events(&r.events_of(
            p.id,
            &[Category::Allergy, Category::Problem, Category::Medication],
        )?);
        let recent = fold_events(&r.recent_events_of(p.id, Category::Vitals, TREND_POINTS)?);
        let vitals: Vec<_> = recent
            .vitals
            .iter()
            .filter(|v| !v.entered_in_error)
            .collect();
        let names = user_names(&r)?;
        let last_visits = r
            .encounters_of(p.id, LAST_VISITS, 0)?
            .iter()
            .map(|e| VisitSummaryDto {
                id: e.id.as_uuid(),
                starts_at: e.starts_at,
                provider: name_of(&names, e.provider_id.as_uuid()),
                reason: e.reason.clone(),
                status: e.status,
            })
            .collect();
        let trend = |pick: &dyn Fn(&tend_domain::chart::Vitals) -> Option<Vec<u32>>| {
            vitals
                .iter()
                .rev()
                .filter_map(|v| {
                    pick(&v.vitals).map(|values| TrendPointDto {
                        taken_at: v.taken_at,
                        values,
                    })
                })
                .collect::<Vec<_>>()
        };
        let summary = ChartSummaryDto {
            banner: BannerDto {
                patient_id: p.id.as_uuid(),
                mrn: p.mrn.to_string(),
                display_name: p.demographics.display_name(),
                birth_date: p.demographics.birth_date,
                age: age_on(p.demographics.birth_date, today).to_string(),
                sex: p.demographics.sex.as_str(),
                allergies: allergies_dto(&facts.allergies),
                conflicts: safety_conflicts(&tx.read(), &p)?,
            },
            problems: facts
                .problems
                .iter()
                .filter(|x| x.status == Status::Active)
                .map(ProblemDto::from)
                .collect(),
            medications: facts
                .medications
                .iter()
                .filter(|m| m.status == Status::Active)
                .map(MedicationDto::from)
                .collect(),
            last_visits,
            visit_count: r.encounter_count(p.id)?,
            latest_vitals: vitals.first().map(|v| VitalsDto::new(v, age, ctx.units)),
            trends: TrendsDto {
                blood_pressure: trend(&|v| {
                    Some(vec![u32::from(v.systolic?), u32::from(v.diastolic?)])
                }),
                weight: trend(&|v| Some(vec![v.weight_g?])),
            },
        };
        audit_read(tx, &p, "summary")?;
        Ok(summary)
    })
}

pub fn lists(tend: &Tend, session: &Session, mrn: &str) -> Result<ChartListsDto> {
    let patient = tend.store().read(|r| find(r, mrn))?;
    tend.authorize_chart(session, Action::ChartRead, patient.id.as_uuid())?;
    let ctx = tend.clinic_context()?;
    let today = tend.now().with_timezone(&ctx.timezone).date_naive();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let p = find(&r, mrn)?;
        let age = age_on(p.demographics.birth_date, today).years;
        let facts = fold_events(&r.events_of(p.id, &Category::ALL)?);
        let allergies = match &facts.allergies {
            AllergyList::Recorded { allergies } => allergies.iter().map(AllergyDto::from).collect(),
            _ => Vec::new(),
        };
        let out = ChartListsDto {
            banner: banner(&r, &p, today)?,
            allergies,
            problems: facts.problems.iter().map(ProblemDto::from).collect(),
            medications: facts.medications.iter().map(MedicationDto::from).collect(),
            vitals: facts
                .vitals
                .iter()
                .map(|v| VitalsDto::new(v, age, ctx.units))
                .collect(),
            immunizations: facts
                .immunizations
                .iter()
                .map(ImmunizationDto::from)
                .collect(),
        };
        audit_read(tx, &p, "lists")?;
        Ok(out)
    })
}

/// Opens one patient's chart for someone whose roles do not let them read charts (an admin who
/// is not a clinician, a receptionist in an emergency), after they say why. It lasts the
/// clinic's break-glass minutes (30 unless an admin changed them), is audited as a flagged `chart.break_glass` entry with the reason,
/// and admins review every one. Reading only: writing to the chart still needs the role.
pub fn break_glass(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    reason: &str,
) -> Result<BreakGlassDto> {
    tend.authorize(session, Action::BreakGlass)?;
    if tend.authorize_quietly(session, Action::ChartRead) {
        return Err(CoreError::refused(
            "chart_already_open",
            None,
            "you can open this chart already; breaking the glass is for those who cannot",
        ));
    }
    let reason = tend_domain::error::required_text("reason", reason, 500)?;
    if reason.chars().count() < 10 {
        return Err(ValidationError::new(
            "reason",
            "say why in a few words (the emergency, who asked): it is reviewed",
        )
        .into());
    }
    let now = tend.now();
    let minutes = tend.store().read(|r| r.clinic())?.break_glass_minutes;
    let until = now + chrono::Duration::minutes(minutes);
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        tx.record_break_glass(session.user_id(), p.id.as_uuid(), &reason, now, until)?;
        tx.audit(
            AuditEntry::new("chart.break_glass", Outcome::Ok)
                .record(Entity::Patient, p.id)
                .detail(json!({
                    "mrn": p.mrn.to_string(),
                    "reason": reason,
                    "until": until,
                    "flag": "break_glass",
                })),
        )?;
        Ok(BreakGlassDto {
            mrn: p.mrn.to_string(),
            until,
        })
    })
}
