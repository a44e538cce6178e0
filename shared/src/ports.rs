//! What the domain needs from the outside world, as small traits. The AWS adapters implement
//! them; domain code never sees an SDK type.
use async_trait::async_trait;
use time::OffsetDateTime;

use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{MemberId, TenantId, UserSub};
use crate::model::{Member, Tenant};
use crate::tokens::TokenHash;

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

/// One page of members, in creation order.
#[derive(Debug)]
pub struct MemberPage {
    pub items: Vec<Member>,
    /// The last member of this page when more follow.
    pub last: Option<MemberId>,
}

#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, ApiError>;
    /// Creates the tenant with its representative, in one transaction.
    async fn create_tenant(&self, tenant: &Tenant, representative: &Member, invitation: &TokenRecord) -> Result<(), ApiError>;
    /// Takes back a `create_tenant` whose invitation could not be sent.
    async fn undo_create_tenant(&self, tenant: &Tenant, representative: &Member, invitation: &TokenRecord) -> Result<(), ApiError>;
    /// The given tenants and all their descendants.
    async fn tenants_under(&self, roots: &[TenantId]) -> Result<Vec<Tenant>, ApiError>;
    async fn all_tenants(&self) -> Result<Vec<Tenant>, ApiError>;
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    async fn get_member(&self, tenant: &TenantId, member: &MemberId) -> Result<Option<Member>, ApiError>;
    /// Every membership of one person, across tenants.
    async fn memberships_of(&self, user: &UserSub) -> Result<Vec<Member>, ApiError>;
    async fn list_members(&self, tenant: &TenantId, after: Option<&MemberId>, limit: usize) -> Result<MemberPage, ApiError>;
    /// Adds an invited member; `MemberExists` if the email is already a member of the tenant.
    async fn insert_member(&self, member: &Member, invitation: &TokenRecord) -> Result<(), ApiError>;
    /// Takes back an `insert_member` whose invitation could not be sent.
    async fn undo_insert_member(&self, member: &Member, invitation: &TokenRecord) -> Result<(), ApiError>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError>;
    /// Burns the invitation and activates its member, in one transaction; `TokenInvalid` if the
    /// token was used or replaced meanwhile.
    async fn accept_invitation(&self, token: &TokenRecord, member: &Member, at: OffsetDateTime) -> Result<Member, ApiError>;
}

/// The one table holds tenants, members and tokens.
pub trait Store: TenantStore + MemberStore + TokenStore {}
impl<T: TenantStore + MemberStore + TokenStore> Store for T {}

/// The identity provider: people, passwords and sessions.
#[async_trait]
pub trait Directory: Send + Sync {
    /// The person with this email, created (without any message) if they have no account yet.
    async fn ensure_user(&self, email: &Email) -> Result<UserSub, ApiError>;
    /// Sets a permanent password; `PasswordRejected` with the policy's reason.
    async fn set_password(&self, user: &UserSub, password: &str) -> Result<(), ApiError>;
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
