//! `POST /tenants/{tenantId}/members`: invite a person by email with a language and roles.
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::catalog::Roles;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::http::{json, json_body, with_header};
use crate::idempotency;
use crate::invitations;
use crate::language::Language;
use crate::model::Member;
use crate::operations::managed_tenant;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteMember {
    email: Email,
    language: Language,
    roles: Roles,
}

/// Order of calls: Cognito user (reused if the person exists), then one transaction for the
/// member, its email marker and its token, then the email; if the email fails the transaction is
/// taken back, so a retry starts clean and reuses the Cognito user.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    idempotency::once(app, req, invite(app, req)).await
}

async fn invite(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let body: InviteMember = json_body(req)?;

    let user_sub = app.directory.ensure_user(&body.email).await?;
    let now = crate::model::now();
    let mut member = Member::new_invited(
        access.tenant.tenant_id.clone(),
        body.email,
        body.language,
        body.roles,
        user_sub,
        now,
    );
    let invitation = invitations::issue(app, &mut member, now)?;

    let change = Change::by(Actor::manager(&access));
    app.store.insert_member(&member, &invitation.record, &change).await?;
    if let Err(error) = invitations::send(app, LinkKind::MemberInvitation, &member, &access.tenant.name, &invitation).await {
        app.store.undo_insert_member(&member, &invitation.record, &change).await?;
        return Err(error);
    }
    let location = format!("/tenants/{}/members/{}", member.tenant_id, member.member_id);
    Ok(with_header(json(StatusCode::CREATED, &member.view()), header::LOCATION, &location))
}
