//! `DELETE /tenants/{tenantId}/members/{memberId}`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::error::ApiError;
use crate::http::empty;
use crate::operations::{delete_unused_user, managed_member, only};
use crate::rules;

/// Order (three round trips after the member is read with the caller's authorization): end the
/// person's sessions while reading their other memberships (both harmless to repeat), remove
/// the membership with its email marker and links in one transaction (the commit point), then
/// delete the Cognito user if it was the person's only membership. That last step is cleanup:
/// the member is gone either way, and a user it leaves behind has no membership and is reused by
/// the next invitation of that email.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    rules::not_self(&access.caller, &member, "tenant administrators cannot delete themselves")?;
    rules::not_representative(&member)?;

    let (signed_out, memberships) =
        tokio::join!(app.directory.sign_out_everywhere(&member.email), app.store.memberships_of(&member.user_sub));
    signed_out?;
    let last = only(&memberships?, &member.member_id);
    app.store.delete_member(&member, &Change::by(Actor::manager(&access))).await?;
    if last {
        delete_unused_user(app, &member.user_sub).await;
    }
    Ok(empty(StatusCode::NO_CONTENT))
}
