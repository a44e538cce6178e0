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
        let address = email_address::EmailAddress::from_str(trimmed).map_err(|_| ApiError::validation("email is not a valid address"))?;
        // Display names ("Name <a@b>") parse too; only a bare address is accepted.
        if address.as_str() != trimmed || !deliverable_everywhere(address.local_part(), address.domain()) {
            return Err(ApiError::validation("email is not a valid address"));
        }
        Ok(Self(trimmed.to_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The addresses Cognito takes as a sign-in name and SES delivers to: RFC 5321 allows more
/// (quoted local parts, `{`, `!`, IP literals), but an address a dependency refuses later would
/// leave a half-made invitation, so it is refused up front. Matches `openapi.yaml`'s pattern.
fn deliverable_everywhere(local: &str, domain: &str) -> bool {
    let local_ok = local.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
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
    fn only_addresses_every_dependency_takes_are_accepted() {
        for good in ["kim.lee+portal@example.co.jp", "o_k-1%x@mail-1.example.com", "_x@example.io"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "{4s@8.lx9rxwaf.test",
            "-a@example.com",
            "a@[127.0.0.1]",
            "\"q u\"@example.com",
            "a@example.c0m",
            "a@localhost",
            "a!b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

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
