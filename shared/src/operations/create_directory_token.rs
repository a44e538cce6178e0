//! `POST /tenants/{tenantId}/directory/tokens`: a bearer token for the tenant's directory,
//! shown this once.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::changes;
use crate::directory::{DirectoryToken, TokenLifetime};
use crate::error::ApiError;
use crate::operations::input::OptionalJson;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewToken {
    expires_in_days: Option<TokenLifetime>,
}

pub struct CreateDirectoryToken;

impl Handler for CreateDirectoryToken {
    const NAME: &'static str = "create-directory-token";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = OptionalJson<NewToken>;

    /// The connection read, then one transaction: the connection with the token (at most two
    /// live, on the version read) and the token's record, found by its hash alone.
    async fn handle(app: &App, call: Call<ManagedTenant, OptionalJson<NewToken>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: OptionalJson(body), now, .. } = call;
        let connection = app.store.get_connection(&access.tenant.tenant_id).await?;
        let lifetime = body.expires_in_days.unwrap_or(TokenLifetime::DEFAULT);
        let (token, record) = DirectoryToken::issue(&access.tenant.tenant_id, lifetime, now)?;
        let after = connection.with_token(record.clone(), now)?;
        app.store.commit(&changes::add_directory_token(&connection, &after, &record)).await?;
        let shown = serde_json::json!({
            "tokenId": record.token_id,
            "token": token.expose(),
            "lastFour": record.last_four,
            "createdAt": rfc3339(record.created_at),
            "expiresAt": rfc3339(record.expires_at),
        });
        Ok(Reply::created(&shown))
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).expect("a time in range formats")
}
