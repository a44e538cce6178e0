//! Reading API Gateway requests and writing the contract's responses.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, RequestPayloadExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;

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
    let body = serde_json::to_string(&error.problem()).expect("problems always serialise");
    Response::builder()
        .status(error.status())
        .header(header::CONTENT_TYPE, "application/problem+json")
        .body(Body::Text(body))
        .expect("a valid response")
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
pub fn page_json(items: Vec<serde_json::Value>, last: Option<&str>) -> Response<Body> {
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
}
