//! Single-use links: 256 random bits from the OS CSPRNG, shown once, stored only as a SHA-256.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    Invitation,
    PasswordReset,
}

/// The secret that travels in an email link.
pub struct Token(String);

/// What is stored in place of the token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl Token {
    pub fn generate() -> Result<Self, ApiError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ApiError::upstream(std::io::Error::other(e.to_string())))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token as it comes back from a link. Anything that cannot be one of ours is refused the
    /// same way an unknown token is, so the answer tells nothing.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        match URL_SAFE_NO_PAD.decode(raw) {
            Ok(bytes) if bytes.len() == 32 => Ok(Self(raw.to_string())),
            _ => Err(ApiError::TokenInvalid),
        }
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(sha256_hex(self.0.as_bytes()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl TokenHash {
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_and_hash_stably() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(URL_SAFE_NO_PAD.decode(a.expose()).unwrap().len(), 32);
        assert_eq!(Token::parse(a.expose()).unwrap().hash(), a.hash());
        assert_eq!(a.hash().as_str().len(), 64);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn strings_that_cannot_be_tokens_are_invalid() {
        assert!(matches!(Token::parse("abc"), Err(ApiError::TokenInvalid)));
        assert!(matches!(Token::parse(""), Err(ApiError::TokenInvalid)));
    }
}
