//! `POST /password-resets/complete` (public): the member sets a new password from the link.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::error::ApiError;
use crate::http::{empty, json_body};
use crate::operations::{redeem, TokenAndPassword};
use crate::ports::TokenPurpose;

/// Order: Cognito judges and sets the password (a refused one keeps the link usable), every
/// other session ends, then the token burns; a failure before the burn leaves a link that
/// simply works again.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body: TokenAndPassword = json_body(req)?;
    let (record, member) = redeem(app, &body.token, TokenPurpose::PasswordReset).await?;
    app.directory.set_password(&member.user_sub, &body.password).await?;
    app.directory.sign_out_everywhere(&member.email).await?;
    app.store.complete_password_reset(&record, &member, &Change::by(Actor::member(&member))).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
