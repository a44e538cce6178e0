//! What the domain needs from the outside world, as small traits. The AWS adapters implement
//! them; domain code never sees an SDK type.
use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::AuditEntry;
use crate::changes::Changeset;
use crate::directory::{Connection, DirectoryGroup, DirectoryToken, Refusal, RefusalWindow};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, GroupId, MemberId, TenantId, UserSub};
use crate::links::{Quota, TokenRecord};
use crate::listing::{MemberFilter, MemberPage, Page, TenantPage};
use crate::model::{Member, MfaType, Person, Tenant};
use crate::tokens::TokenHash;

#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, ApiError>;
    /// The given tenants (those that exist), in id order.
    async fn get_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError>;
    /// The ids of the given tenants and all their descendants, in id order.
    async fn tenant_ids_under(&self, roots: &[TenantId]) -> Result<Vec<TenantId>, ApiError>;
    /// Every tenant, `limit` at a time after `after`.
    async fn tenants_page(&self, after: Option<&TenantId>, limit: usize) -> Result<TenantPage, ApiError>;
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    async fn get_member(&self, tenant: &TenantId, member: &MemberId) -> Result<Option<Member>, ApiError>;
    /// Every membership of one person, across tenants.
    async fn memberships_of(&self, user: &UserSub) -> Result<Vec<Member>, ApiError>;
    /// Up to `limit` of the tenant's active tenant-admins, from an index that may lag a change
    /// by a moment.
    async fn tenant_admins(&self, tenant: &TenantId, limit: usize) -> Result<Vec<Member>, ApiError>;
    /// Members after `after` that match `filter`: at most `limit`, reading at most
    /// `MEMBERS_READ_PER_PAGE` members.
    async fn list_members(
        &self,
        tenant: &TenantId,
        after: Option<&MemberId>,
        limit: usize,
        filter: &MemberFilter,
    ) -> Result<MemberPage, ApiError>;
    /// Which of `emails` are members of the tenant already (a batch's dry run asks).
    async fn emails_in_use(&self, tenant: &TenantId, emails: &[Email]) -> Result<Vec<Email>, ApiError>;
    /// The tenant's member with this email, if any: its email's marker, then the member.
    async fn member_by_email(&self, tenant: &TenantId, email: &Email) -> Result<Option<Member>, ApiError>;
}

#[async_trait]
pub trait PersonStore: Send + Sync {
    async fn get_person(&self, user: &UserSub) -> Result<Option<Person>, ApiError>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError>;
}

/// The email quotas' counters, as a batch's dry run reads them (a send counts in its commit).
#[async_trait]
pub trait QuotaStore: Send + Sync {
    /// The emails each quota's counter holds in its window, in the order of `quotas`.
    async fn emails_counted(&self, quotas: &[Quota]) -> Result<Vec<u32>, ApiError>;
}

/// The tenants' directory connections (SCIM) and their tokens.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// The tenant's connection; `Connection::unset` if none was stored.
    async fn get_connection(&self, tenant: &TenantId) -> Result<Connection, ApiError>;
    /// The directory token with this hash: one read, as every SCIM request makes.
    async fn get_directory_token(&self, hash: &TokenHash) -> Result<Option<DirectoryToken>, ApiError>;
    /// Records that the token was used at `at` (a token revoked meanwhile stays gone).
    async fn record_directory_token_use(&self, hash: &TokenHash, at: OffsetDateTime) -> Result<(), ApiError>;
    /// Counts a request refused for its token on the tenant's SCIM path, on its connection: one
    /// write, none once the window is full or for a tenant without a connection.
    async fn count_refusal(&self, tenant: &TenantId, window: &RefusalWindow) -> Result<Refusal, ApiError>;
    async fn get_group(&self, tenant: &TenantId, group: &GroupId) -> Result<Option<DirectoryGroup>, ApiError>;
    /// Every group of the tenant's directory, in id order.
    async fn list_groups(&self, tenant: &TenantId) -> Result<Vec<DirectoryGroup>, ApiError>;
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

/// The write side of the store: every state change is one changeset, decided by the domain.
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// Writes every write of the changeset or none; when a write's condition fails, answers
    /// that write's own conflict.
    async fn commit(&self, changes: &Changeset) -> Result<(), ApiError>;
}

/// The one table holds tenants, members, tokens, quotas, audit entries and idempotency records.
pub trait Store:
    TenantStore + MemberStore + PersonStore + TokenStore + QuotaStore + AuditStore + IdempotencyStore + ChangeStore + DirectoryStore
{
}
impl<
        T: TenantStore + MemberStore + PersonStore + TokenStore + QuotaStore + AuditStore + IdempotencyStore + ChangeStore + DirectoryStore,
    > Store for T
{
}

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
    /// The person's sign-in email; none for a user that does not exist.
    async fn email_of(&self, user: &UserSub) -> Result<Option<Email>, ApiError>;
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

#[derive(Debug, Clone)]
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
