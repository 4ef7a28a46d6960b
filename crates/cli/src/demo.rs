//! `tend demo`: a demo clinic with a few users, then a short tour of what works so far. The
//! README's run command starts here until the desktop app takes over.
#![allow(clippy::print_stdout)]

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
    Ok((done.tend, true))
}

pub fn run(dir: &Path, out: &Output) -> Result<ExitCode> {
    let (tend, created) = open_or_create(dir, out)?;
    let admin = auth::sign_in(&tend, "admin", DEMO_ADMIN_PASSWORD)?;
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
            "clinic": clinic,
            "users": people,
            "backup": made,
            "audit": verified,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    println!(
        "{} — the demo clinic ({} a new one)",
        clinic.name,
        if created { "this is" } else { "reopened" }
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
    println!();
    println!(
        "Demo sign-ins: admin / {DEMO_ADMIN_PASSWORD:?}; ana, nina, rosa / \"<name> demo password\"."
    );
    println!("The clinic passphrase is {DEMO_PASSPHRASE:?}. Try, for example:");
    let d = dir.display();
    let tend = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "tend".into());
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
