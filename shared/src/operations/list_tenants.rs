//! `GET /tenants`: the tenants the caller manages, descendants included, a page at a time.
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::{decode_cursor, page_json, page_limit, query_param};
use crate::ids::TenantId;
use crate::model::Tenant;
use crate::ports::{Page, TenantPage};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = crate::http::caller(req)?;
    let limit = page_limit(query_param(req, "limit"), DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = query_param(req, "cursor").map(|c| decode_cursor(&c, TenantId::parse)).transpose()?;
    let page = if caller.operator {
        app.store.tenants_page(after.as_ref(), limit).await?
    } else {
        let administered: Vec<_> =
            app.store.memberships_of(&caller.sub).await?.into_iter().filter(|m| m.is_active_tenant_admin()).map(|m| m.tenant_id).collect();
        // The ids are keys only; just the page's tenants are read.
        let ids = if administered.is_empty() { Vec::new() } else { app.store.tenant_ids_under(&administered).await? };
        let ids: Vec<TenantId> = ids.into_iter().filter(|id| after.as_ref().is_none_or(|a| id > a)).take(limit + 1).collect();
        let ids = Page::of(ids, limit, TenantId::clone);
        TenantPage { items: app.store.get_tenants(&ids.items).await?, last: ids.last }
    };
    let items: Vec<_> = page.items.iter().map(Tenant::view).collect();
    Ok(page_json(items, page.last.as_ref().map(|t| t.as_str())))
}
