//! Synthetic clinics for demos and benchmarks: made-up patients with names from many languages
//! (accents and other scripts included), households that share a phone, visits with a long tail
//! (a few patients with more than a thousand), problems, allergies, medications and vitals.
//! The same seed and as-of date give the same clinic; everything goes through the normal write
//! path, change log and audit included.

use std::time::Instant;

use chrono::{DateTime, Duration as Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use tend_domain::chart::{
    AllergyCategory, Category, ClinicalEvent, Encounter, EncounterId, EncounterStatus, EventData,
    EventId, Severity, Soap, Vitals, content_hash,
};
use tend_domain::icd10cm;
use tend_domain::patients::{Demographics, PatientId, Phone, PhoneKind, Sex};
use tend_domain::{Action, Entity, Role, UserId};
use tend_store::{AuditEntry, Outcome, PatientRecord, WriteTx, encounter_fields};
use uuid::Uuid;

use crate::{CoreError, Result, Session, Tend};

#[derive(Debug, Clone, Copy)]
pub struct SyntheticOptions {
    pub patients: usize,
    pub seed: u64,
    /// Patients given 1,000+ visits (the long tail's end).
    pub heavy_patients: usize,
    /// The day the clinic's history runs up to.
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyntheticReport {
    pub patients: usize,
    pub visits: usize,
    pub events: usize,
    pub seconds: f64,
    /// The patients with 1,000+ visits, for benchmarks.
    pub heavy_mrns: Vec<String>,
}

/// Patients written per transaction.
const BATCH: usize = 100;

struct Pools {
    locales: Vec<Locale>,
}

struct Locale {
    weight: u32,
    female: &'static [&'static str],
    male: &'static [&'static str],
    family: &'static [&'static str],
    /// Phone number formats; `#` is a digit.
    phones: &'static [&'static str],
    language: &'static str,
}

fn pools() -> Pools {
    Pools {
        locales: vec![
            Locale {
                weight: 40,
                female: &[
                    "Ana",
                    "María",
                    "Lucía",
                    "Carmen",
                    "Isabel",
                    "Sofía",
                    "Elena",
                    "Pilar",
                    "Rocío",
                    "Inés",
                    "Beatriz",
                    "Marta",
                    "Nuria",
                    "Ángela",
                    "María José",
                ],
                male: &[
                    "José",
                    "Juan",
                    "Luis",
                    "Carlos",
                    "Javier",
                    "Miguel",
                    "Álvaro",
                    "Andrés",
                    "Raúl",
                    "Jesús",
                    "Íñigo",
                    "Sergio",
                    "Pablo",
                    "Tomás",
                    "Juan Carlos",
                ],
                family: &[
                    "García",
                    "López",
                    "Martínez",
                    "Sánchez",
                    "Pérez",
                    "Gómez",
                    "Fernández",
                    "Rodríguez",
                    "Díaz",
                    "Muñoz",
                    "Álvarez",
                    "Romero",
                    "Jiménez",
                    "Ruiz",
                    "Hernández",
                    "Moreno",
                    "Núñez",
                    "Ibáñez",
                    "Peña",
                    "Gutiérrez",
                    "Domínguez",
                    "Vázquez",
                    "García-López",
                    "Ruiz de la Peña",
                ],
                phones: &[
                    "+34 6## ### ###",
                    "6## ## ## ##",
                    "6########",
                    "91 ### ## ##",
                ],
                language: "Spanish",
            },
            Locale {
                weight: 10,
                female: &[
                    "Thị Ánh",
                    "Thị Hương",
                    "Ngọc Lan",
                    "Thu Trang",
                    "Mai Anh",
                    "Bích Ngọc",
                ],
                male: &[
                    "Văn Hùng",
                    "Minh Tuấn",
                    "Quốc Bảo",
                    "Đức Anh",
                    "Thành Long",
                    "Hoàng Nam",
                ],
                family: &[
                    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
                    "Bùi", "Đỗ",
                ],
                phones: &["+84 9# ### ####", "09########"],
                language: "Vietnamese",
            },
            Locale {
                weight: 10,
                female: &[
                    "Zoë", "Käthe", "Ingrid", "Åsa", "Sigrún", "Mette", "Frieda", "Liv", "Jördis",
                ],
                male: &[
                    "Jürgen",
                    "Søren",
                    "Bjørn",
                    "Lukas",
                    "Håkon",
                    "Jörg",
                    "Anders",
                    "Olaf",
                    "Matthäus",
                ],
                family: &[
                    "Müller",
                    "Schäfer",
                    "Weiß",
                    "Jørgensen",
                    "Ørsted",
                    "Åberg",
                    "Lindqvist",
                    "Björklund",
                    "Schröder",
                    "Köhler",
                    "Strauß",
                    "Nørgaard",
                    "Müller-Øster",
                ],
                phones: &["+49 15# ########", "+45 ## ## ## ##", "+46 7# ### ## ##"],
                language: "German",
            },
            Locale {
                weight: 8,
                female: &[
                    "Fatima", "Aisha", "Layla", "Mariam", "Noor", "Yasmin", "Salma",
                ],
                male: &[
                    "Mohammed", "Ahmed", "Omar", "Youssef", "Khalid", "Hassan", "Karim",
                ],
                family: &[
                    "Al-Sayed",
                    "Haddad",
                    "Khoury",
                    "Nasser",
                    "El-Amin",
                    "Saleh",
                    "Farouk",
                    "Mansour",
                    "Benali",
                    "El Idrissi",
                ],
                phones: &["+212 6## ### ###", "06 ## ## ## ##"],
                language: "Arabic",
            },
            Locale {
                weight: 6,
                female: &["Fang", "Li Na", "Jing", "Mei", "Yan", "小红"],
                male: &["Wei", "Xiaoming", "Hao", "Jun", "Lei", "小明"],
                family: &[
                    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "王", "李",
                ],
                phones: &["+86 13# #### ####", "(###) ###-####"],
                language: "Chinese",
            },
            Locale {
                weight: 4,
                female: &["Ελένη", "Μαρία", "Ольга", "Наталья"],
                male: &["Γιώργος", "Νίκος", "Дмитрий", "Сергей"],
                family: &["Παπαδόπουλος", "Οικονόμου", "Иванов", "Смирнов"],
                phones: &["+30 69# ### ####", "+7 9## ###-##-##"],
                language: "Greek",
            },
            Locale {
                weight: 10,
                female: &[
                    "Zoé",
                    "Hélène",
                    "Léa",
                    "Conceição",
                    "Małgorzata",
                    "Zofia",
                    "Gülşen",
                    "Chloë",
                ],
                male: &[
                    "François",
                    "Joël",
                    "João",
                    "Gonçalo",
                    "Łukasz",
                    "Wojciech",
                    "Şükrü",
                    "Noël",
                ],
                family: &[
                    "Lefèvre",
                    "Dubois",
                    "Gonçalves",
                    "Magalhães",
                    "Brandão",
                    "Côté",
                    "Wałęsa",
                    "Kowalczyk",
                    "Wiśniewska",
                    "Yılmaz",
                    "Öztürk",
                    "Çelik",
                ],
                phones: &[
                    "+33 6 ## ## ## ##",
                    "+351 9## ### ###",
                    "+48 ### ### ###",
                    "+90 5## ### ## ##",
                ],
                language: "French",
            },
            Locale {
                weight: 12,
                female: &[
                    "Emily", "Sarah", "Olivia", "Grace", "Hannah", "Chloe", "Siobhán",
                ],
                male: &[
                    "James", "Oliver", "Jack", "Thomas", "Daniel", "Seán", "Liam",
                ],
                family: &[
                    "Smith",
                    "Johnson",
                    "O'Brien",
                    "Williams",
                    "Brown",
                    "Taylor",
                    "Murphy",
                    "MacDonald",
                    "Ó Súilleabháin",
                ],
                phones: &["(###) ###-####", "+1 ### ### ####", "07### ######"],
                language: "English",
            },
        ],
    }
}

const REASONS: &[(&str, &str, &str, &str)] = &[
    (
        "Blood pressure check",
        "No headaches or dizziness. Taking medication daily.",
        "Heart sounds normal.",
        "Hypertension, stable.",
    ),
    (
        "Cough for three days",
        "Dry cough, no fever at home.",
        "Chest clear on auscultation.",
        "Viral upper respiratory infection.",
    ),
    (
        "Diabetes follow-up",
        "Home glucose 110-150. Diet improving.",
        "Feet without lesions.",
        "Type 2 diabetes, fair control.",
    ),
    (
        "Low back pain",
        "Pain after lifting boxes, no numbness.",
        "Paraspinal tenderness, straight-leg raise negative.",
        "Mechanical low back pain.",
    ),
    (
        "Sore throat",
        "Two days of sore throat.",
        "Pharynx red, no exudate.",
        "Acute pharyngitis.",
    ),
    (
        "Annual check-up",
        "Feels well.",
        "Normal examination.",
        "Healthy adult.",
    ),
    (
        "Headache",
        "Throbbing headache with light sensitivity.",
        "Neurological examination normal.",
        "Migraine without aura.",
    ),
    (
        "Rash on arms",
        "Itchy rash for a week.",
        "Dry erythematous patches.",
        "Atopic dermatitis.",
    ),
    (
        "Prescription renewal",
        "No new complaints.",
        "Unremarkable.",
        "Chronic conditions stable.",
    ),
    (
        "Vaccination",
        "Here for the flu vaccine.",
        "Afebrile.",
        "Immunization given.",
    ),
];

const ALLERGENS: &[(&str, AllergyCategory, &str)] = &[
    ("Penicillin", AllergyCategory::Medication, "hives"),
    ("Amoxicillin", AllergyCategory::Medication, "rash"),
    (
        "Sulfonamide antibiotics",
        AllergyCategory::Medication,
        "rash",
    ),
    ("Ibuprofen", AllergyCategory::Medication, "bronchospasm"),
    ("Codeine", AllergyCategory::Medication, "nausea"),
    ("Latex", AllergyCategory::Environment, "contact dermatitis"),
    ("Peanuts", AllergyCategory::Food, "anaphylaxis"),
    ("Shellfish", AllergyCategory::Food, "swelling of the lips"),
    ("Grass pollen", AllergyCategory::Environment, "rhinitis"),
    ("Bee stings", AllergyCategory::Environment, "anaphylaxis"),
];

const MEDICATIONS: &[(&str, &str, &str, &str)] = &[
    ("amlodipine", "5 mg", "oral", "once daily"),
    ("metformin", "850 mg", "oral", "twice daily"),
    ("atorvastatin", "20 mg", "oral", "once daily at night"),
    ("lisinopril", "10 mg", "oral", "once daily"),
    ("omeprazole", "20 mg", "oral", "once daily before breakfast"),
    ("levothyroxine", "50 mcg", "oral", "once daily"),
    ("salbutamol", "100 mcg", "inhaled", "as needed"),
    ("sertraline", "50 mg", "oral", "once daily"),
    ("paracetamol", "1 g", "oral", "every 8 hours as needed"),
];

struct Gen {
    rng: fastrand::Rng,
    pools: Pools,
    /// Counter for deterministic ids.
    ids: u64,
    as_of_ms: u64,
}

impl Gen {
    fn id(&mut self) -> Uuid {
        self.ids += 1;
        let mut random = [0u8; 10];
        self.rng.fill(&mut random);
        uuid::Builder::from_unix_timestamp_millis(self.as_of_ms + self.ids / 1000, &random)
            .into_uuid()
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.rng.usize(..items.len())]
    }

    fn locale(&mut self) -> usize {
        let total: u32 = self.pools.locales.iter().map(|l| l.weight).sum();
        let mut n = self.rng.u32(..total);
        for (i, l) in self.pools.locales.iter().enumerate() {
            if n < l.weight {
                return i;
            }
            n -= l.weight;
        }
        0
    }

    fn phone(&mut self, locale: usize) -> String {
        let format = {
            let phones = self.pools.locales[locale].phones;
            phones[self.rng.usize(..phones.len())]
        };
        format
            .chars()
            .map(|c| {
                if c == '#' {
                    char::from(b'0' + self.rng.u8(..10))
                } else {
                    c
                }
            })
            .collect()
    }

    /// Visits per patient: most have a few, some many (Pareto, α = 1.3), capped at 300.
    fn visit_count(&mut self) -> usize {
        let u = self.rng.f64().max(1e-9);
        let x = 1.0 / u.powf(1.0 / 1.3) - 1.0;
        (x.floor() as usize).min(300)
    }
}

/// Fills the clinic with `opts.patients` synthetic patients. Visits are authored by the clinic's
/// doctors in turn. `progress` is called with the number of patients written so far.
pub fn populate(
    tend: &Tend,
    session: &Session,
    opts: SyntheticOptions,
    progress: &dyn Fn(usize),
) -> Result<SyntheticReport> {
    for action in [
        Action::PatientRegister,
        Action::NoteWrite,
        Action::ChartRead,
    ] {
        tend.authorize(session, action)?;
    }
    let started = Instant::now();
    let doctors: Vec<UserId> = tend
        .store()
        .read(|r| r.users())?
        .into_iter()
        .filter(|u| u.roles.contains(Role::Doctor) && !u.disabled)
        .map(|u| u.id)
        .collect();
    if doctors.is_empty() {
        return Err(CoreError::refused(
            "bench_needs_doctor",
            None,
            "a synthetic clinic needs at least one doctor",
        ));
    }
    let as_of = Utc.from_utc_datetime(&opts.as_of.and_hms_opt(18, 0, 0).unwrap_or_default());
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(opts.seed),
        pools: pools(),
        ids: 0,
        as_of_ms: u64::try_from(as_of.timestamp_millis()).unwrap_or(0),
    };
    let common: Vec<(String, String)> = icd10cm::catalog()
        .common()
        .into_iter()
        .map(|c| (c.code, c.description))
        .collect();
    let mut report = SyntheticReport {
        patients: 0,
        visits: 0,
        events: 0,
        seconds: 0.0,
        heavy_mrns: Vec::new(),
    };
    let heavy = opts.heavy_patients.min(opts.patients);
    let mut household: Option<(usize, String, String, u32)> = None; // locale, family, phone, members left
    while report.patients < opts.patients {
        let batch = BATCH.min(opts.patients - report.patients);
        tend.store()
            .write(tend.ctx(Some(session.user_id())), |tx| {
                for _ in 0..batch {
                    let index = report.patients;
                    let visits = if index < heavy {
                        1000 + g.rng.usize(..200)
                    } else {
                        g.visit_count()
                    };
                    let written =
                        one_patient(tx, &mut g, &mut household, &doctors, &common, as_of, visits)?;
                    if index < heavy {
                        report.heavy_mrns.push(written.0);
                    }
                    report.patients += 1;
                    report.visits += visits;
                    report.events += written.1;
                }
                Ok::<_, CoreError>(())
            })?;
        progress(report.patients);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes one patient with their history; returns the MRN and the number of events.
fn one_patient(
    tx: &mut WriteTx<'_>,
    g: &mut Gen,
    household: &mut Option<(usize, String, String, u32)>,
    doctors: &[UserId],
    common: &[(String, String)],
    as_of: DateTime<Utc>,
    visits: usize,
) -> Result<(String, usize)> {
    // Households of one to five share a family name and a phone number.
    let (locale, family, phone) = match household.take() {
        Some((l, f, p, left)) if left > 0 => {
            *household = Some((l, f.clone(), p.clone(), left - 1));
            (l, f, p)
        }
        _ => {
            let l = g.locale();
            let families = g.pools.locales[l].family;
            let f = g.pick(families).to_owned();
            let p = g.phone(l);
            let members = g.rng.u32(0..5);
            *household = Some((l, f.clone(), p.clone(), members));
            (l, f, p)
        }
    };
    let female = g.rng.bool();
    let names = if female {
        g.pools.locales[locale].female
    } else {
        g.pools.locales[locale].male
    };
    let given = g.pick(names).to_owned();
    let age_days = g.rng.i64(0..(95 * 365));
    let birth_date = as_of.date_naive() - Days::days(age_days);
    let patient_id = PatientId::from_uuid(g.id());
    let mut phones = vec![Phone {
        kind: PhoneKind::Mobile,
        number: phone,
    }];
    if g.rng.u8(..10) == 0 {
        let extra = g.phone(locale);
        phones.push(Phone {
            kind: PhoneKind::Home,
            number: extra,
        });
    }
    let record = PatientRecord {
        id: patient_id,
        mrn: tx.allocate_mrn()?,
        demographics: Demographics {
            given_name: given,
            family_name: family,
            preferred_name: None,
            birth_date,
            birth_date_estimated: g.rng.u8(..50) == 0,
            sex: if female { Sex::Female } else { Sex::Male },
            gender_identity: None,
            phones,
            email: None,
            address: None,
            emergency_contact: None,
            language: Some(g.pools.locales[locale].language.to_owned()),
            front_desk_note: None,
            national_id: None,
            insurance: None,
        },
        merged_into: None,
        created_at: tx.ctx().now,
    };
    tx.create(Entity::Patient, record.id, record.fields())?;
    let mut events = 0;
    let doctor = doctors[g.rng.usize(..doctors.len())];
    let first_day = as_of - Days::days(g.rng.i64(30..(3 * 365)));
    let mut event = |tx: &mut WriteTx<'_>,
                     g: &mut Gen,
                     category,
                     subject: Uuid,
                     at: DateTime<Utc>,
                     data|
     -> Result<()> {
        tx.append_event(&ClinicalEvent {
            id: EventId::from_uuid(g.id()),
            patient_id,
            category,
            subject_id: subject,
            encounter_id: None,
            occurred_at: at,
            recorded_at: at,
            recorded_by: doctor,
            data,
        })?;
        events += 1;
        Ok(())
    };

    // Allergies: a fifth have one or two, most were asked and have none, some never asked.
    match g.rng.u8(..10) {
        0 | 1 => {
            for _ in 0..g.rng.usize(1..=2) {
                let (substance, category, reaction) = ALLERGENS[g.rng.usize(..ALLERGENS.len())];
                let data = EventData::AllergyRecorded {
                    substance: substance.into(),
                    substance_code: None,
                    category,
                    reaction: Some(reaction.into()),
                    severity: [Severity::Mild, Severity::Moderate, Severity::Severe]
                        [g.rng.usize(..3)],
                    note: None,
                };
                let s = g.id();
                event(tx, g, Category::Allergy, s, first_day, data)?;
            }
        }
        2..=7 => event(
            tx,
            g,
            Category::Allergy,
            patient_id.as_uuid(),
            first_day,
            EventData::NoKnownAllergies,
        )?,
        _ => {}
    }
    // Problems and medications grow with age.
    let age_years = age_days / 365;
    let problems = if age_years > 40 {
        g.rng.usize(0..4)
    } else {
        g.rng.usize(0..2)
    };
    for _ in 0..problems {
        let (code, display) = common[g.rng.usize(..common.len().min(30))].clone();
        let s = g.id();
        event(
            tx,
            g,
            Category::Problem,
            s,
            first_day,
            EventData::ProblemAdded {
                code: Some(code),
                display,
                onset: None,
                note: None,
            },
        )?;
    }
    for _ in 0..(problems + g.rng.usize(0..2)).min(5) {
        let (drug, dose, route, frequency) = MEDICATIONS[g.rng.usize(..MEDICATIONS.len())];
        let s = g.id();
        let data = EventData::MedicationStarted {
            drug: drug.into(),
            drug_code: None,
            dose: Some(dose.into()),
            route: Some(route.into()),
            frequency: Some(frequency.into()),
            started_on: first_day.date_naive(),
            indication: None,
        };
        event(tx, g, Category::Medication, s, first_day, data)?;
    }

    // Visits, each with a signed note; about half with vitals.
    let span = (as_of - first_day).num_minutes().max(1);
    let height = u16::try_from(if age_years < 16 {
        500 + age_years * 70
    } else {
        g.rng.i64(1500..1950)
    })
    .unwrap_or(1700);
    let mut weight = u32::try_from(if age_years < 16 {
        3500 + age_years * 3500
    } else {
        g.rng.i64(50_000..110_000)
    })
    .unwrap_or(70_000);
    let mut times: Vec<i64> = (0..visits).map(|_| g.rng.i64(0..span)).collect();
    times.sort_unstable();
    for minutes in times {
        let at = first_day + Days::minutes(minutes);
        let (reason, s, o, a) = REASONS[g.rng.usize(..REASONS.len())];
        let provider = doctors[g.rng.usize(..doctors.len())];
        let mut e = Encounter {
            id: EncounterId::from_uuid(g.id()),
            patient_id,
            provider_id: provider,
            starts_at: at,
            reason: Some(reason.into()),
            note: Soap {
                subjective: s.into(),
                objective: o.into(),
                assessment: a.into(),
                plan: "Review as needed.".into(),
            },
            template_id: None,
            status: EncounterStatus::Signed,
            signed_at: Some(at + Days::minutes(20)),
            signed_by: Some(provider),
            content_hash: None,
            error_reason: None,
        };
        e.content_hash = Some(content_hash(&e));
        tx.create(Entity::Encounter, e.id, encounter_fields(&e))?;
        if g.rng.bool() {
            weight = (weight as i64 + g.rng.i64(-800..=800)).clamp(2_500, 200_000) as u32;
            let adult = age_years >= 18;
            let v = Vitals {
                systolic: adult.then(|| g.rng.u16(105..165)),
                diastolic: adult.then(|| g.rng.u16(62..100)),
                pulse: Some(g.rng.u16(55..105)),
                temperature_dc: Some(if g.rng.u8(..12) == 0 {
                    g.rng.u16(380..395)
                } else {
                    g.rng.u16(360..375)
                }),
                respiratory_rate: Some(g.rng.u16(12..20)),
                spo2: Some(g.rng.u8(94..100)),
                weight_g: Some(weight),
                height_mm: Some(height),
                head_circumference_mm: None,
            };
            let sub = g.id();
            event(
                tx,
                g,
                Category::Vitals,
                sub,
                at,
                EventData::VitalsRecorded(v),
            )?;
        }
    }
    tx.audit(
        AuditEntry::new("synthetic.patient", Outcome::Ok)
            .record(Entity::Patient, patient_id)
            .detail(json!({ "mrn": record.mrn.to_string(), "visits": visits })),
    )?;
    Ok((record.mrn.to_string(), events))
}
