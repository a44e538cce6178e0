//! `GET /me/memberships`: the caller's `active` memberships, a page at a time in tenant order,
//! each with its tenant's name and whether the caller may open that tenant's Members tab.
use serde::Serialize;

use crate::app::{App, Ports};
use crate::auth::{self, Standing};
use crate::catalog::Roles;
use crate::error::ApiError;
use crate::ids::{MemberId, TenantId};
use crate::listing::Page;
use crate::model::MemberStatus;
use crate::operations::input::Paging;
use crate::operations::scope::OwnMemberships;
use crate::operations::{Call, Handler, Reply};

pub struct ListMyMemberships;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MembershipView<'a> {
    tenant_id: &'a TenantId,
    tenant_name: &'a str,
    member_id: &'a MemberId,
    roles: &'a Roles,
    representative: bool,
    manager: bool,
}

impl Handler for ListMyMemberships {
    const NAME: &'static str = "list-my-memberships";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = OwnMemberships;
    type Input = Paging<TenantId>;

    /// The person's memberships are one read, the same every managed route makes to authorize
    /// its caller, beside the session check; only the page's tenants are read besides.
    async fn handle(app: &App, call: Call<OwnMemberships, Paging<TenantId>>) -> Result<Reply, ApiError> {
        let Call { scope: OwnMemberships { caller, memberships }, input: Paging { limit, after }, .. } = call;
        let mut active: Vec<_> =
            memberships.iter().filter(|m| m.status == MemberStatus::Active && after.as_ref().is_none_or(|a| m.tenant_id > *a)).collect();
        active.sort_by(|a, b| a.tenant_id.cmp(&b.tenant_id));
        active.truncate(limit + 1);
        let page = Page::of(active, limit, |m| m.tenant_id.clone());
        let ids: Vec<TenantId> = page.items.iter().map(|m| m.tenant_id.clone()).collect();
        let tenants = app.store.get_tenants(&ids).await?;
        let items: Vec<MembershipView> = page
            .items
            .iter()
            .filter_map(|m| {
                let tenant = tenants.iter().find(|t| t.tenant_id == m.tenant_id)?;
                let manager = matches!(auth::standing(&caller, tenant, &memberships), Standing::Operator | Standing::Manager);
                Some(MembershipView {
                    tenant_id: &m.tenant_id,
                    tenant_name: &tenant.name,
                    member_id: &m.member_id,
                    roles: &m.roles,
                    representative: m.representative,
                    manager,
                })
            })
            .collect();
        Ok(Reply::page(items, page.last.as_ref().map(TenantId::as_str)))
    }
}
