//! Typed record ids: UUIDv7 newtypes, so a `UserId` can never be passed where a `DeviceId` is meant.

macro_rules! record_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize, ::ts_rs::TS)]
        #[serde(transparent)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(::uuid::Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: ::uuid::Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for ::uuid::Uuid {
            fn from(id: $name) -> ::uuid::Uuid {
                id.0
            }
        }
    };
}
pub(crate) use record_id;

record_id!(
    /// A person who signs in to Tend.
    UserId
);
record_id!(
    /// One installation of Tend on one desktop.
    DeviceId
);
record_id!(
    /// One entry in the change log (the unit that sync sends).
    ChangeId
);
record_id!(
    /// One entry in the audit log.
    AuditId
);
record_id!(
    /// The clinic's settings record (one per database).
    ClinicId
);
record_id!(
    /// One encrypted database; ties key slots and backups to the database they unlock.
    DatabaseId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = UserId::new();
        let parsed: UserId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
        assert_eq!(id.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = ChangeId::new();
        let b = ChangeId::new();
        assert!(a < b);
    }
}
