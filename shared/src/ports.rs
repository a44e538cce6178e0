//! What the domain needs from the outside world, as small traits. The AWS adapters implement
//! them; domain code never sees an SDK type.
use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::{AuditEntry, Change};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, MemberId, TenantId, UserSub};
use crate::catalog::Roles;
use crate::model::{Member, MemberStatus, Mfa, MfaType, Tenant};
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
        Self {
            hash: token.hash(),
            purpose,
            tenant_id: member.tenant_id.clone(),
            member_id: member.member_id.clone(),
            expires_at,
        }
    }
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
    /// Creates the tenant with its representative, in one transaction.
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        representative: &Member,
        invitation: &TokenRecord,
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
    /// Moves the invited representative to a new email (`after`), revoking the old invitation
    /// for `invitation`; `EmailInUse` if the email is a member of the tenant meanwhile.
    async fn change_representative_email(
        &self,
        tenant: &Tenant,
        before: &Member,
        after: &Member,
        invitation: &TokenRecord,
        change: &Change,
    ) -> Result<Tenant, ApiError>;
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
    /// Adds an invited member; `MemberExists` if the email is already a member of the tenant.
    async fn insert_member(&self, member: &Member, invitation: &TokenRecord, change: &Change) -> Result<(), ApiError>;
    /// Takes back an `insert_member` whose invitation could not be sent.
    async fn undo_insert_member(&self, member: &Member, invitation: &TokenRecord, change: &Change) -> Result<(), ApiError>;
    /// Stores the member's new roles; `VersionConflict` unless it is still at `member.version`.
    async fn change_roles(&self, member: &Member, roles: &Roles, change: &Change) -> Result<Member, ApiError>;
    async fn set_mfa(&self, member: &Member, mfa: &Mfa, change: &Change) -> Result<Member, ApiError>;
    /// Removes the membership, its email marker and its live links.
    async fn delete_member(&self, member: &Member, change: &Change) -> Result<(), ApiError>;
    /// Makes `link` the member's one live link of its purpose (the previous one dies);
    /// `RateLimited` past the quota.
    async fn replace_link(&self, member: &Member, link: &TokenRecord, quota: &SendQuota, change: &Change) -> Result<Member, ApiError>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError>;
    /// Burns the invitation and activates its member, in one transaction; `TokenInvalid` if the
    /// token was used or replaced meanwhile.
    async fn accept_invitation(&self, token: &TokenRecord, member: &Member, change: &Change) -> Result<Member, ApiError>;
    /// Burns the password-reset token; `TokenInvalid` if it was used or replaced meanwhile.
    async fn complete_password_reset(&self, token: &TokenRecord, member: &Member, change: &Change) -> Result<(), ApiError>;
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
pub trait Store: TenantStore + MemberStore + TokenStore + AuditStore + IdempotencyStore {}
impl<T: TenantStore + MemberStore + TokenStore + AuditStore + IdempotencyStore> Store for T {}

/// The identity provider: people, passwords and sessions.
#[async_trait]
pub trait Directory: Send + Sync {
    /// The person with this email, created (without any message) if they have no account yet.
    async fn ensure_user(&self, email: &Email) -> Result<UserSub, ApiError>;
    /// Sets a permanent password; `PasswordRejected` with the policy's reason.
    async fn set_password(&self, user: &UserSub, password: &str) -> Result<(), ApiError>;
    /// Whether a person with this email has completed registration (has a password).
    async fn is_registered(&self, email: &Email) -> Result<bool, ApiError>;
    /// Ends every session of the person (refresh tokens revoked, access tokens rejected). By
    /// email, the name they sign in with.
    async fn sign_out_everywhere(&self, email: &Email) -> Result<(), ApiError>;
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
