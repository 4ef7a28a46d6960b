//! What the CLI prints: sentences and tables for people, JSON with `--json`. Data goes to
//! stdout, errors to stderr as one line.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod billing;
pub mod chart;
pub mod prescriptions;
pub mod schedule;

use std::path::Path;

use serde::Serialize;
use tend_core::api::{ApiError, ClinicDto, UserDto};
use tend_core::api::{AuditVerifyDto, BackupDto, RestoreDto};
use tend_core::backup::Step;
use tend_core::clinic::Initialized;
use tend_core::{CoreError, Session};
use tend_store::consistency::ConsistencyReport;

#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Where a restore or a check of a backup has got, on stderr (each tenth of the copy, then
    /// each step), so a person waiting on a large clinic sees it move. Nothing with `--json`.
    pub fn backup_progress(&self) -> impl Fn(Step) {
        let json = self.json;
        let shown = std::cell::Cell::new(None::<(u8, u64)>);
        move |step| {
            if json {
                return;
            }
            let (kind, tenth) = match step {
                Step::Copying { done, total } => (0, done.saturating_mul(10) / total.max(1)),
                Step::Checking => (1, 0),
                Step::Replacing => (2, 0),
            };
            if shown.get() == Some((kind, tenth)) {
                return;
            }
            shown.set(Some((kind, tenth)));
            match step {
                Step::Copying { .. } => {
                    eprintln!("Copying the database out of the backup: {} %", tenth * 10);
                }
                Step::Checking => eprintln!(
                    "Checking it: the key, integrity, encryption and the audit chain (a large \
                     clinic takes a minute)"
                ),
                Step::Replacing => eprintln!("Putting it in place"),
            }
        }
    }

    pub fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: could not write JSON: {e}"),
        }
    }

    /// One line on stderr; with `--json`, the `{code, message, field}` object.
    pub fn error(&self, e: &anyhow::Error) {
        let api = e.downcast_ref::<CoreError>().map(ApiError::from);
        match (self.json, api) {
            (true, Some(api)) => {
                eprintln!("{}", serde_json::json!({ "error": api }));
            }
            (true, None) => {
                eprintln!(
                    "{}",
                    serde_json::json!({ "error": { "code": "cli", "message": format!("{e:#}") } })
                );
            }
            (false, Some(api)) if api.code == "warnings" => {
                prescriptions::print_warnings(&api.warnings, &mut std::io::stderr());
                eprintln!(
                    "error: Not signed: {} warning{} need{} a reason (--reason KEY=\"why\")",
                    api.warnings.len(),
                    if api.warnings.len() == 1 { "" } else { "s" },
                    if api.warnings.len() == 1 { "s" } else { "" },
                );
            }
            (false, Some(api)) if api.code == "conflicts" => {
                eprintln!("error: {} (--override)", capitalised(&api.message));
            }
            (false, Some(api)) => eprintln!("error: {}", capitalised(&api.message)),
            (false, None) => eprintln!("error: {}", capitalised(&format!("{e:#}"))),
        }
    }

    /// Something an admin must know, on stderr so it never mixes with data.
    pub fn warning(&self, message: &str) {
        eprintln!("warning: {message}");
    }

    pub fn done(&self, message: &str) {
        if self.json {
            self.json(&serde_json::json!({ "ok": true, "message": message }));
        } else {
            println!("{message}");
        }
    }

    pub fn initialized(&self, dir: &Path, done: &Initialized) {
        if self.json {
            self.json(&serde_json::json!({
                "data_dir": dir,
                "admin": done.admin,
                "recovery_key": done.recovery_key.as_str(),
                "keyring_saved": done.keyring_saved,
            }));
            return;
        }
        println!("The clinic is set up in {}.", dir.display());
        println!(
            "Administrator: {} ({})",
            done.admin.display_name, done.admin.username
        );
        println!();
        println!(
            "RECOVERY KEY (shown only now; print it or write it down, and keep it locked away):"
        );
        println!();
        println!("    {}", done.recovery_key.as_str());
        println!();
        println!("With it, the clinic's data can be opened if the passphrase is forgotten.");
        if done.keyring_saved {
            println!(
                "This computer's keyring keeps the database key, so it opens without the passphrase."
            );
        } else {
            println!(
                "No OS keyring is available here: Tend will ask for the clinic passphrase each time."
            );
        }
    }

    pub fn user(&self, user: &UserDto, verb: &str) {
        if self.json {
            self.json(user);
        } else {
            println!(
                "{verb} {} ({}): {}",
                user.username,
                user.display_name,
                state(user)
            );
        }
    }

    pub fn users(&self, users: &[UserDto]) {
        if self.json {
            self.json(&users);
            return;
        }
        let width = users
            .iter()
            .map(|u| u.username.chars().count())
            .max()
            .unwrap_or(8)
            .max(8);
        let name_width = users
            .iter()
            .map(|u| u.display_name.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        println!(
            "{:width$}  {:name_width$}  {:24}  {:12}  STATE",
            "USERNAME", "NAME", "ROLES", "LICENCE"
        );
        for u in users {
            println!(
                "{:width$}  {:name_width$}  {:24}  {:12}  {}",
                u.username,
                u.display_name,
                u.roles.join(","),
                u.licence_number.as_deref().unwrap_or("-"),
                state(u)
            );
        }
    }

    pub fn audit(&self, report: &AuditVerifyDto) {
        if self.json {
            self.json(report);
        } else if let Some(b) = &report.first_break {
            eprintln!(
                "The audit log is NOT intact. First bad entry: {} ({}).",
                b.seq, b.problem
            );
            eprintln!("{} entries before it verified.", report.verified);
        } else {
            println!(
                "The audit log is intact: {} entries verified.",
                report.verified
            );
        }
    }

    pub fn consistency(&self, report: &ConsistencyReport) {
        if self.json {
            self.json(report);
        } else if report.is_consistent() {
            println!(
                "The database is intact: {} records, {} changes, {} audit entries, all consistent.",
                report.records, report.changes, report.audit_entries
            );
        } else {
            eprintln!("The database has problems:");
            for p in &report.problems {
                eprintln!("  - {p}");
            }
        }
    }

    pub fn backup(&self, info: &BackupDto) {
        if self.json {
            self.json(info);
        } else {
            println!(
                "Backup written to {} ({}).",
                info.path,
                human_bytes(info.bytes)
            );
        }
    }

    pub fn restore(&self, info: &RestoreDto) {
        if self.json {
            self.json(info);
            return;
        }
        println!(
            "Restored the backup made {} ({} audit entries verified).",
            info.backup_created_at.format("%Y-%m-%d %H:%M UTC"),
            info.audit_entries
        );
        if let Some(kept) = &info.previous_kept_at {
            println!("The database it replaced is kept at {kept}.");
        }
    }

    pub fn status(&self, clinic: &ClinicDto, me: &Session) {
        if self.json {
            self.json(&serde_json::json!({ "clinic": clinic, "signed_in": tend_core::api::SessionDto::from(me) }));
        } else {
            println!("{}", clinic.name);
            println!(
                "  time zone {}, currency {}",
                clinic.timezone, clinic.currency
            );
            println!(
                "  this device's code {} (database schema {})",
                clinic.device_code, clinic.schema_version
            );
            println!("  signed in as {} ({})", me.display_name(), me.username());
        }
    }
}

fn state(u: &UserDto) -> &'static str {
    match (u.disabled, u.locked) {
        (true, _) => "disabled",
        (false, true) => "locked",
        (false, false) => "active",
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.0} KB", n as f64 / f64::from(1 << 10)),
        n => format!("{n} bytes"),
    }
}

/// A record's audit trail, oldest first.
pub fn trail(out: &Output, rows: &[tend_core::api::AuditRowDto], tz: chrono_tz::Tz) {
    if out.is_json() {
        return out.json(&rows);
    }
    if rows.is_empty() {
        println!("The audit log has nothing about this record.");
        return;
    }
    for r in rows {
        println!(
            "{}  {:20}  {:18}  {}{}",
            r.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S"),
            r.user.as_deref().unwrap_or("-"),
            r.action,
            r.outcome,
            match &r.detail {
                serde_json::Value::Object(m) if !m.is_empty() => format!("  {}", r.detail),
                _ => String::new(),
            }
        );
    }
}
