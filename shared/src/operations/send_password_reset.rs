//! `POST /tenants/{tenantId}/members/{memberId}/password-reset`: email the member a reset link.
//! This is the way back in for members whose email MFA blocks Cognito's "forgot password".
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::changes;
use crate::emails::{LinkEmail, LinkKind};
use crate::error::ApiError;
use crate::http::empty;
use crate::links::TokenRecord;
use crate::operations::{managed_member, people};
use crate::rules;
use crate::tokens::Token;
use crate::tokens::TokenPurpose;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    rules::not_self(&access.caller, &member, "you cannot send yourself a password reset; use the sign-in page")?;
    rules::must_be_active(&member)?;
    if people::is_operator(app, &member.user_sub).await? {
        return Err(ApiError::IdentityProtected);
    }

    let now = crate::model::now();
    let token = Token::generate()?;
    let record = TokenRecord::for_member(&token, TokenPurpose::PasswordReset, &member, now + app.config.password_reset_ttl);
    let quotas =
        app.config.email_quotas.for_email(&member.tenant_id, &member.email, Some((&member.member_id, TokenPurpose::PasswordReset)), now);
    let (_, changes) = changes::replace_link(&member, &record, &quotas, &Change::by(Actor::manager(&access)));
    app.store.commit(&changes).await?;
    let email = LinkEmail {
        kind: LinkKind::PasswordReset,
        has_account: true,
        to: &member.email,
        language: member.language,
        tenant_name: &access.tenant.name,
        portal_base_url: &app.config.portal_base_url,
        token: token.expose(),
        expires_at: record.expires_at,
    }
    .render();
    app.mailer.send(email).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
