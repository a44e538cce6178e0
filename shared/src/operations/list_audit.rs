//! `GET /tenants/{tenantId}/audit`: the tenant's audit trail, newest first.
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::ids::AuditId;
use crate::operations::input::Paging;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::views::AuditEntryView;

pub struct ListAudit;

impl Handler for ListAudit {
    const NAME: &'static str = "list-audit";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = Paging<AuditId>;

    async fn handle(
        app: &App,
        Call { scope: ManagedTenant(access), input, .. }: Call<ManagedTenant, Paging<AuditId>>,
    ) -> Result<Reply, ApiError> {
        let page = app.store.list_audit(&access.tenant.tenant_id, input.after.as_ref(), input.limit).await?;
        let items: Vec<_> = page.items.iter().map(AuditEntryView::from).collect();
        Ok(Reply::page(items, page.last.as_ref().map(AuditId::as_str)))
    }
}
