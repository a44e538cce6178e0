use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::ApiError;

/// An email address, normalised to lower case so that "email unique per tenant" holds for any
/// spelling and so that Cognito's case-sensitive lookups find the same person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// RFC 5321's limit on a forward path.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let trimmed = raw.trim();
        if trimmed.len() > MAX_LEN || trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ApiError::validation("email is not a valid address"));
        }
        let address = email_address::EmailAddress::from_str(trimmed)
            .map_err(|_| ApiError::validation("email is not a valid address"))?;
        // Display names ("Name <a@b>") parse too; only a bare address is accepted.
        if address.as_str() != trimmed || !address.domain().contains('.') {
            return Err(ApiError::validation("email is not a valid address"));
        }
        Ok(Self(trimmed.to_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ApiError;
    fn try_from(raw: String) -> Result<Self, ApiError> {
        Self::parse(&raw)
    }
}
impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}
impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_lower_case() {
        assert_eq!(Email::parse(" Alice@Example.COM ").unwrap().as_str(), "alice@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "alice@example",
            "Alice <alice@example.com>",
            "ali\u{0}ce@example.com",
            "ali ce@example.com",
            "a\r\nBcc: x@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(300));
        assert!(Email::parse(&long).is_err());
    }
}
