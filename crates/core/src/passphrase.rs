//! The clinic passphrase: changing it rewraps the database key in its slot; the database itself
//! is not re-encrypted. The recovery key can set a new one when the passphrase is forgotten.

use std::path::Path;

use tend_domain::Action;
use tend_domain::user::check_passphrase;
use tend_store::{AuditEntry, DataPaths, KdfParams, KeySlots, Outcome, Secret};

use crate::clinic::{self, Unlock};
use crate::{Environment, Result, Session, Tend};

fn rewrap(tend: &Tend, new_passphrase: &str) -> Result<()> {
    let paths = tend.store().paths();
    let mut slots = KeySlots::read(&paths.keys())?;
    slots.set(
        tend.store().key(),
        Secret::Passphrase(new_passphrase),
        KdfParams::CLINIC,
    )?;
    slots.write(&paths.keys())?;
    Ok(())
}

/// An admin sets a new clinic passphrase.
pub fn change(tend: &Tend, session: &Session, new_passphrase: &str) -> Result<()> {
    tend.authorize(session, Action::PassphraseChange)?;
    check_passphrase(new_passphrase)?;
    rewrap(tend, new_passphrase)?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(AuditEntry::new("passphrase.change", Outcome::Ok))
        })?;
    Ok(())
}

/// Opens the clinic with the printed recovery key and sets a new passphrase. Whoever holds the
/// recovery sheet holds this power; it is audited without a user.
pub fn reset_with_recovery_key(
    dir: &Path,
    recovery_key: &str,
    new_passphrase: &str,
    env: Environment,
) -> Result<Tend> {
    check_passphrase(new_passphrase)?;
    // Check the data folder before the (slow) key derivation, for a clear error.
    clinic::key_slots(&DataPaths::new(dir))?;
    let tend = clinic::open(dir, Unlock::RecoveryKey(recovery_key), env)?;
    rewrap(&tend, new_passphrase)?;
    tend.store().write(tend.ctx(None), |tx| {
        tx.audit(AuditEntry::new(
            "passphrase.reset_with_recovery_key",
            Outcome::Ok,
        ))
    })?;
    Ok(tend)
}
