//! `PUT /tenants/{tenantId}/members/{memberId}/roles`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::catalog::Roles;
use crate::changes;
use crate::error::ApiError;
use crate::http::{if_match, json_body};
use crate::operations::{managed_member, member_response};
use crate::rules;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeRoles {
    roles: Roles,
}

/// One conditional write on the version read (or named by `If-Match`).
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    let body: ChangeRoles = json_body(req)?;
    let expected_version = if_match(req)?;
    rules::not_self(&access.caller, &member, "tenant administrators cannot change their own roles")?;
    rules::representative_keeps_tenant_admin(&member, &body.roles)?;
    rules::version_matches(&member, expected_version)?;
    let (changed, changes) = changes::change_roles(&member, &body.roles, &Change::by(Actor::manager(&access)));
    app.store.commit(&changes).await?;
    Ok(member_response(StatusCode::OK, &changed))
}
