//! What the user pool's tokens say of a person's roles (the contract's "Tokens the applications
//! read"): the active tenant, chosen among their active memberships, and the claims for it.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Roles, CATALOG};
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::model::{Member, MemberStatus};

/// The claims added to the ID and access tokens for the active tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantClaims {
    pub tenant_id: TenantId,
    /// `{applicationId: roleId}`.
    pub tenant_roles: BTreeMap<String, String>,
    /// `applicationId:permission`, what those roles grant (`GET /roles`), sorted.
    pub permissions: Vec<String>,
}

impl TenantClaims {
    pub fn of(member: &Member) -> Self {
        Self { tenant_id: member.tenant_id.clone(), tenant_roles: member.roles.as_map().clone(), permissions: permissions(&member.roles) }
    }
}

/// What the roles grant, by the authorization tables.
pub fn permissions(roles: &Roles) -> Vec<String> {
    let granted = roles.as_map().iter().flat_map(|(application, role)| {
        let definition = CATALOG.iter().find(|a| a.id == application).and_then(|a| a.roles.iter().find(|r| r.id == role));
        definition.into_iter().flat_map(move |d| d.permissions.iter().map(move |p| format!("{application}:{p}")))
    });
    let mut permissions: Vec<String> = granted.collect();
    permissions.sort();
    permissions.dedup();
    permissions
}

/// The membership the tokens speak for, among the person's: the tenant `asked` for (switching,
/// or completing a sign-in), which must be an active membership (`tenant_not_available`); else
/// the one `last` switched to, while still active; else the only active one; else none.
pub fn active_membership<'a>(
    asked: Option<&TenantId>,
    last: Option<&TenantId>,
    memberships: &'a [Member],
) -> Result<Option<&'a Member>, ApiError> {
    let active = |tenant: &TenantId| memberships.iter().find(|m| m.tenant_id == *tenant && m.status == MemberStatus::Active);
    if let Some(asked) = asked {
        return active(asked).map(Some).ok_or(ApiError::TenantNotAvailable);
    }
    if let Some(member) = last.and_then(active) {
        return Ok(Some(member));
    }
    let mut all_active = memberships.iter().filter(|m| m.status == MemberStatus::Active);
    match (all_active.next(), all_active.next()) {
        (Some(only), None) => Ok(Some(only)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::ids::UserSub;
    use crate::language::Language;

    fn membership(roles: &[(&str, &str)], status: MemberStatus) -> Member {
        let roles = Roles::parse(roles.iter().map(|(a, r)| (a.to_string(), r.to_string())).collect()).unwrap();
        let email = Email::parse("person@example.com").unwrap();
        let mut member =
            Member::new_invited(TenantId::generate(), email, Language::En, roles, UserSub::new("sub"), time::OffsetDateTime::now_utc());
        member.status = status;
        member
    }

    #[test]
    fn the_claims_grant_what_the_authorization_tables_give_each_role() {
        let member = membership(&[("service-management-portal", "member"), ("device-management", "viewer")], MemberStatus::Active);
        let claims = TenantClaims::of(&member);
        assert_eq!(claims.tenant_id, member.tenant_id);
        assert_eq!(claims.tenant_roles.get("device-management").map(String::as_str), Some("viewer"));
        assert_eq!(
            claims.permissions,
            ["device-management:devices:read", "service-management-portal:profile:update", "service-management-portal:tenant:read"]
        );
        let admin = membership(&[("service-management-portal", "tenant-admin")], MemberStatus::Active);
        assert!(TenantClaims::of(&admin).permissions.contains(&"service-management-portal:members:invite".to_string()));
    }

    #[test]
    fn the_active_tenant_is_the_one_asked_for_else_the_last_else_the_only_one() {
        let portal = [("service-management-portal", "member")];
        let (a, b) = (membership(&portal, MemberStatus::Active), membership(&portal, MemberStatus::Active));
        let invited = membership(&portal, MemberStatus::Invited);
        let both = [a.clone(), b.clone(), invited.clone()];
        let chosen = |asked: Option<&Member>, last: Option<&Member>, among: &[Member]| {
            active_membership(asked.map(|m| &m.tenant_id), last.map(|m| &m.tenant_id), among).map(|m| m.map(|m| m.tenant_id.clone()))
        };
        assert_eq!(chosen(Some(&b), Some(&a), &both).unwrap(), Some(b.tenant_id.clone()), "the tenant asked for");
        assert_eq!(chosen(None, Some(&a), &both).unwrap(), Some(a.tenant_id.clone()), "the last one switched to");
        assert_eq!(chosen(None, None, &both).unwrap(), None, "two active and none chosen: no tenant claims");
        assert_eq!(chosen(None, Some(&invited), &[a.clone(), invited.clone()]).unwrap(), Some(a.tenant_id.clone()), "the only active one");
        let refused = chosen(Some(&invited), None, &both).unwrap_err();
        assert_eq!(refused.code(), "tenant_not_available", "an invitation not yet accepted gives no claims");
        let elsewhere = membership(&portal, MemberStatus::Active);
        assert!(chosen(Some(&elsewhere), None, &both).is_err(), "nor a tenant the person is not in");
        assert_eq!(chosen(None, Some(&elsewhere), &both).unwrap(), None, "a tenant left since is no longer the last one");
    }
}
