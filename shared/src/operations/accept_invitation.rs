//! `POST /invitations/accept` (public): the invited person sets a password and becomes active.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::error::ApiError;
use crate::http::{json, json_body};
use crate::operations::{redeem, TokenAndPassword};
use crate::ports::TokenPurpose;

/// Order: check the token, let Cognito judge and set the password (a refused password keeps
/// the link usable), then burn the token and activate the member in one transaction.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body: TokenAndPassword = json_body(req)?;
    let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation).await?;
    app.directory.set_password(&member.user_sub, &body.password).await?;
    let member = app.store.accept_invitation(&record, &member, &Change::by(Actor::member(&member))).await?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "memberId": member.member_id, "tenantId": member.tenant_id, "email": member.email }),
    ))
}
