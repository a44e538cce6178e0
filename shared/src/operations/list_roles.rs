//! `GET /roles`: the authorization tables, for any signed-in user.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::catalog::CATALOG;
use crate::error::ApiError;
use crate::http::json;

pub async fn handle(_app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    crate::http::caller(req)?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "applications": CATALOG })))
}
