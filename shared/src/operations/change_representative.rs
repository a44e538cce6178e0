//! `PUT /tenants/{tenantId}/representative`: the representative hands the role to another
//! registered tenant administrator.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::error::ApiError;
use crate::ids::MemberId;
use crate::operations::input::Json;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::rules;
use crate::views::TenantView;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewRepresentative {
    member_id: String,
}

pub struct ChangeRepresentative;

impl Handler for ChangeRepresentative {
    const NAME: &'static str = "change-representative";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = Json<NewRepresentative>;

    /// One transaction guarded on the old representative, the new one and the tenant as read, so
    /// there is always exactly one representative.
    async fn handle(app: &App, call: Call<ManagedTenant, Json<NewRepresentative>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(body), now, .. } = call;
        let current = rules::acting_representative(&access)?;
        // A malformed id names no member of the tenant.
        let target = match MemberId::parse(&body.member_id) {
            Ok(id) => app.store.get_member(&access.tenant.tenant_id, &id).await?,
            Err(_) => None,
        };
        let target = rules::new_representative(target)?;
        let (tenant, changes) = changes::transfer_representative(&access.tenant, current, &target, &Change::by(access.actor(), now));
        app.store.commit(&changes).await?;
        Ok(Reply::ok(&TenantView::from(&tenant)))
    }
}
