//! `tend`: the clinic from a terminal. The same tend-core the desktop app uses; every command is
//! a thin call into it. Errors are one line on stderr and a non-zero exit.

mod bench;
mod commands;
mod demo;
mod output;
mod secrets;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use clap::{Args, Parser, Subcommand};
use tend_core::clinic::{self, InitRequest, Unlock};
use tend_core::{CoreError, Environment, Session, SystemClock, Tend, auth};
use tend_store::keyring::{Bounded, Keyring, NoKeyring, OsKeyring};

use output::Output;

#[derive(Debug, Parser)]
#[command(
    name = "tend",
    version,
    about = "Tend, the offline-first clinic record, from a terminal",
    after_help = "Secrets are never flags. They come from the OS keyring, from environment \
                  variables (TEND_PASSPHRASE for the clinic, TEND_PASSWORD for --user, \
                  TEND_NEW_PASSWORD / TEND_NEW_PASSPHRASE for ones being set, \
                  TEND_RECOVERY_KEY), or from a prompt.\n\nExit status: 0 done, 1 error, \
                  2 bad usage, 3 a verification found a problem, 4 possible duplicate patients (nothing saved), \
                  5 signing needs a reason for a warning (nothing signed)."
)]
struct Cli {
    /// The clinic's data folder [default: the OS's per-user data folder].
    #[arg(long, global = true, env = "TEND_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Who is doing this (their password comes from TEND_PASSWORD or a prompt).
    #[arg(long, global = true, env = "TEND_USER")]
    user: Option<String>,

    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

// Parsed once per run; the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Create a clinic: its encrypted database, key slots and first admin. Prints the recovery
    /// key once.
    Init(InitArgs),
    /// Manage users (admins).
    #[command(subcommand)]
    User(UserCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Integrity checks: SQLite, SQLCipher, rows against the change log, the audit chain.
    Check,
    /// Backups: `tend backup FILE` writes one now, verified; `run`, `verify`, `status`,
    /// `folder` and `schedule` manage the automatic ones.
    Backup(commands::backup::BackupArgs),
    /// Replace the clinic's database with a backup (or set up this machine from one).
    Restore {
        file: PathBuf,
        /// For a backup of another desktop that syncs: whether this computer replaces that
        /// desktop (`yes`: it takes its place and that desktop stops syncing) or not (`no`: a
        /// copy of the records that does not sync).
        #[arg(long, value_parser = ["yes", "no"])]
        replaces_desktop: Option<String>,
    },
    /// The clinic passphrase that unlocks the database.
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// The clinic's settings and this device.
    Status,
    /// Sync with the clinic's other desktops through a sync server.
    #[command(subcommand)]
    Sync(commands::sync::SyncCommand),
    /// The clinic's settings, letterhead and logo.
    #[command(subcommand)]
    Clinic(commands::prescriptions::ClinicCommand),
    /// Patients: search, register, show, edit, merge.
    #[command(subcommand)]
    Patient(commands::patients::PatientCommand),
    /// A patient's chart: the summary, or with --full every list with its history.
    Chart {
        mrn: String,
        #[arg(long)]
        full: bool,
    },
    /// Visits and their notes.
    #[command(subcommand)]
    Visit(commands::chart::VisitCommand),
    /// Note templates.
    #[command(subcommand)]
    Template(commands::chart::TemplateCommand),
    /// Allergies and intolerances.
    #[command(subcommand)]
    Allergy(commands::chart::AllergyCommand),
    /// Problems (diagnoses), coded from ICD-10-CM.
    #[command(subcommand)]
    Problem(commands::chart::ProblemCommand),
    /// Medications.
    #[command(subcommand)]
    Med(commands::chart::MedCommand),
    /// Record vital signs, in the clinic's units.
    Vitals(commands::chart::VitalsArgs),
    /// Immunizations.
    #[command(subcommand)]
    Immunization(commands::chart::ImmunizationCommand),
    /// Mark an allergy, problem, medication, vitals or immunization as entered in error.
    Error {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Search ICD-10-CM by code or words (no sign-in needed: public reference data).
    Icd {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// The schedule: the day and week, clinicians' hours, days off, rooms, appointment types.
    #[command(subcommand)]
    Schedule(commands::schedule::ScheduleCommand),
    /// Appointments: book, move, cancel, check in, start, complete, no-show, free slots.
    #[command(subcommand, alias = "appt")]
    Appointment(commands::schedule::AppointmentCommand),
    /// Who has checked in today (or DATE), in order, and how long they have waited.
    Queue { date: Option<String> },
    /// Patients waiting for an earlier appointment.
    #[command(subcommand)]
    Waitlist(commands::schedule::WaitlistCommand),
    /// Tomorrow's (or DATE's) appointments with phone numbers and the reminder message; --csv
    /// writes them for the clinic's calling or texting tool.
    Reminders {
        date: Option<String>,
        /// Write CSV to this file (`-` for stdout).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// The drug catalog: search, details, the clinic's own drugs and brand names.
    #[command(subcommand)]
    Drug(commands::prescriptions::DrugCommand),
    /// Prescriptions: write, check, sign, cancel, renew, list, show, print.
    #[command(subcommand)]
    Rx(commands::prescriptions::RxCommand),
    /// The fee schedule (admins set it).
    #[command(subcommand)]
    Fee(commands::billing::FeeCommand),
    /// Tax rates for the fee schedule (admins set them).
    #[command(subcommand)]
    Tax(commands::billing::TaxCommand),
    /// Billable services recorded on a visit, for the desk to invoice.
    #[command(subcommand)]
    Service(commands::billing::ServiceCommand),
    /// Invoices: draft, lines, issue, pay, refund, void, credit note, print, receipts.
    #[command(subcommand)]
    Invoice(commands::billing::InvoiceCommand),
    /// A patient's account: balance, statement, handing back credit.
    #[command(subcommand)]
    Account(commands::billing::AccountCommand),
    /// The day's takings by method, for a user or everyone: what the drawer should hold.
    Closeout(commands::billing::CloseoutArgs),
    /// Create a demo clinic here (if there is none) and show around; --patients fills it with a
    /// synthetic clinic.
    Demo(demo::DemoArgs),
    /// Measure performance on synthetic clinics.
    Bench(bench::BenchArgs),
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The clinic's name, as printed on documents.
    #[arg(long)]
    clinic: String,
    /// The first admin's username (password from TEND_PASSWORD or a prompt).
    #[arg(long)]
    admin: String,
    /// The first admin's full name [default: the username].
    #[arg(long)]
    admin_name: Option<String>,
    /// IANA time zone such as Europe/Madrid.
    #[arg(long, default_value = "UTC")]
    timezone: String,
    /// ISO 4217 currency code such as EUR.
    #[arg(long, default_value = "USD")]
    currency: String,
    /// What to call this computer.
    #[arg(long, default_value = "Desktop")]
    device_name: String,
    /// Units for vital signs: metric (°C, kg, cm) or us (°F, lb, in).
    #[arg(long, default_value = "metric")]
    units: String,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user (their password from TEND_NEW_PASSWORD or a prompt).
    Add {
        username: String,
        /// Full name, as shown and printed.
        #[arg(long)]
        name: String,
        /// Roles, comma-separated: admin, doctor, nurse, receptionist.
        #[arg(long = "role", alias = "roles")]
        roles: String,
        /// Professional licence number (prescribers).
        #[arg(long, alias = "license")]
        licence: Option<String>,
    },
    /// List users with their roles and state.
    List,
    /// Disable an account (it can no longer sign in).
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Unlock an account locked after failed sign-ins.
    Unlock { username: String },
    /// Let a locked-out administrator in at once with the clinic passphrase (TEND_PASSPHRASE or a
    /// prompt) or, with --recovery-key, the recovery key (TEND_RECOVERY_KEY); needs no sign-in.
    UnlockAdmin {
        username: String,
        #[arg(long)]
        recovery_key: bool,
    },
    /// Replace a user's roles.
    Roles {
        username: String,
        #[arg(long = "role", alias = "roles")]
        roles: String,
    },
    /// Record a user's professional licence number (prescribers need one to sign); "" clears it.
    #[command(alias = "license")]
    Licence { username: String, licence: String },
    /// Set a new password for a user (from TEND_NEW_PASSWORD or a prompt).
    ResetPassword { username: String },
    /// Change your own password (current: TEND_PASSWORD; new: TEND_NEW_PASSWORD).
    Passwd,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the audit chain: exit 0 with the count when intact, 3 and the first bad entry when not.
    Verify,
    /// Everything the audit log says about one record (a prescription, a visit, a patient's id).
    Trail { record: String },
}

#[derive(Debug, Subcommand)]
enum PassphraseCommand {
    /// Set a new clinic passphrase (admins; new one from TEND_NEW_PASSPHRASE or a prompt).
    Change,
    /// Forgotten passphrase: set a new one with the recovery key (TEND_RECOVERY_KEY).
    Reset,
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    logging(&cli);
    let out = Output::new(cli.json);
    match run(&cli, &out) {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

/// `tend schedule day today | head` closes stdout early; that ends the command quietly, as it
/// would for any Unix tool, instead of with a panic message. Writes were already committed before
/// anything is printed, so nothing is lost.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// Logs go to `logs/tend.log` in the data folder, so stderr carries only what the person needs;
/// `TEND_LOG=debug` (or another level) sends them to stderr instead. They never hold patient data.
fn logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    if let Ok(filter) = EnvFilter::try_from_env("TEND_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        return;
    }
    let Ok(dir) = data_dir(cli) else { return };
    let logs = dir.join("logs");
    let file = std::fs::create_dir_all(&logs).and_then(|()| {
        std::fs::File::options()
            .create(true)
            .append(true)
            .open(logs.join("tend.log"))
    });
    if let Ok(file) = file {
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init();
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    directories::ProjectDirs::from("org", "Tend", "Tend")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| anyhow!("no home folder to keep the clinic in; pass --data-dir"))
}

fn environment() -> Environment {
    let keyring: Arc<dyn Keyring> = match std::env::var("TEND_KEYRING").as_deref() {
        Ok("off") => Arc::new(NoKeyring),
        _ => Arc::new(Bounded::new(Arc::new(OsKeyring), tend_core::KEYRING_WAIT)),
    };
    Environment {
        clock: Arc::new(SystemClock),
        keyring,
    }
}

/// Opens the clinic: the OS keyring first, then TEND_PASSPHRASE, then a prompt.
fn open(dir: &Path) -> Result<Tend> {
    match clinic::open(dir, Unlock::Keyring, environment()) {
        Ok(tend) => return Ok(tend),
        Err(CoreError::PassphraseNeeded { reason }) => {
            tracing::debug!(%reason, "asking for the passphrase")
        }
        Err(e) => return Err(e.into()),
    }
    let passphrase = secrets::read(secrets::PASSPHRASE, "the clinic passphrase")?;
    Ok(clinic::open(
        dir,
        Unlock::Passphrase(&passphrase),
        environment(),
    )?)
}

/// Signs in the `--user`.
fn sign_in(cli: &Cli, tend: &Tend, out: &Output) -> Result<Session> {
    let user = cli.user.as_deref().ok_or_else(|| {
        anyhow!("this needs a signed-in user: pass --user NAME (or set TEND_USER)")
    })?;
    let password = secrets::read(secrets::PASSWORD, &format!("the password for {user}"))?;
    let session = auth::sign_in(tend, user, &password)?;
    if session.roles().contains(tend_domain::Role::Admin)
        && let Some(warning) = tend.audit_warning()
    {
        out.warning(&format!("{warning}; run `tend audit verify`"));
    }
    Ok(session)
}

fn run(cli: &Cli, out: &Output) -> Result<ExitCode> {
    let dir = data_dir(cli)?;
    match &cli.command {
        Command::Init(args) => init(&dir, args, out),
        Command::Demo(args) => demo::run(&dir, args, out),
        Command::Icd { query, limit } => {
            output::chart::icd(out, &tend_core::chart::records::icd_search(query, *limit)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => bench::run(args, out),
        Command::Drug(commands::prescriptions::DrugCommand::Classes) => {
            output::prescriptions::classes(out, &tend_core::prescriptions::drug_classes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(commands::backup::BackupArgs {
            command:
                Some(
                    cmd @ (commands::backup::BackupCommand::Run { .. }
                    | commands::backup::BackupCommand::Verify { .. }),
                ),
            ..
        }) => commands::backup::without_sign_in(cmd, || open(&dir), out),
        Command::Restore {
            file,
            replaces_desktop,
        } if !Tend::exists(&dir) => restore_without_sign_in(
            &dir,
            file,
            Restore::NewMachine,
            replaces(replaces_desktop),
            out,
        ),
        Command::User(UserCommand::UnlockAdmin {
            username,
            recovery_key,
        }) => {
            let tend = open(&dir)?;
            if *recovery_key {
                let key = secrets::read(secrets::RECOVERY_KEY, "the recovery key")?;
                auth::unlock_admin(&tend, username, Unlock::RecoveryKey(&key))?;
            } else {
                let passphrase = secrets::read(secrets::PASSPHRASE, "the clinic passphrase")?;
                auth::unlock_admin(&tend, username, Unlock::Passphrase(&passphrase))?;
            }
            out.done(&format!("{username} can sign in again."));
            Ok(ExitCode::SUCCESS)
        }
        Command::Passphrase(PassphraseCommand::Reset) => {
            let recovery = secrets::read(secrets::RECOVERY_KEY, "the recovery key")?;
            let new = secrets::read_new(secrets::NEW_PASSPHRASE, "the new clinic passphrase")?;
            tend_core::passphrase::reset_with_recovery_key(&dir, &recovery, &new, environment())?;
            out.done("The clinic passphrase was changed. Keep the recovery key somewhere safe.");
            Ok(ExitCode::SUCCESS)
        }
        command => {
            let tend = match (open(&dir), command) {
                (
                    Err(e),
                    Command::Restore {
                        file,
                        replaces_desktop,
                    },
                ) if is_damaged(&e) => {
                    return restore_without_sign_in(
                        &dir,
                        file,
                        Restore::OverDamaged,
                        replaces(replaces_desktop),
                        out,
                    );
                }
                (other, _) => other?,
            };
            let session = sign_in(cli, &tend, out)?;
            signed_in(command, tend, &session, out)
        }
    }
}

fn is_damaged(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<CoreError>(), Some(CoreError::Damaged))
}

fn signed_in(command: &Command, tend: Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    use tend_core::{audit, backup, passphrase, users};
    match command {
        Command::User(cmd) => match cmd {
            UserCommand::Add {
                username,
                name,
                roles,
                licence,
            } => {
                let password = secrets::read_new(
                    secrets::NEW_PASSWORD,
                    &format!("the password for the new user {username}"),
                )?;
                let user = users::add(
                    &tend,
                    me,
                    &users::NewUser {
                        username,
                        display_name: name,
                        roles,
                        licence_number: licence.as_deref().unwrap_or_default(),
                        password: &password,
                    },
                )?;
                out.user(&user, "Added");
            }
            UserCommand::List => out.users(&users::list(&tend, me)?),
            UserCommand::Disable { username } => {
                out.user(&users::set_disabled(&tend, me, username, true)?, "Disabled")
            }
            UserCommand::Enable { username } => {
                out.user(&users::set_disabled(&tend, me, username, false)?, "Enabled")
            }
            UserCommand::Unlock { username } => {
                out.user(&users::unlock(&tend, me, username)?, "Unlocked")
            }
            // Handled before signing in: it is for when no admin can.
            UserCommand::UnlockAdmin { .. } => return unreachable_command(),
            UserCommand::Roles { username, roles } => {
                out.user(&users::set_roles(&tend, me, username, roles)?, "Updated")
            }
            UserCommand::Licence { username, licence } => out.user(
                &users::set_licence(&tend, me, username, licence)?,
                "Updated",
            ),
            UserCommand::ResetPassword { username } => {
                let password = secrets::read_new(
                    secrets::NEW_PASSWORD,
                    &format!("the new password for {username}"),
                )?;
                out.user(
                    &users::reset_password(&tend, me, username, &password)?,
                    "Password reset for",
                );
            }
            UserCommand::Passwd => {
                let current = secrets::read(secrets::PASSWORD, "your current password")?;
                let new = secrets::read_new(secrets::NEW_PASSWORD, "your new password")?;
                users::change_own_password(&tend, me, &current, &new)?;
                out.done("Your password was changed.");
            }
        },
        Command::Audit(AuditCommand::Trail { record }) => {
            let id = uuid::Uuid::parse_str(record.trim())
                .map_err(|_| anyhow!("{record:?} is not a record id"))?;
            output::trail(
                out,
                &audit::trail(&tend, me, id)?,
                output::chart::timezone(&tend, me)?,
            );
        }
        Command::Audit(AuditCommand::Verify) => {
            let report = audit::verify(&tend, me)?;
            out.audit(&report);
            if !report.intact {
                return Ok(ExitCode::from(3));
            }
        }
        Command::Check => {
            let report = audit::check_database(&tend, me)?;
            out.consistency(&report);
            if !report.is_consistent() {
                return Ok(ExitCode::from(3));
            }
        }
        Command::Backup(args) => match (&args.file, &args.command) {
            (Some(file), _) => out.backup(&backup::create(&tend, me, file)?),
            (None, Some(cmd)) => return commands::backup::signed_in(cmd, &tend, me, out),
            (None, None) => {
                return Err(anyhow!(
                    "say where: `tend backup FILE`, or see `tend backup --help`"
                ));
            }
        },
        Command::Restore {
            file,
            replaces_desktop,
        } => {
            let progress = out.backup_progress();
            let (_, info) = backup::restore(tend, me, file, replaces(replaces_desktop), &progress)?;
            out.restore(&info);
        }
        Command::Passphrase(PassphraseCommand::Change) => {
            let new = secrets::read_new(secrets::NEW_PASSPHRASE, "the new clinic passphrase")?;
            passphrase::change(&tend, me, &new)?;
            out.done("The clinic passphrase was changed. The database key did not change.");
        }
        Command::Status => out.status(&clinic::settings(&tend, me)?, me),
        Command::Sync(cmd) => return commands::sync::run(cmd, &tend, me, out),
        Command::Clinic(cmd) => {
            return commands::prescriptions::clinic_command(cmd, &tend, me, out);
        }
        Command::Drug(cmd) => return commands::prescriptions::drug(cmd, &tend, me, out),
        Command::Rx(cmd) => return commands::prescriptions::prescription(cmd, &tend, me, out),
        Command::Fee(cmd) => return commands::billing::fee(cmd, &tend, me, out),
        Command::Tax(cmd) => return commands::billing::tax(cmd, &tend, me, out),
        Command::Service(cmd) => return commands::billing::service(cmd, &tend, me, out),
        Command::Invoice(cmd) => return commands::billing::invoice(cmd, &tend, me, out),
        Command::Account(cmd) => return commands::billing::account(cmd, &tend, me, out),
        Command::Closeout(args) => return commands::billing::closeout(args, &tend, me, out),
        Command::Patient(cmd) => return commands::patients::patient(cmd, &tend, me, out),
        Command::Chart { mrn, full } => {
            return commands::chart::chart_of(mrn, *full, &tend, me, out);
        }
        Command::Visit(cmd) => return commands::chart::visit(cmd, &tend, me, out),
        Command::Template(cmd) => return commands::chart::template(cmd, &tend, me, out),
        Command::Allergy(cmd) => return commands::chart::allergy(cmd, &tend, me, out),
        Command::Problem(cmd) => return commands::chart::problem(cmd, &tend, me, out),
        Command::Med(cmd) => return commands::chart::medication(cmd, &tend, me, out),
        Command::Vitals(args) => return commands::chart::vitals(args, &tend, me, out),
        Command::Immunization(cmd) => return commands::chart::immunization(cmd, &tend, me, out),
        Command::Error { id, reason } => {
            return commands::chart::entered_in_error(id, reason, &tend, me, out);
        }
        Command::Schedule(cmd) => return commands::schedule::schedule_command(cmd, &tend, me, out),
        Command::Appointment(cmd) => return commands::schedule::appointment(cmd, &tend, me, out),
        Command::Queue { date } => {
            return commands::schedule::queue(date.as_deref(), &tend, me, out);
        }
        Command::Waitlist(cmd) => return commands::schedule::waitlist(cmd, &tend, me, out),
        Command::Reminders { date, csv } => {
            return commands::schedule::reminders(date.as_deref(), csv.as_ref(), &tend, me, out);
        }
        Command::Init(_)
        | Command::Demo(_)
        | Command::Icd { .. }
        | Command::Bench(_)
        | Command::Passphrase(PassphraseCommand::Reset) => {
            unreachable!("handled before sign-in")
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn init(dir: &Path, args: &InitArgs, out: &Output) -> Result<ExitCode> {
    let password = secrets::read_new(
        secrets::PASSWORD,
        &format!("the password for the administrator {}", args.admin),
    )?;
    let passphrase = secrets::read_new(secrets::PASSPHRASE, "the clinic passphrase")?;
    let done = clinic::init(
        dir,
        &InitRequest {
            clinic_name: &args.clinic,
            timezone: &args.timezone,
            currency: &args.currency,
            device_name: &args.device_name,
            admin_username: &args.admin,
            admin_display_name: args.admin_name.as_deref().unwrap_or(&args.admin),
            admin_password: &password,
            passphrase: &passphrase,
            units: &args.units,
        },
        environment(),
    )?;
    out.initialized(dir, &done);
    Ok(ExitCode::SUCCESS)
}

/// The restores that need no sign-in: onto a machine with no clinic, and over a database that
/// can no longer be read. The clinic passphrase or the recovery key is the authority.
#[derive(Debug, Clone, Copy)]
enum Restore {
    NewMachine,
    OverDamaged,
}

/// The answer to "does this computer replace that desktop?", from `--replaces-desktop`.
fn replaces(flag: &Option<String>) -> tend_core::backup::Replaces {
    use tend_core::backup::Replaces;
    match flag.as_deref() {
        Some("yes") => Replaces::Yes,
        Some("no") => Replaces::No,
        _ => Replaces::Ask,
    }
}

fn restore_without_sign_in(
    dir: &Path,
    file: &Path,
    how: Restore,
    replaces: tend_core::backup::Replaces,
    out: &Output,
) -> Result<ExitCode> {
    let restore = match how {
        Restore::NewMachine => tend_core::backup::restore_new,
        Restore::OverDamaged => tend_core::backup::restore_damaged,
    };
    let env = environment();
    let progress = out.backup_progress();
    let result = if let Some(recovery) = secrets::from_env(secrets::RECOVERY_KEY) {
        restore(
            dir,
            file,
            Unlock::RecoveryKey(&recovery),
            replaces,
            env,
            &progress,
        )
    } else {
        let passphrase = secrets::read(secrets::PASSPHRASE, "the clinic passphrase")?;
        restore(
            dir,
            file,
            Unlock::Passphrase(&passphrase),
            replaces,
            env,
            &progress,
        )
    };
    let (_, info) = result?;
    out.restore(&info);
    Ok(ExitCode::SUCCESS)
}

/// A command dispatched before sign-in never reaches the signed-in match.
fn unreachable_command() -> Result<ExitCode> {
    Err(anyhow!("this command runs without signing in"))
}
