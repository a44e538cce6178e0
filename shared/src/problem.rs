//! An error as the contract shows it: its HTTP status and its RFC 9457 problem details. The edge
//! answers a request's error with them; a batch shows each failed row's.
use lambda_http::http::StatusCode;
use serde::Serialize;

use crate::error::ApiError;

/// The HTTP status the contract gives each error.
pub fn status_of(error: &ApiError) -> StatusCode {
    match error {
        ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_)
        | ApiError::SelfChangeForbidden(_)
        | ApiError::WrongAccount
        | ApiError::NotRepresentative
        | ApiError::TenantNotAvailable => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ApiError::ValidationFailed(_)
        | ApiError::ScimInvalid { .. }
        | ApiError::BatchTooLarge { .. }
        | ApiError::TokenInvalid
        | ApiError::PasswordRejected(_) => StatusCode::BAD_REQUEST,
        ApiError::MemberExists
        | ApiError::AlreadyInBatch
        | ApiError::RepresentativeProtected(_)
        | ApiError::IdentityProtected
        | ApiError::MfaRequiredElsewhere
        | ApiError::SignInRequired
        | ApiError::AlreadyRegistered(_)
        | ApiError::NotRegistered
        | ApiError::EmailInUse
        | ApiError::NotEligible(_)
        | ApiError::DirectoryManaged
        | ApiError::GroupNameTaken
        | ApiError::TooManyTokens { .. } => StatusCode::CONFLICT,
        ApiError::VersionConflict | ApiError::PersonChanged => StatusCode::PRECONDITION_FAILED,
        ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
        ApiError::TokenExpired => StatusCode::GONE,
        ApiError::RateLimited { .. } | ApiError::TooManyRefusals { .. } => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Upstream(_) | ApiError::Unfinished { .. } | ApiError::OutOfTime => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// RFC 9457 problem details, as the contract fixes them: the body of an error answer, and the
/// `error` of a batch's row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: &'static str,
    /// `rate_limited`: seconds to wait, as `Retry-After` says (a batch's row has no header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn of(error: &ApiError) -> Self {
        let status = status_of(error);
        Problem {
            r#type: format!("https://errors.tenant-members.dev/{}", error.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: error.to_string(),
            code: error.code(),
            retry_after: error.retry_after(),
        }
    }
}
