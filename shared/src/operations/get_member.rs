//! `GET /tenants/{tenantId}/members/{memberId}`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::operations::{managed_member, managed_tenant, member_response};

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let member = managed_member(app, &access, req).await?;
    Ok(member_response(StatusCode::OK, &member))
}
