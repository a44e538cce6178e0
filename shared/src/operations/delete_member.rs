//! `DELETE /tenants/{tenantId}/members/{memberId}`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::error::ApiError;
use crate::http::empty;
use crate::operations::{error_chain, managed_member, people};
use crate::rules;

/// Order (three round trips after the member is read with the caller's authorization): read
/// the person and their groups; remove the membership with its email marker and links and
/// uncount it on the person in one transaction (the commit point), ending the person's sessions
/// at the same time if it was their last membership; then delete their Cognito user if the
/// contract allows (see `people::departure`). That last step is cleanup: the membership is gone
/// either way, and the next invitation of that email finishes it.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    rules::not_self(&access.caller, &member, "tenant administrators cannot delete themselves")?;
    rules::not_representative(&member)?;

    let departure = people::departure(app, &member).await?;
    let change = Change::by(Actor::manager(&access));
    let commit = app.store.delete_member(&member, &departure.leaving, &change);
    if departure.sign_out {
        // Harmless if the commit then fails: the person signs in again.
        let (signed_out, committed) = tokio::join!(app.directory.sign_out_everywhere(&member.user_sub), commit);
        committed?;
        if let Err(error) = signed_out {
            tracing::warn!(error = %error_chain(&error), "the sessions of a person without memberships were left; their requests are refused");
        }
    } else {
        commit.await?;
    }
    people::finish_departure(app, &member.user_sub, &departure).await;
    Ok(empty(StatusCode::NO_CONTENT))
}
