//! `GET /tenants/{tenantId}`: the tenant overview.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::json;
use crate::operations::managed_tenant;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    Ok(json(StatusCode::OK, &access.tenant.view()))
}
