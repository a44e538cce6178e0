//! `PUT /tenants/{tenantId}/representative/email`: while the representative has not registered,
//! invite the administrator at another address instead.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::http::{json, json_body};
use crate::invitations;
use crate::operations::{delete_unused_user, managed_tenant, only};
use crate::ports::{SendQuota, TokenPurpose};
use crate::rules;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeEmail {
    email: Email,
}

/// Order: refuse a registered address, find or create the person in Cognito, move the member,
/// its email marker and its invitation in one transaction, send the administrator invitation,
/// then delete the old address's Cognito user if nothing else uses it. Asking again for the
/// address the representative already has re-sends that invitation, so a retry after a failed
/// email succeeds. Removing the old user is cleanup after the commit (see `delete_unused_user`).
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let body: ChangeEmail = json_body(req)?;
    let tenant = &access.tenant;
    let representative = app
        .store
        .get_member(&tenant.tenant_id, &tenant.representative.member_id)
        .await?
        .ok_or(ApiError::NotFound("the tenant has no representative"))?;
    rules::must_be_invited(&representative)?;
    let now = crate::model::now();
    let change = Change::by(Actor::manager(&access));

    if body.email == representative.email {
        let mut renewed = representative.clone();
        let invitation = invitations::issue(app, &mut renewed, now)?;
        let quota = SendQuota::hourly(&representative.member_id, TokenPurpose::Invitation, now);
        let renewed = app.store.replace_link(&representative, &invitation.record, &quota, &change).await?;
        invitations::send(app, LinkKind::AdministratorInvitation, &renewed, &tenant.name, &invitation).await?;
        return Ok(json(StatusCode::OK, &tenant.view()));
    }

    if app.directory.is_registered(&body.email).await? {
        return Err(ApiError::EmailInUse);
    }
    let user_sub = app.directory.ensure_user(&body.email).await?;
    let mut moved = representative.clone();
    moved.email = body.email;
    moved.user_sub = user_sub;
    moved.version += 1;
    let invitation = invitations::issue(app, &mut moved, now)?;
    let updated = app.store.change_representative_email(tenant, &representative, &moved, &invitation.record, &change).await?;
    invitations::send(app, LinkKind::AdministratorInvitation, &moved, &tenant.name, &invitation).await?;

    // Cleanup after the commit: a failed read here leaves the old user, as a failed delete would.
    if app.store.memberships_of(&representative.user_sub).await.is_ok_and(|m| only(&m, &representative.member_id)) {
        delete_unused_user(app, &representative.user_sub).await;
    }
    Ok(json(StatusCode::OK, &updated.view()))
}
