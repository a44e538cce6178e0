//! `GET /tenants/{tenantId}/directory`: the tenant's directory connection.
use time::OffsetDateTime;

use crate::app::{App, Ports};
use crate::directory::{Connection, ConnectionView};
use crate::error::ApiError;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

pub struct GetDirectory;

impl Handler for GetDirectory {
    const NAME: &'static str = "get-directory";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = ();

    /// The connection, then its tokens' records (where each request records its use) and its
    /// groups together.
    async fn handle(app: &App, call: Call<ManagedTenant, ()>) -> Result<Reply, ApiError> {
        let tenant = &call.scope.0.tenant.tenant_id;
        let connection = app.store.get_connection(tenant).await?;
        Ok(Reply::ok(&view(app, &connection, &call.api_url).await?))
    }
}

/// The connection as `GET …/directory` shows it, the API being at `api_url`.
async fn view<'a>(app: &App, connection: &'a Connection, api_url: &str) -> Result<ConnectionView<'a>, ApiError> {
    let (used, groups) = tokio::try_join!(token_uses(app, connection), app.store.list_groups(&connection.tenant_id))?;
    Ok(ConnectionView::of(connection, &used, &groups, scim_base_url(api_url, &connection.tenant_id)))
}

/// When each token of the connection was last used, as its own record says (each request
/// records its use there, not on the connection).
pub(super) async fn token_uses(app: &App, connection: &Connection) -> Result<Vec<Option<OffsetDateTime>>, ApiError> {
    let reads = connection.tokens.iter().map(|t| app.store.get_directory_token(&t.hash));
    let tokens = futures::future::try_join_all(reads).await?;
    Ok(tokens.into_iter().map(|t| t.and_then(|t| t.last_used_at)).collect())
}

/// The tenant's SCIM base, as the contract names it: `<apiUrl>/scim/v2/{tenantId}`.
pub(super) fn scim_base_url(api_url: &str, tenant: &crate::ids::TenantId) -> String {
    format!("{api_url}/scim/v2/{tenant}")
}
