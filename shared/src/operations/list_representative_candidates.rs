//! `GET /tenants/{tenantId}/representative/candidates`: who could take over as representative.
//! An empty list is the portal's "No tenant administrator available for selection".
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::rules::{self, MAX_REPRESENTATIVE_CANDIDATES};
use crate::views::MemberView;

pub struct ListRepresentativeCandidates;

impl Handler for ListRepresentativeCandidates {
    const NAME: &'static str = "list-representative-candidates";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = ();

    /// One bounded read of the index of active tenant-admins, however many members the tenant has.
    async fn handle(app: &App, Call { scope: ManagedTenant(access), now, .. }: Call<ManagedTenant, ()>) -> Result<Reply, ApiError> {
        let admins = app.store.tenant_admins(&access.tenant.tenant_id, MAX_REPRESENTATIVE_CANDIDATES + 1).await?;
        let items: Vec<_> = rules::representative_candidates(&admins).into_iter().map(|m| MemberView::at(m, now)).collect();
        Ok(Reply::ok(&serde_json::json!({ "items": items })))
    }
}
