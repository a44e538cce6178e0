//! `PUT /tenants/{tenantId}/representative`: the representative hands the role to another
//! registered tenant administrator.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::http::{json, json_body};
use crate::ids::MemberId;
use crate::operations::managed_tenant;
use crate::rules;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ChangeRepresentative {
    member_id: String,
}

/// One transaction guarded on the old representative, the new one and the tenant as read, so
/// there is always exactly one representative.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let body: ChangeRepresentative = json_body(req)?;
    let current = access
        .own_membership
        .as_ref()
        .filter(|m| m.representative && m.member_id == access.tenant.representative.member_id)
        .ok_or(ApiError::NotRepresentative)?;
    let not_a_member = || ApiError::NotEligible("the member is not a member of this tenant");
    let target_id = MemberId::parse(&body.member_id).map_err(|_| not_a_member())?;
    let target = app.store.get_member(&access.tenant.tenant_id, &target_id).await?.ok_or_else(not_a_member)?;
    rules::eligible_representative(&target)?;
    let (tenant, changes) = changes::transfer_representative(&access.tenant, current, &target, &Change::by(Actor::manager(&access)));
    app.store.commit(&changes).await?;
    Ok(json(StatusCode::OK, &tenant.view()))
}
