use std::time::Duration;

use crate::links::EmailQuotas;
use crate::password::PasswordPolicy;

/// Where the service's resources are and how long its links live. Lambda reads it from the
/// environment `template.yaml` sets; the local stack builds it from what it provisioned.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub user_pool_id: String,
    pub sender_email: String,
    /// SES configuration set the emails are sent with, if any.
    pub ses_configuration_set: Option<String>,
    pub portal_base_url: String,
    pub invitation_ttl: Duration,
    pub password_reset_ttl: Duration,
    /// The user pool's password policy (`template.yaml`'s `PasswordPolicy` mapping).
    pub password_policy: PasswordPolicy,
    /// How many emails may go out (`template.yaml`'s `EmailsPer*` parameters).
    pub email_quotas: EmailQuotas,
    /// How many rows of an invitation batch start per second (`BatchInvitationsPerSecond`): each
    /// calls Cognito's `AdminCreateUser` and SES's `SendEmail`, whose rates the account shares.
    pub batch_invitations_per_second: u32,
    /// How many invitation batches one tenant takes a minute (`BatchesPerTenantPerMinute`),
    /// counted once the caller is known to manage it (`links::Quota::batches`).
    pub batches_per_tenant_per_minute: u32,
    /// How many requests a tenant's SCIM path refuses for their token in a minute before it
    /// answers `429` until the minute ends (`DirectoryRefusalsPerMinute`; `directory::RefusalWindow`).
    pub directory_refusals_per_minute: u32,
    /// With the stack's firewall on (`PublicRoutesFirewall`), the value its CloudFront
    /// distribution sends in `X-Origin-Verify`: a public request without it came around the
    /// per-client limit, straight to the API's own address.
    pub public_origin_secret: Option<String>,
    /// Where clients reach the API (`ApiBaseUrl`: a custom domain, the firewall's distribution),
    /// when the deployer names it; else the address a request came to. The tenants' SCIM
    /// endpoints are shown on it.
    pub api_base_url: Option<String>,
}

impl Config {
    pub const DEFAULT_INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
    pub const DEFAULT_PASSWORD_RESET_TTL: Duration = Duration::from_secs(3600);
    /// A fifth of Cognito's default `AdminCreateUser` rate (50/s) and under SES's usual sending
    /// rate once out of the sandbox (14/s): 100 rows start within ten seconds.
    pub const DEFAULT_BATCH_INVITATIONS_PER_SECOND: u32 = 10;
    /// A busy day of onboarding sends a few batches (up to 100 rows each) a minute.
    pub const DEFAULT_BATCHES_PER_TENANT_PER_MINUTE: u32 = 10;
    /// A directory whose token was revoked retries a few times a minute; a guesser sends far more.
    pub const DEFAULT_DIRECTORY_REFUSALS_PER_MINUTE: u32 = 30;
}
