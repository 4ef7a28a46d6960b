//! Users as stored: reading them back, their fields for the change log, and the local count of
//! failed sign-ins.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use tend_domain::{Fields, Roles, User, UserId, Username, Value};

use crate::audit::timestamp;
use crate::error::{Result, StoreError};
use crate::{Reader, WriteTx, parse_id};

/// A user with the password hash, which only sign-in needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

impl UserRecord {
    /// Every field of a new user, as the change log records it.
    pub fn fields(&self) -> Fields {
        let u = &self.user;
        [
            ("username", Value::from(u.username.as_str())),
            ("display_name", Value::from(u.display_name.as_str())),
            ("password_hash", Value::from(self.password_hash.as_str())),
            ("roles", Value::from(u.roles.to_list())),
            ("licence_number", Value::from(u.licence_number.clone())),
            ("disabled", Value::from(u.disabled)),
            ("locked", Value::from(u.locked)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

const COLUMNS: &str =
    "id, username, display_name, password_hash, roles, licence_number, disabled, locked";

fn from_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let bad = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("stored {what} is invalid").into(),
        )
    };
    let username: String = r.get(1)?;
    let roles: String = r.get(4)?;
    Ok(UserRecord {
        user: User {
            id: parse_id(r.get_ref(0)?)?,
            username: Username::parse(&username).map_err(|_| bad("username"))?,
            display_name: r.get(2)?,
            roles: Roles::parse_list(&roles).map_err(|_| bad("roles"))?,
            licence_number: r.get(5)?,
            disabled: r.get(6)?,
            locked: r.get(7)?,
        },
        password_hash: r.get(3)?,
    })
}

impl Reader<'_> {
    pub fn user_by_username(&self, username: &Username) -> Result<Option<UserRecord>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM user WHERE username = ?1"),
                [username.as_str()],
                from_row,
            )
            .optional()?)
    }

    pub fn user(&self, id: UserId) -> Result<Option<UserRecord>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM user WHERE id = ?1"),
                [id.to_string()],
                from_row,
            )
            .optional()?)
    }

    /// All users, by username.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM user ORDER BY username"))?;
        let users = stmt
            .query_map([], from_row)?
            .map(|r| r.map(|rec| rec.user))
            .collect::<rusqlite::Result<_>>()?;
        Ok(users)
    }

    /// Consecutive failed sign-ins on this device, and when the last one was.
    pub fn sign_in_failures(&self, id: UserId) -> Result<(u32, Option<DateTime<Utc>>)> {
        let row: Option<(i64, DateTime<Utc>)> = self
            .conn
            .query_row(
                "SELECT failures, last_failed_at FROM sign_in_failure WHERE user_id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((n, at)) => (u32::try_from(n).unwrap_or(u32::MAX), Some(at)),
            None => (0, None),
        })
    }
}

impl WriteTx<'_> {
    /// Counts one more failed sign-in for `id` on this device; returns the new count.
    pub fn record_sign_in_failure(&mut self, id: UserId) -> Result<u32> {
        let at = timestamp(self.ctx().now);
        let n: i64 = self.conn().query_row(
            "INSERT INTO sign_in_failure (user_id, failures, last_failed_at) VALUES (?1, 1, ?2)
             ON CONFLICT (user_id) DO UPDATE
             SET failures = failures + 1, last_failed_at = excluded.last_failed_at
             RETURNING failures",
            params![id.to_string(), at],
            |r| r.get(0),
        )?;
        u32::try_from(n).map_err(|_| StoreError::Corrupt("sign-in failure count".into()))
    }

    pub fn clear_sign_in_failures(&mut self, id: UserId) -> Result<()> {
        self.conn().execute(
            "DELETE FROM sign_in_failure WHERE user_id = ?1",
            [id.to_string()],
        )?;
        Ok(())
    }
}
