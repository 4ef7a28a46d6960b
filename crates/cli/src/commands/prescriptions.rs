//! Prescribing from a terminal: the drug catalog, drafts, the safety checks, signing with
//! reasons, cancelling, renewing and printing; and the clinic's letterhead that prints on them.
//! Each command is one call into tend-core.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use tend_core::prescriptions::{self as rx, ClinicDrugForm};
use tend_core::{CoreError, Session, Tend, clinic};
use tend_domain::prescriptions::prescription::ItemForm;

use crate::output::Output;
use crate::output::chart::timezone;
use crate::output::prescriptions as show;

#[derive(Debug, Subcommand)]
pub enum DrugCommand {
    /// Find drugs by generic or brand name (prescribers).
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// One drug: forms, strengths, routes, usual dose, maximum per day, brands.
    Show { drug: String },
    /// The therapeutic classes a clinic's own drug can belong to (no sign-in needed).
    Classes,
    /// Add a drug the shipped catalog does not have (admins and doctors).
    Add(DrugArgs),
    /// Add a brand name for a drug in the catalog (admins and doctors).
    Brand {
        brand: String,
        /// The drug it is a brand of (generic name or code).
        #[arg(long)]
        drug: String,
    },
    /// Add a strength a drug comes in, so it can be prescribed (admins and doctors; audited).
    /// A prescription names only strengths its drug is known in.
    Strength {
        /// The strength, such as `7 mg` or `125 mg/5 mL`; written in safe notation.
        strength: String,
        /// The drug (generic name or code).
        #[arg(long)]
        drug: String,
    },
}

#[derive(Debug, Args)]
pub struct DrugArgs {
    /// Generic name.
    #[arg(long)]
    generic: String,
    /// Class (see `tend drug classes`) [default: other].
    #[arg(long, default_value = "")]
    class: String,
    /// Dose forms, comma-separated: `tablet, oral solution`.
    #[arg(long)]
    forms: String,
    /// Strengths, separated by commas or semicolons: `250 mg, 500 mg` (semicolons where the
    /// clinic writes decimal commas: `0,5 mg; 1 mg`).
    #[arg(long)]
    strengths: String,
    /// Routes, comma-separated: `oral` or `PO, IV`.
    #[arg(long)]
    routes: String,
    /// The adult maximum per day, such as `4000 mg`.
    #[arg(long, default_value = "")]
    max_daily: String,
}

const ITEM_HELP: &str = "One drug, as `key=value` pairs separated by `;`: drug, strength, form, \
     dose, route, frequency, duration, quantity, refills, instructions. For example \
     `drug=amoxicillin; strength=500 mg; form=capsule; dose=1 capsule; route=PO; frequency=TID; \
     duration=7 days`. Frequency takes OD, BID, TID, QID, q8h, QHS, weekly, PRN and plain words; \
     quantity is worked out from dose, frequency and duration when left out. Repeat for more \
     drugs.";

#[derive(Debug, Subcommand)]
pub enum RxCommand {
    /// Write a draft prescription for a patient (prescribers).
    New {
        mrn: String,
        #[arg(long = "item", required = true, help = ITEM_HELP)]
        items: Vec<String>,
    },
    /// Replace a draft's items.
    Edit {
        id: String,
        #[arg(long = "item", required = true, help = ITEM_HELP)]
        items: Vec<String>,
    },
    /// The allergy, interaction, duplicate and dose warnings signing would meet now.
    Check { id: String },
    /// Sign a draft. Each warning of moderate severity or worse needs a reason:
    /// --reason KEY=TEXT (KEY as `tend rx check` shows it; `all=TEXT` covers every one).
    Sign {
        id: String,
        #[arg(long = "reason")]
        reasons: Vec<String>,
    },
    /// Cancel a signed prescription, with the reason.
    Cancel {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Start a new draft with the same items as a signed or cancelled prescription.
    Renew { id: String },
    /// A patient's prescriptions, newest first (drafts only for prescribers).
    List { mrn: String },
    /// One prescription, by number (K7-RX-000045) or id.
    Show { id: String },
    /// Print a signed prescription to a PDF on the clinic's letterhead and paper.
    Print {
        id: String,
        /// Where to write it (`-` for stdout).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClinicCommand {
    /// The clinic's settings and letterhead.
    Show,
    /// Change the clinic's name, time zone, currency or units (admins).
    Set {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        /// metric or us.
        #[arg(long)]
        units: Option<String>,
    },
    /// What documents print at their head, and the paper (admins). Options not given keep
    /// their value.
    Letterhead {
        /// One line of the address; repeat for each line (up to 6).
        #[arg(long = "address")]
        address: Vec<String>,
        #[arg(long)]
        phone: Option<String>,
        /// Registration, licence or tax number.
        #[arg(long)]
        registration: Option<String>,
        /// a4, letter or a5.
        #[arg(long)]
        paper: Option<String>,
    },
    /// How invoices, receipts and statements print (admins): the locale amounts and dates are
    /// written in, the tax number, and a footer. Options not given keep their value.
    Billing {
        /// es-ES, en-US, en-GB, es-MX, fr-FR, de-DE, it-IT, pt-PT, pt-BR or nl-NL.
        #[arg(long)]
        locale: Option<String>,
        /// The clinic's tax number, printed on invoices.
        #[arg(long)]
        tax_id: Option<String>,
        /// Printed at the foot of invoices: payment terms, bank details.
        #[arg(long)]
        footer: Option<String>,
    },
    /// How many minutes a desktop may sit untouched before it locks (admins; 1 to 240).
    IdleLock { minutes: String },
    /// How many minutes a break-glass opening of a chart lasts (admins; 5 to 480).
    BreakGlass { minutes: String },
    /// Keep this desktop's database key in the OS keyring (on), or not (off: the passphrase is
    /// asked at every opening; for a clinic whose staff share one OS login). Admins.
    Keyring {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// The logo printed on documents: a PNG or JPEG of at most 512 KiB (admins).
    Logo {
        file: Option<PathBuf>,
        /// Print no logo.
        #[arg(long, conflicts_with = "file")]
        remove: bool,
    },
}

pub fn drug(cmd: &DrugCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        DrugCommand::Search { query, limit } => {
            show::drugs(out, &rx::search_drugs(tend, me, query, *limit)?)
        }
        DrugCommand::Show { drug } => show::drug(out, &rx::drug(tend, me, drug)?, ""),
        DrugCommand::Classes => show::classes(out, &rx::drug_classes()),
        DrugCommand::Add(a) => show::drug(
            out,
            &rx::add_clinic_drug(
                tend,
                me,
                &ClinicDrugForm {
                    generic: &a.generic,
                    class: &a.class,
                    forms: &a.forms,
                    strengths: &a.strengths,
                    routes: &a.routes,
                    max_daily: &a.max_daily,
                },
            )?,
            "Added",
        ),
        DrugCommand::Brand { brand, drug } => show::drug(
            out,
            &rx::add_brand(tend, me, brand, drug)?,
            "Brand added to",
        ),
        DrugCommand::Strength { strength, drug } => show::drug(
            out,
            &rx::add_strength(tend, me, drug, strength)?,
            "Strength added to",
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status when signing is refused for want of reasons (nothing was signed).
const NEEDS_REASONS: u8 = 5;

pub fn prescription(cmd: &RxCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    match cmd {
        RxCommand::New { mrn, items } => {
            let items = parse_items(items)?;
            show::rx(out, &rx::create_draft(tend, me, mrn, &items)?, tz, "Draft");
        }
        RxCommand::Edit { id, items } => {
            let items = parse_items(items)?;
            show::rx(out, &rx::edit_draft(tend, me, id, &items)?, tz, "Draft");
        }
        RxCommand::Check { id } => show::warnings(out, &rx::check_draft(tend, me, id)?),
        RxCommand::Sign { id, reasons } => {
            let reasons = parse_reasons(reasons)?;
            match rx::sign(tend, me, id, &reasons) {
                Ok(signed) => show::rx(out, &signed, tz, "Signed"),
                Err(e @ CoreError::Warnings(_)) => {
                    out.error(&e.into());
                    return Ok(ExitCode::from(NEEDS_REASONS));
                }
                Err(e) => return Err(e.into()),
            }
        }
        RxCommand::Cancel { id, reason } => {
            show::rx(out, &rx::cancel(tend, me, id, reason)?, tz, "Cancelled")
        }
        RxCommand::Renew { id } => show::rx(out, &rx::renew(tend, me, id)?, tz, "Renewed as"),
        RxCommand::List { mrn } => show::rx_list(out, &rx::list(tend, me, mrn)?, tz),
        RxCommand::Show { id } => show::rx(out, &rx::get(tend, me, id)?, tz, ""),
        RxCommand::Print { id, out: file } => {
            let printed = rx::print(tend, me, id)?;
            write_file(file, &printed.pdf)?;
            show::printed(out, &printed, file);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn clinic_command(
    cmd: &ClinicCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let now = clinic::settings(tend, me)?;
    let settings = match cmd {
        ClinicCommand::Show => now,
        ClinicCommand::Set {
            name,
            timezone,
            currency,
            units,
        } => clinic::update_settings(
            tend,
            me,
            &clinic::SettingsForm {
                name: name.as_deref().unwrap_or(&now.name),
                timezone: timezone.as_deref().unwrap_or(&now.timezone),
                currency: currency.as_deref().unwrap_or(&now.currency),
                units: units.as_deref().unwrap_or(&now.units),
            },
        )?,
        ClinicCommand::Letterhead {
            address,
            phone,
            registration,
            paper,
        } => {
            let address = if address.is_empty() {
                now.address.clone()
            } else {
                address.join("\n")
            };
            clinic::update_letterhead(
                tend,
                me,
                &clinic::LetterheadForm {
                    address: &address,
                    phone: phone.as_deref().unwrap_or(&now.phone),
                    registration: registration.as_deref().unwrap_or(&now.registration),
                    paper: paper.as_deref().unwrap_or(&now.paper),
                },
            )?
        }
        ClinicCommand::Billing {
            locale,
            tax_id,
            footer,
        } => clinic::update_billing_settings(
            tend,
            me,
            &clinic::BillingSettingsForm {
                locale: locale.as_deref().unwrap_or(&now.locale),
                tax_id: tax_id.as_deref().unwrap_or(&now.tax_id),
                invoice_footer: footer.as_deref().unwrap_or(&now.invoice_footer),
            },
        )?,
        ClinicCommand::IdleLock { minutes } => clinic::set_idle_lock(tend, me, minutes)?,
        ClinicCommand::BreakGlass { minutes } => clinic::set_break_glass(tend, me, minutes)?,
        ClinicCommand::Keyring { state } => clinic::set_keyring(tend, me, state == "on")?,
        ClinicCommand::Logo { file, remove } => {
            let image = match (file, remove) {
                (Some(file), _) => Some(
                    std::fs::read(file)
                        .with_context(|| format!("could not read {}", file.display()))?,
                ),
                (None, true) => None,
                (None, false) => bail!("give the logo's FILE, or --remove to print no logo"),
            };
            clinic::set_logo(tend, me, image.as_deref())?
        }
    };
    show::clinic(out, &settings);
    Ok(ExitCode::SUCCESS)
}

/// `drug=amoxicillin; strength=500 mg; …` into the form. Errors name the item and the key.
fn parse_items(items: &[String]) -> Result<Vec<ItemForm>> {
    items
        .iter()
        .enumerate()
        .map(|(i, text)| parse_item(text).map_err(|e| anyhow!("--item {}: {e}", i + 1)))
        .collect()
}

fn parse_item(text: &str) -> std::result::Result<ItemForm, String> {
    let mut f = ItemForm::default();
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} needs the form key=value"))?;
        let value = value.trim().to_owned();
        let slot = match key.trim().to_ascii_lowercase().as_str() {
            "drug" => &mut f.drug,
            "strength" => &mut f.strength,
            "form" => &mut f.form,
            "dose" => &mut f.dose,
            "route" => &mut f.route,
            "frequency" | "freq" => &mut f.frequency,
            "duration" | "days" => &mut f.duration,
            "quantity" | "qty" => &mut f.quantity,
            "refills" => &mut f.refills,
            "instructions" | "note" => &mut f.instructions,
            other => {
                return Err(format!(
                    "{other:?} is not an item key; use drug, strength, form, dose, route, \
                     frequency, duration, quantity, refills or instructions"
                ));
            }
        };
        *slot = value;
    }
    if f.drug.trim().is_empty() {
        return Err("drug=… is required".to_owned());
    }
    Ok(f)
}

/// `KEY=TEXT` pairs for signing over warnings.
fn parse_reasons(reasons: &[String]) -> Result<Vec<(String, String)>> {
    reasons
        .iter()
        .map(|r| {
            r.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| {
                    anyhow!("--reason {r:?} needs the form KEY=TEXT, with KEY from `tend rx check`")
                })
        })
        .collect()
}

/// Writes the whole file or nothing: to a temporary file beside it, then renamed over it.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes)?;
        return Ok(stdout.flush()?);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("could not write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_from_the_command_line() {
        let f = parse_item(
            "drug=amoxicillin; strength=500 mg ;form=capsule; dose=1 capsule; route=PO; freq=TID; \
             days=7; note=Take with food",
        );
        let f = f.as_ref().map_err(String::as_str);
        assert_eq!(f.map(|f| f.drug.as_str()), Ok("amoxicillin"));
        assert_eq!(f.map(|f| f.frequency.as_str()), Ok("TID"));
        assert_eq!(f.map(|f| f.duration.as_str()), Ok("7"));
        assert_eq!(f.map(|f| f.instructions.as_str()), Ok("Take with food"));
        let err = |s: &str| parse_item(s).err().unwrap_or_default();
        assert!(err("drug=x; dosage=1").contains("\"dosage\" is not an item key"));
        assert!(err("amoxicillin").contains("key=value"));
        assert!(err("strength=5 mg").contains("drug=… is required"));
        let e = parse_items(&["drug=a".into(), "drug=b; colour=red".into()])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("--item 2:"), "{e}");
        assert!(parse_reasons(&["no equals".into()]).is_err());
        assert_eq!(
            parse_reasons(&["interaction:a:b = INR checked".into()]).ok(),
            Some(vec![("interaction:a:b".into(), "INR checked".into())])
        );
    }
}
