//! `Idempotency-Key` on the creating POSTs: a retried request gets the first answer again (and
//! no second email); the same key on another request is refused. Keys are per caller and route
//! and are kept a day.
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::ports::{Reservation, StoredResponse};
use crate::tokens::sha256_hex;

const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;

/// Runs `operation` at most once per `Idempotency-Key`; without the header, just runs it.
pub async fn once<F>(app: &App, req: &Request, operation: F) -> Result<Response<Body>, ApiError>
where
    F: std::future::Future<Output = Result<Response<Body>, ApiError>>,
{
    let Some(raw) = req.headers().get(HEADER) else { return operation.await };
    let key = raw
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| ApiError::validation("Idempotency-Key must be 1 to 255 visible ASCII characters"))?;
    let caller = crate::http::caller(req)?;
    let scoped = format!("{}#{} {}#{key}", caller.sub.as_str(), req.method(), req.uri().path());
    let fingerprint = sha256_hex(req.body().as_ref());

    match app.store.reserve(&scoped, &fingerprint, crate::model::now()).await? {
        Reservation::Replay(stored) => Ok(replay(stored)),
        Reservation::Reserved => match operation.await {
            Ok(response) => {
                app.store.complete(&scoped, &stored(&response)).await?;
                Ok(response)
            }
            Err(error) => {
                app.store.release(&scoped).await?;
                Err(error)
            }
        },
    }
}

fn stored(response: &Response<Body>) -> StoredResponse {
    let body = match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    StoredResponse {
        status: response.status().as_u16(),
        body,
        location: response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string),
    }
}

fn replay(stored: StoredResponse) -> Response<Body> {
    let mut response = Response::new(Body::Text(stored.body));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Some(location) = stored.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}
