//! `POST /password-resets/complete` (public): the member sets a new password from the link.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::http::{empty, json_body};
use crate::operations::{claimed, redeem, TokenAndPassword};
use crate::tokens::TokenPurpose;

/// Order: the password against the pool's policy (no AWS call), the link; then the link is
/// claimed, Cognito sets the password, every session of the person ends, and the link burns. A
/// failure lets go of the claim, and the link simply works again.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body: TokenAndPassword = json_body(req)?;
    app.config.password_policy.check(&body.password)?;
    let (record, member) = redeem(app, &body.token, TokenPurpose::PasswordReset).await?;
    claimed(app, &record, None, |claim| {
        let (record, member, password) = (&record, &member, &body.password);
        async move {
            app.directory.set_password(&member.user_sub, password).await?;
            app.directory.sign_out_everywhere(&member.user_sub).await?;
            app.store.commit(&changes::complete_password_reset(record, &claim, member, &Change::by(Actor::member(member)))).await
        }
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
