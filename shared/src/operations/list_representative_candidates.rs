//! `GET /tenants/{tenantId}/representative/candidates`: who could take over as representative.
//! An empty list is the portal's "No tenant administrator available for selection".
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::catalog::{PORTAL, TENANT_ADMIN};
use crate::error::ApiError;
use crate::http::json;
use crate::model::{Member, MemberStatus};
use crate::operations::managed_tenant;
use crate::ports::MemberFilter;

const PAGE: usize = 100;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let filter =
        MemberFilter { status: Some(MemberStatus::Active), role: Some((PORTAL.to_string(), TENANT_ADMIN.to_string())), email_prefix: None };
    let mut candidates = Vec::new();
    let mut after = None;
    loop {
        let page = app.store.list_members(&access.tenant.tenant_id, after.as_ref(), PAGE, &filter).await?;
        candidates.extend(page.items.into_iter().filter(|m| !m.representative));
        match page.last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    let items: Vec<_> = candidates.iter().map(Member::view).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}
