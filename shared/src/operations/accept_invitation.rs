//! `POST /invitations/accept` (public): an invited person without an account sets their first
//! password and becomes active. A person who has an account joins instead (`join-tenant`).
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::http::json_body;
use crate::links::FirstPassword;
use crate::operations::{claimed, joined, redeem, TokenAndPassword};
use crate::tokens::TokenPurpose;

/// Order: the password against the pool's policy (no AWS call), the link and its member, whether
/// the person has an account; then the link is claimed (with the person's first password, so
/// that no other link sets it), Cognito sets the password, and one transaction burns the link
/// and activates the member. A failure lets go of the claim; a retry of the same link may set
/// the password it set before, no other link may.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body: TokenAndPassword = json_body(req)?;
    app.config.password_policy.check(&body.password)?;
    let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation).await?;
    let account_exists = app.directory.has_account(&member.user_sub).await?;
    let first = FirstPassword { user: member.user_sub.clone(), account_exists };
    let member = claimed(app, &record, Some(&first), |claim| {
        let (record, member, password) = (&record, &member, &body.password);
        async move {
            app.directory.set_password(&member.user_sub, password).await?;
            let (accepted, changes) = changes::accept_invitation(record, Some(&claim), member, &Change::by(Actor::member(member)));
            app.store.commit(&changes).await.map(|()| accepted)
        }
    })
    .await?;
    Ok(joined(StatusCode::OK, &member))
}
