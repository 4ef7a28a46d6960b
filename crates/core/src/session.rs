//! Who is signed in. A `Session` is made only by a successful sign-in; every use case takes one
//! and asks [`crate::Tend::authorize`] before it touches the store.

use chrono::{DateTime, Utc};
use tend_domain::{DeviceId, Roles, UserId, Username};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    user_id: UserId,
    username: Username,
    display_name: String,
    roles: Roles,
    device_id: DeviceId,
    signed_in_at: DateTime<Utc>,
}

impl Session {
    pub(crate) fn new(
        user_id: UserId,
        username: Username,
        display_name: String,
        roles: Roles,
        device_id: DeviceId,
        signed_in_at: DateTime<Utc>,
    ) -> Self {
        Session {
            user_id,
            username,
            display_name,
            roles,
            device_id,
            signed_in_at,
        }
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub fn username(&self) -> &Username {
        &self.username
    }

    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The roles as of sign-in. Permission checks read the current roles from the store.
    pub fn roles(&self) -> Roles {
        self.roles
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    pub fn signed_in_at(&self) -> DateTime<Utc> {
        self.signed_in_at
    }
}
