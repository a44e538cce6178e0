//! A function's configuration, read from the environment `template.yaml` gives it. Only the
//! edge reads the environment: the domain is handed the `Config` it makes.
use std::time::Duration;

use crate::config::Config;
use crate::links::EmailQuotas;
use crate::password::PasswordPolicy;

fn var(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

/// The configuration of a function (or trigger), from its environment.
pub fn config() -> Result<Config, String> {
    let seconds = |name: &str, default: Duration| match std::env::var(name) {
        Ok(raw) => raw.parse::<u64>().map(Duration::from_secs).map_err(|_| format!("{name} must be a number of seconds")),
        Err(_) => Ok(default),
    };
    Ok(Config {
        table_name: var("TABLE_NAME")?,
        user_pool_id: var("USER_POOL_ID")?,
        sender_email: var("SENDER_EMAIL")?,
        ses_configuration_set: std::env::var("SES_CONFIGURATION_SET").ok().filter(|s| !s.is_empty()),
        portal_base_url: var("PORTAL_BASE_URL")?.trim_end_matches('/').to_string(),
        invitation_ttl: seconds("INVITATION_TTL_SECONDS", Config::DEFAULT_INVITATION_TTL)?,
        password_reset_ttl: seconds("PASSWORD_RESET_TTL_SECONDS", Config::DEFAULT_PASSWORD_RESET_TTL)?,
        password_policy: password_policy()?,
        email_quotas: email_quotas()?,
        batch_invitations_per_second: match std::env::var("BATCH_INVITATIONS_PER_SECOND") {
            Ok(raw) => raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or("BATCH_INVITATIONS_PER_SECOND must be a whole number above 0")?,
            Err(_) => Config::DEFAULT_BATCH_INVITATIONS_PER_SECOND,
        },
        batches_per_tenant_per_minute: match std::env::var("BATCHES_PER_TENANT_PER_MINUTE") {
            Ok(raw) => raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or("BATCHES_PER_TENANT_PER_MINUTE must be a whole number above 0")?,
            Err(_) => Config::DEFAULT_BATCHES_PER_TENANT_PER_MINUTE,
        },
        directory_refusals_per_minute: match std::env::var("DIRECTORY_REFUSALS_PER_MINUTE") {
            Ok(raw) => raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or("DIRECTORY_REFUSALS_PER_MINUTE must be a whole number above 0")?,
            Err(_) => Config::DEFAULT_DIRECTORY_REFUSALS_PER_MINUTE,
        },
        public_origin_secret: std::env::var("PUBLIC_ORIGIN_SECRET").ok().filter(|s| !s.is_empty()),
        api_base_url: std::env::var("API_BASE_URL").ok().filter(|s| !s.is_empty()).map(|s| s.trim_end_matches('/').to_string()),
    })
}

/// The pool's password policy, as `template.yaml` passes its `PasswordPolicy` mapping on.
fn password_policy() -> Result<PasswordPolicy, String> {
    let flag = |name: &str| var(name)?.parse::<bool>().map_err(|_| format!("{name} must be true or false"));
    Ok(PasswordPolicy {
        minimum_length: var("PASSWORD_MINIMUM_LENGTH")?.parse().map_err(|_| "PASSWORD_MINIMUM_LENGTH must be a number")?,
        require_lowercase: flag("PASSWORD_REQUIRE_LOWERCASE")?,
        require_uppercase: flag("PASSWORD_REQUIRE_UPPERCASE")?,
        require_numbers: flag("PASSWORD_REQUIRE_NUMBERS")?,
        require_symbols: flag("PASSWORD_REQUIRE_SYMBOLS")?,
    })
}

/// The environment variables `password_policy` reads, as `template.yaml` sets them.
pub fn password_policy_vars(policy: &PasswordPolicy) -> Vec<(String, String)> {
    vec![
        ("PASSWORD_MINIMUM_LENGTH".into(), policy.minimum_length.to_string()),
        ("PASSWORD_REQUIRE_LOWERCASE".into(), policy.require_lowercase.to_string()),
        ("PASSWORD_REQUIRE_UPPERCASE".into(), policy.require_uppercase.to_string()),
        ("PASSWORD_REQUIRE_NUMBERS".into(), policy.require_numbers.to_string()),
        ("PASSWORD_REQUIRE_SYMBOLS".into(), policy.require_symbols.to_string()),
    ]
}

/// The email quotas of the `EmailsPer*` parameters (each variable optional).
fn email_quotas() -> Result<EmailQuotas, String> {
    let defaults = EmailQuotas::default();
    let count = |name: &str, default: u32| match std::env::var(name) {
        Ok(raw) => raw.parse::<u32>().map_err(|_| format!("{name} must be a whole number")),
        Err(_) => Ok(default),
    };
    Ok(EmailQuotas {
        per_address_per_day: count("EMAILS_PER_ADDRESS_PER_DAY", defaults.per_address_per_day)?,
        per_address_per_tenant_tree_per_day: count(
            "EMAILS_PER_ADDRESS_PER_TENANT_TREE_PER_DAY",
            defaults.per_address_per_tenant_tree_per_day,
        )?,
        per_tenant_per_day: count("EMAILS_PER_TENANT_PER_DAY", defaults.per_tenant_per_day)?,
        per_service_per_day: count("EMAILS_PER_SERVICE_PER_DAY", defaults.per_service_per_day)?,
    })
}
