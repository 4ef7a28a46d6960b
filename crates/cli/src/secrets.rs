//! Where the CLI gets secrets: the OS keyring (through tend-core), environment variables, or a
//! prompt on the terminal. Never from flags, which end up in shell history and `ps`.

use std::io::IsTerminal;

use anyhow::{Result, bail};
use zeroize::Zeroizing;

/// The clinic passphrase (`TEND_PASSPHRASE`).
pub const PASSPHRASE: &str = "TEND_PASSPHRASE";
/// The `--user`'s password (`TEND_PASSWORD`); at `init`, the first admin's.
pub const PASSWORD: &str = "TEND_PASSWORD";
/// A password being set for someone (`user add`, `user reset-password`, `user passwd`).
pub const NEW_PASSWORD: &str = "TEND_NEW_PASSWORD";
/// A passphrase being set (`init`, `passphrase change`, `passphrase reset`).
pub const NEW_PASSPHRASE: &str = "TEND_NEW_PASSPHRASE";
/// The printed recovery key (`passphrase reset`, `restore` on a new machine).
pub const RECOVERY_KEY: &str = "TEND_RECOVERY_KEY";

/// The secret in `var`, or typed at a prompt when there is a terminal. `what` names it:
/// "the password for ana".
pub fn read(var: &str, what: &str) -> Result<Zeroizing<String>> {
    if let Some(value) = from_env(var) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{what} is needed: set {var} or run in a terminal to be asked");
    }
    Ok(Zeroizing::new(rpassword::prompt_password(format!(
        "{}: ",
        capitalised(what)
    ))?))
}

/// A new secret: from `var`, or typed twice at a prompt.
pub fn read_new(var: &str, what: &str) -> Result<Zeroizing<String>> {
    if let Some(value) = from_env(var) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{what} is needed: set {var} or run in a terminal to be asked");
    }
    let prompt = capitalised(what);
    let first = Zeroizing::new(rpassword::prompt_password(format!("{prompt}: "))?);
    let again = Zeroizing::new(rpassword::prompt_password(format!("{prompt}, again: "))?);
    if first != again {
        bail!("the two entries differ; nothing was changed");
    }
    Ok(first)
}

pub fn from_env(var: &str) -> Option<Zeroizing<String>> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Zeroizing::new)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
