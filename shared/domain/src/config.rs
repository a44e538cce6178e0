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
}

impl Config {
    pub const DEFAULT_INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
    pub const DEFAULT_PASSWORD_RESET_TTL: Duration = Duration::from_secs(3600);

    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let seconds = |name: &str, default: Duration| match std::env::var(name) {
            Ok(raw) => raw.parse::<u64>().map(Duration::from_secs).map_err(|_| format!("{name} must be a number of seconds")),
            Err(_) => Ok(default),
        };
        Ok(Self {
            table_name: var("TABLE_NAME")?,
            user_pool_id: var("USER_POOL_ID")?,
            sender_email: var("SENDER_EMAIL")?,
            ses_configuration_set: std::env::var("SES_CONFIGURATION_SET").ok().filter(|s| !s.is_empty()),
            portal_base_url: var("PORTAL_BASE_URL")?.trim_end_matches('/').to_string(),
            invitation_ttl: seconds("INVITATION_TTL_SECONDS", Self::DEFAULT_INVITATION_TTL)?,
            password_reset_ttl: seconds("PASSWORD_RESET_TTL_SECONDS", Self::DEFAULT_PASSWORD_RESET_TTL)?,
            password_policy: PasswordPolicy::from_env()?,
            email_quotas: EmailQuotas::from_env()?,
        })
    }
}
