//! Sign-in: argon2id password hashes, the progressive delay after failures, lockout after ten,
//! and one answer for an unknown user and a wrong password alike.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde_json::json;
use tend_domain::sign_in::{ADMIN_LOCKOUT, Gate, Lockout, gate, locks_after};
use tend_domain::words;
use tend_domain::{Entity, Fields, Role, Username, Value};
use tend_store::{AuditEntry, Outcome, StoreError};

use crate::{CoreError, Result, Session, Tend};

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes) and a fresh salt.
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            CoreError::refused(
                "password_not_stored",
                Some("password"),
                "the password could not be stored",
            )
        })
}

fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the username is unknown, so that answer takes as long as a
/// wrong password does.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("tend-decoy-password").unwrap_or_default())
}

/// Checks a username and password and, if they are right and the account may sign in, starts a
/// session. Every attempt is audited.
pub fn sign_in(tend: &Tend, username: &str, password: &str) -> Result<Session> {
    let now = tend.now();
    let store = tend.store();
    let Ok(name) = Username::parse(username) else {
        verify_password(password, decoy_hash());
        return Err(CoreError::InvalidCredentials);
    };
    let Some(record) = store.read(|r| r.user_by_username(&name))? else {
        verify_password(password, decoy_hash());
        store.write(tend.ctx(None), |tx| {
            tx.audit(
                AuditEntry::new("user.sign_in", Outcome::Failed)
                    .detail(json!({ "username": name.as_str(), "reason": "unknown user" })),
            )
        })?;
        return Err(CoreError::InvalidCredentials);
    };
    let user = &record.user;
    let (failures, last_failure) = store.read(|r| r.sign_in_failures(user.id))?;
    let audit_refusal = |reason: &str| {
        store.write(tend.ctx(None), |tx| {
            tx.audit(
                AuditEntry::new("user.sign_in", Outcome::Denied)
                    .record(Entity::User, user.id)
                    .detail(json!({ "username": user.username.as_str(), "reason": reason })),
            )
        })
    };
    // Admins are locked out for a time, never for good (see `ADMIN_LOCKOUT`).
    let lockout = if user.roles.contains(Role::Admin) {
        Lockout::For(ADMIN_LOCKOUT)
    } else {
        Lockout::UntilUnlocked
    };
    match gate(user.locked, failures, last_failure, now, lockout) {
        Gate::Open => {}
        Gate::Locked => {
            audit_refusal("locked")?;
            return Err(CoreError::AccountLocked);
        }
        Gate::Wait(wait) => {
            audit_refusal("too soon after failed attempts")?;
            return Err(CoreError::TooManyAttempts {
                retry_after_secs: wait.num_seconds().max(1),
            });
        }
    }

    if !verify_password(password, &record.password_hash) {
        let locked = store.write(tend.ctx(None), |tx| {
            let failures = tx.record_sign_in_failure(user.id)?;
            let lock = locks_after(failures, lockout);
            if lock {
                let fields: Fields = [("locked".to_owned(), Value::Bool(true))].into();
                tx.update(Entity::User, user.id, fields)?;
            }
            tx.audit(
                AuditEntry::new("user.sign_in", Outcome::Failed)
                    .record(Entity::User, user.id)
                    .detail(json!({
                        "username": user.username.as_str(),
                        "reason": "wrong password",
                        "consecutive_failures": failures,
                        "locked": lock,
                    })),
            )?;
            Ok::<_, StoreError>(lock)
        })?;
        return Err(if locked {
            CoreError::AccountLocked
        } else {
            CoreError::InvalidCredentials
        });
    }

    // The password is right: only now say whether the account is disabled.
    if user.disabled {
        audit_refusal("disabled")?;
        return Err(CoreError::AccountDisabled);
    }
    store.write(tend.ctx(Some(user.id)), |tx| {
        tx.clear_sign_in_failures(user.id)?;
        tx.audit(
            AuditEntry::new("user.sign_in", Outcome::Ok)
                .record(Entity::User, user.id)
                .detail(json!({ "username": user.username.as_str() })),
        )
    })?;
    Ok(Session::new(
        user.id,
        user.username.clone(),
        user.display_name.clone(),
        user.roles,
        store.identity().device_id,
        now,
    ))
}

/// Records that a session ended (sign-out, idle lock, switch of user).
pub fn sign_out(tend: &Tend, session: Session) -> Result<()> {
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("user.sign_out", Outcome::Ok)
                    .record(Entity::User, session.user_id()),
            )
        })?;
    Ok(())
}

/// Unlocks an administrator's account from the sign-in screen with the clinic passphrase or the
/// recovery key, for when every admin is locked (or the only one is): whoever holds either
/// already holds the clinic's data. Only admin accounts are unlocked this way (an admin unlocks
/// the others); every attempt is audited, and a wrong secret costs the key derivation's time.
pub fn unlock_admin(tend: &Tend, username: &str, secret: crate::clinic::Unlock<'_>) -> Result<()> {
    let how = match secret {
        crate::clinic::Unlock::RecoveryKey(_) => "recovery key",
        _ => "passphrase",
    };
    let name = Username::parse(username)?;
    let store = tend.store();
    let Some(record) = store
        .read(|r| r.user_by_username(&name))?
        .filter(|r| r.user.roles.contains(Role::Admin))
    else {
        store.write(tend.ctx(None), |tx| {
            tx.audit(
                AuditEntry::new("user.unlock_with_secret", Outcome::Denied)
                    .detail(json!({ "username": name.as_str(), "reason": "not an administrator" })),
            )
        })?;
        return Err(CoreError::refused(
            "only_admin_unlocked_this_way",
            Some("username"),
            "only an administrator's account is unlocked this way; an administrator unlocks the others",
        ));
    };
    let key = crate::clinic::unlock_key(store.paths(), secret, &tend.env);
    let right = key.is_ok_and(|k| k == *store.key());
    let user = &record.user;
    store.write(tend.ctx(None), |tx| {
        if right {
            let fields: Fields = [("locked".to_owned(), Value::Bool(false))].into();
            tx.update(Entity::User, user.id, fields)?;
            tx.clear_sign_in_failures(user.id)?;
        }
        tx.audit(
            AuditEntry::new(
                "user.unlock_with_secret",
                if right { Outcome::Ok } else { Outcome::Failed },
            )
            .record(Entity::User, user.id)
            .detail(json!({ "username": user.username.as_str(), "with": how })),
        )
    })?;
    if right {
        Ok(())
    } else {
        Err(CoreError::refused(
            "wrong_secret",
            Some(if how == "passphrase" {
                "passphrase"
            } else {
                "recovery_key"
            }),
            words!("that is not the clinic's {how}", how = how),
        ))
    }
}
