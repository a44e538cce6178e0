//! `POST /tenants/{tenantId}/members`: invite a person by email with a language and roles.
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::catalog::Roles;
use crate::changes;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::http::{json, json_body, with_header};
use crate::idempotency;
use crate::ids::UserSub;
use crate::invitations;
use crate::language::Language;
use crate::model::Member;
use crate::operations::{managed_tenant, people};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteMember {
    email: Email,
    language: Language,
    roles: Roles,
}

/// Order of calls: Cognito user (reused if the person exists), then one transaction for the
/// member, its email marker, its token and its person's count, then the email; if the email
/// fails the transaction is taken back, so a retry starts clean and reuses the Cognito user.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    idempotency::once(app, req, invite(app, req)).await
}

async fn invite(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let body: InviteMember = json_body(req)?;

    let now = crate::model::now();
    let email = body.email.clone();
    let mut member = Member::new_invited(access.tenant.tenant_id.clone(), body.email, body.language, body.roles, UserSub::new(""), now);
    let invitation = invitations::issue(app, &member, now)?;
    invitation.record_on(&mut member);

    let change = Change::by(Actor::manager(&access));
    let quotas = app.config.email_quotas.for_email(&member.tenant_id, &email, None, now);
    let (user, written) = people::add_membership(app, &email, &mut member, |member, joining| {
        let changes = changes::invite_member(&member, &invitation.record, joining, &quotas, &change);
        async move { app.store.commit(&changes).await.map(|()| changes) }
    })
    .await?;
    let kind = LinkKind::MemberInvitation;
    if let Err(error) = invitations::send(app, kind, &member, user.has_account, &access.tenant.name, &invitation).await {
        app.store.commit(&written.undo()).await?;
        return Err(error);
    }
    let location = format!("/tenants/{}/members/{}", member.tenant_id, member.member_id);
    Ok(with_header(json(StatusCode::CREATED, &member.view()), header::LOCATION, &location))
}
