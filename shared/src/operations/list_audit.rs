//! `GET /tenants/{tenantId}/audit`: the tenant's audit trail, newest first.
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::{decode_cursor, page_json, page_limit, query_param};
use crate::ids::AuditId;
use crate::operations::managed_tenant;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let limit = page_limit(query_param(req, "limit"), DEFAULT_LIMIT, MAX_LIMIT)?;
    let before = query_param(req, "cursor").map(|c| decode_cursor(&c, AuditId::parse)).transpose()?;
    let page = app.store.list_audit(&access.tenant.tenant_id, before.as_ref(), limit).await?;
    let items = page.items.iter().map(|entry| entry.view()).collect();
    Ok(page_json(items, page.last.as_ref().map(|id| id.as_str())))
}
