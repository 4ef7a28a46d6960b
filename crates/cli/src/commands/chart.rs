//! The chart from a terminal: visits and notes, templates, allergies, problems, medications,
//! vitals, immunizations. Each command is one call into tend-core.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use tend_core::chart::records::{self, AllergyForm, ImmunizationForm, MedicationForm, ProblemForm};
use tend_core::chart::visits::{self, NoteEdit, TemplateForm};
use tend_core::{Session, Tend, chart};
use tend_domain::chart::VitalsForm;

use crate::output::Output;
use crate::output::chart as show;

#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// Start a visit (you are its clinician), optionally from a template.
    Start {
        mrn: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        template: Option<String>,
    },
    /// Edit the draft note; parts not given stay as they are.
    Note {
        id: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        subjective: Option<String>,
        #[arg(long)]
        objective: Option<String>,
        #[arg(long)]
        assessment: Option<String>,
        #[arg(long)]
        plan: Option<String>,
    },
    /// Sign the note: it cannot change afterwards.
    Sign { id: String },
    /// Add an addendum to a signed note.
    Addendum {
        id: String,
        #[arg(long)]
        text: String,
    },
    /// Show a visit with its note and addenda.
    Show { id: String },
    /// A patient's visits, newest first.
    List {
        mrn: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Mark a visit as entered in error.
    Error {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    List,
    /// Create a template, or replace the one named by --id.
    Save {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long, default_value = "")]
        subjective: String,
        #[arg(long, default_value = "")]
        objective: String,
        #[arg(long, default_value = "")]
        assessment: String,
        #[arg(long, default_value = "")]
        plan: String,
    },
    Archive {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AllergyCommand {
    /// Record an allergy or intolerance.
    Add {
        mrn: String,
        #[arg(long)]
        substance: String,
        /// medication, food, environment or other.
        #[arg(long, default_value = "medication")]
        category: String,
        #[arg(long, default_value = "")]
        reaction: String,
        /// mild, moderate or severe.
        #[arg(long, default_value = "moderate")]
        severity: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record that the patient has no known allergies.
    None { mrn: String },
    /// The allergy no longer applies (--refuted: testing showed it never was one).
    Resolve {
        id: String,
        #[arg(long)]
        refuted: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProblemCommand {
    /// Add a problem: an ICD-10-CM code, a description, or both.
    Add {
        mrn: String,
        #[arg(long, default_value = "")]
        code: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        onset: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    Resolve {
        id: String,
        /// Default: today.
        #[arg(long, default_value = "")]
        on: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MedCommand {
    Start {
        mrn: String,
        #[arg(long)]
        drug: String,
        #[arg(long, default_value = "")]
        dose: String,
        #[arg(long, default_value = "")]
        route: String,
        #[arg(long, default_value = "")]
        frequency: String,
        #[arg(long, default_value = "")]
        since: String,
        #[arg(long, default_value = "")]
        indication: String,
    },
    Change {
        id: String,
        #[arg(long, default_value = "")]
        dose: String,
        #[arg(long, default_value = "")]
        route: String,
        #[arg(long, default_value = "")]
        frequency: String,
    },
    Stop {
        id: String,
        #[arg(long, default_value = "")]
        on: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct VitalsArgs {
    mrn: String,
    /// Blood pressure as systolic/diastolic.
    #[arg(long, default_value = "")]
    bp: String,
    #[arg(long, default_value = "")]
    pulse: String,
    /// In the clinic's units (°C or °F).
    #[arg(long, default_value = "")]
    temp: String,
    #[arg(long, default_value = "")]
    rr: String,
    #[arg(long, default_value = "")]
    spo2: String,
    /// kg or lb.
    #[arg(long, default_value = "")]
    weight: String,
    /// cm or in.
    #[arg(long, default_value = "")]
    height: String,
    /// Head circumference, cm or in.
    #[arg(long, default_value = "")]
    head: String,
}

#[derive(Debug, Subcommand)]
pub enum ImmunizationCommand {
    Add {
        mrn: String,
        #[arg(long)]
        vaccine: String,
        /// Default: today.
        #[arg(long, default_value = "")]
        date: String,
        #[arg(long, default_value = "")]
        lot: String,
        #[arg(long, default_value = "")]
        site: String,
        #[arg(long, default_value = "")]
        given_by: String,
    },
}

pub fn chart_of(
    mrn: &str,
    full: bool,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let tz = show::timezone(tend, me)?;
    if full {
        show::lists(out, &chart::lists(tend, me, mrn)?, tz);
    } else {
        show::summary(out, &chart::summary(tend, me, mrn)?, tz);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn visit(cmd: &VisitCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let tz = show::timezone(tend, me)?;
    let v = match cmd {
        VisitCommand::Start {
            mrn,
            reason,
            template,
        } => visits::start(tend, me, mrn, reason, None, template.as_deref())?,
        VisitCommand::Note {
            id,
            reason,
            subjective,
            objective,
            assessment,
            plan,
        } => {
            let edit = NoteEdit {
                reason: reason.as_deref(),
                subjective: subjective.as_deref(),
                objective: objective.as_deref(),
                assessment: assessment.as_deref(),
                plan: plan.as_deref(),
            };
            visits::edit_note(tend, me, id, &edit)?
        }
        VisitCommand::Sign { id } => visits::sign(tend, me, id)?,
        VisitCommand::Addendum { id, text } => visits::add_addendum(tend, me, id, text)?,
        VisitCommand::Show { id } => visits::get(tend, me, id)?,
        VisitCommand::Error { id, reason } => visits::mark_entered_in_error(tend, me, id, reason)?,
        VisitCommand::List { mrn, limit } => {
            show::visits(out, &visits::list(tend, me, mrn, *limit, 0)?, tz);
            return Ok(ExitCode::SUCCESS);
        }
    };
    show::visit(out, &v, tz);
    Ok(ExitCode::SUCCESS)
}

pub fn template(
    cmd: &TemplateCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    match cmd {
        TemplateCommand::List => show::templates(out, &visits::templates(tend, me)?),
        TemplateCommand::Save {
            id,
            name,
            reason,
            subjective,
            objective,
            assessment,
            plan,
        } => {
            let form = TemplateForm {
                name,
                reason,
                subjective,
                objective,
                assessment,
                plan,
            };
            let t = visits::save_template(tend, me, id.as_deref(), &form)?;
            show::templates(out, &[t]);
        }
        TemplateCommand::Archive { id } => {
            visits::archive_template(tend, me, id)?;
            out.done("The template was archived.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn allergy(cmd: &AllergyCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        AllergyCommand::Add {
            mrn,
            substance,
            category,
            reaction,
            severity,
            note,
        } => {
            let form = AllergyForm {
                substance,
                category,
                reaction,
                severity,
                note,
            };
            show::recorded(
                out,
                "allergy",
                records::record_allergy(tend, me, mrn, &form)?,
            );
        }
        AllergyCommand::None { mrn } => {
            records::no_known_allergies(tend, me, mrn)?;
            out.done("Recorded: no known allergies.");
        }
        AllergyCommand::Resolve { id, refuted, note } => {
            show::recorded(
                out,
                "allergy",
                records::end_allergy(tend, me, id, *refuted, note)?,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn problem(cmd: &ProblemCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        ProblemCommand::Add {
            mrn,
            code,
            description,
            onset,
            note,
        } => {
            let form = ProblemForm {
                code,
                description,
                onset,
                note,
            };
            show::recorded(out, "problem", records::add_problem(tend, me, mrn, &form)?);
        }
        ProblemCommand::Resolve { id, on } => {
            show::recorded(out, "problem", records::resolve_problem(tend, me, id, on)?)
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn medication(cmd: &MedCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        MedCommand::Start {
            mrn,
            drug,
            dose,
            route,
            frequency,
            since,
            indication,
        } => {
            let form = MedicationForm {
                drug,
                dose,
                route,
                frequency,
                started_on: since,
                indication,
            };
            show::recorded(
                out,
                "medication",
                records::start_medication(tend, me, mrn, &form)?,
            );
        }
        MedCommand::Change {
            id,
            dose,
            route,
            frequency,
        } => {
            let form = MedicationForm {
                dose,
                route,
                frequency,
                ..Default::default()
            };
            show::recorded(
                out,
                "medication",
                records::change_medication(tend, me, id, &form)?,
            );
        }
        MedCommand::Stop { id, on, reason } => show::recorded(
            out,
            "medication",
            records::stop_medication(tend, me, id, on, reason)?,
        ),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn vitals(args: &VitalsArgs, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let form = VitalsForm {
        blood_pressure: args.bp.clone(),
        pulse: args.pulse.clone(),
        temperature: args.temp.clone(),
        respiratory_rate: args.rr.clone(),
        spo2: args.spo2.clone(),
        weight: args.weight.clone(),
        height: args.height.clone(),
        head_circumference: args.head.clone(),
    };
    let v = records::record_vitals(tend, me, &args.mrn, &form, None)?;
    show::vitals_recorded(out, &v);
    Ok(ExitCode::SUCCESS)
}

pub fn immunization(
    cmd: &ImmunizationCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let ImmunizationCommand::Add {
        mrn,
        vaccine,
        date,
        lot,
        site,
        given_by,
    } = cmd;
    let form = ImmunizationForm {
        vaccine,
        given_on: date,
        lot,
        site,
        given_by,
    };
    show::recorded(
        out,
        "immunization",
        records::record_immunization(tend, me, mrn, &form)?,
    );
    Ok(ExitCode::SUCCESS)
}

pub fn entered_in_error(
    id: &str,
    reason: &str,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    records::mark_entered_in_error(tend, me, id, reason)?;
    out.done("Marked as entered in error: it leaves the current lists and stays in the history.");
    Ok(ExitCode::SUCCESS)
}
