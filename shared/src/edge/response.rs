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
    set(header::CONTENT_TYPE, json.then_some("application/json"));
    set(header::LOCATION, reply.location.as_deref());
    set(header::ETAG, reply.etag.as_deref());
    set(header::HeaderName::from_static("idempotent-replayed"), reply.replayed.then_some("true"));
    response
}

pub fn problem(error: &ApiError) -> Response<Body> {
    let body = serde_json::to_string(&Problem::of(error)).expect("problems always serialise");
    let mut response = Response::builder().status(status_of(error)).header(header::CONTENT_TYPE, "application/problem+json");
    if let ApiError::RateLimited { retry_after } = error {
        response = response.header(header::RETRY_AFTER, *retry_after);
    }
    response.body(Body::Text(body)).expect("a valid response")
}
