//! The waitlist (patients who want an earlier or better slot, and who to offer a freed one to)
//! and tomorrow's reminder list, with a CSV export for whatever the clinic uses to call or text.

use chrono::{Duration, Utc};
use serde_json::json;
use tend_domain::schedule::{
    AppointmentId, AppointmentStatus, Preference, WaitlistEntry, WaitlistId, WaitlistStatus,
    local_day, matches_preference, render_reminder,
};
use tend_domain::{Action, Entity, Value};
use tend_store::schedule::waitlist_fields;
use tend_store::{AuditEntry, Outcome, PatientRecord, Reader, StoreError};

use super::booking::{BookRequest, book_in};
use super::{Lookup, parse_day, patients_of};
use crate::api::{BookedDto, ReminderDto, WaitlistDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

/// The waitlist form.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitlistForm<'a> {
    pub mrn: &'a str,
    /// A clinician's username, or none for any.
    pub provider: Option<&'a str>,
    pub type_name: &'a str,
    /// `mon,wed 09:00-12:00`, `fri`, `14:00-18:00`, or empty for any time.
    pub prefer: &'a str,
    pub earliest: &'a str,
    pub latest: &'a str,
    pub note: &'a str,
}

fn describe(p: &Preference) -> String {
    let mut parts = Vec::new();
    if !p.weekdays.is_empty() {
        parts.push(
            p.weekdays
                .iter()
                .map(|w| w.to_string().to_lowercase())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    if let (Some(a), Some(b)) = (p.from, p.to) {
        parts.push(format!("{}-{}", a.format("%H:%M"), b.format("%H:%M")));
    }
    if let Some(e) = p.earliest {
        parts.push(format!("from {e}"));
    }
    if let Some(l) = p.latest {
        parts.push(format!("until {l}"));
    }
    if parts.is_empty() {
        "any time".into()
    } else {
        parts.join(" ")
    }
}

fn dto(
    look: &Lookup,
    e: &WaitlistEntry,
    p: Option<&PatientRecord>,
    now: chrono::DateTime<Utc>,
) -> WaitlistDto {
    WaitlistDto {
        id: e.id.as_uuid(),
        patient_mrn: p.map(|p| p.mrn.to_string()).unwrap_or_default(),
        patient_name: p.map(|p| p.demographics.display_name()).unwrap_or_default(),
        patient_phone: p.and_then(|p| p.demographics.phones.first().map(|x| x.number.clone())),
        provider: e.provider_id.map(|u| look.name_of(u)),
        type_name: look
            .types
            .get(&e.type_id)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        preference: describe(&e.preference),
        note: e.note.clone(),
        since: e.since,
        waiting_days: (now - e.since).num_days(),
    }
}

fn optional_day(field: &'static str, s: &str) -> Result<Option<chrono::NaiveDate>> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Ok(Some(parse_day(field, s)?))
    }
}

pub fn waitlist_add(
    tend: &Tend,
    session: &Session,
    form: &WaitlistForm<'_>,
) -> Result<WaitlistDto> {
    tend.authorize(session, Action::ScheduleBook)?;
    let tz = tend.clinic_context()?.timezone;
    let preference = Preference::parse(
        form.prefer,
        optional_day("earliest", form.earliest)?,
        optional_day("latest", form.latest)?,
    )?;
    let note = tend_domain::error::optional_text("note", form.note, 300)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let look = Lookup::load(&r, tz)?;
        let patient = find(&r, form.mrn)?;
        let entry = WaitlistEntry {
            id: WaitlistId::new(),
            patient_id: patient.id,
            provider_id: form
                .provider
                .map(|p| look.provider(p).map(|u| u.id))
                .transpose()?,
            type_id: look.appointment_type(form.type_name)?.id,
            preference,
            note,
            status: WaitlistStatus::Waiting,
            since: now,
            appointment_id: None,
        };
        tx.create(Entity::WaitlistEntry, entry.id, waitlist_fields(&entry))?;
        tx.audit(AuditEntry::new("waitlist.add", Outcome::Ok).record(Entity::Patient, patient.id))?;
        Ok(dto(&look, &entry, Some(&patient), now))
    })
}

/// Everyone waiting, longest first.
pub fn waitlist(tend: &Tend, session: &Session) -> Result<Vec<WaitlistDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        r.waitlist()?
            .iter()
            .map(|e| Ok(dto(&look, e, r.patient(e.patient_id)?.as_ref(), now)))
            .collect()
    })
}

/// Who on the waitlist could take the slot of `appointment` (one that was cancelled or is
/// about to be): the same clinician or any, a type that fits in it, times that suit them,
/// longest waiting first.
pub fn waitlist_candidates(
    tend: &Tend,
    session: &Session,
    appointment: &str,
) -> Result<Vec<WaitlistDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        let id: AppointmentId = crate::ids::parse_id("appointment", "an appointment", appointment)?;
        let freed = r.appointment(id)?.ok_or_else(|| {
            CoreError::refused(
                "no_such_appointment",
                Some("appointment"),
                "there is no such appointment",
            )
        })?;
        let minutes = (freed.ends_at - freed.starts_at).num_minutes();
        let start = freed.starts_at.with_timezone(&tz).naive_local();
        let mut out = Vec::new();
        for e in r.waitlist()? {
            let fits = look
                .types
                .get(&e.type_id)
                .is_some_and(|t| i64::from(t.minutes) <= minutes);
            let end = start
                + Duration::minutes(
                    look.types
                        .get(&e.type_id)
                        .map_or(minutes, |t| i64::from(t.minutes)),
                );
            if e.patient_id != freed.patient_id
                && e.provider_id.is_none_or(|p| p == freed.provider_id)
                && fits
                && matches_preference(&e.preference, start, end)
            {
                out.push(dto(&look, &e, r.patient(e.patient_id)?.as_ref(), now));
            }
        }
        Ok(out)
    })
}

/// Books a waiting patient at `at` (with their clinician, or `provider` when they take any) and
/// takes them off the list, in one transaction.
pub fn waitlist_book(
    tend: &Tend,
    session: &Session,
    entry: &str,
    at: &str,
    provider: Option<&str>,
    override_conflicts: bool,
) -> Result<BookedDto> {
    tend.authorize(session, Action::ScheduleBook)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let look = Lookup::load(&r, tz)?;
        let id: WaitlistId = crate::ids::parse_id("entry", "a waitlist entry", entry)?;
        let e = r.waitlist_entry(id)?.ok_or_else(|| {
            CoreError::refused(
                "no_such_waitlist_entry",
                Some("entry"),
                "there is no such waitlist entry",
            )
        })?;
        if e.status != WaitlistStatus::Waiting {
            return Err(CoreError::refused(
                "no_longer_waiting",
                Some("entry"),
                "this patient is no longer waiting",
            ));
        }
        let patient = r
            .patient(e.patient_id)?
            .ok_or(StoreError::NotFound { entity: "patient" })?;
        let clinician = match (provider, e.provider_id) {
            (Some(p), _) => look.provider(p)?.username.to_string(),
            (None, Some(p)) => look
                .users
                .get(&p)
                .map(|u| u.username.to_string())
                .unwrap_or_default(),
            (None, None) => {
                return Err(CoreError::refused(
                    "clinician_needed",
                    Some("provider"),
                    "this patient takes any clinician: say which",
                ));
            }
        };
        let kind = look
            .types
            .get(&e.type_id)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let mrn = patient.mrn.to_string();
        let booked = book_in(
            tx,
            session,
            &BookRequest {
                mrn: &mrn,
                provider: &clinician,
                type_name: &kind,
                at,
                room: None,
                note: e.note.as_deref().unwrap_or_default(),
                override_conflicts,
                repeat: None,
            },
            tz,
        )?;
        let appointment = booked.appointments.first().map(|a| a.id.to_string());
        tx.update(
            Entity::WaitlistEntry,
            e.id,
            [
                (
                    "status".to_owned(),
                    Value::from(WaitlistStatus::Booked.as_str()),
                ),
                ("appointment_id".to_owned(), Value::from(appointment)),
            ]
            .into(),
        )?;
        tx.audit(
            AuditEntry::new("waitlist.book", Outcome::Ok).record(Entity::WaitlistEntry, e.id),
        )?;
        Ok(booked)
    })
}

pub fn waitlist_remove(tend: &Tend, session: &Session, entry: &str) -> Result<()> {
    tend.authorize(session, Action::ScheduleBook)?;
    let id: WaitlistId = crate::ids::parse_id("entry", "a waitlist entry", entry)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        if tx
            .update(
                Entity::WaitlistEntry,
                id,
                [(
                    "status".to_owned(),
                    Value::from(WaitlistStatus::Removed.as_str()),
                )]
                .into(),
            )?
            .is_some()
        {
            tx.audit(
                AuditEntry::new("waitlist.remove", Outcome::Ok).record(Entity::WaitlistEntry, id),
            )?;
        }
        Ok(())
    })
}

fn reminder_rows(
    r: &Reader<'_>,
    tz: chrono_tz::Tz,
    date: chrono::NaiveDate,
) -> Result<Vec<ReminderDto>> {
    let look = Lookup::load(r, tz)?;
    let clinic = r.clinic()?;
    let span = local_day(date, tz);
    let appts: Vec<_> = r
        .appointments_starting(span.start, span.end)?
        .into_iter()
        .filter(|a| a.status == AppointmentStatus::Booked)
        .collect();
    let patients = patients_of(r, &appts)?;
    Ok(appts
        .iter()
        .map(|a| {
            let p = patients.get(&a.patient_id);
            let local = a.starts_at.with_timezone(&tz);
            let name = p.map(|p| p.demographics.display_name()).unwrap_or_default();
            let provider = look.name_of(a.provider_id);
            let type_name = look
                .types
                .get(&a.type_id)
                .map(|t| t.name.clone())
                .unwrap_or_default();
            let date = local.format("%d/%m/%Y").to_string();
            let time = local.format("%H:%M").to_string();
            ReminderDto {
                local_start: local.format("%Y-%m-%d %H:%M").to_string(),
                patient_mrn: p.map(|p| p.mrn.to_string()).unwrap_or_default(),
                message: render_reminder(
                    &clinic.reminder_template,
                    &[
                        ("patient", &name),
                        ("provider", &provider),
                        ("date", &date),
                        ("time", &time),
                        ("clinic", &clinic.name),
                        ("type", &type_name),
                    ],
                ),
                patient_name: name,
                phone: p.and_then(|p| p.demographics.phones.first().map(|x| x.number.clone())),
                provider,
                type_name,
            }
        })
        .collect())
}

/// The reminder list for a day (tomorrow when not given): booked appointments with phone
/// numbers and the clinic's message. Exporting it is audited, since it leaves the app.
pub fn reminders(tend: &Tend, session: &Session, date: Option<&str>) -> Result<Vec<ReminderDto>> {
    tend.authorize(session, Action::ScheduleBook)?;
    let tz = tend.clinic_context()?.timezone;
    let date = match date {
        Some(d) => parse_day("date", d)?,
        None => tend.now().with_timezone(&tz).date_naive() + Duration::days(1),
    };
    tend.store().read(|r| reminder_rows(r, tz, date))
}

/// The reminder list as CSV (date and time, patient, MRN, phone, clinician, type, message).
pub fn reminders_csv(tend: &Tend, session: &Session, date: Option<&str>) -> Result<String> {
    let rows = reminders(tend, session, date)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| StoreError::Corrupt(format!("could not write CSV: {e}"));
    w.write_record([
        "when",
        "patient",
        "mrn",
        "phone",
        "clinician",
        "type",
        "message",
    ])
    .map_err(fail)?;
    for r in &rows {
        // Names, types and messages are typed by people: none may run as a formula.
        w.write_record(
            [
                r.local_start.as_str(),
                &r.patient_name,
                &r.patient_mrn,
                r.phone.as_deref().unwrap_or_default(),
                &r.provider,
                &r.type_name,
                &r.message,
            ]
            .map(|cell| tend_domain::text::spreadsheet_safe(cell).into_owned()),
        )
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| StoreError::Corrupt(format!("could not write CSV: {e}")))?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("reminders.export", Outcome::Ok)
                    .detail(json!({ "rows": rows.len() })),
            )
        })?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}
