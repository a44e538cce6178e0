//! `GET /tenants`: every tenant the caller manages, descendants included.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::json;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = crate::http::caller(req)?;
    let tenants = if caller.operator {
        app.store.all_tenants().await?
    } else {
        let administered: Vec<_> =
            app.store.memberships_of(&caller.sub).await?.into_iter().filter(|m| m.is_active_tenant_admin()).map(|m| m.tenant_id).collect();
        if administered.is_empty() {
            Vec::new()
        } else {
            app.store.tenants_under(&administered).await?
        }
    };
    let items: Vec<_> = tenants.iter().map(|t| t.view()).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}
