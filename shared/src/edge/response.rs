//! Writing the contract's responses: a handler's `Reply`, or an error as
//! `application/problem+json` with its status.
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::operations::Reply;

pub fn reply(reply: Reply) -> Response<Body> {
    let json = reply.body.is_some();
    let mut response = Response::new(reply.body.map_or(Body::Empty, Body::Text));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: Option<&str>| {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, json.then_some("application/json"));
    set(header::LOCATION, reply.location.as_deref());
    set(header::ETAG, reply.etag.as_deref());
    set(header::HeaderName::from_static("idempotent-replayed"), reply.replayed.then_some("true"));
    response
}

pub fn problem(error: &ApiError) -> Response<Body> {
    let body = serde_json::to_string(&problem_of(error)).expect("problems always serialise");
    let mut response = Response::builder().status(status_of(error)).header(header::CONTENT_TYPE, "application/problem+json");
    if let ApiError::RateLimited { retry_after } = error {
        response = response.header(header::RETRY_AFTER, *retry_after);
    }
    response.body(Body::Text(body)).expect("a valid response")
}

/// The HTTP status the contract gives each error.
pub fn status_of(error: &ApiError) -> StatusCode {
    match error {
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
        ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Upstream(_) | ApiError::Unfinished { .. } => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// RFC 9457 problem details of an error.
fn problem_of(error: &ApiError) -> Problem {
    let status = status_of(error);
    Problem {
        r#type: format!("https://errors.tenant-members.dev/{}", error.code()),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: error.to_string(),
        code: error.code(),
    }
}

/// RFC 9457 problem details, as the contract fixes them.
#[derive(Debug, Serialize)]
struct Problem {
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: &'static str,
}
