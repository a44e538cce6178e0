//! `PUT /tenants/{tenantId}/directory/roles`: the roles the directory's users get, by group.
use std::collections::BTreeMap;

use serde::Deserialize;
use time::OffsetDateTime;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::catalog::Roles;
use crate::changes;
use crate::directory::{Connection, ConnectionView};
use crate::error::ApiError;
use crate::ids::GroupId;
use crate::listing::MemberFilter;
use crate::model::Member;
use crate::operations::get_directory::{scim_base_url, token_uses};
use crate::operations::input::Json;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleMapping {
    default_roles: Roles,
    #[serde(default)]
    groups: Vec<GroupRoles>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupRoles {
    group_id: GroupId,
    roles: BTreeMap<String, String>,
}

/// The members a transaction carries at most (two items each: the member, its audit entry).
pub(super) const MEMBERS_PER_COMMIT: usize = 45;

pub struct SetDirectoryRoles;

impl Handler for SetDirectoryRoles {
    const NAME: &'static str = "set-directory-roles";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedTenant;
    type Input = Json<RoleMapping>;

    /// The connection and the groups read; the mapping written on the version read; then every
    /// member the directory manages given the roles their groups now give, each change of roles
    /// its own audit entry, a few dozen members a transaction (the same request sent again
    /// finishes what a failure left). The answer is the connection as `GET …/directory` shows it.
    async fn handle(app: &App, call: Call<ManagedTenant, Json<RoleMapping>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(mapping), api_url, now, .. } = call;
        let tenant = &access.tenant.tenant_id;
        let (connection, groups) = tokio::try_join!(app.store.get_connection(tenant), app.store.list_groups(tenant))?;
        let mut group_roles = BTreeMap::new();
        for group in mapping.groups {
            if !groups.iter().any(|g| g.group_id == group.group_id) {
                return Err(ApiError::validation(format!("no directory group {}", group.group_id)));
            }
            group_roles.insert(group.group_id, Roles::parse_some(group.roles)?);
        }
        let after = connection.with_roles(mapping.default_roles, group_roles);
        app.store.commit(&changes::change_connection(&connection, &after)).await?;

        // The members are read once the mapping is committed: one created meanwhile reads it.
        // The tokens' uses, for the answer, need nothing of the commit.
        let (moved, used) = tokio::try_join!(members_to_move(app, &after, now), token_uses(app, &after))?;
        let change = Change::by(access.actor(), now);
        for chunk in moved.chunks(MEMBERS_PER_COMMIT) {
            app.store.commit(&changes::group_change(None, None, chunk, &change)).await?;
        }
        Ok(Reply::ok(&ConnectionView::of(&after, &used, &groups, scim_base_url(&api_url, tenant))))
    }
}

/// Every member the directory manages whose roles `after` changes, with what they become.
async fn members_to_move(app: &App, after: &Connection, now: OffsetDateTime) -> Result<Vec<(Member, Member)>, ApiError> {
    let mut moved = Vec::new();
    let mut cursor = None;
    loop {
        let page = app.store.list_members(&after.tenant_id, cursor.as_ref(), 100, &MemberFilter::default()).await?;
        for member in page.items.into_iter().filter(|m| m.directory.is_some()) {
            let groups = member.directory.as_ref().map(|d| d.groups.clone()).unwrap_or_default();
            if let Some(reroled) = changes::regrouped(after, &member, groups, now) {
                moved.push((member, reroled));
            }
        }
        match page.last {
            Some(last) => cursor = Some(last),
            None => return Ok(moved),
        }
    }
}
