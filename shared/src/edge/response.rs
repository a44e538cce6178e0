//! Writing the contract's responses: a handler's `Reply`, or an error as
//! `application/problem+json` with its status.
use crate::error::ApiError;
use crate::operations::Reply;
use crate::problem::{status_of, Problem};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};

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
    set(header::CONTENT_TYPE, json.then_some(reply.content_type));
    set(header::LOCATION, reply.location.as_deref());
    set(header::ETAG, reply.etag.as_deref());
    set(header::HeaderName::from_static("idempotent-replayed"), reply.replayed.then_some("true"));
    response
}

pub fn problem(error: &ApiError) -> Response<Body> {
    let body = serde_json::to_string(&Problem::of(error)).expect("problems always serialise");
    let mut response = Response::builder().status(status_of(error)).header(header::CONTENT_TYPE, "application/problem+json");
    if let Some(retry_after) = error.retry_after() {
        response = response.header(header::RETRY_AFTER, retry_after);
    }
    response.body(Body::Text(body)).expect("a valid response")
}

/// An error as SCIM says it (RFC 7644 §3.12), on the SCIM routes.
pub fn scim_error(error: &ApiError) -> Response<Body> {
    let status = status_of(error);
    let mut body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "detail": error.to_string(),
    });
    if let Some(scim_type) = scim_type(error) {
        body["scimType"] = scim_type.into();
    }
    let mut response = Response::builder().status(status).header(header::CONTENT_TYPE, crate::operations::SCIM_JSON);
    if let Some(retry_after) = error.retry_after() {
        response = response.header(header::RETRY_AFTER, retry_after);
    }
    response.body(Body::Text(body.to_string())).expect("a valid response")
}

/// SCIM's `scimType` of the errors that have one.
fn scim_type(error: &ApiError) -> Option<&'static str> {
    match error {
        ApiError::MemberExists | ApiError::GroupNameTaken => Some("uniqueness"),
        ApiError::ScimInvalid { scim_type, .. } => Some(scim_type),
        ApiError::ValidationFailed(_) => Some("invalidValue"),
        _ => None,
    }
}
