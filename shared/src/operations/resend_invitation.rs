//! `POST /tenants/{tenantId}/members/{memberId}/invitation`: a new link; the old one dies.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::changes;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::http::empty;
use crate::invitations;
use crate::operations::managed_member;
use crate::rules;
use crate::tokens::TokenPurpose;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    rules::must_be_invited(&member)?;
    // A person who has an account meanwhile is asked to sign in and join.
    let has_account = app.directory.has_account(&member.user_sub).await?;

    let now = crate::model::now();
    let invitation = invitations::issue(app, &member, now)?;
    let quotas =
        app.config.email_quotas.for_email(&member.tenant_id, &member.email, Some((&member.member_id, TokenPurpose::Invitation)), now);
    let (renewed, changes) = changes::replace_link(&member, &invitation.record, &quotas, &Change::by(Actor::manager(&access)));
    app.store.commit(&changes).await?;
    // The representative's invitation keeps its administrator wording.
    let kind = if renewed.representative { LinkKind::AdministratorInvitation } else { LinkKind::MemberInvitation };
    invitations::send(app, kind, &renewed, has_account, &access.tenant.name, &invitation).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
