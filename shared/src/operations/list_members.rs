//! `GET /tenants/{tenantId}/members`: one page of members, oldest first.
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::ids::MemberId;
use crate::operations::input::MemberQuery;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::views::MemberView;

pub struct ListMembers;

impl Handler for ListMembers {
    const NAME: &'static str = "list-members";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = MemberQuery;

    async fn handle(
        app: &App,
        Call { scope: ManagedTenant(access), input, now, .. }: Call<ManagedTenant, MemberQuery>,
    ) -> Result<Reply, ApiError> {
        let MemberQuery { paging, filter } = input;
        let filter = filter.at(now);
        let page = app.store.list_members(&access.tenant.tenant_id, paging.after.as_ref(), paging.limit, &filter).await?;
        let items: Vec<_> = page.items.iter().map(|member| MemberView::at(member, now)).collect();
        Ok(Reply::page(items, page.last.as_ref().map(MemberId::as_str)))
    }
}
