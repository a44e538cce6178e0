//! `DELETE /tenants/{tenantId}/members/{memberId}`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::empty;
use crate::operations::{managed_member, managed_tenant};
use crate::rules;

/// Order: end the person's sessions (harmless to repeat), remove the membership with its email
/// marker and links in one transaction, then delete the Cognito user if no other membership
/// remains (a user left by a failure there is reused by the next invitation).
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let member = managed_member(app, &access, req).await?;
    rules::not_self(&access.caller, &member, "tenant administrators cannot delete themselves")?;
    rules::not_representative(&member)?;

    app.directory.sign_out_everywhere(&member.email).await?;
    app.store.delete_member(&member).await?;
    let others = app.store.memberships_of(&member.user_sub).await?;
    if others.iter().all(|m| m.member_id == member.member_id) {
        app.directory.delete_user(&member.user_sub).await?;
    }
    Ok(empty(StatusCode::NO_CONTENT))
}
