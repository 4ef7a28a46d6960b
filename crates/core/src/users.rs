//! Managing the people who sign in: add, list, change roles, disable and enable, unlock, and
//! passwords. Admin-only except changing one's own password.

use serde_json::json;
use tend_domain::user::{check_password, parse_display_name, parse_licence_number};
use tend_domain::words;
use tend_domain::{Action, Entity, Fields, Role, Roles, User, UserId, Username, Value};
use tend_store::{AuditEntry, Outcome, StoreError, UserRecord, WriteTx};

use crate::api::UserDto;
use crate::{CoreError, Result, Session, Tend, auth};

/// What the "add user" form asks for.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    /// Comma-separated: `doctor,admin`.
    pub roles: &'a str,
    pub licence_number: &'a str,
    pub password: &'a str,
}

pub fn add(tend: &Tend, session: &Session, new: &NewUser<'_>) -> Result<UserDto> {
    tend.authorize(session, Action::UserManage)?;
    let username = Username::parse(new.username)?;
    let display_name = parse_display_name(new.display_name)?;
    let roles = Roles::parse_list(new.roles)?;
    let licence_number = parse_licence_number(new.licence_number)?;
    check_password(&username, new.password)?;
    let record = UserRecord {
        user: User {
            id: UserId::new(),
            username,
            display_name,
            roles,
            licence_number,
            disabled: false,
            locked: false,
        },
        password_hash: auth::hash_password(new.password)?,
    };
    let user = &record.user;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.create(Entity::User, user.id, record.fields())?;
            tx.audit(
                AuditEntry::new("user.create", Outcome::Ok)
                    .record(Entity::User, user.id)
                    .detail(
                        json!({ "username": user.username.as_str(), "roles": roles.to_list() }),
                    ),
            )
        })
        .map_err(|e| match e {
            StoreError::Duplicate { field: "username" } => CoreError::refused(
                "username_taken",
                Some("username"),
                words!(
                    "the username {username} is already taken",
                    username = user.username
                ),
            ),
            other => other.into(),
        })?;
    Ok(UserDto::from(user))
}

pub fn list(tend: &Tend, session: &Session) -> Result<Vec<UserDto>> {
    tend.authorize(session, Action::UserList)?;
    let users = tend.store().read(|r| r.users())?;
    Ok(users.iter().map(UserDto::from).collect())
}

fn find(tx: &WriteTx<'_>, username: &str) -> Result<UserRecord> {
    let name = Username::parse(username)?;
    tx.read()
        .user_by_username(&name)?
        .ok_or_else(|| CoreError::UnknownUser(name.to_string()))
}

/// Whether, after the change, some enabled and unlocked user is still an admin.
fn another_admin_remains(tx: &WriteTx<'_>, except: UserId) -> Result<bool> {
    Ok(tx
        .read()
        .users()?
        .iter()
        .any(|u| u.id != except && u.roles.contains(Role::Admin) && !u.disabled && !u.locked))
}

/// Applies `fields` to the user called `username` and audits it as `action`, in one transaction.
fn edit(
    tend: &Tend,
    session: &Session,
    username: &str,
    action: &'static str,
    check: impl FnOnce(&WriteTx<'_>, &User) -> Result<()>,
    fields: impl FnOnce(&User) -> Fields,
    also: impl FnOnce(&mut WriteTx<'_>, &User) -> Result<()>,
) -> Result<UserDto> {
    tend.authorize(session, Action::UserManage)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let record = find(tx, username)?;
        let user = &record.user;
        check(tx, user)?;
        let fields = fields(user);
        let detail = json!({
            "username": user.username.as_str(),
            "changed": fields.keys().filter(|k| *k != "password_hash").collect::<Vec<_>>(),
        });
        tx.update(Entity::User, user.id, fields)?;
        also(tx, user)?;
        tx.audit(
            AuditEntry::new(action, Outcome::Ok)
                .record(Entity::User, user.id)
                .detail(detail),
        )?;
        let updated = tx
            .read()
            .user(user.id)?
            .ok_or(StoreError::NotFound { entity: "user" })?;
        Ok(UserDto::from(&updated.user))
    })
}

fn one(field: &str, value: Value) -> Fields {
    [(field.to_owned(), value)].into()
}

/// Disables or re-enables an account. Nobody can disable themselves, and the last admin cannot
/// be disabled.
pub fn set_disabled(
    tend: &Tend,
    session: &Session,
    username: &str,
    disabled: bool,
) -> Result<UserDto> {
    let me = session.user_id();
    edit(
        tend,
        session,
        username,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        |tx, user| {
            if disabled && user.id == me {
                return Err(CoreError::refused(
                    "cannot_disable_self",
                    None,
                    "you cannot disable your own account",
                ));
            }
            if disabled && user.roles.contains(Role::Admin) && !another_admin_remains(tx, user.id)?
            {
                return Err(CoreError::refused(
                    "last_administrator",
                    None,
                    "this is the last administrator; make someone else an administrator first",
                ));
            }
            Ok(())
        },
        |_| one("disabled", Value::Bool(disabled)),
        |_, _| Ok(()),
    )
}

/// Unlocks an account locked after failed sign-ins, and forgets the failures.
pub fn unlock(tend: &Tend, session: &Session, username: &str) -> Result<UserDto> {
    edit(
        tend,
        session,
        username,
        "user.unlock",
        |_, _| Ok(()),
        |_| one("locked", Value::Bool(false)),
        |tx, user| Ok(tx.clear_sign_in_failures(user.id)?),
    )
}

/// Replaces a user's roles. The clinic always keeps at least one active admin.
pub fn set_roles(tend: &Tend, session: &Session, username: &str, roles: &str) -> Result<UserDto> {
    let roles = Roles::parse_list(roles)?;
    edit(
        tend,
        session,
        username,
        "user.set_roles",
        |tx, user| {
            if user.roles.contains(Role::Admin)
                && !roles.contains(Role::Admin)
                && !another_admin_remains(tx, user.id)?
            {
                return Err(CoreError::refused(
                    "last_administrator",
                    Some("roles"),
                    "this is the last administrator; make someone else an administrator first",
                ));
            }
            Ok(())
        },
        |_| one("roles", Value::from(roles.to_list())),
        |_, _| Ok(()),
    )
}

/// An admin records (or, with an empty value, clears) a user's professional licence number,
/// which prescribers need to sign and which is printed on their prescriptions.
pub fn set_licence(
    tend: &Tend,
    session: &Session,
    username: &str,
    licence: &str,
) -> Result<UserDto> {
    let licence = parse_licence_number(licence)?;
    edit(
        tend,
        session,
        username,
        "user.set_licence",
        |_, _| Ok(()),
        |_| one("licence_number", Value::from(licence.clone())),
        |_, _| Ok(()),
    )
}

/// An admin sets a new password for someone who forgot theirs.
pub fn reset_password(
    tend: &Tend,
    session: &Session,
    username: &str,
    new_password: &str,
) -> Result<UserDto> {
    let name = Username::parse(username)?;
    check_password(&name, new_password)?;
    let hash = auth::hash_password(new_password)?;
    edit(
        tend,
        session,
        username,
        "user.reset_password",
        |_, _| Ok(()),
        |_| one("password_hash", Value::from(hash)),
        |_, _| Ok(()),
    )
}

/// A person changes their own password, proving they know the current one.
pub fn change_own_password(
    tend: &Tend,
    session: &Session,
    current: &str,
    new_password: &str,
) -> Result<()> {
    tend.authorize(session, Action::OwnPasswordChange)?;
    check_password(session.username(), new_password)?;
    // Checking the current password goes through sign-in, with its throttle and audit.
    auth::sign_in(tend, session.username().as_str(), current).map_err(|e| match e {
        CoreError::InvalidCredentials => CoreError::refused(
            "wrong_current_password",
            Some("current_password"),
            "the current password is not right",
        ),
        other => other,
    })?;
    let hash = auth::hash_password(new_password)?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.update(
                Entity::User,
                session.user_id(),
                one("password_hash", Value::from(hash)),
            )?;
            tx.audit(
                AuditEntry::new("user.change_password", Outcome::Ok)
                    .record(Entity::User, session.user_id()),
            )
        })?;
    Ok(())
}
