//! What the service stores and shows: tenants and their members.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::Roles;
use crate::directory::DirectoryLink;
use crate::email::Email;
use crate::ids::{DirectoryTokenId, MemberId, TenantId, UserSub};
use crate::language::Language;
use crate::tokens::TokenHash;
use crate::tokens::TokenPurpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Invited,
    /// Shown, never stored: an invited member past `invitationExpiresAt` (`Member::status_at`).
    /// Every rule that asks for `Invited` takes them alike, as they are stored so.
    Expired,
    Active,
    /// Switched off by the tenant's directory: refused in this tenant, as any non-member, until
    /// the directory switches it on again (back to `Active` if it had registered, else `Invited`).
    Suspended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaType {
    Email,
    AuthenticatorApp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Mfa {
    pub enabled: bool,
    pub r#type: Option<MfaType>,
}

/// What a member not yet joined shows of MFA: what any new address shows.
static NO_MFA_YET: Mfa = Mfa { enabled: false, r#type: None };

/// One person's membership of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub member_id: MemberId,
    pub tenant_id: TenantId,
    pub email: Email,
    pub language: Language,
    pub roles: Roles,
    pub status: MemberStatus,
    pub representative: bool,
    pub mfa: Mfa,
    #[serde(with = "time::serde::rfc3339")]
    pub invited_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub invitation_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub registered_at: Option<OffsetDateTime>,
    pub version: u64,
    /// The Cognito user; stored, never shown.
    pub user_sub: UserSub,
    /// The live links, so that a new one can revoke the old; stored, never shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_token_hash: Option<TokenHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reset_token_hash: Option<TokenHash>,
    /// Who sent the member's current invitation (none on members stored before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<Actor>,
    /// Set while the tenant's directory manages the membership (its roles follow the groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<DirectoryLink>,
}

impl Member {
    /// A new membership, invited and not yet registered.
    pub fn new_invited(
        tenant_id: TenantId,
        email: Email,
        language: Language,
        roles: Roles,
        user_sub: UserSub,
        invited_at: OffsetDateTime,
    ) -> Self {
        Self {
            member_id: MemberId::at(invited_at),
            tenant_id,
            email,
            language,
            roles,
            status: MemberStatus::Invited,
            representative: false,
            mfa: Mfa::default(),
            invited_at,
            invitation_expires_at: None,
            registered_at: None,
            version: 1,
            user_sub,
            invitation_token_hash: None,
            password_reset_token_hash: None,
            invited_by: None,
            directory: None,
        }
    }

    /// The status shown at `now`: an invitation past its expiry reads `expired`.
    pub fn status_at(&self, now: OffsetDateTime) -> MemberStatus {
        match (self.status, self.invitation_expires_at) {
            (MemberStatus::Invited, Some(expires)) if expires <= now => MemberStatus::Expired,
            (status, _) => status,
        }
    }

    /// The member changed by `change`, at the next version.
    pub fn revised(&self, change: impl FnOnce(&mut Member)) -> Member {
        let mut after = self.clone();
        change(&mut after);
        after.version = self.version + 1;
        after
    }

    /// Cognito's "forgot password" flow cannot get past email MFA, so such members rely on an
    /// administrator-sent reset.
    /// The MFA the member shows: the person's once they joined; none before, whatever the person
    /// behind the address has, so that an invitation tells the inviting tenant nothing of an
    /// account (views, audit entries and events alike).
    pub fn shown_mfa(&self) -> &Mfa {
        if self.status == MemberStatus::Active {
            &self.mfa
        } else {
            &NO_MFA_YET
        }
    }

    pub fn self_service_password_reset(&self) -> bool {
        !(self.mfa.enabled && self.mfa.r#type == Some(MfaType::Email))
    }

    /// The one link of this purpose that may be redeemed now: the invitation while invited,
    /// the password reset once registered.
    pub fn live_token(&self, purpose: TokenPurpose) -> Option<&TokenHash> {
        match (purpose, self.status) {
            (TokenPurpose::Invitation, MemberStatus::Invited) => self.invitation_token_hash.as_ref(),
            (TokenPurpose::PasswordReset, MemberStatus::Active) => self.password_reset_token_hash.as_ref(),
            _ => None,
        }
    }

    pub fn is_active_tenant_admin(&self) -> bool {
        self.status == MemberStatus::Active && self.roles.is_tenant_admin()
    }
}

/// One person: one Cognito user, whatever the number of tenants they are a member of. Changed
/// in the same transaction as each of their memberships, so that "last membership" is exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub user_sub: UserSub,
    /// How many memberships the person has.
    pub memberships: u64,
    /// Whether the service created the Cognito user (and so may delete it once unused).
    pub created_by_service: bool,
    /// The person's one MFA setting, shown on each of their memberships.
    pub mfa: Mfa,
    pub version: u64,
    /// The person's last membership is gone and their Cognito user is being deleted: no new
    /// membership may point at it.
    pub retiring: bool,
    /// When the service last ended their sessions: tokens issued before it act for no one.
    pub signed_out_at: Option<OffsetDateTime>,
    /// Cognito could not end their sessions when the service last did (a password reset whose
    /// sign-out failed): until a later sign-out reaches it, the pool's token trigger renews none
    /// of their refresh tokens, so that no application trusts a session the API refuses.
    pub sessions_outlive_sign_out: bool,
    /// The tenant their tokens last switched to (`ClientMetadata.tenantId`): their tokens speak
    /// for it again, while they are an active member there.
    pub active_tenant: Option<TenantId>,
}

impl Person {
    /// The language Cognito's own emails (a sign-in code, a forgot-password code) go out in:
    /// the locale the person chose in the portal, else that of their latest membership (the
    /// language of the last invitation they got), else English, as Cognito's would be.
    pub fn language(locale: Option<&str>, memberships: &[Member]) -> Language {
        locale
            .and_then(Language::of_locale)
            .or_else(|| memberships.iter().max_by_key(|m| m.invited_at).map(|m| m.language))
            .unwrap_or(Language::En)
    }

    /// Whether removing one membership leaves the person without any.
    pub fn last_membership(&self) -> bool {
        self.memberships <= 1
    }
}

/// What the tenant overview shows of its representative administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepresentativeSummary {
    pub member_id: MemberId,
    pub email: Email,
    pub status: MemberStatus,
}

impl RepresentativeSummary {
    pub fn of(member: &Member) -> Self {
        Self { member_id: member.member_id.clone(), email: member.email.clone(), status: member.status }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub tenant_id: TenantId,
    pub name: String,
    pub parent_tenant_id: Option<TenantId>,
    /// Root first, parent last; empty for a top-level tenant. Stored, never shown.
    pub ancestors: Vec<TenantId>,
    pub representative: RepresentativeSummary,
    pub member_count: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Tenant {
    /// The top-level tenant of this tenant's tree (itself, at the top).
    pub fn tree(&self) -> &TenantId {
        self.ancestors.first().unwrap_or(&self.tenant_id)
    }

    /// A new tenant under `ancestors` (root first, parent last) whose one member is its
    /// representative.
    pub fn founded(
        tenant_id: TenantId,
        name: String,
        ancestors: Vec<TenantId>,
        representative: &Member,
        created_at: OffsetDateTime,
    ) -> Self {
        Self {
            tenant_id,
            name,
            parent_tenant_id: ancestors.last().cloned(),
            ancestors,
            representative: RepresentativeSummary::of(representative),
            member_count: 1,
            created_at,
        }
    }

    /// The tenant and its ancestors: the tenants whose administrators manage it.
    pub fn lineage(&self) -> impl Iterator<Item = &TenantId> {
        self.ancestors.iter().chain(std::iter::once(&self.tenant_id))
    }
}

/// Who acts: an operator, a tenant-admin through their membership, or a member through a link
/// sent to them (the audit trail's actor, and who sent a member's invitation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Operator,
    /// An active tenant-admin of the tenant or of an ancestor.
    Administrator,
    /// A member acting on their own membership through an emailed link.
    Member,
    /// The tenant's directory (SCIM), through one of its connection's tokens.
    Directory,
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
    pub fn of(member: &Member) -> Self {
        Self { tenant_id: member.tenant_id.clone(), member_id: member.member_id.clone(), email: member.email.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub kind: ActorKind,
    /// Empty for the directory, which is nobody.
    pub user_sub: UserSub,
    pub via: Option<ActingMembership>,
    /// The directory token that made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<DirectoryTokenId>,
}

impl Actor {
    /// An operator, acting through no membership.
    pub fn operator(user: &UserSub) -> Self {
        Self { kind: ActorKind::Operator, user_sub: user.clone(), via: None, token_id: None }
    }

    /// An active tenant-admin, acting through `grant` (of the tenant or of an ancestor). Their
    /// change is only written while that membership is still an active tenant-admin.
    pub fn administrator(user: &UserSub, grant: &Member) -> Self {
        Self { kind: ActorKind::Administrator, user_sub: user.clone(), via: Some(ActingMembership::of(grant)), token_id: None }
    }

    /// A person redeeming a link sent to their own membership.
    pub fn member(member: &Member) -> Self {
        Self { kind: ActorKind::Member, user_sub: member.user_sub.clone(), via: Some(ActingMembership::of(member)), token_id: None }
    }

    /// The tenant's directory, calling with token `token`.
    pub fn directory(token: &DirectoryTokenId) -> Self {
        Self { kind: ActorKind::Directory, user_sub: UserSub::new(""), via: None, token_id: Some(token.clone()) }
    }

    /// The membership that must still be an active tenant-admin when the change is written.
    pub fn authority(&self) -> Option<&ActingMembership> {
        match self.kind {
            ActorKind::Administrator => self.via.as_ref(),
            ActorKind::Operator | ActorKind::Member | ActorKind::Directory => None,
        }
    }
}
