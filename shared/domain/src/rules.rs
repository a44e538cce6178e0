//! The rules of the Members tab, as pure functions of what was read.
use crate::auth::{Caller, ManagerAccess};
use crate::catalog::Roles;
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::model::{Member, MemberStatus, Tenant};

/// Deep enough for any organisation chart; bounds the transaction that creates a tenant.
pub const MAX_TENANT_DEPTH: usize = 10;
pub const MAX_TENANT_NAME_CHARS: usize = 100;
/// More administrators than a person picks from.
pub const MAX_REPRESENTATIVE_CANDIDATES: usize = 100;

/// A tenant's name: 1 to 100 printable characters, trimmed.
pub fn tenant_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_TENANT_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::validation(format!("name must be 1 to {MAX_TENANT_NAME_CHARS} printable characters")));
    }
    Ok(name.to_string())
}

/// The ancestors of a new tenant under `parent` (root first, parent last), at most
/// `MAX_TENANT_DEPTH` levels deep.
pub fn nested_under(parent: Option<&Tenant>) -> Result<Vec<TenantId>, ApiError> {
    match parent {
        None => Ok(Vec::new()),
        Some(parent) if parent.ancestors.len() + 1 >= MAX_TENANT_DEPTH => {
            Err(ApiError::validation(format!("tenants nest at most {MAX_TENANT_DEPTH} levels deep")))
        }
        Some(parent) => Ok(parent.lineage().cloned().collect()),
    }
}

/// An operator's account (password, MFA) is out of every tenant manager's reach.
pub fn not_an_operator(operator: bool) -> Result<(), ApiError> {
    if operator {
        return Err(ApiError::IdentityProtected);
    }
    Ok(())
}

/// Only the invited person joins with their invitation, proven by their own sign-in.
pub fn invited_person(caller: &Caller, member: &Member) -> Result<(), ApiError> {
    if member.user_sub != caller.sub {
        return Err(ApiError::WrongAccount);
    }
    Ok(())
}

/// Only the representative hands the role on: the caller's own membership, marked as the
/// representative the tenant names.
pub fn acting_representative(access: &ManagerAccess) -> Result<&Member, ApiError> {
    access
        .own_membership
        .as_ref()
        .filter(|m| m.representative && m.member_id == access.tenant.representative.member_id)
        .ok_or(ApiError::NotRepresentative)
}

/// The member named to take over as representative, as read in the tenant (none: not a member
/// of it), if they are eligible.
pub fn new_representative(target: Option<Member>) -> Result<Member, ApiError> {
    let target = target.ok_or(ApiError::NotEligible("the member is not a member of this tenant"))?;
    eligible_representative(&target)?;
    Ok(target)
}

/// The address an unregistered representative moves to must not be a registered person's.
pub fn unregistered_address(registered: bool) -> Result<(), ApiError> {
    if registered {
        return Err(ApiError::EmailInUse);
    }
    Ok(())
}

/// Who could take over as representative, from the tenant's administrators as an index that
/// may lag a change found them: the members themselves say who is eligible.
pub fn representative_candidates(admins: &[Member]) -> Vec<&Member> {
    admins.iter().filter(|m| eligible_representative(m).is_ok()).take(MAX_REPRESENTATIVE_CANDIDATES).collect()
}

/// MFA belongs to the person: any manager of one of their tenants may switch it on; switching it
/// off needs a caller who manages every tenant where the person is a member (`tenants`, as read
/// for their memberships).
pub fn may_switch_mfa_off(access: &ManagerAccess, memberships: &[Member], tenants: &[Tenant]) -> Result<(), ApiError> {
    if !memberships.iter().all(|m| manages_tenant(access, tenants, &m.tenant_id)) {
        return Err(ApiError::MfaRequiredElsewhere);
    }
    Ok(())
}

/// Whether the caller manages the tenant `id`, one of `tenants` as read.
pub fn manages_tenant(access: &ManagerAccess, tenants: &[Tenant], id: &TenantId) -> bool {
    tenants.iter().any(|t| t.tenant_id == *id && access.manages(t))
}

/// A tenant administrator never changes their own roles or deletes themselves.
pub fn not_self(caller: &Caller, member: &Member, action: &'static str) -> Result<(), ApiError> {
    if member.user_sub == caller.sub {
        return Err(ApiError::SelfChangeForbidden(action));
    }
    Ok(())
}

/// The representative always keeps the portal's tenant-admin role.
pub fn representative_keeps_tenant_admin(member: &Member, roles: &Roles) -> Result<(), ApiError> {
    if member.representative && !roles.is_tenant_admin() {
        return Err(ApiError::RepresentativeProtected("the representative administrator keeps the tenant-admin role"));
    }
    Ok(())
}

/// The representative cannot be deleted; hand the role to someone else first.
pub fn not_representative(member: &Member) -> Result<(), ApiError> {
    if member.representative {
        return Err(ApiError::RepresentativeProtected("the representative administrator cannot be deleted"));
    }
    Ok(())
}

/// `If-Match` must name the version the member is at.
pub fn version_matches(member: &Member, if_match: Option<u64>) -> Result<(), ApiError> {
    match if_match {
        Some(expected) if expected != member.version => Err(ApiError::VersionConflict),
        _ => Ok(()),
    }
}

pub fn must_be_invited(member: &Member) -> Result<(), ApiError> {
    if member.status != MemberStatus::Invited {
        return Err(ApiError::AlreadyRegistered("the member has already completed registration"));
    }
    Ok(())
}

pub fn must_be_active(member: &Member) -> Result<(), ApiError> {
    if member.status != MemberStatus::Active {
        return Err(ApiError::NotRegistered);
    }
    Ok(())
}

/// Only an active tenant-admin of the tenant, other than the representative, can take over.
pub fn eligible_representative(target: &Member) -> Result<(), ApiError> {
    if target.representative {
        return Err(ApiError::NotEligible("the member is already the representative administrator"));
    }
    if !target.is_active_tenant_admin() {
        return Err(ApiError::NotEligible("only a tenant administrator who completed registration can take over"));
    }
    Ok(())
}

/// A member whose roles come from the tenant's directory keeps them: the groups decide.
pub fn not_directory_managed(member: &Member) -> Result<(), ApiError> {
    match member.directory {
        Some(_) => Err(ApiError::DirectoryManaged),
        None => Ok(()),
    }
}

/// The directory may not switch off or remove the representative: the role is handed over first.
pub fn directory_spares_representative(member: &Member) -> Result<(), ApiError> {
    if member.representative {
        return Err(ApiError::RepresentativeProtected(
            "this member is the tenant's representative administrator: hand the role to another administrator first",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::ids::{TenantId, UserSub};
    use crate::language::Language;
    use std::collections::BTreeMap;

    const NOW: time::OffsetDateTime = time::macros::datetime!(2026-12-03 09:00 UTC);

    fn member(role: &str, status: MemberStatus, representative: bool) -> Member {
        let roles = Roles::parse(BTreeMap::from([("service-management-portal".into(), role.into())])).unwrap();
        let mut m = Member::new_invited(
            TenantId::generate(),
            Email::parse("m@example.com").unwrap(),
            Language::En,
            roles,
            UserSub::new("member-sub"),
            time::macros::datetime!(2026-12-03 09:00 UTC),
        );
        m.status = status;
        m.representative = representative;
        m
    }

    fn roles(role: &str) -> Roles {
        Roles::parse(BTreeMap::from([("service-management-portal".into(), role.into())])).unwrap()
    }

    #[test]
    fn self_change_is_refused_for_the_same_person() {
        let m = member("tenant-admin", MemberStatus::Active, false);
        let me = Caller { sub: UserSub::new("member-sub"), operator: false, session_began: None };
        let other = Caller { sub: UserSub::new("other"), operator: false, session_began: None };
        assert!(matches!(not_self(&me, &m, "x"), Err(ApiError::SelfChangeForbidden(_))));
        assert!(not_self(&other, &m, "x").is_ok());
    }

    #[test]
    fn the_representative_keeps_tenant_admin_and_cannot_be_deleted() {
        let rep = member("tenant-admin", MemberStatus::Active, true);
        assert!(matches!(representative_keeps_tenant_admin(&rep, &roles("member")), Err(ApiError::RepresentativeProtected(_))));
        assert!(representative_keeps_tenant_admin(&rep, &roles("tenant-admin")).is_ok());
        assert!(matches!(not_representative(&rep), Err(ApiError::RepresentativeProtected(_))));
        let admin = member("tenant-admin", MemberStatus::Active, false);
        assert!(representative_keeps_tenant_admin(&admin, &roles("member")).is_ok());
        assert!(not_representative(&admin).is_ok());
    }

    #[test]
    fn if_match_must_name_the_current_version() {
        let m = member("member", MemberStatus::Active, false);
        assert!(version_matches(&m, None).is_ok());
        assert!(version_matches(&m, Some(m.version)).is_ok());
        assert!(matches!(version_matches(&m, Some(m.version + 1)), Err(ApiError::VersionConflict)));
    }

    #[test]
    fn only_active_tenant_admins_other_than_the_representative_are_eligible() {
        assert!(eligible_representative(&member("tenant-admin", MemberStatus::Active, false)).is_ok());
        assert!(eligible_representative(&member("tenant-admin", MemberStatus::Invited, false)).is_err());
        assert!(eligible_representative(&member("member", MemberStatus::Active, false)).is_err());
        assert!(eligible_representative(&member("tenant-admin", MemberStatus::Active, true)).is_err());
    }

    #[test]
    fn only_a_member_of_the_tenant_can_take_over() {
        assert!(matches!(new_representative(None), Err(ApiError::NotEligible(_))));
        assert!(new_representative(Some(member("tenant-admin", MemberStatus::Active, false))).is_ok());
        assert!(matches!(unregistered_address(true), Err(ApiError::EmailInUse)));
    }

    #[test]
    fn tenants_nest_ten_levels_deep_at_most() {
        let parent = |depth: usize| Tenant {
            ancestors: (0..depth).map(|_| TenantId::generate()).collect(),
            ..Tenant::founded(TenantId::generate(), "t".into(), Vec::new(), &member("tenant-admin", MemberStatus::Active, true), NOW)
        };
        assert_eq!(nested_under(Some(&parent(8))).unwrap().len(), 9);
        assert!(nested_under(Some(&parent(9))).is_err(), "a tenant under nine ancestors would be the eleventh level");
        assert!(tenant_name("  Acme  ").is_ok_and(|n| n == "Acme"));
        assert!(tenant_name(" ").is_err());
    }
}
