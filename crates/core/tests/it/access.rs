//! The permission table, enforced: every role tries every action through its use case, and
//! what happens matches `tend_domain::permission`. Refusals are audited.

use tend_core::{CoreError, Session, audit, backup, clinic, passphrase, users};
use tend_domain::permission::role_can;
use tend_domain::{Action, Role};

use crate::support::{Clinic, clinic, person};

/// Performs `action` as `who` through the use case that needs it.
fn attempt(c: &Clinic, who: &Session, password: &str, action: Action) -> Result<(), CoreError> {
    match action {
        Action::UserList => users::list(&c.tend, who).map(drop),
        Action::UserManage => users::unlock(&c.tend, who, "admin").map(drop),
        Action::OwnPasswordChange => {
            users::change_own_password(&c.tend, who, password, password).map(drop)
        }
        Action::ClinicSettingsView => clinic::settings(&c.tend, who).map(drop),
        Action::ClinicSettingsEdit => {
            clinic::update_settings(&c.tend, who, "Clínica Sol", "Europe/Madrid", "EUR").map(drop)
        }
        Action::AuditReview => audit::verify(&c.tend, who).map(drop),
        Action::BackupCreate => {
            backup::create(&c.tend, who, &c.path().join("access.tendbackup")).map(drop)
        }
        Action::PassphraseChange => {
            passphrase::change(&c.tend, who, crate::support::PASSPHRASE).map(drop)
        }
        // Restoring consumes the open clinic; it has its own test in `backup`.
        Action::BackupRestore => Ok(()),
    }
}

#[test]
fn every_role_against_every_action() {
    let c = clinic();
    let mut checked = 0;
    for role in Role::ALL {
        let username = format!("{role}1");
        let who = person(&c, &username, role.as_str());
        let password = format!("{username} password 1");
        for (action, _) in tend_domain::permission::TABLE {
            if *action == Action::BackupRestore {
                continue;
            }
            let got = attempt(&c, &who, &password, *action);
            let expected = role_can(role, *action);
            match (&got, expected) {
                (Ok(()), true) => {}
                (Err(CoreError::Forbidden { action: a }), false) => assert_eq!(a, action),
                _ => panic!("{role} × {action}: expected allowed={expected}, got {got:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * (tend_domain::permission::TABLE.len() - 1));
}

#[test]
fn roles_are_read_fresh_on_every_check() {
    let c = clinic();
    let ana = person(&c, "ana", "receptionist,admin");
    users::list(&c.tend, &ana).unwrap();
    users::set_roles(&c.tend, &c.admin, "ana", "receptionist").unwrap();
    let err = users::list(&c.tend, &ana).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Forbidden {
                action: Action::UserList
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_refusal_is_audited() {
    let c = clinic();
    let nurse = person(&c, "nina", "nurse");
    let before = audit::verify(&c.tend, &c.admin).unwrap().verified;
    assert!(users::list(&c.tend, &nurse).is_err());
    let after = audit::verify(&c.tend, &c.admin).unwrap().verified;
    // The refusal, plus the first verification's own entry.
    assert_eq!(after, before + 2);
}
