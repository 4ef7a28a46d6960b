//! Sign-in: one answer for unknown users and wrong passwords, a growing delay, lockout after
//! ten failures until an admin unlocks, disabled accounts.

use chrono::Duration;
use tend_core::api::ApiError;
use tend_core::{CoreError, auth, users};

use crate::support::{clinic, person};

fn code(r: Result<tend_core::Session, CoreError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let c = clinic();
    person(&c, "ana", "doctor");
    let unknown = ApiError::from(auth::sign_in(&c.tend, "nobody", "ana password 1").unwrap_err());
    let wrong = ApiError::from(auth::sign_in(&c.tend, "ana", "not the password").unwrap_err());
    let invalid = ApiError::from(auth::sign_in(&c.tend, "not a username!", "x").unwrap_err());
    assert_eq!(unknown, wrong);
    assert_eq!(unknown, invalid);
    assert_eq!(unknown.code, "invalid_credentials");
    assert_eq!(unknown.message, "the username or password is not right");
}

#[test]
fn failures_slow_down_then_lock_until_an_admin_unlocks() {
    let c = clinic();
    person(&c, "ana", "doctor");
    let attempt = |pw: &str| code(auth::sign_in(&c.tend, "ana", pw));

    // Three free mistakes.
    for _ in 0..3 {
        assert_eq!(attempt("wrong password"), "invalid_credentials");
    }
    // Then a wait: even the right password is not checked until it passes.
    assert_eq!(attempt("ana password 1"), "too_many_attempts");
    match auth::sign_in(&c.tend, "ana", "wrong password").unwrap_err() {
        CoreError::TooManyAttempts { retry_after_secs } => assert_eq!(retry_after_secs, 1),
        other => panic!("{other:?}"),
    }
    // Waiting long enough each time, the 10th failure locks the account.
    for n in 4..=10 {
        c.clock.advance(Duration::seconds(61));
        let expected = if n == 10 {
            "account_locked"
        } else {
            "invalid_credentials"
        };
        assert_eq!(attempt("wrong password"), expected, "failure {n}");
    }
    c.clock.advance(Duration::hours(5));
    assert_eq!(
        attempt("ana password 1"),
        "account_locked",
        "time does not unlock"
    );

    let listed = users::list(&c.tend, &c.admin).unwrap();
    assert!(listed.iter().find(|u| u.username == "ana").unwrap().locked);
    users::unlock(&c.tend, &c.admin, "ana").unwrap();
    assert_eq!(attempt("ana password 1"), "ok");
    // The failures were forgotten: three more mistakes are free again.
    for _ in 0..3 {
        assert_eq!(attempt("wrong password"), "invalid_credentials");
    }
}

#[test]
fn a_good_sign_in_resets_the_count() {
    let c = clinic();
    person(&c, "ana", "doctor");
    for _ in 0..2 {
        assert_eq!(
            code(auth::sign_in(&c.tend, "ana", "wrong password")),
            "invalid_credentials"
        );
    }
    assert_eq!(code(auth::sign_in(&c.tend, "ana", "ana password 1")), "ok");
    for _ in 0..3 {
        assert_eq!(
            code(auth::sign_in(&c.tend, "ana", "wrong password")),
            "invalid_credentials"
        );
    }
}

#[test]
fn a_disabled_account_cannot_sign_in_and_its_session_ends() {
    let c = clinic();
    let ana = person(&c, "ana", "admin");
    users::set_disabled(&c.tend, &c.admin, "ana", true).unwrap();
    // A wrong password still gets the general answer, so disabled accounts are not revealed.
    assert_eq!(
        code(auth::sign_in(&c.tend, "ana", "wrong password")),
        "invalid_credentials"
    );
    assert_eq!(
        code(auth::sign_in(&c.tend, "ana", "ana password 1")),
        "account_disabled"
    );
    // The session opened before the account was disabled no longer works.
    let err = users::list(&c.tend, &ana).unwrap_err();
    assert_eq!(err.code(), "session_ended");

    users::set_disabled(&c.tend, &c.admin, "ana", false).unwrap();
    assert_eq!(code(auth::sign_in(&c.tend, "ana", "ana password 1")), "ok");
}

#[test]
fn sign_ins_are_audited() {
    let c = clinic();
    person(&c, "ana", "doctor");
    let _ = auth::sign_in(&c.tend, "ana", "wrong password");
    let _ = auth::sign_in(&c.tend, "ghost", "whatever pw");
    let report = tend_core::audit::verify(&c.tend, &c.admin).unwrap();
    assert!(report.intact);
    // clinic.create, user.create (admin), admin sign-in, user.create (ana), ana sign-in,
    // ana's failure, ghost's failure.
    assert_eq!(report.verified, 7);
}

#[test]
fn admins_are_locked_out_for_a_time_and_the_clinic_passphrase_or_recovery_key_unlocks_one() {
    let c = clinic();
    let attempt = |pw: &str| code(auth::sign_in(&c.tend, "admin", pw));
    // Someone at the sign-in screen types ten wrong passwords for the only admin.
    for n in 1..=10 {
        c.clock.advance(Duration::seconds(61));
        assert_eq!(
            attempt("wrong password"),
            "invalid_credentials",
            "failure {n}"
        );
    }
    c.clock.advance(Duration::seconds(61));
    assert_eq!(
        attempt(crate::support::ADMIN_PASSWORD),
        "too_many_attempts",
        "a wait, not a lock for good"
    );
    assert!(!users::list(&c.tend, &c.admin).unwrap()[0].locked);
    c.clock.advance(Duration::minutes(15));
    assert_eq!(attempt(crate::support::ADMIN_PASSWORD), "ok");

    // An admin locked out by failures is let in at once, at the sign-in screen, with the clinic
    // passphrase or the recovery key; a wrong one is refused and audited; only admins, this way.
    person(&c, "rosa", "receptionist");
    person(&c, "ana", "admin,doctor");
    let lock_out = |who: &str| {
        for _ in 0..10 {
            c.clock.advance(Duration::seconds(61));
            auth::sign_in(&c.tend, who, "wrong password").unwrap_err();
        }
        assert_eq!(
            code(auth::sign_in(&c.tend, who, &format!("{who} password 1"))),
            "too_many_attempts"
        );
    };
    lock_out("ana");
    let wrong = auth::unlock_admin(
        &c.tend,
        "ana",
        tend_core::clinic::Unlock::Passphrase("not the passphrase"),
    )
    .unwrap_err();
    assert_eq!(wrong.field(), Some("passphrase"));
    let refused = auth::unlock_admin(
        &c.tend,
        "rosa",
        tend_core::clinic::Unlock::Passphrase(crate::support::PASSPHRASE),
    )
    .unwrap_err();
    assert_eq!(refused.field(), Some("username"), "only admins, this way");
    auth::unlock_admin(
        &c.tend,
        "ana",
        tend_core::clinic::Unlock::Passphrase(crate::support::PASSPHRASE),
    )
    .unwrap();
    assert_eq!(code(auth::sign_in(&c.tend, "ana", "ana password 1")), "ok");
    lock_out("ana");
    auth::unlock_admin(
        &c.tend,
        "ana",
        tend_core::clinic::Unlock::RecoveryKey(&c.recovery_key),
    )
    .unwrap();
    assert_eq!(code(auth::sign_in(&c.tend, "ana", "ana password 1")), "ok");
    let log = tend_core::audit::search(
        &c.tend,
        &c.admin,
        &tend_core::api::forms::AuditSearch {
            from: String::new(),
            to: String::new(),
            user: String::new(),
            action: "user.unlock_with_secret".into(),
            outcome: String::new(),
            before: None,
            limit: 10,
        },
    )
    .unwrap();
    assert_eq!(log.len(), 4, "{log:?}");
}
