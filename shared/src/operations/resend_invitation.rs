//! `POST /tenants/{tenantId}/members/{memberId}/invitation`: a new link; the old one dies.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::http::empty;
use crate::invitations;
use crate::operations::managed_member;
use crate::ports::{SendQuota, TokenPurpose};
use crate::rules;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    rules::must_be_invited(&member)?;
    // A person who has an account meanwhile is asked to sign in and join.
    let has_account = app.directory.has_account(&member.user_sub).await?;

    let now = crate::model::now();
    let mut renewed = member.clone();
    let invitation = invitations::issue(app, &mut renewed, now)?;
    let quota = SendQuota::hourly(&member.member_id, TokenPurpose::Invitation, now);
    let renewed = app.store.replace_link(&member, &invitation.record, &quota, &Change::by(Actor::manager(&access))).await?;
    // The representative's invitation keeps its administrator wording.
    let kind = if renewed.representative { LinkKind::AdministratorInvitation } else { LinkKind::MemberInvitation };
    invitations::send(app, kind, &renewed, has_account, &access.tenant.name, &invitation).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
