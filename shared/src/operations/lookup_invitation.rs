//! `POST /invitations/lookup` (public): what the accept page needs to show for a link: the
//! tenant, the email, and whether to ask for a new password or for a sign-in. Nothing changes;
//! without the link's 256-bit token nothing can be learnt.
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::operations::input::Json;
use crate::operations::links::{redeem, TokenOnly};
use crate::operations::scope::Public;
use crate::operations::{Call, Handler, Reply};
use crate::tokens::TokenPurpose;

pub struct LookupInvitation;

impl Handler for LookupInvitation {
    const NAME: &'static str = "lookup-invitation";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = Public;
    type Input = Json<TokenOnly>;

    async fn handle(app: &App, Call { input: Json(body), now, .. }: Call<Public, Json<TokenOnly>>) -> Result<Reply, ApiError> {
        let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation, now).await?;
        let (tenant, account_exists) =
            tokio::try_join!(app.store.get_tenant(&member.tenant_id), app.directory.has_account(&member.user_sub))?;
        let tenant = tenant.ok_or(ApiError::TokenInvalid)?;
        let expires_at = record.expires_at.format(&time::format_description::well_known::Rfc3339).map_err(ApiError::upstream)?;
        Ok(Reply::ok(&serde_json::json!({
            "tenantId": tenant.tenant_id,
            "tenantName": tenant.name,
            "email": member.email,
            "language": member.language,
            "accountExists": account_exists,
            "expiresAt": expires_at,
        })))
    }
}
