//! What the domain needs from the outside world, as small traits. The AWS adapters implement
//! them; domain code never sees an SDK type.
use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::{AuditEntry, Change};
use crate::catalog::Roles;
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, MemberId, TenantId, UserSub};
use crate::model::{Member, MemberStatus, Mfa, MfaType, Person, Tenant};
use crate::tokens::{Token, TokenHash};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    Invitation,
    PasswordReset,
}

/// A stored single-use link: found by the hash of the token, never by the token.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub hash: TokenHash,
    pub purpose: TokenPurpose,
    pub tenant_id: TenantId,
    pub member_id: MemberId,
    pub expires_at: OffsetDateTime,
}

impl TokenRecord {
    pub fn for_member(token: &Token, purpose: TokenPurpose, member: &Member, expires_at: OffsetDateTime) -> Self {
        Self { hash: token.hash(), purpose, tenant_id: member.tenant_id.clone(), member_id: member.member_id.clone(), expires_at }
    }
}

/// A redemption in progress: the link is held for `until` by the request that holds `id`, so
/// that a concurrent second redemption changes nothing. A request that dies holding it lets
/// go of it when `until` passes.
#[derive(Debug, Clone)]
pub struct LinkClaim {
    pub id: String,
    pub until: OffsetDateTime,
}

impl LinkClaim {
    /// Longer than a redemption's calls take with their retries.
    pub const HOLD_SECONDS: i64 = 30;

    pub fn new(now: OffsetDateTime) -> Self {
        Self { id: ulid::Ulid::new().to_string(), until: now + time::Duration::seconds(Self::HOLD_SECONDS) }
    }
}

/// An invitation link about to set a person's first password. Only one link ever does: once
/// it has, the person has an account, and only the same link (a retry) may set it again.
#[derive(Debug, Clone)]
pub struct FirstPassword {
    pub user: UserSub,
    /// Cognito already shows a password: only a retry of the link that set it may go on.
    pub account_exists: bool,
}

/// A membership added to a person. The member carries the person's MFA as the caller last
/// knew it; the store refuses (`PersonChanged`) if the person's MFA differs or they are retiring.
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
}

/// At most `max` emails of one purpose to one member per clock hour.
#[derive(Debug, Clone)]
pub struct SendQuota {
    pub member_id: MemberId,
    pub purpose: TokenPurpose,
    pub window_start: OffsetDateTime,
    pub max: u32,
}

impl SendQuota {
    pub const SENDS_PER_HOUR: u32 = 5;

    pub fn hourly(member_id: &MemberId, purpose: TokenPurpose, now: OffsetDateTime) -> Self {
        let hour = now.unix_timestamp() - now.unix_timestamp().rem_euclid(3600);
        Self {
            member_id: member_id.clone(),
            purpose,
            window_start: OffsetDateTime::from_unix_timestamp(hour).unwrap_or(now),
            max: Self::SENDS_PER_HOUR,
        }
    }
}

/// What `GET …/members` may filter on.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub status: Option<MemberStatus>,
    /// `(application, role)`.
    pub role: Option<(String, String)>,
    /// A lower-case prefix of the email.
    pub email_prefix: Option<String>,
}

impl MemberFilter {
    pub fn matches(&self, member: &Member) -> bool {
        self.status.is_none_or(|s| member.status == s)
            && self.role.as_ref().is_none_or(|(app, role)| member.roles.has(app, role))
            && self.email_prefix.as_ref().is_none_or(|p| member.email.as_str().starts_with(p.as_str()))
    }
}

/// One page of a list, and where the next one starts.
#[derive(Debug)]
pub struct Page<T, Id> {
    pub items: Vec<T>,
    /// The id of the page's last item when more follow.
    pub last: Option<Id>,
}

impl<T, Id> Page<T, Id> {
    /// The first `limit` of `items`, read one over the limit to tell whether more follow.
    pub fn of(mut items: Vec<T>, limit: usize, id: impl Fn(&T) -> Id) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        let last = if more { items.last().map(id) } else { None };
        Self { items, last }
    }
}

/// Members in creation order.
pub type MemberPage = Page<Member, MemberId>;

#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, ApiError>;
    /// Creates the tenant with its representative, in one transaction; `PersonChanged` as for
    /// `insert_member`.
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        representative: &Member,
        invitation: &TokenRecord,
        joining: Joining,
        change: &Change,
    ) -> Result<(), ApiError>;
    /// Takes back a `create_tenant` whose invitation could not be sent.
    async fn undo_create_tenant(
        &self,
        tenant: &Tenant,
        representative: &Member,
        invitation: &TokenRecord,
        change: &Change,
    ) -> Result<(), ApiError>;
    /// Hands the representative role from `from` to `to`; both and the tenant must be as read.
    async fn transfer_representative(&self, tenant: &Tenant, from: &Member, to: &Member, change: &Change) -> Result<Tenant, ApiError>;
    /// Moves the invited representative to a new email (`after`, a membership of another
    /// person), revoking the old invitation for `invitation`; `EmailInUse` if the email is a
    /// member of the tenant meanwhile, `PersonChanged` as for `insert_member`.
    #[allow(clippy::too_many_arguments)]
    async fn change_representative_email(
        &self,
        tenant: &Tenant,
        before: &Member,
        after: &Member,
        invitation: &TokenRecord,
        leaving: &Leaving,
        joining: Joining,
        change: &Change,
    ) -> Result<Tenant, ApiError>;
    /// The given tenants (those that exist), in id order.
    async fn get_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError>;
    /// The given tenants and all their descendants.
    async fn tenants_under(&self, roots: &[TenantId]) -> Result<Vec<Tenant>, ApiError>;
    async fn all_tenants(&self) -> Result<Vec<Tenant>, ApiError>;
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    async fn get_member(&self, tenant: &TenantId, member: &MemberId) -> Result<Option<Member>, ApiError>;
    /// Every membership of one person, across tenants.
    async fn memberships_of(&self, user: &UserSub) -> Result<Vec<Member>, ApiError>;
    async fn list_members(
        &self,
        tenant: &TenantId,
        after: Option<&MemberId>,
        limit: usize,
        filter: &MemberFilter,
    ) -> Result<MemberPage, ApiError>;
    /// Adds an invited member and counts it on its person; `MemberExists` if the email is
    /// already a member of the tenant, `PersonChanged` (see `Joining`).
    async fn insert_member(&self, member: &Member, invitation: &TokenRecord, joining: Joining, change: &Change) -> Result<(), ApiError>;
    /// Takes back an `insert_member` whose invitation could not be sent.
    async fn undo_insert_member(&self, member: &Member, invitation: &TokenRecord, change: &Change) -> Result<(), ApiError>;
    /// Stores the member's new roles; `VersionConflict` unless it is still at `member.version`.
    async fn change_roles(&self, member: &Member, roles: &Roles, change: &Change) -> Result<Member, ApiError>;
    /// Sets the person's MFA and its copy on each of their memberships (all of them, `before` as
    /// read with the person, and `after`), with one audit entry each; `VersionConflict` if any
    /// changed meanwhile.
    async fn set_mfa(&self, person: &Person, memberships: &[(Member, Member)], mfa: &Mfa, entries: Vec<AuditEntry>)
        -> Result<(), ApiError>;
    /// Removes the membership, its email marker and its live links, and uncounts it on its person;
    /// `PersonChanged` if the person changed since `leaving` read them.
    async fn delete_member(&self, member: &Member, leaving: &Leaving, change: &Change) -> Result<(), ApiError>;
    /// Makes `link` the member's one live link of its purpose (the previous one dies);
    /// `RateLimited` past the quota.
    async fn replace_link(&self, member: &Member, link: &TokenRecord, quota: &SendQuota, change: &Change) -> Result<Member, ApiError>;
}

#[async_trait]
pub trait PersonStore: Send + Sync {
    async fn get_person(&self, user: &UserSub) -> Result<Option<Person>, ApiError>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError>;
    /// Holds the link for this redemption; `TokenInvalid` if it is gone or held by another.
    /// With `first_password`, also records that this link sets that person's first password
    /// (`SignInRequired` if another link did, or the person has an account this link did not
    /// give them).
    async fn claim_link(&self, token: &TokenRecord, claim: &LinkClaim, first_password: Option<&FirstPassword>) -> Result<(), ApiError>;
    /// Lets go of a claim after a failed redemption, so that the link works again at once.
    async fn release_link(&self, token: &TokenRecord, claim: &LinkClaim) -> Result<(), ApiError>;
    /// Burns the invitation and activates its member, in one transaction; `TokenInvalid` if the
    /// token was used, replaced or (with `claim`) taken over meanwhile.
    async fn accept_invitation(
        &self,
        token: &TokenRecord,
        claim: Option<&LinkClaim>,
        member: &Member,
        change: &Change,
    ) -> Result<Member, ApiError>;
    /// Burns the password-reset token held by `claim`; `TokenInvalid` if it was used or replaced.
    async fn complete_password_reset(
        &self,
        token: &TokenRecord,
        claim: &LinkClaim,
        member: &Member,
        change: &Change,
    ) -> Result<(), ApiError>;
}

/// A tenant's audit trail, newest first.
pub type AuditPage = Page<AuditEntry, AuditId>;

/// Every store change also writes its audit entry (see `audit`); this reads them back.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn list_audit(&self, tenant: &TenantId, before: Option<&AuditId>, limit: usize) -> Result<AuditPage, ApiError>;
}

/// A response kept under an `Idempotency-Key`, to be replayed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// What a key's first use found.
#[derive(Debug)]
pub enum Reservation {
    /// The key is now held for this request.
    Reserved,
    /// The same request already succeeded: answer as it did.
    Replay(StoredResponse),
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Holds `key` for a request with this fingerprint; `IdempotencyKeyReused` if it was used
    /// for another request, `IdempotencyInProgress` while the first one runs.
    async fn reserve(&self, key: &str, fingerprint: &str, now: OffsetDateTime) -> Result<Reservation, ApiError>;
    async fn complete(&self, key: &str, response: &StoredResponse) -> Result<(), ApiError>;
    /// Lets the key go after a failed request, so that a retry runs anew.
    async fn release(&self, key: &str) -> Result<(), ApiError>;
}

/// The one table holds tenants, members, tokens, audit entries and idempotency records.
pub trait Store: TenantStore + MemberStore + PersonStore + TokenStore + AuditStore + IdempotencyStore {}
impl<T: TenantStore + MemberStore + PersonStore + TokenStore + AuditStore + IdempotencyStore> Store for T {}

/// The Cognito user behind an email.
#[derive(Debug, Clone)]
pub struct DirectoryUser {
    pub sub: UserSub,
    /// This call created it.
    pub created: bool,
    /// The person has a password of their own (an invitation asks them to sign in and join).
    pub has_account: bool,
}

/// The identity provider: people, passwords and sessions.
#[async_trait]
pub trait Directory: Send + Sync {
    /// The person with this email, created (without any message) if they have no account yet.
    async fn ensure_user(&self, email: &Email) -> Result<DirectoryUser, ApiError>;
    /// Sets a permanent password; `PasswordRejected` with the policy's reason.
    async fn set_password(&self, user: &UserSub, password: &str) -> Result<(), ApiError>;
    /// Whether a person with this email has completed registration (has a password).
    async fn is_registered(&self, email: &Email) -> Result<bool, ApiError>;
    /// Whether the person has an account they can sign in with (a password of their own).
    async fn has_account(&self, user: &UserSub) -> Result<bool, ApiError>;
    /// The Cognito groups of the person (`operators`…); none for a user that does not exist.
    async fn groups_of(&self, user: &UserSub) -> Result<Vec<String>, ApiError>;
    /// Whether Cognito has any MFA on for the person.
    async fn mfa_enabled(&self, user: &UserSub) -> Result<bool, ApiError>;
    /// Ends every session of the person (refresh tokens revoked, access tokens rejected).
    async fn sign_out_everywhere(&self, user: &UserSub) -> Result<(), ApiError>;
    async fn delete_user(&self, user: &UserSub) -> Result<(), ApiError>;
    /// Turns MFA on: the authenticator app when the person registered one, else email. Returns
    /// which one is now preferred.
    async fn enable_mfa(&self, user: &UserSub) -> Result<MfaType, ApiError>;
    /// Clears every MFA preference.
    async fn disable_mfa(&self, user: &UserSub) -> Result<(), ApiError>;
}

pub struct OutgoingEmail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: OutgoingEmail) -> Result<(), ApiError>;
}
