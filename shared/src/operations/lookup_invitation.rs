//! `POST /invitations/lookup` (public): what the accept page needs to show for a link: the
//! tenant, the email, and whether to ask for a new password or for a sign-in. Nothing changes;
//! without the link's 256-bit token nothing can be learnt.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::http::{json, json_body};
use crate::operations::{redeem, TokenOnly};
use crate::tokens::TokenPurpose;

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body: TokenOnly = json_body(req)?;
    let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation).await?;
    let (tenant, account_exists) = tokio::try_join!(app.store.get_tenant(&member.tenant_id), app.directory.has_account(&member.user_sub))?;
    let tenant = tenant.ok_or(ApiError::TokenInvalid)?;
    let expires_at = record.expires_at.format(&time::format_description::well_known::Rfc3339).map_err(ApiError::upstream)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "tenantId": tenant.tenant_id,
            "tenantName": tenant.name,
            "email": member.email,
            "language": member.language,
            "accountExists": account_exists,
            "expiresAt": expires_at,
        }),
    ))
}
