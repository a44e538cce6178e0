//! `GET /tenants`: the tenants the caller manages, descendants included, a page at a time.
use crate::app::{App, Ports};
use crate::auth;
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::listing::{Page, TenantPage};
use crate::operations::input::Paging;
use crate::operations::scope::OwnMemberships;
use crate::operations::{Call, Handler, Reply};
use crate::views::TenantView;

pub struct ListTenants;

impl Handler for ListTenants {
    const NAME: &'static str = "list-tenants";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    /// The caller's memberships and operator status come with the session check: an
    /// administrator's page is then their tenants' ids, then those tenants.
    type Scope = OwnMemberships;
    type Input = Paging<TenantId>;

    async fn handle(app: &App, Call { scope, input, .. }: Call<OwnMemberships, Paging<TenantId>>) -> Result<Reply, ApiError> {
        let Paging { limit, after } = input;
        let page = if scope.caller.operator {
            app.store.tenants_page(after.as_ref(), limit).await?
        } else {
            let administered = auth::administered(&scope.memberships);
            // The ids are keys only; just the page's tenants are read.
            let ids = if administered.is_empty() { Vec::new() } else { app.store.tenant_ids_under(&administered).await? };
            let ids: Vec<TenantId> = ids.into_iter().filter(|id| after.as_ref().is_none_or(|a| id > a)).take(limit + 1).collect();
            let ids = Page::of(ids, limit, TenantId::clone);
            TenantPage { items: app.store.get_tenants(&ids.items).await?, last: ids.last }
        };
        let items: Vec<_> = page.items.iter().map(TenantView::from).collect();
        Ok(Reply::page(items, page.last.as_ref().map(TenantId::as_str)))
    }
}
