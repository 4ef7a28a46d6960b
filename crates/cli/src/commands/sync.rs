//! `tend sync`: this desktop and the clinic's sync server, from the command line: status, a
//! round now, conflicts and settling them, pairing codes, devices. The app does the same from
//! its Sync screen; joining a clinic is done in the app's first-run screen.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use tend_core::sync;
use tend_core::{Session, Tend};

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Where sync stands: server, last sync, changes waiting, conflicts.
    Status,
    /// Sync now: send this desktop's changes and receive the others'.
    Now,
    /// Connect the clinic's first desktop to a server (admins). The enrolment token is read
    /// from TEND_ENROL_TOKEN.
    Connect {
        server: String,
        #[arg(long, env = "TEND_ENROL_TOKEN", hide_env_values = true)]
        enrol_token: String,
        /// The pin of the server's own certificate (tend-server logs it), for a server whose
        /// certificate no public authority signed.
        #[arg(long)]
        pin: Option<String>,
        /// Allow plain http:// to a server on the clinic's own network (tokens then cross the
        /// network unencrypted; the changes themselves stay sealed).
        #[arg(long)]
        insecure_http: bool,
    },
    /// A one-time pairing code for another desktop (admins).
    Pair,
    /// The fields two desktops changed at once.
    Conflicts,
    /// Settle a conflict by keeping one of its values (the change id shown by `conflicts`).
    Resolve { conflict: String, value: String },
    /// The clinic's desktops as the server knows them (admins).
    Devices,
    /// Stop a desktop syncing (admins); the clinic key changes with it.
    Revoke { device: String },
    /// Change the clinic key (admins, on a desktop allowed to manage the others).
    RotateKey,
    /// Let another desktop pair desktops, revoke them and change the clinic key (admins).
    AllowManaging { device: String },
    /// What this desktop set aside because it did not open (admins).
    Quarantine,
    /// Have the next sync fetch every change of the clinic again (admins).
    PullAgain,
    /// Allow (on) or stop allowing (off) plain http:// to this desktop's server on the clinic's
    /// own network (admins).
    InsecureHttp {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

pub fn run(cmd: &SyncCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        SyncCommand::Status => status(&sync::status(tend, me)?, out),
        SyncCommand::Now => {
            let round = sync::sync_now(tend, |_| {})?;
            out.done(&format!(
                "Synced: {} sent, {} received ({} new here).",
                round.pushed, round.pulled, round.applied
            ));
        }
        SyncCommand::Connect {
            server,
            enrol_token,
            pin,
            insecure_http,
        } => status(
            &sync::connect_with(
                tend,
                me,
                &sync::ConnectRequest {
                    server,
                    enrol_token,
                    pin: pin.as_deref(),
                    insecure_http: *insecure_http,
                },
            )?,
            out,
        ),
        SyncCommand::Pair => {
            let code = sync::pairing_code(tend, me)?;
            if out.is_json() {
                out.json(&code);
            } else {
                println!("{}", code.code);
                println!(
                    "Valid once, until {}. Whoever uses it first joins the clinic; show it only \
                     to the person setting up that desktop.",
                    code.expires_at
                );
            }
        }
        SyncCommand::Conflicts => {
            let list = sync::conflicts(tend, me)?;
            if out.is_json() {
                out.json(&list);
            } else if list.is_empty() {
                println!("No conflicts.");
            } else {
                for c in &list {
                    let whose = c.patient.clone().unwrap_or_else(|| c.entity.clone());
                    let flag = if c.safety {
                        "  [a clinician must choose]"
                    } else {
                        ""
                    };
                    println!("{}  {whose}: {}{flag}", c.id, c.field);
                    for v in &c.values {
                        println!(
                            "    {}  {:<24} by {} on {}",
                            v.change_id, v.value, v.by, v.device
                        );
                    }
                }
            }
        }
        SyncCommand::Resolve { conflict, value } => {
            sync::resolve(tend, me, conflict, value)?;
            out.done("Kept. The other desktops follow at their next sync.");
        }
        SyncCommand::Devices => {
            let list = sync::devices(tend, me)?;
            if out.is_json() {
                out.json(&list);
            } else {
                for d in &list {
                    let state = match (&d.revoked_at, d.this_desktop) {
                        (Some(_), _) => "revoked",
                        (None, true) => "this desktop",
                        (None, false) => "",
                    };
                    println!(
                        "{}  {}  {:<24} last seen {}  {state}",
                        d.device_id,
                        d.code,
                        d.name.clone().unwrap_or_default(),
                        d.last_seen_at.clone().unwrap_or_else(|| "never".into())
                    );
                }
            }
        }
        SyncCommand::Revoke { device } => {
            sync::revoke(tend, me, device)?;
            let due = sync::status(tend, me)?
                .problems
                .iter()
                .any(|p| p.kind == "key_change");
            out.done(if due {
                "Revoked: that desktop can no longer sync. The clinic key could not be changed \
                 yet; this desktop changes it at its next sync."
            } else {
                "Revoked: that desktop can no longer sync, and the clinic key was changed."
            });
        }
        SyncCommand::RotateKey => {
            let r = sync::rotate_key(tend, me)?;
            out.done(&format!(
                "The clinic key was changed (key {}). The other desktops receive it at their \
                 next sync.",
                r.epoch
            ));
        }
        SyncCommand::AllowManaging { device } => {
            sync::allow_managing(tend, me, device)?;
            out.done("That desktop may now pair, revoke and change the clinic key.");
        }
        SyncCommand::Quarantine => {
            let list = sync::quarantine(tend, me)?;
            if out.is_json() {
                out.json(&list);
            } else if list.is_empty() {
                println!("Nothing is set aside.");
            } else {
                for q in &list {
                    println!(
                        "{}  from {} (change {})  {}",
                        q.at, q.device, q.device_seq, q.reason
                    );
                }
            }
        }
        SyncCommand::InsecureHttp { state } => {
            let allow = state == "on";
            sync::allow_insecure_http(tend, me, allow)?;
            out.done(if allow {
                "Plain http is allowed to this desktop's sync server; the badge says so."
            } else {
                "Plain http is no longer allowed: this desktop syncs only over https (or on this \
                 computer)."
            });
        }
        SyncCommand::PullAgain => {
            sync::pull_everything_again(tend, me)?;
            out.done("The next sync fetches every change of the clinic again.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn status(s: &tend_core::api::SyncStatusDto, out: &Output) {
    if out.is_json() {
        out.json(s);
        return;
    }
    if !s.configured {
        println!("This desktop does not sync (device {}).", s.device_code);
        return;
    }
    println!("Server:        {}", s.server.clone().unwrap_or_default());
    println!("This desktop:  {}", s.device_code);
    println!(
        "Last synced:   {}",
        s.last_ok.clone().unwrap_or_else(|| "not yet".into())
    );
    if let Some(e) = &s.last_error {
        println!("Last error:    {e}");
    }
    println!("Waiting:       {} changes", s.pending);
    println!(
        "Conflicts:     {} ({} on the safety list)",
        s.conflicts, s.safety_conflicts
    );
    if s.insecure {
        println!("Link:          plain http (an admin allowed it on the clinic's network)");
    } else if s.pinned {
        println!("Link:          https, pinned to the clinic's own server certificate");
    }
    for p in &s.problems {
        let label = if p.serious { "Problem:" } else { "Warning:" };
        println!("{label:<15}{}", p.message);
    }
}
