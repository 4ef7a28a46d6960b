//! Running the real `tend` binary with a clean environment.

use std::path::Path;
use std::process::{Command, Stdio};

pub const PASSPHRASE: &str = "clinic passphrase 1";
pub const ADMIN_PASSWORD: &str = "admin password 1";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tend")
}

/// `tend --data-dir DIR …` with no TEND_* variables from the outside, no keyring, no terminal.
pub fn tend(dir: &Path) -> Command {
    let mut cmd = Command::new(bin());
    for (key, _) in std::env::vars() {
        if key.starts_with("TEND_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("TEND_KEYRING", "off")
        .arg("--data-dir")
        .arg(dir)
        .stdin(Stdio::null());
    cmd
}

/// The same, signed in as the admin with the clinic passphrase.
pub fn as_admin(dir: &Path) -> Command {
    let mut cmd = tend(dir);
    cmd.env("TEND_PASSPHRASE", PASSPHRASE)
        .env("TEND_PASSWORD", ADMIN_PASSWORD)
        .args(["--user", "admin"]);
    cmd
}

/// The same, signed in as `user` (added by `add_user`).
pub fn as_user(dir: &Path, user: &str) -> Command {
    let mut cmd = tend(dir);
    cmd.env("TEND_PASSPHRASE", PASSPHRASE)
        .env("TEND_PASSWORD", format!("{user} password 1"))
        .args(["--user", user]);
    cmd
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A clinic set up through `tend init`; returns the recovery key it printed.
pub fn init(dir: &Path) -> String {
    let r = run(tend(dir)
        .env("TEND_PASSWORD", ADMIN_PASSWORD)
        .env("TEND_PASSPHRASE", PASSPHRASE)
        .args([
            "--json",
            "init",
            "--clinic",
            "Clínica Sol",
            "--admin",
            "admin",
        ])
        .args([
            "--admin-name",
            "Dr. Zoë Ørsted",
            "--timezone",
            "Europe/Madrid",
            "--currency",
            "EUR",
        ]))
    .ok();
    r.json()["recovery_key"].as_str().unwrap().to_owned()
}

/// Adds a user through the CLI.
pub fn add_user(dir: &Path, username: &str, roles: &str) {
    run(as_admin(dir)
        .env("TEND_NEW_PASSWORD", format!("{username} password 1"))
        .args(["user", "add", username, "--name", username, "--role", roles]))
    .ok();
}
