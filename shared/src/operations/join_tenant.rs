//! `POST /invitations/join` (signed in): a person who already has an account accepts an
//! invitation sent to them; no password is set or changed.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::http::json_body;
use crate::operations::{joined, redeem, TokenOnly};
use crate::tokens::TokenPurpose;

/// One transaction burns the link (unless a redemption holds it) and activates the member; the
/// caller must be the invited person, proven by their token's `sub`.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = crate::http::caller(req)?;
    let body: TokenOnly = json_body(req)?;
    let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation).await?;
    if member.user_sub != caller.sub {
        return Err(ApiError::WrongAccount);
    }
    let (member, changes) = changes::accept_invitation(&record, None, &member, &Change::by(Actor::member(&member)));
    app.store.commit(&changes).await?;
    Ok(joined(StatusCode::OK, &member))
}
