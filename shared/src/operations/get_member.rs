//! `GET /tenants/{tenantId}/members/{memberId}`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::operations::{managed_member, member_response};

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (_, member) = managed_member(app, req).await?;
    Ok(member_response(StatusCode::OK, &member))
}
