//! The one typed error of the service, and its mapping to the contract's problem+json codes.
use lambda_http::http::StatusCode;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("sign in first: no valid bearer token")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    ValidationFailed(String),
    #[error("this email is already a member of the tenant")]
    MemberExists,
    #[error("{0}")]
    SelfChangeForbidden(&'static str),
    #[error("{0}")]
    RepresentativeProtected(&'static str),
    #[error("this person is an operator: their account is out of a tenant manager's reach")]
    IdentityProtected,
    #[error("this person is also a member of a tenant you do not manage, which keeps MFA on")]
    MfaRequiredElsewhere,
    #[error("this person already has an account: sign in and join with the invitation instead")]
    SignInRequired,
    #[error("this invitation was sent to another person; sign in with the invited account")]
    WrongAccount,
    #[error("{0}")]
    AlreadyRegistered(&'static str),
    #[error("the member has not completed registration")]
    NotRegistered,
    #[error("this email already belongs to a registered account or a member of this tenant")]
    EmailInUse,
    #[error("{0}")]
    NotEligible(&'static str),
    #[error("only the representative administrator can hand over the role")]
    NotRepresentative,
    #[error("the member was changed by someone else; reload and try again")]
    VersionConflict,
    /// The person a new membership joins changed (their MFA, or their account is being
    /// removed) since they were read: the operation reads them again.
    #[error("the person was changed by someone else; try again")]
    PersonChanged,
    #[error("the link is not valid; ask for a new one")]
    TokenInvalid,
    #[error("the link has expired; ask for a new one")]
    TokenExpired,
    #[error("{0}")]
    PasswordRejected(String),
    #[error("too many emails for this member; try again later")]
    RateLimited,
    #[error("this Idempotency-Key was used with another request")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyInProgress,
    /// The source is logged, never shown: it may name internal resources.
    #[error("a dependency failed; nothing was changed, try again")]
    Upstream(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn validation(detail: impl Into<String>) -> Self {
        ApiError::ValidationFailed(detail.into())
    }

    pub fn upstream(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Upstream(Box::new(source))
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::ValidationFailed(_) => "validation_failed",
            ApiError::MemberExists => "member_exists",
            ApiError::SelfChangeForbidden(_) => "self_change_forbidden",
            ApiError::RepresentativeProtected(_) => "representative_protected",
            ApiError::IdentityProtected => "identity_protected",
            ApiError::MfaRequiredElsewhere => "mfa_required_elsewhere",
            ApiError::SignInRequired => "sign_in_required",
            ApiError::WrongAccount => "wrong_account",
            ApiError::AlreadyRegistered(_) => "already_registered",
            ApiError::NotRegistered => "not_registered",
            ApiError::EmailInUse => "email_in_use",
            ApiError::NotEligible(_) => "not_eligible",
            ApiError::NotRepresentative => "not_representative",
            ApiError::VersionConflict | ApiError::PersonChanged => "version_conflict",
            ApiError::TokenInvalid => "token_invalid",
            ApiError::TokenExpired => "token_expired",
            ApiError::PasswordRejected(_) => "password_rejected",
            ApiError::RateLimited => "rate_limited",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyInProgress => "idempotency_in_progress",
            ApiError::Upstream(_) => "upstream_unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::SelfChangeForbidden(_) | ApiError::WrongAccount | ApiError::NotRepresentative => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::ValidationFailed(_) | ApiError::TokenInvalid | ApiError::PasswordRejected(_) => StatusCode::BAD_REQUEST,
            ApiError::MemberExists
            | ApiError::RepresentativeProtected(_)
            | ApiError::IdentityProtected
            | ApiError::MfaRequiredElsewhere
            | ApiError::SignInRequired
            | ApiError::AlreadyRegistered(_)
            | ApiError::NotRegistered
            | ApiError::EmailInUse
            | ApiError::NotEligible(_) => StatusCode::CONFLICT,
            ApiError::VersionConflict | ApiError::PersonChanged => StatusCode::PRECONDITION_FAILED,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::TokenExpired => StatusCode::GONE,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Upstream(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            r#type: format!("https://errors.tenant-members.dev/{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            code: self.code(),
        }
    }
}

/// RFC 9457 problem details, as the contract fixes them.
#[derive(Debug, Serialize)]
pub struct Problem {
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: &'static str,
}
