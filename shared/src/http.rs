//! Reading API Gateway requests and writing the contract's responses.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, RequestPayloadExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::{Caller, OPERATORS_GROUP};
use crate::error::ApiError;
use crate::ids::UserSub;

/// Bodies larger than this are refused before parsing (API Gateway's own limit is 10 MB).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The request body as `T`, with the parse failure as a `validation_failed` detail.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    if req.body().len() > MAX_BODY_BYTES {
        return Err(ApiError::validation("the request body is too large"));
    }
    match req.payload::<T>() {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(ApiError::validation("a JSON body is required")),
        Err(e) => Err(ApiError::validation(format!("the body is not valid: {e}"))),
    }
}

pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_string)
        .ok_or_else(|| ApiError::validation(format!("missing path parameter {name}")))
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_string)
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_string(value).expect("responses always serialise");
    Response::builder().status(status).header(header::CONTENT_TYPE, "application/json").body(Body::Text(body)).expect("a valid response")
}

pub fn empty(status: StatusCode) -> Response<Body> {
    Response::builder().status(status).body(Body::Empty).expect("a valid response")
}

pub fn with_header(mut response: Response<Body>, name: header::HeaderName, value: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
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

/// The `If-Match` header as a member version (`3`, `"3"` or `W/"3"`).
pub fn if_match(req: &Request) -> Result<Option<u64>, ApiError> {
    let Some(raw) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    raw.to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| ApiError::validation("If-Match must be a member version"))
}

/// A list page as the contract shows it: the items, and the cursor of the next page.
pub fn page_json<T: Serialize>(items: Vec<T>, last: Option<&str>) -> Response<Body> {
    json(StatusCode::OK, &serde_json::json!({ "items": items, "nextCursor": last.map(encode_cursor) }))
}

/// `limit` of a list: 1 to `max`, `default` when absent.
pub fn page_limit(raw: Option<String>, default: usize, max: usize) -> Result<usize, ApiError> {
    match raw {
        None => Ok(default),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::validation(format!("limit must be a whole number from 1 to {max}"))),
        },
    }
}

/// A list cursor names the last id shown. It is only ever applied inside the tenant of the
/// path, so a cursor from elsewhere cannot read another tenant; anything else is refused.
pub fn decode_cursor<T>(raw: &str, parse: impl Fn(&str) -> Result<T, ApiError>) -> Result<T, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|id| parse(&id).ok())
        .ok_or_else(|| ApiError::validation("cursor is not valid"))
}

pub fn encode_cursor(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(last)
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
        ApiError::Upstream(_) => StatusCode::SERVICE_UNAVAILABLE,
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

/// The signed-in caller, as API Gateway's JWT authorizer describes them.
pub fn caller(req: &Request) -> Result<Caller, ApiError> {
    let RequestContext::ApiGatewayV2(context) = req.request_context() else {
        return Err(ApiError::Unauthenticated);
    };
    let claims = context.authorizer.and_then(|a| a.jwt).map(|jwt| jwt.claims).ok_or(ApiError::Unauthenticated)?;
    let sub = claims.get("sub").filter(|s| !s.is_empty()).ok_or(ApiError::Unauthenticated)?;
    let operator = claims.get("cognito:groups").is_some_and(|groups| parse_groups(groups).any(|g| g == OPERATORS_GROUP));
    Ok(Caller { sub: UserSub::new(sub.clone()), operator })
}

/// API Gateway flattens the `cognito:groups` array to `[a b]`; a JSON array or a single name
/// are accepted too.
fn parse_groups(raw: &str) -> impl Iterator<Item = &str> {
    raw.trim_matches(|c| c == '[' || c == ']').split([' ', ',']).map(|g| g.trim_matches('"')).filter(|g| !g.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MemberId;

    #[test]
    fn limit_is_1_to_max_with_a_default() {
        assert_eq!(page_limit(None, 50, 100).unwrap(), 50);
        assert_eq!(page_limit(Some("100".into()), 50, 100).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert!(page_limit(Some(bad.into()), 50, 100).is_err(), "{bad}");
        }
    }

    #[test]
    fn forged_cursors_are_refused() {
        let id = MemberId::generate();
        assert_eq!(decode_cursor(&encode_cursor(id.as_str()), MemberId::parse).unwrap(), id);
        assert!(decode_cursor("not-base64!", MemberId::parse).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("TENANT#x"), MemberId::parse).is_err());
    }

    #[test]
    fn groups_claim_is_read_in_api_gateway_form() {
        assert!(parse_groups("[operators]").any(|g| g == "operators"));
        assert!(parse_groups("[admins operators]").any(|g| g == "operators"));
        assert!(parse_groups("[\"operators\"]").any(|g| g == "operators"));
        assert!(!parse_groups("[operators-lite]").any(|g| g == "operators"));
    }
}
