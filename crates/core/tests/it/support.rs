//! A real clinic in a temp folder, a clock the tests move, and no OS keyring.

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tend_core::clinic::{self, InitRequest};
use tend_core::clock::ManualClock;
use tend_core::users::{self, NewUser};
use tend_core::{Environment, Session, Tend, auth};
use tend_store::keyring::NoKeyring;

pub const PASSPHRASE: &str = "clinic passphrase 2026";
pub const ADMIN_PASSWORD: &str = "admin password 1";

pub struct Clinic {
    pub dir: tempfile::TempDir,
    pub tend: Tend,
    pub clock: Arc<ManualClock>,
    pub admin: Session,
    pub recovery_key: String,
}

impl Clinic {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

pub fn env(clock: &Arc<ManualClock>) -> Environment {
    Environment {
        clock: clock.clone(),
        keyring: Arc::new(NoKeyring),
    }
}

pub fn request() -> InitRequest<'static> {
    InitRequest {
        clinic_name: "Clínica Sol",
        timezone: "Europe/Madrid",
        currency: "EUR",
        device_name: "Front desk",
        admin_username: "admin",
        admin_display_name: "Dr. Zoë Ørsted",
        admin_password: ADMIN_PASSWORD,
        passphrase: PASSPHRASE,
        units: "metric",
    }
}

pub fn clinic() -> Clinic {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let init = clinic::init(dir.path(), &request(), env(&clock)).unwrap();
    let admin = auth::sign_in(&init.tend, "admin", ADMIN_PASSWORD).unwrap();
    Clinic {
        dir,
        tend: init.tend,
        clock,
        admin,
        recovery_key: init.recovery_key.to_string(),
    }
}

/// Adds a user with `roles` and password "<username> password 1", and signs them in.
pub fn person(c: &Clinic, username: &str, roles: &str) -> Session {
    let password = format!("{username} password 1");
    users::add(
        &c.tend,
        &c.admin,
        &NewUser {
            username,
            display_name: username,
            roles,
            // Doctors get a licence number, so they can sign prescriptions.
            licence_number: if roles.contains("doctor") {
                "MD-TEST"
            } else {
                ""
            },
            password: &password,
        },
    )
    .unwrap();
    auth::sign_in(&c.tend, username, &password).unwrap()
}

/// The PDF's text as poppler's `pdftotext` reads it, with wrapped lines joined.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rx.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The PDF's text line by line as laid out on the page (`pdftotext -layout`), with runs of
/// spaces closed up: a table row or a label and its amount read as one line.
pub fn pdf_rows(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Registers a patient with this given name (and a fixed family name and birth date).
pub fn register(c: &Clinic, who: &Session, given: &str) {
    tend_core::patients::register(
        &c.tend,
        who,
        &tend_domain::patients::PatientForm {
            given_name: given.into(),
            family_name: "Backup".into(),
            birth_date: "1980-01-01".into(),
            phones: vec!["600 111 222".into()],
            ..Default::default()
        },
        tend_core::patients::OnDuplicates::RegisterAnyway,
    )
    .unwrap();
}
