//! `GET /tenants/{tenantId}`: the tenant overview.
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::views::TenantView;

pub struct GetTenant;

impl Handler for GetTenant {
    const NAME: &'static str = "get-tenant";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = ();

    async fn handle(_: &App, call: Call<ManagedTenant, ()>) -> Result<Reply, ApiError> {
        Ok(Reply::ok(&TenantView::from(&call.scope.0.tenant)))
    }
}
