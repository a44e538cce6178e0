//! What the contract shows of the stored records. Each view names the fields it shows, so a
//! field added to a stored record stays out of the API until a view shows it.
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{Actor, ActorKind, AuditAction, AuditEntry, MemberState};
use crate::catalog::Roles;
use crate::email::Email;
use crate::ids::{AuditId, DirectoryTokenId, MemberId, TenantId};
use crate::language::Language;
use crate::model::{Member, MemberStatus, Mfa, RepresentativeSummary, Tenant};

/// A member as the contract shows it (never its Cognito user or its links).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView<'a> {
    member_id: &'a MemberId,
    tenant_id: &'a TenantId,
    email: &'a Email,
    language: Language,
    roles: &'a Roles,
    status: MemberStatus,
    representative: bool,
    mfa: &'a Mfa,
    #[serde(with = "time::serde::rfc3339")]
    invited_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    invitation_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    registered_at: Option<OffsetDateTime>,
    version: u64,
    self_service_password_reset: bool,
    /// Who sent the current invitation, as an audit entry shows its actor.
    invited_by: Option<ActorView<'a>>,
    /// Set while the tenant's directory manages the member.
    directory: Option<DirectoryView<'a>>,
}

/// What a member shows of the directory that manages them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryView<'a> {
    external_id: Option<&'a str>,
    groups: &'a [String],
}

impl<'a> MemberView<'a> {
    /// The member as shown at `now` (an invitation past its expiry reads `expired`). Until they
    /// join, a member shows no MFA and self-service password reset, whatever the person behind
    /// the address has: an invitation must not tell the inviting tenant that an account exists,
    /// nor how it is protected. Once they join, every tenant shows the person's one MFA.
    pub fn at(member: &'a Member, now: OffsetDateTime) -> Self {
        let joined = member.status == MemberStatus::Active;
        Self {
            member_id: &member.member_id,
            tenant_id: &member.tenant_id,
            email: &member.email,
            language: member.language,
            roles: &member.roles,
            status: member.status_at(now),
            representative: member.representative,
            mfa: member.shown_mfa(),
            invited_at: member.invited_at,
            invitation_expires_at: member.invitation_expires_at,
            registered_at: member.registered_at,
            version: member.version,
            self_service_password_reset: !joined || member.self_service_password_reset(),
            invited_by: member.invited_by.as_ref().map(|actor| ActorView::of(actor, &member.tenant_id, false)),
            directory: member
                .directory
                .as_ref()
                .map(|link| DirectoryView { external_id: link.external_id.as_deref(), groups: &link.groups }),
        }
    }
}

/// The tenant overview (never its ancestors, which are stored for authorization).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantView<'a> {
    tenant_id: &'a TenantId,
    name: &'a str,
    parent_tenant_id: Option<&'a TenantId>,
    representative: &'a RepresentativeSummary,
    member_count: u64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl<'a> From<&'a Tenant> for TenantView<'a> {
    fn from(tenant: &'a Tenant) -> Self {
        Self {
            tenant_id: &tenant.tenant_id,
            name: &tenant.name,
            parent_tenant_id: tenant.parent_tenant_id.as_ref(),
            representative: &tenant.representative,
            member_count: tenant.member_count,
            created_at: tenant.created_at,
        }
    }
}

/// Who made a change, as the tenant's managers see them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    Operator,
    TenantAdmin,
    AncestorTenantAdmin,
    AnotherTenantAdmin,
    Member,
    Directory,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorView<'a> {
    kind: ActorRole,
    #[serde(skip_serializing_if = "Option::is_none")]
    member_id: Option<&'a MemberId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a Email>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_id: Option<&'a DirectoryTokenId>,
}

/// An audit entry as the tenant's managers see it. An actor acting from another tenant (an
/// ancestor's administrator, an operator) is named by kind only: the trail never shows another
/// tenant's people.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView<'a> {
    audit_id: &'a AuditId,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    action: AuditAction,
    actor: ActorView<'a>,
    member_id: &'a MemberId,
    before: Option<&'a MemberState>,
    after: Option<&'a MemberState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    former_representative_id: Option<&'a MemberId>,
}

impl<'a> ActorView<'a> {
    /// `actor` as shown to the managers of `tenant`: named only when they acted through a
    /// membership of that tenant (`from_another_tenant`: on a person's membership there).
    fn of(actor: &'a Actor, tenant: &TenantId, from_another_tenant: bool) -> Self {
        let own = actor.via.as_ref().filter(|via| via.tenant_id == *tenant);
        let kind = match (actor.kind, own) {
            (ActorKind::Operator, _) => ActorRole::Operator,
            (ActorKind::Administrator, _) if from_another_tenant => ActorRole::AnotherTenantAdmin,
            (ActorKind::Administrator, Some(_)) => ActorRole::TenantAdmin,
            (ActorKind::Administrator, None) => ActorRole::AncestorTenantAdmin,
            (ActorKind::Member, _) => ActorRole::Member,
            (ActorKind::Directory, _) => ActorRole::Directory,
        };
        let named = own.filter(|_| !matches!(kind, ActorRole::AnotherTenantAdmin | ActorRole::Operator));
        Self { kind, member_id: named.map(|via| &via.member_id), email: named.map(|via| &via.email), token_id: actor.token_id.as_ref() }
    }
}

impl<'a> From<&'a AuditEntry> for AuditEntryView<'a> {
    fn from(entry: &'a AuditEntry) -> Self {
        Self {
            audit_id: &entry.audit_id,
            at: entry.at,
            action: entry.action,
            actor: ActorView::of(&entry.actor, &entry.tenant_id, entry.from_another_tenant),
            member_id: &entry.member_id,
            before: entry.before.as_ref(),
            after: entry.after.as_ref(),
            former_representative_id: entry.former_representative_id.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserSub;
    use crate::tokens::Token;

    #[test]
    fn a_member_shows_the_contracts_fields_and_nothing_it_stores_for_itself() {
        let mut member = Member::new_invited(
            TenantId::generate(),
            Email::parse("m@example.com").unwrap(),
            Language::Ja,
            Roles::tenant_admin(),
            UserSub::new("cognito-sub"),
            time::macros::datetime!(2026-12-03 09:00 UTC),
        );
        member.invitation_token_hash = Some(Token::generate().unwrap().hash());
        let admin = self::member(&member.tenant_id, "admin@example.com");
        member.invited_by = Some(Actor::administrator(&UserSub::new("admin-sub"), &admin));
        let view = serde_json::to_value(MemberView::at(&member, time::macros::datetime!(2026-12-03 09:00 UTC))).unwrap();
        let fields: Vec<&str> = view.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "directory",
                "email",
                "invitationExpiresAt",
                "invitedAt",
                "invitedBy",
                "language",
                "memberId",
                "mfa",
                "registeredAt",
                "representative",
                "roles",
                "selfServicePasswordReset",
                "status",
                "tenantId",
                "version"
            ]
        );
        assert!(!view.to_string().contains("cognito-sub") && !view.to_string().contains("admin-sub"));
        assert_eq!(
            view["invitedBy"],
            serde_json::json!({ "kind": "tenant_admin", "memberId": admin.member_id, "email": "admin@example.com" })
        );
    }

    #[test]
    fn an_invitation_past_its_expiry_reads_expired_and_who_sent_it_from_elsewhere_is_a_kind() {
        let tenant = TenantId::generate();
        let mut invited = member(&tenant, "m@example.com");
        let expires = time::macros::datetime!(2026-12-10 09:00 UTC);
        invited.invitation_expires_at = Some(expires);
        let ancestor_admin = member(&TenantId::generate(), "ancestor@example.com");
        invited.invited_by = Some(Actor::administrator(&UserSub::new("ancestor-sub"), &ancestor_admin));
        let shown = |member: &Member, now| serde_json::to_value(MemberView::at(member, now)).unwrap();
        assert_eq!(shown(&invited, expires - time::Duration::seconds(1))["status"], "invited");
        assert_eq!(shown(&invited, expires)["status"], "expired");
        assert_eq!(shown(&invited, expires)["invitedBy"], serde_json::json!({ "kind": "ancestor_tenant_admin" }));
        invited.invited_by = Some(Actor::operator(&UserSub::new("operator-sub")));
        assert_eq!(shown(&invited, expires)["invitedBy"], serde_json::json!({ "kind": "operator" }));
    }

    fn member(tenant: &TenantId, email: &str) -> Member {
        let roles = Roles::tenant_admin();
        let at = time::macros::datetime!(2026-12-03 09:00 UTC);
        Member::new_invited(tenant.clone(), Email::parse(email).unwrap(), Language::En, roles, UserSub::new(email), at)
    }

    #[test]
    fn a_change_made_from_a_tenant_that_does_not_manage_this_one_names_no_one() {
        use crate::audit::{Actor, Change};
        let (acting_tenant, other_tenant) = (TenantId::generate(), TenantId::generate());
        let admin = member(&acting_tenant, "admin@a.example.com");
        let change = Change::by(Actor::administrator(&admin.user_sub, &admin), time::macros::datetime!(2026-12-03 09:00 UTC));
        let person = member(&other_tenant, "person@b.example.com");
        let mut entry = change.entry(AuditAction::MfaChanged, Some(&person), Some(&person));
        entry.from_another_tenant = true;
        let view = serde_json::to_value(AuditEntryView::from(&entry)).unwrap();
        assert_eq!(view["actor"], serde_json::json!({ "kind": "another_tenant_admin" }));
        assert!(!view.to_string().contains("admin@a.example.com"));

        let own = change.entry(AuditAction::MfaChanged, Some(&admin), Some(&admin));
        let own = serde_json::to_value(AuditEntryView::from(&own)).unwrap();
        assert_eq!(own["actor"]["kind"], "tenant_admin", "an administrator of the entry's own tenant is named");
    }
}
