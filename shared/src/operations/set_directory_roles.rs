//! `PUT /tenants/{tenantId}/directory/roles`: the roles the directory's users get.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::catalog::Roles;
use crate::changes;
use crate::error::ApiError;
use crate::operations::input::Json;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleMapping {
    default_roles: Roles,
    /// Every group named must be one the directory sent.
    #[serde(default)]
    groups: Vec<serde::de::IgnoredAny>,
}

pub struct SetDirectoryRoles;

impl Handler for SetDirectoryRoles {
    const NAME: &'static str = "set-directory-roles";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = Json<RoleMapping>;

    /// The connection read, then written on the version read.
    async fn handle(app: &App, call: Call<ManagedTenant, Json<RoleMapping>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(mapping), api_url, .. } = call;
        let connection = app.store.get_connection(&access.tenant.tenant_id).await?;
        if !mapping.groups.is_empty() {
            return Err(ApiError::validation("no such directory group: the directory has sent none"));
        }
        let after = connection.with_default_roles(mapping.default_roles);
        app.store.commit(&changes::change_connection(&connection, &after)).await?;
        Ok(Reply::ok(&super::get_directory::view(app, &after, &api_url).await?))
    }
}
