//! The pool's password policy, checked before any AWS call so that a password Cognito would
//! refuse changes nothing. `template.yaml` is its one source: its `PasswordPolicy` mapping
//! configures the user pool and, through the functions' environment, this check.
use serde::Deserialize;

use crate::error::ApiError;

/// Cognito takes no longer password through its API.
const MAX_CHARS: usize = 256;
/// What Cognito counts as a symbol (besides a space that is neither first nor last).
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl PasswordPolicy {
    /// `PasswordRejected` with the first reason the pool (or Cognito's API) would give.
    pub fn check(&self, password: &str) -> Result<(), ApiError> {
        let reject = |reason: String| Err(ApiError::PasswordRejected(reason));
        let chars = password.chars().count();
        if chars > MAX_CHARS {
            return reject(format!("the password must be at most {MAX_CHARS} characters long"));
        }
        if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
            return reject("the password must not begin or end with white space".into());
        }
        if chars < self.minimum_length {
            return reject(format!("the password must be at least {} characters long", self.minimum_length));
        }
        let has = |test: fn(char) -> bool| password.chars().any(test);
        if self.require_lowercase && !has(|c| c.is_ascii_lowercase()) {
            return reject("the password must contain a lower-case letter".into());
        }
        if self.require_uppercase && !has(|c| c.is_ascii_uppercase()) {
            return reject("the password must contain an upper-case letter".into());
        }
        if self.require_numbers && !has(|c| c.is_ascii_digit()) {
            return reject("the password must contain a number".into());
        }
        if self.require_symbols && !has(|c| c == ' ' || SYMBOLS.contains(c)) {
            return reject("the password must contain a symbol".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy {
            minimum_length: 12,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }

    #[test]
    fn what_cognito_would_refuse_is_refused_with_its_reason() {
        let refused = |p: &str| match policy().check(p) {
            Err(ApiError::PasswordRejected(reason)) => reason,
            other => panic!("{p:?}: {other:?}"),
        };
        assert!(refused(" Corr3ct-Horse-Battery!").contains("white space"));
        assert!(refused("Corr3ct-Horse-Battery!\t").contains("white space"));
        assert!(refused(&format!("Aa1!{}", "x".repeat(253))).contains("256"));
        assert!(refused("Sh0rt!").contains("12"));
        assert!(refused("corr3ct-horse-battery!").contains("upper-case"));
        assert!(refused("CORR3CT-HORSE-BATTERY!").contains("lower-case"));
        assert!(refused("Correct-Horse-Battery!").contains("number"));
        assert!(refused("Corr3ctHorseBattery").contains("symbol"));
    }

    #[test]
    fn a_password_that_meets_the_policy_passes() {
        assert!(policy().check("Corr3ct-Horse-Battery!").is_ok());
        assert!(policy().check("Corr3ct Horse Battery").is_ok(), "an inner space counts as a symbol");
        assert!(policy().check(&format!("Aa1!{}", "x".repeat(252))).is_ok());
    }
}
