//! Managing users: validation that names the field, unique usernames, and the rules that keep a
//! clinic from locking itself out.

use tend_core::api::ApiError;
use tend_core::users::{self, NewUser};
use tend_core::{CoreError, auth};

use crate::support::{clinic, person};

fn new_user<'a>(username: &'a str, roles: &'a str, password: &'a str) -> NewUser<'a> {
    NewUser {
        username,
        display_name: "Nguyễn Thị Ánh",
        roles,
        licence_number: "MD-12345",
        password,
    }
}

#[test]
fn bad_input_names_the_field() {
    let c = clinic();
    let check = |new: NewUser<'_>, field: &str| {
        let err = ApiError::from(users::add(&c.tend, &c.admin, &new).unwrap_err());
        assert_eq!(err.field, Some(field), "{err:?}");
        assert_eq!(err.code, "validation");
    };
    check(new_user("a", "doctor", "long enough pw"), "username");
    check(new_user("anh", "surgeon", "long enough pw"), "roles");
    check(new_user("anh", "", "long enough pw"), "roles");
    check(new_user("anh", "doctor", "short"), "password");
    check(new_user("anhnguyen", "doctor", "AnhNguyen"), "password");
    check(
        NewUser {
            display_name: "  ",
            ..new_user("anh", "doctor", "long enough pw")
        },
        "display_name",
    );
}

#[test]
fn usernames_are_unique_regardless_of_case() {
    let c = clinic();
    users::add(
        &c.tend,
        &c.admin,
        &new_user("anh", "doctor", "long enough pw"),
    )
    .unwrap();
    let err = ApiError::from(
        users::add(
            &c.tend,
            &c.admin,
            &new_user("ANH", "nurse", "long enough pw"),
        )
        .unwrap_err(),
    );
    assert_eq!(err.field, Some("username"));
    assert_eq!(err.message, "the username anh is already taken");
}

#[test]
fn users_are_listed_with_roles_and_licence() {
    let c = clinic();
    users::add(
        &c.tend,
        &c.admin,
        &new_user("anh", "doctor,admin", "long enough pw"),
    )
    .unwrap();
    let list = users::list(&c.tend, &c.admin).unwrap();
    let anh = list.iter().find(|u| u.username == "anh").unwrap();
    assert_eq!(anh.roles, ["admin", "doctor"]);
    assert_eq!(anh.licence_number.as_deref(), Some("MD-12345"));
    assert_eq!(anh.display_name, "Nguyễn Thị Ánh");
}

#[test]
fn the_clinic_keeps_an_admin_and_nobody_disables_themselves() {
    let c = clinic();
    let refused = |r: Result<tend_core::api::UserDto, CoreError>, code: &str| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), code, "{e:?}");
        e.user_message()
    };
    let m = refused(
        users::set_disabled(&c.tend, &c.admin, "admin", true),
        "cannot_disable_self",
    );
    assert_eq!(m, "you cannot disable your own account");
    let m = refused(
        users::set_roles(&c.tend, &c.admin, "admin", "doctor"),
        "last_administrator",
    );
    assert!(m.contains("last administrator"), "{m}");

    // With a second admin, the first can be disabled; then the second is the last one.
    let bo = person(&c, "bob", "admin");
    users::set_disabled(&c.tend, &bo, "admin", true).unwrap();
    let m = refused(
        users::set_roles(&c.tend, &bo, "bob", "doctor"),
        "last_administrator",
    );
    assert!(m.contains("last administrator"), "{m}");
}

#[test]
fn passwords_can_be_changed_and_reset() {
    let c = clinic();
    let ana = person(&c, "ana", "doctor");
    let err = users::change_own_password(&c.tend, &ana, "not my password", "a new password 2")
        .unwrap_err();
    assert_eq!(err.field(), Some("current_password"));
    users::change_own_password(&c.tend, &ana, "ana password 1", "a new password 2").unwrap();
    assert!(auth::sign_in(&c.tend, "ana", "ana password 1").is_err());
    auth::sign_in(&c.tend, "ana", "a new password 2").unwrap();

    users::reset_password(&c.tend, &c.admin, "ana", "reset by admin 3").unwrap();
    auth::sign_in(&c.tend, "ana", "reset by admin 3").unwrap();
    let err = users::reset_password(&c.tend, &c.admin, "nobody", "reset by admin 3").unwrap_err();
    assert_eq!(err.code(), "not_found");
}
