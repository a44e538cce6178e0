//! `DELETE /tenants/{tenantId}/members/{memberId}`.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::error::ApiError;
use crate::http::empty;
use crate::operations::{managed_member, managed_tenant};
use crate::rules;

/// Order: end the person's sessions (harmless to repeat), remove the membership with its email
/// marker and links in one transaction (the commit point), then delete the Cognito user if no
/// other membership remains. That last step is cleanup: the member is gone either way, and a user
/// it leaves behind has no membership and is reused by the next invitation of that email.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let member = managed_member(app, &access, req).await?;
    rules::not_self(&access.caller, &member, "tenant administrators cannot delete themselves")?;
    rules::not_representative(&member)?;

    app.directory.sign_out_everywhere(&member.email).await?;
    app.store.delete_member(&member, &Change::by(Actor::manager(&access))).await?;
    crate::operations::remove_unused_user(app, &member.user_sub, &member.member_id).await;
    Ok(empty(StatusCode::NO_CONTENT))
}
