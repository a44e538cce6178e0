//! `PUT /tenants/{tenantId}/members/{memberId}/roles`.
use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::error::ApiError;
use crate::operations::input::RolesChange;
use crate::operations::scope::ManagedMember;
use crate::operations::{Call, Handler, Reply};
use crate::rules;

pub struct ChangeMemberRoles;

impl Handler for ChangeMemberRoles {
    const NAME: &'static str = "change-member-roles";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedMember;
    type Input = RolesChange;

    /// One conditional write on the version read (or named by `If-Match`).
    async fn handle(app: &App, Call { scope, input, now, .. }: Call<ManagedMember, RolesChange>) -> Result<Reply, ApiError> {
        let ManagedMember { access, member } = scope;
        rules::not_self(&access.caller, &member, "tenant administrators cannot change their own roles")?;
        rules::not_directory_managed(&member)?;
        rules::representative_keeps_tenant_admin(&member, &input.roles)?;
        rules::version_matches(&member, input.if_match)?;
        let (changed, changes) = changes::change_roles(&member, &input.roles, &Change::by(access.actor(), now));
        app.store.commit(&changes).await?;
        Ok(Reply::member(200, &changed, now))
    }
}
