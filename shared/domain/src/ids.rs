//! Identifiers. Ids are ULIDs: unguessable enough to be opaque, and sortable by creation time,
//! which keeps member pages stable while members are added.
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::ApiError;

macro_rules! ulid_id {
    ($name:ident, $what:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A new id, ordered by `at`: ids made in one request sort by that request's time.
            pub fn at(at: time::OffsetDateTime) -> Self {
                Self(ulid::Ulid::from_datetime(std::time::SystemTime::from(at)).to_string())
            }
            /// A new id at the wall clock's time, for what is made outside a request.
            pub fn generate() -> Self {
                Self(ulid::Ulid::new().to_string())
            }
            pub fn parse(raw: &str) -> Result<Self, ApiError> {
                raw.parse::<ulid::Ulid>().map(|id| Self(id.to_string())).map_err(|_| ApiError::validation(concat!("not a valid ", $what)))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = ApiError;
            fn try_from(raw: String) -> Result<Self, ApiError> {
                Self::parse(&raw)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

ulid_id!(TenantId, "tenant id");
ulid_id!(MemberId, "member id");
ulid_id!(AuditId, "audit entry id");
ulid_id!(DirectoryTokenId, "directory token id");
ulid_id!(GroupId, "group id");

/// Cognito's `sub`: the person behind one or more memberships.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserSub(String);

impl UserSub {
    pub fn new(sub: impl Into<String>) -> Self {
        Self(sub.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ulids_in_canonical_form() {
        let id = MemberId::generate();
        assert_eq!(MemberId::parse(id.as_str()).unwrap(), id);
        assert_eq!(MemberId::parse(&id.as_str().to_lowercase()).unwrap(), id, "lower-case input is the same id");
        assert!(TenantId::parse("../other-tenant").is_err());
        assert!(TenantId::parse("").is_err());
    }
}
