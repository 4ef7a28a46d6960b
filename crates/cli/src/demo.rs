//! `tend demo`: a demo clinic with a few users, then a short tour of what works so far. The
//! README's run command starts here until the desktop app takes over.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use tend_core::clinic::{self, InitRequest, Unlock};
use tend_core::users::{self, NewUser};
use tend_core::{CoreError, Tend, audit, auth, backup};

use crate::environment;
use crate::output::{Output, human_bytes};

/// The demo clinic's secrets. Known on purpose: it holds only made-up people.
pub const DEMO_PASSPHRASE: &str = "demo clinic passphrase";
pub const DEMO_ADMIN_PASSWORD: &str = "demo admin password";

const DEMO_USERS: &[(&str, &str, &str, &str)] = &[
    ("ana", "Dr. Ana García-López", "doctor", "MD-28-04512"),
    ("luis", "Dr. Luis Ibáñez", "doctor", "MD-28-11873"),
    ("nina", "Nguyễn Thị Ánh", "nurse", ""),
    ("rosa", "Rosa Martínez", "receptionist", ""),
];

fn open_or_create(dir: &Path, out: &Output) -> Result<(Tend, bool)> {
    if Tend::exists(dir) {
        let tend = match clinic::open(dir, Unlock::Keyring, environment()) {
            Ok(tend) => tend,
            Err(CoreError::PassphraseNeeded { .. }) => {
                clinic::open(dir, Unlock::Passphrase(DEMO_PASSPHRASE), environment()).map_err(
                    |e| {
                        anyhow::anyhow!(
                            "{} holds a clinic that is not the demo ({}); use another --data-dir",
                            dir.display(),
                            e.user_message()
                        )
                    },
                )?
            }
            Err(e) => return Err(e.into()),
        };
        return Ok((tend, false));
    }
    if !out.is_json() {
        println!("Setting up the demo clinic in {} …", dir.display());
    }
    let done = clinic::init(
        dir,
        &InitRequest {
            clinic_name: "Clínica Demo Sol",
            timezone: "Europe/Madrid",
            currency: "EUR",
            device_name: "Front desk",
            admin_username: "admin",
            admin_display_name: "Dr. Zoë Ørsted",
            admin_password: DEMO_ADMIN_PASSWORD,
            passphrase: DEMO_PASSPHRASE,
            units: "metric",
        },
        environment(),
    )?;
    let admin = auth::sign_in(&done.tend, "admin", DEMO_ADMIN_PASSWORD)?;
    for (username, name, roles, licence) in DEMO_USERS {
        users::add(
            &done.tend,
            &admin,
            &NewUser {
                username,
                display_name: name,
                roles,
                licence_number: licence,
                password: &format!("{username} demo password"),
            },
        )?;
    }
    clinic::update_letterhead(
        &done.tend,
        &admin,
        &clinic::LetterheadForm {
            address: "Calle del Sol 14, bajo\n28013 Madrid",
            phone: "+34 910 000 000",
            registration: "CIF B-00000000 (demo)",
            paper: "a5",
        },
    )?;
    set_up_schedule(&done.tend)?;
    tend_core::billing::synthetic::standard_fee_schedule(&done.tend, &admin)?;
    clinic::update_billing_settings(
        &done.tend,
        &admin,
        &clinic::BillingSettingsForm {
            locale: "es-ES",
            tax_id: "NIF B-00000000 (demo)",
            invoice_footer: "Payment on the day, in cash or by card. Bank transfer to \
                             ES00 0000 0000 0000 0000 0000 (demo) within 30 days.",
        },
    )?;
    Ok((done.tend, true))
}

/// The demo clinic's week, set up by the receptionist: the clinicians' hours, two rooms and
/// the usual appointment types.
fn set_up_schedule(tend: &Tend) -> Result<()> {
    use tend_core::schedule;
    let rosa = auth::sign_in(tend, "rosa", "rosa demo password")?;
    for (who, hours, breaks) in [
        (
            "ana",
            "mon-thu 09:00-14:00,16:00-19:00; fri 09:00-14:00",
            "mon-fri 11:00-11:20",
        ),
        ("luis", "mon-fri 08:00-15:00", "mon-fri 11:30-11:50"),
        ("nina", "mon-fri 08:00-14:00", ""),
    ] {
        schedule::set_hours(tend, &rosa, who, hours, breaks)?;
    }
    schedule::add_room(tend, &rosa, "Consulting room 1", "mon-fri 08:00-20:00", "")?;
    schedule::add_room(tend, &rosa, "Treatment room", "mon-fri 08:00-15:00", "")?;
    for (name, minutes, colour, needs_room) in [
        ("Consultation", 20, "#3b82f6", false),
        ("First visit", 40, "#f59e0b", false),
        ("Follow-up", 10, "#22c55e", false),
        ("Vaccination", 10, "#a855f7", false),
        ("Minor procedure", 30, "#ef4444", true),
    ] {
        schedule::add_appointment_type(tend, &rosa, name, minutes, colour, needs_room)?;
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Fill a new demo clinic with this many synthetic patients and their histories.
    #[arg(long)]
    patients: Option<usize>,
    /// The seed of the synthetic clinic: the same seed (and --as-of) gives the same clinic.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The day the synthetic history runs up to [default: today].
    #[arg(long)]
    as_of: Option<String>,
}

pub fn run(dir: &Path, args: &DemoArgs, out: &Output) -> Result<ExitCode> {
    let (tend, created) = open_or_create(dir, out)?;
    let admin = auth::sign_in(&tend, "admin", DEMO_ADMIN_PASSWORD)?;
    let (synthetic, appointments, billing) = match args.patients {
        Some(n) if n > 0 => {
            let report = populate(&tend, n, args, out)?;
            let schedule = populate_schedule(&tend, args)?;
            (
                Some(report),
                Some(schedule),
                Some(populate_billing(&tend, n, args)?),
            )
        }
        _ => (None, None, None),
    };
    let clinic = clinic::settings(&tend, &admin)?;
    let people = users::list(&tend, &admin)?;
    let backups = dir.join("backups");
    std::fs::create_dir_all(&backups)?;
    let file = backups.join(format!(
        "demo-{}.tendbackup",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    ));
    let made = backup::create(&tend, &admin, &file)?;
    let verified = audit::verify(&tend, &admin)?;

    if out.is_json() {
        out.json(&serde_json::json!({
            "created": created,
            "synthetic": synthetic,
            "schedule": appointments,
            "billing": billing,
            "clinic": clinic,
            "users": people,
            "backup": made,
            "audit": verified,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    println!(
        "{} — the demo clinic ({})",
        clinic.name,
        if created { "new" } else { "reopened" }
    );
    println!(
        "  data folder {}  (encrypted with SQLCipher)",
        dir.display()
    );
    println!(
        "  time zone {}, currency {}, device code {}",
        clinic.timezone, clinic.currency, clinic.device_code
    );
    println!();
    out.users(&people);
    println!();
    println!(
        "Backup written: {} ({})",
        made.path,
        human_bytes(made.bytes)
    );
    println!(
        "Audit log: {} entries, chain intact: {}",
        verified.verified,
        if verified.intact { "yes" } else { "NO" }
    );
    if let Some(s) = &synthetic {
        println!(
            "Synthetic clinic: {} patients, {} visits, {} clinical events, written in {:.0} s.",
            s.patients, s.visits, s.events, s.seconds
        );
        println!("  patients with 1,000+ visits: {}", s.heavy_mrns.join(", "));
    }
    if let Some(a) = &appointments {
        println!(
            "Synthetic schedule: {} appointments over {} days around today.",
            a.appointments, a.days
        );
    }
    if let Some(b) = &billing {
        println!(
            "Synthetic billing: {} invoices, {} payments, {} credit notes over the last {} working days.",
            b.invoices, b.payments, b.credit_notes, b.days
        );
    }
    println!();
    println!(
        "Demo sign-ins: admin / {DEMO_ADMIN_PASSWORD:?}; ana, luis, nina, rosa / \"<name> demo password\"."
    );
    println!("The clinic passphrase is {DEMO_PASSPHRASE:?}. Try, for example:");
    let d = dir.display();
    let tend = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "tend".into());
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='ana demo password' {tend} --data-dir {d} --user ana patient search garcia"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='rosa demo password' {tend} --data-dir {d} --user rosa schedule day today"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='rosa demo password' {tend} --data-dir {d} --user rosa appointment free --type Consultation"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='ana demo password' {tend} --data-dir {d} --user ana drug search amoxi"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='rosa demo password' {tend} --data-dir {d} --user rosa fee list"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='rosa demo password' {tend} --data-dir {d} --user rosa closeout"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='{DEMO_ADMIN_PASSWORD}' {tend} --data-dir {d} --user admin user list"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='{DEMO_ADMIN_PASSWORD}' {tend} --data-dir {d} --user admin audit verify"
    );
    println!(
        "  TEND_PASSPHRASE='{DEMO_PASSPHRASE}' TEND_PASSWORD='{DEMO_ADMIN_PASSWORD}' {tend} --data-dir {d} --user admin check"
    );
    Ok(ExitCode::SUCCESS)
}

/// A month of history and a month of bookings around the synthetic clinic's day, the next
/// two days booked solid.
fn populate_schedule(
    tend: &Tend,
    args: &DemoArgs,
) -> Result<tend_core::schedule::synthetic::ScheduleReport> {
    let rosa = auth::sign_in(tend, "rosa", "rosa demo password")?;
    Ok(tend_core::schedule::synthetic::populate(
        tend,
        &rosa,
        tend_core::schedule::synthetic::ScheduleFill {
            as_of: as_of(args)?,
            days_before: 30,
            days_after: 30,
            full_days_ahead: 2,
            fill_percent: 70,
            seed: args.seed,
        },
        &|_, _| {},
    )?)
}

/// A month of the desk's billing up to and including the synthetic clinic's day, as the
/// receptionist, so today's close-out has something to count.
fn populate_billing(
    tend: &Tend,
    patients: usize,
    args: &DemoArgs,
) -> Result<tend_core::billing::synthetic::BillingReport> {
    let rosa = auth::sign_in(tend, "rosa", "rosa demo password")?;
    Ok(tend_core::billing::synthetic::populate(
        tend,
        &rosa,
        tend_core::billing::synthetic::BillingFill {
            until: as_of(args)? + chrono::Duration::days(1),
            days: 30,
            per_day: 40,
            patients,
            seed: args.seed,
        },
        &|_, _| {},
    )?)
}

fn as_of(args: &DemoArgs) -> Result<chrono::NaiveDate> {
    Ok(match &args.as_of {
        Some(d) => tend_domain::patients::parse_date("as_of", d)?,
        None => chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Madrid)
            .date_naive(),
    })
}

/// Fills the demo clinic with synthetic patients, as its first doctor.
fn populate(
    tend: &Tend,
    patients: usize,
    args: &DemoArgs,
    out: &Output,
) -> Result<tend_core::synthetic::SyntheticReport> {
    let existing =
        tend_core::patients::count(tend, &auth::sign_in(tend, "admin", DEMO_ADMIN_PASSWORD)?)?;
    if existing > 0 {
        anyhow::bail!(
            "this demo clinic already has {existing} patients; use a new --data-dir for a synthetic clinic"
        );
    }
    let doctor = auth::sign_in(tend, "ana", "ana demo password")?;
    let as_of = as_of(args)?;
    let quiet = out.is_json();
    let started = std::time::Instant::now();
    let report = tend_core::synthetic::populate(
        tend,
        &doctor,
        tend_core::synthetic::SyntheticOptions {
            patients,
            seed: args.seed,
            heavy_patients: if patients >= 1000 {
                3
            } else {
                usize::from(patients >= 10)
            },
            as_of,
        },
        &|done| {
            if !quiet && (done % 5000 == 0 || done == patients) {
                eprintln!(
                    "demo: {done} of {patients} patients ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        },
    )?;
    Ok(report)
}
