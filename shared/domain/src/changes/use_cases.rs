//! The changeset of each use case: what it writes, under which conditions, with which errors.
use time::OffsetDateTime;

use crate::audit::{AuditAction, Change};
use crate::catalog::Roles;
use crate::error::ApiError;
use crate::ids::{TenantId, UserSub};
use crate::links::{FirstPassword, LinkClaim, Quota, TokenRecord};
use crate::model::{Member, MemberStatus, Mfa, Person, RepresentativeSummary, Tenant};
use crate::tokens::TokenPurpose;

use super::{changed_while_taken_back, collision, person_changed, rate_limited, token_invalid, version_conflict, Changeset, Write};

/// One batch of invitations counted against its tenant's `quota` (`Quota::batches`).
pub fn count_batch(quota: &Quota) -> Changeset {
    Changeset::default().write(Write::CountEmail(quota.clone()), rate_limited)
}

/// A membership added to a person.
#[derive(Debug, Clone, Copy)]
pub struct Joining {
    /// The service created the person's Cognito user for this membership.
    pub created_user: bool,
}

/// A membership taken from a person read as `person` (`None`: no person record, nothing is
/// counted). `retire` marks their Cognito user for deletion with the last membership.
#[derive(Debug, Clone)]
pub struct Leaving {
    pub person: Option<Person>,
    pub retire: bool,
    /// Their sessions end (their last membership, and in no group).
    pub sign_out: bool,
}

fn join(member: &Member, joining: Joining) -> Write {
    Write::JoinPerson { user: member.user_sub.clone(), mfa: member.mfa.clone(), created_user: joining.created_user }
}

fn leave(leaving: &Leaving, at: OffsetDateTime) -> Option<Write> {
    let person = leaving.person.clone()?;
    Some(Write::LeavePerson { person, retire: leaving.retire, sign_out: leaving.sign_out, at })
}

fn reserve_email(member: &Member) -> Write {
    Write::ReserveEmail { tenant: member.tenant_id.clone(), email: member.email.clone(), member: member.member_id.clone() }
}

fn update(before: &Member, after: &Member) -> Write {
    Write::UpdateMember { version: before.version, after: after.clone() }
}

/// An invited member, its email, its invitation, and its count on the tenant and the person.
pub fn invite_member(member: &Member, invitation: &TokenRecord, joining: Joining, quotas: &[Quota], change: &Change) -> Changeset {
    Changeset::default()
        .counted(quotas)
        .write(Write::InsertMember(member.clone()), collision)
        .write(reserve_email(member), |_| ApiError::MemberExists)
        .write(Write::PutLink(invitation.clone()), collision)
        .write(Write::CountMembers { tenant: member.tenant_id.clone(), delta: 1 }, |_| ApiError::NotFound("no such tenant"))
        .write(join(member, joining), person_changed)
        .audited([change.entry(AuditAction::MemberInvited, None, Some(member))])
}

/// A new tenant under its ancestors, with its representative invited.
pub fn create_tenant(
    tenant: &Tenant,
    representative: &Member,
    invitation: &TokenRecord,
    joining: Joining,
    quotas: &[Quota],
    change: &Change,
) -> Changeset {
    let mut changes = Changeset::default();
    if let Some(parent) = &tenant.parent_tenant_id {
        changes = changes.write(Write::RequireTenant(parent.clone()), |_| ApiError::validation("parentTenantId does not name a tenant"));
    }
    changes = changes.write(Write::CreateTenant(tenant.clone()), collision);
    for ancestor in &tenant.ancestors {
        changes = changes.write(Write::AddDescendant { ancestor: ancestor.clone(), tenant: tenant.tenant_id.clone() }, collision);
    }
    changes
        .write(Write::InsertMember(representative.clone()), collision)
        .write(reserve_email(representative), collision)
        .write(Write::PutLink(invitation.clone()), collision)
        .write(join(representative, joining), person_changed)
        .counted(quotas)
        .audited([change.entry(AuditAction::TenantCreated, None, Some(representative))])
}

/// The member with new roles.
pub fn change_roles(member: &Member, roles: &Roles, change: &Change) -> (Member, Changeset) {
    let after = member.revised(|m| m.roles = roles.clone());
    let changes = Changeset::default().write(update(member, &after), version_conflict).audited([change.entry(
        AuditAction::RolesChanged,
        Some(member),
        Some(&after),
    )]);
    (after, changes)
}

/// The membership goes with its email, its live links and its count on the tenant and person.
pub fn delete_member(member: &Member, leaving: &Leaving, change: &Change) -> Changeset {
    let mut changes = Changeset::default()
        .write(Write::DeleteMember(member.clone()), version_conflict)
        .write(Write::ReleaseEmail { tenant: member.tenant_id.clone(), email: member.email.clone() }, version_conflict)
        .write(Write::CountMembers { tenant: member.tenant_id.clone(), delta: -1 }, version_conflict);
    for hash in [&member.invitation_token_hash, &member.password_reset_token_hash].into_iter().flatten() {
        changes = changes.write(Write::DeleteLink(hash.clone()), version_conflict);
    }
    if let Some(leave) = leave(leaving, change.at) {
        changes = changes.write(leave, person_changed);
    }
    changes.audited([change.entry(AuditAction::MemberDeleted, Some(member), None)])
}

/// `link` becomes the member's one live link of its purpose, its email counted against the
/// quotas. The previous link dies, as a link is only redeemed while its member names it; its
/// record is left to expire (`TTL`), so that `take_back_link` can name it again when the new
/// link's email cannot be sent.
pub fn replace_link(member: &Member, link: &TokenRecord, quotas: &[Quota], change: &Change) -> (Member, Changeset) {
    let after = member.revised(|m| match link.purpose {
        TokenPurpose::Invitation => {
            m.invitation_expires_at = Some(link.expires_at);
            m.invitation_token_hash = Some(link.hash.clone());
            m.invited_by = Some(change.actor.clone());
        }
        TokenPurpose::PasswordReset => m.password_reset_token_hash = Some(link.hash.clone()),
    });
    let changes =
        Changeset::default().counted(quotas).write(update(member, &after), version_conflict).write(Write::PutLink(link.clone()), collision);
    let action = match link.purpose {
        TokenPurpose::Invitation => AuditAction::InvitationResent,
        TokenPurpose::PasswordReset => AuditAction::PasswordResetSent,
    };
    (after.clone(), changes.audited([change.entry(action, Some(member), Some(&after))]))
}

/// Takes back a `replace_link` whose email could not be sent: the member is as it was `before`
/// (naming its previous link again), the new link and the audit entry go. The email stays
/// counted: a failing send is no way around a quota.
pub fn take_back_link(before: &Member, after: &Member, link: &TokenRecord, change: &Change) -> Changeset {
    Changeset::default()
        .write(Write::UpdateMember { version: after.version, after: before.clone() }, changed_while_taken_back)
        .write(Write::DeleteLink(link.hash.clone()), changed_while_taken_back)
        .write(Write::DeleteAudit { tenant: before.tenant_id.clone(), audit: change.audit_id.clone() }, changed_while_taken_back)
}

/// Holds a link for a redemption, with the person's first password when it sets one (for as
/// long as the claim, so that a redemption that dies holding it locks no one out).
pub fn claim_link(link: &TokenRecord, claim: &LinkClaim, first_password: Option<&FirstPassword>) -> Changeset {
    let mut changes = Changeset::default().write(Write::ClaimLink { hash: link.hash.clone(), claim: claim.clone() }, token_invalid);
    if let Some(first) = first_password {
        let write = Write::SetFirstPassword {
            user: first.user.clone(),
            link: link.hash.clone(),
            account_exists: first.account_exists,
            at: claim.at,
            until: claim.until,
        };
        changes = changes.write(write, |_| ApiError::SignInRequired);
    }
    changes
}

/// Lets go of a claim after a failed redemption, and of the person's first password if it held
/// that and Cognito did not set it (`first_password`): another link (another tenant's
/// invitation, a resent one) may set it at once.
/// `TokenInvalid` if the link was burnt or taken over meanwhile (nothing of this claim's to let
/// go).
pub fn release_link(link: &TokenRecord, claim: &LinkClaim, first_password: Option<&FirstPassword>) -> Changeset {
    let mut changes = Changeset::default().write(Write::ReleaseLink { hash: link.hash.clone(), claim: claim.id.clone() }, token_invalid);
    if let Some(first) = first_password {
        changes = changes.write(Write::ClearFirstPassword { user: first.user.clone(), link: link.hash.clone() }, token_invalid);
    }
    changes
}

/// The invitation burns and its member becomes active (and so the tenant's representative
/// summary, for the representative).
pub fn accept_invitation(link: &TokenRecord, claim: Option<&LinkClaim>, member: &Member, change: &Change) -> (Member, Changeset) {
    let accepted = member.revised(|m| {
        m.status = MemberStatus::Active;
        m.registered_at = Some(change.at);
        m.invitation_expires_at = None;
        m.invitation_token_hash = None;
    });
    let burn = Write::BurnLink { hash: link.hash.clone(), claim: claim.map(|c| c.id.clone()), at: change.at };
    let mut changes = Changeset::default().write(burn, token_invalid).write(update(member, &accepted), token_invalid);
    if member.representative {
        let summary = RepresentativeSummary::of(&accepted);
        changes = changes.write(
            Write::SetRepresentative { tenant: member.tenant_id.clone(), expected: member.member_id.clone(), summary },
            token_invalid,
        );
    }
    let entry = change.entry(AuditAction::InvitationAccepted, Some(member), Some(&accepted));
    (accepted, changes.audited([entry]))
}

/// The reset link held by `claim` burns, and the person's sessions ended at the change's time.
/// A retiring person kept, as they are in a group now (`Write::KeepPerson`).
pub fn keep_person(user: &UserSub, version: u64) -> Changeset {
    Changeset::default().write(Write::KeepPerson { user: user.clone(), version }, person_changed)
}

/// The person's tokens switched to `tenant` (their pre-token-generation trigger, asked for it).
pub fn switch_tenant(user: &UserSub, tenant: &TenantId) -> Changeset {
    Changeset::default().write(Write::SwitchTenant { user: user.clone(), tenant: tenant.clone() }, |_| ApiError::TenantNotAvailable)
}

/// The person's sessions ended at `at`, alone, when Cognito could not end them: the API still
/// refuses them, and the token trigger renews none until a sign-out reaches Cognito.
pub fn record_failed_sign_out(user: &UserSub, at: OffsetDateTime) -> Changeset {
    Changeset::default().write(Write::RecordSignOut { user: user.clone(), at, at_cognito: false }, token_invalid)
}

pub fn complete_password_reset(link: &TokenRecord, claim: &LinkClaim, member: &Member, change: &Change) -> Changeset {
    let after = member.revised(|m| m.password_reset_token_hash = None);
    let burn = Write::BurnLink { hash: link.hash.clone(), claim: Some(claim.id.clone()), at: change.at };
    let signed_out = Write::RecordSignOut { user: member.user_sub.clone(), at: change.at, at_cognito: true };
    Changeset::default()
        .write(burn, token_invalid)
        .write(update(member, &after), token_invalid)
        .write(signed_out, token_invalid)
        .audited([change.entry(AuditAction::PasswordResetCompleted, Some(member), Some(&after))])
}

/// Whether switching the person's MFA to `mfa` ends their sessions: a session begun without MFA
/// would go on without it, renewed by its refresh token (Cognito asks for MFA at sign-in only), so
/// switched on, the sessions begun before end (at Cognito, and the API refuses their tokens).
pub fn mfa_ends_sessions(person: &Person, mfa: &Mfa) -> bool {
    mfa.enabled && !person.mfa.enabled
}

/// The person's MFA, and its copy on each of their memberships (`before` as read with the
/// person), with one audit entry each.
pub fn set_mfa(
    person: &Person,
    memberships: Vec<Member>,
    mfa: &Mfa,
    change: &Change,
    manages: impl Fn(&TenantId) -> bool,
) -> (Vec<Member>, Changeset) {
    let sessions_end_at = mfa_ends_sessions(person, mfa).then_some(change.at);
    let memberships_read = memberships.len() as u64;
    let person_mfa = Write::SetPersonMfa { person: person.clone(), memberships: memberships_read, mfa: mfa.clone(), sessions_end_at };
    let mut changes = Changeset::default().write(person_mfa, version_conflict);
    let mut entries = Vec::with_capacity(memberships.len());
    let mut changed = Vec::with_capacity(memberships.len());
    for before in memberships {
        let after = before.revised(|m| m.mfa = mfa.clone());
        changes = changes.write(update(&before, &after), version_conflict);
        // An invitation shows nothing of the person's MFA until they join: nothing to tell its
        // tenant, which must not learn that the address has an account.
        if before.status != MemberStatus::Active {
            changed.push(after);
            continue;
        }
        let mut entry = change.entry(AuditAction::MfaChanged, Some(&before), Some(&after));
        entry.from_another_tenant = !manages(&before.tenant_id);
        // One entry per tenant, each its own id: an entry's id is its event's, which consumers
        // drop repeats by.
        if !entries.is_empty() {
            entry.audit_id = crate::ids::AuditId::at(change.at);
        }
        entries.push(entry);
        changed.push(after);
    }
    (changed, changes.audited(entries))
}

/// The representative role passes from `from` to `to`; both and the tenant must be as read.
pub fn transfer_representative(tenant: &Tenant, from: &Member, to: &Member, change: &Change) -> (Tenant, Changeset) {
    let old = from.revised(|m| m.representative = false);
    let new = to.revised(|m| m.representative = true);
    let summary = RepresentativeSummary::of(&new);
    let mut entry = change.entry(AuditAction::RepresentativeChanged, Some(to), Some(&new));
    entry.former_representative_id = Some(from.member_id.clone());
    let changes = Changeset::default()
        .write(update(from, &old), |_| ApiError::NotRepresentative)
        .write(update(to, &new), |_| ApiError::NotEligible("the member changed meanwhile; reload and try again"))
        .write(
            Write::SetRepresentative { tenant: tenant.tenant_id.clone(), expected: from.member_id.clone(), summary: summary.clone() },
            |_| ApiError::NotRepresentative,
        )
        .audited([entry]);
    (Tenant { representative: summary, ..tenant.clone() }, changes)
}

/// The invited representative moves to a new email (`after`, a membership of another person):
/// the old email goes and the new one comes with its invitation, and the membership moves from
/// the old person to the new one. The old invitation dies, as a link is only redeemed while its
/// member names it; its record is left to expire (`TTL`), so that
/// `take_back_representative_email` can name it again when the new invitation's email fails.
#[allow(clippy::too_many_arguments)]
pub fn change_representative_email(
    tenant: &Tenant,
    before: &Member,
    after: &Member,
    invitation: &TokenRecord,
    leaving: &Leaving,
    joining: Joining,
    quotas: &[Quota],
    change: &Change,
) -> (Tenant, Changeset) {
    let summary = RepresentativeSummary::of(after);
    let mut changes = Changeset::default()
        .counted(quotas)
        .write(update(before, after), version_conflict)
        .write(reserve_email(after), |_| ApiError::EmailInUse)
        .write(Write::ReleaseEmail { tenant: before.tenant_id.clone(), email: before.email.clone() }, version_conflict)
        .write(Write::PutLink(invitation.clone()), version_conflict)
        .write(
            Write::SetRepresentative { tenant: tenant.tenant_id.clone(), expected: before.member_id.clone(), summary: summary.clone() },
            version_conflict,
        )
        .write(join(after, joining), person_changed);
    if let Some(leave) = leave(leaving, change.at) {
        changes = changes.write(leave, version_conflict);
    }
    let changes = changes.audited([change.entry(AuditAction::RepresentativeEmailChanged, Some(before), Some(after))]);
    (Tenant { representative: summary, ..tenant.clone() }, changes)
}

/// Takes back a `change_representative_email` whose invitation could not be sent: what
/// `take_back_link` takes back (the member as `before`, naming its previous invitation again; the
/// new invitation and the audit entry gone), and the email markers, the tenant's summary and the
/// membership's count on its old person instead of the new one.
pub fn take_back_representative_email(
    before: &Member,
    after: &Member,
    invitation: &TokenRecord,
    leaving: &Leaving,
    change: &Change,
) -> Changeset {
    let tenant = &before.tenant_id;
    let summary = RepresentativeSummary::of(before);
    let mut changes = take_back_link(before, after, invitation, change)
        .write(Write::ReleaseEmail { tenant: tenant.clone(), email: after.email.clone() }, changed_while_taken_back)
        .write(reserve_email(before), changed_while_taken_back)
        .write(Write::SetRepresentative { tenant: tenant.clone(), expected: before.member_id.clone(), summary }, changed_while_taken_back)
        .write(Write::UnjoinPerson(after.user_sub.clone()), changed_while_taken_back);
    if let Some(person) = &leaving.person {
        let write = Write::ReturnPerson { user: person.user_sub.clone(), version: person.version + 1 };
        changes = changes.write(write, changed_while_taken_back);
    }
    changes
}
