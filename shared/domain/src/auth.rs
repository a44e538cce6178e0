//! Who is calling, and what they may do in which tenant.
use crate::audit::Actor;
use crate::error::ApiError;
use crate::ids::{TenantId, UserSub};
use crate::model::{Member, MemberStatus, Person, Tenant};

pub const OPERATORS_GROUP: &str = "operators";

/// The signed-in caller, as API Gateway's JWT authorizer describes them.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: UserSub,
    pub operator: bool,
    /// When the session their token belongs to began: its `auth_time`, which the tokens Cognito
    /// issues from a refresh token keep (else, in a token without one, its `iat`).
    pub session_began: Option<time::OffsetDateTime>,
}

/// A token of a session that began before the service last ended the person's sessions (a
/// password reset, their last membership gone) acts for no one: 401, as for no token. Cognito
/// stops renewing such a session then; this refuses what it already issued, and what it may still
/// issue from it if ending it at Cognito failed (a refreshed token keeps its session's start).
/// Times count whole seconds: a session begun in the very second of the sign-out still counts,
/// so that signing in again at once works.
pub fn session_current(caller: &Caller, person: Option<&Person>) -> Result<(), ApiError> {
    let Some(signed_out) = person.and_then(|p| p.signed_out_at) else {
        return Ok(());
    };
    match caller.session_began {
        Some(began) if began.unix_timestamp() >= signed_out.unix_timestamp() => Ok(()),
        _ => Err(ApiError::Unauthenticated),
    }
}

impl Caller {
    /// Only operators create tenants. The token's group claim is a first answer; the operation
    /// asks the pool again, as a token issued before the caller left the group still carries it.
    pub fn require_operator(&self) -> Result<(), ApiError> {
        require_operator(self.operator)
    }
}

/// Only operators create tenants (`operator`: the caller is in group `operators`).
pub fn require_operator(operator: bool) -> Result<(), ApiError> {
    if !operator {
        return Err(ApiError::Forbidden("only operators may create tenants"));
    }
    Ok(())
}

/// Why a caller may act on a tenant.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// In group `operators`: manages every tenant.
    Operator,
    /// An active tenant-admin of the tenant or of one of its ancestors.
    Manager,
    /// A member of the tenant who does not manage it: sees that it exists, may not act.
    Member,
    /// Anyone else: the tenant is not shown to exist.
    Stranger,
}

/// The contract's "manager of tenant": an operator, or an active tenant-admin of the tenant or
/// of one of its ancestors.
pub fn standing(caller: &Caller, tenant: &Tenant, memberships: &[Member]) -> Standing {
    if caller.operator {
        return Standing::Operator;
    }
    if granting_membership(tenant, memberships).is_some() {
        Standing::Manager
    } else if memberships.iter().any(|m| m.tenant_id == tenant.tenant_id && m.status == MemberStatus::Active) {
        Standing::Member
    } else {
        Standing::Stranger
    }
}

/// The caller's membership that makes them a manager of `tenant`: an active tenant-admin
/// membership of the tenant itself, else of the nearest ancestor.
pub fn granting_membership<'a>(tenant: &Tenant, memberships: &'a [Member]) -> Option<&'a Member> {
    let lineage: Vec<&TenantId> = tenant.lineage().collect();
    lineage.iter().rev().find_map(|t| memberships.iter().find(|m| m.tenant_id == **t && m.is_active_tenant_admin()))
}

/// The tenants whose administrators' rights `memberships` carry (descendants not included).
pub fn administered(memberships: &[Member]) -> Vec<TenantId> {
    memberships.iter().filter(|m| m.is_active_tenant_admin()).map(|m| m.tenant_id.clone()).collect()
}

/// A caller cleared to manage one tenant.
pub struct ManagerAccess {
    pub caller: Caller,
    pub tenant: Tenant,
    /// The caller's own membership of this tenant, if any (to refuse self-changes).
    pub own_membership: Option<Member>,
    /// The membership that makes a non-operator a manager here.
    pub grant: Option<Member>,
    /// Every membership of the caller, to decide about other tenants of the same person.
    pub memberships: Vec<Member>,
}

impl ManagerAccess {
    /// Clears `caller` to manage `tenant`, from every membership of theirs. A member of the
    /// tenant who does not manage it learns that it exists (403); anyone else, that it does not
    /// (404), as for a tenant that does not exist.
    pub fn clear(caller: Caller, tenant: Option<Tenant>, memberships: Vec<Member>) -> Result<Self, ApiError> {
        let tenant = tenant.ok_or(ApiError::NotFound("no such tenant"))?;
        match standing(&caller, &tenant, &memberships) {
            Standing::Operator | Standing::Manager => {}
            Standing::Member => return Err(ApiError::Forbidden("only tenant administrators may manage members")),
            Standing::Stranger => return Err(ApiError::NotFound("no such tenant")),
        }
        let grant = granting_membership(&tenant, &memberships).cloned();
        let own_membership = memberships.iter().find(|m| m.tenant_id == tenant.tenant_id).cloned();
        Ok(Self { caller, tenant, own_membership, grant, memberships })
    }

    /// Who the audit trail names for this caller's changes: an operator, or an administrator
    /// through the membership that grants them the tenant.
    pub fn actor(&self) -> Actor {
        match (&self.grant, self.caller.operator) {
            (Some(grant), false) => Actor::administrator(&self.caller.sub, grant),
            _ => Actor::operator(&self.caller.sub),
        }
    }

    /// Whether the caller manages `tenant` too.
    pub fn manages(&self, tenant: &Tenant) -> bool {
        matches!(standing(&self.caller, tenant, &self.memberships), Standing::Operator | Standing::Manager)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Roles;
    use crate::email::Email;
    use crate::ids::MemberId;
    use crate::language::Language;
    use crate::model::RepresentativeSummary;
    use std::collections::BTreeMap;

    fn tenant(ancestors: &[&TenantId]) -> Tenant {
        let id = TenantId::generate();
        Tenant {
            representative: RepresentativeSummary {
                member_id: MemberId::generate(),
                email: Email::parse("rep@example.com").unwrap(),
                status: MemberStatus::Active,
            },
            parent_tenant_id: ancestors.last().map(|t| (*t).clone()),
            ancestors: ancestors.iter().map(|t| (*t).clone()).collect(),
            tenant_id: id,
            name: "t".into(),
            member_count: 1,
            created_at: time::macros::datetime!(2026-12-03 09:00 UTC),
        }
    }

    fn membership(tenant: &TenantId, role: &str, status: MemberStatus) -> Member {
        let roles = Roles::parse(BTreeMap::from([("service-management-portal".into(), role.into())])).unwrap();
        let email = Email::parse("caller@example.com").unwrap();
        let mut member = Member::new_invited(
            tenant.clone(),
            email,
            Language::En,
            roles,
            UserSub::new("caller"),
            time::macros::datetime!(2026-12-03 09:00 UTC),
        );
        member.status = status;
        member
    }

    fn caller(operator: bool) -> Caller {
        Caller { sub: UserSub::new("caller"), operator, session_began: None }
    }

    #[test]
    fn a_token_issued_before_the_last_sign_out_acts_for_no_one() {
        let at = |seconds: i64| time::OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap();
        let person = |signed_out_at| Person {
            user_sub: UserSub::new("caller"),
            memberships: 1,
            created_by_service: true,
            mfa: crate::model::Mfa::default(),
            version: 1,
            retiring: false,
            signed_out_at,
            active_tenant: None,
            sessions_outlive_sign_out: false,
        };
        let token = |session_began| Caller { session_began, ..caller(false) };
        assert!(session_current(&token(Some(at(0))), None).is_ok(), "no person record: nothing ended");
        assert!(session_current(&token(Some(at(0))), Some(&person(None))).is_ok());
        let signed_out = person(Some(at(10)));
        assert!(matches!(session_current(&token(Some(at(9))), Some(&signed_out)), Err(ApiError::Unauthenticated)));
        assert!(session_current(&token(Some(at(10))), Some(&signed_out)).is_ok(), "signed in again within the second");
        assert!(session_current(&token(Some(at(11))), Some(&signed_out)).is_ok());
        assert!(matches!(session_current(&token(None), Some(&signed_out)), Err(ApiError::Unauthenticated)), "no iat: no proof");
    }

    #[test]
    fn admins_of_an_ancestor_manage_the_tenant() {
        let root = tenant(&[]);
        let child = tenant(&[&root.tenant_id]);
        let admin_of_root = [membership(&root.tenant_id, "tenant-admin", MemberStatus::Active)];
        assert_eq!(standing(&caller(false), &child, &admin_of_root), Standing::Manager);
    }

    #[test]
    fn a_child_admin_has_no_rights_on_the_parent_or_siblings() {
        let root = tenant(&[]);
        let child = tenant(&[&root.tenant_id]);
        let sibling = tenant(&[&root.tenant_id]);
        let admin_of_child = [membership(&child.tenant_id, "tenant-admin", MemberStatus::Active)];
        assert_eq!(standing(&caller(false), &root, &admin_of_child), Standing::Stranger);
        assert_eq!(standing(&caller(false), &sibling, &admin_of_child), Standing::Stranger);
    }

    #[test]
    fn plain_members_and_pending_admins_do_not_manage() {
        let t = tenant(&[]);
        let plain = [membership(&t.tenant_id, "member", MemberStatus::Active)];
        assert_eq!(standing(&caller(false), &t, &plain), Standing::Member);
        let pending_admin = [membership(&t.tenant_id, "tenant-admin", MemberStatus::Invited)];
        assert_eq!(standing(&caller(false), &t, &pending_admin), Standing::Stranger);
    }

    #[test]
    fn operators_manage_every_tenant() {
        assert_eq!(standing(&caller(true), &tenant(&[]), &[]), Standing::Operator);
    }
}
