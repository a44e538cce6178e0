//! `POST /invitations/accept` (public): the invited person sets a password and becomes active.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::error::ApiError;
use crate::http::{json, json_body};
use crate::model::MemberStatus;
use crate::ports::TokenPurpose;
use crate::tokens::Token;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptInvitation {
    token: String,
    password: String,
}

/// Order: check the token, let Cognito judge and set the password (a refused password keeps
/// the link usable), then burn the token and activate the member in one transaction.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body: AcceptInvitation = json_body(req)?;
    let token = Token::parse(&body.token)?;
    let record = app
        .store
        .get_token(&token.hash())
        .await?
        .filter(|r| r.purpose == TokenPurpose::Invitation)
        .ok_or(ApiError::TokenInvalid)?;
    let now = crate::model::now();
    if record.expires_at <= now {
        return Err(ApiError::TokenExpired);
    }
    let member = app
        .store
        .get_member(&record.tenant_id, &record.member_id)
        .await?
        .filter(|m| m.status == MemberStatus::Invited)
        .ok_or(ApiError::TokenInvalid)?;

    app.directory.set_password(&member.user_sub, &body.password).await?;
    let member = app.store.accept_invitation(&record, &member, now).await?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "memberId": member.member_id, "tenantId": member.tenant_id, "email": member.email }),
    ))
}
