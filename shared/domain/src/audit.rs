//! The audit trail: every state change writes one entry, in the same transaction as the change,
//! so the trail can neither miss a change nor record one that was rolled back.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::Roles;
use crate::email::Email;
use crate::ids::{AuditId, MemberId, TenantId};
pub use crate::model::{ActingMembership, Actor, ActorKind};
use crate::model::{Member, MemberStatus, Mfa};

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
    MemberSuspended,
    MemberReactivated,
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
    /// As the member shows (`views::MemberView`): no MFA until they join, whatever the person
    /// behind the address has.
    pub fn of(member: &Member) -> Self {
        Self {
            email: member.email.clone(),
            status: member.status,
            roles: member.roles.clone(),
            representative: member.representative,
            mfa: member.shown_mfa().clone(),
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
    /// A change by `actor` at `at`; its entry's id sorts by that time.
    pub fn by(actor: Actor, at: OffsetDateTime) -> Self {
        Self { audit_id: AuditId::at(at), actor, at }
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
