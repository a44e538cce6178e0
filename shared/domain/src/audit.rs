//! The audit trail: every state change writes one entry, in the same transaction as the change,
//! so the trail can neither miss a change nor record one that was rolled back.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::{Caller, ManagerAccess};
use crate::catalog::Roles;
use crate::email::Email;
use crate::ids::{AuditId, MemberId, TenantId, UserSub};
use crate::model::{Member, MemberStatus, Mfa};
use crate::views::AuditEntryView;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    TenantCreated,
    MemberInvited,
    InvitationResent,
    InvitationAccepted,
    RolesChanged,
    MfaChanged,
    MemberDeleted,
    PasswordResetSent,
    PasswordResetCompleted,
    RepresentativeChanged,
    RepresentativeEmailChanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Operator,
    /// An active tenant-admin of the tenant or of an ancestor.
    Administrator,
    /// A member acting on their own membership through an emailed link.
    Member,
}

/// The membership through which an actor acted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActingMembership {
    pub tenant_id: TenantId,
    pub member_id: MemberId,
    pub email: Email,
}

impl ActingMembership {
    fn of(member: &Member) -> Self {
        Self { tenant_id: member.tenant_id.clone(), member_id: member.member_id.clone(), email: member.email.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub kind: ActorKind,
    pub user_sub: UserSub,
    pub via: Option<ActingMembership>,
}

impl Actor {
    /// The caller of a manager operation. An administrator's change is only written while the
    /// membership that allowed it is still an active tenant-admin (see the store adapters).
    pub fn manager(access: &ManagerAccess) -> Self {
        match (&access.grant, access.caller.operator) {
            (Some(grant), false) => {
                Self { kind: ActorKind::Administrator, user_sub: access.caller.sub.clone(), via: Some(ActingMembership::of(grant)) }
            }
            _ => Self { kind: ActorKind::Operator, user_sub: access.caller.sub.clone(), via: None },
        }
    }

    /// An operator acting outside any tenant (creating one).
    pub fn operator(caller: &Caller) -> Self {
        Self { kind: ActorKind::Operator, user_sub: caller.sub.clone(), via: None }
    }

    /// A person redeeming a link sent to their own membership.
    pub fn member(member: &Member) -> Self {
        Self { kind: ActorKind::Member, user_sub: member.user_sub.clone(), via: Some(ActingMembership::of(member)) }
    }

    /// The membership that must still be an active tenant-admin when the change is written.
    pub fn authority(&self) -> Option<&ActingMembership> {
        match self.kind {
            ActorKind::Administrator => self.via.as_ref(),
            ActorKind::Operator | ActorKind::Member => None,
        }
    }
}

/// What an entry shows of a member before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberState {
    pub email: Email,
    pub status: MemberStatus,
    pub roles: Roles,
    pub representative: bool,
    pub mfa: Mfa,
}

impl MemberState {
    pub fn of(member: &Member) -> Self {
        Self {
            email: member.email.clone(),
            status: member.status,
            roles: member.roles.clone(),
            representative: member.representative,
            mfa: member.mfa.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub audit_id: AuditId,
    pub tenant_id: TenantId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub action: AuditAction,
    pub member_id: MemberId,
    pub before: Option<MemberState>,
    pub after: Option<MemberState>,
    /// For a representative change: who held the role before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_representative_id: Option<MemberId>,
    /// The actor does not manage this tenant: a change to the person (their MFA) made from
    /// another tenant of theirs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_another_tenant: bool,
}

/// A change about to be written: who makes it, and the id and time its entry gets. The store
/// writes the entry with the change and removes it with a compensation.
#[derive(Debug, Clone)]
pub struct Change {
    pub audit_id: AuditId,
    pub actor: Actor,
    pub at: OffsetDateTime,
}

impl Change {
    pub fn by(actor: Actor) -> Self {
        Self { audit_id: AuditId::generate(), actor, at: crate::model::now() }
    }

    /// The entry for `action` on a member seen `before` and `after` the change.
    pub fn entry(&self, action: AuditAction, before: Option<&Member>, after: Option<&Member>) -> AuditEntry {
        let member = after.or(before).expect("a change has a member before or after it");
        AuditEntry {
            audit_id: self.audit_id.clone(),
            tenant_id: member.tenant_id.clone(),
            at: self.at,
            actor: self.actor.clone(),
            action,
            member_id: member.member_id.clone(),
            before: before.map(MemberState::of),
            after: after.map(MemberState::of),
            former_representative_id: None,
            from_another_tenant: false,
        }
    }
}

impl AuditEntry {
    /// The entry as the tenant's managers see it.
    pub fn view(&self) -> AuditEntryView<'_> {
        AuditEntryView::from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;

    fn member(tenant: &TenantId, email: &str) -> Member {
        let roles = Roles::tenant_admin();
        Member::new_invited(tenant.clone(), Email::parse(email).unwrap(), Language::En, roles, UserSub::new(email), crate::model::now())
    }

    #[test]
    fn a_change_made_from_a_tenant_that_does_not_manage_this_one_names_no_one() {
        let (acting_tenant, other_tenant) = (TenantId::generate(), TenantId::generate());
        let admin = member(&acting_tenant, "admin@a.example.com");
        let actor = Actor { kind: ActorKind::Administrator, user_sub: admin.user_sub.clone(), via: Some(ActingMembership::of(&admin)) };
        let change = Change::by(actor);
        let person = member(&other_tenant, "person@b.example.com");
        let mut entry = change.entry(AuditAction::MfaChanged, Some(&person), Some(&person));
        entry.from_another_tenant = true;
        let view = serde_json::to_value(entry.view()).unwrap();
        assert_eq!(view["actor"], serde_json::json!({ "kind": "another_tenant_admin" }));
        assert!(!view.to_string().contains("admin@a.example.com"));

        let own = serde_json::to_value(change.entry(AuditAction::MfaChanged, Some(&admin), Some(&admin)).view()).unwrap();
        assert_eq!(own["actor"]["kind"], "tenant_admin", "an administrator of the entry's own tenant is named");
    }
}
