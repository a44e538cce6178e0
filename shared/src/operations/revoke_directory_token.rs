//! `DELETE /tenants/{tenantId}/directory/tokens/{tokenId}`: the token stops working at once.
use crate::app::{App, Ports};
use crate::changes;
use crate::error::ApiError;
use crate::ids::DirectoryTokenId;
use crate::operations::input::{Input, RequestParts};
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

/// The path's token id; a malformed one names no token.
pub struct TokenPath(DirectoryTokenId);

impl Input for TokenPath {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        parts.token_id.as_deref().and_then(|id| DirectoryTokenId::parse(id).ok()).map(TokenPath).ok_or(ApiError::NotFound("no such token"))
    }
}

pub struct RevokeDirectoryToken;

impl Handler for RevokeDirectoryToken {
    const NAME: &'static str = "revoke-directory-token";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = TokenPath;

    /// The connection read, then one transaction: the connection without the token, and the
    /// token's record deleted, so that the next request with it finds nothing.
    async fn handle(app: &App, call: Call<ManagedTenant, TokenPath>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: TokenPath(token_id), .. } = call;
        let connection = app.store.get_connection(&access.tenant.tenant_id).await?;
        let (after, removed) = connection.without_token(&token_id)?;
        app.store.commit(&changes::revoke_directory_token(&connection, &after, &removed)).await?;
        Ok(Reply::no_content())
    }
}
