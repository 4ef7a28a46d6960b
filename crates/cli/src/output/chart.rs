//! How the chart prints: short, scannable lines for people, JSON with `--json`. Times are shown
//! in the clinic's time zone.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tend_core::api::ChartListsDto;
use tend_core::api::{
    AllergiesDto, ChartSummaryDto, DuplicateDto, MergeDto, PatientDto, PatientSummaryDto,
    TemplateDto, VisitDto, VisitSummaryDto, VitalsDto,
};
use tend_core::{Session, Tend, clinic};
use tend_domain::chart::{EncounterStatus, FlagLevel, Measure, Status};
use uuid::Uuid;

use crate::output::Output;

pub fn timezone(tend: &Tend, me: &Session) -> anyhow::Result<Tz> {
    Ok(clinic::settings(tend, me)?
        .timezone
        .parse()
        .unwrap_or(Tz::UTC))
}

fn at(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub fn patients(out: &Output, hits: &[PatientSummaryDto]) {
    if out.is_json() {
        return out.json(&hits);
    }
    if hits.is_empty() {
        println!("No patients found.");
        return;
    }
    for h in hits {
        let merged = h
            .merged_into_mrn
            .as_ref()
            .map(|m| format!("  (merged into {m})"))
            .unwrap_or_default();
        println!(
            "{:10}  {:32}  {}{}  {:>6}  {:7}  {}{merged}",
            h.mrn,
            h.display_name,
            h.birth_date,
            if h.birth_date_estimated { "~" } else { " " },
            h.age,
            h.sex,
            h.phone.as_deref().unwrap_or("-"),
        );
    }
}

pub fn patient(out: &Output, p: &PatientDto, verb: &str) {
    if out.is_json() {
        return out.json(p);
    }
    if verb.is_empty() {
        println!("{}  ({})", p.display_name, p.mrn);
    } else {
        println!("{verb} {}  ({})", p.display_name, p.mrn);
    }
    let est = if p.birth_date_estimated {
        " (estimated)"
    } else {
        ""
    };
    println!("  born {}{est}, {}, {}", p.birth_date, p.age, p.sex);
    for ph in &p.phones {
        println!("  {} {}", ph.kind.as_str(), ph.number);
    }
    let line = |label: &str, value: &Option<String>| {
        if let Some(v) = value {
            println!("  {label}: {v}");
        }
    };
    line("email", &p.email);
    line("language", &p.language);
    line("gender identity", &p.gender_identity);
    line("national id", &p.national_id);
    if let Some(a) = &p.address {
        let parts: Vec<&str> = [
            a.line1.as_str(),
            a.line2.as_str(),
            a.city.as_str(),
            a.postal_code.as_str(),
            a.country.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
        println!("  address: {}", parts.join(", "));
    }
    if let Some(e) = &p.emergency_contact {
        println!(
            "  emergency contact: {} ({}) {}",
            e.name, e.relationship, e.phone
        );
    }
    if let Some(i) = &p.insurance {
        println!("  insurance: {} {} {}", i.payer, i.member_id, i.group);
    }
    line("front-desk note", &p.front_desk_note);
}

pub fn duplicates(out: &Output, found: &[DuplicateDto]) {
    if out.is_json() {
        return out.json(&serde_json::json!({ "possible_duplicates": found }));
    }
    if found.is_empty() {
        println!("No likely duplicates.");
        return;
    }
    eprintln!("This may be someone already registered:");
    for d in found {
        let p = &d.patient;
        eprintln!(
            "  {:10}  {:32}  born {}  {}  — score {}: {}",
            p.mrn,
            p.display_name,
            p.birth_date,
            p.phone.as_deref().unwrap_or("-"),
            d.score,
            d.reasons.join(", ")
        );
    }
    eprintln!("Open the existing record, or register again with --new if this is someone else.");
}

pub fn merge(out: &Output, m: &MergeDto, verb: &str) {
    if out.is_json() {
        return out.json(m);
    }
    println!(
        "{verb}: {} and {} ({} visits and {} clinical records moved).",
        m.merged_mrn, m.survivor_mrn, m.visits_moved, m.events_moved
    );
}

fn allergies(a: &AllergiesDto) -> String {
    match a.state {
        "not_asked" => "ALLERGIES NOT RECORDED — ask the patient".into(),
        "none_known" => "No known allergies".into(),
        _ if a.active.is_empty() => "No active allergies".into(),
        _ => format!(
            "ALLERGIES: {}",
            a.active
                .iter()
                .map(|x| match &x.reaction {
                    Some(r) => format!("{} ({}: {r})", x.substance, severity(x.severity)),
                    None => format!("{} ({})", x.substance, severity(x.severity)),
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

fn severity(s: tend_domain::chart::Severity) -> &'static str {
    use tend_domain::chart::Severity::*;
    match s {
        Mild => "mild",
        Moderate => "moderate",
        Severe => "SEVERE",
    }
}

fn flag(f: Option<FlagLevel>) -> &'static str {
    match f {
        None => "",
        Some(FlagLevel::Low) => " (low)",
        Some(FlagLevel::High) => " (high)",
        Some(FlagLevel::Critical) => " (CRITICAL)",
    }
}

fn vitals_line(v: &VitalsDto) -> String {
    let find = |m: Measure| v.measures.iter().find(|x| x.measure == m);
    let mut parts = Vec::new();
    if let (Some(s), Some(d)) = (find(Measure::Systolic), find(Measure::Diastolic)) {
        parts.push(format!(
            "BP {}/{} mmHg{}",
            s.canonical,
            d.canonical,
            flag(s.flag.or(d.flag))
        ));
    }
    for (m, label) in [
        (Measure::Pulse, "pulse"),
        (Measure::Temperature, "temp"),
        (Measure::RespiratoryRate, "resp"),
        (Measure::Spo2, "SpO2"),
        (Measure::Weight, "weight"),
        (Measure::Height, "height"),
        (Measure::Bmi, "BMI"),
        (Measure::HeadCircumference, "head"),
    ] {
        if let Some(x) = find(m) {
            parts.push(format!("{label} {}{}", x.shown, flag(x.flag)));
        }
    }
    parts.join(" · ")
}

pub fn summary(out: &Output, s: &ChartSummaryDto, tz: Tz) {
    if out.is_json() {
        return out.json(s);
    }
    let b = &s.banner;
    println!(
        "{}  ·  {}  ·  {}  ·  {}  ·  born {}",
        b.display_name, b.mrn, b.age, b.sex, b.birth_date
    );
    println!("{}", allergies(&b.allergies));
    println!();
    println!("Problems");
    if s.problems.is_empty() {
        println!("  none active");
    }
    for p in &s.problems {
        let since = p.onset.map(|d| format!("  since {d}")).unwrap_or_default();
        println!(
            "  {:8} {}{since}  [{}]",
            p.code.as_deref().unwrap_or("-"),
            p.display,
            short(p.id)
        );
    }
    println!("Medications");
    if s.medications.is_empty() {
        println!("  none current");
    }
    for m in &s.medications {
        let sig: Vec<&str> = [
            m.dose.as_deref(),
            m.route.as_deref(),
            m.frequency.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        println!(
            "  {} {}  (since {})  [{}]",
            m.drug,
            sig.join(" "),
            m.started_on,
            short(m.id)
        );
    }
    match &s.latest_vitals {
        Some(v) => {
            println!("Latest vitals ({})", at(v.taken_at, tz));
            println!("  {}", vitals_line(v));
        }
        None => println!("Latest vitals\n  none recorded"),
    }
    if s.trends.blood_pressure.len() > 1 {
        let bp: Vec<String> = s
            .trends
            .blood_pressure
            .iter()
            .map(|p| format!("{}/{}", p.values[0], p.values.get(1).copied().unwrap_or(0)))
            .collect();
        println!("  blood pressure trend: {}", bp.join(" → "));
    }
    println!("Visits ({} in all)", s.visit_count);
    for v in &s.last_visits {
        println!(
            "  {}  {:20}  {:30}  {}  {}",
            at(v.starts_at, tz),
            v.provider,
            v.reason.as_deref().unwrap_or(""),
            status(v.status),
            v.id
        );
    }
}

fn short(id: Uuid) -> String {
    id.to_string()
}

fn status(s: EncounterStatus) -> &'static str {
    match s {
        EncounterStatus::Draft => "draft",
        EncounterStatus::Signed => "signed",
        EncounterStatus::EnteredInError => "ENTERED IN ERROR",
    }
}

fn item_status(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Inactive => "inactive",
        Status::Refuted => "refuted",
        Status::EnteredInError => "ENTERED IN ERROR",
    }
}

pub fn lists(out: &Output, l: &ChartListsDto, tz: Tz) {
    if out.is_json() {
        return out.json(l);
    }
    let b = &l.banner;
    println!(
        "{}  ·  {}  ·  {}  ·  {}",
        b.display_name, b.mrn, b.age, b.sex
    );
    println!("{}", allergies(&b.allergies));
    println!("Allergy history");
    for a in &l.allergies {
        println!(
            "  {} ({}) — {}  [{}]",
            a.substance,
            severity(a.severity),
            item_status(a.status),
            a.id
        );
    }
    println!("Problems");
    for p in &l.problems {
        println!(
            "  {:8} {} — {}  [{}]",
            p.code.as_deref().unwrap_or("-"),
            p.display,
            item_status(p.status),
            p.id
        );
    }
    println!("Medications");
    for m in &l.medications {
        println!(
            "  {} {} — {}  [{}]",
            m.drug,
            m.dose.as_deref().unwrap_or(""),
            item_status(m.status),
            m.id
        );
    }
    println!("Vitals");
    for v in &l.vitals {
        let mark = if v.entered_in_error {
            " — ENTERED IN ERROR"
        } else {
            ""
        };
        println!(
            "  {}  {}{mark}  [{}]",
            at(v.taken_at, tz),
            vitals_line(v),
            v.id
        );
    }
    println!("Immunizations");
    for i in &l.immunizations {
        let mark = if i.entered_in_error {
            " — ENTERED IN ERROR"
        } else {
            ""
        };
        println!(
            "  {}  {} lot {}{mark}  [{}]",
            i.given_on,
            i.vaccine,
            i.lot.as_deref().unwrap_or("-"),
            i.id
        );
    }
}

pub fn visits(out: &Output, list: &[VisitSummaryDto], tz: Tz) {
    if out.is_json() {
        return out.json(&list);
    }
    for v in list {
        println!(
            "{}  {:20}  {:30}  {:8}  {}",
            at(v.starts_at, tz),
            v.provider,
            v.reason.as_deref().unwrap_or(""),
            status(v.status),
            v.id
        );
    }
}

pub fn visit(out: &Output, v: &VisitDto, tz: Tz) {
    if out.is_json() {
        return out.json(v);
    }
    println!(
        "Visit {} — {} — {}",
        v.id,
        v.patient_mrn,
        at(v.starts_at, tz)
    );
    println!("  clinician {}; {}", v.provider, status(v.status));
    if let Some(r) = &v.reason {
        println!("  reason: {r}");
    }
    for (label, text) in [
        ("S", &v.note.subjective),
        ("O", &v.note.objective),
        ("A", &v.note.assessment),
        ("P", &v.note.plan),
    ] {
        if !text.is_empty() {
            println!("  {label}: {}", text.replace('\n', "\n     "));
        }
    }
    if let (Some(at_), Some(by)) = (v.signed_at, &v.signed_by) {
        println!(
            "  signed by {by} at {}{}",
            at(at_, tz),
            if v.hash_holds {
                ""
            } else {
                " — WARNING: the note no longer matches its signature"
            }
        );
    }
    if let Some(r) = &v.error_reason {
        println!("  entered in error: {r}");
    }
    for a in &v.addenda {
        println!(
            "  addendum by {} at {}: {}",
            a.recorded_by,
            at(a.recorded_at, tz),
            a.text
        );
    }
}

pub fn templates(out: &Output, list: &[TemplateDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    for t in list {
        println!(
            "{}  {}  {}",
            t.id,
            t.name,
            t.reason.as_deref().unwrap_or("")
        );
    }
}

pub fn recorded(out: &Output, what: &str, id: Uuid) {
    if out.is_json() {
        return out.json(&serde_json::json!({ "id": id }));
    }
    println!("Recorded the {what} [{id}].");
}

pub fn vitals_recorded(out: &Output, v: &VitalsDto) {
    if out.is_json() {
        return out.json(v);
    }
    println!("Recorded: {}  [{}]", vitals_line(v), v.id);
}

pub fn icd(out: &Output, codes: &[tend_core::api::IcdDto]) {
    if out.is_json() {
        return out.json(&codes);
    }
    for c in codes {
        println!(
            "{:8} {}{}",
            c.code,
            c.description,
            if c.billable { "" } else { "  (category)" }
        );
    }
}
