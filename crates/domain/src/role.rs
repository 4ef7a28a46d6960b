//! Roles a person holds in the clinic. A person may hold several (a doctor who is also the admin).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Doctor,
    Nurse,
    Receptionist,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Doctor, Role::Nurse, Role::Receptionist];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Receptionist => "receptionist",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "roles",
                    words!("\"{s}\" is not a role; the roles are admin, doctor, nurse and receptionist", s = s),
                )
            })
    }
}

/// A non-empty set of roles.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Roles(u8);

impl Roles {
    pub const fn empty() -> Self {
        Roles(0)
    }

    pub fn with(mut self, role: Role) -> Self {
        self.0 |= role.bit();
        self
    }

    pub const fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// Parses a comma-separated list such as `"doctor,admin"`; at least one role is required.
    pub fn parse_list(s: &str) -> Result<Self, ValidationError> {
        let mut roles = Roles::empty();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            roles = roles.with(part.parse()?);
        }
        if roles.is_empty() {
            return Err(ValidationError::new(
                "roles",
                "at least one role is required",
            ));
        }
        Ok(roles)
    }

    /// The canonical stored form: roles in a fixed order, comma-separated.
    pub fn to_list(self) -> String {
        self.iter().map(Role::as_str).collect::<Vec<_>>().join(",")
    }
}

impl FromIterator<Role> for Roles {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        iter.into_iter().fold(Roles::empty(), Roles::with)
    }
}

impl fmt::Debug for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_list())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, &str>) {
        let got = Roles::parse_list(input)
            .map(Roles::to_list)
            .map_err(|e| e.reason.to_string());
        assert_eq!(
            got,
            expected.map(str::to_owned).map_err(str::to_owned),
            "input {input:?}"
        );
    }

    #[test]
    fn parse_role_lists() {
        check("doctor,admin", Ok("admin,doctor"));
        check(" Nurse , receptionist ", Ok("nurse,receptionist"));
        check("doctor,doctor", Ok("doctor"));
        check("", Err("at least one role is required"));
        check(" , ", Err("at least one role is required"));
        check(
            "surgeon",
            Err("\"surgeon\" is not a role; the roles are admin, doctor, nurse and receptionist"),
        );
    }
}
