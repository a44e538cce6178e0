//! What a state change writes. Each use case decides the new state from what it read and
//! returns it as a `Changeset` (`use_cases`): typed writes, each guarded by a condition and
//! carrying the error that a failed condition means, plus the audit entries. A store commits a
//! changeset all or nothing (`ports::Store::commit`) and only maps a failed write back to its own
//! error.
mod directory;
mod use_cases;

pub use directory::*;
use time::OffsetDateTime;
pub use use_cases::*;

use crate::audit::{ActingMembership, AuditEntry};
use crate::directory::{Connection, DirectoryGroup, DirectoryToken};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, GroupId, MemberId, TenantId, UserSub};
use crate::links::{LinkClaim, Quota, TokenRecord};
use crate::model::{Member, Mfa, Person, RepresentativeSummary, Tenant};
use crate::tokens::TokenHash;

/// One write and the condition it is committed under.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// The tenant exists (nothing is written).
    RequireTenant(TenantId),
    /// A new tenant.
    CreateTenant(Tenant),
    DeleteTenant(TenantId),
    /// Records that `ancestor`'s administrators manage `tenant` (new).
    AddDescendant {
        ancestor: TenantId,
        tenant: TenantId,
    },
    RemoveDescendant {
        ancestor: TenantId,
        tenant: TenantId,
    },
    /// Adds `delta` to an existing tenant's member count.
    CountMembers {
        tenant: TenantId,
        delta: i64,
    },
    /// Sets the tenant's representative summary while its representative is still `expected`.
    SetRepresentative {
        tenant: TenantId,
        expected: MemberId,
        summary: RepresentativeSummary,
    },
    /// A new member.
    InsertMember(Member),
    /// The member becomes `after` while it is still at `version`.
    UpdateMember {
        version: u64,
        after: Member,
    },
    /// The member goes while it is still as read.
    DeleteMember(Member),
    /// The membership is still an active tenant-admin (nothing is written): an administrator's
    /// change is only written while the membership that allowed it still does.
    RequireAuthority(ActingMembership),
    /// The email is free in the tenant and now names `member`.
    ReserveEmail {
        tenant: TenantId,
        email: Email,
        member: MemberId,
    },
    ReleaseEmail {
        tenant: TenantId,
        email: Email,
    },
    /// A new link.
    PutLink(TokenRecord),
    DeleteLink(TokenHash),
    /// Holds a link that exists and that no live claim holds.
    ClaimLink {
        hash: TokenHash,
        claim: LinkClaim,
    },
    /// Lets go of a link this claim still holds.
    ReleaseLink {
        hash: TokenHash,
        claim: String,
    },
    /// Deletes a link being redeemed: held by `claim`, or (without one) held by nobody at `at`.
    BurnLink {
        hash: TokenHash,
        claim: Option<String>,
        at: OffsetDateTime,
    },
    /// Counts one more email in the quota's window, refusing past its maximum.
    CountEmail(Quota),
    /// Counts a membership on its person, creating the record for a new person. `mfa` is the
    /// person's MFA as last read: a person whose MFA differs, or who is retiring, refuses.
    JoinPerson {
        user: UserSub,
        mfa: Mfa,
        created_user: bool,
    },
    /// Uncounts a membership whose creation is taken back.
    UnjoinPerson(UserSub),
    /// Counts again a membership whose departure is taken back, on the person as that departure
    /// left them (`version`), who is then no longer retiring.
    ReturnPerson {
        user: UserSub,
        version: u64,
    },
    /// A retiring person, as read (`version`), who is in a group now (made an operator since the
    /// retirement was decided): no longer retiring, so that their account is kept.
    KeepPerson {
        user: UserSub,
        version: u64,
    },
    /// Uncounts a membership on the person as read, marking them retiring if asked, and their
    /// sessions ended at `at` if `sign_out`.
    LeavePerson {
        person: Person,
        retire: bool,
        sign_out: bool,
        at: OffsetDateTime,
    },
    /// The tenant the person's tokens switched to (the person exists).
    SwitchTenant {
        user: UserSub,
        tenant: TenantId,
    },
    /// The person's sessions were ended at `at` (the person exists); `at_cognito`: Cognito ended
    /// them too, else their refresh tokens are refused until it does
    /// (`Person::sessions_outlive_sign_out`).
    RecordSignOut {
        user: UserSub,
        at: OffsetDateTime,
        at_cognito: bool,
    },
    /// The person's MFA, while they are as read with exactly `memberships`; with
    /// `sessions_end_at`, the API refuses the sessions begun before it, as after a sign-out.
    SetPersonMfa {
        person: Person,
        memberships: u64,
        mfa: Mfa,
        sessions_end_at: Option<OffsetDateTime>,
    },
    /// Records that `link` sets the person's first password, until `until` while no account
    /// exists: refused while another link holds that, and, when `account_exists`, unless this
    /// link set it (a retry).
    SetFirstPassword {
        user: UserSub,
        link: TokenHash,
        account_exists: bool,
        at: OffsetDateTime,
        until: OffsetDateTime,
    },
    /// `link` no longer sets the person's first password (its redemption let go).
    ClearFirstPassword {
        user: UserSub,
        link: TokenHash,
    },
    /// The tenant's directory connection becomes `after` while it is at `version` (0: none yet).
    PutConnection {
        version: u64,
        after: Connection,
    },
    /// A new directory token, found by its hash.
    PutDirectoryToken(DirectoryToken),
    DeleteDirectoryToken(TokenHash),
    /// The directory's group becomes `after` while it is at `version` (0: a new group).
    PutGroup {
        version: u64,
        after: DirectoryGroup,
    },
    /// The group goes while it is still as read.
    DeleteGroup(DirectoryGroup),
    /// The display name (its `name_key`) is free in the tenant and now names `group`.
    ReserveGroupName {
        tenant: TenantId,
        name_key: String,
        group: GroupId,
    },
    ReleaseGroupName {
        tenant: TenantId,
        name_key: String,
    },
    /// A new audit entry.
    PutAudit(AuditEntry),
    DeleteAudit {
        tenant: TenantId,
        audit: AuditId,
    },
}

/// A write with the error its failed condition means.
#[derive(Debug, Clone)]
pub struct Guarded {
    pub write: Write,
    pub conflict: fn(&Write) -> ApiError,
}

/// The writes of one state change, committed all or nothing.
#[derive(Debug, Clone, Default)]
pub struct Changeset {
    pub writes: Vec<Guarded>,
}

fn collision(_: &Write) -> ApiError {
    ApiError::upstream(std::io::Error::other("an id collided with an existing item"))
}

fn changed_while_taken_back(_: &Write) -> ApiError {
    ApiError::upstream(std::io::Error::other("the change was changed again before it could be taken back"))
}

fn version_conflict(_: &Write) -> ApiError {
    ApiError::VersionConflict
}

fn person_changed(_: &Write) -> ApiError {
    ApiError::PersonChanged
}

fn token_invalid(_: &Write) -> ApiError {
    ApiError::TokenInvalid
}

fn rate_limited(write: &Write) -> ApiError {
    let retry_after = match write {
        Write::CountEmail(quota) => quota.retry_after(),
        _ => 1,
    };
    ApiError::RateLimited { retry_after }
}

impl Changeset {
    pub fn write(mut self, write: Write, conflict: fn(&Write) -> ApiError) -> Self {
        self.writes.push(Guarded { write, conflict });
        self
    }

    /// Adds the change's audit entries, and requires that an administrator's authority still
    /// holds unless the change already writes that membership on the version it was read at.
    pub fn audited(mut self, entries: impl IntoIterator<Item = AuditEntry>) -> Self {
        let mut authority = None;
        for entry in entries {
            authority = authority.or_else(|| entry.actor.authority().cloned());
            self = self.write(Write::PutAudit(entry), collision);
        }
        if let Some(authority) = authority.filter(|a| !self.writes_member(&a.tenant_id, &a.member_id)) {
            self = self.write(Write::RequireAuthority(authority), |_| ApiError::Forbidden("you are no longer a tenant administrator here"));
        }
        self
    }

    /// Counts the email this change sends against each of its quotas.
    pub fn counted(mut self, quotas: &[Quota]) -> Self {
        for quota in quotas {
            self = self.write(Write::CountEmail(quota.clone()), rate_limited);
        }
        self
    }

    fn writes_member(&self, tenant: &TenantId, member: &MemberId) -> bool {
        self.writes.iter().any(|g| match &g.write {
            Write::UpdateMember { after: m, .. } | Write::DeleteMember(m) | Write::InsertMember(m) => {
                m.tenant_id == *tenant && m.member_id == *member
            }
            _ => false,
        })
    }

    /// The changeset that takes this one back: for a change that only added (an invitation or
    /// a tenant whose email could not be sent).
    pub fn undo(&self) -> Changeset {
        let mut undo = Changeset::default();
        for guarded in &self.writes {
            let reverse = match &guarded.write {
                // An email that was attempted stays counted: a failing send is no way around a quota.
                Write::RequireTenant(_) | Write::RequireAuthority(_) | Write::CountEmail(_) => continue,
                Write::CreateTenant(tenant) => Write::DeleteTenant(tenant.tenant_id.clone()),
                Write::AddDescendant { ancestor, tenant } => Write::RemoveDescendant { ancestor: ancestor.clone(), tenant: tenant.clone() },
                Write::CountMembers { tenant, delta } => Write::CountMembers { tenant: tenant.clone(), delta: -delta },
                Write::InsertMember(member) => Write::DeleteMember(member.clone()),
                Write::ReserveEmail { tenant, email, .. } => Write::ReleaseEmail { tenant: tenant.clone(), email: email.clone() },
                Write::PutLink(link) => Write::DeleteLink(link.hash.clone()),
                Write::JoinPerson { user, .. } => Write::UnjoinPerson(user.clone()),
                Write::PutAudit(entry) => Write::DeleteAudit { tenant: entry.tenant_id.clone(), audit: entry.audit_id.clone() },
                other => unreachable!("only additions are taken back, not {other:?}"),
            };
            undo = undo.write(reverse, changed_while_taken_back);
        }
        undo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, Change};
    use crate::catalog::Roles;
    use crate::language::Language;
    use crate::tokens::Token;
    use crate::tokens::TokenPurpose;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-12-03 09:00 UTC);

    fn member(tenant: &TenantId, email: &str, roles: Roles) -> Member {
        let email = Email::parse(email).unwrap();
        Member::new_invited(tenant.clone(), email, Language::En, roles, UserSub::new("sub"), NOW)
    }

    fn administrator(of: &Member) -> Change {
        Change::by(Actor::administrator(&of.user_sub, of), NOW)
    }

    #[test]
    fn an_administrators_change_requires_their_authority_unless_it_writes_their_membership() {
        let tenant = TenantId::generate();
        let admin = member(&tenant, "admin@example.com", Roles::tenant_admin());
        let other = member(&tenant, "other@example.com", Roles::tenant_admin());
        let requires = |changes: &Changeset| changes.writes.iter().any(|g| matches!(g.write, Write::RequireAuthority(_)));

        let (_, on_other) = change_roles(&other, &Roles::tenant_admin(), &administrator(&admin));
        assert!(requires(&on_other));
        let (_, on_own) = transfer_representative(
            &Tenant::founded(tenant.clone(), "t".into(), Vec::new(), &admin, NOW),
            &admin,
            &other,
            &administrator(&admin),
        );
        assert!(!requires(&on_own), "the version guard on their own membership already requires it");
    }

    #[test]
    fn undoing_an_invitation_takes_back_every_write_it_made() {
        let tenant = TenantId::generate();
        let admin = member(&tenant, "admin@example.com", Roles::tenant_admin());
        let invited = member(&tenant, "new@example.com", Roles::tenant_admin());
        let link = TokenRecord::for_member(&Token::generate().unwrap(), TokenPurpose::Invitation, &invited, NOW);
        let changes = invite_member(&invited, &link, Joining { created_user: true }, &[], &administrator(&admin));
        let undo: Vec<Write> = changes.undo().writes.into_iter().map(|g| g.write).collect();

        assert!(undo.contains(&Write::DeleteMember(invited.clone())));
        assert!(undo.contains(&Write::ReleaseEmail { tenant: tenant.clone(), email: invited.email.clone() }));
        assert!(undo.contains(&Write::DeleteLink(link.hash.clone())));
        assert!(undo.contains(&Write::CountMembers { tenant: tenant.clone(), delta: -1 }));
        assert!(undo.contains(&Write::UnjoinPerson(invited.user_sub.clone())));
        assert!(undo.iter().any(|w| matches!(w, Write::DeleteAudit { .. })));
        assert!(!undo.iter().any(|w| matches!(w, Write::RequireAuthority(_))), "a check has nothing to take back");
    }
}
