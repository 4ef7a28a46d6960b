//! Patients from a terminal: search, register, possible duplicates, show, edit, merge and
//! unmerge. Each command is one call into tend-core.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use tend_core::patients::{self, OnDuplicates};
use tend_core::{Session, Tend};
use tend_domain::patients::{EmergencyContact, Insurance, PatientForm};

use crate::output::Output;
use crate::output::chart as show;

#[derive(Debug, Subcommand)]
pub enum PatientCommand {
    /// Find patients by name, phone, record number (MRN) or birth date.
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Register a patient. Refused with a list when they may already be registered, unless
    /// --new says this is someone else.
    Register {
        #[command(flatten)]
        details: PatientArgs,
        /// Register even though a similar patient exists.
        #[arg(long)]
        new: bool,
    },
    /// Who might this be? The duplicate check, without registering.
    Duplicates {
        #[command(flatten)]
        details: PatientArgs,
    },
    /// A patient's registration details.
    Show { mrn: String },
    /// Change registration details; options not given keep their value.
    Edit {
        mrn: String,
        #[command(flatten)]
        details: PatientArgs,
    },
    /// Merge DUPLICATE into SURVIVOR (admins): visits and clinical records move to SURVIVOR.
    Merge { survivor: String, duplicate: String },
    /// Undo the last merge of MRN.
    Unmerge { mrn: String },
}

#[derive(Debug, Args, Default)]
pub struct PatientArgs {
    #[arg(long)]
    given: Option<String>,
    #[arg(long)]
    family: Option<String>,
    #[arg(long)]
    preferred: Option<String>,
    /// Birth date: YYYY-MM-DD or DD/MM/YYYY.
    #[arg(long)]
    dob: Option<String>,
    /// Estimated age in years, for a patient who does not know their birth date.
    #[arg(long)]
    age: Option<String>,
    /// female, male, other or unknown.
    #[arg(long)]
    sex: Option<String>,
    #[arg(long)]
    gender_identity: Option<String>,
    /// A phone, as `number` or `kind:number` (mobile, home, work, other); repeat for more.
    #[arg(long = "phone")]
    phones: Vec<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    postal_code: Option<String>,
    #[arg(long)]
    country: Option<String>,
    /// Emergency contact as `name;relationship;phone`.
    #[arg(long)]
    emergency: Option<String>,
    #[arg(long)]
    language: Option<String>,
    /// A note for the front desk.
    #[arg(long)]
    note: Option<String>,
    #[arg(long)]
    national_id: Option<String>,
    /// Insurance as `payer;member id[;group]`.
    #[arg(long)]
    insurance: Option<String>,
}

impl PatientArgs {
    /// The form: these options over `base` (empty for a new patient).
    fn form(&self, base: PatientForm) -> PatientForm {
        let pick = |new: &Option<String>, old: String| new.clone().unwrap_or(old);
        let mut f = base;
        f.given_name = pick(&self.given, f.given_name);
        f.family_name = pick(&self.family, f.family_name);
        f.preferred_name = pick(&self.preferred, f.preferred_name);
        if self.age.is_some() {
            f.birth_date = String::new();
            f.estimated_age_years = self.age.clone().unwrap_or_default();
        } else if self.dob.is_some() {
            f.birth_date = pick(&self.dob, f.birth_date);
            f.estimated_age_years = String::new();
        }
        f.sex = pick(&self.sex, f.sex);
        f.gender_identity = pick(&self.gender_identity, f.gender_identity);
        if !self.phones.is_empty() {
            f.phones = self.phones.clone();
        }
        f.email = pick(&self.email, f.email);
        if self.address.is_some()
            || self.city.is_some()
            || self.postal_code.is_some()
            || self.country.is_some()
        {
            let mut a = f.address.take().unwrap_or_default();
            a.line1 = pick(&self.address, a.line1);
            a.city = pick(&self.city, a.city);
            a.postal_code = pick(&self.postal_code, a.postal_code);
            a.country = pick(&self.country, a.country);
            f.address = Some(a);
        }
        if let Some(e) = &self.emergency {
            let mut parts = e.splitn(3, ';').map(str::to_owned);
            f.emergency_contact = Some(EmergencyContact {
                name: parts.next().unwrap_or_default(),
                relationship: parts.next().unwrap_or_default(),
                phone: parts.next().unwrap_or_default(),
            });
        }
        f.language = pick(&self.language, f.language);
        f.front_desk_note = pick(&self.note, f.front_desk_note);
        f.national_id = pick(&self.national_id, f.national_id);
        if let Some(i) = &self.insurance {
            let mut parts = i.splitn(3, ';').map(str::to_owned);
            f.insurance = Some(Insurance {
                payer: parts.next().unwrap_or_default(),
                member_id: parts.next().unwrap_or_default(),
                group: parts.next().unwrap_or_default(),
            });
        }
        f
    }
}

/// The form of an existing patient, for editing.
fn form_of(p: &tend_core::api::PatientDto) -> PatientForm {
    PatientForm {
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        preferred_name: p.preferred_name.clone().unwrap_or_default(),
        birth_date: if p.birth_date_estimated {
            String::new()
        } else {
            p.birth_date.to_string()
        },
        estimated_age_years: if p.birth_date_estimated {
            p.age_years.to_string()
        } else {
            String::new()
        },
        sex: p.sex.to_owned(),
        gender_identity: p.gender_identity.clone().unwrap_or_default(),
        phones: p
            .phones
            .iter()
            .map(|ph| format!("{}:{}", ph.kind.as_str(), ph.number))
            .collect(),
        email: p.email.clone().unwrap_or_default(),
        address: p.address.clone(),
        emergency_contact: p.emergency_contact.clone(),
        language: p.language.clone().unwrap_or_default(),
        front_desk_note: p.front_desk_note.clone().unwrap_or_default(),
        national_id: p.national_id.clone().unwrap_or_default(),
        insurance: p.insurance.clone(),
    }
}

pub fn patient(cmd: &PatientCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        PatientCommand::Search { query, limit } => {
            show::patients(out, &patients::search(tend, me, query, *limit)?)
        }
        PatientCommand::Register { details, new } => {
            let form = details.form(PatientForm::default());
            let on_dup = if *new {
                OnDuplicates::RegisterAnyway
            } else {
                OnDuplicates::Refuse
            };
            match patients::register(tend, me, &form, on_dup) {
                Ok(p) => show::patient(out, &p, "Registered"),
                Err(tend_core::CoreError::PossibleDuplicates(found)) => {
                    show::duplicates(out, &found);
                    return Ok(ExitCode::from(4));
                }
                Err(e) => return Err(e.into()),
            }
        }
        PatientCommand::Duplicates { details } => {
            show::duplicates(
                out,
                &patients::check_duplicates(tend, me, &details.form(PatientForm::default()))?,
            );
        }
        PatientCommand::Show { mrn } => show::patient(out, &patients::get(tend, me, mrn)?, ""),
        PatientCommand::Edit { mrn, details } => {
            let current = patients::get(tend, me, mrn)?;
            let p = patients::edit(tend, me, mrn, &details.form(form_of(&current)))?;
            show::patient(out, &p, "Updated");
        }
        PatientCommand::Merge {
            survivor,
            duplicate,
        } => show::merge(
            out,
            &patients::merge(tend, me, survivor, duplicate)?,
            "Merged",
        ),
        PatientCommand::Unmerge { mrn } => {
            show::merge(out, &patients::unmerge(tend, me, mrn)?, "Unmerged")
        }
    }
    Ok(ExitCode::SUCCESS)
}
