//! `GET /tenants/{tenantId}/representative/candidates`: who could take over as representative.
//! An empty list is the portal's "No tenant administrator available for selection".
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::json;
use crate::model::Member;
use crate::operations::managed_tenant;

/// More administrators than a person picks from: one bounded read of the index of active
/// tenant-admins, however many members the tenant has.
const MAX_CANDIDATES: usize = 100;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let admins = app.store.tenant_admins(&access.tenant.tenant_id, MAX_CANDIDATES + 1).await?;
    // The index may lag a change by a moment: the members themselves say who is eligible.
    let items: Vec<_> =
        admins.iter().filter(|m| !m.representative && m.is_active_tenant_admin()).take(MAX_CANDIDATES).map(Member::view).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}
